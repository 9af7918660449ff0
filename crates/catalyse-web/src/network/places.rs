//! Places (« gestion d'un lieu »: cafés solidaires, co-workings, showrooms, FabLabs,
//! tiers-lieux): the public list and pages, and the form members use to propose a place or a
//! new version of it. Every version goes through moderation; the published one stays visible
//! meanwhile.

use crate::auth::{CsrfForm, SignedIn};
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::i18n::Tr;
use crate::pages::{page_param, render, render_status, PageCtx, Pager};
use crate::state::AppState;
use crate::territories::pick::{self, Ambiguity, Resolved};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::network::{Place, PlaceFields, PlaceKind};
use catalyse_core::text::fold;
use catalyse_core::{Role, TerritoryLevel, User};
use catalyse_map::NO_REGION;
use chrono::Utc;
use serde::Deserialize;

/// Whether a person may edit a place and see its versions waiting for review: its creator,
/// the members who run it, and animators.
pub fn can_manage(user: Option<&User>, p: &Place) -> bool {
    user.is_some_and(|u| {
        u.role.includes(Role::Moderator)
            || p.created_by == Some(u.id)
            || p.moderated.versions().any(|f| f.managers.contains(&u.id))
    })
}

fn kind_label(t: Tr, k: PlaceKind) -> &'static str {
    t.s(match k {
        PlaceKind::CafeSolidaire => "places.kind_cafe_solidaire",
        PlaceKind::Coworking => "places.kind_coworking",
        PlaceKind::Showroom => "places.kind_showroom",
        PlaceKind::Fablab => "places.kind_fablab",
        PlaceKind::TiersLieu => "places.kind_tiers_lieu",
    })
}

pub struct ListItem {
    pub slug: String,
    pub name: String,
    pub kind: &'static str,
    pub commune: String,
    pub is_example: bool,
}

#[derive(Template)]
#[template(path = "network/places.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    items: Vec<ListItem>,
    total: usize,
    pager: Pager,
    /// (slug, label, selected)
    kinds: Vec<(&'static str, &'static str, bool)>,
    /// (code, name, selected)
    regions: Vec<(String, String, bool)>,
    filtered: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
    region: Option<String>,
    page: Option<String>,
}

/// Places listed on a page of `/lieux`.
const PER_PAGE: u32 = 20;

/// `GET /lieux?type=&region=&page=`: published places, by name, 20 a page. The list and its
/// filters come from the network in memory; only the page's places are read.
pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let kind = q.kind.as_deref().and_then(|k| k.parse::<PlaceKind>().ok());
    let region = q
        .region
        .as_deref()
        .filter(|r| state.territories.get(TerritoryLevel::Region, r).is_some());
    let page = page_param(q.page.as_deref(), 100_000);
    let (total, ids) = state.network().places_page(
        kind,
        region.map(|r| state.numbering.region(r).unwrap_or(NO_REGION)),
        page,
        PER_PAGE,
    );
    let items = state
        .store
        .places_by_ids(&ids)
        .await?
        .into_iter()
        .filter_map(|p| {
            let f = p.moderated.published?;
            Some(ListItem {
                name: f.name,
                kind: kind_label(t, f.kind),
                commune: state
                    .territories
                    .get(TerritoryLevel::Commune, &f.commune)
                    .map_or(f.commune, |c| c.name.clone()),
                slug: p.slug,
                is_example: p.is_example,
            })
        })
        .collect();
    let mut regions: Vec<(String, String, bool)> = state
        .territories
        .all()
        .iter()
        .filter(|r| r.level == TerritoryLevel::Region)
        .map(|r| {
            (
                r.code.clone(),
                r.name.clone(),
                Some(r.code.as_str()) == region,
            )
        })
        .collect();
    regions.sort_by_cached_key(|r| fold(&r.1));
    let kinds = PlaceKind::ALL
        .iter()
        .map(|k| (k.as_str(), kind_label(t, *k), Some(*k) == kind))
        .collect();
    let pager = Pager::new(page, total, PER_PAGE, |n| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if let Some(k) = kind {
            s.append_pair("type", k.as_str());
        }
        if let Some(r) = region {
            s.append_pair("region", r);
        }
        s.append_pair("page", &n.to_string());
        format!("/lieux?{}", s.finish())
    });
    render(
        &ctx,
        &ListPage {
            ctx: &ctx,
            items,
            total,
            pager,
            kinds,
            regions,
            filtered: kind.is_some() || region.is_some(),
        },
    )
}

