//! The resource centre's public pages: search with facets, the kit by nature, a page per
//! document with its download, the Atom feed.

use crate::error::AppError;
use crate::pages::{render, PageCtx};
use crate::resources::index::{markdown, parse_filter, query_string, related, PER_PAGE};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use catalyse_core::resource::{Nature, Resource, ResourceState};
use catalyse_core::Page;
use catalyse_search::SearchQuery;

/// One value of a facet, as a checkbox with its count.
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: u64,
    pub checked: bool,
}

pub struct Facet {
    pub param: &'static str,
    pub legend: String,
    pub values: Vec<FacetValue>,
}

impl Facet {
    /// A facet of a search page: its values with their counts (as the index gave them), in
    /// words (`label`), those of `chosen` checked.
    pub fn new<N: crate::i18n::Count + Copy>(
        t: crate::i18n::Tr,
        param: &'static str,
        legend_key: &str,
        values: &[(String, N)],
        chosen: &[String],
        label: &dyn Fn(&str) -> String,
    ) -> Facet {
        Facet {
            param,
            legend: t.s(legend_key).to_string(),
            values: values
                .iter()
                .map(|(v, n)| FacetValue {
                    value: v.clone(),
                    label: label(v),
                    count: n.count().max(0) as u64,
                    checked: chosen.contains(v),
                })
                .collect(),
        }
    }
}

/// A result as listed.
pub struct Item {
    pub slug: String,
    pub title_html: String,
    pub snippet_html: String,
    pub meta: String,
    pub is_example: bool,
}

#[derive(Template)]
#[template(path = "resources/resources.html")]
struct SearchPage<'a> {
    ctx: &'a PageCtx,
    filter: SearchQuery,
    error: Option<String>,
    results: Page<Item>,
    facets: Vec<Facet>,
    /// (label, URL) of the year ranges, and whether one is chosen.
    years: Vec<(String, String, u64, bool)>,
}

impl SearchPage<'_> {
    fn page_url(&self, page: u32) -> String {
        format!("/ressources?{}", query_string(&self.filter, page))
    }
    fn sort_is(&self, s: &str) -> bool {
        matches!(
            (s, self.filter.sort),
            ("pertinence", catalyse_search::Sort::Relevance)
                | ("recent", catalyse_search::Sort::Newest)
                | ("ancien", catalyse_search::Sort::Oldest)
        )
    }
}

pub fn lever_name(state: &AppState, slug: &str) -> String {
    state
        .reference
        .levers
        .iter()
        .find(|l| l.slug == slug)
        .map(|l| l.name.clone())
        .unwrap_or_else(|| slug.to_string())
}

fn subgroup_label(slug: &str) -> String {
    Nature::ALL
        .iter()
        .find_map(|n| n.subgroup_label(slug))
        .unwrap_or(slug)
        .to_string()
}

/// « Méthode · 2015 · Le RAMEAU, ESSEC · PDF »
pub fn meta_line(r: &Resource) -> String {
    let mut parts = vec![r.nature.label().to_string()];
    if let Some(y) = r.year {
        parts.push(y.to_string());
    }
    if !r.authors.is_empty() {
        parts.push(r.authors.join(", "));
    }
    if !r.format.is_empty() {
        parts.push(r.format.clone());
    }
    parts.join(" · ")
}

/// `GET /ressources`: search, facets, results.
pub async fn search(
    State(state): State<AppState>,
    ctx: PageCtx,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let (filter, error) = match parse_filter(raw.as_deref().unwrap_or("")) {
        Ok(f) => (f, None),
        Err(e) => (SearchQuery::default(), Some(e.0)),
    };
    let found = state
        .search
        .search(&filter)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
    let resources = state.store.resources_by_ids(&ids).await?;
    let items = found
        .hits
        .iter()
        .filter_map(|h| {
            let r = resources.iter().find(|r| r.id == h.id)?;
            Some(Item {
                slug: r.slug.clone(),
                title_html: h.title_html.clone(),
                snippet_html: h.snippet_html.clone(),
                meta: meta_line(r),
                is_example: r.is_example,
            })
        })
        .collect();
    let f = &found.facets;
    let facet = |param,
                 legend: &str,
                 values: &[(String, u64)],
                 chosen: &[String],
                 label: &dyn Fn(&str) -> String| {
        Facet::new(ctx.t, param, legend, values, chosen, label)
    };
    let natures: Vec<String> = filter.natures.iter().map(|n| n.to_string()).collect();
    let facets = vec![
        facet(
            "nature",
            "resources.facet_nature",
            &f.natures,
            &natures,
            &|v| {
                v.parse::<Nature>()
                    .map(|n| n.label().to_string())
                    .unwrap_or_else(|_| v.to_string())
            },
        ),
        facet(
            "sous_groupe",
            "resources.facet_subgroup",
            &f.subgroups,
            &filter.subgroups,
            &subgroup_label,
        ),
        facet(
            "levier",
            "resources.facet_lever",
            &f.levers,
            &filter.levers,
            &|v| lever_name(&state, v),
        ),
        facet(
            "auteur",
            "resources.facet_author",
            &f.authors,
            &filter.authors,
            &|v| v.to_string(),
        ),
        facet(
            "format",
            "resources.facet_format",
            &f.formats,
            &filter.formats,
            &|v| v.to_string(),
        ),
    ];
    let years = f
        .years
        .iter()
        .map(|y| {
            let chosen = filter.year_from == y.from && filter.year_to == y.to;
            let mut with = filter.clone();
            with.year_from = y.from;
            with.year_to = y.to;
            (
                y.label.clone(),
                format!("/ressources?{}", query_string(&with, 1)),
                y.count,
                chosen,
            )
        })
        .collect();
    let results = Page {
        items,
        total: found.total as i64,
        page: filter.page,
        per_page: PER_PAGE,
    };
    let page = SearchPage {
        ctx: &ctx,
        filter,
        error,
        results,
        facets,
        years,
    };
    crate::pages::render_search(&ctx, &page, page.error.is_some())
}

