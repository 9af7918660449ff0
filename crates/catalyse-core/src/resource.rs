//! The resource centre's documents: the kit of the « Centre de ressources numériques
//! Co-construction territoriale » (4 natures, their sub-groups) and what animators add.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The 4 natures of documents of the kit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Nature {
    CadreDeReference,
    Illustration,
    Methode,
    BoiteAOutils,
}

impl Nature {
    pub const ALL: [Nature; 4] = [
        Nature::CadreDeReference,
        Nature::Illustration,
        Nature::Methode,
        Nature::BoiteAOutils,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Nature::CadreDeReference => "cadre-de-reference",
            Nature::Illustration => "illustration",
            Nature::Methode => "methode",
            Nature::BoiteAOutils => "boite-a-outils",
        }
    }

    /// As the seed names it.
    pub fn label(self) -> &'static str {
        match self {
            Nature::CadreDeReference => "Cadre de référence",
            Nature::Illustration => "Illustrations",
            Nature::Methode => "Méthode",
            Nature::BoiteAOutils => "Boîte à outils",
        }
    }

    /// The sub-groups of a nature, as the seed groups its documents: (slug, label).
    pub fn subgroups(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Nature::CadreDeReference => &[],
            Nature::Illustration => &[
                ("films", "Films"),
                ("etudes-territoriales", "Études territoriales"),
                ("retours-d-experience", "Retours d'expérience"),
            ],
            Nature::Methode => &[
                ("se-former", "Se former"),
                ("mettre-en-oeuvre", "Mettre en œuvre une démarche"),
                ("accompagner", "Accompagner les organisations"),
                ("evaluer", "Évaluer"),
            ],
            Nature::BoiteAOutils => &[
                ("documents-contexte", "Documents contexte"),
                ("documents-connaissance", "Documents connaissance"),
                ("guides-pratiques", "Guides pratiques"),
                ("fiches-outil", "Fiches outil"),
            ],
        }
    }

    pub fn subgroup_label(self, slug: &str) -> Option<&'static str> {
        self.subgroups()
            .iter()
            .find(|(s, _)| *s == slug)
            .map(|(_, l)| *l)
    }
}

impl fmt::Display for Nature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Nature {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Nature::ALL
            .into_iter()
            .find(|n| n.as_str() == s)
            .ok_or_else(|| format!("nature inconnue : « {s} »"))
    }
}

/// Where a resource is in its life: only published ones are public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ResourceState {
    Draft,
    Published,
    Archived,
}

impl ResourceState {
    pub const ALL: [ResourceState; 3] = [
        ResourceState::Draft,
        ResourceState::Published,
        ResourceState::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceState::Draft => "draft",
            ResourceState::Published => "published",
            ResourceState::Archived => "archived",
        }
    }
}

impl fmt::Display for ResourceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ResourceState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ResourceState::ALL
            .into_iter()
            .find(|n| n.as_str() == s)
            .ok_or_else(|| format!("état inconnu : « {s} »"))
    }
}

/// A stored file: found by the SHA-256 of its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredFile {
    pub sha256: String,
    /// The name it is downloaded under.
    pub name: String,
    pub content_type: String,
    pub size: i64,
}

/// What describes a resource, as created or edited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceFields {
    pub slug: String,
    pub title: String,
    /// Empty when nothing is known beyond the title: shown as « résumé à compléter ».
    pub summary: String,
    /// Markdown, sanitized when rendered.
    pub body: String,
    pub nature: Nature,
    /// A sub-group of the nature (see [`Nature::subgroups`]), or empty.
    pub subgroup: String,
    /// Slugs of the levers it serves (0 to 7).
    pub levers: Vec<String>,
    pub themes: Vec<String>,
    /// Authors and organisations, as credited (« Le RAMEAU », « ESSEC »…).
    pub authors: Vec<String>,
    pub year: Option<i32>,
    /// « PDF », « Vidéo », « MOOC », « Page web »…
    pub format: String,
    /// BCP 47 code, « fr » for the kit.
    pub language: String,
    pub licence: String,
    /// A link to the document when it is hosted elsewhere.
    pub url: Option<String>,
    /// Generated example content, labelled « données d'exemple ».
    pub is_example: bool,
}

