//! The rules for types: a type added, removed, renamed or of another kind; a struct's derived
//! traits, `new(…)` and fields; an enum's values; an alias's target; a union's alternatives.

use super::super::surface::{AlternativeSurface, FieldSurface, Shape, TypeSurface, ValueSurface};
use super::{Acc, Area, At, Kind, Row, either, match_up, opt};
use crate::naming::bare;

pub(super) fn types(acc: &mut Acc, old: &[TypeSurface], new: &[TypeSurface]) {
    let m = match_up(
        old,
        new,
        |t| t.name.as_str(),
        |a, b| {
            a.shape == b.shape
                && a.description == b.description
                && (!a.description.is_empty() || !is_empty(&a.shape))
        },
    );
    for row in m.rows(|t| t.name.as_str()) {
        match row {
            Row::Both(o, n) => type_def(acc, o, n),
            Row::Renamed(o, n) => acc.at(Area::Type, &o.name).breaking(
                Kind::TypeRenamed,
                format!(
                    "{} renamed `{}` (same {}): code that names `{}` stops compiling",
                    o.shape.kind(),
                    n.name,
                    contents(&o.shape),
                    o.name
                ),
            ),
            Row::Removed(o) => acc.at(Area::Type, &o.name).breaking(
                Kind::TypeRemoved,
                format!(
                    "{} removed: code that names it stops compiling",
                    o.shape.kind()
                ),
            ),
            Row::Added(n) => acc
                .at(Area::Type, &n.name)
                .compatible(Kind::TypeAdded, format!("{} added", n.shape.kind())),
        }
    }
}

fn is_empty(shape: &Shape) -> bool {
    match shape {
        Shape::Struct { fields, .. } => fields.is_empty(),
        Shape::Enum { values, .. } => values.is_empty(),
        Shape::Alias { .. } => true,
        Shape::Union { variants, .. } => variants.is_empty(),
    }
}

fn contents(shape: &Shape) -> &'static str {
    match shape {
        Shape::Struct { .. } => "fields and description",
        Shape::Enum { .. } => "values and description",
        Shape::Alias { .. } => "target and description",
        Shape::Union { .. } => "alternatives and description",
    }
}

fn type_def(acc: &mut Acc, o: &TypeSurface, n: &TypeSurface) {
    let name = n.name.as_str();
    let before = acc.len();
    let mut at = acc.at(Area::Type, name);
    match (&o.shape, &n.shape) {
        (
            Shape::Struct {
                fields: of,
                eq: oe,
                default: od,
                setters: os,
            },
            Shape::Struct {
                fields: nf,
                eq: ne,
                default: nd,
                setters: ns,
            },
        ) => {
            at.derived(name, "Eq", *oe, *ne);
            at.derived(name, "Default", *od, *nd);
            constructor(&mut at, name, &Shape::new_args(of), &Shape::new_args(nf));
            setters(&mut at, name, *os, *ns);
            let changed = at.acc.len() != before;
            at.doc(&o.description, &n.description, changed);
            fields(acc, name, of, nf, (*os, *ns));
        }
        (
            Shape::Enum {
                values: ov,
                other: oo,
            },
            Shape::Enum {
                values: nv,
                other: no,
            },
        ) => {
            at.doc(&o.description, &n.description, false);
            values(&mut at, name, (ov, oo), (nv, no));
        }
        (Shape::Alias { ty: ot }, Shape::Alias { ty: nt }) => {
            if ot != nt {
                at.breaking(
                    Kind::TypeChanged,
                    format!("stands for `{nt}` instead of `{ot}`"),
                );
            }
            at.doc(&o.description, &n.description, ot != nt);
        }
        (
            Shape::Union {
                variants: ov,
                discriminator: od,
                other: oo,
            },
            Shape::Union {
                variants: nv,
                discriminator: nd,
                other: no,
            },
        ) => {
            union(&mut at, name, (ov, od, oo), (nv, nd, no));
            let changed = at.acc.len() != before;
            at.doc(&o.description, &n.description, changed);
        }
        (a, b) => at.breaking(
            Kind::TypeChanged,
            format!(
                "is a {} instead of a {}: code that builds or reads it stops compiling",
                b.kind(),
                a.kind()
            ),
        ),
    }
}

/// Every struct has `new(…)`; another set of arguments follows from fields added, removed,
/// renamed or turned (non-)required, each reported with its field, so only the order is news
/// here.
fn constructor(at: &mut At<'_>, name: &str, old: &[String], new: &[String]) {
    if old != new && same_set(old, new) {
        at.breaking(
            Kind::ConstructorChanged,
            format!(
                "`{name}::new({})` → `{name}::new({})`: the same arguments in another order, so \
                 calls pass them in the wrong places (or stop compiling where the types differ)",
                old.join(", "),
                new.join(", ")
            ),
        );
    }
}

