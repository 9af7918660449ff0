//! Choosing a territory in a form, without JavaScript: what a typed line designates and, when
//! it designates several, the candidates offered as radio buttons that tell homonyms apart by
//! their département (« Saint-Denis (Seine-Saint-Denis, 93) — commune »). The one resolver of
//! the member's territories of action, of a place's commune, and of the one territory of a
//! case or a need ([`territory`]).

use super::level_label;
use crate::forms::FormErrors;
use crate::i18n::Tr;
use catalyse_core::network::TerritoryRef;
use catalyse_core::territory_index::usual_form;
use catalyse_core::text::fold;
use catalyse_core::{Territory, TerritoryIndex, TerritoryLevel};

/// How many candidates a form offers.
pub const SHOWN: usize = 6;

/// What a typed line designates.
pub enum Resolved<'a> {
    One(&'a Territory),
    Unknown,
    /// Several territories fit: the first candidates, and whether there are more.
    Ambiguous(Vec<&'a Territory>, bool),
}

/// The word for a level in a written line (« Lyon (commune 69123) »).
pub fn level_word(level: TerritoryLevel) -> &'static str {
    match level {
        TerritoryLevel::Commune => "commune",
        TerritoryLevel::Epci => "intercommunalité",
        TerritoryLevel::Department => "département",
        TerritoryLevel::Region => "région",
    }
}

/// How a territory is written back in a field: « Lyon (commune 69123) ».
pub fn line(t: &Territory) -> String {
    format!("{} ({} {})", t.name, level_word(t.level), t.code)
}

/// How a territory of a form's version is written back in its field: as [`line`], or its
/// code when the geography no longer knows it.
pub fn line_of(index: &TerritoryIndex, r: &TerritoryRef) -> String {
    index
        .get(r.level, &r.code)
        .map_or_else(|| r.code.clone(), line)
}

/// Reads a typed line, of `level` if given: « Name (level code) » or « Name (code) » as
/// [`line`] and older forms write them, an INSEE code or SIREN, a postcode, or a name in any of
/// the forms the search understands. A line is one territory when the search finds only one,
/// or when only one of those found has exactly that name, code or postcode.
pub fn resolve<'a>(
    index: &'a TerritoryIndex,
    input: &str,
    level: Option<TerritoryLevel>,
) -> Resolved<'a> {
    let q = input.trim();
    if let Some(t) = written(index, q, level) {
        return Resolved::One(t);
    }
    if q.is_empty() {
        return Resolved::Unknown;
    }
    let found = index.search(q, level, 1, 50);
    let hits = found.items;
    if hits.len() <= 1 {
        return hits.first().map_or(Resolved::Unknown, |t| Resolved::One(t));
    }
    let usual = usual_form(&fold(q));
    let exact: Vec<&Territory> = hits
        .iter()
        .copied()
        .filter(|t| {
            usual_form(&fold(&t.name)) == usual
                || t.code.eq_ignore_ascii_case(q)
                || t.postcodes.iter().any(|p| p == q)
        })
        .collect();
    if exact.len() == 1 {
        return Resolved::One(exact[0]);
    }
    let (mut list, total) = if exact.is_empty() {
        (hits, found.total as usize)
    } else {
        let n = exact.len();
        (exact, n)
    };
    list.truncate(SHOWN);
    Resolved::Ambiguous(list, total > SHOWN)
}

/// A line written « Name (level code) » or « Name (code) ».
fn written<'a>(
    index: &'a TerritoryIndex,
    q: &str,
    level: Option<TerritoryLevel>,
) -> Option<&'a Territory> {
    let inner = q
        .trim()
        .strip_suffix(')')
        .and_then(|s| s.rsplit_once('('))
        .map(|(_, c)| c.trim())?;
    let (word, code) = match inner.rsplit_once(' ') {
        Some((w, c)) => (Some(w.trim()), c.trim()),
        None => (None, inner),
    };
    let code = code.to_ascii_uppercase();
    TerritoryLevel::ALL
        .into_iter()
        .filter(|l| level.is_none_or(|only| only == *l))
        .filter(|l| word.is_none_or(|w| w == level_word(*l)))
        .find_map(|l| index.get(l, &code))
}

