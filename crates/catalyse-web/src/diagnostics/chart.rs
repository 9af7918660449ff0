//! The levers' profile as an SVG bar chart, drawn on the server: one bar a lever (out of
//! 100), the threshold under which a lever is « à renforcer » as a dashed line, every value
//! written beside its bar. The chart is an image with a title and a description; the table
//! beside it on the page carries the same figures for screen readers and for print.

use catalyse_core::diagnostics::LeverScore;
use catalyse_formats::xml::escape;

const WIDTH: u32 = 400;
/// Each row: the lever's name and score on a line, its bar under it.
const ROW: u32 = 52;
const BAR: u32 = 18;
const TOP: u32 = 22;

/// The chart's markup (trusted: every text in it is escaped here). `title` and `desc` are
/// the image's accessible name and description. Narrow (400 units) so that its text stays
/// legible on a phone; the stylesheet caps its width on a desktop.
pub fn bars(scores: &[LeverScore], weak_below: u8, title: &str, desc: &str) -> String {
    let x = |v: u32| WIDTH * v / 100;
    let height = TOP + ROW * scores.len() as u32;
    let mut out = format!(
        "<svg class=\"diag-chart\" role=\"img\" aria-labelledby=\"graphique-titre graphique-desc\" \
         viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"graphique-titre\">{}</title><desc id=\"graphique-desc\">{}</desc>",
        escape(title),
        escape(desc)
    );
    for (v, anchor) in [(0u32, "start"), (50, "middle"), (100, "end")] {
        out.push_str(&format!(
            "<text x=\"{}\" y=\"14\" font-size=\"13\" text-anchor=\"{anchor}\" fill=\"#3a3a3a\">{v}</text>",
            x(v)
        ));
    }
    for (i, s) in scores.iter().enumerate() {
        let y = TOP + ROW * i as u32;
        let value = s.score.map_or(0, u32::from);
        let (fill, said) = match s.score {
            None => ("#d0d0d0", "non évalué".to_string()),
            Some(v) if s.weak => ("#b34e00", format!("{v} / 100")),
            Some(v) => ("#1b5e8c", format!("{v} / 100")),
        };
        out.push_str(&format!(
            "<text x=\"0\" y=\"{}\" font-size=\"15\" fill=\"#161616\">{} : <tspan font-weight=\"bold\">{}</tspan></text>\
             <rect x=\"0\" y=\"{}\" width=\"{WIDTH}\" height=\"{BAR}\" fill=\"#ececec\"/>\
             <rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{BAR}\" fill=\"{fill}\"/>",
            y + 15,
            escape(&s.name),
            escape(&said),
            y + 22,
            y + 22,
            x(value),
        ));
        if s.weak {
            out.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"end\" fill=\"#161616\">à renforcer</text>",
                WIDTH - 4,
                y + 36
            ));
        }
    }
    // The threshold, over each bar (not across the names).
    let t = x(u32::from(weak_below));
    for i in 0..scores.len() as u32 {
        let y = TOP + ROW * i + 22;
        out.push_str(&format!(
            "<line x1=\"{t}\" y1=\"{}\" x2=\"{t}\" y2=\"{}\" stroke=\"#161616\" \
             stroke-width=\"2\" stroke-dasharray=\"4 3\"/>",
            y - 3,
            y + BAR + 3
        ));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_names_itself_and_escapes_what_it_writes() {
        let s = LeverScore {
            lever: "l".into(),
            name: "A <b> & « c »".into(),
            points: 1,
            max: 4,
            score: Some(25),
            weak: true,
            answered: 1,
        };
        let svg = bars(&[s], 50, "Profil", "Un levier à renforcer");
        assert!(svg.starts_with("<svg class=\"diag-chart\" role=\"img\""));
        assert!(svg.contains("<title id=\"graphique-titre\">Profil</title>"));
        assert!(svg.contains("A &lt;b&gt; &amp; « c »"));
        assert!(svg.contains("25 / 100</tspan>") && svg.contains(">à renforcer</text>"));
        assert!(
            !svg.contains("style="),
            "no inline style: the CSP forbids them"
        );
    }
}
