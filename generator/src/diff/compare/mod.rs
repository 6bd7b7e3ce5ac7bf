//! Two surfaces in, the list of changes out, each classed by the rules of [`diff`](super).
//!
//! By area: [`operations`] (methods, their arguments and answers) and [`types`] (structs and
//! their fields, enums and their values, aliases, unions). Each rule is a small function that
//! looks at one pair of facts and says, through an [`At`] bound to the item it is about,
//! whether and how it changed.

mod operations;
mod types;

use std::collections::BTreeMap;

use super::surface::Surface;
use super::{Area, Change, Class, Kind, Report, Version};

/// Compares the API of `old` with that of `new`.
pub fn compare(old: &Surface, new: &Surface) -> Report {
    let mut acc = Acc::default();
    if old.base_url != new.base_url {
        acc.at(Area::Client, "DEFAULT_BASE_URL").compatible(
            Kind::BaseUrlChanged,
            format!("`{}` → `{}`", old.base_url, new.base_url),
        );
    }
    operations::operations(&mut acc, &old.operations, &new.operations);
    types::types(&mut acc, &old.types, &new.types);
    let breaking = acc
        .changes
        .iter()
        .filter(|c| c.class == Class::Breaking)
        .count();
    Report {
        old: Version {
            title: old.title.clone(),
            version: old.version.clone(),
        },
        new: Version {
            title: new.title.clone(),
            version: new.version.clone(),
        },
        breaking,
        compatible: acc.changes.len() - breaking,
        descriptions: acc.descriptions,
        changes: acc.changes,
    }
}

/// The changes found so far, and how many descriptions were reworded.
#[derive(Default)]
struct Acc {
    changes: Vec<Change>,
    descriptions: usize,
}

impl Acc {
    /// The changes of one item (`Client::method`, `Type`, `Type.field`) of `area`.
    fn at(&mut self, area: Area, item: impl Into<String>) -> At<'_> {
        At {
            acc: self,
            area,
            item: item.into(),
        }
    }

    /// How many changes were found so far (to tell whether a rule found one).
    fn len(&self) -> usize {
        self.changes.len()
    }

    /// Counts a reworded description of an element whose API did not change.
    fn doc<T: PartialEq + ?Sized>(&mut self, old: &T, new: &T, api_changed: bool) {
        if old != new && !api_changed {
            self.descriptions += 1;
        }
    }
}

/// The changes of one item.
struct At<'a> {
    acc: &'a mut Acc,
    area: Area,
    item: String,
}

impl At<'_> {
    fn push(&mut self, class: Class, kind: Kind, detail: String) {
        self.acc.changes.push(Change {
            class,
            area: self.area,
            item: self.item.clone(),
            kind,
            detail,
        });
    }

    /// A change that breaks callers' builds.
    fn breaking(&mut self, kind: Kind, detail: impl Into<String>) {
        self.push(Class::Breaking, kind, detail.into());
    }

    /// A change callers' code compiles through.
    fn compatible(&mut self, kind: Kind, detail: impl Into<String>) {
        self.push(Class::Compatible, kind, detail.into());
    }

    /// Counts a reworded description of the item, when nothing else of it changed.
    fn doc<T: PartialEq + ?Sized>(&mut self, old: &T, new: &T, api_changed: bool) {
        self.acc.doc(old, new, api_changed);
    }

    /// A derived trait gained (compatible) or lost (breaking) by the type `ty`.
    fn derived(&mut self, ty: &str, name: &str, old: bool, new: bool) {
        match (old, new) {
            (true, false) => self.breaking(
                Kind::TraitRemoved,
                format!(
                    "`{ty}` no longer implements `{name}`: code that relies on it stops compiling"
                ),
            ),
            (false, true) => {
                self.compatible(Kind::TraitAdded, format!("`{ty}` implements `{name}` now"))
            }
            _ => {}
        }
    }
}

/// Two lists matched by key; what is left on either side is paired up as renames where
/// `same` picks exactly one candidate each way.
struct Matched<'a, T> {
    both: Vec<(&'a T, &'a T)>,
    renamed: Vec<(&'a T, &'a T)>,
    removed: Vec<&'a T>,
    added: Vec<&'a T>,
}

/// One outcome of a [`Matched`] list.
enum Row<'a, T> {
    Both(&'a T, &'a T),
    Renamed(&'a T, &'a T),
    Removed(&'a T),
    Added(&'a T),
}

impl<'a, T> Matched<'a, T> {
    /// Every outcome as one row, sorted by name (the old one, or the new one for an addition);
    /// the sort is stable, so rows of one name keep the order both, renamed, removed, added.
    fn rows(&self, name: impl Fn(&'a T) -> &'a str) -> Vec<Row<'a, T>> {
        let mut rows: Vec<(&str, Row<'a, T>)> = Vec::new();
        rows.extend(self.both.iter().map(|&(o, n)| (name(o), Row::Both(o, n))));
        rows.extend(
            self.renamed
                .iter()
                .map(|&(o, n)| (name(o), Row::Renamed(o, n))),
        );
        rows.extend(self.removed.iter().map(|&o| (name(o), Row::Removed(o))));
        rows.extend(self.added.iter().map(|&n| (name(n), Row::Added(n))));
        rows.sort_by(|a, b| a.0.cmp(b.0));
        rows.into_iter().map(|(_, row)| row).collect()
    }
}

/// Matches `old` and `new` by `key`, then pairs what is left as renames where `same` finds
/// exactly one candidate each way.
fn match_up<'a, T>(
    old: &'a [T],
    new: &'a [T],
    key: impl Fn(&T) -> &str,
    same: impl Fn(&T, &T) -> bool,
) -> Matched<'a, T> {
    let new_by_key: BTreeMap<&str, &T> = new.iter().map(|n| (key(n), n)).collect();
    let old_by_key: BTreeMap<&str, &T> = old.iter().map(|o| (key(o), o)).collect();
    let mut both = Vec::new();
    let mut removed = Vec::new();
    for o in old {
        match new_by_key.get(key(o)) {
            Some(n) => both.push((o, *n)),
            None => removed.push(o),
        }
    }
    let mut added: Vec<&T> = new
        .iter()
        .filter(|n| !old_by_key.contains_key(key(n)))
        .collect();
    let mut renamed = Vec::new();
    removed.retain(|o| {
        let candidates: Vec<usize> = (0..added.len()).filter(|&i| same(o, added[i])).collect();
        let [i] = candidates[..] else { return true };
        let back = old
            .iter()
            .filter(|o| !new_by_key.contains_key(key(o)) && same(o, added[i]))
            .count();
        if back != 1 {
            return true;
        }
        renamed.push((*o, added.remove(i)));
        false
    });
    Matched {
        both,
        renamed,
        removed,
        added,
    }
}

/// `value` in backticks, or `none`.
fn opt(v: &Option<String>) -> String {
    v.as_deref()
        .map_or_else(|| "none".to_owned(), |v| format!("`{v}`"))
}

/// Values in backticks joined by `or`, or `no value`.
fn either(values: &[String]) -> String {
    if values.is_empty() {
        return "no value".to_owned();
    }
    values
        .iter()
        .map(|t| format!("`{t}`"))
        .collect::<Vec<_>>()
        .join(" or ")
}
