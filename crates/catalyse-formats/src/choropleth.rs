//! Choropleth maps rendered on the server as SVG: metropolitan regions or departments with the
//! overseas ones as insets, quantile classes in a colour-blind-safe sequential palette, every
//! area a link to its portrait whose accessible name carries its value. The data is always
//! also given as a table beside the map.

use catalyse_core::TerritoryLevel;
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt::Write;

#[derive(Deserialize)]
struct Area {
    code: String,
    name: String,
    d: String,
}

#[derive(Deserialize)]
struct Inset {
    code: String,
    name: String,
    #[serde(rename = "viewBox")]
    view_box: String,
    d: String,
}

#[derive(Deserialize)]
pub struct Shapes {
    pub attribution: String,
    #[serde(rename = "viewBox")]
    view_box: String,
    areas: Vec<Area>,
    insets: Vec<Inset>,
}

impl Shapes {
    /// Whether the map draws this territory (metropolitan or inset).
    pub fn has(&self, code: &str) -> bool {
        self.areas.iter().any(|a| a.code == code) || self.insets.iter().any(|i| i.code == code)
    }
}

/// A map with one area highlighted and the others plain: where a territory lies.
pub fn locator(shapes: &Shapes, code: &str, label: &str, title: &str, footer: &str) -> String {
    let highlight = [Class {
        colour: PALETTE[4],
        from: 1.0,
        to: 1.0,
    }];
    let values = HashMap::from([(
        code.to_string(),
        AreaValue {
            label: label.to_string(),
            value: Some(1.0),
            href: String::new(),
        },
    )]);
    render(shapes, &highlight, &values, title, "", Some(footer))
}

/// A point marked on a locator, inside the area `code`: at `fx`, `fy` of its outline's box (0
/// at the west and north edges, 1 at the east and south ones).
pub struct Marker<'a> {
    pub code: &'a str,
    pub fx: f64,
    pub fy: f64,
    pub label: &'a str,
}

/// Where a commune lies: its area (a department) light, and a point where the commune is.
pub fn locator_marked(
    shapes: &Shapes,
    label: &str,
    title: &str,
    footer: &str,
    marker: &Marker,
) -> String {
    let light = [Class {
        colour: PALETTE[1],
        from: 1.0,
        to: 1.0,
    }];
    let values = HashMap::from([(
        marker.code.to_string(),
        AreaValue {
            label: label.to_string(),
            value: Some(1.0),
            href: String::new(),
        },
    )]);
    render_marked(
        shapes,
        &light,
        &values,
        title,
        "",
        Some(footer),
        Some(marker),
    )
}

/// The box of an SVG path of absolute and relative moves and lines (M, m, L, l, H, h, V, v,
/// Z, z), as the shipped shapes write them: (min x, min y, max x, max y).
fn path_box(d: &str) -> Option<(f64, f64, f64, f64)> {
    let (mut x, mut y, mut start) = (0.0, 0.0, (0.0, 0.0));
    let mut b = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    let mut cmd = 'M';
    let mut args: Vec<f64> = Vec::new();
    let mut flush =
        |cmd: char, args: &mut Vec<f64>, x: &mut f64, y: &mut f64, start: &mut (f64, f64)| {
            let mut first = true;
            let step = if matches!(cmd, 'H' | 'h' | 'V' | 'v') {
                1
            } else {
                2
            };
            for a in args.chunks(step) {
                match (cmd, a) {
                    ('M', [ax, ay]) | ('L', [ax, ay]) => (*x, *y) = (*ax, *ay),
                    ('m', [dx, dy]) | ('l', [dx, dy]) => (*x, *y) = (*x + dx, *y + dy),
                    ('H', [ax]) => *x = *ax,
                    ('h', [dx]) => *x += dx,
                    ('V', [ay]) => *y = *ay,
                    ('v', [dy]) => *y += dy,
                    _ => continue,
                }
                if first && matches!(cmd, 'M' | 'm') {
                    *start = (*x, *y);
                }
                first = false;
                b = (b.0.min(*x), b.1.min(*y), b.2.max(*x), b.3.max(*y));
            }
            if matches!(cmd, 'Z' | 'z') {
                (*x, *y) = *start;
            }
            args.clear();
        };
    let mut number = String::new();
    let push = |number: &mut String, args: &mut Vec<f64>| {
        if let Ok(v) = number.parse() {
            args.push(v);
        }
        number.clear();
    };
    for c in d.chars() {
        match c {
            '0'..='9' => number.push(c),
            '.' if number.contains('.') => {
                push(&mut number, &mut args);
                number.push(c);
            }
            '.' => number.push(c),
            '-' => {
                push(&mut number, &mut args);
                number.push(c);
            }
            c if c.is_ascii_alphabetic() => {
                push(&mut number, &mut args);
                flush(cmd, &mut args, &mut x, &mut y, &mut start);
                cmd = c;
            }
            _ => push(&mut number, &mut args),
        }
    }
    push(&mut number, &mut args);
    flush(cmd, &mut args, &mut x, &mut y, &mut start);
    (b.0 <= b.2 && b.1 <= b.3).then_some(b)
}

