//! Text folding shared by search and slugs: lowercase, accents removed, punctuation as spaces.

use unicode_normalization::UnicodeNormalization;

/// Folds a name for accent- and case-insensitive matching:
/// « L'Abergement-Clémentiat » → « l abergement clementiat ».
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'œ' | 'Œ' => {
                push(&mut out, &mut pending_space, 'o');
                'e'
            }
            'æ' | 'Æ' => {
                push(&mut out, &mut pending_space, 'a');
                'e'
            }
            'ß' => 's',
            _ => c,
        };
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                push(&mut out, &mut pending_space, l);
            }
        } else if !out.is_empty() {
            pending_space = true;
        }
    }
    out
}

fn push(out: &mut String, pending_space: &mut bool, c: char) {
    if *pending_space {
        out.push(' ');
        *pending_space = false;
    }
    out.push(c);
}

/// « de » before a French place name, with elision and contraction: « de Lyon »,
/// « d'Annecy », « du Havre », « de La Rochelle », « des Abymes » (a name starting with an h
/// keeps « de », right for an aspirated h: « de Haguenau »).
pub fn de(name: &str) -> String {
    if let Some(rest) = name.strip_prefix("Le ") {
        return format!("du {rest}");
    }
    if let Some(rest) = name.strip_prefix("Les ") {
        return format!("des {rest}");
    }
    let vowel = name
        .chars()
        .next()
        .map(|c| fold(&c.to_string()))
        .is_some_and(|c| matches!(c.as_str(), "a" | "e" | "i" | "o" | "u" | "y"));
    if vowel {
        format!("d'{name}")
    } else {
        format!("de {name}")
    }
}

/// A URL slug: the folded text with hyphens, « Saint-Étienne » → « saint-etienne ».
pub fn slugify(input: &str) -> String {
    fold(input).replace(' ', "-")
}

/// Whether a character is one a one-line field typed by a person never needs and that
/// changes how the text around it is shown: a control character (C0, DEL, C1: NUL, tab, line
/// breaks, escape…) or a bidirectional embedding, override or isolate (U+202A–U+202E,
/// U+2066–U+2069), which can make a mail or a list read backwards.
pub fn is_forbidden_char(c: char) -> bool {
    c.is_control()
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Whether a one-line field contains a character of [`is_forbidden_char`].
pub fn has_forbidden_chars(s: &str) -> bool {
    s.chars().any(is_forbidden_char)
}

/// What [`check_plain`] and [`check_plain_lines`] answer, in French, written to follow the
/// field's label: « Le nom affiché contient un caractère invisible… ».
pub const NOT_PLAIN: &str = "contient un caractère invisible non autorisé (caractère de \
                             contrôle ou d'inversion du sens d'écriture) : retirez-le, \
                             s'il vous plaît.";

/// The shared check of a one-line field typed by a person (a name, a theme, a place's name):
/// refused if it holds a character of [`is_forbidden_char`] (NUL, tab, line break, escape,
/// U+202E and the other bidirectional overrides and isolates). The error is [`NOT_PLAIN`],
/// to write after the field's label.
pub fn check_plain(value: &str) -> Result<(), &'static str> {
    if has_forbidden_chars(value) {
        Err(NOT_PLAIN)
    } else {
        Ok(())
    }
}

/// Like [`check_plain`] for a text of several lines (a presentation, a description): line
/// breaks (`\n`, `\r`) are allowed, every other character of [`is_forbidden_char`] is not.
pub fn check_plain_lines(value: &str) -> Result<(), &'static str> {
    if value
        .chars()
        .any(|c| c != '\n' && c != '\r' && is_forbidden_char(c))
    {
        Err(NOT_PLAIN)
    } else {
        Ok(())
    }
}

/// The first characters a spreadsheet reads as the start of a formula (OWASP, « CSV
/// injection »): `=`, `+`, `-`, `@`, tab and carriage return.
fn starts_formula(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Whether a cell is a plain decimal number (« -3 », « +1.5 », « -2.5e3 »): a spreadsheet
/// reads it as a number, never as a formula, so it is written as it is.
fn plain_number(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = !(int.is_empty() && frac.is_empty()) && digits(int) && digits(frac);
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

/// One cell of a CSV file the platform writes, made safe to open in a spreadsheet: a value
/// that a spreadsheet would run as a formula (it begins with `=`, `+`, `-`, `@`, a tab or a
/// carriage return, and is not a plain number) gets a leading apostrophe, the OWASP rule, so
/// that `=HYPERLINK(…)` shows as text. A value whose apostrophes come before such a start
/// gets one more, so that [`csv_unescape`] gives back exactly what was written. Every CSV
/// export of the platform writes its records through [`csv_record`], which applies this.
pub fn csv_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let rest = cell.trim_start_matches('\'');
    let quoted = rest.len() != cell.len();
    if starts_formula(rest) && (quoted || !plain_number(cell)) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// The cells of one record, each through [`csv_cell`], ready for `csv::Writer::write_record`.
pub fn csv_record<'a>(
    cells: impl IntoIterator<Item = &'a str>,
) -> impl Iterator<Item = std::borrow::Cow<'a, [u8]>> {
    cells.into_iter().map(|c| match csv_cell(c) {
        std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(s.as_bytes()),
        std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.into_bytes()),
    })
}

