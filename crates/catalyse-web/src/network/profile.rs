//! `/mon-profil`: a member describes what she does and decides what is public. Every
//! submitted version goes to the moderation queue; what others see changes only when a
//! moderator approves it. Visibility and consent apply at once. She can also download all
//! her data (JSON) and delete her account.

use crate::auth::{close_session, verify_password, CsrfForm, SignedIn};
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use crate::territories::pick::{self, Ambiguity, Resolved};
use crate::upload::{MultipartForm, UploadProblem};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::network::{Profile, ProfileFields, TerritoryRef, Visibility};
use catalyse_core::{TerritoryIndex, User};
use chrono::Utc;
use serde::Deserialize;

/// How a territory of action is written in the form: « Lyon (commune 69123) ».
pub fn territory_line(territories: &TerritoryIndex, t: &TerritoryRef) -> String {
    match territories.get(t.level, &t.code) {
        Some(x) => pick::line(x),
        None => format!("? ({} {})", pick::level_word(t.level), t.code),
    }
}

/// The form as typed.
#[derive(Default, Clone)]
pub struct Draft {
    pub display_name: String,
    pub organisation: String,
    pub actor_family: String,
    pub role: String,
    pub territories: String,
    pub activities: Vec<String>,
    pub levers: Vec<String>,
    pub themes: String,
    pub bio: String,
    pub links: String,
    pub visibility: String,
    pub consent: bool,
    /// « Ne pas me proposer dans les suggestions des besoins »: applies at once, like the
    /// visibility.
    pub opt_out: bool,
}

impl Draft {
    /// What the form shows: the version under review or else the published one; for a member
    /// with no profile yet, her account's name and a profile seen by members only.
    fn shown(state: &AppState, profile: Option<&Profile>, user: &User, opt_out: bool) -> Draft {
        let d = match profile {
            Some(p) => (p.moderated.current())
                .map(|f| Draft::of(&state.territories, f, p))
                .unwrap_or_default(),
            None => Draft {
                display_name: user.display_name.clone(),
                visibility: "members".into(),
                ..Draft::default()
            },
        };
        Draft { opt_out, ..d }
    }

    fn of(territories: &TerritoryIndex, f: &ProfileFields, p: &Profile) -> Draft {
        Draft {
            display_name: f.display_name.clone(),
            organisation: f.organisation.clone(),
            actor_family: f.actor_family.clone(),
            role: f.role.clone(),
            territories: f
                .territories
                .iter()
                .map(|t| territory_line(territories, t))
                .collect::<Vec<_>>()
                .join("\n"),
            activities: f.activities.clone(),
            levers: f.levers.clone(),
            themes: f.themes.join(", "),
            bio: f.bio.clone(),
            links: f.links.join("\n"),
            visibility: p.visibility.as_str().into(),
            consent: p.consent_at.is_some(),
            opt_out: false,
        }
    }
}

/// Whether the member asked not to be suggested to the authors of needs.
async fn opted_out(state: &AppState, user_id: i64) -> Result<bool, AppError> {
    Ok(state.store.unsuggestible_users().await?.contains(&user_id))
}

#[derive(Template)]
#[template(path = "network/my_profile.html")]
struct Page<'a> {
    ctx: &'a PageCtx,
    state: &'a AppState,
    profile: Option<Profile>,
    d: Draft,
    errors: FormErrors,
    notice: Option<String>,
    max_mb: u64,
    /// The lines of the territories field that designate several territories, with their
    /// candidates to choose from.
    choices: Vec<Ambiguity>,
}

