//! The image of an achievement, drawn by the platform: a hexagon in its group's colour, the
//! group's word on top, its name in the middle (wrapped on up to four lines), a star below.
//! An SVG of about 1 KB, the same bytes for the same name and group (so that shared caches
//! and wallets keep it), with a `<title>` that names it for screen readers.

use super::catalogue::Group;

/// The largest width of a line, in characters, for each font size tried (largest first).
const SIZES: [(usize, u32); 3] = [(13, 20), (16, 17), (20, 14)];
/// The most lines the name takes.
const MAX_LINES: usize = 4;

/// Escapes text for an SVG (XML) document.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `text` cut into lines of at most `width` characters, at spaces (a longer word is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let rest = word.split_off(width);
            lines.push(word.into_iter().collect());
            word = rest;
        }
        let word: String = word.into_iter().collect();
        let len = line.chars().count();
        if len == 0 {
            line = word;
        } else if len + 1 + word.chars().count() <= width {
            line.push(' ');
            line.push_str(&word);
        } else {
            lines.push(std::mem::replace(&mut line, word));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The name's lines and their font size: the largest size whose lines fit, else the
/// smallest, its last line ending in « … ».
fn layout(name: &str) -> (Vec<String>, u32) {
    for (width, size) in SIZES {
        let lines = wrap(name, width);
        // Three lines at most at a larger size, four at the smallest.
        if lines.len() < MAX_LINES || (size == SIZES[SIZES.len() - 1].1 && lines.len() <= MAX_LINES)
        {
            return (lines, size);
        }
    }
    let (width, size) = SIZES[SIZES.len() - 1];
    let mut lines = wrap(name, width);
    lines.truncate(MAX_LINES);
    if let Some(last) = lines.last_mut() {
        let mut chars: Vec<char> = last.chars().collect();
        chars.truncate(width - 1);
        *last = chars.into_iter().collect::<String>().trim_end().to_string() + "…";
    }
    (lines, size)
}

/// The SVG of an achievement named `name`, of `group`.
pub fn svg(name: &str, group: Group) -> String {
    let (lines, size) = layout(name.trim());
    let line_height = size + size / 4;
    let n = lines.len().max(1) as u32;
    // The block of lines centred on y = 124; `dy` moves each line's baseline down.
    let first = 124 + size * 7 / 20 - (n - 1) * line_height / 2;
    let mut text = String::new();
    for (i, line) in lines.iter().enumerate() {
        let dy = if i == 0 { 0 } else { line_height };
        text.push_str(&format!(
            "<tspan x=\"120\" dy=\"{dy}\">{}</tspan>",
            xml(line)
        ));
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"240\" height=\"240\" \
         viewBox=\"0 0 240 240\" role=\"img\" aria-labelledby=\"titre\">\
         <title id=\"titre\">{title}</title>\
         <polygon points=\"120,4 220,62 220,178 120,236 20,178 20,62\" fill=\"{colour}\"/>\
         <polygon points=\"120,16 209,68 209,172 120,224 31,172 31,68\" fill=\"none\" \
         stroke=\"#fff\" stroke-width=\"3\"/>\
         <g fill=\"#fff\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" \
         text-anchor=\"middle\">\
         <text x=\"120\" y=\"60\" font-size=\"13\" font-weight=\"700\" letter-spacing=\"2\">{word}</text>\
         <text x=\"120\" y=\"{first}\" font-size=\"{size}\" font-weight=\"700\">{text}</text>\
         <polygon points=\"120,186 123,194 131,194 125,199 127,207 120,202 113,207 115,199 109,194 117,194\"/>\
         </g></svg>",
        title = xml(name.trim()),
        colour = group.colour(),
        word = group.word(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_wrapped_escaped_and_titled() {
        let s = svg(
            "Webinaire « Définir sa stratégie » & <co>",
            Group::Webinaires,
        );
        assert!(s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(s.contains(
            "<title id=\"titre\">Webinaire « Définir sa stratégie » &amp; &lt;co&gt;</title>"
        ));
        assert!(!s.contains("<co>"));
        assert!(s.contains("WEBINAIRE"));
        assert_eq!(
            s,
            svg(
                "Webinaire « Définir sa stratégie » & <co>",
                Group::Webinaires
            )
        );
        assert!(s.len() < 2_000, "{} bytes", s.len());
    }

    #[test]
    fn long_names_get_smaller_then_cut() {
        assert_eq!(
            wrap("Cycle des 7 leviers", 13),
            vec!["Cycle des 7", "leviers"]
        );
        assert_eq!(wrap("Anticonstitutionnellement", 10).len(), 3);
        let (lines, size) = layout("Cycle des 7 leviers");
        assert_eq!((lines.len(), size), (2, 20));
        let long = "Mot ".repeat(40);
        let (lines, size) = layout(&long);
        assert_eq!((lines.len(), size), (4, 14));
        assert!(lines[3].ends_with('…'));
        for l in &lines {
            assert!(l.chars().count() <= 20, "{l}");
        }
    }
}
