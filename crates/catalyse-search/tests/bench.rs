//! Latency at 100 000 generated documents (not run by default):
//! `cargo test -p catalyse-search --release --test bench -- --ignored --nocapture`
//! Env `BENCH_DOCS` changes the number of documents; `BENCH_DIR` keeps the index between runs.
//! `member_browse` (also ignored): the directory without text, `BENCH_MEMBERS` members
//! (950 000 by default).

use std::time::{Duration, Instant};

use catalyse_core::resource::{Kit, Nature, Resource, ResourceFields, ResourceState};
use catalyse_search::{MemberDoc, MemberIndex, MemberQuery, SearchIndex, SearchQuery, Sort};

/// Small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Skewed towards the first items, like word frequencies.
    fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n);
        let b = self.below(n);
        a.min(b).min(self.below(n))
    }
}

fn vocabulary() -> Vec<String> {
    let mut words: Vec<String> = Kit::shipped()
        .unwrap()
        .resource
        .iter()
        .flat_map(|r| {
            r.title
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.len() > 2)
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        })
        .collect();
    words.extend(
        "commune élus mairie association habitants projet territoire rural solidarité \
         emploi jeunesse mobilité santé culture sport école numérique transition énergie \
         agriculture alimentation logement tourisme commerce artisanat entreprise réseau \
         gouvernance citoyenneté participation diagnostic financement subvention convention \
         mécénat bénévolat insertion handicap environnement biodiversité eau déchets"
            .split_whitespace()
            .map(String::from),
    );
    // Invented words, for a realistic dictionary size.
    let syllables = [
        "ra", "ma", "te", "lo", "pu", "ni", "sé", "vo", "ca", "dé", "tri", "pla", "mon", "ter",
        "cor", "fi", "gu", "zo", "bé", "ché",
    ];
    let mut rng = Rng(7);
    for _ in 0..20_000 {
        let n = 2 + rng.below(3);
        let w: String = (0..n)
            .map(|_| syllables[rng.below(syllables.len())])
            .collect();
        words.push(w);
    }
    words
}

fn sentence(rng: &mut Rng, vocab: &[String], n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
            if rng.below(6) == 0 {
                s.push_str(["de la ", "des ", "les ", "l'", "d'", "et "][rng.below(6)]);
            }
        }
        s.push_str(&vocab[rng.skewed(vocab.len())]);
    }
    s
}

fn corpus(n: usize) -> Vec<Resource> {
    let vocab = vocabulary();
    let mut rng = Rng(42);
    let levers = [
        "comprendre-son-ecosysteme",
        "apprendre-a-faire-alliance",
        "definir-sa-strategie",
        "evaluer-sa-pertinence",
        "qualifier-son-innovation",
        "transformer-son-modele-socio-economique",
        "accelerer-grace-au-numerique",
    ];
    let authors: Vec<String> = (0..500).map(|i| format!("Auteur {i}")).collect();
    (0..n)
        .map(|i| {
            let nature = Nature::ALL[rng.below(4)];
            let subgroups = nature.subgroups();
            let subgroup = if subgroups.is_empty() {
                String::new()
            } else {
                subgroups[rng.below(subgroups.len())].0.to_string()
            };
            let words = 4 + rng.below(8);
            let body_words = rng.below(250);
            let summary_words = 20 + rng.below(30);
            Resource {
                id: i as i64 + 1,
                fields: ResourceFields {
                    slug: format!("doc-{i}"),
                    title: sentence(&mut rng, &vocab, words),
                    summary: sentence(&mut rng, &vocab, summary_words),
                    body: sentence(&mut rng, &vocab, body_words),
                    nature,
                    subgroup,
                    levers: (0..rng.below(3))
                        .map(|_| levers[rng.below(levers.len())].to_string())
                        .collect(),
                    themes: vec![],
                    authors: vec![authors[rng.skewed(authors.len())].clone()],
                    year: Some(2000 + rng.below(26) as i32),
                    format: ["PDF", "Vidéo", "MOOC", "Page web"][rng.below(4)].into(),
                    language: "fr".into(),
                    licence: String::new(),
                    url: None,
                    is_example: true,
                },
                state: ResourceState::Published,
                file: None,
                created_at: Default::default(),
                updated_at: Default::default(),
                published_at: Some("2024-05-01T10:00:00Z".parse().unwrap()),
            }
        })
        .collect()
}

