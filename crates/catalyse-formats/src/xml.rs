//! XML text and attribute escaping, shared by the OAI-PMH replies, the Atom feeds and the
//! SVG the web crate draws (an autodiagnostic's chart).

/// Whether a character may appear in an XML 1.0 document (C0 and C1 controls are dropped too:
/// they are only ever mojibake in our texts).
fn xml_char(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => true,
        '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{FFFE}' | '\u{FFFF}' => false,
        _ => true,
    }
}

/// `s` without the characters that XML 1.0 forbids (or discourages: C1 controls).
pub(crate) fn clean(s: &str) -> String {
    s.chars().filter(|&c| xml_char(c)).collect()
}

/// Escapes `s` for XML text, dropping the characters XML 1.0 forbids.
pub fn escape(s: &str) -> String {
    escape_as(s, false)
}

/// Escapes `s` for a double- or single-quoted XML attribute (white space kept as is),
/// dropping the characters XML 1.0 forbids.
pub(crate) fn escape_attr(s: &str) -> String {
    escape_as(s, true)
}

fn escape_as(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attr => out.push_str("&#9;"),
            '\n' if attr => out.push_str("&#10;"),
            c if xml_char(c) => out.push(c),
            _ => {}
        }
    }
    out
}
