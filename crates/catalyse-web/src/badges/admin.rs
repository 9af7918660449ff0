//! The animators' pages of the badges (`/admin/badges`, moderators and administrators): the
//! achievements, archived ones too, with how many hold each; the last credentials issued;
//! the form that creates an achievement and the one that edits it (checked whole, nothing
//! written on a refusal), archiving; a manual award (to a member by her address, with a
//! reason — for a métier activity, the animator's attestation); a credential's page, where
//! it is revoked with a reason. The store writes each of these in the audit trail.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::badges::RuleKind;
use catalyse_core::Email;
use catalyse_store::{Credential, StoreError, StoredAchievement};
use chrono::Utc;
use serde::Deserialize;

use super::admin_form::{self, ACTIVITY_BOX, LEVER_BOX};
use super::catalogue::{self, achievement_or_404, rule_words, Names};
use super::issue::{issue, Awarded};
use crate::auth::{CsrfForm, Moderator};
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::pages::{render_status, PageCtx};
use crate::state::AppState;

/// How many of the last credentials the list shows.
const RECENT: u32 = 20;
/// How many of an achievement's credentials its page shows.
const OF_ONE: usize = 50;

pub const AWARD_EMAIL: &str = "award-email";
pub const AWARD_BADGE: &str = "award-badge";
pub const AWARD_REASON: &str = "award-reason";
pub const REVOKE_REASON: &str = "revoke-reason";

/// A credential as the animators' pages list it.
pub struct CredLine {
    pub id: String,
    pub slug: String,
    pub badge: String,
    /// Her name, or « compte supprimé ».
    pub person: String,
    pub email: String,
    /// Issued to an example account (« données d'exemple »).
    pub is_example: bool,
    pub issued: String,
    pub issued_iso: String,
    /// Awarded by an animator (not by a rule).
    pub manual: bool,
    pub reason: Option<String>,
    /// When and why it was revoked.
    pub revoked: Option<(String, String)>,
}

async fn cred_lines(
    state: &AppState,
    ctx: &PageCtx,
    list: &[Credential],
) -> Result<Vec<CredLine>, AppError> {
    let mut people: HashMap<i64, Option<catalyse_core::User>> = HashMap::new();
    let mut out = Vec::new();
    for c in list {
        let who = match c.user_id {
            Some(id) => match people.get(&id) {
                Some(known) => known.clone(),
                None => {
                    let u = state.store.user_by_id(id).await?;
                    people.insert(id, u.clone());
                    u
                }
            },
            None => None,
        };
        out.push(CredLine {
            id: c.id.clone(),
            slug: c.achievement_slug.clone(),
            badge: c.achievement_name.clone(),
            person: who.as_ref().map_or_else(
                || ctx.t.s("badges_admin.deleted_account").to_string(),
                |u| u.display_name.clone(),
            ),
            email: who
                .as_ref()
                .map(|u| u.email.as_str().to_string())
                .unwrap_or_default(),
            is_example: who.as_ref().is_some_and(|u| u.is_example),
            issued: ctx.when(&c.issued_at),
            issued_iso: catalyse_core::time::rfc3339(&c.issued_at),
            manual: c.issued_by.is_some(),
            reason: c.reason.clone(),
            revoked: c.revoked_at.map(|at| {
                let why = c.revoked_reason.clone().unwrap_or_default();
                (ctx.when(&at), why)
            }),
        });
    }
    Ok(out)
}

/// An achievement in the animators' list.
pub struct AdminRow {
    pub slug: String,
    pub name: String,
    pub rule: String,
    pub holders: i64,
    pub archived: bool,
    pub shipped: bool,
    pub edited: Option<String>,
}

#[derive(Template)]
#[template(path = "badges_admin_list.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    rows: Vec<AdminRow>,
    recent: Vec<CredLine>,
    /// The achievements one may award: (slug, name).
    choices: Vec<(String, String)>,
    errors: FormErrors,
    values: HashMap<String, String>,
    notice: Option<&'static str>,
}

impl ListPage<'_> {
    fn v(&self, k: &str) -> String {
        self.values.get(k).cloned().unwrap_or_default()
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    etat: Option<String>,
    /// The achievement the award form starts with.
    badge: Option<String>,
}

fn notice_of(etat: Option<&str>) -> Option<&'static str> {
    Some(match etat? {
        "cree" => "badges_admin.notice_created",
        "enregistre" => "badges_admin.notice_saved",
        "archive" => "badges_admin.notice_archived",
        "desarchive" => "badges_admin.notice_unarchived",
        "attribue" => "badges_admin.notice_awarded",
        "revoque" => "badges_admin.notice_revoked",
        _ => return None,
    })
}

