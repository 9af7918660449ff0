//! French text analysis: words, elision, case and accent folding, stop words, Snowball stemming.
//! The same analysis is used on documents and on queries.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, Stemmer,
    StopWordFilter, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// Name of the stemmed French analyzer in the index's tokenizer manager.
pub(crate) const FRENCH: &str = "catalyse_fr";
/// Name of the unstemmed (folded) French analyzer: exact word forms score a little higher.
pub(crate) const FRENCH_EXACT: &str = "catalyse_fr_exact";

/// Words longer than this (in bytes) are not indexed: they are noise (hashes, glued URLs).
const MAX_TOKEN_BYTES: usize = 40;

/// Articles and pronouns that French elides before a vowel: « l'évaluation », « qu’il ».
const ELIDED: &[&str] = &[
    "l", "d", "qu", "j", "n", "s", "c", "m", "t", "lorsqu", "puisqu", "jusqu", "quoiqu",
];

/// French stop words, already folded (lowercase, no accents): Snowball's list (as tantivy
/// ships it) folded, plus a few very common forms.
fn stop_words() -> Vec<String> {
    let mut words: Vec<String> = tantivy_french_stop_words()
        .iter()
        .map(|w| catalyse_core::text::fold(w))
        .chain(
            [
                "a", "est", "sont", "cet", "aussi", "comme", "dont", "entre", "ou", "ainsi",
            ]
            .into_iter()
            .map(String::from),
        )
        .filter(|w| !w.is_empty() && !w.contains(' '))
        .collect();
    words.sort();
    words.dedup();
    words
}

fn tantivy_french_stop_words() -> &'static [&'static str] {
    // The same list as tantivy's `StopWordFilter::new(Language::French)` (Snowball), which is
    // not exported as a slice.
    &[
        "au", "aux", "avec", "ce", "ces", "dans", "de", "des", "du", "elle", "en", "et", "eux",
        "il", "je", "la", "le", "leur", "lui", "ma", "mais", "me", "même", "mes", "moi", "mon",
        "ne", "nos", "notre", "nous", "on", "ou", "par", "pas", "pour", "qu", "que", "qui", "sa",
        "se", "ses", "sur", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre",
        "vous", "c", "d", "j", "l", "à", "m", "n", "s", "t", "y", "étée", "étées", "étant", "suis",
        "es", "êtes", "sont", "serai", "seras", "sera", "serons", "serez", "seront", "serais",
        "serait", "serions", "seriez", "seraient", "étais", "était", "étions", "étiez", "étaient",
        "fus", "fut", "fûmes", "fûtes", "furent", "sois", "soit", "soyons", "soyez", "soient",
        "fusse", "fusses", "fussions", "fussiez", "fussent", "ayant", "eu", "eue", "eues", "eus",
        "ai", "avons", "avez", "ont", "aurai", "aurons", "aurez", "auront", "aurais", "aurait",
        "aurions", "auriez", "auraient", "avais", "avait", "aviez", "avaient", "eut", "eûmes",
        "eûtes", "eurent", "aie", "aies", "ait", "ayons", "ayez", "aient", "eusse", "eusses",
        "eût", "eussions", "eussiez", "eussent", "ceci", "cela", "celà", "cet", "cette", "ici",
        "ils", "les", "leurs", "quel", "quels", "quelle", "quelles", "sans", "soi",
    ]
}

/// The analyzer of the searchable text fields: words, elision removed, lowercase, accents
/// folded, stop words removed (positions keep their gap), French Snowball stem.
pub(crate) fn french() -> TextAnalyzer {
    TextAnalyzer::builder(FrenchTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(stop_words()))
        .filter(Stemmer::new(Language::French))
        .build()
}

/// Like [`french`] without stemming: the folded word forms.
pub(crate) fn french_exact() -> TextAnalyzer {
    TextAnalyzer::builder(FrenchTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(stop_words()))
        .build()
}

/// Stems one folded word.
pub(crate) fn stemmer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(Stemmer::new(Language::French))
        .build()
}

/// Splits on anything that is not a letter or a digit, and drops elided articles and pronouns
/// (« l' », « qu’ »…) without giving them a position.
#[derive(Clone, Default)]
pub(crate) struct FrenchTokenizer {
    token: Token,
}