#[derive(Template)]
#[template(path = "network/place.html")]
struct PlacePage<'a> {
    ctx: &'a PageCtx,
    place: Place,
    /// The version shown: the published one, or the draft for those who manage the place.
    f: PlaceFields,
    kind: &'static str,
    /// No published version: the draft is shown to those who manage the place.
    unpublished: bool,
    /// A newer version waits for review (shown to those who manage the place).
    pending_update: bool,
    /// The last submission was rejected, with this reason (shown to those who manage it).
    rejected: Option<String>,
    can_manage: bool,
    /// (name, page) of its commune.
    commune: Option<(String, String)>,
    paragraphs: Vec<String>,
    /// (slug, name) of the members who run it and whom the viewer may see.
    managers: Vec<(String, String)>,
    notice: Option<&'a str>,
    json_ld: String,
}

#[derive(Deserialize)]
pub struct PlaceQuery {
    etat: Option<String>,
    signalement: Option<String>,
}

fn paragraphs(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// `GET /lieux/{slug}`
pub async fn place(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<PlaceQuery>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let p = state
        .store
        .place_by_slug(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let manages = can_manage(ctx.user.as_ref(), &p);
    let (f, unpublished) = p.moderated.shown(manages).ok_or(AppError::NotFound)?;
    let f = f.clone();
    let pending_update = manages && !unpublished && p.moderated.is_pending();
    let rejected = p
        .moderated
        .rejection()
        .filter(|_| manages)
        .map(str::to_string);
    let commune_t = state.territories.get(TerritoryLevel::Commune, &f.commune);
    let signed_in = ctx.user.is_some();
    let managers = state
        .store
        .profiles_by_ids(&f.managers)
        .await?
        .into_iter()
        .filter(|m| m.visible_to(signed_in))
        .filter_map(|m| {
            let name = m.moderated.published.as_ref()?.display_name.clone();
            Some((m.slug, name))
        })
        .collect();
    let notice = match (q.etat.as_deref(), q.signalement.as_deref()) {
        (Some("envoye"), _) => Some(t.s("places.sent")),
        (_, Some("envoye")) => Some(t.s("places.report_sent")),
        _ => None,
    };
    let json_ld = if unpublished {
        String::new()
    } else {
        let base = state.config.public_url();
        let mut ld = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "Place",
            "name": f.name,
            "url": format!("{base}/lieux/{}", p.slug),
        });
        if !f.description.is_empty() {
            ld["description"] = f.description.clone().into();
        }
        if let Some(c) = commune_t {
            let mut address = serde_json::json!({
                "@type": "PostalAddress",
                "addressLocality": c.name,
                "addressCountry": "FR",
            });
            if !f.address.is_empty() {
                address["streetAddress"] = f.address.clone().into();
            }
            if let Some(pc) = c.postcodes.first() {
                address["postalCode"] = pc.clone().into();
            }
            ld["address"] = address;
            if let (Some(lat), Some(lon)) = (c.lat, c.lon) {
                ld["geo"] = serde_json::json!({
                    "@type": "GeoCoordinates",
                    "latitude": lat,
                    "longitude": lon,
                });
            }
        }
        if let Some(w) = &f.website {
            ld["sameAs"] = w.clone().into();
        }
        crate::pages::json_ld(&ld)
    };
    render(
        &ctx,
        &PlacePage {
            ctx: &ctx,
            kind: kind_label(t, f.kind),
            commune: commune_t.map(|c| (c.name.clone(), crate::territories::url(c))),
            paragraphs: paragraphs(&f.description),
            f,
            place: p,
            unpublished,
            pending_update,
            rejected,
            can_manage: manages,
            managers,
            notice,
            json_ld,
        },
    )
}