/// The shapes shipped in `data/maps/` (see `data/README.md` for sources and licences).
pub struct Maps {
    pub regions: Shapes,
    pub departments: Shapes,
}

impl Maps {
    pub fn embedded() -> anyhow::Result<Maps> {
        Ok(Maps {
            regions: serde_json::from_str(include_str!("../../../data/maps/regions.json"))?,
            departments: serde_json::from_str(include_str!("../../../data/maps/departments.json"))?,
        })
    }

    /// The map that places a territory in France, and the area to highlight: a region or a
    /// department itself, an EPCI or a commune by its department.
    pub fn locate<'a>(&'a self, t: &'a catalyse_core::Territory) -> Option<(&'a Shapes, &'a str)> {
        let (shapes, code) = match t.level {
            TerritoryLevel::Region => (&self.regions, t.code.as_str()),
            TerritoryLevel::Department => (&self.departments, t.code.as_str()),
            _ => (&self.departments, t.department.as_deref()?),
        };
        shapes.has(code).then_some((shapes, code))
    }

    pub fn for_level(&self, level: TerritoryLevel) -> Option<&Shapes> {
        match level {
            TerritoryLevel::Region => Some(&self.regions),
            TerritoryLevel::Department => Some(&self.departments),
            _ => None,
        }
    }
}

/// Sequential blues (ColorBrewer « Blues », 5 classes): readable with every common form of
/// colour blindness, darker means more.
pub const PALETTE: [&str; 5] = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
pub const NO_DATA: &str = "#f2f2f2";
/// How an area without data is drawn on a map of values, and in its legend: grey hatching
/// on white, which no class of the palette can be mistaken for (the pattern is defined in
/// the map, which the page holds inline).
pub const NO_DATA_FILL: &str = "url(#sans-donnee)";
const NO_DATA_PATTERN: &str = "<defs><pattern id=\"sans-donnee\" width=\"5\" height=\"5\" \
     patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"5\" \
     height=\"5\" fill=\"#fff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"5\" stroke=\"#767676\" \
     stroke-width=\"1.4\"/></pattern></defs>";

/// One class of the legend: its colour and bounds.
pub struct Class {
    pub colour: &'static str,
    pub from: f64,
    pub to: f64,
}

/// Quantile classes (at most 5, fewer when there are few distinct values).
pub fn classes(values: &[f64]) -> Vec<Class> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return vec![];
    }
    v.sort_by(f64::total_cmp);
    let mut distinct = v.clone();
    distinct.dedup();
    let n = distinct.len().min(PALETTE.len());
    let mut bounds: Vec<f64> = (0..=n)
        .map(|i| {
            let pos = (i as f64 / n as f64) * (v.len() - 1) as f64;
            v[pos.round() as usize]
        })
        .collect();
    bounds.dedup();
    if bounds.len() == 1 {
        bounds.push(bounds[0]);
    }
    let offset = PALETTE.len() - (bounds.len() - 1);
    bounds
        .windows(2)
        .enumerate()
        .map(|(i, w)| Class {
            colour: PALETTE[offset + i],
            from: w[0],
            to: w[1],
        })
        .collect()
}

fn colour(classes: &[Class], value: Option<f64>) -> &'static str {
    let Some(v) = value else { return NO_DATA };
    classes
        .iter()
        .find(|c| v <= c.to)
        .or(classes.last())
        .map(|c| c.colour)
        .unwrap_or(NO_DATA)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What the map shows for one area.
pub struct AreaValue {
    pub label: String,
    pub value: Option<f64>,
    pub href: String,
}

/// The map as an SVG element. `values` is keyed by territory code; `describe` writes an
/// area's accessible name (« Ain : 679 344 habitants »).
pub fn render(
    shapes: &Shapes,
    classes: &[Class],
    values: &HashMap<String, AreaValue>,
    title: &str,
    no_data: &str,
    footer: Option<&str>,
) -> String {
    render_marked(shapes, classes, values, title, no_data, footer, None)
}