pub(crate) struct FrenchTokenStream<'a> {
    text: &'a str,
    cursor: usize,
    next_position: usize,
    token: &'a mut Token,
}

impl Tokenizer for FrenchTokenizer {
    type TokenStream<'a> = FrenchTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> FrenchTokenStream<'a> {
        self.token.reset();
        FrenchTokenStream {
            text,
            cursor: 0,
            next_position: 0,
            token: &mut self.token,
        }
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '‘')
}

fn is_elided(word: &str) -> bool {
    word.len() <= 7 && ELIDED.iter().any(|e| e.eq_ignore_ascii_case(word))
}

impl TokenStream for FrenchTokenStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            let rest = &self.text[self.cursor..];
            let Some((start_rel, _)) = rest.char_indices().find(|(_, c)| c.is_alphanumeric())
            else {
                self.cursor = self.text.len();
                return false;
            };
            let start = self.cursor + start_rel;
            let end = self.text[start..]
                .char_indices()
                .find(|(_, c)| !c.is_alphanumeric())
                .map_or(self.text.len(), |(i, _)| start + i);
            self.cursor = end;
            let word = &self.text[start..end];
            let followed_by_apostrophe = self.text[end..].chars().next().is_some_and(is_apostrophe);
            let followed_by_letter = self.text[end..]
                .chars()
                .nth(1)
                .is_some_and(char::is_alphanumeric);
            if followed_by_apostrophe && followed_by_letter && is_elided(word) {
                continue;
            }
            self.token.text.clear();
            self.token.text.push_str(word);
            self.token.offset_from = start;
            self.token.offset_to = end;
            self.token.position = self.next_position;
            self.token.position_length = 1;
            self.next_position += 1;
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// One analysed token with where it was in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Analysed {
    pub text: String,
    pub position: usize,
    pub from: usize,
    pub to: usize,
}

pub(crate) fn analyse(analyzer: &TextAnalyzer, text: &str) -> Vec<Analysed> {
    let mut analyzer = analyzer.clone();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        out.push(Analysed {
            text: t.text.clone(),
            position: t.position,
            from: t.offset_from,
            to: t.offset_to,
        });
    }
    out
}

/// Is `a` at most one edit (insertion, deletion, substitution, transposition) from `b`?
pub(crate) fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    match long.len() - short.len() {
        0 => {
            let diffs: Vec<usize> = (0..short.len()).filter(|&i| short[i] != long[i]).collect();
            match diffs.as_slice() {
                [] | [_] => true,
                [i, j] => *j == i + 1 && short[*i] == long[*j] && short[*j] == long[*i],
                _ => false,
            }
        }
        1 => {
            let prefix = short
                .iter()
                .zip(long.iter())
                .take_while(|(x, y)| x == y)
                .count();
            short[prefix..] == long[prefix + 1..]
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        analyse(&french(), text)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn elision_folding_stop_words_and_stems() {
        assert_eq!(words("l'intérêt général"), words("interet generaux"));
        assert_eq!(words("L’évaluation"), vec!["evalu"]);
        assert_eq!(words("évaluer"), words("evaluer"));
        assert_eq!(words("partenariats"), words("partenariat"));
        assert_eq!(words("Guides pratiques"), words("guide pratique"));
        assert_eq!(words("lorsqu'il"), Vec::<String>::new());
        // A lone letter is kept when it is not elided: « vitamine C ».
        assert_eq!(words("plan B"), vec!["plan", "b"]);
        assert_eq!(words("\"(:*-"), Vec::<String>::new());
    }

    #[test]
    fn positions_skip_elisions_but_keep_stop_word_gaps() {
        let t = analyse(&french(), "l'utilité des partenariats");
        let p: Vec<(String, usize)> = t.into_iter().map(|t| (t.text, t.position)).collect();
        assert_eq!(p, vec![("utilit".into(), 0), ("partenariat".into(), 2)]);
    }

    #[test]
    fn one_edit() {
        assert!(within_one_edit("territorial", "territorial"));
        assert!(within_one_edit("colect", "collect"));
        assert!(within_one_edit("abcd", "abdc"));
        assert!(within_one_edit("abcd", "abxd"));
        assert!(!within_one_edit("abcd", "badc"));
        assert!(!within_one_edit("abcd", "ab"));
        assert!(within_one_edit("été", "ét"));
    }
}
