//! The plan as published to machines (`bangfu plan show --json`, the JSON API): flat lists with
//! codes, the names a reader needs, and every derived fact (precision, responsible units, deadlines)
//! spelled out so a client need not re-implement the plan's rules.

use super::*;
use crate::quantity::Quantity;
use serde::Serialize;

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanView<'a> {
    pub plan: &'a PlanInfo,
    pub basis: ValueBasis,
    pub measure_units: &'a [MeasureUnit],
    pub donors: &'a [Donor],
    pub units: Vec<&'a Unit>,
    pub groups: &'a [UnitGroup],
    pub areas: &'a [Area],
    pub pairing_kinds: &'a [PairingKind],
    pub pairings: Vec<PairingView<'a>>,
    pub sections: &'a [Section],
    pub tasks: Vec<TaskView<'a>>,
    pub indicators: Vec<IndicatorView<'a>>,
    pub rules: &'a [Rule],
    pub periods: Vec<PeriodView>,
    /// The registers (台账) with their fields and the rows they fill.
    pub registries: &'a [crate::registry::Registry],
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PairingView<'a> {
    pub donor: &'a str,
    pub donor_name: &'a str,
    pub area: &'a str,
    pub area_name: &'a str,
    pub kind: &'a str,
    pub kind_name: &'a str,
    pub note: Option<&'a str>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskView<'a> {
    pub code: &'a str,
    pub section: &'a str,
    pub title: &'a str,
    pub text: &'a str,
    pub areas: &'a [String],
    pub lead_units: &'a [String],
    pub recipient_leads: bool,
    pub lead_names: Vec<String>,
    pub cooperating_units: &'a [String],
    pub targets: Vec<TargetView<'a>>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetView<'a> {
    pub description: &'a str,
    pub quantity: Quantity,
    pub unit: &'a str,
    pub calendar: Calendar,
    pub comparison: Comparison,
    pub per_area: bool,
    pub areas: &'a [String],
    pub indicator: Option<&'a str>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndicatorView<'a> {
    pub code: &'a str,
    pub label: String,
    pub number: &'a str,
    pub name: &'a str,
    pub unit: Option<&'a str>,
    pub parent: Option<&'a str>,
    pub of_which: bool,
    pub heading: bool,
    pub district_fills: bool,
    pub precision: u32,
    /// The 填报单位 cell as printed, and the parties it names.
    pub responsible_text: Option<&'a str>,
    pub responsible_parties: &'a [String],
    /// The units that must fill the row, groups expanded.
    pub responsible_units: Vec<&'a str>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodView {
    pub code: String,
    pub label: String,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    pub deadline: chrono::NaiveDate,
}

impl<'a> PlanView<'a> {
    pub fn new(plan: &'a Plan) -> Self {
        PlanView {
            plan: &plan.info,
            basis: plan.schedule.basis,
            measure_units: &plan.measure_units,
            donors: &plan.donors,
            units: plan.units_sorted(),
            groups: &plan.groups,
            areas: &plan.areas,
            pairing_kinds: &plan.pairing_kinds,
            pairings: plan
                .pairings
                .iter()
                .map(|p| PairingView {
                    donor: &p.donor,
                    donor_name: plan.party_name(&p.donor),
                    area: &p.area,
                    area_name: plan.party_name(&p.area),
                    kind: &p.kind,
                    kind_name: plan
                        .pairing_kinds
                        .iter()
                        .find(|k| k.code == p.kind)
                        .map(|k| k.name.as_str())
                        .unwrap_or(&p.kind),
                    note: p.note.as_deref(),
                })
                .collect(),
            sections: &plan.sections,
            tasks: plan
                .tasks
                .iter()
                .map(|t| TaskView {
                    code: &t.code,
                    section: &t.section,
                    title: &t.title,
                    text: &t.text,
                    areas: &t.areas,
                    lead_units: &t.lead,
                    recipient_leads: t.recipient_leads,
                    lead_names: plan.lead_names(t),
                    cooperating_units: &t.cooperating,
                    targets: t
                        .targets
                        .iter()
                        .map(|g| TargetView {
                            description: &g.description,
                            quantity: g.quantity,
                            unit: &g.unit,
                            calendar: g.calendar,
                            comparison: g.comparison,
                            per_area: g.per_area,
                            areas: &g.areas,
                            indicator: g.indicator.as_deref(),
                        })
                        .collect(),
                })
                .collect(),
            indicators: plan
                .indicators
                .iter()
                .map(|i| IndicatorView {
                    code: &i.code,
                    label: i.label(),
                    number: &i.number,
                    name: &i.name,
                    unit: i.unit.as_deref(),
                    parent: i.parent.as_deref(),
                    of_which: i.of_which,
                    heading: i.is_heading(),
                    district_fills: i.district_fills,
                    precision: i.unit.as_deref().map(|u| plan.precision(u)).unwrap_or(0),
                    responsible_text: i
                        .cell
                        .as_deref()
                        .and_then(|c| plan.cell(c))
                        .map(|c| c.text.as_str()),
                    responsible_parties: plan.responsible_parties(i),
                    responsible_units: plan
                        .responsible_units(i)
                        .into_iter()
                        .map(|u| u.code.as_str())
                        .collect(),
                })
                .collect(),
            rules: &plan.rules,
            periods: plan
                .periods()
                .into_iter()
                .map(|p| PeriodView {
                    code: p.code.to_string(),
                    label: p.label(),
                    starts_on: p.starts_on,
                    ends_on: p.ends_on,
                    deadline: p.deadline,
                })
                .collect(),
            registries: &plan.registries,
        }
    }
}
