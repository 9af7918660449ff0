//! Highlighted titles and snippets: HTML-escaped text, matched words in `<mark>`.
//!
//! Matches are found with the same analysis as the index (so « partenariats » highlights
//! « partenariat », and a typo highlights the word it found), on the stored text.

use std::ops::Range;

use tantivy::tokenizer::TextAnalyzer;

use crate::analysis::{analyse, within_one_edit};
use crate::query::Word;

/// Longest snippet, in characters (without the ellipses).
const SNIPPET_CHARS: usize = 220;
/// Context kept before the first match of a snippet, in characters.
const CONTEXT_BEFORE: usize = 40;
/// Only the beginning of a long summary or body is looked at for a snippet.
const SNIPPET_SOURCE_BYTES: usize = 20_000;

pub(crate) struct Highlighter<'a> {
    analyzer: &'a TextAnalyzer,
    words: &'a [Word],
    /// The unstemmed analysis, when a typo in a word's unstemmed form is a match too (see
    /// [`TextFields::exact_typos`](crate::query::TextFields::exact_typos)).
    exact_typos: Option<&'a TextAnalyzer>,
}

impl<'a> Highlighter<'a> {
    pub(crate) fn new(analyzer: &'a TextAnalyzer, words: &'a [Word]) -> Self {
        Highlighter {
            analyzer,
            words,
            exact_typos: None,
        }
    }

    /// Also marks the words one typo away from a query word's unstemmed form, found with
    /// `exact` (the analysis without stemming).
    pub(crate) fn with_exact_typos(mut self, exact: &'a TextAnalyzer) -> Self {
        self.exact_typos = Some(exact);
        self
    }

    fn matches(&self, token: &str) -> bool {
        self.words
            .iter()
            .any(|w| w.stem == token || (w.fuzzy && within_one_edit(&w.stem, token)))
    }

    fn matches_exact(&self, token: &str) -> bool {
        self.words
            .iter()
            .any(|w| w.fuzzy && within_one_edit(&w.exact, token))
    }

    /// Byte ranges of the matched words of `text`.
    fn matched(&self, text: &str) -> Vec<Range<usize>> {
        if self.words.is_empty() || text.is_empty() {
            return Vec::new();
        }
        let mut ranges: Vec<Range<usize>> = analyse(self.analyzer, text)
            .into_iter()
            .filter(|t| self.matches(&t.text))
            .map(|t| t.from..t.to)
            .collect();
        if let Some(exact) = self
            .exact_typos
            .filter(|_| self.words.iter().any(|w| w.fuzzy))
        {
            let before = ranges.len();
            ranges.extend(
                analyse(exact, text)
                    .into_iter()
                    .filter(|t| self.matches_exact(&t.text))
                    .map(|t| t.from..t.to),
            );
            if ranges.len() > before {
                ranges.sort_by_key(|r| (r.start, r.end));
                ranges.dedup();
            }
        }
        ranges
    }

    /// The whole title, escaped, matches marked.
    pub(crate) fn title_html(&self, title: &str) -> String {
        let ranges = self.matched(title);
        let mut out = String::with_capacity(title.len() + 16);
        write_marked(&mut out, title, 0..title.len(), &ranges);
        out
    }

    /// A passage of the summary, or else of the body, around the matches; the beginning of
    /// the summary (or body) when neither matches; empty when both are empty.
    pub(crate) fn snippet_html(&self, summary: &str, body: &str) -> String {
        let summary = beginning(summary.trim(), SNIPPET_SOURCE_BYTES);
        let body = beginning(body.trim(), SNIPPET_SOURCE_BYTES);
        let mut chosen: Option<(&str, Vec<Range<usize>>)> = None;
        for text in [summary, body] {
            let ranges = self.matched(text);
            if !ranges.is_empty() {
                chosen = Some((text, ranges));
                break;
            }
        }
        let (text, ranges) = match chosen {
            Some(c) => c,
            None if !summary.is_empty() => (summary, Vec::new()),
            None if !body.is_empty() => (body, Vec::new()),
            None => return String::new(),
        };
        let window = window(text, &ranges);
        let mut out = String::with_capacity(window.len() + 32);
        if window.start > 0 {
            out.push_str("… ");
        }
        write_marked(&mut out, text, window.clone(), &ranges);
        if window.end < text.len() {
            out.push_str(" …");
        }
        out
    }
}

