//! `/verifier`: anyone, visitors too, pastes a badge (the text of a `.jwt` or `.json` file)
//! or uploads the file, and reads each check in French — format, signature, issuer, dates,
//! revocation, type — with what the badge says when it can be read. A plain form (the file
//! makes it `multipart/form-data`; a form of text alone is read too), its CSRF token checked
//! like every form's, a budget per client address, text of at most core's `MAX_INPUT`
//! (1 MiB). Whatever is sent, the answer is a page, never a server error; nothing sent is
//! kept, and the page cache keeps the pages it holds (the form writes nothing they show).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use catalyse_core::badges::verify::MAX_INPUT;

use super::issuer::issuer;
use super::verification::{verify_here, Verification};
use crate::auth::{csrf_matches, ClientIp, CsrfToken, CSRF_FIELD};
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::page_cache::WroteNothing;
use crate::pages::{render_status, PageCtx};
use crate::state::AppState;
use crate::upload::{MultipartForm, UploadProblem};

/// The text field and the file field of the form.
pub const TEXT_FIELD: &str = "jeton";
pub const FILE_FIELD: &str = "fichier";

/// The largest text shown again in the form when it is refused.
const ECHO_MAX: usize = 64 * 1024;

/// The body limit of `POST /verifier`: a file of `MAX_INPUT` with room for the form around
/// it, twice over, so that a file a little too large gets a page that says so.
pub fn body_limit() -> usize {
    2 * MAX_INPUT + 64 * 1024
}

#[derive(Template)]
#[template(path = "badges_verifier.html")]
struct VerifierPage<'a> {
    ctx: &'a PageCtx,
    errors: FormErrors,
    /// The text sent, shown again in the form when refused (and short enough).
    text: String,
    result: Option<Verification>,
    did: String,
}

impl VerifierPage<'_> {
    fn max_kb(&self) -> String {
        kilobytes(self.ctx)
    }
}

/// `MAX_INPUT` in kilobytes, written the page's way (« 1 024 »).
fn kilobytes(ctx: &PageCtx) -> String {
    crate::i18n::format_count(ctx.t.lang, (MAX_INPUT / 1024) as i64)
}

fn page<'a>(ctx: &'a PageCtx, state: &AppState) -> VerifierPage<'a> {
    VerifierPage {
        ctx,
        errors: FormErrors::default(),
        text: String::new(),
        result: None,
        did: issuer(&state.config).did,
    }
}

/// `GET /verifier`: the form.
pub async fn form(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    render_status(&ctx, StatusCode::OK, &page(&ctx, &state))
}

/// What the form brought: the text to verify, or why there is none (a field and a message).
type Sent = Result<String, (&'static str, String)>;

/// The text of an uploaded file: UTF-8 (a byte-order mark dropped), no control character
/// other than tabs and line breaks, at most `MAX_INPUT` bytes.
fn file_text(ctx: &PageCtx, bytes: &[u8]) -> Sent {
    let t = ctx.t;
    if bytes.len() > MAX_INPUT {
        return Err((FILE_FIELD, t.f("verifier.too_large", kilobytes(ctx))));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s)
            if !s
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) =>
        {
            Ok(s.to_string())
        }
        _ => Err((FILE_FIELD, t.s("verifier.not_text").to_string())),
    }
}

/// Reads the form, sent as `multipart/form-data` (with a file) or as a plain form.
async fn read(ctx: &PageCtx, state: &AppState, req: Request) -> Result<(Sent, String), AppError> {
    let t = ctx.t;
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/")
        });
    let (text, file): (String, Option<Bytes>) = if multipart {
        let form = MultipartForm::from_request(req, state).await?;
        match form.problem {
            Some(UploadProblem::TooLarge) => {
                let e = (FILE_FIELD, t.f("verifier.too_large", kilobytes(ctx)));
                return Ok((Err(e), String::new()));
            }
            Some(UploadProblem::Unreadable) => {
                let e = (FILE_FIELD, t.s("verifier.cut_off").to_string());
                return Ok((Err(e), String::new()));
            }
            None => {}
        }
        if form.empty_file(FILE_FIELD) {
            let e = (FILE_FIELD, t.s("verifier.empty_file").to_string());
            return Ok((Err(e), form.field(TEXT_FIELD).to_string()));
        }
        let file = form.file(FILE_FIELD).map(|f| f.bytes.clone());
        (form.field(TEXT_FIELD).to_string(), file)
    } else {
        let expected = (req.extensions().get::<CsrfToken>()).and_then(|t| t.existing.clone());
        let Ok(bytes) = Bytes::from_request(req, state).await else {
            let e = (TEXT_FIELD, t.f("verifier.too_large", kilobytes(ctx)));
            return Ok((Err(e), String::new()));
        };
        let fields: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
        let field = |name: &str| {
            (fields.iter())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        if !csrf_matches(expected.as_deref(), &field(CSRF_FIELD)) {
            return Err(AppError::Forbidden);
        }
        (field(TEXT_FIELD), None)
    };
    let pasted = !text.trim().is_empty();
    let sent = match (file, pasted) {
        (Some(_), true) => Err((TEXT_FIELD, t.s("verifier.both").to_string())),
        (Some(bytes), false) => file_text(ctx, &bytes),
        (None, true) if text.len() > MAX_INPUT => {
            Err((TEXT_FIELD, t.f("verifier.too_large_text", kilobytes(ctx))))
        }
        (None, true) => Ok(text.clone()),
        (None, false) => Err((TEXT_FIELD, t.s("verifier.nothing").to_string())),
    };
    Ok((sent, text))
}

/// `POST /verifier`: the checks of the badge sent, or the form with what is wrong.
pub async fn check(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    req: Request,
) -> Result<Response, AppError> {
    let (sent, text) = read(&ctx, &state, req).await?;
    let mut p = page(&ctx, &state);
    let status = match sent {
        Err((field, message)) => {
            // Shown again to be corrected (after a check, the form is for another badge).
            if text.len() <= ECHO_MAX {
                p.text = text;
            }
            p.errors = FormErrors::one(field, message);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Ok(token) => {
            state.limits.verifier(state.store.as_ref(), ip).await?;
            p.result = Some(verify_here(&state, &token).await?);
            StatusCode::OK
        }
    };
    let mut resp = render_status(&ctx, status, &p)?;
    resp.extensions_mut().insert(WroteNothing);
    Ok(resp)
}