#[test]
#[ignore]
fn latency_at_100k() {
    let n: usize = std::env::var("BENCH_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let path = std::env::var("BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().to_path_buf());
    let index = SearchIndex::open(&path).unwrap();
    if index.len() != n as u64 {
        let docs = corpus(n);
        let started = Instant::now();
        index.rebuild(&docs).unwrap();
        println!("rebuild {n} docs: {:?}", started.elapsed());
    }

    let texts = [
        "",
        "évaluer un partenariat",
        "etude territoriale",
        "etudes territorialles",
        "l'intérêt général",
        "experimentation colective",
        "guides pratiques",
        "MOOC alliances",
        "commune",
        "association habitants projet territoire rural solidarité emploi jeunesse",
        "partenariats",
        "co-construction en territoire",
        "mairie élus",
        "\"(:*-",
    ];
    let mut queries = Vec::new();
    for t in texts {
        queries.push(SearchQuery {
            text: t.into(),
            ..Default::default()
        });
        queries.push(SearchQuery {
            text: t.into(),
            natures: vec![Nature::Methode],
            levers: vec!["apprendre-a-faire-alliance".into()],
            ..Default::default()
        });
        queries.push(SearchQuery {
            text: t.into(),
            sort: Sort::Newest,
            year_from: Some(2010),
            page: 3,
            ..Default::default()
        });
    }
    // Warm-up.
    for q in &queries {
        index.search(q).unwrap();
    }
    let run = || {
        let mut times: Vec<(Duration, String)> = Vec::new();
        for _ in 0..10 {
            for q in &queries {
                let t = Instant::now();
                let r = index.search(q).unwrap();
                times.push((t.elapsed(), format!("{:?} ({} hits)", q.text, r.total)));
            }
        }
        times
    };
    report("one at a time", run());
    // Two clients at once, on 2 cores.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(run);
        let b = s.spawn(run);
        (a.join().unwrap(), b.join().unwrap())
    });
    report("two at a time", [a, b].concat());
}

#[test]
#[ignore]
fn member_browse() {
    let n: i64 = std::env::var("BENCH_MEMBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(950_000);
    let index = MemberIndex::in_memory().unwrap();
    let first = [
        "Anne", "Bruno", "Claire", "Élodie", "Marc", "Sophie", "Yves", "Zoé",
    ];
    let last = [
        "Martin", "Durand", "Lefèvre", "Roux", "Besson", "Girard", "Tanguy",
    ];
    let families = ["collectivite", "association", "entreprise", "enseignement"];
    let regions = ["84", "76", "53", "11", "27", "44", "93", "75"];
    let mut rng = Rng(11);
    let started = Instant::now();
    index
        .rebuild_iter((1..=n).map(|id| {
            let name = format!(
                "{} {} {}",
                first[rng.below(first.len())],
                last[rng.below(last.len())],
                rng.below(100_000)
            );
            MemberDoc {
                id,
                sort_name: name.clone(),
                name,
                organisation: "Collectif".into(),
                family: families[rng.below(families.len())].into(),
                regions: vec![regions[rng.below(regions.len())].into()],
                public: rng.below(5) != 0,
                ..MemberDoc::default()
            }
        }))
        .unwrap();
    println!("rebuild {n} members: {:?}", started.elapsed());
    // One member more: a second segment, as after a profile change.
    index
        .upsert(&MemberDoc {
            id: n + 1,
            name: "Nora Vidal".into(),
            public: true,
            ..MemberDoc::default()
        })
        .unwrap();
    let query = |page: u32, include_private: bool| MemberQuery {
        page,
        per_page: 20,
        include_private,
        ..MemberQuery::default()
    };
    for include_private in [false, true] {
        let t = Instant::now();
        let general = index.search_uncached(&query(1, include_private)).unwrap();
        println!(
            "include_private {include_private}: general search {:?} ({} members)",
            t.elapsed(),
            general.total
        );
        let t = Instant::now();
        let kept = index.search(&query(1, include_private)).unwrap();
        println!("  first browse (builds the list): {:?}", t.elapsed());
        assert_eq!(kept, general);
        let mut times = Vec::new();
        for page in 1..=200 {
            let t = Instant::now();
            index.search(&query(page, include_private)).unwrap();
            times.push((t.elapsed(), format!("page {page}")));
        }
        report("  following pages", times);
    }
}

fn report(label: &str, mut times: Vec<(Duration, String)>) {
    times.sort();
    let p = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)].0;
    println!(
        "{label}: {} searches: p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        times.len(),
        p(0.5),
        p(0.9),
        p(0.99),
        times.last().unwrap().0
    );
    for (d, q) in times.iter().rev().take(3) {
        println!("  {d:?} {q}");
    }
}
