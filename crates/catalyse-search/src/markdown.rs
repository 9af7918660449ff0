//! The words of a Markdown body, without its markup, for indexing and snippets.

use pulldown_cmark::{Event, Parser, TagEnd};

/// Plain text of a Markdown document: text and inline code kept, link targets, images'
/// addresses and raw HTML dropped, one space or line break between blocks.
pub(crate) fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_),
            ) => out.push('\n'),
            _ => {}
        }
    }
    let trimmed = out.trim();
    if trimmed.len() == out.len() {
        out
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_dropped() {
        let text = plain_text(
            "# Titre\n\nUn **guide** et [un lien](https://exemple.fr/x).\n\n<script>x</script>\n\n- point",
        );
        assert_eq!(text, "Titre\nUn guide et un lien.\npoint");
    }
}
