//! `/reseau`: the directory of the network (French search and filters), member pages, the
//! peer contact form, the network in figures, photos and the open-data export of public
//! profiles. A profile is shown only to those its visibility allows (`Profile::visible_to`);
//! its owner and the moderators always see it.

use crate::auth::{CsrfForm, SignedIn};
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::network::profile::territory_line;
use crate::network::relay::{relay, Recipient, Relay, CONTACTS_PER_DAY};
use crate::pages::{page_param, render, render_status, PageCtx, Pager};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::network::{Place, Profile, ProfileFields};
use catalyse_core::{Role, TerritoryLevel, User};
use catalyse_search::members::{MemberFacets, MemberQuery};
use serde::Deserialize;

const PER_PAGE: u32 = 20;

#[derive(Deserialize, Default)]
pub struct DirectoryQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    famille: String,
    #[serde(default)]
    activite: String,
    #[serde(default)]
    levier: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    departement: String,
    page: Option<String>,
}

/// A member as listed: the published fields and where to go.
pub struct Card {
    pub slug: String,
    pub f: ProfileFields,
    pub is_example: bool,
    pub public: bool,
    /// Where the member works: her first territory of action, with its département for a
    /// commune or an EPCI (« Saint-Genest-Malifaux (Loire) »); empty when she names none.
    pub place: String,
}

/// « Saint-Genest-Malifaux (Loire) », « Finistère »: a member's first territory of action.
pub fn works_in(state: &AppState, f: &ProfileFields) -> String {
    let index = &state.territories;
    let Some(t) = f
        .territories
        .first()
        .and_then(|t| index.get(t.level, &t.code))
    else {
        return String::new();
    };
    let department = match t.level {
        TerritoryLevel::Commune | TerritoryLevel::Epci => t
            .department
            .as_ref()
            .and_then(|d| index.get(TerritoryLevel::Department, d)),
        _ => None,
    };
    match department {
        Some(d) => format!("{} ({})", t.name, d.name),
        None => t.name.clone(),
    }
}

#[derive(Template)]
#[template(path = "network/directory.html")]
struct Directory<'a> {
    ctx: &'a PageCtx,
    state: &'a AppState,
    q: DirectoryQuery,
    cards: Vec<Card>,
    total: u64,
    pager: Pager,
    facets: MemberFacets,
    regions: Vec<(String, String)>,
}

impl Directory<'_> {
    fn count(&self, list: &[(String, u64)], v: &str) -> u64 {
        list.iter()
            .find(|(k, _)| k == v)
            .map(|(_, c)| *c)
            .unwrap_or(0)
    }
    fn family_name(&self, slug: &str) -> String {
        family_name(self.state, slug)
    }
}

impl DirectoryQuery {
    /// The address of page `page` of the same search.
    fn page_link(&self, page: u32) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("famille", &self.famille),
            ("activite", &self.activite),
            ("levier", &self.levier),
            ("region", &self.region),
            ("departement", &self.departement),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        s.append_pair("page", &page.to_string());
        format!("/reseau?{}", s.finish())
    }
}

pub fn family_name(state: &AppState, slug: &str) -> String {
    state
        .reference
        .actor_families
        .iter()
        .find(|f| f.slug == slug)
        .map(|f| f.name.clone())
        .unwrap_or_default()
}

