use super::request::token::{decode_time, decode_token, encode_time, encode_token};
use super::request::{
    end_of, is_repository_identifier, parse_datestamp, Granularity, ListQuery, Position,
};
use super::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{TimeDelta, TimeZone};
use std::collections::HashSet;
use std::sync::Mutex;

/// An in-memory repository: 120 items, every tenth deleted, odd ones in `theme:energie`,
/// multiples of three in `guide`; pairs share a second of datestamp, ids 31 to 36 share it
/// to the nanosecond.
struct Mem {
    items: Mutex<Vec<OaiItem>>,
}

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 1, 8, 0, 0).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap()
}

fn item(id: i64) -> OaiItem {
    let datestamp = if (31..=36).contains(&id) {
        base() + TimeDelta::hours(15)
    } else {
        base() + TimeDelta::hours((id - 1) / 2) + TimeDelta::milliseconds(250 * (id % 2))
    };
    let mut sets = Vec::new();
    if id % 2 == 1 {
        sets.push("theme:energie".to_string());
    }
    if id % 3 == 0 {
        sets.push("guide".to_string());
    }
    let title = if id == 7 {
        "Chaleur <fatale> & \u{1}récup \"R\"".to_string()
    } else {
        format!("Ressource {id}")
    };
    OaiItem {
        id,
        datestamp,
        deleted: id % 10 == 0,
        sets,
        dc: Some(DublinCore {
            title,
            creators: vec!["Ademe".into(), String::new()],
            subjects: vec!["Énergie".into()],
            description: format!("Description {id}"),
            publisher: "Catalyse".into(),
            date: Some("2023".into()),
            types: vec!["Text".into()],
            formats: vec!["application/pdf".into()],
            identifiers: vec![format!("https://catalyse.example.org/ressources/{id}")],
            language: "fr".into(),
            rights: String::new(),
            relations: vec![],
            coverage: vec!["Lyon".into()],
        }),
    }
}

impl Mem {
    fn new(n: i64) -> Self {
        Mem {
            items: Mutex::new((1..=n).map(item).collect()),
        }
    }
    fn insert(&self, item: OaiItem) {
        self.items.lock().unwrap().push(item);
    }
}

#[async_trait]
impl OaiRepository for Mem {
    async fn earliest_datestamp(&self) -> anyhow::Result<Option<DateTime<Utc>>> {
        Ok(self.items.lock().unwrap().iter().map(|i| i.datestamp).min())
    }
    async fn list(&self, s: &Selection<'_>) -> anyhow::Result<(Vec<OaiItem>, u64)> {
        let mut v: Vec<OaiItem> = self
            .items
            .lock()
            .unwrap()
            .iter()
            .filter(|i| {
                s.from.is_none_or(|f| i.datestamp >= f)
                    && s.until.is_none_or(|u| i.datestamp <= u)
                    && s.set.is_none_or(|set| i.sets.iter().any(|x| x == set))
            })
            .cloned()
            .collect();
        v.sort_by_key(|i| (i.datestamp, i.id));
        let total = v.len() as u64;
        let page = v
            .into_iter()
            .filter(|i| s.after.is_none_or(|a| (i.datestamp, i.id) > a))
            .take(s.limit)
            .collect();
        Ok((page, total))
    }
    async fn get(&self, id: i64) -> anyhow::Result<Option<OaiItem>> {
        Ok(self
            .items
            .lock()
            .unwrap()
            .iter()
            .find(|i| i.id == id)
            .cloned())
    }
    fn sets(&self) -> Vec<OaiSet> {
        vec![
            OaiSet {
                spec: "theme:energie".into(),
                name: "Énergie".into(),
            },
            OaiSet {
                spec: "guide".into(),
                name: "Guides & fiches".into(),
            },
        ]
    }
}

fn about() -> Repository {
    Repository {
        name: "Catalyse — centre de ressources".into(),
        base_url: "https://catalyse.example.org/oai".into(),
        admin_email: "contact@catalyse.example.org".into(),
        identifier: "catalyse.example.org".into(),
    }
}