/// Where a territory lies, to tell homonyms apart: « Seine-Saint-Denis, 93 » for a commune or
/// an EPCI, the region for a département, nothing for a region.
pub fn whereabouts(index: &TerritoryIndex, t: &Territory) -> String {
    let department = t
        .department
        .as_ref()
        .and_then(|d| index.get(TerritoryLevel::Department, d));
    let region = t
        .region
        .as_ref()
        .and_then(|r| index.get(TerritoryLevel::Region, r));
    match (t.level, department, region) {
        (TerritoryLevel::Region, _, _) => String::new(),
        (_, Some(d), _) => format!("{}, {}", d.name, d.code),
        (_, None, Some(r)) => r.name.clone(),
        _ => String::new(),
    }
}

/// A candidate as a form offers it: the value sent back, and its label.
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// « Saint-Denis (Seine-Saint-Denis, 93) — commune ».
pub fn label(tr: Tr, index: &TerritoryIndex, t: &Territory) -> String {
    let place = whereabouts(index, t);
    let level = level_label(tr, t.level).to_lowercase();
    if place.is_empty() {
        format!("{} — {level}", t.name)
    } else {
        format!("{} ({place}) — {level}", t.name)
    }
}

/// A typed line that designates several territories, with its candidates, for the form to
/// offer as radio buttons named `name`; `name_pour` carries the line they were offered for.
pub struct Ambiguity {
    pub name: String,
    pub typed: String,
    pub choices: Vec<Choice>,
    pub more: bool,
}

impl Ambiguity {
    pub fn new(
        tr: Tr,
        index: &TerritoryIndex,
        name: &str,
        typed: &str,
        list: &[&Territory],
        more: bool,
    ) -> Ambiguity {
        Ambiguity {
            name: name.to_string(),
            typed: typed.trim().to_string(),
            choices: list
                .iter()
                .map(|t| Choice {
                    value: line(t),
                    label: label(tr, index, t),
                })
                .collect(),
            more,
        }
    }
}

/// The candidate ticked for a typed line, when the line is still the one it was offered for
/// (`offered_for`, sent back by the form) and names a territory of `level`.
pub fn chosen<'a>(
    index: &'a TerritoryIndex,
    typed: &str,
    choice: &str,
    offered_for: &str,
    level: Option<TerritoryLevel>,
) -> Option<&'a Territory> {
    if choice.trim().is_empty() || offered_for.trim() != typed.trim() {
        return None;
    }
    written(index, choice, level)
}

/// The one territory (any level) typed in a form's `territory` field, after the candidate
/// ticked among those offered for it (radio buttons named `choice_name`, see [`chosen`]): the
/// territory, or its message in French on `territory` and, when the line designates several,
/// the candidates to offer. An empty line gives an empty code and no message (the caller's
/// rules say it is missing). `typed` is rewritten as [`line`] writes the ticked candidate.
pub fn territory(
    tr: Tr,
    index: &TerritoryIndex,
    typed: &mut String,
    (choice_name, choice, offered_for): (&str, &str, &str),
    errors: &mut FormErrors,
) -> (TerritoryRef, Option<Ambiguity>) {
    if let Some(c) = chosen(index, typed, choice, offered_for, None) {
        *typed = line(c);
    }
    let line_typed = typed.trim();
    let mut found = TerritoryRef {
        level: TerritoryLevel::Commune,
        code: String::new(),
    };
    if line_typed.is_empty() {
        return (found, None);
    }
    match resolve(index, line_typed, None) {
        Resolved::One(x) => {
            found.level = x.level;
            found.code = x.code.clone();
            (found, None)
        }
        Resolved::Unknown => {
            errors.push("territory", tr.f("pick.err_unknown", line_typed));
            (found, None)
        }
        Resolved::Ambiguous(list, more) => {
            errors.push("territory", tr.f("pick.err_ambiguous", line_typed));
            let a = Ambiguity::new(tr, index, choice_name, line_typed, &list, more);
            (found, Some(a))
        }
    }
}
