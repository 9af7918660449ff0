//! From what a user typed to a tantivy query, without tantivy's query syntax: every character
//! of the input is text.
//!
//! Per query word (after analysis), in the indexes of documents with a title, a summary and a
//! body (the resource centre, the case studies; see [`TextFields`]): its stem in title (×3),
//! summary (×2), body (×1) and the index's other fields (resources: authors and themes; cases:
//! actors and territory), its exact (unstemmed) form in the title, one-edit variants for words
//! of 5 letters or more (constant, lower score). A document matching a word gets
//! [`WORD_MATCH`] on top, so that documents matching more words always rank first. Phrase
//! clauses (with slop) on title and summary reward the words found together; labels (the
//! resources' nature, sub-group and format, the cases' levers, fragilities…) count a little.
//!
//! The member directory's queries ([`crate::members`]) share the pieces: paging, filters,
//! term, one-edit and phrase clauses, [`WORD_MATCH`].

use std::fmt;

use tantivy::collector::TopDocs;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, EnableScoring, Explanation,
    FuzzyTermQuery, Occur, PhraseQuery, Query, Scorer, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocId, DocSet, Score, SeekDangerResult, SegmentReader, Term, COLLECT_BLOCK_BUFFER_LEN,
};

use crate::analysis::analyse;
use crate::{DEFAULT_PER_PAGE, MAX_OFFSET, MAX_PER_PAGE};

/// Longest query text considered, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most words considered in a query.
pub const MAX_QUERY_WORDS: usize = 12;

/// Added once per query word a document matches: more than any relevance difference.
pub(crate) const WORD_MATCH: Score = 1000.0;
/// Score of a one-edit variant, relative to the field's boost.
const FUZZY_FACTOR: Score = 0.4;
/// Words of this many letters or more tolerate one typo.
const FUZZY_MIN_LETTERS: usize = 5;
const PHRASE_SLOP: u32 = 3;

pub(crate) const TITLE_BOOST: Score = 3.0;
pub(crate) const SUMMARY_BOOST: Score = 2.0;
pub(crate) const BODY_BOOST: Score = 1.0;
pub(crate) const EXACT_TITLE_BOOST: Score = 1.0;

/// One analysed query word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    /// As indexed in the stemmed fields.
    pub stem: String,
    /// Folded, unstemmed.
    pub exact: String,
    pub position: usize,
    /// Tolerates one edit.
    pub fuzzy: bool,
}

pub(crate) enum Analysed {
    /// Nothing to search for: list everything that matches the filters.
    Browse,
    /// Only stop words or over-long tokens: nothing can match.
    Nothing,
    Words(Vec<Word>),
}

impl Analysed {
    /// The words, none when browsing or when nothing can match.
    pub fn words(&self) -> &[Word] {
        match self {
            Analysed::Words(words) => words,
            _ => &[],
        }
    }

    /// Everything when browsing, nothing when nothing can match, else `text_query` of the
    /// words.
    pub fn query(&self, text_query: impl FnOnce(&[Word]) -> Box<dyn Query>) -> Box<dyn Query> {
        match self {
            Analysed::Browse => Box::new(AllQuery),
            Analysed::Nothing => Box::new(EmptyQuery),
            Analysed::Words(words) => text_query(words),
        }
    }
}

pub(crate) fn analyse_query(exact: &TextAnalyzer, stemmer: &TextAnalyzer, text: &str) -> Analysed {
    let text = match text.char_indices().nth(MAX_QUERY_CHARS) {
        Some((cut, _)) => &text[..cut],
        None => text,
    };
    if !text.chars().any(char::is_alphanumeric) {
        return Analysed::Browse;
    }
    let words: Vec<Word> = analyse(exact, text)
        .into_iter()
        .take(MAX_QUERY_WORDS)
        .filter_map(|t| {
            let stem = analyse(stemmer, &t.text).into_iter().next()?.text;
            let fuzzy = t.text.chars().count() >= FUZZY_MIN_LETTERS
                && t.text.chars().all(char::is_alphabetic)
                && stem.chars().count() >= 4;
            Some(Word {
                stem,
                exact: t.text,
                position: t.position,
                fuzzy,
            })
        })
        .collect();
    if words.is_empty() {
        Analysed::Nothing
    } else {
        Analysed::Words(words)
    }
}