async fn list_page(
    state: &AppState,
    ctx: &PageCtx,
    status: StatusCode,
    errors: FormErrors,
    values: HashMap<String, String>,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    let names = Names::read(state).await?;
    let holders = catalogue::holders(state).await?;
    let all = state.store.achievements(true).await?;
    let rows = all
        .iter()
        .map(|a| AdminRow {
            slug: a.slug.clone(),
            name: a.fields.name.clone(),
            rule: rule_words(ctx.t, &a.fields.rule, &names),
            holders: holders.get(&a.id).copied().unwrap_or(0),
            archived: a.archived,
            shipped: a.shipped,
            edited: a.edited_at.map(|at| ctx.when(&at)),
        })
        .collect();
    let recent = state.store.recent_credentials(RECENT).await?;
    let page = ListPage {
        ctx,
        rows,
        recent: cred_lines(state, ctx, &recent).await?,
        choices: (all.iter())
            .filter(|a| !a.archived)
            .map(|a| (a.slug.clone(), a.fields.name.clone()))
            .collect(),
        errors,
        values,
        notice,
    };
    render_status(ctx, status, &page)
}

/// `GET /admin/badges`.
pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    Moderator(_): Moderator,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let mut values = HashMap::new();
    if let Some(b) = q.badge {
        values.insert(AWARD_BADGE.to_string(), b);
    }
    let notice = notice_of(q.etat.as_deref());
    list_page(
        &state,
        &ctx,
        StatusCode::OK,
        FormErrors::default(),
        values,
        notice,
    )
    .await
}

/// A choice of the target's list: its value and its name, under a group's label.
pub struct TargetGroup {
    pub label_key: &'static str,
    pub options: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "badges_admin_form.html")]
struct FormPage<'a> {
    ctx: &'a PageCtx,
    /// The achievement edited; `None` on the form that creates one.
    a: Option<&'a StoredAchievement>,
    values: HashMap<String, String>,
    errors: FormErrors,
    kinds: Vec<(&'static str, &'static str)>,
    targets: Vec<TargetGroup>,
    levers: Vec<(String, String, bool)>,
    activities: Vec<(String, String, bool)>,
    holders: i64,
    credentials: Vec<CredLine>,
    notice: Option<&'static str>,
}

impl FormPage<'_> {
    fn v(&self, k: &str) -> String {
        self.values.get(k).cloned().unwrap_or_default()
    }

    fn is(&self, k: &str, value: &str) -> bool {
        self.values.get(k).is_some_and(|v| v == value)
    }
}

struct FormInput<'a> {
    a: Option<&'a StoredAchievement>,
    values: HashMap<String, String>,
    errors: FormErrors,
    status: StatusCode,
    notice: Option<&'static str>,
}

async fn form_page(
    state: &AppState,
    ctx: &PageCtx,
    input: FormInput<'_>,
) -> Result<Response, AppError> {
    let names = Names::read(state).await?;
    let boxes = |prefix: &str, list: &[(String, String)]| -> Vec<(String, String, bool)> {
        (list.iter())
            .map(|(slug, name)| {
                let ticked = input
                    .values
                    .get(&format!("{prefix}_{slug}"))
                    .is_some_and(|v| v == "oui");
                (slug.clone(), name.clone(), ticked)
            })
            .collect()
    };
    let targets = [
        ("badges_admin.t_levers", "lever", &names.levers),
        ("badges_admin.t_modules", "module", &names.modules),
        ("badges_admin.t_cohorts", "cohort", &names.cohorts),
        ("badges_admin.t_activities", "activity", &names.activities),
    ]
    .into_iter()
    .filter(|(_, _, list)| !list.is_empty())
    .map(|(label_key, prefix, list)| TargetGroup {
        label_key,
        options: (list.iter())
            .map(|(slug, name)| (format!("{prefix}:{slug}"), name.clone()))
            .collect(),
    })
    .collect();
    let (holders, credentials) = match input.a {
        Some(a) => {
            let all = state.store.credentials_of_achievement(a.id).await?;
            let live = all
                .iter()
                .filter(|c| !c.is_revoked() && c.user_id.is_some());
            let shown: Vec<Credential> = all.iter().take(OF_ONE).cloned().collect();
            (live.count() as i64, cred_lines(state, ctx, &shown).await?)
        }
        None => (0, Vec::new()),
    };
    let page = FormPage {
        ctx,
        a: input.a,
        kinds: RuleKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label_fr()))
            .collect(),
        targets,
        levers: boxes(LEVER_BOX, &names.levers),
        activities: boxes(ACTIVITY_BOX, &names.activities),
        values: input.values,
        errors: input.errors,
        holders,
        credentials,
        notice: input.notice,
    };
    render_status(ctx, input.status, &page)
}

