//! `GET /api/v1/credentials/{id}`: an issued credential, as the VC-JWT that was signed
//! (`Accept: application/vc+jwt` or `application/jwt`) or as its JSON. The API reads the
//! session like the rest of the house API does: a public credential for anyone, a private
//! one for its earner and the animators when their session cookie comes along, a 404
//! problem for everyone else and for an unknown id.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::accept::{preferred, Media};
use super::credentials::{machine_answer, visible};
use crate::auth::MaybeUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// One credential: an `OpenBadgeCredential` (W3C Verifiable Credential 2.0, Open Badges 3.0).
#[utoipa::path(get, path = "/api/v1/credentials/{id}", tag = "badges",
    params(("id" = String, Path, description = "The credential's id: the UUID of its `urn:uuid:` identifier, as in its page's address `/credentials/{id}`")),
    responses(
        (status = 200, description = "The credential. With `Accept: application/vc+jwt` (or `application/jwt`): the VC-JWT as signed by the platform (compact JWS, EdDSA, `kid` a key of `/.well-known/did.json`). Otherwise its JSON: the signed payload without the registered JWT claims (`iss`, `jti`, `sub`, `nbf`, `exp`), i.e. the W3C credential with `@context`, `id`, `type`, `issuer`, `validFrom`, `credentialSubject` (with its `achievement`) and `credentialStatus` (a `BitstringStatusListEntry`)",
            content(
                (Object = "application/json"),
                (Object = "application/ld+json"),
                (String = "application/vc+jwt"),
                (String = "application/jwt")
            )),
        (status = 404, description = "No such credential, or not public (and not the signed-in reader's own)", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn credential(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let c = visible(&state, &id, user.as_ref()).await?;
    let offered = [Media::Jwt, Media::Json, Media::JsonLd];
    let media = preferred(&headers, &offered, Media::Json);
    Ok(machine_answer(&c, media)?)
}