/// (slug, title) of a resource to link to.
type Link = (String, String);
/// A sub-group's label, its first documents, how many more, and the search that lists all.
type Group = (String, Vec<Link>, usize, String);

/// Documents shown in each sub-group of the kit page; the rest is one search away.
const KIT_SHOWN: usize = 12;

#[derive(Template)]
#[template(path = "resources/kit.html")]
struct KitPage<'a> {
    ctx: &'a PageCtx,
    /// (nature, its sub-groups with their documents, documents without sub-group)
    natures: Vec<(Nature, Vec<Group>, Group)>,
}

/// `GET /ressources/kit`: the kit pratique by its 4 natures and their sub-groups.
pub async fn kit(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    let all = state
        .store
        .resources(Some(ResourceState::Published))
        .await?;
    let link = |r: &Resource| {
        let year = r.year.map(|y| format!(" ({y})")).unwrap_or_default();
        (r.slug.clone(), format!("{}{year}", r.title))
    };
    // The kit's own documents before examples; at most KIT_SHOWN a group (a platform with
    // thousands of resources keeps a page one can read).
    let group = |label: String, mut docs: Vec<&Resource>, href: String| -> Group {
        docs.sort_by_key(|r| r.is_example);
        let more = docs.len().saturating_sub(KIT_SHOWN);
        let shown = docs.iter().take(KIT_SHOWN).map(|r| link(r)).collect();
        (label, shown, more, href)
    };
    let natures = Nature::ALL
        .into_iter()
        .map(|n| {
            let of: Vec<&Resource> = all.iter().filter(|r| r.nature == n).collect();
            let groups = n
                .subgroups()
                .iter()
                .map(|(slug, label)| {
                    group(
                        label.to_string(),
                        of.iter().filter(|r| r.subgroup == *slug).copied().collect(),
                        format!("/ressources?nature={n}&sous_groupe={slug}"),
                    )
                })
                .filter(|g| !g.1.is_empty())
                .collect();
            let loose = group(
                String::new(),
                of.iter()
                    .filter(|r| n.subgroup_label(&r.subgroup).is_none())
                    .copied()
                    .collect(),
                format!("/ressources?nature={n}"),
            );
            (n, groups, loose)
        })
        .collect();
    render(&ctx, &KitPage { ctx: &ctx, natures })
}

#[derive(Template)]
#[template(path = "resources/resource.html")]
struct ResourcePage<'a> {
    ctx: &'a PageCtx,
    r: Resource,
    subgroup: String,
    levers: Vec<(String, String)>,
    body_html: String,
    related: Vec<(String, String, String)>,
    json_ld: String,
    download: Option<String>,
}

impl ResourcePage<'_> {
    /// « PDF – 81 Ko »: the format (or the file's kind) and the size, in words.
    fn file_label(&self) -> String {
        let Some(f) = &self.r.file else {
            return String::new();
        };
        let kind = if self.r.format.is_empty() || self.r.format == "Document" {
            f.name
                .rsplit_once('.')
                .map(|(_, ext)| ext.to_uppercase())
                .unwrap_or_default()
        } else {
            self.r.format.clone()
        };
        let size = crate::format::file_size(self.ctx.t.lang, f.size);
        if kind.is_empty() {
            size
        } else {
            format!("{kind} – {size}")
        }
    }
    fn language_words(&self) -> String {
        crate::format::language_name(self.ctx.t.lang, &self.r.language)
    }
    fn licence_words(&self) -> String {
        crate::format::licence_name(self.ctx.t.lang, &self.r.licence)
    }
    /// The site the link leads to (« co-constructionterritoriale.plateformecapitalisation.org »).
    fn link_host(&self) -> String {
        let u = self.r.url.as_deref().unwrap_or("");
        let rest = u.split_once("://").map_or(u, |(_, r)| r);
        rest.split(['/', '?', '#']).next().unwrap_or("").to_string()
    }
    /// A document of the kit, published on the centre the seed names.
    fn in_kit_centre(&self) -> bool {
        self.r.url.is_some()
            && self.r.url.as_deref() == catalyse_core::resource::Kit::shipped_centre()
    }
}