/// A resource as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resource {
    pub id: i64,
    #[serde(flatten)]
    pub fields: ResourceFields,
    pub state: ResourceState,
    pub file: Option<StoredFile>,
    #[serde(with = "crate::time::z")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::time::z")]
    pub updated_at: DateTime<Utc>,
    /// When it was first published, if it was.
    #[serde(with = "crate::time::z_option")]
    pub published_at: Option<DateTime<Utc>>,
}

impl std::ops::Deref for Resource {
    type Target = ResourceFields;
    fn deref(&self) -> &ResourceFields {
        &self.fields
    }
}

/// The kit as the seed lists it, shipped in `data/reference/kit.toml`.
#[derive(Debug, Deserialize)]
pub struct Kit {
    /// Where the kit is published: each document's link.
    #[serde(default)]
    pub centre: Option<String>,
    pub resource: Vec<KitEntry>,
}

#[derive(Debug, Deserialize)]
pub struct KitEntry {
    pub slug: String,
    pub title: String,
    pub nature: Nature,
    #[serde(default)]
    pub subgroup: String,
    pub authors: Vec<String>,
    pub year: Option<i32>,
    #[serde(default)]
    pub levers: Vec<String>,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default = "default_format")]
    pub format: String,
}

fn default_format() -> String {
    "Document".into()
}

impl Kit {
    pub fn shipped() -> Result<Kit, toml::de::Error> {
        toml::from_str(include_str!("../../../data/reference/kit.toml"))
    }

    /// Where the shipped kit is published (its `centre`), read once.
    pub fn shipped_centre() -> Option<&'static str> {
        static CENTRE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
        CENTRE
            .get_or_init(|| Kit::shipped().ok().and_then(|k| k.centre))
            .as_deref()
    }

    /// The kit's documents, each linked to the centre where it is published.
    pub fn documents(&self) -> Vec<ResourceFields> {
        self.resource
            .iter()
            .map(|e| ResourceFields {
                url: self.centre.clone(),
                ..e.fields()
            })
            .collect()
    }

    /// Checksum of the shipped file, to load it again only when it changed.
    pub fn shipped_checksum() -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(
            include_str!("../../../data/reference/kit.toml").as_bytes(),
        ))
    }
}

