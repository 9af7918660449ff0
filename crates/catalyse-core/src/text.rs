//! Text folding shared by search and slugs: lowercase, accents removed, punctuation as spaces.

use unicode_normalization::UnicodeNormalization;

/// Folds a name for accent- and case-insensitive matching:
/// « L'Abergement-Clémentiat » → « l abergement clementiat ».
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'œ' | 'Œ' => {
                push(&mut out, &mut pending_space, 'o');
                'e'
            }
            'æ' | 'Æ' => {
                push(&mut out, &mut pending_space, 'a');
                'e'
            }
            'ß' => 's',
            _ => c,
        };
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                push(&mut out, &mut pending_space, l);
            }
        } else if !out.is_empty() {
            pending_space = true;
        }
    }
    out
}

fn push(out: &mut String, pending_space: &mut bool, c: char) {
    if *pending_space {
        out.push(' ');
        *pending_space = false;
    }
    out.push(c);
}

/// A URL slug: the folded text with hyphens, « Saint-Étienne » → « saint-etienne ».
pub fn slugify(input: &str) -> String {
    fold(input).replace(' ', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_and_punctuation() {
        assert_eq!(fold("L'Abergement-Clémentiat"), "l abergement clementiat");
        assert_eq!(fold("  ÎLE-DE-FRANCE "), "ile de france");
        assert_eq!(fold("Cœur d’Ostrevent"), "coeur d ostrevent");
        assert_eq!(slugify("Évaluer sa pertinence"), "evaluer-sa-pertinence");
    }
}
