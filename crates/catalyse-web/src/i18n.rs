//! The string catalogue (French first, English available): `locales/{fr,en}.toml` and one
//! file per area beside them (`locales/network.{fr,en}.toml`…), compiled in.

use std::collections::HashMap;
use std::sync::OnceLock;

pub use catalyse_core::text::Lang;

pub struct Catalog {
    fr: HashMap<String, String>,
    en: HashMap<String, String>,
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

fn parse(sources: &[&str]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for src in sources {
        let table: toml::Table = src.parse().unwrap_or_else(|e| {
            tracing::error!("string catalogue is invalid: {e}");
            toml::Table::new()
        });
        flatten("", &table, &mut out);
    }
    out
}

/// The catalogue's files, French then English: the shared strings, then one pair per area;
/// a later file may not redefine a key (tested).
pub const SOURCES: [(&str, &str); 19] = [
    (
        include_str!("../locales/fr.toml"),
        include_str!("../locales/en.toml"),
    ),
    (
        include_str!("../locales/network.fr.toml"),
        include_str!("../locales/network.en.toml"),
    ),
    (
        include_str!("../locales/map.fr.toml"),
        include_str!("../locales/map.en.toml"),
    ),
    (
        include_str!("../locales/moderation.fr.toml"),
        include_str!("../locales/moderation.en.toml"),
    ),
    (
        include_str!("../locales/accounts.fr.toml"),
        include_str!("../locales/accounts.en.toml"),
    ),
    (
        include_str!("../locales/reference.fr.toml"),
        include_str!("../locales/reference.en.toml"),
    ),
    (
        include_str!("../locales/territories.fr.toml"),
        include_str!("../locales/territories.en.toml"),
    ),
    (
        include_str!("../locales/observatory.fr.toml"),
        include_str!("../locales/observatory.en.toml"),
    ),
    (
        include_str!("../locales/resources.fr.toml"),
        include_str!("../locales/resources.en.toml"),
    ),
    (
        include_str!("../locales/events.fr.toml"),
        include_str!("../locales/events.en.toml"),
    ),
    (
        include_str!("../locales/cases.fr.toml"),
        include_str!("../locales/cases.en.toml"),
    ),
    (
        include_str!("../locales/needs.fr.toml"),
        include_str!("../locales/needs.en.toml"),
    ),
    (
        include_str!("../locales/needs_match.fr.toml"),
        include_str!("../locales/needs_match.en.toml"),
    ),
    (
        include_str!("../locales/parcours.fr.toml"),
        include_str!("../locales/parcours.en.toml"),
    ),
    (
        include_str!("../locales/formation.fr.toml"),
        include_str!("../locales/formation.en.toml"),
    ),
    (
        include_str!("../locales/parcours_admin.fr.toml"),
        include_str!("../locales/parcours_admin.en.toml"),
    ),
    (
        include_str!("../locales/badges.fr.toml"),
        include_str!("../locales/badges.en.toml"),
    ),
    (
        include_str!("../locales/credentials.fr.toml"),
        include_str!("../locales/credentials.en.toml"),
    ),
    (
        include_str!("../locales/diagnostics.fr.toml"),
        include_str!("../locales/diagnostics.en.toml"),
    ),
];

impl Catalog {
    /// The catalogue compiled into the binary (checked by a test, so parsing cannot fail).
    pub fn get() -> &'static Catalog {
        static CAT: OnceLock<Catalog> = OnceLock::new();
        CAT.get_or_init(|| Catalog {
            fr: parse(&SOURCES.map(|(fr, _)| fr)),
            en: parse(&SOURCES.map(|(_, en)| en)),
        })
    }

    /// The string for `key`: English falls back to French, a missing key shows itself.
    pub fn text<'a>(&'a self, lang: Lang, key: &'a str) -> &'a str {
        let primary = match lang {
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        };
        primary
            .get(key)
            .or_else(|| self.fr.get(key))
            .map(String::as_str)
            .unwrap_or(key)
    }

    pub fn keys(&self, lang: Lang) -> Vec<&str> {
        let m = match lang {
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        };
        let mut k: Vec<&str> = m.keys().map(String::as_str).collect();
        k.sort_unstable();
        k
    }
}