/// The form as typed, kept to show it again with its errors.
#[derive(Default, Clone)]
struct Typed {
    name: String,
    kind: String,
    commune: String,
    address: String,
    description: String,
    website: String,
    team: bool,
    /// The candidate ticked when the commune typed designated several, and the commune they
    /// were offered for.
    choice: String,
    offered_for: String,
}

#[derive(Template)]
#[template(path = "network/place_form.html")]
struct FormPage<'a> {
    ctx: &'a PageCtx,
    /// None when proposing a new place.
    place: Option<Place>,
    d: Typed,
    errors: FormErrors,
    kinds: Vec<(&'static str, &'static str)>,
    /// The communes to choose from when the one typed designates several.
    choices: Option<Ambiguity>,
}

impl FormPage<'_> {
    fn action(&self) -> String {
        match &self.place {
            Some(p) => format!("/lieux/{}/modifier", p.slug),
            None => "/lieux/nouveau".into(),
        }
    }
    fn title(&self) -> String {
        match &self.place {
            Some(p) => self.ctx.t.f(
                "places.edit_title",
                p.moderated
                    .current()
                    .map(|f| f.name.as_str())
                    .unwrap_or(&p.slug),
            ),
            None => self.ctx.t.s("places.new_title").to_string(),
        }
    }
    /// The optional one-line inputs: (name, label key, hint key, value).
    fn text_fields(&self) -> Vec<(&'static str, &'static str, &'static str, String)> {
        vec![
            (
                "address",
                "places.f_address",
                "places.h_address",
                self.d.address.clone(),
            ),
            (
                "website",
                "places.f_website",
                "places.h_website",
                self.d.website.clone(),
            ),
        ]
    }
}

fn form_page<'a>(ctx: &'a PageCtx, place: Option<Place>, d: Typed) -> FormPage<'a> {
    FormPage {
        ctx,
        place,
        d,
        errors: FormErrors::default(),
        choices: None,
        kinds: PlaceKind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_label(ctx.t, *k)))
            .collect(),
    }
}

#[derive(Deserialize)]
pub struct PlaceForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    website: String,
    #[serde(default)]
    equipe: String,
    #[serde(default)]
    commune_choix: String,
    #[serde(default)]
    commune_choix_pour: String,
}

impl PlaceForm {
    fn typed(self) -> Typed {
        Typed {
            name: self.name,
            kind: self.kind,
            commune: self.commune,
            address: self.address,
            description: self.description,
            website: self.website,
            team: self.equipe == "oui",
            choice: self.commune_choix,
            offered_for: self.commune_choix_pour,
        }
    }
}

/// The order of the form's fields, for the error summary.
const ORDER: [&str; 7] = [
    "name",
    "kind",
    "commune",
    "address",
    "description",
    "website",
    "managers",
];

/// Checks the form; the fields to submit, or the errors in French tied to their fields and
/// the communes to choose from. `managers` are those of the current version: the author may
/// add or remove only herself. A commune ticked among candidates replaces the one typed.
fn check(
    state: &AppState,
    t: Tr,
    d: &mut Typed,
    mut managers: Vec<i64>,
    me: i64,
) -> Result<PlaceFields, (FormErrors, Option<Ambiguity>)> {
    let mut errors = FormErrors::default();
    let mut choices = None;
    let index = &state.territories;
    let level = Some(TerritoryLevel::Commune);
    if let Some(c) = pick::chosen(index, &d.commune, &d.choice, &d.offered_for, level) {
        d.commune = crate::territories::commune_name(state, &c.code);
    }
    let kind = d.kind.parse::<PlaceKind>().ok();
    if kind.is_none() {
        errors.push("kind", t.s("places.err_kind"));
    }
    let typed_commune = d.commune.trim();
    let commune = if typed_commune.is_empty() {
        String::new()
    } else {
        match pick::resolve(index, typed_commune, level) {
            Resolved::One(c) => c.code.clone(),
            Resolved::Unknown => {
                errors.push("commune", t.f("places.err_commune_unknown", typed_commune));
                typed_commune.to_string()
            }
            Resolved::Ambiguous(list, more) => {
                errors.push(
                    "commune",
                    t.f("places.err_commune_ambiguous", typed_commune),
                );
                choices = Some(Ambiguity::new(
                    t,
                    index,
                    "commune_choix",
                    typed_commune,
                    &list,
                    more,
                ));
                typed_commune.to_string()
            }
        }
    };
    managers.retain(|m| *m != me);
    if d.team {
        managers.push(me);
    }
    let mut fields = PlaceFields {
        name: d.name.clone(),
        kind: kind.unwrap_or(PlaceKind::TiersLieu),
        commune,
        address: d.address.clone(),
        description: d.description.clone(),
        managers,
        website: Some(d.website.clone()),
    };
    fields.normalise();
    for p in fields.problems() {
        errors.push(p.field, p.message);
    }
    if errors.is_empty() {
        return Ok(fields);
    }
    errors.sort_by(&ORDER);
    Err((errors, choices))
}

