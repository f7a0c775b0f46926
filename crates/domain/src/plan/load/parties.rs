//! Who takes part: donors, units, unit groups and the cells of the form naming who fills a row.

use super::{Checker, Codes, Party};
use crate::plan::file::*;
use crate::plan::*;
use toml::Spanned;

impl From<Spanned<DonorFile>> for Donor {
    fn from(d: Spanned<DonorFile>) -> Self {
        let d = d.into_inner();
        Donor {
            code: d.code.into_inner(),
            name: d.name,
            short_name: d.short_name,
        }
    }
}

impl Checker<'_> {
    /// A unit's donor exists.
    pub(super) fn check_units(
        &mut self,
        units: Vec<Spanned<UnitFile>>,
        codes: &Codes,
    ) -> Vec<Unit> {
        units
            .into_iter()
            .map(|u| {
                let u = u.into_inner();
                if let Some(donor) = &u.donor {
                    self.require(&codes.donors, donor, "帮扶方", "单位的 donor ");
                }
                Unit {
                    code: u.code.into_inner(),
                    name: u.name.into_inner(),
                    aliases: u.aliases.into_iter().map(Spanned::into_inner).collect(),
                    sort: u.sort,
                    donor: u.donor.map(Spanned::into_inner),
                }
            })
            .collect()
    }

    /// A group's members are units.
    pub(super) fn check_groups(
        &mut self,
        groups: Vec<Spanned<GroupFile>>,
        codes: &Codes,
    ) -> Vec<UnitGroup> {
        groups
            .into_iter()
            .map(|g| {
                let g = g.into_inner();
                for m in &g.members {
                    self.require(
                        &codes.units,
                        m,
                        "单位",
                        &format!("单位组“{}”的成员", g.name.get_ref()),
                    );
                }
                UnitGroup {
                    code: g.code.into_inner(),
                    name: g.name.into_inner(),
                    aliases: g.aliases.into_iter().map(Spanned::into_inner).collect(),
                    members: g.members.into_iter().map(Spanned::into_inner).collect(),
                }
            })
            .collect()
    }

    /// A cell's parties are units or groups.
    pub(super) fn check_cells(
        &mut self,
        cells: Vec<Spanned<CellFile>>,
        codes: &Codes,
    ) -> Vec<ResponsibilityCell> {
        cells
            .into_iter()
            .map(|c| {
                let c = c.into_inner();
                for p in &c.parties {
                    self.require_responsible(
                        &codes.parties,
                        p,
                        &format!("填报单位格 {} ", c.code.get_ref()),
                    );
                }
                ResponsibilityCell {
                    code: c.code.into_inner(),
                    text: c.text,
                    parties: c.parties.into_iter().map(Spanned::into_inner).collect(),
                }
            })
            .collect()
    }

    /// A pairing's donor is a donor or a unit; its area and kind exist.
    pub(super) fn check_pairings(
        &mut self,
        pairings: Vec<Spanned<PairingFile>>,
        codes: &Codes,
    ) -> Vec<Pairing> {
        pairings
            .into_iter()
            .map(|p| {
                let p = p.into_inner();
                if !matches!(
                    codes.parties.get(p.donor.get_ref()),
                    Some(Party::Donor | Party::Unit)
                ) {
                    self.error(
                        p.donor.span(),
                        format!(
                            "结对关系的帮扶方“{}”不是已定义的帮扶方或单位",
                            p.donor.get_ref()
                        ),
                    );
                }
                self.require(&codes.areas, &p.area, "受援地", "结对关系");
                self.require(&codes.pairing_kinds, &p.kind, "结对类型", "结对关系");
                Pairing {
                    donor: p.donor.into_inner(),
                    area: p.area.into_inner(),
                    kind: p.kind.into_inner(),
                    note: p.note,
                }
            })
            .collect()
    }
}