/// A published resource, or (for animators) any.
async fn visible(state: &AppState, ctx: &PageCtx, slug: &str) -> Result<Resource, AppError> {
    let r = state
        .store
        .resource_by_slug(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if r.state != ResourceState::Published && !ctx.is_moderator() {
        return Err(AppError::NotFound);
    }
    Ok(r)
}

/// `GET /ressources/{slug}`
pub async fn resource(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let r = visible(&state, &ctx, &slug).await?;
    let base = state.config.public_url();
    let url = format!("{base}/ressources/{}", r.slug);
    let download = r
        .file
        .as_ref()
        .map(|f| {
            (
                format!("/ressources/{}/fichier", r.slug),
                f.content_type.clone(),
            )
        })
        .map(|(u, _)| u);
    let mut ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": if r.file.is_some() { "DigitalDocument" } else { "CreativeWork" },
        "name": r.title,
        "url": url,
        "inLanguage": r.language,
        "genre": r.nature.label(),
        "author": r.authors.iter().map(|a| serde_json::json!({"@type": "Organization", "name": a})).collect::<Vec<_>>(),
    });
    if let Some(y) = r.year {
        ld["datePublished"] = serde_json::json!(y.to_string());
    }
    if !r.summary.is_empty() {
        ld["abstract"] = serde_json::json!(r.summary);
    }
    if !r.licence.is_empty() {
        ld["license"] = serde_json::json!(r.licence);
    }
    if let Some(u) = &r.url {
        ld["sameAs"] = serde_json::json!(u);
    }
    if let Some(f) = &r.file {
        ld["encodingFormat"] = serde_json::json!(f.content_type);
    }
    let json_ld = crate::pages::json_ld(&ld);
    let related = related(&state, &r, 5)
        .await
        .into_iter()
        .map(|o| (o.slug.clone(), o.title.clone(), meta_line(&o)))
        .collect();
    let levers = r
        .levers
        .iter()
        .map(|l| (l.clone(), lever_name(&state, l)))
        .collect();
    let page = ResourcePage {
        ctx: &ctx,
        subgroup: r
            .nature
            .subgroup_label(&r.subgroup)
            .unwrap_or("")
            .to_string(),
        body_html: markdown(&r.body),
        levers,
        related,
        json_ld,
        download,
        r,
    };
    render(&ctx, &page)
}

/// `GET /ressources/{slug}/fichier`: the document, with its type and a safe name.
pub async fn file(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let r = visible(&state, &ctx, &slug).await?;
    let f = r.file.as_ref().ok_or(AppError::NotFound)?;
    let bytes = state
        .files
        .get(&f.sha256)
        .await
        .map_err(AppError::Internal)?
        .ok_or(AppError::NotFound)?;
    let ext = crate::files::FileKind::from_content_type(&f.content_type)
        .map(|k| k.extension())
        .unwrap_or("bin");
    let ascii_name = format!("{}.{ext}", r.slug);
    let utf8_name =
        percent_encoding::utf8_percent_encode(&f.name, percent_encoding::NON_ALPHANUMERIC);
    Ok((
        [
            (header::CONTENT_TYPE, f.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8_name}"),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "public, max-age=3600".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /ressources/flux.atom`: the latest published resources.
pub async fn atom(State(state): State<AppState>) -> Result<Response, AppError> {
    use catalyse_formats::atom::{Entry, Feed};
    let mut all = state
        .store
        .resources(Some(ResourceState::Published))
        .await?;
    all.sort_by(|a, b| b.published_at.cmp(&a.published_at).then(b.id.cmp(&a.id)));
    all.truncate(50);
    let base = state.config.public_url();
    let entries: Vec<Entry> = all
        .iter()
        .map(|r| Entry {
            id: format!("{base}/ressources/{}", r.slug),
            title: r.title.clone(),
            url: format!("{base}/ressources/{}", r.slug),
            updated: r.updated_at,
            published: r.published_at,
            summary: Some(if r.summary.is_empty() {
                meta_line(r)
            } else {
                r.summary.clone()
            }),
            authors: r.authors.clone(),
            categories: std::iter::once((
                r.nature.as_str().to_string(),
                r.nature.label().to_string(),
            ))
            .chain(r.levers.iter().map(|l| (l.clone(), lever_name(&state, l))))
            .collect(),
            content_html: None,
        })
        .collect();
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or_default();
    let feed = Feed {
        id: format!("{base}/ressources"),
        title: "Catalyse — Centre de ressources".into(),
        subtitle: Some("Les dernières ressources publiées : méthodes, outils, illustrations et cadres de référence de la co-construction territoriale.".into()),
        self_url: format!("{base}/ressources/flux.atom"),
        alternate_url: format!("{base}/ressources"),
        updated,
        author: "Catalyse".into(),
        rights: None,
        lang: "fr".into(),
    };
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        catalyse_formats::atom::atom(&feed, &entries),
    )
        .into_response())
}
