//! A small one-page PDF for an example resource of the demonstration, so that « Télécharger »
//! gives a real document there: its title, its paragraphs, and the notice « données
//! d'exemple » on top. Helvetica (one of the PDF base fonts, nothing embedded) in
//! WinAnsiEncoding, which covers French; the document states its title and language.

use crate::choropleth::wrap;
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str, TextStr};

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 64.0;

/// A character in WinAnsiEncoding (Windows-1252); what it lacks becomes « ? ».
fn win_ansi(c: char) -> u8 {
    match c {
        '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{ff}' => c as u32 as u8,
        '€' => 0x80,
        '‚' => 0x82,
        '„' => 0x84,
        '…' => 0x85,
        'Œ' => 0x8c,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        'œ' => 0x9c,
        'Ÿ' => 0x9f,
        '\u{202f}' => 0xa0,
        _ => b'?',
    }
}

/// One A4 page: `notice` (small, on top), `title` (large) and `paragraphs`, in `lang`
/// (`fr`). Text that does not fit on the page is left out.
pub fn example_pdf(notice: &str, title: &str, paragraphs: &[&str], lang: &str) -> Vec<u8> {
    let (catalog, tree, page, font, bold, content, info) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
        Ref::new(6),
        Ref::new(7),
    );
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree).lang(TextStr(lang));
    pdf.pages(tree).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT));
    p.parent(tree);
    p.contents(content);
    p.resources()
        .fonts()
        .pair(Name(b"F1"), font)
        .pair(Name(b"F2"), bold);
    drop(p);
    for (id, name) in [(font, b"Helvetica".as_slice()), (bold, b"Helvetica-Bold")] {
        pdf.type1_font(id)
            .base_font(Name(name))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.document_info(info).title(TextStr(title));

    let mut c = Content::new();
    let mut y = HEIGHT - MARGIN;
    let line = |c: &mut Content, text: &str, font: &[u8], size: f32, y: &mut f32| {
        if *y < MARGIN {
            return;
        }
        let bytes: Vec<u8> = text.chars().map(win_ansi).collect();
        c.begin_text();
        c.set_font(Name(font), size);
        c.next_line(MARGIN, *y);
        c.show(Str(&bytes));
        c.end_text();
        *y -= size * 1.45;
    };
    for l in wrap(notice, 90) {
        line(&mut c, &l, b"F1", 9.0, &mut y);
    }
    y -= 12.0;
    for l in wrap(title, 48) {
        line(&mut c, &l, b"F2", 18.0, &mut y);
    }
    y -= 8.0;
    for para in paragraphs {
        for l in wrap(para, 82) {
            line(&mut c, &l, b"F1", 11.0, &mut y);
        }
        y -= 8.0;
    }
    pdf.stream(content, &c.finish());
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_pdf_with_its_title() {
        let bytes = example_pdf(
            "Données d'exemple — ce document ne décrit aucun projet réel.",
            "Fiche outil : animer un tiers-lieu « en milieu rural »",
            &["Première étape : réunir les acteurs du territoire. "
                .repeat(5)
                .as_str()],
            "fr",
        );
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(bytes.ends_with(b"%%EOF") || bytes.ends_with(b"%%EOF\n"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/WinAnsiEncoding"));
        assert!(text.contains("/Lang"));
        // One byte a character in WinAnsiEncoding, French included.
        assert_eq!(win_ansi('é'), 0xe9);
        assert_eq!(win_ansi('«'), 0xab);
        assert_eq!(win_ansi('’'), 0x92);
        assert_eq!(win_ansi('œ'), 0x9c);
        assert_eq!(win_ansi('☃'), b'?');
    }

    #[test]
    fn lines_wrap_at_spaces() {
        assert_eq!(wrap("un deux trois", 7), vec!["un deux", "trois"]);
        assert!(wrap("", 10).is_empty());
    }
}
