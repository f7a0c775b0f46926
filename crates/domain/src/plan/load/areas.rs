//! Recipient areas, pairing kinds and the plan's sections: trees whose parents exist and do not
//! loop.

use super::{Checker, Codes};
use crate::plan::file::*;
use crate::plan::*;
use toml::Spanned;

impl From<Spanned<PairingKindFile>> for PairingKind {
    fn from(k: Spanned<PairingKindFile>) -> Self {
        let k = k.into_inner();
        PairingKind {
            code: k.code.into_inner(),
            name: k.name,
        }
    }
}

impl Checker<'_> {
    pub(super) fn check_areas(
        &mut self,
        areas: Vec<Spanned<AreaFile>>,
        codes: &Codes,
    ) -> Vec<Area> {
        let parents: Vec<(Text, Option<Text>)> = areas
            .iter()
            .map(|a| (a.get_ref().code.clone(), a.get_ref().parent.clone()))
            .collect();
        self.check_tree("受援地", &parents, &codes.areas);
        areas
            .into_iter()
            .map(|a| {
                let a = a.into_inner();
                Area {
                    code: a.code.into_inner(),
                    name: a.name,
                    short_name: a.short_name,
                    level: a.level,
                    parent: a.parent.map(Spanned::into_inner),
                }
            })
            .collect()
    }

    /// Sections form a tree; the areas they name exist.
    pub(super) fn check_sections(
        &mut self,
        sections: Vec<Spanned<SectionFile>>,
        codes: &Codes,
    ) -> Vec<Section> {
        let parents: Vec<(Text, Option<Text>)> = sections
            .iter()
            .map(|s| (s.get_ref().code.clone(), s.get_ref().parent.clone()))
            .collect();
        self.check_tree("章节", &parents, &codes.sections);
        sections
            .into_iter()
            .map(|s| {
                let s = s.into_inner();
                for a in &s.areas {
                    self.require(
                        &codes.areas,
                        a,
                        "受援地",
                        &format!("章节 {} ", s.code.get_ref()),
                    );
                }
                Section {
                    code: s.code.into_inner(),
                    number: s.number,
                    title: s.title,
                    parent: s.parent.map(Spanned::into_inner),
                    areas: s.areas.into_iter().map(Spanned::into_inner).collect(),
                }
            })
            .collect()
    }
}
