//! An in-memory index of the geography for instant search and lookups. The geography is
//! reference data that only changes at start, so every instance holds the same index; built
//! from the store's rows, it answers searches by name (accents, case and punctuation ignored;
//! whole name, name prefix or word prefix), by postcode and by INSEE code. Names and queries
//! are compared in one usual form (see [`usual_form`]): « St »/« Ste » are « Saint »/« Sainte »
//! and « communauté de communes », « communauté d'agglomération » and « communauté urbaine »
//! are « CC », « CA » and « CU », as the geography names the EPCI; a query that starts (or
//! ends) with a kind of EPCI also finds the EPCI whose name holds the rest, those of that kind
//! first (« CA saint etienne » finds « Saint-Étienne Métropole »).

use crate::text::fold;
use crate::{Page, Territory, TerritoryLevel};
use std::collections::HashMap;

pub struct TerritoryIndex {
    items: Vec<Territory>,
    /// Each name in its usual form (see [`usual_form`]).
    folded: Vec<String>,
    /// (item, byte offset of a word in its folded name, length of that name, the item's place
    /// in the tie-break order), sorted by the text from the word on: the entries that start
    /// with a query are one contiguous run, and ranking them reads nothing else.
    words: Vec<(u32, u16, u16, u32)>,
    /// Items sorted by code.
    codes: Vec<u32>,
    /// (postcode, commune item), sorted.
    postcodes: Vec<(String, u32)>,
    by_key: HashMap<(TerritoryLevel, String), u32>,
    counts: Vec<(TerritoryLevel, i64)>,
    /// Each item's place in the tie-break order (most populous first, then name, then code),
    /// and the items in that order: ranking a hit is then a comparison of integers.
    order: Vec<u32>,
    by_order: Vec<u32>,
    /// Direct children of each territory: a region's departments, a department's EPCI and
    /// communes, an EPCI's communes; each list in name order.
    children: HashMap<(TerritoryLevel, String), Vec<u32>>,
}

/// How well a territory matches: exact first, then a prefix, then a word inside; then the
/// EPCI found by the rest of a query that names a kind of EPCI, that kind first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
enum Rank {
    Exact = 0,
    Prefix = 1,
    Word = 2,
    SameKind = 3,
    OtherKind = 4,
}

