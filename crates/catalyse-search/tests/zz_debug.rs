use catalyse_core::resource::{Kit, Resource, ResourceState};
use catalyse_search::{SearchIndex, SearchQuery};
#[test]
fn dump() {
    let kit = Kit::shipped().unwrap();
    let rs: Vec<Resource> = kit
        .resource
        .iter()
        .enumerate()
        .map(|(i, e)| Resource {
            id: i as i64 + 1,
            fields: e.fields(),
            state: ResourceState::Published,
            file: None,
            created_at: String::new(),
            updated_at: String::new(),
            published_at: None,
        })
        .collect();
    let idx = SearchIndex::in_memory().unwrap();
    idx.rebuild(&rs).unwrap();
    for q in [
        "évaluer un partenariat",
        "evaluer partenariats",
        "etude territoriale",
        "etudes territorialles",
        "experimentation colective",
        "l'intérêt général",
        "guide pratique",
        "guides pratiques",
        "MOOC alliances",
        "partenarait associations entreprises",
        "co-construction",
    ] {
        let r = idx
            .search(&SearchQuery {
                text: q.into(),
                per_page: 5,
                ..Default::default()
            })
            .unwrap();
        println!("== {q} (total {})", r.total);
        for h in r.hits {
            println!("  {:8.2} {}", h.score, h.title_html);
        }
    }
}