/// [`render`], with a point marked in one area.
fn render_marked(
    shapes: &Shapes,
    classes: &[Class],
    values: &HashMap<String, AreaValue>,
    title: &str,
    no_data: &str,
    footer: Option<&str>,
    marker: Option<&Marker>,
) -> String {
    let mut out = String::with_capacity(100_000);
    let (x, y, w, h) = parse_box(&shapes.view_box);
    let inset_w = 115.0;
    let total_w = w + inset_w;
    let standalone = footer.is_some();
    if standalone {
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    }
    // A downloaded map gets room below for its credits.
    let lines = footer.map_or(0, |f| f.split(" — ").count());
    let h_total = h + 9.0 * lines as f64 + if standalone { 4.0 } else { 0.0 };
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{} {y} {total_w} {h_total}\" \
         class=\"map\" role=\"group\" aria-label=\"{}\">",
        x - inset_w,
        escape(title)
    );
    let _ = write!(out, "<title>{}</title>", escape(title));
    // A map of values (not a locator) tells missing data apart from the lightest class.
    let hatch = !no_data.is_empty();
    if hatch {
        out.push_str(NO_DATA_PATTERN);
    }
    let area = |out: &mut String, code: &str, name: &str, d: &str| {
        let v = values.get(code);
        let fill = match colour(classes, v.and_then(|v| v.value)) {
            NO_DATA if hatch => NO_DATA_FILL,
            c => c,
        };
        let label = v.map(|v| v.label.clone()).unwrap_or_else(|| {
            if no_data.is_empty() {
                name.to_string()
            } else {
                format!("{name} : {no_data}")
            }
        });
        match v.filter(|v| !v.href.is_empty()) {
            Some(v) => {
                let _ = write!(
                    out,
                    "<a href=\"{}\" aria-label=\"{}\"><path d=\"{d}\" fill=\"{fill}\" \
                     stroke=\"#5a5a6e\" stroke-width=\".5\"><title>{}</title></path></a>",
                    escape(&v.href),
                    escape(&label),
                    escape(&label)
                );
            }
            None => {
                let _ = write!(
                    out,
                    "<path d=\"{d}\" fill=\"{fill}\" stroke=\"#5a5a6e\" stroke-width=\".5\">\
                     <title>{}</title></path>",
                    escape(&label)
                );
            }
        }
        if let Some(m) = marker.filter(|m| m.code == code) {
            if let Some((x0, y0, x1, y1)) = path_box(d) {
                // A little inside the outline: the points placed are town halls.
                let (fx, fy) = (m.fx.clamp(0.0, 1.0), m.fy.clamp(0.0, 1.0));
                let cx = x0 + (x1 - x0) * (0.05 + 0.9 * fx);
                let cy = y0 + (y1 - y0) * (0.05 + 0.9 * fy);
                let _ = write!(
                    out,
                    "<circle class=\"marker\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"6\" fill=\"#b30000\" \
                     stroke=\"#fff\" stroke-width=\"2\"><title>{}</title></circle>",
                    escape(m.label)
                );
            }
        }
    };
    for a in &shapes.areas {
        area(&mut out, &a.code, &a.name, &a.d);
    }
    // Paris and the petite couronne are a few pixels wide: drawn again, enlarged, in the
    // top right corner (empty sea and neighbours there) of a map of departments.
    let close: Vec<&Area> = PETITE_COURONNE
        .iter()
        .filter_map(|c| shapes.areas.iter().find(|a| a.code == *c))
        .collect();
    if close.len() == PETITE_COURONNE.len() {
        if let Some((x0, y0, x1, y1)) = close
            .iter()
            .filter_map(|a| path_box(&a.d))
            .reduce(|a, b| (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)))
        {
            let (bx, by, side) = (x + w - 104.0, y + 2.0, 100.0);
            let _ = write!(
                out,
                "<rect x=\"{bx}\" y=\"{by}\" width=\"{side}\" height=\"{}\" fill=\"#fff\" \
                 stroke=\"#c8c8d8\"/><svg x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" \
                 viewBox=\"{:.1} {:.1} {:.1} {:.1}\">",
                side + 14.0,
                bx + 3.0,
                by + 3.0,
                side - 6.0,
                side - 6.0,
                x0 - 0.5,
                y0 - 0.5,
                x1 - x0 + 1.0,
                y1 - y0 + 1.0
            );
            for a in &close {
                area(&mut out, &a.code, &a.name, &a.d);
            }
            let _ = write!(
                out,
                "</svg><text x=\"{}\" y=\"{}\" font-size=\"9\" font-family=\"sans-serif\" \
                 fill=\"#1b1b1b\">Paris et petite couronne</text>",
                bx + 4.0,
                by + side + 10.0
            );
        }
    }
    let step = h / shapes.insets.len().max(1) as f64;
    for (i, inset) in shapes.insets.iter().enumerate() {
        let top = y + i as f64 * step;
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"106\" height=\"{}\" fill=\"none\" stroke=\"#c8c8d8\"/>",
            x - inset_w + 2.0,
            top + 1.0,
            step - 4.0
        );
        let _ = write!(
            out,
            "<svg x=\"{}\" y=\"{}\" width=\"100\" height=\"{}\" viewBox=\"{}\">",
            x - inset_w + 5.0,
            top + 3.0,
            step - 20.0,
            inset.view_box
        );
        area(&mut out, &inset.code, &inset.name, &inset.d);
        out.push_str("</svg>");
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"10\" font-family=\"sans-serif\" fill=\"#1b1b1b\">{}</text>",
            x - inset_w + 6.0,
            top + step - 7.0,
            escape(&inset.name)
        );
    }
    if let Some(f) = footer {
        // One line per credit (separated by « — »), small enough to fit the width.
        for (i, line) in f.split(" — ").enumerate() {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" font-size=\"7\" font-family=\"sans-serif\" fill=\"#1b1b1b\">{}</text>",
                x - inset_w,
                y + h + 9.0 + 9.0 * i as f64,
                escape(line)
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// Paris and its three neighbouring departments, enlarged in an inset.
const PETITE_COURONNE: [&str; 4] = ["75", "92", "93", "94"];

fn parse_box(b: &str) -> (f64, f64, f64, f64) {
    let n: Vec<f64> = b
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    match n.as_slice() {
        [x, y, w, h] => (*x, *y, *w, *h),
        _ => (0.0, 0.0, 600.0, 600.0),
    }
}

/// Cuts a text into lines of at most `width` characters, at spaces (a longer word stays
/// whole on its line).
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![];
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A label cut into lines of at most `width` characters at spaces, at most `max` lines (the
/// last one ends with « … » when the label is longer).
fn label_lines(label: &str, width: usize, max: usize) -> Vec<String> {
    let mut lines = wrap(label, width);
    if lines.len() > max {
        lines.truncate(max);
        if let Some(last) = lines.last_mut() {
            last.push('…');
        }
    }
    lines
}

/// A horizontal bar chart as SVG, bars in the order given (rank them first). Each bar has a
/// title with its label and value; long labels wrap on up to three lines beside their bar;
/// the page gives the same figures as a table beside it.
pub fn bar_chart(title: &str, bars: &[(String, f64, String)]) -> String {
    let max = bars
        .iter()
        .map(|b| b.1)
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let (label_w, bar_w, line_h, bar_h) = (190.0, 260.0, 14.0, 16.0);
    // About 6.5 px a character at 12 px: 28 characters fit in the label column.
    let rows: Vec<Vec<String>> = bars.iter().map(|b| label_lines(&b.0, 28, 3)).collect();
    let row_h = |lines: usize| (lines as f64 * line_h + 8.0).max(22.0);
    let height: f64 = rows.iter().map(|l| row_h(l.len())).sum::<f64>() + 4.0;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {height}\" class=\"bars\" \
         role=\"img\" aria-label=\"{}\"><title>{}</title>",
        label_w + bar_w + 60.0,
        escape(title),
        escape(title)
    );
    let mut top = 2.0;
    for ((label, value, shown), lines) in bars.iter().zip(&rows) {
        let h = row_h(lines.len());
        let w = (value / max * bar_w).max(1.0);
        let first = top + (h - lines.len() as f64 * line_h) / 2.0 + 11.0;
        let _ = write!(
            out,
            "<g><title>{} : {}</title><text x=\"{}\" y=\"{first:.1}\" font-size=\"12\" \
             font-family=\"sans-serif\" text-anchor=\"end\" fill=\"#1b1b1b\">",
            escape(label),
            escape(shown),
            label_w - 6.0,
        );
        for (i, l) in lines.iter().enumerate() {
            let _ = write!(
                out,
                "<tspan x=\"{}\" dy=\"{}\">{}</tspan>",
                label_w - 6.0,
                if i == 0 { 0.0 } else { line_h },
                escape(l)
            );
        }
        let mid = top + h / 2.0;
        let _ = write!(
            out,
            "</text><rect x=\"{label_w}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{bar_h}\" \
             fill=\"#3182bd\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"12\" \
             font-family=\"sans-serif\" fill=\"#1b1b1b\">{}</text></g>",
            mid - bar_h / 2.0,
            label_w + w + 4.0,
            mid + 4.0,
            escape(shown)
        );
        top += h;
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_gets_an_inset_on_the_department_map() {
        assert_eq!(
            path_box("M10 20l2 0 .5-3-2.5 1z"),
            Some((10.0, 17.0, 12.5, 20.0))
        );
        let maps = Maps::embedded().unwrap();
        let svg = render(
            &maps.departments,
            &[],
            &HashMap::new(),
            "t",
            "pas de donnée",
            None,
        );
        assert!(svg.contains("Paris et petite couronne"));
        // Paris drawn twice: on the map and in the inset.
        assert_eq!(
            svg.matches("<title>Paris : pas de donnée</title>").count(),
            2
        );
        let regions = render(&maps.regions, &[], &HashMap::new(), "t", "", None);
        assert!(!regions.contains("petite couronne"));
    }

    #[test]
    fn long_bar_labels_wrap_instead_of_being_cut() {
        let long = "Mettre à disposition un FabLab et des outils numériques partagés";
        let lines = label_lines(long, 28, 3);
        assert!(lines.len() > 1 && lines.iter().all(|l| l.chars().count() <= 29));
        assert_eq!(lines.join(" "), long);
        assert_eq!(
            label_lines("un deux trois quatre", 5, 2),
            vec!["un", "deux…"]
        );
        let svg = bar_chart(
            "t",
            &[
                (long.into(), 3.0, "3".into()),
                ("Court".into(), 1.0, "1".into()),
            ],
        );
        assert!(svg.contains("<tspan") && svg.contains("numériques"));
    }

    #[test]
    fn quantile_classes_cover_all_values() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let c = classes(&values);
        assert_eq!(c.len(), 5);
        assert_eq!(c[0].from, 1.0);
        assert_eq!(c[4].to, 100.0);
        assert_eq!(colour(&c, Some(1.0)), PALETTE[0]);
        assert_eq!(colour(&c, Some(100.0)), PALETTE[4]);
        assert_eq!(colour(&c, None), NO_DATA);
        assert_eq!(
            classes(&[3.0, 3.0]).len(),
            1,
            "one distinct value, one class"
        );
        assert!(classes(&[]).is_empty());
    }

    #[test]
    fn shipped_maps_cover_every_metropolitan_territory() {
        let m = Maps::embedded().unwrap();
        assert_eq!(m.regions.areas.len(), 13);
        assert_eq!(m.departments.areas.len(), 96);
        assert_eq!(m.departments.insets.len(), 5);
        let svg = render(
            &m.departments,
            &[],
            &HashMap::new(),
            "Carte",
            "pas de donnée",
            Some("©"),
        );
        assert!(svg.len() < 150_000, "{} bytes", svg.len());
        assert!(svg.starts_with("<?xml"));
    }

    #[test]
    fn path_boxes_and_markers() {
        assert_eq!(path_box("M10 20l5-5 .5.5z"), Some((10.0, 15.0, 15.5, 20.0)));
        assert_eq!(path_box("M0 0h4v-3H-1z"), Some((-1.0, -3.0, 4.0, 0.0)));
        assert_eq!(path_box(""), None);
        let m = Maps::embedded().unwrap();
        let loire = m.departments.areas.iter().find(|a| a.code == "42").unwrap();
        let (x0, y0, x1, y1) = path_box(&loire.d).unwrap();
        assert!(x0 < x1 && y0 < y1 && x1 - x0 < 100.0, "one département");
        let marker = Marker {
            code: "42",
            fx: 0.0,
            fy: 1.0,
            label: "Saint-Étienne",
        };
        let svg = locator_marked(&m.departments, "Loire", "Carte", "©", &marker);
        let circle = svg.split("<circle").nth(1).expect("a marker");
        let num = |attr: &str| -> f64 {
            circle
                .split(&format!("{attr}=\""))
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        // South-west of the box, a little inside.
        assert!((num("cx") - (x0 + (x1 - x0) * 0.05)).abs() < 0.1);
        assert!((num("cy") - (y0 + (y1 - y0) * 0.95)).abs() < 0.1);
        assert!(circle.contains("<title>Saint-Étienne</title>"));
        assert!(
            svg.contains(&format!("fill=\"{}\"", PALETTE[1])),
            "the département light"
        );
        // Overseas, inside the inset.
        let marker = Marker {
            code: "974",
            fx: 0.5,
            fy: 0.5,
            label: "Saint-Denis",
        };
        let svg = locator_marked(&m.departments, "La Réunion", "Carte", "©", &marker);
        assert_eq!(svg.matches("<circle").count(), 1);
    }
}