impl Page<'_> {
    fn status(&self) -> String {
        let t = self.ctx.t;
        match &self.profile {
            None => t.s("me.status_none").into(),
            Some(p) if p.moderated.is_pending() => t.s("me.status_pending").into(),
            Some(p) => match (p.moderated.rejection(), p.moderated.published.is_some()) {
                (Some(reason), _) => t.f("me.status_rejected", reason),
                (None, true) => t.s("me.status_published").into(),
                (None, false) => t.s("me.status_none").into(),
            },
        }
    }
    fn visible_now(&self) -> String {
        let t = self.ctx.t;
        match &self.profile {
            Some(p) if p.is_public() => t.s("me.visible_public").into(),
            Some(p) if p.is_listed_for_members() => t.s("me.visible_members").into(),
            _ => t.s("me.visible_nobody").into(),
        }
    }
    fn text_fields(&self) -> [(&'static str, &'static str, &str, &'static str); 3] {
        [
            ("display_name", "me.f_name", &self.d.display_name, "name"),
            (
                "organisation",
                "me.f_organisation",
                &self.d.organisation,
                "organization",
            ),
            ("role", "me.f_role", &self.d.role, "organization-title"),
        ]
    }
    fn consent_date(&self, at: &chrono::DateTime<Utc>) -> String {
        self.ctx
            .t
            .f("me.consent_given", self.ctx.date(&at.date_naive()))
    }
    fn visibility_key(&self, v: &str) -> &'static str {
        match v {
            "public" => "me.visibility_public",
            "members" => "me.visibility_members",
            _ => "me.visibility_hidden",
        }
    }
    fn checked(&self, list: &[String], slug: &str) -> bool {
        list.iter().any(|s| s == slug)
    }
    fn photo(&self) -> Option<String> {
        let p = self.profile.as_ref()?;
        let sha = p.moderated.current()?.photo.as_ref()?;
        Some(format!("/reseau/photos/{sha}.jpg"))
    }
}

#[derive(Deserialize)]
pub struct Notice {
    etat: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Query(q): Query<Notice>,
) -> Result<Response, AppError> {
    let profile = state.store.profile(user.id).await?;
    let opt_out = opted_out(&state, user.id).await?;
    let d = Draft::shown(&state, profile.as_ref(), &user, opt_out);
    let notice = q.etat.as_deref().and_then(|e| match e {
        "bienvenue" => Some(ctx.t.s("me.notice_welcome").to_string()),
        "envoye" => Some(ctx.t.s("me.notice_sent").to_string()),
        "alertes" => Some(ctx.t.s("alerts.saved").to_string()),
        _ => None,
    });
    render(
        &ctx,
        &Page {
            ctx: &ctx,
            state: &state,
            profile,
            d,
            errors: FormErrors::default(),
            notice,
            max_mb: photo_max_mb(&state),
            choices: vec![],
        },
    )
}

/// Photos larger than this are refused before decoding (the platform's upload limit
/// `upload_max_mb` lowers it if it is smaller).
pub const PHOTO_MAX_MB: u64 = 10;

/// The body limit of `POST /mon-profil`: twice the largest photo and room for the text
/// fields, so that a photo somewhat too large is read to its end and answered with the form
/// and a message that says so (see `upload.rs`); beyond that the connection is cut.
pub const BODY_LIMIT: usize = 2 * PHOTO_MAX_MB as usize * 1024 * 1024 + 256 * 1024;

/// The largest photo accepted, in megabytes.
fn photo_max_mb(state: &AppState) -> u64 {
    PHOTO_MAX_MB.min(state.config.upload_max_mb.max(1))
}

/// The form again, as it was sent, with what is wrong in it (422).
fn form_again(
    ctx: &PageCtx,
    state: &AppState,
    profile: Option<Profile>,
    d: Draft,
    errors: FormErrors,
    choices: Vec<Ambiguity>,
) -> Result<Response, AppError> {
    let page = Page {
        ctx,
        state,
        profile,
        d,
        errors,
        notice: None,
        max_mb: photo_max_mb(state),
        choices,
    };
    render_status(ctx, StatusCode::UNPROCESSABLE_ENTITY, &page)
}