async fn ask(repo: &Mem, query: &str) -> String {
    respond(repo, &about(), query, now()).await.unwrap()
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn error_code(xml: &str) -> Option<String> {
    let rest = &xml[xml.find("<error code=\"")? + 13..];
    Some(rest[..rest.find('"')?].to_string())
}

fn texts(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        let j = rest.find(&close).expect("closed element");
        out.push(rest[..j].to_string());
        rest = &rest[j..];
    }
    out
}

/// The resumptionToken element: its text ("" when empty) and its attributes' text.
fn token(xml: &str) -> Option<(String, String)> {
    let rest = &xml[xml.find("<resumptionToken")? + 16..];
    let end = rest.find('>')?;
    if rest[..end].ends_with('/') {
        return Some((String::new(), rest[..end - 1].to_string()));
    }
    let close = rest.find("</resumptionToken>")?;
    Some((rest[end + 1..close].to_string(), rest[..end].to_string()))
}

fn request_element(xml: &str) -> String {
    let i = xml.find("<request").unwrap();
    let j = xml[i..].find("</request>").unwrap();
    xml[i..i + j + 10].to_string()
}

/// Every identifier of a list, following the tokens; checks page sizes and cursors.
async fn harvest(repo: &Mem, first: &str) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut xml = ask(repo, first).await;
    let mut pages = 1;
    loop {
        assert_eq!(error_code(&xml), None, "{xml}");
        let page = texts(&xml, "identifier");
        assert!(page.len() <= PAGE_SIZE);
        ids.extend(page);
        match token(&xml) {
            Some((t, _)) if !t.is_empty() => {
                let verb = if first.contains("ListRecords") {
                    "ListRecords"
                } else {
                    "ListIdentifiers"
                };
                xml = ask(repo, &format!("verb={verb}&resumptionToken={}", enc(&t))).await;
                pages += 1;
            }
            _ => break,
        }
    }
    (ids, pages)
}

#[tokio::test]
async fn identify_tells_the_repository() {
    let repo = Mem::new(120);
    let xml = ask(&repo, "verb=Identify").await;
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert_eq!(texts(&xml, "responseDate"), ["2024-06-01T12:00:00Z"]);
    assert_eq!(
        request_element(&xml),
        "<request verb=\"Identify\">https://catalyse.example.org/oai</request>"
    );
    assert_eq!(
        texts(&xml, "repositoryName"),
        ["Catalyse — centre de ressources"]
    );
    assert_eq!(texts(&xml, "baseURL"), ["https://catalyse.example.org/oai"]);
    assert_eq!(texts(&xml, "protocolVersion"), ["2.0"]);
    assert_eq!(texts(&xml, "adminEmail"), ["contact@catalyse.example.org"]);
    assert_eq!(texts(&xml, "earliestDatestamp"), ["2024-03-01T08:00:00Z"]);
    assert_eq!(texts(&xml, "deletedRecord"), ["persistent"]);
    assert_eq!(texts(&xml, "granularity"), ["YYYY-MM-DDThh:mm:ssZ"]);
    assert_eq!(
        texts(&xml, "sampleIdentifier"),
        ["oai:catalyse.example.org:ressource/1"]
    );
    // an empty repository still has an earliest datestamp
    let xml = ask(&Mem::new(0), "verb=Identify").await;
    assert_eq!(texts(&xml, "earliestDatestamp"), ["2024-06-01T12:00:00Z"]);
}

