//! How dates and numbers read, in French and in English: month and day names, dates,
//! figures with their thousands separator, ranks.

use crate::i18n::{Lang, Tr};
use catalyse_core::dataset::IndicatorValue;
use catalyse_core::TerritoryLevel;

pub use catalyse_core::time::MONTHS_FR;

pub const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

pub const DAYS_FR: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];

/// The French name of a month counted from 0 (`0` is « janvier »).
pub fn month_fr(m0: u32) -> &'static str {
    MONTHS_FR[m0 as usize % 12]
}

pub fn format_date(lang: Lang, d: &chrono::NaiveDate, month_only: bool) -> String {
    use chrono::Datelike;
    let m = d.month0() as usize;
    match (lang, month_only) {
        (Lang::Fr, false) => {
            let day = if d.day() == 1 {
                "1er".to_string()
            } else {
                d.day().to_string()
            };
            format!("{day} {} {}", MONTHS_FR[m], d.year())
        }
        (Lang::Fr, true) => format!("{} {}", MONTHS_FR[m], d.year()),
        (Lang::En, false) => format!("{} {}, {}", MONTHS_EN[m], d.day(), d.year()),
        (Lang::En, true) => format!("{} {}", MONTHS_EN[m], d.year()),
    }
}

/// An instant as people read it, in Paris time: « 3 mars 2026 à 14:05 », « March 3, 2026 at
/// 14:05 ». Administration pages and mails write every date and time this way.
pub fn format_datetime(lang: Lang, at: &chrono::DateTime<chrono::Utc>) -> String {
    let local = at.with_timezone(&chrono_tz::Europe::Paris);
    let at_word = match lang {
        Lang::Fr => "à",
        Lang::En => "at",
    };
    format!(
        "{} {at_word} {}",
        format_date(lang, &local.date_naive(), false),
        local.format("%H:%M")
    )
}

