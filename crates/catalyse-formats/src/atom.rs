//! Atom 1.0 feeds (RFC 4287).
//!
//! [`atom`] writes a whole feed document: escaped text, `xml:lang`, `rel="self"` and
//! `rel="alternate"` links, and on every entry an id, a title, an updated date, an alternate
//! link and at least one author (the entry's own, else the feed's). Serve it with
//! [`CONTENT_TYPE`].

use crate::xml::{escape, escape_attr};
use chrono::{DateTime, SecondsFormat, Utc};
use std::fmt::Write as _;

/// Content type of an Atom document.
pub const CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";

/// The feed itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// A permanent IRI: `tag:` URI or URL.
    pub id: String,
    pub title: String,
    pub subtitle: Option<String>,
    /// Where this feed is served.
    pub self_url: String,
    /// The HTML page the feed follows.
    pub alternate_url: String,
    pub updated: DateTime<Utc>,
    pub author: String,
    pub rights: Option<String>,
    /// Language of the texts, e.g. `fr`.
    pub lang: String,
}

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub title: String,
    /// The entry's HTML page (the alternate link).
    pub url: String,
    pub updated: DateTime<Utc>,
    pub published: Option<DateTime<Utc>>,
    /// Plain text.
    pub summary: Option<String>,
    /// Left empty, the feed's author stands for the entry's.
    pub authors: Vec<String>,
    /// (term, label); an empty label is left out.
    pub categories: Vec<(String, String)>,
    /// HTML, escaped into `<content type="html">`.
    pub content_html: Option<String>,
}