/// The collector of a page of results: 1-based `page` (0 is taken as 1), `per_page` hits (0 is
/// taken as [`DEFAULT_PER_PAGE`], at most [`MAX_PER_PAGE`]), no deeper than [`MAX_OFFSET`].
pub(crate) fn page(page: u32, per_page: u32) -> TopDocs {
    let (limit, offset) = page_bounds(page, per_page);
    TopDocs::with_limit(limit).and_offset(offset)
}

/// The hits of a page, as [`page`] takes them: `(limit, offset)`.
pub(crate) fn page_bounds(page: u32, per_page: u32) -> (usize, usize) {
    let per_page = match per_page {
        0 => DEFAULT_PER_PAGE,
        n => n.min(MAX_PER_PAGE),
    };
    let offset = page
        .max(1)
        .saturating_sub(1)
        .saturating_mul(per_page)
        .min(MAX_OFFSET);
    (per_page as usize, offset as usize)
}

/// `query` restricted to the matches of `filter`, which adds nothing to the scores.
pub(crate) fn filtered(query: Box<dyn Query>, filter: Option<Box<dyn Query>>) -> Box<dyn Query> {
    match filter {
        None => query,
        Some(filter) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, query),
            (Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))),
        ])),
    }
}

/// The documents with `term` in its field, as indexed (a key or a boolean), without scoring.
pub(crate) fn exactly(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

/// The documents with one of `values` (as given) in the key field `field`, or `None` when there
/// is none: a filter, OR within one facet.
pub(crate) fn any_of<'v>(
    field: Field,
    values: impl IntoIterator<Item = &'v str>,
) -> Option<Box<dyn Query>> {
    let any: Vec<(Occur, Box<dyn Query>)> = values
        .into_iter()
        .map(|v| (Occur::Should, exactly(Term::from_field_text(field, v))))
        .collect();
    if any.is_empty() {
        None
    } else {
        Some(Box::new(BooleanQuery::new(any)))
    }
}

/// All of `must` as one query, or `None` when there is none.
pub(crate) fn all_of(must: Vec<(Occur, Box<dyn Query>)>) -> Option<Box<dyn Query>> {
    if must.is_empty() {
        None
    } else {
        Some(Box::new(BooleanQuery::new(must)))
    }
}

/// The words, each stem once (its first occurrence).
pub(crate) fn distinct(words: &[Word]) -> impl Iterator<Item = &Word> {
    let mut seen: Vec<&str> = Vec::new();
    words.iter().filter(move |w| {
        if seen.contains(&w.stem.as_str()) {
            false
        } else {
            seen.push(&w.stem);
            true
        }
    })
}

fn boosted(query: impl Query, boost: Score) -> Box<dyn Query> {
    Box::new(BoostQuery::new(Box::new(query), boost))
}

pub(crate) fn term(field: Field, text: &str, boost: Score) -> Box<dyn Query> {
    boosted(
        TermQuery::new(
            Term::from_field_text(field, text),
            IndexRecordOption::WithFreqs,
        ),
        boost,
    )
}

/// One-edit variants of `stem` in `field`, at [`FUZZY_FACTOR`] of the field's `boost`.
pub(crate) fn fuzzy(field: Field, stem: &str, boost: Score) -> Box<dyn Query> {
    let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, stem), 1, true);
    boosted(fuzzy, boost * FUZZY_FACTOR)
}

/// The searched fields of an index whose documents have a title, a summary and a body (the
/// resource centre, the case studies).
pub(crate) struct TextFields<'a> {
    /// Stemmed, with positions: ×[`TITLE_BOOST`], and phrases.
    pub title: Field,
    /// Folded, unstemmed: the exact word form, ×[`EXACT_TITLE_BOOST`].
    pub title_exact: Field,
    /// Stemmed, with positions: ×[`SUMMARY_BOOST`], and phrases.
    pub summary: Field,
    /// Stemmed: ×[`BODY_BOOST`].
    pub body: Field,
    /// More stemmed fields in which a word counts as matched, with their boosts.
    pub more: &'a [(Field, Score)],
    /// Stemmed labels that add a little to the score without counting as a matched word.
    pub labels: &'a [(Field, Score)],
    /// Unstemmed fields (of [`FRENCH_EXACT`](crate::analysis::FRENCH_EXACT)) in which a word
    /// that tolerates a typo also matches with one typo in its unstemmed form: a typo in a
    /// suffix changes the stem too much (« vieillisement » stems to `vieillis`,
    /// « vieillissement » to `vieil`).
    pub exact_typos: &'a [(Field, Score)],
}