/// A value written for people: « 1 234 », « 12,5 » (French) or « 12.5 ».
pub fn format_value(lang: Lang, v: f64) -> String {
    let s = if v.fract() == 0.0 && v.abs() < 1e15 {
        let n = v as i64;
        let digits = n.abs().to_string();
        let sep = if lang == Lang::Fr { '\u{202f}' } else { ',' };
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        if n < 0 {
            out.insert(0, '-');
        }
        out
    } else {
        let s = format!("{v:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string();
        if lang == Lang::Fr {
            s.replace('.', ",")
        } else {
            s
        }
    };
    s
}

/// « 3e sur 101 départements »
pub fn format_rank(t: Tr, v: &IndicatorValue) -> String {
    let plural = t.s(match v.territory_level {
        TerritoryLevel::Region => "territory.regions",
        TerritoryLevel::Department => "territory.departments",
        TerritoryLevel::Epci => "territory.epcis",
        TerritoryLevel::Commune => "territory.communes",
    });
    let ord = match (t.lang, v.rank) {
        (Lang::Fr, 1) => "1er".to_string(),
        (Lang::Fr, n) => format!("{n}e"),
        (Lang::En, n) => format!("#{n}"),
    };
    t.s("observatory.rank")
        .replace("{rank}", &ord)
        .replace("{peers}", &format_value(t.lang, v.peers as f64))
        .replace("{level}", plural)
}

/// A file's size as people read it: « 81 Ko », « 2,4 Mo » (French), « 81 KB », « 2.4 MB ».
pub fn file_size(lang: Lang, bytes: i64) -> String {
    let (kilo, mega, unit) = match lang {
        Lang::Fr => ("Ko", "Mo", "octets"),
        Lang::En => ("KB", "MB", "bytes"),
    };
    if bytes < 1024 {
        format!("{bytes} {unit}")
    } else if bytes < 1024 * 1024 {
        format!("{} {kilo}", (bytes + 512) / 1024)
    } else {
        let mb = format!("{:.1}", bytes as f64 / (1024.0 * 1024.0));
        let mb = match lang {
            Lang::Fr => mb.replace('.', ","),
            Lang::En => mb,
        };
        format!("{mb} {mega}")
    }
}

/// A language code (`fr`, `en`…) in words, in the page's language; an unknown code as given.
pub fn language_name(lang: Lang, code: &str) -> String {
    const NAMES: [(&str, &str, &str); 8] = [
        ("fr", "français", "French"),
        ("en", "anglais", "English"),
        ("de", "allemand", "German"),
        ("es", "espagnol", "Spanish"),
        ("it", "italien", "Italian"),
        ("br", "breton", "Breton"),
        ("oc", "occitan", "Occitan"),
        ("eu", "basque", "Basque"),
    ];
    let code = code.trim();
    NAMES
        .iter()
        .find(|(c, _, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, fr, en)| match lang {
            Lang::Fr => fr.to_string(),
            Lang::En => en.to_string(),
        })
        .unwrap_or_else(|| code.to_string())
}

/// A licence (an SPDX identifier such as `CC-BY-4.0`, or « Licence Ouverte ») in words; what
/// is not recognised is shown as written.
pub fn licence_name(lang: Lang, id: &str) -> String {
    let id = id.trim();
    let upper = id.to_ascii_uppercase();
    let cc = |rest: &str, fr: &str, en: &str| -> Option<String> {
        let version = rest.trim_start_matches('-');
        let words = match lang {
            Lang::Fr => fr,
            Lang::En => en,
        };
        Some(
            format!("Creative Commons {words} {version}")
                .trim()
                .to_string(),
        )
    };
    let named = if let Some(rest) = upper.strip_prefix("CC-BY-NC-SA") {
        cc(
            rest,
            "Attribution – Pas d'utilisation commerciale – Partage dans les mêmes conditions",
            "Attribution-NonCommercial-ShareAlike",
        )
    } else if let Some(rest) = upper.strip_prefix("CC-BY-NC-ND") {
        cc(
            rest,
            "Attribution – Pas d'utilisation commerciale – Pas de modification",
            "Attribution-NonCommercial-NoDerivatives",
        )
    } else if let Some(rest) = upper.strip_prefix("CC-BY-NC") {
        cc(
            rest,
            "Attribution – Pas d'utilisation commerciale",
            "Attribution-NonCommercial",
        )
    } else if let Some(rest) = upper.strip_prefix("CC-BY-SA") {
        cc(
            rest,
            "Attribution – Partage dans les mêmes conditions",
            "Attribution-ShareAlike",
        )
    } else if let Some(rest) = upper.strip_prefix("CC-BY-ND") {
        cc(
            rest,
            "Attribution – Pas de modification",
            "Attribution-NoDerivatives",
        )
    } else if let Some(rest) = upper.strip_prefix("CC-BY") {
        cc(rest, "Attribution", "Attribution")
    } else if upper == "CC0-1.0" || upper == "CC0" {
        Some(match lang {
            Lang::Fr => "Creative Commons Zéro (domaine public)".into(),
            Lang::En => "Creative Commons Zero (public domain)".into(),
        })
    } else if upper == "ETALAB-2.0" || upper == "LO-2.0" {
        Some(match lang {
            Lang::Fr => "Licence Ouverte 2.0 (Etalab)".into(),
            Lang::En => "Open Licence 2.0 (Etalab)".into(),
        })
    } else {
        None
    };
    named.unwrap_or_else(|| id.to_string())
}

#[cfg(test)]
mod words_tests {
    use super::*;

    #[test]
    fn sizes_languages_and_licences_in_words() {
        assert_eq!(file_size(Lang::Fr, 83_000), "81 Ko");
        assert_eq!(file_size(Lang::En, 83_000), "81 KB");
        assert_eq!(file_size(Lang::Fr, 512), "512 octets");
        assert_eq!(file_size(Lang::Fr, 2_500_000), "2,4 Mo");
        assert_eq!(language_name(Lang::Fr, "fr"), "français");
        assert_eq!(language_name(Lang::En, "fr"), "French");
        assert_eq!(language_name(Lang::Fr, "xx"), "xx");
        assert_eq!(
            licence_name(Lang::Fr, "CC-BY-SA-4.0"),
            "Creative Commons Attribution – Partage dans les mêmes conditions 4.0"
        );
        assert_eq!(
            licence_name(Lang::En, "CC-BY-4.0"),
            "Creative Commons Attribution 4.0"
        );
        assert_eq!(
            licence_name(Lang::Fr, "Etalab-2.0"),
            "Licence Ouverte 2.0 (Etalab)"
        );
        assert_eq!(
            licence_name(Lang::Fr, "Tous droits réservés"),
            "Tous droits réservés"
        );
    }
}