/// The `with_…` setters come and go with whether a request may hold the struct.
fn setters(at: &mut At<'_>, name: &str, old: bool, new: bool) {
    match (old, new) {
        (true, false) => at.breaking(
            Kind::ConstructorChanged,
            format!(
                "loses its `with_…` setters (no request holds `{name}` now): set its optional \
                 fields by assignment instead"
            ),
        ),
        (false, true) => at.compatible(
            Kind::ConstructorChanged,
            format!("gains `with_…` setters (a request may hold `{name}` now)"),
        ),
        _ => {}
    }
}

fn same_set(a: &[String], b: &[String]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort();
    b.sort();
    a == b
}

/// Compares the fields of the struct `ty`; `setters` says whether it has `with_…` setters in
/// the old and the new version.
fn fields(
    acc: &mut Acc,
    ty: &str,
    old: &[FieldSurface],
    new: &[FieldSurface],
    setters: (bool, bool),
) {
    let m = match_up(
        old,
        new,
        |f| f.name.as_str(),
        |a, b| {
            a.wire_name == b.wire_name
                || (a.ty == b.ty && a.description == b.description && !a.description.is_empty())
        },
    );
    let item = |f: &FieldSurface| format!("{ty}.{}", f.name);
    for (o, n) in &m.both {
        field(&mut acc.at(Area::Type, item(n)), ty, o, n, false, setters);
    }
    for (o, n) in &m.renamed {
        acc.at(Area::Type, item(o)).breaking(
            Kind::FieldRenamed,
            format!(
                "field renamed `{}` (`{}` on the wire): code that names `{}` stops compiling",
                n.name, n.wire_name, o.name
            ),
        );
        field(&mut acc.at(Area::Type, item(n)), ty, o, n, true, setters);
    }
    for f in &m.removed {
        acc.at(Area::Type, item(f)).breaking(
            Kind::FieldRemoved,
            format!(
                "field removed (`{}`): code that names it stops compiling",
                f.ty
            ),
        );
    }
    for f in &m.added {
        let mut at = acc.at(Area::Type, item(f));
        if f.optional {
            // Every struct is `#[non_exhaustive]` and built by `new` and setters or
            // assignment.
            let how = if setters.1 {
                format!("set by `{ty}::with_{}`", bare(&f.name))
            } else {
                "a public field to assign".to_owned()
            };
            at.compatible(
                Kind::FieldAdded,
                format!("optional field added (`{}`), {how}", f.ty),
            );
        } else {
            at.breaking(
                Kind::FieldAdded,
                format!(
                    "required field added: `{ty}::new` takes `{}: {}` now: pass it",
                    bare(&f.name),
                    f.ty
                ),
            );
        }
    }
}

/// Compares a field with its new version; for a renamed field the new wire name is already said.
fn field(
    at: &mut At<'_>,
    ty: &str,
    o: &FieldSurface,
    n: &FieldSurface,
    renamed: bool,
    (old_setters, new_setters): (bool, bool),
) {
    let wire_changed = o.wire_name != n.wire_name && !renamed;
    let name = bare(&n.name);
    if o.ty != n.ty {
        let (kind, what) = match (o.optional, n.optional) {
            (true, false) if unwrap_option(&o.ty) == n.ty => (
                Kind::FieldRequired,
                format!(
                    "became required: `{ty}::new` takes `{name}: {}` now: pass it (instead of \
                     {}), and read it without the `Option`",
                    n.ty,
                    if old_setters {
                        format!("`.with_{}(…)`", bare(&o.name))
                    } else {
                        "assigning it".to_owned()
                    }
                ),
            ),
            (false, true) if unwrap_option(&n.ty) == o.ty => (
                Kind::FieldOptional,
                format!(
                    "became optional: `{ty}::new` no longer takes `{name}`: {}, and read it as \
                     an `Option`",
                    if new_setters {
                        format!("set it with `.with_{name}(…)`")
                    } else {
                        "assign it".to_owned()
                    }
                ),
            ),
            _ => (
                Kind::FieldChanged,
                "changed type: code that sets or reads it must use the new type".to_owned(),
            ),
        };
        at.breaking(kind, format!("{what} (`{}` → `{}`)", o.ty, n.ty));
    }
    if wire_changed {
        at.compatible(
            Kind::FieldChanged,
            format!(
                "sent and read as `{}` instead of `{}`",
                n.wire_name, o.wire_name
            ),
        );
    }
    at.doc(&o.description, &n.description, o.ty != n.ty || wire_changed);
}

