//! How dates and numbers read, in French and in English: month and day names, dates,
//! figures with their thousands separator, ranks.

use crate::i18n::{Lang, Tr};
use catalyse_core::dataset::IndicatorValue;
use catalyse_core::TerritoryLevel;

pub const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

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