impl TerritoryIndex {
    pub fn new(items: Vec<Territory>) -> TerritoryIndex {
        let folded: Vec<String> = items.iter().map(|t| usual_form(&fold(&t.name))).collect();
        let mut words = Vec::with_capacity(items.len() * 2);
        for (i, f) in folded.iter().enumerate() {
            let len = f.len().min(u16::MAX as usize) as u16;
            words.push((i as u32, 0u16, len, 0));
            for (pos, _) in f.match_indices(' ') {
                words.push((i as u32, (pos + 1) as u16, len, 0));
            }
        }
        words.sort_unstable_by(|a, b| {
            folded[a.0 as usize][a.1 as usize..].cmp(&folded[b.0 as usize][b.1 as usize..])
        });
        let mut codes: Vec<u32> = (0..items.len() as u32).collect();
        codes.sort_unstable_by(|a, b| items[*a as usize].code.cmp(&items[*b as usize].code));
        let mut postcodes: Vec<(String, u32)> = items
            .iter()
            .enumerate()
            .filter(|(_, t)| t.level == TerritoryLevel::Commune)
            .flat_map(|(i, t)| t.postcodes.iter().map(move |p| (p.clone(), i as u32)))
            .collect();
        postcodes.sort_unstable();
        let by_key = items
            .iter()
            .enumerate()
            .map(|(i, t)| ((t.level, t.code.clone()), i as u32))
            .collect();
        let mut counts: Vec<(TerritoryLevel, i64)> = TerritoryLevel::ALL
            .iter()
            .map(|l| (*l, items.iter().filter(|t| t.level == *l).count() as i64))
            .filter(|(_, n)| *n > 0)
            .collect();
        counts.sort();
        let mut by_order: Vec<u32> = (0..items.len() as u32).collect();
        by_order.sort_unstable_by(|a, b| {
            let (ta, tb) = (&items[*a as usize], &items[*b as usize]);
            tb.population
                .unwrap_or(-1)
                .cmp(&ta.population.unwrap_or(-1))
                .then_with(|| ta.name.cmp(&tb.name))
                .then_with(|| ta.code.cmp(&tb.code))
        });
        let mut order = vec![0u32; items.len()];
        for (place, i) in by_order.iter().enumerate() {
            order[*i as usize] = place as u32;
        }
        for w in &mut words {
            w.3 = order[w.0 as usize];
        }
        let mut children: HashMap<(TerritoryLevel, String), Vec<u32>> = HashMap::new();
        for (i, t) in items.iter().enumerate() {
            let parents = match t.level {
                TerritoryLevel::Region => vec![],
                TerritoryLevel::Department => vec![(TerritoryLevel::Region, &t.region)],
                TerritoryLevel::Epci => vec![(TerritoryLevel::Department, &t.department)],
                TerritoryLevel::Commune => vec![
                    (TerritoryLevel::Department, &t.department),
                    (TerritoryLevel::Epci, &t.epci),
                ],
            };
            for (level, code) in parents {
                if let Some(code) = code {
                    children
                        .entry((level, code.clone()))
                        .or_default()
                        .push(i as u32);
                }
            }
        }
        for list in children.values_mut() {
            list.sort_by(|a, b| {
                let (ta, tb) = (&items[*a as usize], &items[*b as usize]);
                (ta.level, &folded[*a as usize]).cmp(&(tb.level, &folded[*b as usize]))
            });
        }
        TerritoryIndex {
            items,
            folded,
            words,
            codes,
            postcodes,
            by_key,
            counts,
            order,
            by_order,
            children,
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Territories per level, for the figures on the home page.
    pub fn counts(&self) -> &[(TerritoryLevel, i64)] {
        &self.counts
    }

    /// Every territory, in the order given.
    pub fn all(&self) -> &[Territory] {
        &self.items
    }

    pub fn get(&self, level: TerritoryLevel, code: &str) -> Option<&Territory> {
        self.by_key
            .get(&(level, code.to_string()))
            .map(|i| &self.items[*i as usize])
    }

    /// The direct children of a territory (see `children` above), in name order.
    pub fn children(&self, level: TerritoryLevel, code: &str) -> Vec<&Territory> {
        self.children
            .get(&(level, code.to_string()))
            .map(|l| l.iter().map(|i| &self.items[*i as usize]).collect())
            .unwrap_or_default()
    }

    /// The parents of a territory, from the region down.
    pub fn parents(&self, t: &Territory) -> Vec<&Territory> {
        [
            (TerritoryLevel::Region, &t.region),
            (TerritoryLevel::Department, &t.department),
            (TerritoryLevel::Epci, &t.epci),
        ]
        .into_iter()
        .filter_map(|(level, code)| code.as_ref().and_then(|c| self.get(level, c)))
        .collect()
    }

    /// One page of the territories matching `q`, best first; ties go to the most populous.
    pub fn search(
        &self,
        q: &str,
        level: Option<TerritoryLevel>,
        page: u32,
        per_page: u32,
    ) -> Page<&Territory> {
        let per_page = per_page.clamp(1, 1000);
        let page = page.max(1);
        // One key per hit: its rank, then its place in the tie-break order.
        let mut keys: Vec<u64> = match classify(q) {
            None => vec![],
            Some(Query::Code(c)) => self.by_code(&c),
            Some(Query::Name(n)) => {
                let usual = usual_form(&n);
                let mut keys = self.by_name(&usual);
                // As typed too: « st » may be the start of « Stains ».
                if usual != n {
                    keys.extend(self.by_name(&n));
                }
                if let Some((kind, rest)) = epci_kind(&usual) {
                    keys.extend(self.by_kind(kind, &rest));
                }
                keys
            }
        };
        if let Some(level) = level {
            keys.retain(|k| self.item_of(*k).level == level);
        }
        keys.sort_unstable();
        // A name can match at several words: keep each item once, at its best rank.
        let mut seen = vec![0u64; self.items.len().div_ceil(64)];
        keys.retain(|k| {
            let place = (k & 0xffff_ffff) as usize;
            let (word, bit) = (place / 64, 1u64 << (place % 64));
            let fresh = seen[word] & bit == 0;
            seen[word] |= bit;
            fresh
        });
        let total = keys.len() as i64;
        let start = ((page - 1) as usize).saturating_mul(per_page as usize);
        let items = keys
            .iter()
            .skip(start)
            .take(per_page as usize)
            .map(|k| self.item_of(*k))
            .collect();
        Page {
            items,
            total,
            page,
            per_page,
        }
    }

    fn key(rank: Rank, place: u32) -> u64 {
        ((rank as u64) << 32) | place as u64
    }

    fn item_of(&self, key: u64) -> &Territory {
        &self.items[self.by_order[(key & 0xffff_ffff) as usize] as usize]
    }

    fn by_name(&self, n: &str) -> Vec<u64> {
        let text = |w: &(u32, u16, u16, u32)| &self.folded[w.0 as usize][w.1 as usize..];
        let from = self.words.partition_point(|w| text(w) < n);
        let to = from + self.words[from..].partition_point(|w| text(w).starts_with(n));
        self.words[from..to]
            .iter()
            .map(|(_, off, len, place)| {
                let rank = match (*off, *len as usize == n.len()) {
                    (0, true) => Rank::Exact,
                    (0, false) => Rank::Prefix,
                    _ => Rank::Word,
                };
                Self::key(rank, *place)
            })
            .collect()
    }

    /// The EPCI whose name holds `rest`, those of `kind` first.
    fn by_kind(&self, kind: &str, rest: &str) -> Vec<u64> {
        let mut keys = self.by_name(rest);
        keys.retain_mut(|k| {
            let i = self.by_order[(*k & 0xffff_ffff) as usize] as usize;
            if self.items[i].level != TerritoryLevel::Epci {
                return false;
            }
            let same = self.folded[i].split(' ').any(|w| w == kind);
            let rank = if same {
                Rank::SameKind
            } else {
                Rank::OtherKind
            };
            *k = Self::key(rank, (*k & 0xffff_ffff) as u32);
            true
        });
        keys
    }

    fn by_code(&self, c: &str) -> Vec<u64> {
        let mut out = Vec::new();
        let from = self
            .codes
            .partition_point(|i| self.items[*i as usize].code.as_str() < c);
        for i in &self.codes[from..] {
            let code = &self.items[*i as usize].code;
            if !code.starts_with(c) {
                break;
            }
            let rank = if code == c { Rank::Exact } else { Rank::Prefix };
            out.push(Self::key(rank, self.order[*i as usize]));
        }
        let from = self.postcodes.partition_point(|(p, _)| p.as_str() < c);
        for (p, i) in &self.postcodes[from..] {
            if !p.starts_with(c) {
                break;
            }
            let rank = if p == c { Rank::Exact } else { Rank::Prefix };
            out.push(Self::key(rank, self.order[*i as usize]));
        }
        out
    }
}

enum Query {
    /// Digits (or a Corsican code like 2A004): INSEE code or postcode prefix.
    Code(String),
    /// A folded name.
    Name(String),
}

/// The kinds of EPCI, in their usual form.
const EPCI_KINDS: [&str; 5] = ["cc", "ca", "cu", "metropole", "eurometropole"];

/// Words that join a kind of EPCI to its name (« CC des Monts du Pilat »).
const JOINING: [&str; 8] = ["de", "du", "des", "d", "la", "le", "les", "l"];

/// A folded name in the usual form that names and queries are compared in: « st » and
/// « ste » become « saint » and « sainte »; « communauté de communes », « communauté
/// d'agglomération », « communauté urbaine » (and « com com », « C.C. »…) become « cc »,
/// « ca », « cu », as the geography writes the EPCI.
pub fn usual_form(folded: &str) -> String {
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let (word, used) = match &words[i..] {
            ["communaute", "de", "communes" | "commune", ..] => ("cc", 3),
            ["communaute", "d", "agglomeration" | "agglo", ..] => ("ca", 3),
            ["communaute", "urbaine", ..] => ("cu", 2),
            ["com", "com", ..] | ["c", "c", ..] => ("cc", 2),
            ["comcom", ..] => ("cc", 1),
            ["c", "a", ..] => ("ca", 2),
            ["c", "u", ..] => ("cu", 2),
            ["st", ..] => ("saint", 1),
            ["ste", ..] => ("sainte", 1),
            [w, ..] => (*w, 1),
            [] => break,
        };
        out.push(word);
        i += used;
    }
    out.join(" ")
}

/// A query in usual form that starts or ends with a kind of EPCI: the kind, and the rest
/// without the joining words (« cc des monts du pilat » → « cc », « monts du pilat »).
fn epci_kind(usual: &str) -> Option<(&'static str, String)> {
    let words: Vec<&str> = usual.split(' ').collect();
    let kind_of = |w: &str| EPCI_KINDS.iter().find(|k| **k == w).copied();
    let (kind, rest) = match words.as_slice() {
        [first, rest @ ..] if kind_of(first).is_some() => (kind_of(first)?, rest),
        [rest @ .., last] if kind_of(last).is_some() => (kind_of(last)?, rest),
        _ => return None,
    };
    let skip = rest.iter().take_while(|w| JOINING.contains(w)).count();
    let rest = rest[skip..].join(" ");
    (!rest.is_empty()).then_some((kind, rest))
}

fn classify(q: &str) -> Option<Query> {
    let t = q.trim();
    if t.is_empty() {
        return None;
    }
    let digits = t.chars().filter(|c| c.is_ascii_digit()).count();
    let code_like = t.len() <= 9
        && t.chars().all(|c| c.is_ascii_alphanumeric())
        && digits + 1 >= t.len()
        && t.starts_with(|c: char| c.is_ascii_digit());
    if code_like {
        return Some(Query::Code(t.to_ascii_uppercase()));
    }
    let folded = fold(t);
    (!folded.is_empty()).then_some(Query::Name(folded))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::territory::Geography;
    use std::sync::OnceLock;

    fn index() -> &'static TerritoryIndex {
        static I: OnceLock<TerritoryIndex> = OnceLock::new();
        I.get_or_init(|| TerritoryIndex::new(Geography::shipped().unwrap().territories))
    }