pub async fn save(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    form: MultipartForm,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let max_mb = photo_max_mb(&state);
    let before = state.store.profile(user.id).await?;
    let mut d = Draft {
        display_name: form.field("display_name").trim().into(),
        organisation: form.field("organisation").trim().into(),
        actor_family: form.field("actor_family").into(),
        role: form.field("role").trim().into(),
        territories: form.field("territories").trim().into(),
        activities: form.ticked(
            "activite",
            (state.reference.metier.iter())
                .flat_map(|f| f.activities.iter().map(|a| a.slug.as_str())),
        ),
        levers: form.ticked(
            "levier",
            state.reference.levers.iter().map(|l| l.slug.as_str()),
        ),
        themes: form.field("themes").trim().into(),
        bio: form.field("bio").trim().into(),
        links: form.field("links").trim().into(),
        visibility: form.field("visibility").into(),
        consent: form.field("consent") == "oui",
        opt_out: form.field("ne_pas_suggerer") == "oui",
    };
    let mut errors = FormErrors::default();
    if let Some(p) = form.problem {
        // The body was too large (or cut off): the fields after the photo never arrived.
        // Nothing is checked nor written; the form comes back with what arrived, the
        // choices not received as they were, and one message, on the photo.
        let was = before.as_ref();
        if !form.fields.contains_key("visibility") {
            d.visibility = was.map_or("members", |p| p.visibility.as_str()).into();
            d.consent = was.is_some_and(|p| p.consent_at.is_some());
            d.opt_out = opted_out(&state, user.id).await?;
        }
        errors.push(
            "photo",
            match p {
                UploadProblem::TooLarge => t.f("me.error_photo_size", max_mb),
                UploadProblem::Unreadable => p.message(t, max_mb),
            },
        );
        return form_again(&ctx, &state, before, d, errors, vec![]);
    }
    // Each line, or the candidate ticked for it when it designated several territories.
    let (mut territories, mut lines, mut choices) = (Vec::new(), Vec::new(), Vec::new());
    let index = &state.territories;
    for (i, line) in d
        .territories
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
    {
        let name = format!("territoire_{i}");
        let ticked = form.field(&name);
        let offered_for = form.field(&format!("{name}_pour"));
        let found = match pick::chosen(index, line, ticked, offered_for, None) {
            Some(c) => Resolved::One(c),
            None => pick::resolve(index, line, None),
        };
        match found {
            Resolved::One(c) => {
                territories.push(TerritoryRef {
                    level: c.level,
                    code: c.code.clone(),
                });
                lines.push(if ticked.is_empty() {
                    line.trim().to_string()
                } else {
                    pick::line(c)
                });
                continue;
            }
            Resolved::Unknown => errors.push(
                "territories",
                t.f("me.error_territory_unknown", line.trim()),
            ),
            Resolved::Ambiguous(list, more) => {
                errors.push(
                    "territories",
                    t.f("me.error_territory_ambiguous", line.trim()),
                );
                choices.push(Ambiguity::new(t, index, &name, line, &list, more));
            }
        }
        lines.push(line.trim().to_string());
    }
    d.territories = lines.join("\n");
    let visibility: Visibility = d.visibility.parse().unwrap_or(Visibility::Members);
    if d.visibility.parse::<Visibility>().is_err() {
        errors.push("visibility", t.s("me.error_visibility"));
    }
    if visibility == Visibility::Public && !d.consent {
        errors.push("consent", t.s("me.error_consent"));
    }
    let mut photo = before
        .as_ref()
        .and_then(|p| p.moderated.current())
        .and_then(|f| f.photo.clone());
    if form.field("photo_remove") == "oui" {
        photo = None;
    }
    let mut new_photo = None;
    if let Some(file) = form.file("photo") {
        if file.bytes.len() as u64 > max_mb * 1024 * 1024 {
            errors.push("photo", t.f("me.error_photo_size", max_mb));
        } else {
            let bytes = file.bytes.clone();
            match tokio::task::spawn_blocking(move || {
                catalyse_formats::profile_photo::normalise_photo(&bytes)
            })
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            {
                Ok(jpeg) => new_photo = Some(jpeg),
                Err(p) => errors.push("photo", p.message()),
            }
        }
    } else if form.empty_file("photo") {
        errors.push("photo", t.s("me.error_photo_empty"));
    }
    let mut fields = ProfileFields {
        display_name: d.display_name.clone(),
        organisation: d.organisation.clone(),
        actor_family: d.actor_family.clone(),
        role: d.role.clone(),
        territories,
        activities: d.activities.clone(),
        levers: d.levers.clone(),
        themes: d.themes.split(',').map(String::from).collect(),
        bio: d.bio.replace("\r\n", "\n"),
        links: d.links.lines().map(String::from).collect(),
        photo: None,
    };
    fields.normalise();
    let frame = crate::network::live::frame(&state);
    for p in fields.problems(&frame) {
        if errors.get(p.field).is_none()
            && !(p.field == "territories" && errors.get("territories").is_some())
        {
            errors.push(p.field, p.message);
        }
    }
    if !errors.is_empty() {
        return form_again(&ctx, &state, before, d, errors, choices);
    }
    super::service::submit_profile(
        &state,
        user.id,
        before.as_ref(),
        fields,
        photo,
        new_photo,
        visibility,
        d.consent,
    )
    .await?;
    // Once the profile exists (the store keeps the choice on it).
    if d.opt_out != opted_out(&state, user.id).await? {
        super::service::set_suggestible(&state, user.id, !d.opt_out).await?;
    }
    Ok(Redirect::to("/mon-profil?etat=envoye").into_response())
}