#[tokio::test]
async fn metadata_formats_and_sets() {
    let repo = Mem::new(120);
    let xml = ask(&repo, "verb=ListMetadataFormats").await;
    assert_eq!(texts(&xml, "metadataPrefix"), ["oai_dc"]);
    assert_eq!(
        texts(&xml, "schema"),
        ["http://www.openarchives.org/OAI/2.0/oai_dc.xsd"]
    );
    assert_eq!(
        texts(&xml, "metadataNamespace"),
        ["http://www.openarchives.org/OAI/2.0/oai_dc/"]
    );
    let xml = ask(
        &repo,
        "verb=ListMetadataFormats&identifier=oai%3Acatalyse.example.org%3Aressource%2F10",
    )
    .await;
    assert_eq!(texts(&xml, "metadataPrefix"), ["oai_dc"]);
    let xml = ask(
        &repo,
        "verb=ListMetadataFormats&identifier=oai:catalyse.example.org:ressource/999",
    )
    .await;
    assert_eq!(error_code(&xml).as_deref(), Some("idDoesNotExist"));

    let xml = ask(&repo, "verb=ListSets").await;
    assert_eq!(texts(&xml, "setSpec"), ["theme:energie", "guide"]);
    assert_eq!(texts(&xml, "setName"), ["Énergie", "Guides &amp; fiches"]);
    let xml = ask(&repo, "verb=ListSets&resumptionToken=abc").await;
    assert_eq!(error_code(&xml).as_deref(), Some("badResumptionToken"));
}

#[tokio::test]
async fn paging_list_records_gives_every_item_once() {
    let repo = Mem::new(120);
    let first = ask(&repo, "verb=ListRecords&metadataPrefix=oai_dc").await;
    assert_eq!(texts(&first, "identifier").len(), 50);
    let (_, attrs) = token(&first).unwrap();
    assert!(attrs.contains("completeListSize=\"120\"") && attrs.contains("cursor=\"0\""));

    let (ids, pages) = harvest(&repo, "verb=ListRecords&metadataPrefix=oai_dc").await;
    assert_eq!(pages, 3);
    assert_eq!(ids.len(), 120);
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 120);
    let expected: HashSet<String> = (1..=120).map(|id| about().oai_identifier(id)).collect();
    assert_eq!(ids.iter().cloned().collect::<HashSet<_>>(), expected);

    // the last page carries an empty token with the cursor
    let t1 = token(&first).unwrap().0;
    let second = ask(&repo, &format!("verb=ListRecords&resumptionToken={t1}")).await;
    let t2 = token(&second).unwrap();
    assert!(t2.1.contains("cursor=\"50\""));
    let third = ask(&repo, &format!("verb=ListRecords&resumptionToken={}", t2.0)).await;
    assert_eq!(texts(&third, "identifier").len(), 20);
    let (t3, attrs) = token(&third).unwrap();
    assert_eq!(t3, "");
    assert!(attrs.contains("cursor=\"100\"") && attrs.contains("completeListSize=\"120\""));
    // the request element echoes the token
    assert!(request_element(&third).contains(&format!("resumptionToken=\"{}\"", t2.0)));

    // deleted records have a header with status and no metadata
    let all = [first, second, third].concat();
    assert_eq!(all.matches("<header status=\"deleted\">").count(), 12);
    assert_eq!(all.matches("<metadata>").count(), 108);
    assert_eq!(all.matches("<dc:title>").count(), 108);

    // a list that fits one page has no token at all
    let xml = ask(
        &repo,
        "verb=ListRecords&metadataPrefix=oai_dc&until=2024-03-01T12:00:00Z",
    )
    .await;
    assert_eq!(texts(&xml, "identifier").len(), 10);
    assert!(token(&xml).is_none());
}

#[tokio::test]
async fn paging_survives_inserts() {
    let repo = Mem::new(120);
    let first = ask(&repo, "verb=ListIdentifiers&metadataPrefix=oai_dc").await;
    let mut ids = texts(&first, "identifier");
    // a new item, and an old one updated, both after the position reached
    repo.insert(OaiItem {
        datestamp: base() + TimeDelta::days(10),
        ..item(500)
    });
    repo.items.lock().unwrap()[0].datestamp = base() + TimeDelta::days(11);
    let mut t = token(&first).unwrap().0;
    while !t.is_empty() {
        let xml = ask(&repo, &format!("verb=ListIdentifiers&resumptionToken={t}")).await;
        ids.extend(texts(&xml, "identifier"));
        t = token(&xml).unwrap().0;
    }
    let distinct: HashSet<&String> = ids.iter().collect();
    // 120, plus 500, plus 1 seen twice (it was updated after being harvested)
    assert_eq!(ids.len(), 122);
    assert_eq!(distinct.len(), 121);
    assert!(distinct.contains(&about().oai_identifier(500)));
}