/// `GET /lieux/nouveau`
pub async fn new_form(SignedIn(_): SignedIn, ctx: PageCtx) -> Result<Response, AppError> {
    let d = Typed {
        team: true,
        ..Default::default()
    };
    render(&ctx, &form_page(&ctx, None, d))
}

/// `POST /lieux/nouveau`
pub async fn create(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<PlaceForm>,
) -> Result<Response, AppError> {
    let mut d = form.typed();
    match check(&state, ctx.t, &mut d, vec![], user.id) {
        Ok(fields) => {
            let p = state
                .store
                .submit_place(None, user.id, &fields, Utc::now())
                .await?;
            tell_moderators(&state, &fields, user.id);
            Ok(Redirect::to(&format!("/lieux/{}?etat=envoye", p.slug)).into_response())
        }
        Err((errors, choices)) => {
            let mut page = form_page(&ctx, None, d);
            page.errors = errors;
            page.choices = choices;
            render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// Moderators who asked are told that a place waits.
fn tell_moderators(state: &AppState, fields: &PlaceFields, author: i64) {
    let name = fields.name.clone();
    super::moderation::alerts::submitted(
        state,
        super::moderation::alerts::Waiting::Place { name },
        Some(author),
    );
}

/// The place to edit, if the member may.
async fn editable(state: &AppState, user: &User, slug: &str) -> Result<Place, AppError> {
    let found = state.store.place_by_slug(slug).await?;
    crate::auth::to_change(found, |p| can_manage(Some(user), p))
}

/// `GET /lieux/{slug}/modifier`
pub async fn edit_form(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let p = editable(&state, &user, &slug).await?;
    let d = match p.moderated.current() {
        Some(f) => Typed {
            name: f.name.clone(),
            kind: f.kind.as_str().to_string(),
            commune: crate::territories::commune_name(&state, &f.commune),
            address: f.address.clone(),
            description: f.description.clone(),
            website: f.website.clone().unwrap_or_default(),
            team: f.managers.contains(&user.id),
            ..Typed::default()
        },
        None => Typed::default(),
    };
    render(&ctx, &form_page(&ctx, Some(p), d))
}

/// `POST /lieux/{slug}/modifier`: a new version, to moderate.
pub async fn update(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<PlaceForm>,
) -> Result<Response, AppError> {
    let p = editable(&state, &user, &slug).await?;
    let mut d = form.typed();
    let managers = p
        .moderated
        .current()
        .map(|f| f.managers.clone())
        .unwrap_or_default();
    match check(&state, ctx.t, &mut d, managers, user.id) {
        Ok(fields) => {
            state
                .store
                .submit_place(Some(p.id), user.id, &fields, Utc::now())
                .await?;
            tell_moderators(&state, &fields, user.id);
            Ok(Redirect::to(&format!("/lieux/{}?etat=envoye", p.slug)).into_response())
        }
        Err((errors, choices)) => {
            let mut page = form_page(&ctx, Some(p), d);
            page.errors = errors;
            page.choices = choices;
            render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