fn date(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `value` unless it is blank once cleaned, else `fallback`.
fn or_else<'a>(value: &'a str, fallback: &'a str) -> &'a str {
    if escape(value).trim().is_empty() {
        fallback
    } else {
        value
    }
}

fn text_element(out: &mut String, indent: &str, name: &str, value: &str) {
    let _ = writeln!(out, "{indent}<{name}>{}</{name}>", escape(value));
}

fn link(out: &mut String, indent: &str, rel: &str, kind: &str, href: &str) {
    let _ = writeln!(
        out,
        "{indent}<link rel=\"{rel}\" type=\"{kind}\" href=\"{}\"/>",
        escape_attr(href)
    );
}

fn author(out: &mut String, indent: &str, name: &str) {
    let _ = writeln!(
        out,
        "{indent}<author><name>{}</name></author>",
        escape(name)
    );
}

/// The whole Atom document: well-formed, escaped, with `xml:lang`, self and alternate links;
/// every entry has an id, a title, updated, an alternate link and an author (the entry's
/// authors, else the feed's). Blank titles and authors fall back to the URL or the feed title,
/// so that no required element is empty.
pub fn atom(feed: &Feed, entries: &[Entry]) -> String {
    let mut out = String::with_capacity(1024 + entries.len() * 512);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\"");
    if !feed.lang.trim().is_empty() {
        let _ = write!(out, " xml:lang=\"{}\"", escape_attr(feed.lang.trim()));
    }
    out.push_str(">\n");
    text_element(&mut out, "  ", "id", &feed.id);
    let feed_title = or_else(&feed.title, &feed.alternate_url);
    text_element(&mut out, "  ", "title", feed_title);
    if let Some(sub) = feed.subtitle.as_deref().filter(|s| !s.trim().is_empty()) {
        text_element(&mut out, "  ", "subtitle", sub);
    }
    text_element(&mut out, "  ", "updated", &date(feed.updated));
    link(
        &mut out,
        "  ",
        "self",
        "application/atom+xml",
        &feed.self_url,
    );
    link(
        &mut out,
        "  ",
        "alternate",
        "text/html",
        &feed.alternate_url,
    );
    let feed_author = or_else(&feed.author, feed_title);
    author(&mut out, "  ", feed_author);
    if let Some(rights) = feed.rights.as_deref().filter(|s| !s.trim().is_empty()) {
        text_element(&mut out, "  ", "rights", rights);
    }
    out.push_str("  <generator>Catalyse</generator>\n");

    for e in entries {
        out.push_str("  <entry>\n");
        text_element(&mut out, "    ", "id", &e.id);
        text_element(&mut out, "    ", "title", or_else(&e.title, &e.url));
        link(&mut out, "    ", "alternate", "text/html", &e.url);
        text_element(&mut out, "    ", "updated", &date(e.updated));
        if let Some(p) = e.published {
            text_element(&mut out, "    ", "published", &date(p));
        }
        let mut authored = false;
        for name in &e.authors {
            if !escape(name).trim().is_empty() {
                author(&mut out, "    ", name);
                authored = true;
            }
        }
        if !authored {
            author(&mut out, "    ", feed_author);
        }
        for (term, label) in &e.categories {
            if escape(term).trim().is_empty() {
                continue;
            }
            let _ = write!(out, "    <category term=\"{}\"", escape_attr(term));
            if !escape(label).trim().is_empty() {
                let _ = write!(out, " label=\"{}\"", escape_attr(label));
            }
            out.push_str("/>\n");
        }
        if let Some(summary) = e.summary.as_deref().filter(|s| !s.trim().is_empty()) {
            let _ = writeln!(
                out,
                "    <summary type=\"text\">{}</summary>",
                escape(summary)
            );
        }
        if let Some(html) = e.content_html.as_deref().filter(|s| !s.trim().is_empty()) {
            let _ = writeln!(out, "    <content type=\"html\">{}</content>", escape(html));
        }
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn feed() -> Feed {
        Feed {
            id: "tag:catalyse.example.org,2024:ressources".into(),
            title: "Ressources <récentes> & \"utiles\"".into(),
            subtitle: Some("Centre de ressources".into()),
            self_url: "https://catalyse.example.org/ressources.atom?a=1&b=2".into(),
            alternate_url: "https://catalyse.example.org/ressources".into(),
            updated: Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap(),
            author: "Catalyse".into(),
            rights: Some("CC BY 4.0".into()),
            lang: "fr".into(),
        }
    }

    fn entries() -> Vec<Entry> {
        vec![
            Entry {
                id: "tag:catalyse.example.org,2024:ressource/1".into(),
                title: "Chaleur <fatale> & récup\u{1}".into(),
                url: "https://catalyse.example.org/ressources/1?x=1&y=2".into(),
                updated: Utc.with_ymd_and_hms(2024, 5, 2, 9, 30, 0).unwrap(),
                published: Some(Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap()),
                summary: Some("Un guide\nsur deux lignes".into()),
                authors: vec!["Ademe".into(), "Cerema & co".into()],
                categories: vec![
                    ("energie".into(), "Énergie \"verte\"".into()),
                    ("guide".into(), String::new()),
                    (String::new(), "ignorée".into()),
                ],
                content_html: Some("<p>Bonjour &amp; <b>bienvenue</b></p>".into()),
            },
            Entry {
                id: "tag:catalyse.example.org,2024:ressource/2".into(),
                title: "Sans auteur".into(),
                url: "https://catalyse.example.org/ressources/2".into(),
                updated: Utc.with_ymd_and_hms(2024, 5, 3, 0, 0, 0).unwrap(),
                published: None,
                summary: None,
                authors: vec![" ".into()],
                categories: vec![],
                content_html: None,
            },
        ]
    }

    fn entry_blocks(xml: &str) -> Vec<&str> {
        xml.split("<entry>").skip(1).collect()
    }

    #[test]
    fn feed_has_the_required_elements() {
        let xml = atom(&feed(), &entries());
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"));
        assert!(xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"fr\">"));
        assert!(xml.contains("<id>tag:catalyse.example.org,2024:ressources</id>"));
        assert!(xml.contains("<updated>2024-06-01T12:00:00Z</updated>"));
        assert!(xml.contains("<subtitle>Centre de ressources</subtitle>"));
        assert!(xml.contains("<rights>CC BY 4.0</rights>"));
        assert!(xml.contains(
            "<link rel=\"self\" type=\"application/atom+xml\" \
             href=\"https://catalyse.example.org/ressources.atom?a=1&amp;b=2\"/>"
        ));
        assert!(xml.contains(
            "<link rel=\"alternate\" type=\"text/html\" \
             href=\"https://catalyse.example.org/ressources\"/>"
        ));
        assert!(xml.trim_end().ends_with("</feed>"));
        let blocks = entry_blocks(&xml);
        assert_eq!(blocks.len(), 2);
        for b in &blocks {
            for needle in [
                "<id>",
                "<title>",
                "<updated>",
                "<link rel=\"alternate\"",
                "<author>",
            ] {
                assert!(b.contains(needle), "{needle} missing in {b}");
            }
        }
        assert!(blocks[0].contains("<published>2024-05-01T08:00:00Z</published>"));
        assert!(blocks[0].contains("<updated>2024-05-02T09:30:00Z</updated>"));
        assert!(!blocks[1].contains("<published>") && !blocks[1].contains("<summary"));
        assert_eq!(
            xml.matches("<entry>").count(),
            xml.matches("</entry>").count()
        );
    }

    #[test]
    fn text_and_attributes_are_escaped() {
        let xml = atom(&feed(), &entries());
        assert!(xml.contains("<title>Ressources &lt;récentes&gt; &amp; &quot;utiles&quot;</title>"));
        assert!(xml.contains("<title>Chaleur &lt;fatale&gt; &amp; récup</title>"));
        assert!(!xml.contains('\u{1}'));
        assert!(xml.contains("href=\"https://catalyse.example.org/ressources/1?x=1&amp;y=2\""));
        assert!(xml.contains("<category term=\"energie\" label=\"Énergie &quot;verte&quot;\"/>"));
        assert!(xml.contains("<category term=\"guide\"/>"));
        assert!(!xml.contains("ignorée"));
        assert!(xml.contains("<summary type=\"text\">Un guide\nsur deux lignes</summary>"));
        assert!(xml.contains(
            "<content type=\"html\">&lt;p&gt;Bonjour &amp;amp; &lt;b&gt;bienvenue&lt;/b&gt;&lt;/p&gt;</content>"
        ));
    }

    #[test]
    fn entry_without_authors_falls_back_to_the_feed_author() {
        let xml = atom(&feed(), &entries());
        let blocks = entry_blocks(&xml);
        assert!(blocks[0].contains("<author><name>Ademe</name></author>"));
        assert!(blocks[0].contains("<author><name>Cerema &amp; co</name></author>"));
        assert!(!blocks[0].contains("<name>Catalyse</name>"));
        assert_eq!(
            blocks[1].matches("<author>").count(),
            1,
            "the blank author is dropped"
        );
        assert!(blocks[1].contains("<author><name>Catalyse</name></author>"));
        // blank feed author and titles still give non-empty required elements
        let bare = Feed {
            author: String::new(),
            subtitle: None,
            rights: None,
            lang: String::new(),
            ..feed()
        };
        let e = Entry {
            title: "  ".into(),
            authors: vec![],
            ..entries()[1].clone()
        };
        let xml = atom(&bare, &[e]);
        assert!(xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
        assert!(!xml.contains("<subtitle>") && !xml.contains("<rights>"));
        assert!(xml.contains("<title>https://catalyse.example.org/ressources/2</title>"));
        assert_eq!(
            entry_blocks(&xml)[0]
                .matches("<name>Ressources &lt;récentes&gt;")
                .count(),
            1
        );
        // no entries is still a valid feed
        assert!(atom(&feed(), &[]).contains("</feed>"));
    }

    /// Reads the feed with python's feedparser, as the conformance checker does; skipped when
    /// python3 or feedparser are missing.
    #[test]
    fn feedparser_reads_it() {
        let xml = atom(&feed(), &entries());
        let path = std::env::temp_dir().join(format!("catalyse-atom-{}.xml", std::process::id()));
        std::fs::write(&path, &xml).unwrap();
        let script = r#"
import sys
try:
    import feedparser
except ImportError:
    print("SKIP: python feedparser is missing"); sys.exit(0)
f = feedparser.parse(open(sys.argv[1], "rb").read())
problems = []
if f.bozo: problems.append(f"bozo: {f.bozo_exception}")
if f.version != "atom10": problems.append(f"version {f.version}")
for key in ("title", "id", "updated"):
    if not f.feed.get(key): problems.append(f"feed lacks {key}")
if not any(l.get("rel") == "self" for l in f.feed.get("links", [])): problems.append("no self link")
ids = set()
for e in f.entries:
    for key in ("id", "title", "updated"):
        if not e.get(key): problems.append(f"entry lacks {key}")
    if e.get("id") in ids: problems.append("duplicate id")
    ids.add(e.get("id"))
    if not any(l.get("rel") == "alternate" for l in e.get("links", [])): problems.append("no alternate link")
    if not e.get("author"): problems.append("entry lacks an author")
if f.entries[0].title != "Chaleur <fatale> & récup": problems.append(f"title read as {f.entries[0].title!r}")
if f.entries[1].author != "Catalyse": problems.append(f"author read as {f.entries[1].author!r}")
if len(f.entries) != 2: problems.append(f"{len(f.entries)} entries")
print("\n".join(problems) if problems else "OK")
"#;
        let run = std::process::Command::new("python3")
            .arg("-c")
            .arg(script)
            .arg(&path)
            .output();
        let _ = std::fs::remove_file(&path);
        let Ok(run) = run else {
            println!("SKIP: python3 is missing");
            return;
        };
        let stdout = String::from_utf8_lossy(&run.stdout);
        if stdout.starts_with("SKIP") {
            println!("{stdout}");
            return;
        }
        assert_eq!(
            stdout.trim(),
            "OK",
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
}
