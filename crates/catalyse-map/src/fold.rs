//! Name folding for the list order: lower case, French accents dropped, ligatures expanded.
//! An approximation of a French collation's first level that needs no tables.

use std::cmp::Ordering;

/// The folded form of one character: up to three characters, `'\0'`-padded.
#[inline]
fn fold_char(c: char) -> [char; 3] {
    if c.is_ascii() {
        return [c.to_ascii_lowercase(), '\0', '\0'];
    }
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' | 'Ÿ' => 'y',
        'œ' | 'Œ' => return ['o', 'e', '\0'],
        'æ' | 'Æ' => return ['a', 'e', '\0'],
        'ß' => return ['s', 's', '\0'],
        _ => {
            let mut out = ['\0'; 3];
            for (slot, l) in out.iter_mut().zip(c.to_lowercase()) {
                *slot = l;
            }
            return out;
        }
    };
    [base, '\0', '\0']
}

/// The folded characters of a name.
pub(crate) fn folded(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .flat_map(|c| fold_char(c).into_iter().filter(|&c| c != '\0'))
}

/// The first 16 bytes of the folded name's UTF-8, big-endian, zero-padded: comparing these
/// keys agrees with comparing the folded names (UTF-8 byte order is code point order).
pub(crate) fn prefix_key(s: &str) -> u128 {
    let mut key = [0u8; 16];
    let mut n = 0;
    let mut buf = [0u8; 4];
    'outer: for c in folded(s) {
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            if n == 16 {
                break 'outer;
            }
            key[n] = b;
            n += 1;
        }
    }
    u128::from_be_bytes(key)
}

/// Compares two names by their folded forms.
pub(crate) fn cmp_folded(a: &str, b: &str) -> Ordering {
    folded(a).cmp(folded(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_french() {
        assert_eq!(folded("Élodie Œuvre").collect::<String>(), "elodie oeuvre");
        assert_eq!(cmp_folded("élodie", "Elodie"), Ordering::Equal);
        assert_eq!(cmp_folded("Émile", "Enzo"), Ordering::Less);
        assert!(prefix_key("Émile") < prefix_key("Enzo"));
        assert_eq!(
            prefix_key("abcdefghijklmnopqr"),
            prefix_key("ABCDEFGHIJKLMNOPzz")
        );
    }
}