/// The régions, metropolitan and overseas, by name.
pub fn regions(state: &AppState) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = state
        .numbering
        .regions
        .iter()
        .filter(|c| c.len() <= 2)
        .filter_map(|c| {
            state
                .territories
                .get(catalyse_core::TerritoryLevel::Region, c)
                .map(|t| (c.clone(), t.name.clone()))
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

pub async fn directory(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<DirectoryQuery>,
) -> Result<Response, AppError> {
    let page = page_param(q.page.as_deref(), 10_000);
    let opt = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
    let signed_in = ctx.user.is_some();
    let query = MemberQuery {
        text: q.q.clone(),
        family: opt(&q.famille),
        activity: opt(&q.activite),
        lever: opt(&q.levier),
        region: opt(&q.region),
        department: opt(&q.departement),
        include_private: signed_in,
        page,
        per_page: PER_PAGE,
        skip_facets: false,
    };
    let index = state.members.clone();
    let found = tokio::task::spawn_blocking(move || index.search(&query))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let cards = cards(&state, &found.ids, signed_in).await?;
    let pager = Pager::new(page, found.total as usize, PER_PAGE, |n| q.page_link(n));
    let regions = regions(&state);
    render(
        &ctx,
        &Directory {
            ctx: &ctx,
            state: &state,
            q,
            cards,
            total: found.total,
            pager,
            facets: found.facets,
            regions,
        },
    )
}

/// The cards of members by id, keeping only those the viewer may see.
pub async fn cards(state: &AppState, ids: &[i64], signed_in: bool) -> Result<Vec<Card>, AppError> {
    Ok(state
        .store
        .profiles_by_ids(ids)
        .await?
        .into_iter()
        .filter(|p| p.visible_to(signed_in))
        .filter_map(|p| {
            let public = p.is_public();
            let f = p.moderated.published?;
            Some(Card {
                slug: p.slug,
                place: works_in(state, &f),
                f,
                is_example: p.is_example,
                public,
            })
        })
        .collect())
}

#[derive(Template)]
#[template(path = "network/member.html")]
struct MemberPage<'a> {
    ctx: &'a PageCtx,
    state: &'a AppState,
    p: Profile,
    f: ProfileFields,
    own: bool,
    places: Vec<Place>,
    errors: FormErrors,
    subject: String,
    message: String,
    notice: Option<String>,
    /// The public cases she documented or is a contact of.
    related_cases: crate::related::Related,
}

impl MemberPage<'_> {
    fn territories(&self) -> Vec<(String, String)> {
        self.f
            .territories
            .iter()
            .map(|t| {
                let href = self
                    .state
                    .territories
                    .get(t.level, &t.code)
                    .map(|x| format!("/territoires/{}/{}-{}", t.level, t.code, x.slug()))
                    .unwrap_or_default();
                (territory_line(&self.state.territories, t), href)
            })
            .collect()
    }
    fn activity_names(&self) -> Vec<String> {
        self.state
            .reference
            .metier
            .iter()
            .flat_map(|m| m.activities.iter())
            .filter(|a| self.f.activities.contains(&a.slug))
            .map(|a| a.name.clone())
            .collect()
    }
    fn lever_links(&self) -> Vec<(String, String)> {
        self.state
            .reference
            .levers
            .iter()
            .filter(|l| self.f.levers.contains(&l.slug))
            .map(|l| (l.slug.clone(), l.name.clone()))
            .collect()
    }
    fn family(&self) -> String {
        family_name(self.state, &self.f.actor_family)
    }
    fn bio_paragraphs(&self) -> Vec<&str> {
        self.f
            .bio
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect()
    }
}

/// The profile if the viewer may see it (published and visible, or hers, or a moderator).
async fn visible_profile(
    state: &AppState,
    user: Option<&User>,
    slug: &str,
) -> Result<(Profile, ProfileFields, bool), AppError> {
    let p = state
        .store
        .profile_by_slug(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let own = user.is_some_and(|u| u.id == p.user_id);
    let moderator = user.is_some_and(|u| u.role.includes(Role::Moderator));
    let f = if p.visible_to(user.is_some()) {
        p.moderated.published.clone()
    } else if own || moderator {
        p.moderated.current().cloned()
    } else {
        None
    };
    let f = f.ok_or(AppError::NotFound)?;
    Ok((p, f, own))
}

#[derive(Deserialize)]
pub struct MemberNotice {
    contact: Option<String>,
    signalement: Option<String>,
}

pub async fn member(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(n): Query<MemberNotice>,
) -> Result<Response, AppError> {
    let (p, f, own) = visible_profile(&state, ctx.user.as_ref(), &slug).await?;
    let notice = if n.contact.as_deref() == Some("envoye") {
        Some(ctx.t.s("reseau.contact_sent").to_string())
    } else if n.signalement.as_deref() == Some("envoye") {
        Some(ctx.t.s("reseau.report_sent").to_string())
    } else {
        None
    };
    let places = places_run_by(&state, p.user_id).await?;
    let related_cases = crate::cases::related::of_member(&state, &ctx, p.user_id).await?;
    render(
        &ctx,
        &MemberPage {
            related_cases,
            ctx: &ctx,
            state: &state,
            p,
            f,
            own,
            places,
            errors: FormErrors::default(),
            subject: String::new(),
            message: String::new(),
            notice,
        },
    )
}

/// The published places whose published version names the member among its managers, by id.
/// The network snapshot knows which they are (rebuilt after every place decision): only those
/// rows are read, not every place. Checked again on the rows, as they are now.
async fn places_run_by(state: &AppState, user_id: i64) -> Result<Vec<Place>, AppError> {
    let ids = state.network().places_run_by(user_id).to_vec();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(state
        .store
        .places_by_ids(&ids)
        .await?
        .into_iter()
        .filter(|p| {
            p.moderated
                .published
                .as_ref()
                .is_some_and(|f| f.managers.contains(&user_id))
        })
        .collect())
}

#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    message: String,
}