impl KitEntry {
    /// The kit's documents are published by Le RAMEAU, in French; the seed gives no summary.
    pub fn fields(&self) -> ResourceFields {
        ResourceFields {
            slug: self.slug.clone(),
            title: self.title.clone(),
            summary: String::new(),
            body: String::new(),
            nature: self.nature,
            subgroup: self.subgroup.clone(),
            levers: self.levers.clone(),
            themes: self.themes.clone(),
            authors: self.authors.clone(),
            year: self.year,
            format: self.format.clone(),
            language: "fr".into(),
            licence: String::new(),
            url: None,
            is_example: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_titles_elide_before_the_article() {
        let titles: Vec<String> = examples(144, &["l".into()])
            .into_iter()
            .map(|r| r.title)
            .collect();
        assert!(titles
            .iter()
            .any(|t| t.contains("l'impact d'une recyclerie")));
        assert!(titles.iter().any(|t| t.contains("autour d'un ")));
        // The article is never dropped: « d'recyclerie », « d'tiers-lieu » were written once.
        for t in &titles {
            for noun in [
                "recyclerie",
                "tiers-lieu",
                "épicerie",
                "projet",
                "collectif",
                "pôle",
            ] {
                assert!(!t.contains(&format!("d'{noun}")), "{t}");
            }
        }
    }

    #[test]
    fn the_kit_is_the_seed_s() {
        let kit = Kit::shipped().expect("kit.toml");
        assert!(kit.resource.len() >= 37, "{}", kit.resource.len());
        let mut slugs: Vec<&str> = kit.resource.iter().map(|r| r.slug.as_str()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), kit.resource.len(), "unique slugs");
        for r in &kit.resource {
            assert!(
                r.subgroup.is_empty() || r.nature.subgroup_label(&r.subgroup).is_some(),
                "{}: sub-group {} is not one of {:?}",
                r.slug,
                r.subgroup,
                r.nature
            );
            assert!(!r.authors.is_empty(), "{} has authors", r.slug);
        }
        for n in Nature::ALL {
            assert!(kit.resource.iter().any(|r| r.nature == n), "{n}");
            assert_eq!(n.as_str().parse::<Nature>(), Ok(n));
        }
    }
}

/// Generated example resources, labelled as such (`is_example`): for the demonstration
/// instance and the search benchmark. Titles and summaries are assembled from French phrases
/// of the field, deterministically from `n`.
pub fn examples(count: usize, levers: &[String]) -> Vec<ResourceFields> {
    const ACTIONS: [&str; 12] = [
        "Animer",
        "Évaluer",
        "Financer",
        "Lancer",
        "Mesurer l'impact d'",
        "Piloter",
        "Outiller",
        "Accompagner",
        "Structurer",
        "Documenter",
        "Mobiliser autour d'",
        "Faire grandir",
    ];
    const OBJECTS: [&str; 12] = [
        "un tiers-lieu",
        "une alliance entre associations et entreprises",
        "un projet de mobilité solidaire",
        "une épicerie sociale et solidaire",
        "un collectif d'habitants",
        "une expérimentation territoriale",
        "un partenariat avec la collectivité",
        "une démarche de transition écologique",
        "un atelier numérique pour les aînés",
        "un pôle territorial de coopération économique",
        "une recyclerie",
        "un réseau d'entraide contre l'isolement",
    ];
    const FORMS: [(&str, Nature, &str); 6] = [
        ("Guide pratique", Nature::BoiteAOutils, "guides-pratiques"),
        ("Fiche outil", Nature::BoiteAOutils, "fiches-outil"),
        (
            "Retour d'expérience",
            Nature::Illustration,
            "retours-d-experience",
        ),
        ("Méthode pas à pas", Nature::Methode, "mettre-en-oeuvre"),
        ("Grille d'évaluation", Nature::Methode, "evaluer"),
        ("Note de cadrage", Nature::CadreDeReference, ""),
    ];
    const PLACES: [&str; 8] = [
        "en milieu rural",
        "dans un quartier prioritaire",
        "à l'échelle d'une intercommunalité",
        "dans une commune de montagne",
        "en outre-mer",
        "dans une ville moyenne",
        "sur un territoire littoral",
        "dans un bassin d'emploi en reconversion",
    ];
    (0..count)
        .map(|i| {
            let action = ACTIONS[i % ACTIONS.len()];
            let object = OBJECTS[(i / ACTIONS.len() + i) % OBJECTS.len()];
            let (form, nature, subgroup) = FORMS[(i / 3) % FORMS.len()];
            let place = PLACES[(i * 7 / 5) % PLACES.len()];
            // « Mesurer l'impact d'une recyclerie »: the article stays after the elision.
            let joined = if action.ends_with('\'') {
                format!("{action}{object}")
            } else {
                format!("{action} {object}")
            };
            let title = format!("{form} : {} {place} (exemple n° {})", joined, i + 1);
            let summary = format!(
                "{form} pour {} {place} : les étapes, les acteurs à réunir et les points de \
                 vigilance, à partir de situations vécues par des catalyseurs territoriaux.",
                joined.to_lowercase()
            );
            let body = format!(
                "## Pourquoi\n\n{summary}\n\n## Comment\n\n1. Réunir les acteurs du territoire.\n\
                 2. Partager un diagnostic des fragilités et des ressources.\n3. Choisir une \
                 première action et ses indicateurs.\n\n## Pour aller plus loin\n\nCe document \
                 est un exemple généré : il ne décrit aucun projet réel."
            );
            let lever = levers.get(i % levers.len().max(1)).cloned();
            ResourceFields {
                slug: format!("exemple-{}", i + 1),
                title,
                summary,
                body,
                nature,
                subgroup: subgroup.to_string(),
                levers: lever.into_iter().collect(),
                themes: vec![],
                authors: vec!["Catalyse (données d'exemple)".into()],
                year: Some(2016 + (i % 10) as i32),
                format: "Document".into(),
                language: "fr".into(),
                licence: "CC BY 4.0".into(),
                url: None,
                is_example: true,
            }
        })
        .collect()
}

/// The catalogue as CSV, for `catalyse resources import|export`: one resource per line, lists
/// separated by `;`.
pub mod catalogue {
    use super::{Nature, Resource, ResourceFields, ResourceState};
    use crate::dataset::LineError;