    fn codes(p: &Page<&Territory>) -> Vec<String> {
        p.items.iter().map(|t| t.code.clone()).collect()
    }

    #[test]
    fn finds_names_without_accents_or_case() {
        let i = index();
        let p = i.search("SAINT etienne", None, 1, 10);
        assert_eq!(p.items[0].code, "42218", "the most populous homonym first");
        let p = i.search("clemenciat", Some(TerritoryLevel::Commune), 1, 10);
        assert!(
            codes(&p).contains(&"01001".to_string()),
            "a word inside the name"
        );
        let p = i.search("Rhône", Some(TerritoryLevel::Department), 1, 10);
        assert_eq!(
            p.items[0].name, "Rhône",
            "the exact name before longer ones"
        );
        let p = i.search("l'abergement", None, 1, 10);
        assert!(p.items.iter().all(|t| t.name.starts_with("L'Abergement")));
    }

    #[test]
    fn finds_postcodes_and_codes() {
        let i = index();
        let p = i.search("01400", None, 1, 50);
        assert!(codes(&p).contains(&"01001".to_string()));
        assert!(p.items.iter().all(|t| t.level == TerritoryLevel::Commune));
        let p = i.search("84", Some(TerritoryLevel::Region), 1, 10);
        assert_eq!(p.items[0].name, "Auvergne-Rhône-Alpes");
        let p = i.search("2a004", None, 1, 10);
        assert_eq!(p.items[0].name, "Ajaccio");
        let p = i.search("75001", None, 1, 10);
        assert_eq!(p.items[0].code, "75056", "Paris by one of its postcodes");
    }

