//! What the imports of a CSV file share (`catalyse cases import`, `catalyse needs import`):
//! the header checked for its required columns, each line's cells by column name, read back
//! as an export wrote them, with the line number every error names; and the error that says
//! nothing was imported.

use catalyse_core::cases::shipped::territory_ref;
use catalyse_core::dataset::LineError;
use catalyse_core::network::TerritoryRef;
use catalyse_core::TerritoryIndex;
use std::collections::HashMap;

/// Why nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{} erreur(s) : rien n'a été importé", .0.len())]
    Lines(Vec<LineError>),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<catalyse_store::StoreError> for ImportError {
    fn from(e: catalyse_store::StoreError) -> Self {
        ImportError::Other(e.into())
    }
}

/// One line of the file that is not blank.
pub struct CsvLine {
    /// Its number in the file (the header is line 1; a cell on two lines counts two).
    pub line: usize,
    cells: HashMap<&'static str, String>,
}

impl CsvLine {
    /// The cell of this column, trimmed, as written before an export protected it (`'=…`
    /// reads `=…`); empty when the file has no such column.
    pub fn get(&self, column: &str) -> &str {
        self.cells
            .get(column)
            .map_or("", |c| catalyse_core::text::csv_unescape(c.as_str().trim()))
    }
}

/// The lines of the file with their cells, or why it cannot be read: a header without a
/// required column (an error of line 1: nothing else is read), lines the CSV reader cannot
/// read, or no line at all (`nothing`, e.g. « le fichier ne contient aucune pratique »).
pub fn read(
    text: &str,
    columns: &[&'static str],
    required: &[&str],
    nothing: &str,
) -> Result<Vec<CsvLine>, Vec<LineError>> {
    let err = |line: usize, message: String| LineError { line, message };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![err(1, format!("en-tête illisible : {e}"))]),
    };
    let index: Vec<(&'static str, usize)> = columns
        .iter()
        .filter_map(|c| Some((*c, headers.iter().position(|h| h.trim() == *c)?)))
        .collect();
    let missing: Vec<&str> = required
        .iter()
        .filter(|c| !index.iter().any(|(k, _)| k == *c))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(vec![err(
            1,
            format!(
                "colonnes manquantes : {} (colonnes possibles : {})",
                missing.join(", "),
                columns.join(", ")
            ),
        )]);
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                errors.push(err(line, format!("ligne illisible : {e}")));
                continue;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        out.push(CsvLine {
            line: record.position().map_or(0, |p| p.line() as usize),
            cells: index
                .iter()
                .filter_map(|(c, i)| Some((*c, record.get(*i)?.to_string())))
                .collect(),
        });
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(err(1, nothing.into()));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A list cell: values separated by `;` or spaces.
pub fn list(s: &str) -> Vec<String> {
    s.split(|c: char| c == ';' || c.is_whitespace())
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

/// The lines that have problems, as the errors to report (each line's problems joined).
pub fn line_errors<'a>(lines: impl Iterator<Item = (usize, &'a [String])>) -> Vec<LineError> {
    lines
        .filter(|(_, problems)| !problems.is_empty())
        .map(|(line, problems)| LineError {
            line,
            message: problems.join(" ; "),
        })
        .collect()
}

/// The accounts the lines name by their address, each read once.
#[derive(Default)]
pub struct Accounts(HashMap<String, Option<i64>>);

impl Accounts {
    /// The id of the account with this address (any case); `None` when no account has it or
    /// it is no address.
    pub async fn id(
        &mut self,
        store: &dyn catalyse_store::Store,
        email: &str,
    ) -> catalyse_store::StoreResult<Option<i64>> {
        let key = email.to_lowercase();
        if let Some(id) = self.0.get(&key) {
            return Ok(*id);
        }
        let id = match catalyse_core::Email::parse(email) {
            Ok(e) => store.user_by_email(&e).await?.map(|u| u.id),
            Err(_) => None,
        };
        self.0.insert(key, id);
        Ok(id)
    }
}

/// A territory cell, `level:code` (`commune:42218`, `epci:200046977`, `department:69` — or
/// `departement:69` —, `region:84`), checked against the geography; what is wrong goes to
/// `problems` (an empty cell gives an empty code, for the fields' own check to name).
pub fn territory(
    cell: &str,
    territories: &TerritoryIndex,
    problems: &mut Vec<String>,
) -> TerritoryRef {
    let cell = match cell.split_once(':') {
        Some((level, code)) if ["departement", "département"].contains(&level.trim()) => {
            format!("department:{code}")
        }
        Some((level, code)) if level.trim() == "région" => format!("region:{code}"),
        _ => cell.to_string(),
    };
    match territory_ref(&cell) {
        Ok(t) => {
            if !t.code.is_empty() && territories.get(t.level, &t.code).is_none() {
                problems.push(format!("territoire inconnu : {} {}", t.level, t.code));
            }
            t
        }
        Err(e) => {
            problems.push(e);
            TerritoryRef {
                level: catalyse_core::TerritoryLevel::Region,
                code: String::new(),
            }
        }
    }
}