/// `POST /reseau/{slug}/contact`: a member writes to another through the platform. The
/// recipient gets the message with « Répondre à » set to the sender; neither address is
/// shown on any page. Limited per sender, logged (who, to whom, when; never the text).
pub async fn contact(
    State(state): State<AppState>,
    SignedIn(sender): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<ContactForm>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let (p, f, own) = visible_profile(&state, Some(&sender), &slug).await?;
    if own || !p.visible_to(true) {
        return Err(AppError::Forbidden);
    }
    let subject = form.subject.trim().to_string();
    let message = form.message.trim().replace("\r\n", "\n");
    let mut errors = FormErrors::default();
    if !(3..=120).contains(&subject.chars().count()) {
        errors.push("subject", t.s("reseau.error_subject"));
    } else if catalyse_core::text::check_plain(&subject).is_err() {
        errors.push("subject", t.s("reseau.error_subject_invisible"));
    }
    if !(10..=3000).contains(&message.chars().count()) {
        errors.push("message", t.s("reseau.error_message"));
    } else if catalyse_core::text::check_plain_lines(&message).is_err() {
        errors.push("message", t.s("reseau.error_message_invisible"));
    }
    if !errors.is_empty() {
        let places = places_run_by(&state, p.user_id).await?;
        let related_cases = crate::cases::related::of_member(&state, &ctx, p.user_id).await?;
        let page = MemberPage {
            related_cases,
            ctx: &ctx,
            state: &state,
            p,
            f,
            own,
            places,
            errors,
            subject,
            message,
            notice: None,
        };
        return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let recipient = state
        .store
        .user_by_id(p.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let body = t
        .s("reseau.contact_mail_body")
        .replace("{message}", &message);
    let relayed = Relay {
        sender: &sender,
        recipient: Recipient::Member(&recipient),
        subject: &subject,
        body,
        kind: "peer contact",
    };
    if !relay(&state, relayed).await? {
        return Ok(crate::error::error_response(
            t,
            StatusCode::TOO_MANY_REQUESTS,
            "error.too_many",
            &t.f("reseau.error_contact_rate", CONTACTS_PER_DAY),
        ));
    }
    Ok(Redirect::to(&format!("/reseau/{slug}?contact=envoye")).into_response())
}

type Chart = (String, String, Vec<(String, usize)>);

#[derive(Template)]
#[template(path = "network/figures.html")]
struct FiguresPage<'a> {
    ctx: &'a PageCtx,
    total: usize,
    examples: usize,
    /// (title, SVG chart, rows of the table with the same figures)
    charts: Vec<Chart>,
}

impl FiguresPage<'_> {
    fn n(&self, v: &usize) -> String {
        self.ctx.num(&(*v as i64))
    }
}

/// `GET /reseau/chiffres`: the network in figures (public profiles), as charts and tables.
pub async fn figures(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    let snap = state.network();
    let fig = &snap.figures;
    let t = ctx.t;
    let mut charts = Vec::new();
    let by = |pairs: Vec<(String, usize)>| {
        let mut v: Vec<(String, usize)> = pairs;
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    };
    let families = by(state
        .reference
        .actor_families
        .iter()
        .map(|f| {
            (
                f.name.clone(),
                fig.by_family.get(&f.slug).copied().unwrap_or(0),
            )
        })
        .collect());
    let regions = by(regions(&state)
        .into_iter()
        .map(|(code, name)| (name, fig.by_region.get(&code).copied().unwrap_or(0)))
        .collect());
    let activities = by(state
        .reference
        .metier
        .iter()
        .flat_map(|m| m.activities.iter())
        .map(|a| {
            (
                a.name.clone(),
                fig.by_activity.get(&a.slug).copied().unwrap_or(0),
            )
        })
        .collect());
    for (key, rows) in [
        ("reseau.by_family", families),
        ("reseau.by_region", regions),
        ("reseau.by_activity", activities),
    ] {
        let title = t.s(key).to_string();
        let bars: Vec<(String, f64, String)> = rows
            .iter()
            .map(|(l, n)| (l.clone(), *n as f64, ctx.num(&(*n as i64))))
            .collect();
        let svg = catalyse_formats::choropleth::bar_chart(&title, &bars);
        charts.push((title, svg, rows));
    }
    render(
        &ctx,
        &FiguresPage {
            ctx: &ctx,
            total: fig.public,
            examples: fig.examples,
            charts,
        },
    )
}