/// `GET /admin/badges/nouveau`.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Moderator(_): Moderator,
) -> Result<Response, AppError> {
    let values = [(admin_form::KIND.to_string(), "manual".to_string())].into();
    let input = FormInput {
        a: None,
        values,
        errors: FormErrors::default(),
        status: StatusCode::OK,
        notice: None,
    };
    form_page(&state, &ctx, input).await
}

/// `POST /admin/badges`: a new achievement, checked whole, then written.
pub async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    Moderator(user): Moderator,
    CsrfForm(posted): CsrfForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let names = Names::read(&state).await?;
    let refused = |errors: FormErrors, status: StatusCode| FormInput {
        a: None,
        values: posted.clone(),
        errors,
        status,
        notice: None,
    };
    let (slug, fields) = match admin_form::check(&posted, None, &names, ctx.t) {
        Ok(checked) => checked,
        Err(e) => {
            let input = refused(e, StatusCode::UNPROCESSABLE_ENTITY);
            return form_page(&state, &ctx, input).await;
        }
    };
    match (state.store)
        .create_achievement(&slug, &fields, user.id, Utc::now())
        .await
    {
        Ok(a) => {
            tracing::info!(user = user.id, achievement = %a.slug, "Open Badges: achievement created");
            Ok(Redirect::to(&format!("/admin/badges/{}?etat=cree", a.slug)).into_response())
        }
        Err(StoreError::Conflict { .. }) => {
            let e = FormErrors::one(admin_form::SLUG, ctx.t.s("badges_admin.e_slug_taken"));
            form_page(&state, &ctx, refused(e, StatusCode::CONFLICT)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct Etat {
    etat: Option<String>,
}

/// `GET /admin/badges/{slug}`: its form, and who holds it.
pub async fn edit_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Moderator(_): Moderator,
    Path(slug): Path<String>,
    Query(q): Query<Etat>,
) -> Result<Response, AppError> {
    let a = achievement_or_404(&state, &slug).await?;
    let input = FormInput {
        a: Some(&a),
        values: admin_form::values_of(&a.slug, &a.fields),
        errors: FormErrors::default(),
        status: StatusCode::OK,
        notice: notice_of(q.etat.as_deref()),
    };
    form_page(&state, &ctx, input).await
}

/// `POST /admin/badges/{slug}`: the edit, checked whole, then written.
pub async fn edit(
    State(state): State<AppState>,
    ctx: PageCtx,
    Moderator(user): Moderator,
    Path(slug): Path<String>,
    CsrfForm(posted): CsrfForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let a = achievement_or_404(&state, &slug).await?;
    let names = Names::read(&state).await?;
    let fields = match admin_form::check(&posted, Some(&a.slug), &names, ctx.t) {
        Ok((_, fields)) => fields,
        Err(errors) => {
            let mut values = posted;
            values.insert(admin_form::SLUG.into(), a.slug.clone());
            let input = FormInput {
                a: Some(&a),
                values,
                errors,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                notice: None,
            };
            return form_page(&state, &ctx, input).await;
        }
    };
    (state.store)
        .update_achievement(a.id, &fields, user.id, Utc::now())
        .await?;
    tracing::info!(user = user.id, achievement = %a.slug, "Open Badges: achievement edited");
    Ok(Redirect::to(&format!("/admin/badges/{slug}?etat=enregistre")).into_response())
}

#[derive(Deserialize)]
pub struct ArchiveForm {
    archive: String,
}

/// `POST /admin/badges/{slug}/archiver`: archived (`archive=oui`: no longer awarded nor
/// listed, its credentials stay valid) or back.
pub async fn archive(
    State(state): State<AppState>,
    Moderator(user): Moderator,
    Path(slug): Path<String>,
    CsrfForm(f): CsrfForm<ArchiveForm>,
) -> Result<Response, AppError> {
    let a = achievement_or_404(&state, &slug).await?;
    let archived = f.archive == "oui";
    (state.store)
        .set_achievement_archived(a.id, archived, Utc::now())
        .await?;
    tracing::info!(user = user.id, achievement = %slug, archived, "Open Badges: achievement archived or back");
    let etat = if archived { "archive" } else { "desarchive" };
    Ok(Redirect::to(&format!("/admin/badges/{slug}?etat={etat}")).into_response())
}

/// `POST /admin/badges/attribuer`: an achievement awarded by hand to a member (found by her
/// address), with the animator's reason; the earner is told by mail.
pub async fn award(
    State(state): State<AppState>,
    ctx: PageCtx,
    Moderator(animator): Moderator,
    CsrfForm(posted): CsrfForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let field = |k: &str| {
        posted
            .get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut errors = FormErrors::default();
    let email = field(AWARD_EMAIL);
    let user = match Email::parse(&email) {
        Err(_) => {
            errors.push(AWARD_EMAIL, t.s("badges_admin.e_email"));
            None
        }
        Ok(e) => {
            let u = state.store.user_by_email(&e).await?;
            if u.is_none() {
                errors.push(AWARD_EMAIL, t.s("badges_admin.e_no_account"));
            }
            u
        }
    };
    let achievement = match state.store.achievement(&field(AWARD_BADGE)).await? {
        Some(a) if !a.archived => Some(a),
        _ => {
            errors.push(AWARD_BADGE, t.s("badges_admin.e_badge"));
            None
        }
    };
    let reason = field(AWARD_REASON);
    let reason_ok =
        (3..=500).contains(&reason.chars().count()) && !reason.chars().any(char::is_control);
    if !reason_ok {
        errors.push(AWARD_REASON, t.s("badges_admin.e_reason"));
    }
    let (Some(user), Some(achievement), true) = (user, achievement, errors.is_empty()) else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return list_page(&state, &ctx, status, errors, posted, None).await;
    };
    let awarded = Awarded {
        by: Some(animator.id),
        reason: Some(&reason),
        subject_did: None,
    };
    match issue(&state, &user, &achievement, &awarded).await? {
        Some(c) => {
            tracing::info!(animator = animator.id, credential = %c.id, "Open Badges: awarded by hand");
            Ok(Redirect::to("/admin/badges?etat=attribue").into_response())
        }
        None => {
            let e = FormErrors::one(AWARD_BADGE, t.s("badges_admin.e_already_held"));
            list_page(&state, &ctx, StatusCode::CONFLICT, e, posted, None).await
        }
    }
}

#[derive(Template)]
#[template(path = "badges_admin_credential.html")]
struct CredentialPage<'a> {
    ctx: &'a PageCtx,
    c: CredLine,
    errors: FormErrors,
    reason: String,
    notice: Option<&'static str>,
}

async fn credential_page(
    state: &AppState,
    ctx: &PageCtx,
    id: &str,
    status: StatusCode,
    errors: FormErrors,
    reason: String,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    let c = state
        .store
        .credential(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let c = cred_lines(state, ctx, &[c])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let page = CredentialPage {
        ctx,
        c,
        errors,
        reason,
        notice,
    };
    render_status(ctx, status, &page)
}

/// `GET /admin/badges/attestations/{id}`: one credential, and the form that revokes it.
pub async fn credential(
    State(state): State<AppState>,
    ctx: PageCtx,
    Moderator(_): Moderator,
    Path(id): Path<String>,
    Query(q): Query<Etat>,
) -> Result<Response, AppError> {
    let notice = notice_of(q.etat.as_deref());
    let none = FormErrors::default();
    credential_page(
        &state,
        &ctx,
        &id,
        StatusCode::OK,
        none,
        String::new(),
        notice,
    )
    .await
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(rename = "revoke-reason", default)]
    reason: String,
}

/// `POST /admin/badges/attestations/{id}/revoquer`: revoked with a reason; its bit is set in
/// its status list, and its public page says « révoqué ».
pub async fn revoke(
    State(state): State<AppState>,
    ctx: PageCtx,
    Moderator(animator): Moderator,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<RevokeForm>,
) -> Result<Response, AppError> {
    let c = state
        .store
        .credential(&id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reason = f.reason.trim().to_string();
    let ok = (3..=500).contains(&reason.chars().count()) && !reason.chars().any(char::is_control);
    if !ok || c.is_revoked() {
        let (key, status) = if c.is_revoked() {
            ("badges_admin.e_already_revoked", StatusCode::CONFLICT)
        } else {
            (
                "badges_admin.e_revoke_reason",
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        };
        let e = FormErrors::one(REVOKE_REASON, ctx.t.s(key));
        return credential_page(&state, &ctx, &id, status, e, f.reason, None).await;
    }
    (state.store)
        .revoke_credential(&id, Some(animator.id), &reason, Utc::now())
        .await?;
    tracing::info!(animator = animator.id, credential = %id, "Open Badges: credential revoked");
    Ok(Redirect::to(&format!("/admin/badges/attestations/{id}?etat=revoque")).into_response())
}
