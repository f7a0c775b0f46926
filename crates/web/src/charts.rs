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

/// Labels up to this many characters stand left of their bars; longer ones get lines of their own.
const LEFT_LABEL_CHARS: usize = 15;
/// Characters per line of a label above its bar (13-px text across the chart's width).
const LINE_CHARS: usize = 42;

/// A label in lines of at most `per_line` characters: never cut, only wrapped.
fn wrapped(label: &str, per_line: usize) -> Vec<String> {
    let chars: Vec<char> = label.chars().collect();
    chars
        .chunks(per_line.max(1))
        .map(|c| c.iter().collect())
        .collect()
}

/// Horizontal bars scaled to the largest of values and marks. Sized for a half-width tile of the
/// dashboard (a narrower screen scales it down); long labels wrap above their bars, whole.
pub fn bars(id: &str, title: &str, desc: &str, items: &[Bar]) -> String {
    let width = 590;
    let row_h = 26;
    let stacked = items
        .iter()
        .any(|b| b.label.chars().count() > LEFT_LABEL_CHARS);
    let label_w = if stacked { 4 } else { 210 };
    let bar_w = width - label_w - 130;
    let lines: Vec<Vec<String>> = items
        .iter()
        .map(|b| {
            if stacked {
                wrapped(&b.label, LINE_CHARS)
            } else {
                Vec::new()
            }
        })
        .collect();
    let height = 10
        + lines
            .iter()
            .map(|l| row_h + 17 * l.len() as i64)
            .sum::<i64>()
            .max(row_h);
    let max = items
        .iter()
        .flat_map(|b| [b.value, b.mark.unwrap_or_default()])
        .fold(Decimal::ZERO, Decimal::max)
        .max(Decimal::ONE);
    let mut out = String::new();
    open(&mut out, id, (width, height), title, desc, false);
    let mut y = 5;
    for (b, label_lines) in items.iter().zip(&lines) {
        out.push_str("<g>");
        if stacked {
            for line in label_lines {
                y += 17;
                let _ = write!(
                    out,
                    r##"<text x="{label_w}" y="{}" font-size="13" fill="#1f2328">{}</text>"##,
                    y - 4,
                    esc(line)
                );
            }
        } else {
            let _ = write!(
                out,
                r##"<text x="{}" y="{}" text-anchor="end" font-size="13" fill="#1f2328">{}</text>"##,
                label_w - 8,
                y + 17,
                esc(&b.label)
            );
        }
        let w = px(b.value.max(Decimal::ZERO) * Decimal::from(bar_w) / max);
        let _ = write!(
            out,
            r##"<rect x="{label_w}" y="{}" width="{w}" height="{}" fill="{}"><title>{}：{}</title></rect><text x="{}" y="{}" font-size="12" fill="#57606a">{}</text>"##,
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
        y += row_h;
    }
    out.push_str("</svg>");
    out
}

/// A cell of a heat map: its text, colour and link.
pub struct Cell {
    pub text: String,
    pub fill: &'static str,
    pub href: String,
    /// Whom the cell is about, for its tooltip: the row's label, or the units a row groups.
    pub who: String,
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
                esc(&cell.who),
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
        let long =
            "大兴区与察右前旗、和田县每年至少各结对1家医疗机构并签订结对帮扶协议，确保各项措施落实到位并按季度报告";
        let svg = bars(
            "w",
            "目标",
            "说明",
            &[Bar {
                label: long.into(),
                value: Decimal::ONE,
                text: "50%".into(),
                fill: "#b3261e",
                mark: None,
            }],
        );
        let parts = wrapped(long, LINE_CHARS);
        assert_eq!(parts.concat(), long, "a long label is wrapped, never cut");
        assert_eq!(parts.len(), 2);
        assert!(svg.contains(&parts[0]) && svg.contains(&parts[1]));
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