/// The relevance query of the words (never empty).
pub(crate) fn text_query(f: &TextFields<'_>, words: &[Word]) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for w in distinct(words) {
        let mut per_word: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Should, term(f.title, &w.stem, TITLE_BOOST)),
            (Occur::Should, term(f.summary, &w.stem, SUMMARY_BOOST)),
            (Occur::Should, term(f.body, &w.stem, BODY_BOOST)),
        ];
        for &(field, boost) in f.more {
            per_word.push((Occur::Should, term(field, &w.stem, boost)));
        }
        per_word.push((
            Occur::Should,
            term(f.title_exact, &w.exact, EXACT_TITLE_BOOST),
        ));
        if w.fuzzy {
            for (field, boost) in [
                (f.title, TITLE_BOOST),
                (f.summary, SUMMARY_BOOST),
                (f.body, BODY_BOOST),
            ] {
                per_word.push((Occur::Should, fuzzy(field, &w.stem, boost)));
            }
            for &(field, boost) in f.exact_typos {
                per_word.push((Occur::Should, fuzzy(field, &w.exact, boost)));
            }
        }
        clauses.push((
            Occur::Should,
            Box::new(PlusConst {
                inner: Box::new(BooleanQuery::new(per_word)),
                add: WORD_MATCH,
            }),
        ));
        for &(field, boost) in f.labels {
            clauses.push((Occur::Should, term(field, &w.stem, boost)));
        }
    }
    if words.len() >= 2 {
        for (field, boost) in [(f.title, TITLE_BOOST), (f.summary, SUMMARY_BOOST)] {
            clauses.push((Occur::Should, phrase(field, words, boost)));
            if words.len() >= 3 {
                for pair in words.windows(2) {
                    clauses.push((Occur::Should, phrase(field, pair, boost / 2.0)));
                }
            }
        }
    }
    Box::new(BooleanQuery::new(clauses))
}

/// The words near each other, in order, in `field` (at least two words).
pub(crate) fn phrase(field: Field, words: &[Word], boost: Score) -> Box<dyn Query> {
    let first = words[0].position;
    let terms = words
        .iter()
        .map(|w| {
            (
                w.position.saturating_sub(first),
                Term::from_field_text(field, &w.stem),
            )
        })
        .collect();
    boosted(
        PhraseQuery::new_with_offset_and_slop(terms, PHRASE_SLOP),
        boost,
    )
}

/// Adds a constant to the score of every document its inner query matches.
struct PlusConst {
    inner: Box<dyn Query>,
    add: Score,
}

impl Clone for PlusConst {
    fn clone(&self) -> Self {
        PlusConst {
            inner: self.inner.box_clone(),
            add: self.add,
        }
    }
}

impl fmt::Debug for PlusConst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PlusConst(add={}, {:?})", self.add, self.inner)
    }
}

impl Query for PlusConst {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let scoring = enable_scoring.is_scoring_enabled();
        let inner = self.inner.weight(enable_scoring)?;
        Ok(if scoring {
            Box::new(PlusConstWeight {
                inner,
                add: self.add,
            })
        } else {
            inner
        })
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct PlusConstWeight {
    inner: Box<dyn Weight>,
    add: Score,
}

impl Weight for PlusConstWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(PlusConstScorer {
            inner: self.inner.scorer(reader, boost)?,
            add: self.add * boost,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let inner = self.inner.explain(reader, doc)?;
        let mut explanation = Explanation::new("word matched", self.add + inner.value());
        explanation.add_const("per matched word", self.add);
        explanation.add_detail(inner);
        Ok(explanation)
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.inner.count(reader)
    }
}

struct PlusConstScorer {
    inner: Box<dyn Scorer>,
    add: Score,
}

impl DocSet for PlusConstScorer {
    fn advance(&mut self) -> DocId {
        self.inner.advance()
    }
    fn seek(&mut self, target: DocId) -> DocId {
        self.inner.seek(target)
    }
    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        self.inner.seek_danger(target)
    }
    fn fill_buffer(&mut self, buffer: &mut [DocId; COLLECT_BLOCK_BUFFER_LEN]) -> usize {
        self.inner.fill_buffer(buffer)
    }
    fn doc(&self) -> DocId {
        self.inner.doc()
    }
    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }
    fn cost(&self) -> u64 {
        self.inner.cost()
    }
}

impl Scorer for PlusConstScorer {
    fn score(&mut self) -> Score {
        self.inner.score() + self.add
    }
}