/// A whole number with the language's thousands separator: « 34 969 », « 34,969 ».
pub fn format_count(lang: Lang, n: i64) -> String {
    let sep = match lang {
        Lang::Fr => '\u{202f}',
        Lang::En => ',',
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A number of things, as [`Tr::n`] takes it (templates pass values or references).
pub trait Count {
    fn count(self) -> i64;
}

macro_rules! count_for {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn count(self) -> i64 {
                i64::try_from(self).unwrap_or(i64::MAX)
            }
        }
        impl Count for &$t {
            fn count(self) -> i64 {
                i64::try_from(*self).unwrap_or(i64::MAX)
            }
        }
    )*};
}
count_for!(i32, i64, u32, u64, usize);

/// What templates call: `{{ t.s("nav.home") }}`.
#[derive(Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
    cat: &'static Catalog,
}

impl Tr {
    /// The strings of the language a member reads (saved when she signs in; French when
    /// unknown).
    pub fn for_user(user: &catalyse_core::User) -> Tr {
        Tr::new(Lang::parse(&user.lang).unwrap_or_default())
    }

    pub fn new(lang: Lang) -> Tr {
        Tr {
            lang,
            cat: Catalog::get(),
        }
    }

    pub fn s<'a>(&self, key: &'a str) -> &'a str {
        self.cat.text(self.lang, key)
    }

    /// A string with `{}` replaced by `arg`.
    pub fn f(&self, key: &str, arg: impl std::fmt::Display) -> String {
        self.s(key).replacen("{}", &arg.to_string(), 1)
    }

    /// A count in words, singular or plural as the language wants it: `{key}_one` for one
    /// (and, in French, for zero), `key` otherwise; `{}` is the number, written the
    /// language's way (« 1 234 »).
    pub fn n(&self, key: &str, n: impl Count) -> String {
        let n = n.count();
        let singular = match self.lang {
            Lang::Fr => n.abs() <= 1,
            Lang::En => n == 1,
        };
        let one = format!("{key}_one");
        let text = if singular && self.s(&one) != one {
            self.s(&one).to_string()
        } else {
            self.s(key).to_string()
        };
        text.replacen("{}", &format_count(self.lang, n), 1)
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_public_string_writes_plurals_in_brackets() {
        let cat = Catalog::get();
        for lang in [Lang::Fr, Lang::En] {
            for key in cat.keys(lang) {
                let text = cat.text(lang, key);
                assert!(
                    !text.contains("(s)") && !text.contains("(x)"),
                    "{key}: « {text} »: write one form for one and one for many (Tr::n)"
                );
            }
        }
    }

    #[test]
    fn counts_agree_with_their_number() {
        let fr = Tr::new(Lang::Fr);
        let en = Tr::new(Lang::En);
        assert_eq!(fr.n("reseau.count", 0), "0 membre");
        assert_eq!(fr.n("reseau.count", 1usize), "1 membre");
        assert_eq!(fr.n("reseau.count", 1234u64), "1\u{202f}234 membres");
        assert_eq!(en.n("reseau.count", 0), "0 members");
        assert_eq!(en.n("reseau.count", 1i64), "1 member");
        assert_eq!(en.n("reseau.count", 1234), "1,234 members");
        // A key without a singular form reads the same whatever the number.
        assert_eq!(
            fr.n("carte.count", 2),
            "2 membres, lieux, pratiques et besoins"
        );
    }

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let c = Catalog::get();
        assert!(c.keys(Lang::Fr).len() > 50);
        assert_eq!(c.keys(Lang::Fr), c.keys(Lang::En));
    }

    #[test]
    fn no_file_redefines_another_s_key() {
        for pick in [0, 1] {
            let mut seen = std::collections::HashSet::new();
            for pair in SOURCES {
                let src = if pick == 0 { pair.0 } else { pair.1 };
                let mut one = HashMap::new();
                flatten(
                    "",
                    &src.parse::<toml::Table>().expect("valid TOML"),
                    &mut one,
                );
                for k in one.into_keys() {
                    assert!(seen.insert(k.clone()), "{k} is defined twice");
                }
            }
        }
    }

    #[test]
    fn lookups_fall_back() {
        let t = Tr::new(Lang::En);
        assert_eq!(Tr::new(Lang::Fr).s("nav.levers"), "Les 7 leviers");
        assert_eq!(t.s("nav.levers"), "The 7 levers");
        assert_eq!(t.s("no.such.key"), "no.such.key");
    }
}