    #[test]
    fn paginates_with_a_stable_total() {
        let i = index();
        let p1 = i.search("saint", None, 1, 10);
        let p2 = i.search("saint", None, 2, 10);
        assert!(p1.total > 1000 && p1.total == p2.total);
        assert_eq!(p1.items.len(), 10);
        assert_ne!(p1.items[0].code, p2.items[0].code);
        assert!(i.search("saint", None, 10_000, 100).items.is_empty());
        // A name with the word twice is one hit, not two.
        let all = i.search("saint", None, 1, 1000);
        let mut seen = std::collections::HashSet::new();
        assert!(all
            .items
            .iter()
            .all(|t| seen.insert((t.level, t.code.clone()))));
        // Pages follow one order: prefixes before words inside, then population.
        let first = &all.items[0];
        assert!(first.name.starts_with("Saint"), "{}", first.name);
        for q in ["", "   ", "%_'", "--"] {
            assert_eq!(i.search(q, None, 1, 10).total, 0, "{q:?}");
        }
    }

    #[test]
    fn parents_and_children() {
        let i = index();
        let c = i.get(TerritoryLevel::Commune, "01001").unwrap();
        let names: Vec<&str> = i.parents(c).iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names[..2], ["Auvergne-Rhône-Alpes", "Ain"]);
        assert_eq!(names.len(), 3, "and its EPCI");
        let ara = i.children(TerritoryLevel::Region, "84");
        assert_eq!(ara.len(), 12);
        assert!(ara.iter().all(|t| t.level == TerritoryLevel::Department));
        let ain = i.children(TerritoryLevel::Department, "01");
        assert!(ain.iter().any(|t| t.level == TerritoryLevel::Epci));
        let communes = ain
            .iter()
            .filter(|t| t.level == TerritoryLevel::Commune)
            .count();
        assert!(communes > 380, "{communes}");
        let epci = c.epci.clone().unwrap();
        assert!(i
            .children(TerritoryLevel::Epci, &epci)
            .iter()
            .any(|t| t.code == "01001"));
        assert!(i.children(TerritoryLevel::Commune, "01001").is_empty());
    }

    #[test]
    fn lookups_and_counts() {
        let i = index();
        let paris = i.get(TerritoryLevel::Commune, "75056").unwrap();
        assert!(paris.postcodes.len() > 10 && paris.lat.is_some());
        assert!(i.get(TerritoryLevel::Region, "75056").is_none());
        let communes = i
            .counts()
            .iter()
            .find(|(l, _)| *l == TerritoryLevel::Commune)
            .unwrap()
            .1;
        assert!(communes > 34_000);
    }

    fn first(q: &str) -> String {
        let p = index().search(q, None, 1, 20);
        p.items.first().map(|t| t.code.clone()).unwrap_or_default()
    }

    #[test]
    fn understands_the_kinds_of_epci() {
        // CC des Monts du Pilat, as a person writes it.
        for q in [
            "communauté de communes des monts du pilat",
            "Communauté de Communes des Monts-du-Pilat",
            "  communaute   de communes   des monts du pilat ",
            "CC des monts du pilat",
            "c.c. des monts du pilat",
            "comcom monts du pilat",
            "communauté de communes monts du pilat",
        ] {
            assert_eq!(first(q), "244200622", "{q:?}");
        }
        // Communauté d'agglomération, with either apostrophe.
        for q in [
            "communauté d'agglomération annemasse",
            "communauté d’agglomération d’annemasse",
            "CA annemasse",
        ] {
            let p = index().search(q, Some(TerritoryLevel::Epci), 1, 5);
            assert_eq!(
                codes(&p).first().map(String::as_str),
                Some("200011773"),
                "{q:?}"
            );
        }
        // Communauté urbaine.
        assert_eq!(first("communauté urbaine d'arras"), "200033579");
        assert_eq!(first("communaute urbaine du grand reims"), "200067213");
        assert_eq!(first("CU grand reims"), "200067213");
        // Métropole, before or after the name.
        for q in [
            "metropole de lyon",
            "Métropole de Lyon",
            "métropole lyon",
            "lyon metropole",
        ] {
            assert_eq!(first(q), "200046977", "{q:?}");
        }
        // The wrong kind still finds the EPCI: Saint-Étienne is a métropole.
        let p = index().search("CA saint etienne", None, 1, 5);
        assert_eq!(codes(&p).first().map(String::as_str), Some("244200770"));
        assert!(p.items.iter().all(|t| t.level == TerritoryLevel::Epci));
        // A kind alone lists that kind first (then the names that start with « cu »).
        let p = index().search("communauté urbaine", None, 1, 50);
        assert!(p.items[..14].iter().all(|t| t.name.starts_with("CU ")));
        assert!(!p.items[14].name.starts_with("CU "));
    }

    #[test]
    fn understands_saint_hyphens_and_apostrophes() {
        for q in [
            "st genest malifaux",
            "St-Genest-Malifaux",
            "ST GENEST MALIF",
            "saint genest malifaux",
            "saint   genest-malifaux ",
        ] {
            assert_eq!(first(q), "42224", "{q:?}");
        }
        for q in [
            "ste foy les lyon",
            "Ste-Foy-lès-Lyon",
            "sainte foy lès lyon",
        ] {
            assert_eq!(first(q), "69202", "{q:?}");
        }
        // The other way: the geography writes « St-Gildas » in an EPCI's name.
        let p = index().search("saint gildas des bois", Some(TerritoryLevel::Epci), 1, 5);
        assert!(p.items[0].name.contains("St-Gildas-des-Bois"));
        // « st » as typed is also the start of a name.
        let p = index().search("st", Some(TerritoryLevel::Commune), 1, 1000);
        assert!(codes(&p).contains(&"93072".to_string()), "Stains");
        assert!(p.items.iter().any(|t| t.name.starts_with("Saint-")));
        // Both apostrophes.
        let p = index().search("l’abergement", None, 1, 10);
        assert!(!p.items.is_empty());
        assert!(p.items.iter().all(|t| t.name.starts_with("L'Abergement")));
    }

    #[test]
    fn usual_forms() {
        assert_eq!(usual_form("st genest"), "saint genest");
        assert_eq!(usual_form("ste foy"), "sainte foy");
        assert_eq!(usual_form("stains"), "stains");
        assert_eq!(
            usual_form("communaute d agglomeration du grand dole"),
            "ca du grand dole"
        );
        assert_eq!(usual_form("communaute urbaine"), "cu");
        assert_eq!(
            epci_kind("cc des monts du pilat").unwrap().1,
            "monts du pilat"
        );
        assert_eq!(
            epci_kind("lyon metropole").unwrap(),
            ("metropole", "lyon".into())
        );
        assert!(epci_kind("cc").is_none());
        assert!(epci_kind("saint etienne").is_none());
    }

    /// Not a benchmark: a rough timing of typical queries, run by hand with
    /// `cargo test -p catalyse-core territory_index::tests::timing -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn timing() {
        let i = index();
        let queries = [
            "saint etienne",
            "st genest malifaux",
            "communauté de communes des monts du pilat",
            "ca saint etienne",
            "metropole lyon",
            "sai",
            "42660",
        ];
        let n = 200;
        let start = std::time::Instant::now();
        for _ in 0..n {
            for q in queries {
                std::hint::black_box(i.search(q, None, 1, 20));
            }
        }
        let per = start.elapsed() / (n * queries.len() as u32);
        println!(
            "territory search: {per:?} a query on {} territories",
            i.len()
        );
        for q in queries {
            let start = std::time::Instant::now();
            for _ in 0..n {
                std::hint::black_box(i.search(q, None, 1, 20));
            }
            println!("  {q:?}: {:?}", start.elapsed() / n);
        }
        let start = std::time::Instant::now();
        let _ = std::hint::black_box(TerritoryIndex::new(i.items.clone()));
        println!("territory index built in {:?}", start.elapsed());
    }
}
