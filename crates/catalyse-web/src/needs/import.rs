//! Needs from a CSV file (`catalyse needs import`), with French column names: every line is
//! checked as the form would check it (`NeedFields::problems`), plus its territory against
//! the geography, its status, its horizon, and its author's account or contact address;
//! every bad line is reported with its number, and nothing is written unless all are good.
//! The needs are published at once (origin « import »), in one transaction, in the name of
//! the account `auteur` names, or of nobody (with `email_contact`, relayed messages reach
//! that address); the needs' index follows the store's `needs_version`.

use crate::csv_import::{line_errors, list, territory, Accounts, ImportError};
use crate::state::AppState;
use catalyse_core::dataset::LineError;
use catalyse_core::needs::{Horizon, Need, NeedFields, NeedStatus};
use catalyse_core::reference::ReferenceFrame;
use catalyse_core::text::has_forbidden_chars;
use catalyse_core::{Email, TerritoryIndex};
use catalyse_store::ImportedNeed;

/// The columns, in the order the README gives them.
pub const COLUMNS: [&str; 13] = [
    "titre",
    "description",
    "territoire",
    "structure",
    "famille_auteur",
    "fragilite",
    "leviers",
    "familles",
    "activites",
    "echeance",
    "statut",
    "auteur",
    "email_contact",
];

/// The columns a file must have (the others may be left out).
const REQUIRED: [&str; 4] = ["titre", "description", "territoire", "fragilite"];

/// One line read: the need, who it is from, and what is wrong with it.
#[derive(Debug)]
pub struct Line {
    pub line: usize,
    pub fields: NeedFields,
    pub status: NeedStatus,
    /// The address of the account in whose name (`auteur`), or empty.
    pub author: String,
    /// Without an account: the address relayed messages go to (`email_contact`).
    pub contact: Option<String>,
    pub problems: Vec<String>,
}

/// A slug cell read as `T`, or its default when empty; an unknown value is a problem that
/// lists the known ones.
fn slug_cell<T: std::str::FromStr<Err = String> + Copy>(
    cell: &str,
    all: &[T],
    default: T,
    as_str: fn(T) -> &'static str,
    problems: &mut Vec<String>,
) -> T {
    if cell.is_empty() {
        return default;
    }
    cell.parse().unwrap_or_else(|e: String| {
        let known: Vec<&str> = all.iter().map(|v| as_str(*v)).collect();
        problems.push(format!("{e} ({})", known.join(", ")));
        default
    })
}

/// Reads the file and checks what needs no database: the header (missing columns are an
/// error of line 1, and then nothing else is read), each line's cells and
/// `NeedFields::problems`.
pub fn read(
    text: &str,
    territories: &TerritoryIndex,
    frame: &ReferenceFrame,
    fragilities: &[&str],
) -> Result<Vec<Line>, Vec<LineError>> {
    let nothing = "le fichier ne contient aucun besoin";
    let mut out = Vec::new();
    for l in crate::csv_import::read(text, &COLUMNS, &REQUIRED, nothing)? {
        let mut problems = Vec::new();
        let territory = territory(l.get("territoire"), territories, &mut problems);
        let horizon = slug_cell(
            l.get("echeance"),
            &Horizon::ALL,
            Horizon::SansEcheance,
            Horizon::as_str,
            &mut problems,
        );
        let status = slug_cell(
            l.get("statut"),
            &NeedStatus::ALL,
            NeedStatus::Ouvert,
            NeedStatus::as_str,
            &mut problems,
        );
        let author = l.get("auteur").to_string();
        let contact = match l.get("email_contact") {
            "" => None,
            c => match Email::parse(c) {
                Ok(e) if !has_forbidden_chars(e.as_str()) => Some(e.as_str().to_string()),
                _ => {
                    problems.push(format!(
                        "email_contact « {c} » : ce n'est pas une adresse électronique valide"
                    ));
                    None
                }
            },
        };
        if !author.is_empty() && !l.get("email_contact").is_empty() {
            problems.push(
                "auteur et email_contact : indiquez l'un ou l'autre (le compte de l'auteur \
                 reçoit déjà les messages)"
                    .into(),
            );
        }
        let mut fields = NeedFields {
            title: l.get("titre").into(),
            description: l.get("description").into(),
            territory,
            organisation: l.get("structure").into(),
            author_family: l.get("famille_auteur").into(),
            fragility: l.get("fragilite").into(),
            levers: list(l.get("leviers")),
            families: list(l.get("familles")),
            activities: list(l.get("activites")),
            horizon,
        };
        fields.normalise();
        problems.extend(
            fields
                .problems(frame, fragilities)
                .into_iter()
                .map(|p| p.message),
        );
        out.push(Line {
            line: l.line,
            fields,
            status,
            author,
            contact,
            problems,
        });
    }
    Ok(out)
}

/// Checks the whole file (an author must have an account), then writes every need,
/// published, in one transaction, or nothing.
pub async fn import(state: &AppState, text: &str) -> Result<Vec<Need>, ImportError> {
    let fragilities: Vec<&str> = state.fragilities.iter().map(|f| f.slug.as_str()).collect();
    let frame = crate::network::live::frame(state);
    let mut lines =
        read(text, &state.territories, &frame, &fragilities).map_err(ImportError::Lines)?;
    let mut accounts = Accounts::default();
    let mut authors = Vec::with_capacity(lines.len());
    for l in &mut lines {
        let id = match l.author.as_str() {
            "" => None,
            email => {
                let id = accounts.id(state.store.as_ref(), email).await?;
                if id.is_none() {
                    l.problems.push(format!(
                        "auteur « {email} » : aucun compte n'a cette adresse"
                    ));
                }
                id
            }
        };
        authors.push(id);
    }
    let errors = line_errors(lines.iter().map(|l| (l.line, l.problems.as_slice())));
    if !errors.is_empty() {
        return Err(ImportError::Lines(errors));
    }
    let needs: Vec<ImportedNeed> = lines
        .into_iter()
        .zip(authors)
        .map(|(l, author_id)| ImportedNeed {
            fields: l.fields,
            status: l.status,
            author_id,
            author_email: l.contact,
        })
        .collect();
    Ok(state.store.import_needs(&needs, chrono::Utc::now()).await?)
}

#[cfg(test)]
mod tests;