/// `GET /mon-profil/donnees.json`: everything the platform keeps about the member.
pub async fn export(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
) -> Result<Response, AppError> {
    let profile = state.store.profile(user.id).await?;
    let places = state.store.places_of(user.id).await?;
    let decisions = state
        .store
        .decisions(
            Some((catalyse_core::network::Subject::Member, user.id)),
            1000,
        )
        .await?;
    let sent = state.store.contacts_sent(user.id).await?;
    let suggestible = !opted_out(&state, user.id).await?;
    let diagnostics: Vec<serde_json::Value> = (state.store.saved_diagnostics(user.id).await?)
        .into_iter()
        .map(|d| {
            serde_json::json!({
                "questionnaire": d.questionnaire,
                "answers": d.answers,
                "department": d.department,
                "finished": d.finished,
                "created_at": d.created_at.to_rfc3339(),
                "updated_at": d.updated_at.to_rfc3339(),
            })
        })
        .collect();
    let body = serde_json::json!({
        "exported_at": Utc::now().to_rfc3339(),
        "account": account_json(&user),
        "profile": profile,
        "places": places,
        "moderation_decisions": decisions,
        "contact_messages_sent": sent,
        "suggested_for_needs": suggestible,
        "saved_diagnostics": diagnostics,
        "note": "Les messages envoyés à d'autres membres ne sont pas conservés : seuls leur date et leur destinataire le sont, pour limiter les abus.",
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"catalyse-mes-donnees.json\"",
            ),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        serde_json::to_string_pretty(&body).map_err(|e| AppError::Internal(e.into()))?,
    )
        .into_response())
}

fn account_json(u: &User) -> serde_json::Value {
    serde_json::json!({
        "id": u.id,
        "email": u.email.as_str(),
        "display_name": u.display_name,
        "role": u.role.as_str(),
        "email_verified": u.email_verified,
        "created_at": u.created_at.to_rfc3339(),
    })
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /mon-profil/supprimer`: the account goes at once, with the profile, its photo, the
/// sessions, and its place in the map, directory, index and exports.
pub async fn delete(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    headers: HeaderMap,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<DeleteForm>,
) -> Result<Response, AppError> {
    let ok = verify_password(form.password, Some(user.password_hash.clone())).await;
    if !ok || form.confirm != "oui" {
        let profile = state.store.profile(user.id).await?;
        let opt_out = opted_out(&state, user.id).await?;
        let d = Draft::shown(&state, profile.as_ref(), &user, opt_out);
        let mut errors = FormErrors::default();
        if form.confirm != "oui" {
            errors.push("confirm", ctx.t.s("me.error_delete_confirm"));
        }
        if !ok {
            errors.push("delete_password", ctx.t.s("me.error_delete_password"));
        }
        return form_again(&ctx, &state, profile, d, errors, vec![]);
    }
    let photos = crate::network::photo::photos_of(state.store.profile(user.id).await?.as_ref());
    let cookie = close_session(&state, &headers).await?;
    state.store.delete_account(user.id, Utc::now()).await?;
    crate::network::live::changed(&state, Some(user.id))
        .await
        .map_err(AppError::Internal)?;
    crate::network::photo::release(&state, photos).await;
    tracing::info!(user = user.id, "account deleted by its owner");
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to("/?etat=compte-supprime"),
    )
        .into_response())
}