#[tokio::test]
async fn list_identifiers_matches_list_records() {
    let repo = Mem::new(120);
    let (records, _) = harvest(&repo, "verb=ListRecords&metadataPrefix=oai_dc").await;
    let (headers, _) = harvest(&repo, "verb=ListIdentifiers&metadataPrefix=oai_dc").await;
    assert_eq!(records, headers);
    let xml = ask(&repo, "verb=ListIdentifiers&metadataPrefix=oai_dc").await;
    assert!(!xml.contains("<metadata>") && !xml.contains("<record>"));
    // from = earliestDatestamp keeps every record
    let (again, _) = harvest(
        &repo,
        "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2024-03-01T08:00:00Z",
    )
    .await;
    assert_eq!(again.len(), 120);
}

#[tokio::test]
async fn from_until_and_set_select() {
    let repo = Mem::new(120);
    let count = |xml: &str| texts(xml, "identifier").len();
    // day granularity: until covers the whole day (items 1..=36 on 2024-03-01)
    let xml = ask(
        &repo,
        "verb=ListIdentifiers&metadataPrefix=oai_dc&until=2024-03-01",
    )
    .await;
    assert_eq!(count(&xml), 36);
    let xml = ask(
        &repo,
        "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2024-03-02&until=2024-03-02",
    )
    .await;
    assert_eq!(count(&xml), 44);
    // seconds: until includes the items of that second, subsecond ones too (3 is at .250)
    let xml = ask(
        &repo,
        "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2024-03-01T09:00:00Z&until=2024-03-01T09:00:00Z",
    )
    .await;
    assert_eq!(
        texts(&xml, "identifier"),
        [about().oai_identifier(4), about().oai_identifier(3)]
    );
    assert!(request_element(&xml).contains("from=\"2024-03-01T09:00:00Z\""));
    // set
    let (ids, _) = harvest(&repo, "verb=ListRecords&metadataPrefix=oai_dc&set=guide").await;
    assert_eq!(ids.len(), 40);
    let xml = ask(
        &repo,
        "verb=ListRecords&metadataPrefix=oai_dc&set=theme:energie&until=2024-03-01T10:00:00Z",
    )
    .await;
    assert_eq!(
        texts(&xml, "identifier"),
        [1, 3, 5].map(|id| about().oai_identifier(id))
    );
    // nothing there
    for q in [
        "verb=ListRecords&metadataPrefix=oai_dc&from=2025-01-01",
        "verb=ListRecords&metadataPrefix=oai_dc&until=2000-01-01T00:00:00Z",
        "verb=ListIdentifiers&metadataPrefix=oai_dc&set=nowhere",
    ] {
        assert_eq!(
            error_code(&ask(&repo, q).await).as_deref(),
            Some("noRecordsMatch"),
            "{q}"
        );
    }
    // from/until carried by the token
    let (ids, pages) = harvest(
        &repo,
        "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2024-03-01T20:00:00Z&until=2024-03-03T23:59:59Z",
    )
    .await;
    assert_eq!(pages, 2);
    assert_eq!(ids.len(), 120 - 24);
}

