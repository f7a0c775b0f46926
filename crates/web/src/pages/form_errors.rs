//! A refused form's mistakes, split for the page: each beside the input it belongs to, the rest
//! (rules across fields, refusals at write time) in one block at the top.

use bangfu_domain::ledger::input::FieldError;
use std::collections::btree_map::{BTreeMap, Entry};

#[derive(Default)]
pub struct FormErrors {
    /// Mistakes of no single field, shown at the top of the page.
    pub general: Vec<String>,
    /// Input `name` → its mistake, shown under that input.
    fields: BTreeMap<String, String>,
}

impl FormErrors {
    /// Messages that belong to no field (a rule, or the store's refusal).
    pub fn general(messages: Vec<String>) -> Self {
        FormErrors {
            general: messages,
            ..Default::default()
        }
    }

    /// The mistake beside the input named `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }

    pub fn has_fields(&self) -> bool {
        !self.fields.is_empty()
    }
}

impl From<Vec<FieldError>> for FormErrors {
    fn from(errors: Vec<FieldError>) -> Self {
        let mut out = FormErrors::default();
        for e in errors {
            let Some(field) = e.field else {
                out.general.push(e.message);
                continue;
            };
            // Two mistakes in one input (an approved amount's source and sum) both show.
            match out.fields.entry(field) {
                Entry::Vacant(v) => {
                    v.insert(e.message);
                }
                Entry::Occupied(mut o) => {
                    let m = o.get_mut();
                    m.push('；');
                    m.push_str(&e.message);
                }
            }
        }
        out
    }
}