/// The byte range of at most [`SNIPPET_CHARS`] characters of `text` that holds the most
/// matches, cut at spaces.
fn window(text: &str, ranges: &[Range<usize>]) -> Range<usize> {
    if text.chars().count() <= SNIPPET_CHARS {
        return 0..text.len();
    }
    // The match that starts the window holding the most matches.
    let mut best_start = 0;
    let mut best_count = 0;
    for (i, r) in ranges.iter().enumerate() {
        let end = advance_chars(text, r.start, SNIPPET_CHARS - CONTEXT_BEFORE);
        let count = ranges[i..].iter().take_while(|m| m.end <= end).count();
        if count > best_count {
            best_count = count;
            best_start = r.start;
        }
    }
    let mut start = if best_start == 0 {
        0
    } else {
        back_chars(text, best_start, CONTEXT_BEFORE)
    };
    if start > 0 {
        // Start at the beginning of a word.
        if let Some(space) = text[start..best_start].find(char::is_whitespace) {
            start += space;
        }
        start = skip_whitespace(text, start);
    }
    let mut end = advance_chars(text, start, SNIPPET_CHARS);
    if end < text.len() {
        if let Some(space) = text[start..end].rfind(char::is_whitespace) {
            if space > 0 {
                end = start + space;
            }
        }
    }
    start..end
}

/// At most `max` bytes of `text`, cut at a character boundary.
fn beginning(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn advance_chars(text: &str, from: usize, n: usize) -> usize {
    text[from..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| from + i)
}

fn back_chars(text: &str, from: usize, n: usize) -> usize {
    text[..from]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

fn skip_whitespace(text: &str, from: usize) -> usize {
    text[from..]
        .char_indices()
        .find(|(_, c)| !c.is_whitespace())
        .map_or(text.len(), |(i, _)| from + i)
}

/// Writes `text[window]` escaped, with the `ranges` inside it in `<mark>`.
fn write_marked(out: &mut String, text: &str, window: Range<usize>, ranges: &[Range<usize>]) {
    let mut at = window.start;
    for r in ranges {
        if r.start < at || r.end > window.end {
            continue;
        }
        escape_into(out, &text[at..r.start]);
        out.push_str("<mark>");
        escape_into(out, &text[r.clone()]);
        out.push_str("</mark>");
        at = r.end;
    }
    escape_into(out, &text[at..window.end]);
}

/// HTML-escapes `text` into `out`, runs of white space as one space.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    let mut in_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
            continue;
        }
        in_space = false;
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::french;

    fn word(stem: &str, fuzzy: bool) -> Word {
        Word {
            stem: stem.into(),
            exact: stem.into(),
            position: 0,
            fuzzy,
        }
    }

    #[test]
    fn marks_and_escapes() {
        let a = french();
        let words = [word("partenariat", false)];
        let h = Highlighter::new(&a, &words);
        assert_eq!(
            h.title_html("<script>Les partenariats</script> & \"co\""),
            "&lt;script&gt;Les <mark>partenariats</mark>&lt;/script&gt; &amp; &quot;co&quot;"
        );
        assert_eq!(h.snippet_html("", ""), "");
        assert_eq!(h.snippet_html("Un   résumé\n", ""), "Un résumé");
    }

    #[test]
    fn typos_in_the_unstemmed_form_are_marked_when_asked() {
        let (a, exact) = (french(), crate::analysis::french_exact());
        // « vieillisement » : stem `vieillis`, unstemmed `vieillisement`.
        let words = [Word {
            stem: "vieillis".into(),
            exact: "vieillisement".into(),
            position: 0,
            fuzzy: true,
        }];
        let text = "Face au vieillissement de la population";
        let h = Highlighter::new(&a, &words);
        assert_eq!(h.title_html(text), text);
        let h = h.with_exact_typos(&exact);
        assert_eq!(
            h.title_html(text),
            "Face au <mark>vieillissement</mark> de la population"
        );
    }

    #[test]
    fn snippet_is_a_window_around_matches() {
        let a = french();
        let words = [word("evalu", true)];
        let h = Highlighter::new(&a, &words);
        let body = format!(
            "{} Il faut évaluer l'utilité. {}",
            "Préambule sans rapport. ".repeat(20),
            "Suite du texte. ".repeat(30)
        );
        let s = h.snippet_html("", &body);
        assert!(s.starts_with("… "), "{s}");
        assert!(s.ends_with(" …"), "{s}");
        assert!(s.contains("<mark>évaluer</mark>"), "{s}");
        assert!(s.chars().count() <= SNIPPET_CHARS + 30, "{s}");
    }
}