/// The value of a cell written by [`csv_cell`] (an import reads back what an export wrote):
/// the apostrophe added before a formula-like start is removed.
pub fn csv_unescape(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(after) if starts_formula(after.trim_start_matches('\'')) => after,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn de_elides_and_contracts() {
        assert_eq!(de("Lyon"), "de Lyon");
        assert_eq!(de("Annecy"), "d'Annecy");
        assert_eq!(de("Évreux"), "d'Évreux");
        assert_eq!(de("Le Havre"), "du Havre");
        assert_eq!(de("Les Abymes"), "des Abymes");
        assert_eq!(de("La Rochelle"), "de La Rochelle");
        assert_eq!(de("Haguenau"), "de Haguenau");
    }

    use super::*;

    #[test]
    fn forbidden_characters() {
        for bad in [
            "a\u{0}b",
            "a\tb",
            "a\nb",
            "a\rb",
            "\u{1b}[31m",
            "\u{7f}",
            "\u{85}",
        ] {
            assert!(has_forbidden_chars(bad), "{bad:?}");
        }
        for c in ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}'] {
            assert!(is_forbidden_char(c), "{c:?}");
        }
        for c in ['\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}'] {
            assert!(is_forbidden_char(c), "{c:?}");
        }
        for good in [
            "Camille Lefèvre",
            "Tiers-lieu « L'Atelier »",
            "O'Brien",
            "北京",
            "مرحبا",
        ] {
            assert!(!has_forbidden_chars(good), "{good:?}");
        }
    }

    #[test]
    fn plain_text_checks() {
        for bad in ["Camille\u{202E}nitraM", "a\u{0}b", "a\u{2066}b", "a\u{1b}b"] {
            assert_eq!(check_plain(bad), Err(NOT_PLAIN), "{bad:?}");
            assert_eq!(check_plain_lines(bad), Err(NOT_PLAIN), "{bad:?}");
        }
        assert_eq!(check_plain("deux\nlignes"), Err(NOT_PLAIN));
        assert_eq!(check_plain_lines("deux\r\nlignes"), Ok(()));
        assert_eq!(check_plain_lines("a\tb"), Err(NOT_PLAIN));
        assert_eq!(check_plain("Tiers-lieu « L'Atelier » مرحبا"), Ok(()));
    }

    #[test]
    fn csv_cells_never_start_a_formula_and_read_back() {
        for (value, written) in [
            (
                "=HYPERLINK(\"http://x\",\"clic\")",
                "'=HYPERLINK(\"http://x\",\"clic\")",
            ),
            ("+33 1 23", "'+33 1 23"),
            ("-2+3", "'-2+3"),
            ("- de 25 ans", "'- de 25 ans"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("'=1", "''=1"),
            ("''-x", "'''-x"),
            ("'-3", "''-3"),
            ("-", "'-"),
            ("-.", "'-."),
            ("-1e", "'-1e"),
            // Numbers, ordinary text and apostrophes elsewhere are written as they are.
            ("-3", "-3"),
            ("+1.5", "+1.5"),
            ("-2.5e-3", "-2.5e-3"),
            ("12", "12"),
            ("Camille", "Camille"),
            ("'bonjour'", "'bonjour'"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(value), written, "{value:?}");
            assert_eq!(csv_unescape(written), value, "{written:?}");
        }
        let record: Vec<_> = csv_record(["=1", "x"]).collect();
        assert_eq!(record, [b"'=1".as_slice(), b"x".as_slice()]);
    }

    #[test]
    fn folds_accents_case_and_punctuation() {
        assert_eq!(fold("L'Abergement-Clémentiat"), "l abergement clementiat");
        assert_eq!(fold("  ÎLE-DE-FRANCE "), "ile de france");
        assert_eq!(fold("Cœur d’Ostrevent"), "coeur d ostrevent");
        assert_eq!(slugify("Évaluer sa pertinence"), "evaluer-sa-pertinence");
    }
}

/// A language of the pages: French first, English available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}