    pub const COLUMNS: [&str; 15] = [
        "slug", "title", "nature", "subgroup", "levers", "themes", "authors", "year", "format",
        "language", "licence", "url", "state", "summary", "body",
    ];

    fn list(s: &str) -> Vec<String> {
        s.split(';')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect()
    }

    /// Reads a whole file; every bad line is reported, and nothing is returned unless all are
    /// good. `levers` are the known lever slugs.
    pub fn parse(
        text: &str,
        levers: &[String],
    ) -> Result<Vec<(ResourceFields, ResourceState)>, Vec<LineError>> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let err = |line: usize, message: String| LineError { line, message };
        let headers = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(vec![err(1, format!("en-tête illisible : {e}"))]),
        };
        let index: Vec<Option<usize>> = COLUMNS
            .iter()
            .map(|c| headers.iter().position(|h| h.trim() == *c))
            .collect();
        let missing: Vec<&str> = COLUMNS[..3]
            .iter()
            .zip(&index)
            .filter(|(_, i)| i.is_none())
            .map(|(c, _)| *c)
            .collect();
        if !missing.is_empty() {
            return Err(vec![err(
                1,
                format!("colonnes manquantes : {}", missing.join(", ")),
            )]);
        }
        let mut out = vec![];
        let mut errors = vec![];
        let mut seen = std::collections::HashMap::new();
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    errors.push(err(line, format!("ligne illisible : {e}")));
                    continue;
                }
            };
            // A cell written by `write` (through `csv_cell`) reads back as it was.
            let get = |c: usize| {
                crate::text::csv_unescape(index[c].and_then(|i| record.get(i)).unwrap_or("").trim())
            };
            let mut problems = vec![];
            let slug = crate::text::slugify(get(0));
            if slug.is_empty() {
                problems.push("identifiant (slug) vide".to_string());
            } else if let Some(first) = seen.insert(slug.clone(), line) {
                problems.push(format!("identifiant « {slug} » déjà utilisé ligne {first}"));
            }
            let title = get(1).to_string();
            if title.is_empty() {
                problems.push("titre vide".into());
            }
            let nature = match get(2).parse::<Nature>() {
                Ok(n) => Some(n),
                Err(e) => {
                    problems.push(e);
                    None
                }
            };
            let subgroup = get(3).to_string();
            if let Some(n) = nature {
                if !subgroup.is_empty() && n.subgroup_label(&subgroup).is_none() {
                    problems.push(format!(
                        "sous-groupe « {subgroup} » inconnu pour cette nature"
                    ));
                }
            }
            let lv = list(get(4));
            for l in &lv {
                if !levers.contains(l) {
                    problems.push(format!("levier inconnu : « {l} »"));
                }
            }
            let year = match get(7) {
                "" => None,
                y => match y.parse::<i32>() {
                    Ok(y) if (1900..=2100).contains(&y) => Some(y),
                    _ => {
                        problems.push(format!("année invalide : « {y} »"));
                        None
                    }
                },
            };
            let url = match get(11) {
                "" => None,
                u if u.starts_with("https://") || u.starts_with("http://") => Some(u.to_string()),
                u => {
                    problems.push(format!("lien invalide : « {u} »"));
                    None
                }
            };
            let state = match get(12) {
                "" => ResourceState::Published,
                s => match s.parse() {
                    Ok(s) => s,
                    Err(e) => {
                        problems.push(e);
                        ResourceState::Draft
                    }
                },
            };
            let authors = list(get(6));
            if authors.is_empty() {
                problems.push("aucun auteur".into());
            }
            if !problems.is_empty() {
                errors.push(err(line, problems.join(" ; ")));
                continue;
            }
            let language = match get(9) {
                "" => "fr".to_string(),
                l => l.to_lowercase(),
            };
            out.push((
                ResourceFields {
                    slug,
                    title,
                    summary: get(13).to_string(),
                    body: get(14).to_string(),
                    nature: nature.unwrap_or(Nature::BoiteAOutils),
                    subgroup,
                    levers: lv,
                    themes: list(get(5)),
                    authors,
                    year,
                    format: get(8).to_string(),
                    language,
                    licence: get(10).to_string(),
                    url,
                    is_example: false,
                },
                state,
            ));
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    /// The catalogue in the same format.
    pub fn write(resources: &[Resource]) -> Result<String, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(COLUMNS)?;
        for r in resources {
            // Safe to open in a spreadsheet; `parse` reads the cells back as they were.
            w.write_record(crate::text::csv_record([
                r.slug.as_str(),
                &r.title,
                r.nature.as_str(),
                &r.subgroup,
                &r.levers.join(";"),
                &r.themes.join(";"),
                &r.authors.join(";"),
                &r.year.map(|y| y.to_string()).unwrap_or_default(),
                &r.format,
                &r.language,
                &r.licence,
                r.url.as_deref().unwrap_or(""),
                r.state.as_str(),
                &r.summary,
                &r.body,
            ]))?;
        }
        let bytes = w.into_inner().map_err(|e| e.into_error())?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn export_runs_no_formula_and_imports_back() {
            let levers = vec!["evaluer-sa-pertinence".to_string()];
            let text = "slug,title,nature,authors,summary\n\
                        guide-a,\"=HYPERLINK(\"\"http://x\"\",\"\"clic\"\")\",methode,@Moi,'-x\n";
            let items = parse(text, &levers).unwrap();
            let (mut fields, state) = items[0].clone();
            assert_eq!(fields.title, "=HYPERLINK(\"http://x\",\"clic\")");
            // An apostrophe before a formula's start is the spreadsheet's escape: read as such.
            assert_eq!(fields.summary, "-x");
            fields.body = "'-y".into();
            let r = Resource {
                id: 1,
                fields,
                state,
                file: None,
                created_at: Default::default(),
                updated_at: Default::default(),
                published_at: None,
            };
            let written = write(std::slice::from_ref(&r)).unwrap();
            assert!(written.contains("\"'=HYPERLINK("), "{written}");
            assert!(written.contains(",'@Moi,"), "{written}");
            assert!(written.contains(",'-x,''-y"), "{written}");
            let back = parse(&written, &levers).unwrap();
            assert_eq!(back[0].0.title, r.title);
            assert_eq!(back[0].0.authors, vec!["@Moi"]);
            assert_eq!(
                (back[0].0.summary.as_str(), back[0].0.body.as_str()),
                ("-x", "'-y")
            );
        }

        #[test]
        fn reports_every_bad_line_and_round_trips() {
            let levers = vec!["evaluer-sa-pertinence".to_string()];
            let good = "slug,title,nature,subgroup,levers,authors,year\n\
                        guide-a,Guide A,methode,evaluer,evaluer-sa-pertinence,Le RAMEAU;ESSEC,2015\n";
            let items = parse(good, &levers).unwrap();
            assert_eq!(items[0].0.authors, vec!["Le RAMEAU", "ESSEC"]);
            assert_eq!(items[0].1, ResourceState::Published);
            let bad = "slug,title,nature,levers,authors,year\n\
                       a,Titre,methode,,X,2015\n\
                       b,,roman,inconnu,,deux\n\
                       a,Encore,methode,,X,\n";
            let errors = parse(bad, &levers).unwrap_err();
            assert_eq!(errors.len(), 2, "{errors:?}");
            assert_eq!(errors[0].line, 3);
            assert!(errors[0].message.contains("titre vide"));
            assert!(errors[0].message.contains("levier inconnu"));
            assert!(errors[0].message.contains("année invalide"));
            assert_eq!(errors[1].line, 4);
            assert!(errors[1].message.contains("déjà utilisé ligne 2"));
            assert!(parse("title\nx\n", &levers).unwrap_err()[0]
                .message
                .contains("colonnes manquantes"));
        }
    }
}