#[tokio::test]
async fn error_codes() {
    let repo = Mem::new(120);
    let id = "oai%3Acatalyse.example.org%3Aressource%2F5";
    let cases: Vec<(String, &str)> = vec![
        ("".into(), "badVerb"),
        ("verb=NoSuchVerb".into(), "badVerb"),
        ("verb=Identify&verb=Identify".into(), "badVerb"),
        ("metadataPrefix=oai_dc".into(), "badVerb"),
        ("verb=Identify&extra=x".into(), "badArgument"),
        ("verb=ListRecords".into(), "badArgument"),
        ("verb=ListIdentifiers&metadataPrefix=oai_dc&metadataPrefix=oai_dc".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-13-01".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01T00:00:00".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01T00:00:00.5Z".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&until=01/02/2024".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-02-01&until=2024-01-01".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01&until=2024-02-01T00:00:00Z".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&set=a%20b".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=".into(), "badArgument"),
        ("verb=GetRecord&metadataPrefix=oai_dc".into(), "badArgument"),
        (format!("verb=GetRecord&identifier={id}"), "badArgument"),
        (format!("verb=GetRecord&identifier={id}&metadataPrefix=oai_dc&set=guide"), "badArgument"),
        ("verb=ListSets&set=guide".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=no_such_format".into(), "cannotDisseminateFormat"),
        (format!("verb=GetRecord&identifier={id}&metadataPrefix=marc"), "cannotDisseminateFormat"),
        ("verb=GetRecord&identifier=oai:nowhere:0&metadataPrefix=oai_dc".into(), "idDoesNotExist"),
        ("verb=GetRecord&identifier=oai:catalyse.example.org:ressource/999&metadataPrefix=oai_dc".into(), "idDoesNotExist"),
        ("verb=GetRecord&identifier=oai:catalyse.example.org:ressource/005&metadataPrefix=oai_dc".into(), "idDoesNotExist"),
        ("verb=GetRecord&identifier=oai:catalyse.example.org:ressource/-5&metadataPrefix=oai_dc".into(), "idDoesNotExist"),
        ("verb=GetRecord&identifier=oai:other.example.org:ressource/5&metadataPrefix=oai_dc".into(), "idDoesNotExist"),
        ("verb=GetRecord&identifier=a%20b%3Cc&metadataPrefix=oai_dc".into(), "idDoesNotExist"),
        ("verb=ListRecords&resumptionToken=not-a-real-token".into(), "badResumptionToken"),
        ("verb=ListIdentifiers&resumptionToken=%00%FF".into(), "badResumptionToken"),
    ];
    for (q, code) in &cases {
        let xml = ask(&repo, q).await;
        assert_eq!(error_code(&xml).as_deref(), Some(*code), "{q}\n{xml}");
        if matches!(*code, "badVerb" | "badArgument") {
            assert_eq!(
                request_element(&xml),
                "<request>https://catalyse.example.org/oai</request>",
                "{q}"
            );
        }
    }
    // a token is exclusive, and must not be tampered with
    let first = ask(&repo, "verb=ListRecords&metadataPrefix=oai_dc").await;
    let t = token(&first).unwrap().0;
    let xml = ask(
        &repo,
        &format!("verb=ListRecords&resumptionToken={t}&metadataPrefix=oai_dc"),
    )
    .await;
    assert_eq!(error_code(&xml).as_deref(), Some("badArgument"));
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(&t).unwrap()).unwrap();
    let forged = URL_SAFE_NO_PAD.encode(raw.replacen("|50|", "|60|", 1));
    let xml = ask(&repo, &format!("verb=ListRecords&resumptionToken={forged}")).await;
    assert_eq!(error_code(&xml).as_deref(), Some("badResumptionToken"));
    // other errors echo the arguments
    let xml = ask(&repo, "verb=ListRecords&metadataPrefix=no_such_format").await;
    assert!(request_element(&xml)
        .starts_with("<request verb=\"ListRecords\" metadataPrefix=\"no_such_format\">"));
}

#[tokio::test]
async fn get_record_live_and_deleted() {
    let repo = Mem::new(120);
    let xml = ask(
        &repo,
        "verb=GetRecord&identifier=oai:catalyse.example.org:ressource/9&metadataPrefix=oai_dc",
    )
    .await;
    assert_eq!(error_code(&xml), None);
    assert_eq!(texts(&xml, "dc:title"), ["Ressource 9"]);
    assert_eq!(texts(&xml, "dc:creator"), ["Ademe"]); // the empty one is left out
    assert!(!xml.contains("<dc:rights>") && !xml.contains("<dc:relation>"));
    assert_eq!(texts(&xml, "dc:coverage"), ["Lyon"]);
    assert_eq!(texts(&xml, "setSpec"), ["theme:energie", "guide"]);
    assert_eq!(texts(&xml, "datestamp"), ["2024-03-01T12:00:00Z"]);
    assert!(request_element(&xml)
        .contains("identifier=\"oai:catalyse.example.org:ressource/9\" metadataPrefix=\"oai_dc\""));

    let xml = ask(
        &repo,
        "verb=GetRecord&identifier=oai:catalyse.example.org:ressource/20&metadataPrefix=oai_dc",
    )
    .await;
    assert_eq!(error_code(&xml), None);
    assert!(xml.contains("<header status=\"deleted\">"));
    assert!(!xml.contains("<metadata>"));
}

