//! Server-rendered SVG charts: no script, no network, Chinese labels, a title and a description
//! for screen readers, and plain presentation attributes (the CSP forbids inline styles).
//! Geometry is computed from exact decimals and rounded to whole pixels.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::fmt::Write;

/// Text for SVG content and attributes.
pub fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn px(value: Decimal) -> i64 {
    value.round().to_i64().unwrap_or(0)
}

/// The chart's opening tag. A chart whose parts are links is a `group` (an `img` may hold nothing a
/// keyboard or a screen reader can reach); a picture is an `img`.
fn open(out: &mut String, id: &str, size: (i64, i64), title: &str, desc: &str, links: bool) {
    let (width, height) = size;
    let role = if links { "group" } else { "img" };
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{id}" viewBox="0 0 {width} {height}" width="{width}" role="{role}" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"##,
        esc(title),
        esc(desc)
    );
}

/// A label cut to `max` characters with "…", so that it fits left of the bars (the whole label is
/// in the bar's tooltip).
fn shortened(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        format!("{}…", label.chars().take(max - 1).collect::<String>())
    }
}

/// One bar of a horizontal bar chart.
pub struct Bar {
    pub label: String,
    pub value: Decimal,
    /// Text printed after the bar (the exact figure).
    pub text: String,
    pub fill: &'static str,
    /// A reference line (e.g. the target or the pro-rata share), as a value.
    pub mark: Option<Decimal>,
}