/// `GET /reseau/{slug}/photo`: the photo of a profile the viewer may see.
pub async fn photo(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let (_, f, _) = visible_profile(&state, ctx.user.as_ref(), &slug).await?;
    let sha = f.photo.ok_or(AppError::NotFound)?;
    serve_photo(&state, &sha, ctx.user.is_some()).await
}

/// `GET /reseau/photos/{sha}.jpg`: a photo by its hash, for its owner (her draft) and the
/// moderators (the queue).
pub async fn photo_by_hash(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let sha = file.strip_suffix(".jpg").ok_or(AppError::NotFound)?;
    if !user.role.includes(Role::Moderator) {
        let mine = state.store.profile(user.id).await?.is_some_and(|p| {
            p.moderated
                .versions()
                .any(|f| f.photo.as_deref() == Some(sha))
        });
        if !mine {
            return Err(AppError::NotFound);
        }
    }
    serve_photo(&state, sha, true).await
}

async fn serve_photo(state: &AppState, sha: &str, private: bool) -> Result<Response, AppError> {
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let bytes = state
        .files
        .get(sha)
        .await
        .map_err(AppError::Internal)?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::CACHE_CONTROL,
                if private {
                    "private, max-age=300"
                } else {
                    "public, max-age=300"
                },
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The columns of `/reseau/membres.csv`.
const CSV_HEADER: [&str; 13] = [
    "slug",
    "nom",
    "organisation",
    "famille_acteurs",
    "fonction",
    "territoires",
    "activites",
    "leviers",
    "themes",
    "presentation",
    "liens",
    "url",
    "donnees_exemple",
];

/// One page of public profiles as CSV lines.
fn csv_page(base: &str, page: &[Profile]) -> anyhow::Result<Vec<u8>> {
    crate::export::csv_bytes(|w| {
        for p in page.iter().filter(|p| p.is_public()) {
            let Some(f) = &p.moderated.published else {
                continue;
            };
            let territories: Vec<String> = f
                .territories
                .iter()
                .map(|t| format!("{}:{}", t.level, t.code))
                .collect();
            // What members typed never runs as a spreadsheet formula.
            w.write_record(catalyse_core::text::csv_record([
                p.slug.as_str(),
                &f.display_name,
                &f.organisation,
                &f.actor_family,
                &f.role,
                &territories.join(" "),
                &f.activities.join(" "),
                &f.levers.join(" "),
                &f.themes.join(";"),
                &f.bio,
                &f.links.join(" "),
                &format!("{base}/reseau/{}", p.slug),
                if p.is_example { "oui" } else { "non" },
            ]))?;
        }
        Ok(())
    })
}

/// `GET /reseau/membres.csv`: public profiles as open data, streamed page by page (a large
/// network is never held in memory).
pub async fn export_csv(State(state): State<AppState>) -> Result<Response, AppError> {
    let base = state.config.public_url();
    let head =
        crate::export::csv_bytes(|w| w.write_record(CSV_HEADER)).map_err(AppError::Internal)?;
    let body = crate::export::stream_pages(
        move |after| {
            let state = state.clone();
            async move { state.store.published_profiles(after, CSV_PAGE).await }
        },
        |p: &Profile| p.user_id,
        move |page: &[Profile]| csv_page(&base, page),
        head,
        vec![],
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"catalyse-reseau-membres.csv\"",
            ),
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        body,
    )
        .into_response())
}

const CSV_PAGE: u32 = 2_000;
