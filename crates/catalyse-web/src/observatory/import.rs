//! Importing an observatory dataset from CSV, for the command line and the admin upload alike:
//! the whole file is checked, every bad line reported, and nothing written unless all are good.

use crate::state::AppState;
use catalyse_core::dataset::{parse_csv, LineError};
use catalyse_core::observatory::needs::DATASET as NEEDS_DATASET;
use catalyse_store::{NewDataset, StoreError};

/// A dataset to import: its description and its CSV text.
pub struct DatasetUpload<'a> {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub is_example: bool,
    pub text: &'a str,
}

/// What an import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub indicators: usize,
    pub values: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file's bad lines; nothing was written.
    #[error("{} erreur(s) : rien n'a été importé", .0.len())]
    Lines(Vec<LineError>),
    /// The slug belongs to data the platform derives itself (the population, from the
    /// geography; the needs expressed, from the needs published).
    #[error("{}", reserved_message(.0))]
    Reserved(String),
    #[error("l'identifiant du jeu de données est vide")]
    NoSlug,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether the slug is one of a dataset the platform computes from its own data (the needs
/// expressed, the autodiagnostics shared).
fn is_computed(slug: &str) -> bool {
    slug == NEEDS_DATASET || slug.starts_with(catalyse_core::diagnostics::aggregate::PREFIX)
}

/// Why a reserved slug cannot be imported, in French (for the command line).
fn reserved_message(slug: &str) -> String {
    if is_computed(slug) {
        format!(
            "le jeu de données « {slug} » est calculé par la plateforme à partir de ses propres \
             données et ne se remplace pas : choisissez un autre identifiant"
        )
    } else {
        format!(
            "le jeu de données « {slug} » est tiré de la géographie officielle et ne se \
             remplace pas : choisissez un autre identifiant"
        )
    }
}

/// The page's message (a key of `admin_data`) for a reserved slug.
pub fn reserved_key(slug: &str) -> &'static str {
    if is_computed(slug) {
        "admin_data.reserved_needs"
    } else {
        "admin_data.reserved"
    }
}

/// Checks the whole file, then creates or replaces the dataset in one transaction and
/// reloads the observatory held in memory.
pub async fn import_dataset(
    state: &AppState,
    upload: DatasetUpload<'_>,
) -> Result<Imported, ImportError> {
    use sha2::Digest;
    let slug = catalyse_core::text::slugify(&upload.slug);
    if slug.is_empty() {
        return Err(ImportError::NoSlug);
    }
    if slug == crate::POPULATION || is_computed(&slug) {
        return Err(ImportError::Reserved(slug));
    }
    let import = parse_csv(upload.text, &state.territories).map_err(ImportError::Lines)?;
    let meta = NewDataset {
        title: if upload.title.trim().is_empty() {
            slug.clone()
        } else {
            upload.title.trim().to_string()
        },
        slug,
        description: upload.description.trim().to_string(),
        is_example: upload.is_example,
        checksum: hex::encode(sha2::Sha256::digest(upload.text.as_bytes())),
    };
    state
        .store
        .replace_dataset(&meta, &import, chrono::Utc::now())
        .await?;
    state.refresh_observatory().await?;
    Ok(Imported {
        indicators: import.indicators.len(),
        values: import.values.len(),
    })
}
