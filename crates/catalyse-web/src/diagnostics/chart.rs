//! The levers' profile as an SVG bar chart, drawn on the server: one bar a lever (out of
//! 100), the threshold under which a lever is « à renforcer » as a dashed line, every value
//! written beside its bar. The chart is an image with a title and a description; the table
//! beside it on the page carries the same figures for screen readers and for print.

use catalyse_core::diagnostics::LeverScore;

const WIDTH: u32 = 640;
const LABEL: u32 = 250;
const BAR: u32 = 22;
const GAP: u32 = 14;
const TOP: u32 = 28;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The chart's markup (trusted: every text in it is escaped here). `title` and `desc` are
/// the image's accessible name and description.
pub fn bars(scores: &[LeverScore], weak_below: u8, title: &str, desc: &str) -> String {
    let span = WIDTH - LABEL - 60;
    let x = |v: u32| LABEL + span * v / 100;
    let height = TOP + (BAR + GAP) * scores.len() as u32 + 10;
    let mut out = format!(
        "<svg class=\"diag-chart\" role=\"img\" aria-labelledby=\"graphique-titre graphique-desc\" \
         viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"graphique-titre\">{}</title><desc id=\"graphique-desc\">{}</desc>",
        escape(title),
        escape(desc)
    );
    for v in [0u32, 50, 100] {
        out.push_str(&format!(
            "<text x=\"{}\" y=\"16\" font-size=\"12\" text-anchor=\"middle\" fill=\"#3a3a3a\">{v}</text>",
            x(v)
        ));
    }
    for (i, s) in scores.iter().enumerate() {
        let y = TOP + (BAR + GAP) * i as u32;
        let value = s.score.map_or(0, u32::from);
        let (fill, said) = match (s.score, s.weak) {
            (None, _) => ("#d0d0d0", "non évalué".to_string()),
            (Some(v), true) => ("#b34e00", format!("{v} / 100, à renforcer")),
            (Some(v), false) => ("#1b5e8c", format!("{v} / 100")),
        };
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"end\" fill=\"#161616\">{}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{span}\" height=\"{BAR}\" fill=\"#f0f0f0\"/>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{}\" height=\"{BAR}\" fill=\"{fill}\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#161616\">{}</text>",
            LABEL - 8,
            y + 16,
            escape(&s.name),
            span * value / 100,
            x(value) + 4,
            y + 16,
            escape(&said)
        ));
    }
    let t = x(u32::from(weak_below));
    out.push_str(&format!(
        "<line x1=\"{t}\" y1=\"{}\" x2=\"{t}\" y2=\"{}\" stroke=\"#161616\" stroke-width=\"2\" \
         stroke-dasharray=\"4 3\"/></svg>",
        TOP - 6,
        height - 6
    ));
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
        assert!(svg.contains("25 / 100, à renforcer"));
        assert!(
            !svg.contains("style="),
            "no inline style: the CSP forbids them"
        );
    }
}