#[tokio::test]
async fn text_is_escaped_and_cleaned() {
    let repo = Mem::new(120);
    let xml = ask(
        &repo,
        "verb=GetRecord&identifier=oai:catalyse.example.org:ressource/7&metadataPrefix=oai_dc",
    )
    .await;
    assert_eq!(
        texts(&xml, "dc:title"),
        ["Chaleur &lt;fatale&gt; &amp; récup &quot;R&quot;"]
    );
    assert!(!xml.contains('\u{1}'));
    assert_eq!(escape("a\u{0}b\u{FFFF}c\u{1F600}"), "abc\u{1F600}");
    assert_eq!(escape("<&>'\""), "&lt;&amp;&gt;&apos;&quot;");
}

#[tokio::test]
async fn post_body_is_parsed_like_a_query() {
    let repo = Mem::new(120);
    let get = ask(
        &repo,
        "?verb=GetRecord&identifier=oai:catalyse.example.org:ressource/3&metadataPrefix=oai_dc",
    )
    .await;
    let post = ask(
        &repo,
        "verb=GetRecord&identifier=oai%3Acatalyse.example.org%3Aressource%2F3&metadataPrefix=oai_dc",
    )
    .await;
    assert_eq!(get, post);
    assert_eq!(texts(&post, "dc:title"), ["Ressource 3"]);
}

#[test]
fn tokens_round_trip() {
    let q = ListQuery {
        prefix: "oai_dc".into(),
        from: Some(base()),
        until: None,
        set: Some("theme:energie".into()),
    };
    let p = Position {
        after: Some((base() + TimeDelta::nanoseconds(123_456_789), 42)),
        cursor: 50,
    };
    let t = encode_token(&q, &p);
    assert!(t
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    assert_eq!(decode_token(&t), Some((q, p)));
    assert_eq!(decode_token(""), None);
    assert_eq!(decode_token("not-a-real-token"), None);
    let before_epoch =
        Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).unwrap() + TimeDelta::milliseconds(500);
    assert_eq!(
        decode_time(&encode_time(Some(before_epoch))),
        Some(Some(before_epoch))
    );
}

#[test]
fn datestamps_and_identifiers() {
    assert_eq!(
        parse_datestamp("2024-02-29"),
        Some((
            Utc.with_ymd_and_hms(2024, 2, 29, 0, 0, 0).unwrap(),
            Granularity::Day
        ))
    );
    assert_eq!(parse_datestamp("2023-02-29"), None);
    assert_eq!(parse_datestamp("2024-1-01"), None);
    assert_eq!(parse_datestamp("2024-01-01T25:00:00Z"), None);
    assert_eq!(parse_datestamp("2024-01-01T10:00:00+01:00"), None);
    let (d, g) = parse_datestamp("2024-01-01").unwrap();
    assert_eq!(
        end_of(d, g),
        Utc.with_ymd_and_hms(2024, 1, 1, 23, 59, 59).unwrap() + TimeDelta::nanoseconds(999_999_999)
    );
    let a = about();
    assert_eq!(a.parse_identifier(&a.oai_identifier(42)), Some(42));
    assert_eq!(
        a.parse_identifier("oai:catalyse.example.org:ressource/"),
        None
    );
    assert_eq!(
        a.parse_identifier("oai:catalyse.example.org:ressource/+4"),
        None
    );
    assert_eq!(
        a.parse_identifier("oai:catalyse.example.org:ressource/99999999999999999999"),
        None
    );
    let case = CASE_KEYS + 42;
    assert_eq!(
        a.oai_identifier(case),
        "oai:catalyse.example.org:pratique/42"
    );
    assert_eq!(a.parse_identifier(&a.oai_identifier(case)), Some(case));
    assert_eq!(
        a.oai_identifier(42),
        "oai:catalyse.example.org:ressource/42"
    );
    assert_eq!(
        a.parse_identifier("oai:catalyse.example.org:pratique/0"),
        None
    );
    assert_eq!(
        a.parse_identifier("oai:catalyse.example.org:ressource/0"),
        None
    );
    assert_eq!(
        a.parse_identifier("oai:catalyse.example.org:pratique/1099511627776"),
        None
    );
    assert!(is_repository_identifier("catalyse.example.org"));
    assert!(!is_repository_identifier("localhost:3000"));
}

