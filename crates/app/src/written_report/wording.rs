//! Figures put into words, exactly: the year-on-year change (同比) of a year-to-date figure.

use bangfu_domain::quantity::Quantity;
use rust_decimal::{Decimal, RoundingStrategy};

/// "同比增加 1 所（33.3%）": `now` against the same quarter of the previous year, the change in
/// the row's unit and precision, the percent of last year's figure to one decimal place (half
/// away from zero), all in decimals. "去年同期无数据" when there is no figure to compare with.
pub fn year_on_year(now: Quantity, before: Option<Quantity>, unit: &str, precision: u32) -> String {
    let Some(before) = before else {
        return "去年同期无数据".into();
    };
    let change = now.decimal() - before.decimal();
    if change.is_zero() {
        return "同比持平".into();
    }
    let word = if change > Decimal::ZERO {
        "增加"
    } else {
        "减少"
    };
    let amount = Quantity::new(change.abs()).format_fixed(precision);
    let share = if before.decimal().is_zero() {
        "去年同期为 0".to_string()
    } else {
        match percent_of(change.abs(), before.decimal().abs()) {
            Some(p) => format!("{p}%"),
            None => "幅度超出可计算的范围".to_string(),
        }
    };
    format!("同比{word} {amount} {unit}（{share}）")
}

/// `part` as a percent of `whole`, to one decimal place; `None` if it does not fit a decimal.
fn percent_of(part: Decimal, whole: Decimal) -> Option<Decimal> {
    let mut p = part
        .checked_mul(Decimal::ONE_HUNDRED)?
        .checked_div(whole)?
        .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    p.rescale(1);
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        s.parse().unwrap()
    }

    #[test]
    fn the_change_is_exact_and_the_percent_has_one_decimal() {
        assert_eq!(
            year_on_year(q("4"), Some(q("3")), "所", 0),
            "同比增加 1 所（33.3%）"
        );
        assert_eq!(
            year_on_year(q("250.5"), Some(q("501")), "万元", 2),
            "同比减少 250.50 万元（50.0%）"
        );
        // 0.1 of 0.3 is 33.333…%; 1 of 8 is 12.5% exactly; 1 of 16 is 6.25% → 6.3 (half up).
        assert_eq!(
            year_on_year(q("0.4"), Some(q("0.3")), "亿元", 4),
            "同比增加 0.1000 亿元（33.3%）"
        );
        assert_eq!(
            year_on_year(q("9"), Some(q("8")), "个", 0),
            "同比增加 1 个（12.5%）"
        );
        assert_eq!(
            year_on_year(q("17"), Some(q("16")), "个", 0),
            "同比增加 1 个（6.3%）"
        );
        assert_eq!(year_on_year(q("5"), Some(q("5")), "所", 0), "同比持平");
        assert_eq!(
            year_on_year(q("5"), Some(q("0")), "所", 0),
            "同比增加 5 所（去年同期为 0）"
        );
        assert_eq!(year_on_year(q("5"), None, "所", 0), "去年同期无数据");
    }
}