/// Horizontal bars scaled to the largest of values and marks.
pub fn bars(id: &str, title: &str, desc: &str, items: &[Bar]) -> String {
    // Sized for a half-width tile of the dashboard; a narrower screen scales it down.
    let (label_w, bar_w, row_h) = (210, 250, 26);
    let width = label_w + bar_w + 130;
    let height = 10 + row_h * items.len().max(1) as i64;
    let max = items
        .iter()
        .flat_map(|b| [b.value, b.mark.unwrap_or_default()])
        .fold(Decimal::ZERO, Decimal::max)
        .max(Decimal::ONE);
    let mut out = String::new();
    open(&mut out, id, (width, height), title, desc, false);
    for (i, b) in items.iter().enumerate() {
        let y = 5 + row_h * i as i64;
        let w = px(b.value.max(Decimal::ZERO) * Decimal::from(bar_w) / max);
        let _ = write!(
            out,
            r##"<g><text x="{}" y="{}" text-anchor="end" font-size="13" fill="#1f2328">{}</text><rect x="{label_w}" y="{}" width="{w}" height="{}" fill="{}"><title>{}：{}</title></rect><text x="{}" y="{}" font-size="12" fill="#57606a">{}</text>"##,
            label_w - 8,
            y + 17,
            esc(&shortened(&b.label, 15)),
            y + 4,
            row_h - 8,
            b.fill,
            esc(&b.label),
            esc(&b.text),
            label_w + w + 6,
            y + 17,
            esc(&b.text)
        );
        if let Some(mark) = b.mark {
            let x = label_w + px(mark * Decimal::from(bar_w) / max);
            let _ = write!(
                out,
                r##"<line x1="{x}" x2="{x}" y1="{}" y2="{}" stroke="#1f2328" stroke-width="2"/>"##,
                y + 1,
                y + row_h - 1
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

/// A cell of a heat map: its text, colour and link.
pub struct Cell {
    pub text: String,
    pub fill: &'static str,
    pub href: String,
}

/// Rows × columns of coloured cells (e.g. units × quarters), each linking to its detail.
pub fn heatmap(
    id: &str,
    title: &str,
    desc: &str,
    columns: &[String],
    rows: &[(String, Vec<Cell>)],
) -> String {
    let (label_w, cell_w, cell_h) = (170, 74, 20);
    let width = label_w + cell_w * columns.len().max(1) as i64 + 4;
    let height = 24 + cell_h * rows.len() as i64 + 4;
    let mut out = String::new();
    open(&mut out, id, (width, height), title, desc, true);
    for (j, c) in columns.iter().enumerate() {
        let _ = write!(
            out,
            r##"<text x="{}" y="16" text-anchor="middle" font-size="12" fill="#1f2328">{}</text>"##,
            label_w + cell_w * j as i64 + cell_w / 2,
            esc(c)
        );
    }
    for (i, (label, cells)) in rows.iter().enumerate() {
        let y = 24 + cell_h * i as i64;
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" text-anchor="end" font-size="12" fill="#1f2328">{}</text>"##,
            label_w - 6,
            y + 14,
            esc(label)
        );
        for (j, cell) in cells.iter().enumerate() {
            let x = label_w + cell_w * j as i64;
            let _ = write!(
                out,
                r##"<a href="{}"><rect x="{x}" y="{y}" width="{}" height="{}" fill="{}" stroke="#ffffff"><title>{} {}：{}</title></rect><text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#1f2328">{}</text></a>"##,
                esc(&cell.href),
                cell_w - 1,
                cell_h - 1,
                cell.fill,
                esc(label),
                esc(columns.get(j).map_or("", String::as_str)),
                esc(&cell.text),
                x + cell_w / 2,
                y + 14,
                esc(&cell.text)
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// One point of a trend line: its label on the horizontal axis (a year), its value and the exact
/// figure printed above it.
pub struct Point {
    pub label: String,
    pub value: Decimal,
    pub text: String,
}

/// A line over time (e.g. years), scaled from zero to the largest value, each point labelled with
/// its exact figure.
pub fn trend(id: &str, title: &str, desc: &str, stroke: &'static str, points: &[Point]) -> String {
    let (left, top, step, plot_h) = (40, 24, 90, 140);
    let width = left * 2 + step * points.len().max(1) as i64;
    let height = top + plot_h + 30;
    let max = points
        .iter()
        .map(|p| p.value)
        .fold(Decimal::ZERO, Decimal::max)
        .max(Decimal::ONE);
    let xy = |i: usize, v: Decimal| {
        (
            left + step / 2 + step * i as i64,
            top + plot_h - px(v.max(Decimal::ZERO) * Decimal::from(plot_h) / max),
        )
    };
    let mut out = String::new();
    open(&mut out, id, (width, height), title, desc, false);
    let _ = write!(
        out,
        r##"<line x1="{left}" x2="{}" y1="{}" y2="{}" stroke="#8c959f" stroke-width="1"/>"##,
        width - left,
        top + plot_h,
        top + plot_h
    );
    if points.len() > 1 {
        let path: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (x, y) = xy(i, p.value);
                format!("{x},{y}")
            })
            .collect();
        let _ = write!(
            out,
            r##"<polyline points="{}" fill="none" stroke="{stroke}" stroke-width="2"/>"##,
            path.join(" ")
        );
    }
    for (i, p) in points.iter().enumerate() {
        let (x, y) = xy(i, p.value);
        let _ = write!(
            out,
            r##"<g><circle cx="{x}" cy="{y}" r="4" fill="{stroke}"><title>{}：{}</title></circle><text x="{x}" y="{}" text-anchor="middle" font-size="12" fill="#1f2328">{}</text><text x="{x}" y="{}" text-anchor="middle" font-size="12" fill="#57606a">{}</text></g>"##,
            esc(&p.label),
            esc(&p.text),
            y - 8,
            esc(&p.text),
            top + plot_h + 18,
            esc(&p.label)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_escape_text() {
        let svg = bars(
            "t",
            "资金 <测试>",
            "说明",
            &[
                Bar {
                    label: "甲".into(),
                    value: Decimal::from(300),
                    text: "300 万元".into(),
                    fill: "#b3261e",
                    mark: Some(Decimal::from(600)),
                },
                Bar {
                    label: "乙 & 丙".into(),
                    value: Decimal::from(600),
                    text: "600 万元".into(),
                    fill: "#2e7d32",
                    mark: None,
                },
            ],
        );
        assert!(svg.contains("<title id=\"t-title\">资金 &lt;测试&gt;</title>"));
        assert!(
            svg.contains("width=\"125\""),
            "300 of 600 is half of 250 px"
        );
        assert!(svg.contains("width=\"250\""));
        assert!(svg.contains("乙 &amp; 丙"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(
            shortened("大兴区与察右前旗、和田县每年至少各结对1家医疗机构", 15)
                .chars()
                .count(),
            15
        );
        assert!(shortened("大兴区与察右前旗、和田县每年至少各结对1家医疗机构", 15).ends_with('…'));
        assert_eq!(shortened("区教委", 15), "区教委");
    }

    #[test]
    fn trend_scales_points_and_labels_each_year() {
        let svg = trend(
            "t",
            "贫困人口 <趋势>",
            "说明",
            "#b3261e",
            &[
                Point {
                    label: "2017年".into(),
                    value: Decimal::from(100),
                    text: "100 人".into(),
                },
                Point {
                    label: "2018年".into(),
                    value: Decimal::from(50),
                    text: "50 人".into(),
                },
            ],
        );
        assert!(svg.contains("贫困人口 &lt;趋势&gt;"));
        // The largest value at the top of the plot, half of it half-way down.
        assert!(svg.contains(r#"points="85,24 175,94""#), "{svg}");
        assert!(svg.contains("2018年") && svg.contains("50 人"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }
}