/// Validates a few replies against the official schema with python's xmlschema, as the
/// conformance harvester does; skipped when python3 or xmlschema are missing.
#[tokio::test]
async fn replies_validate_against_the_schema() {
    let xsd = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/oai-pmh/OAI-PMH.xsd");
    if !xsd.exists() {
        println!("SKIP: {} not found", xsd.display());
        return;
    }
    let repo = Mem::new(120);
    let mut queries: Vec<String> = [
        "verb=Identify",
        "verb=ListMetadataFormats",
        "verb=ListSets",
        "verb=ListRecords&metadataPrefix=oai_dc",
        "verb=ListIdentifiers&metadataPrefix=oai_dc&set=guide&from=2024-03-01&until=2024-03-02",
        "verb=GetRecord&identifier=oai:catalyse.example.org:ressource/7&metadataPrefix=oai_dc",
        "verb=GetRecord&identifier=oai:catalyse.example.org:ressource/20&metadataPrefix=oai_dc",
        "",
        "verb=NoSuchVerb",
        "verb=Identify&extra=x",
        "verb=ListRecords",
        "verb=ListRecords&metadataPrefix=no_such_format",
        "verb=ListRecords&metadataPrefix=a%20b",
        "verb=GetRecord&identifier=oai:nowhere:0&metadataPrefix=oai_dc",
        "verb=GetRecord&identifier=a%20b%3Cc&metadataPrefix=oai_dc",
        "verb=ListRecords&resumptionToken=not-a-real-token",
        "verb=ListRecords&metadataPrefix=oai_dc&from=2030-01-01",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let first = ask(&repo, "verb=ListRecords&metadataPrefix=oai_dc").await;
    let t = token(&first).unwrap().0;
    queries.push(format!("verb=ListRecords&resumptionToken={t}"));
    let second = ask(&repo, &format!("verb=ListRecords&resumptionToken={t}")).await;
    queries.push(format!(
        "verb=ListRecords&resumptionToken={}",
        token(&second).unwrap().0
    ));

    let dir = std::env::temp_dir().join(format!("catalyse-oai-xsd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (i, q) in queries.iter().enumerate() {
        std::fs::write(dir.join(format!("{i:02}.xml")), ask(&repo, q).await).unwrap();
    }
    let script = r#"
import glob, os, sys
try:
    import xmlschema
except ImportError:
    print("SKIP: python xmlschema is missing"); sys.exit(0)
xsd, folder = sys.argv[1], sys.argv[2]
with open(xsd, encoding="utf-8") as f:
    schema = xmlschema.XMLSchema(f.read().replace('processContents="strict"', 'processContents="lax"'))
bad = 0
for path in sorted(glob.glob(os.path.join(folder, "*.xml"))):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for e in list(schema.iter_errors(text))[:3]:
        bad += 1
        print(os.path.basename(path), e.reason, e.path)
print("INVALID" if bad else "VALID")
"#;
    let run = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&xsd)
        .arg(&dir)
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    let Ok(run) = run else {
        println!("SKIP: python3 is missing");
        return;
    };
    let stdout = String::from_utf8_lossy(&run.stdout);
    if stdout.starts_with("SKIP") {
        println!("{stdout}");
        return;
    }
    assert!(
        run.status.success() && stdout.trim_end().ends_with("VALID") && !stdout.contains("INVALID"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
}