fn unwrap_option(ty: &str) -> &str {
    ty.strip_prefix("Option<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(ty)
}

/// An enum's listed values and the variant of unlisted ones, in both versions.
type Values<'a> = (&'a [ValueSurface], &'a String);

fn values(at: &mut At<'_>, name: &str, (ov, oo): Values<'_>, (nv, no): Values<'_>) {
    if oo != no {
        at.breaking(
            Kind::ValueRemoved,
            format!("the variant for unlisted values is `{no}` instead of `{oo}`"),
        );
    }
    for v in ov {
        match nv.iter().find(|w| w.wire == v.wire) {
            None => at.breaking(
                Kind::ValueRemoved,
                format!(
                    "value `{}` removed (variant `{name}::{}`): code that names it stops compiling; the value now arrives as `{name}::{no}(\"{}\")`",
                    v.wire, v.name, v.wire
                ),
            ),
            Some(w) if w.name != v.name => at.breaking(
                Kind::ValueRenamed,
                format!(
                    "value `{}` is variant `{name}::{}` instead of `{name}::{}`",
                    v.wire, w.name, v.name
                ),
            ),
            Some(_) => {}
        }
    }
    for w in nv {
        if !ov.iter().any(|v| v.wire == w.wire) {
            // The enum is `#[non_exhaustive]`: matches outside the crate have a `_` arm.
            at.compatible(
                Kind::ValueAdded,
                format!(
                    "value `{}` added (variant `{name}::{}`); it used to arrive as \
                     `{name}::{oo}(\"{}\")`, which code matching on it should mind",
                    w.wire, w.name, w.wire
                ),
            );
        }
    }
}

/// A union's alternatives, discriminator and variant for unclaimed objects.
type UnionParts<'a> = (
    &'a [AlternativeSurface],
    &'a Option<String>,
    &'a Option<String>,
);

fn union(at: &mut At<'_>, name: &str, old: UnionParts<'_>, new: UnionParts<'_>) {
    let (ov, od, oo) = old;
    let (nv, nd, no) = new;
    if oo != no {
        at.breaking(
            Kind::VariantChanged,
            format!(
                "the variant for unclaimed objects is {} instead of {}",
                opt(no),
                opt(oo)
            ),
        );
    }
    if od != nd {
        at.compatible(
            Kind::VariantChanged,
            format!(
                "decoding picks the alternative by {} instead of {}",
                picked_by(nd),
                picked_by(od)
            ),
        );
    }
    for v in ov {
        match nv.iter().find(|w| w.name == v.name) {
            None => at.breaking(
                Kind::VariantRemoved,
                format!(
                    "alternative `{name}::{}({})` removed: code that names it stops compiling",
                    v.name, v.ty
                ),
            ),
            Some(w) => alternative(at, name, v, w),
        }
    }
    for w in nv {
        if !ov.iter().any(|v| v.name == w.name) {
            // The enum is `#[non_exhaustive]`: matches outside the crate have a `_` arm.
            at.compatible(
                Kind::VariantAdded,
                format!("alternative `{name}::{}({})` added", w.name, w.ty),
            );
        }
    }
    let kept_in = |vs: &[AlternativeSurface], other: &[AlternativeSurface]| -> Vec<String> {
        vs.iter()
            .filter(|v| other.iter().any(|w| w.name == v.name))
            .map(|v| v.name.clone())
            .collect()
    };
    let no_order = kept_in(nv, ov);
    if nd.is_none() && kept_in(ov, nv) != no_order {
        at.compatible(
            Kind::VariantChanged,
            format!(
                "decoding tries the alternatives in another order ({}): a value that fits several may decode differently",
                no_order.join(", ")
            ),
        );
    }
}

/// One alternative of a union, in both versions.
fn alternative(at: &mut At<'_>, name: &str, v: &AlternativeSurface, w: &AlternativeSurface) {
    if w.ty != v.ty {
        at.breaking(
            Kind::VariantChanged,
            format!(
                "alternative `{name}::{}` holds `{}` instead of `{}`",
                v.name, w.ty, v.ty
            ),
        );
    }
    if w.tags != v.tags {
        at.compatible(
            Kind::VariantChanged,
            format!(
                "alternative `{name}::{}` is chosen by {} instead of {}",
                v.name,
                either(&w.tags),
                either(&v.tags)
            ),
        );
    }
}

fn picked_by(d: &Option<String>) -> String {
    d.as_deref().map_or_else(
        || "trying each in order".to_owned(),
        |p| format!("the `{p}` property"),
    )
}
