//! Two surfaces in, the list of changes out, each classed by the rules of [`diff`](super).

use std::collections::BTreeMap;

use super::surface::{
    AnswerSurface, BodySurface, FieldSurface, OperationSurface, ParamSurface, QuerySurface, Shape,
    Surface, TypeSurface,
};
use super::{Area, Change, Class, Kind, Report, Version};

/// Compares the API of `old` with that of `new`.
pub fn compare(old: &Surface, new: &Surface) -> Report {
    let mut acc = Acc::default();
    if old.base_url != new.base_url {
        acc.push(
            Class::Compatible,
            Area::Client,
            "DEFAULT_BASE_URL",
            Kind::BaseUrlChanged,
            format!("`{}` → `{}`", old.base_url, new.base_url),
        );
    }
    operations(&mut acc, &old.operations, &new.operations);
    types(&mut acc, &old.types, &new.types);
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

#[derive(Default)]
struct Acc {
    changes: Vec<Change>,
    descriptions: usize,
}

impl Acc {
    fn push(
        &mut self,
        class: Class,
        area: Area,
        item: impl Into<String>,
        kind: Kind,
        detail: String,
    ) {
        self.changes.push(Change {
            class,
            area,
            item: item.into(),
            kind,
            detail,
        });
    }

    /// Counts a reworded description of an element whose API did not change.
    fn doc(&mut self, old: &str, new: &str, api_changed: bool) {
        if old != new && !api_changed {
            self.descriptions += 1;
        }
    }
}

/// Matches two lists by key; what is left on either side is paired up as renames where
/// `same` picks exactly one candidate each way.
struct Matched<'a, T> {
    both: Vec<(&'a T, &'a T)>,
    renamed: Vec<(&'a T, &'a T)>,
    removed: Vec<&'a T>,
    added: Vec<&'a T>,
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

// ---------------------------------------------------------------------------------------------
// Operations

fn operations(acc: &mut Acc, old: &[OperationSurface], new: &[OperationSurface]) {
    let m = match_up(
        old,
        new,
        |o| o.name.as_str(),
        |a, b| {
            (!a.operation_id.is_empty() && a.operation_id == b.operation_id)
                || (a.http_method == b.http_method && a.path == b.path)
        },
    );
    // Walk in name order, so one operation's changes stay together.
    for row in m.rows(|o| o.name.as_str()) {
        match row {
            Row::Both(o, n) => operation(acc, o, n),
            Row::Renamed(o, n) => {
                acc.push(
                    Class::Breaking,
                    Area::Operation,
                    method(&o.name),
                    Kind::OperationRenamed,
                    format!(
                        "renamed `{}` → `{}` ({} `{}`): calls of the old name stop compiling",
                        o.name, n.name, n.http_method, n.path
                    ),
                );
                operation(acc, o, n);
            }
            Row::Removed(o) => acc.push(
                Class::Breaking,
                Area::Operation,
                method(&o.name),
                Kind::OperationRemoved,
                format!(
                    "removed ({} `{}`): its calls stop compiling",
                    o.http_method, o.path
                ),
            ),
            Row::Added(n) => acc.push(
                Class::Compatible,
                Area::Operation,
                method(&n.name),
                Kind::OperationAdded,
                format!("added: {} `{}`", n.http_method, n.path),
            ),
        }
    }
}

enum Row<'a, T> {
    Both(&'a T, &'a T),
    Renamed(&'a T, &'a T),
    Removed(&'a T),
    Added(&'a T),
}

fn method(name: &str) -> String {
    format!("Client::{name}")
}

fn operation(acc: &mut Acc, o: &OperationSurface, n: &OperationSurface) {
    let item = method(&n.name);
    let before = acc.changes.len();
    let op = |acc: &mut Acc, class, kind, detail: String| {
        acc.push(class, Area::Operation, item.clone(), kind, detail)
    };
    // A path that differs only in its parameters' names is the same URL; the parameters say it.
    if o.http_method != n.http_method || template(&o.path) != template(&n.path) {
        op(
            acc,
            Class::Compatible,
            Kind::OperationChanged,
            format!(
                "sends {} `{}` instead of {} `{}` (same arguments)",
                n.http_method, n.path, o.http_method, o.path
            ),
        );
    }
    if o.operation_id != n.operation_id {
        op(
            acc,
            Class::Compatible,
            Kind::OperationChanged,
            format!(
                "operationId `{}` → `{}` (seen only in `OperationInfo` and traces)",
                o.operation_id, n.operation_id
            ),
        );
    }
    if o.retry != n.retry {
        let detail = if n.retry == "safe" {
            "now repeated after an ambiguous failure (timeout, reset, 502/503/504)"
        } else {
            "no longer repeated after an ambiguous failure unless the retry policy allows unsafe \
             retries"
        };
        op(
            acc,
            Class::Compatible,
            Kind::OperationChanged,
            detail.to_owned(),
        );
    }
    if o.rate_class != n.rate_class {
        op(
            acc,
            Class::Compatible,
            Kind::OperationChanged,
            format!(
                "counts against the {} rate limit instead of the {} one",
                n.rate_class, o.rate_class
            ),
        );
    }
    acc.doc(&o.doc, &n.doc, acc.changes.len() != before);
    path_params(acc, &item, &o.path_params, &n.path_params);
    query(acc, &item, o.query.as_ref(), n.query.as_ref());
    body(acc, &item, o.body.as_ref(), n.body.as_ref());
    answers(acc, &item, o, n);
    if o.error != n.error {
        acc.push(
            Class::Breaking,
            Area::Operation,
            item.clone(),
            Kind::OperationChanged,
            format!(
                "error type `Error<{}>` → `Error<{}>`: code that reads the error body no longer compiles",
                o.error, n.error
            ),
        );
    }
}

/// The path with every `{parameter}` made `{}`.
fn template(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('{');
            }
            '}' => {
                in_param = false;
                out.push('}');
            }
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

fn path_params(acc: &mut Acc, item: &str, old: &[ParamSurface], new: &[ParamSurface]) {
    // Path parameters are positional arguments: their Rust names are not part of the API.
    for (i, (o, n)) in old.iter().zip(new).enumerate() {
        let mut changed = false;
        if o.ty != n.ty {
            changed = true;
            acc.push(
                Class::Breaking,
                Area::Operation,
                item,
                Kind::ParameterChanged,
                format!(
                    "path argument {} (`{}`, was `{}`) is `{}` instead of `{}`",
                    i + 1,
                    n.wire_name,
                    o.wire_name,
                    n.ty,
                    o.ty
                ),
            );
        } else if o.wire_name != n.wire_name {
            changed = true;
            acc.push(
                Class::Compatible,
                Area::Operation,
                item,
                Kind::ParameterChanged,
                format!(
                    "path argument {} is named `{}` in the document instead of `{}` (same position and type)",
                    i + 1,
                    n.wire_name,
                    o.wire_name
                ),
            );
        }
        acc.doc(&o.doc, &n.doc, changed);
    }
    for p in old.iter().skip(new.len()) {
        acc.push(
            Class::Breaking,
            Area::Operation,
            item,
            Kind::ParameterRemoved,
            format!(
                "path argument `{}` removed: calls pass one argument too many",
                p.wire_name
            ),
        );
    }
    for p in new.iter().skip(old.len()) {
        acc.push(
            Class::Breaking,
            Area::Operation,
            item,
            Kind::ParameterAdded,
            format!(
                "path argument `{}: {}` added: existing calls miss it",
                p.wire_name, p.ty
            ),
        );
    }
}

fn query(acc: &mut Acc, item: &str, old: Option<&QuerySurface>, new: Option<&QuerySurface>) {
    let (o, n) = match (old, new) {
        (None, None) => return,
        (None, Some(n)) => {
            acc.push(
                Class::Breaking,
                Area::Operation,
                item,
                Kind::ParameterAdded,
                format!(
                    "takes query parameters now (`params: &{}`, {}): existing calls miss the argument",
                    n.name,
                    names(&n.params)
                ),
            );
            return;
        }
        (Some(o), None) => {
            acc.push(
                Class::Breaking,
                Area::Operation,
                item,
                Kind::ParameterRemoved,
                format!(
                    "takes no query parameters any more (`{}` is gone): existing calls pass one argument too many",
                    o.name
                ),
            );
            return;
        }
        (Some(o), Some(n)) => (o, n),
    };
    let before = acc.changes.len();
    if o.name != n.name {
        acc.push(
            Class::Breaking,
            Area::Operation,
            item,
            Kind::ParameterChanged,
            format!("query parameters struct `{}` → `{}`", o.name, n.name),
        );
    }
    traits(
        acc,
        Area::Operation,
        item,
        &n.name,
        "Default",
        o.default,
        n.default,
    );
    acc.doc(&o.doc, &n.doc, acc.changes.len() != before);
    let m = match_up(
        &o.params,
        &n.params,
        |p| p.name.as_str(),
        |a, b| a.wire_name == b.wire_name && a.ty == b.ty,
    );
    for (a, b) in &m.both {
        param(acc, item, &n.name, a, b);
    }
    for (a, b) in &m.renamed {
        acc.push(
            Class::Breaking,
            Area::Operation,
            item,
            Kind::ParameterChanged,
            format!(
                "query parameter field `{}.{}` renamed `{}`",
                n.name, a.name, b.name
            ),
        );
        param(acc, item, &n.name, a, b);
    }
    for p in &m.removed {
        acc.push(
            Class::Breaking,
            Area::Operation,
            item,
            Kind::ParameterRemoved,
            format!(
                "query parameter `{}` removed (field `{}.{}`): code that sets it stops compiling",
                p.wire_name, n.name, p.name
            ),
        );
    }
    for p in &m.added {
        let requirement = if p.required { "required" } else { "optional" };
        acc.push(
            Class::Breaking,
            Area::Operation,
            item,
            Kind::ParameterAdded,
            format!(
                "{requirement} query parameter `{}` added (field `{}.{}: {}`): `{} {{ … }}` literals that list every field stop compiling",
                p.wire_name, n.name, p.name, p.ty, n.name
            ),
        );
    }
}

fn names(params: &[ParamSurface]) -> String {
    params
        .iter()
        .map(|p| format!("`{}`", p.wire_name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn param(acc: &mut Acc, item: &str, strukt: &str, o: &ParamSurface, n: &ParamSurface) {
    let mut changed = false;
    if o.ty != n.ty || o.required != n.required {
        changed = true;
        let what = match (o.required, n.required) {
            (false, true) => "became required",
            (true, false) => "became optional",
            _ => "changed type",
        };
        acc.push(
            Class::Breaking,
            Area::Operation,
            item,
            Kind::ParameterChanged,
            format!(
                "query parameter `{}` {what}: `{strukt}.{}` is `{}` instead of `{}`",
                n.wire_name, n.name, n.ty, o.ty
            ),
        );
    }
    if o.wire_name != n.wire_name {
        changed = true;
        acc.push(
            Class::Compatible,
            Area::Operation,
            item,
            Kind::ParameterChanged,
            format!(
                "`{strukt}.{}` is sent as `{}` instead of `{}`",
                n.name, n.wire_name, o.wire_name
            ),
        );
    }
    acc.doc(&o.doc, &n.doc, changed);
}

fn body(acc: &mut Acc, item: &str, old: Option<&BodySurface>, new: Option<&BodySurface>) {
    match (old, new) {
        (None, None) => {}
        (None, Some(n)) => acc.push(
            Class::Breaking,
            Area::Operation,
            item,
            Kind::ParameterAdded,
            format!(
                "takes a request body now (`{}`): existing calls miss the argument",
                n.ty
            ),
        ),
        (Some(o), None) => acc.push(
            Class::Breaking,
            Area::Operation,
            item,
            Kind::ParameterRemoved,
            format!(
                "takes no request body any more (was `{}`): existing calls pass one argument too many",
                o.ty
            ),
        ),
        (Some(o), Some(n)) => {
            let mut changed = false;
            if o.ty != n.ty {
                changed = true;
                acc.push(
                    Class::Breaking,
                    Area::Operation,
                    item,
                    Kind::ParameterChanged,
                    format!("request body is `{}` instead of `{}`", n.ty, o.ty),
                );
            }
            if o.required != n.required {
                changed = true;
                let (was, is) = if n.required {
                    ("Option<&T>", "&T")
                } else {
                    ("&T", "Option<&T>")
                };
                acc.push(
                    Class::Breaking,
                    Area::Operation,
                    item,
                    Kind::ParameterChanged,
                    format!(
                        "request body became {}: the argument is `{is}` instead of `{was}`",
                        if n.required { "required" } else { "optional" }
                    ),
                );
            }
            acc.doc(&o.doc, &n.doc, changed);
        }
    }
}

fn answers(acc: &mut Acc, item: &str, o: &OperationSurface, n: &OperationSurface) {
    let single = |op: &OperationSurface| op.answers.iter().all(|a| a.variant.is_none());
    if single(o) && single(n) {
        // One success answer: the method returns its body; the status is not in the type.
        if o.returns != n.returns {
            acc.push(
                Class::Breaking,
                Area::Operation,
                item,
                Kind::AnswerChanged,
                format!("returns `{}` instead of `{}`", n.returns, o.returns),
            );
        }
        if let (Some(a), Some(b)) = (o.answers.first(), n.answers.first()) {
            let status_changed = a.status != b.status;
            if status_changed {
                acc.push(
                    Class::Compatible,
                    Area::Operation,
                    item,
                    Kind::AnswerChanged,
                    format!("succeeds with {} instead of {}", b.status, a.status),
                );
            }
            acc.doc(&a.doc, &b.doc, status_changed || o.returns != n.returns);
        }
        return;
    }
    if o.returns != n.returns {
        acc.push(
            Class::Breaking,
            Area::Operation,
            item,
            Kind::AnswerChanged,
            format!(
                "returns `{}` instead of `{}`: code that uses the result stops compiling",
                n.returns, o.returns
            ),
        );
    }
    if single(o) || single(n) {
        // One of the two is not an enum of answers: the line above says it all; list statuses.
        let list = |op: &OperationSurface| {
            op.answers
                .iter()
                .map(|a| a.status.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if list(o) != list(n) {
            acc.push(
                Class::Breaking,
                Area::Operation,
                item,
                Kind::AnswerChanged,
                format!("success answers {} instead of {}", list(n), list(o)),
            );
        }
        return;
    }
    let (old, new) = (by_status(o), by_status(n));
    for (status, a) in &old {
        let Some(b) = new.get(status) else {
            acc.push(
                Class::Breaking,
                Area::Operation,
                item,
                Kind::AnswerRemoved,
                format!(
                    "answer {status} removed (variant `{}::{}`): matches that name it stop compiling",
                    o.returns,
                    a.variant.as_deref().unwrap_or_default()
                ),
            );
            continue;
        };
        let changed = a.variant != b.variant || a.body != b.body;
        if changed {
            acc.push(
                Class::Breaking,
                Area::Operation,
                item,
                Kind::AnswerChanged,
                format!(
                    "answer {status} is `{}::{}{}` instead of `{}::{}{}`",
                    n.returns,
                    b.variant.as_deref().unwrap_or_default(),
                    held(b.body.as_deref()),
                    o.returns,
                    a.variant.as_deref().unwrap_or_default(),
                    held(a.body.as_deref()),
                ),
            );
        }
        acc.doc(&a.doc, &b.doc, changed);
    }
    for (status, b) in &new {
        if !old.contains_key(status) {
            acc.push(
                Class::Breaking,
                Area::Operation,
                item,
                Kind::AnswerAdded,
                format!(
                    "answer {status} added (variant `{}::{}{}`): exhaustive matches stop compiling",
                    n.returns,
                    b.variant.as_deref().unwrap_or_default(),
                    held(b.body.as_deref()),
                ),
            );
        }
    }
}

fn by_status(op: &OperationSurface) -> BTreeMap<u16, &AnswerSurface> {
    op.answers.iter().map(|a| (a.status, a)).collect()
}

fn held(body: Option<&str>) -> String {
    body.map(|b| format!("({b})")).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Types

fn types(acc: &mut Acc, old: &[TypeSurface], new: &[TypeSurface]) {
    let m = match_up(
        old,
        new,
        |t| t.name.as_str(),
        |a, b| a.shape == b.shape && a.doc == b.doc && (!a.doc.is_empty() || !is_empty(&a.shape)),
    );
    for row in m.rows(|t| t.name.as_str()) {
        match row {
            Row::Both(o, n) => type_def(acc, o, n),
            Row::Renamed(o, n) => acc.push(
                Class::Breaking,
                Area::Type,
                o.name.clone(),
                Kind::TypeRenamed,
                format!(
                    "{} renamed `{}` (same {}): code that names `{}` stops compiling",
                    o.shape.kind(),
                    n.name,
                    contents(&o.shape),
                    o.name
                ),
            ),
            Row::Removed(o) => acc.push(
                Class::Breaking,
                Area::Type,
                o.name.clone(),
                Kind::TypeRemoved,
                format!(
                    "{} removed: code that names it stops compiling",
                    o.shape.kind()
                ),
            ),
            Row::Added(n) => acc.push(
                Class::Compatible,
                Area::Type,
                n.name.clone(),
                Kind::TypeAdded,
                format!("{} added", n.shape.kind()),
            ),
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
    let before = acc.changes.len();
    match (&o.shape, &n.shape) {
        (
            Shape::Struct {
                fields: of,
                eq: oe,
                default: od,
                new: on,
            },
            Shape::Struct {
                fields: nf,
                eq: ne,
                default: nd,
                new: nn,
            },
        ) => {
            traits(acc, Area::Type, name, name, "Eq", *oe, *ne);
            traits(acc, Area::Type, name, name, "Default", *od, *nd);
            constructor(acc, name, on.as_deref(), nn.as_deref());
            acc.doc(&o.doc, &n.doc, acc.changes.len() != before);
            fields(acc, name, of, nf);
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
            acc.doc(&o.doc, &n.doc, false);
            if oo != no {
                acc.push(
                    Class::Breaking,
                    Area::Type,
                    name,
                    Kind::ValueRemoved,
                    format!("the variant for unlisted values is `{no}` instead of `{oo}`"),
                );
            }
            for v in ov {
                match nv.iter().find(|w| w.wire == v.wire) {
                    None => acc.push(
                        Class::Breaking,
                        Area::Type,
                        name,
                        Kind::ValueRemoved,
                        format!(
                            "value `{}` removed (variant `{name}::{}`): code that names it stops compiling; the value now arrives as `{name}::{no}(\"{}\")`",
                            v.wire, v.name, v.wire
                        ),
                    ),
                    Some(w) if w.name != v.name => acc.push(
                        Class::Breaking,
                        Area::Type,
                        name,
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
                    acc.push(
                        Class::Breaking,
                        Area::Type,
                        name,
                        Kind::ValueAdded,
                        format!(
                            "value `{}` added (variant `{name}::{}`): exhaustive matches without a `_` arm stop compiling; the value used to arrive as `{name}::{oo}(\"{}\")`",
                            w.wire, w.name, w.wire
                        ),
                    );
                }
            }
        }
        (Shape::Alias { ty: ot }, Shape::Alias { ty: nt }) => {
            if ot != nt {
                acc.push(
                    Class::Breaking,
                    Area::Type,
                    name,
                    Kind::TypeChanged,
                    format!("stands for `{nt}` instead of `{ot}`"),
                );
            }
            acc.doc(&o.doc, &n.doc, ot != nt);
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
            union(acc, name, (ov, od, oo), (nv, nd, no));
            acc.doc(&o.doc, &n.doc, acc.changes.len() != before);
        }
        (a, b) => acc.push(
            Class::Breaking,
            Area::Type,
            name,
            Kind::TypeChanged,
            format!(
                "is a {} instead of a {}: code that builds or reads it stops compiling",
                b.kind(),
                a.kind()
            ),
        ),
    }
}

/// A derived trait gained (compatible) or lost (breaking).
fn traits(acc: &mut Acc, area: Area, item: &str, ty: &str, name: &str, old: bool, new: bool) {
    match (old, new) {
        (true, false) => acc.push(
            Class::Breaking,
            area,
            item,
            Kind::TraitRemoved,
            format!("`{ty}` no longer implements `{name}`: code that relies on it stops compiling"),
        ),
        (false, true) => acc.push(
            Class::Compatible,
            area,
            item,
            Kind::TraitAdded,
            format!("`{ty}` implements `{name}` now"),
        ),
        _ => {}
    }
}

fn constructor(acc: &mut Acc, name: &str, old: Option<&[String]>, new: Option<&[String]>) {
    match (old, new) {
        (None, Some(args)) => acc.push(
            Class::Compatible,
            Area::Type,
            name,
            Kind::ConstructorChanged,
            format!("gains `{name}::new({})`", args.join(", ")),
        ),
        (Some(args), None) => acc.push(
            Class::Breaking,
            Area::Type,
            name,
            Kind::ConstructorChanged,
            format!(
                "loses `{name}::new({})` (every field is optional now): its calls stop compiling",
                args.join(", ")
            ),
        ),
        // Another set of arguments follows from fields added, removed, renamed or turned
        // (non-)required, each reported with its field; only the order is news here.
        (Some(a), Some(b)) if a != b && same_set(a, b) => acc.push(
            Class::Breaking,
            Area::Type,
            name,
            Kind::ConstructorChanged,
            format!(
                "`{name}::new({})` → `{name}::new({})`: the same arguments in another order, so \
                 calls pass them in the wrong places (or stop compiling where the types differ)",
                a.join(", "),
                b.join(", ")
            ),
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

fn fields(acc: &mut Acc, ty: &str, old: &[FieldSurface], new: &[FieldSurface]) {
    let m = match_up(
        old,
        new,
        |f| f.name.as_str(),
        |a, b| a.wire_name == b.wire_name || (a.ty == b.ty && a.doc == b.doc && !a.doc.is_empty()),
    );
    let item = |f: &FieldSurface| format!("{ty}.{}", f.name);
    for (o, n) in &m.both {
        field(acc, &item(n), o, n, false);
    }
    for (o, n) in &m.renamed {
        acc.push(
            Class::Breaking,
            Area::Type,
            item(o),
            Kind::FieldRenamed,
            format!(
                "field renamed `{}` (`{}` on the wire): code that names `{}` stops compiling",
                n.name, n.wire_name, o.name
            ),
        );
        field(acc, &item(n), o, n, true);
    }
    for f in &m.removed {
        acc.push(
            Class::Breaking,
            Area::Type,
            item(f),
            Kind::FieldRemoved,
            format!(
                "field removed (`{}`): code that names it stops compiling",
                f.ty
            ),
        );
    }
    for f in &m.added {
        let detail = if f.optional {
            format!(
                "optional field added (`{}`): `{ty} {{ … }}` literals that list every field stop compiling",
                f.ty
            )
        } else {
            format!(
                "required field added (`{}`): `{ty} {{ … }}` literals and `{ty}::new(…)` calls stop compiling",
                f.ty
            )
        };
        acc.push(
            Class::Breaking,
            Area::Type,
            item(f),
            Kind::FieldAdded,
            detail,
        );
    }
}

/// Compares a field with its new version; for a renamed field the new wire name is already said.
fn field(acc: &mut Acc, item: &str, o: &FieldSurface, n: &FieldSurface, renamed: bool) {
    let mut changed = false;
    if o.ty != n.ty {
        changed = true;
        let (kind, what) = match (o.optional, n.optional) {
            (true, false) if unwrap_option(&o.ty) == n.ty => (
                Kind::FieldRequired,
                "became required (literals must set it, `new(…)` takes it)",
            ),
            (false, true) if unwrap_option(&n.ty) == o.ty => (
                Kind::FieldOptional,
                "became optional (reads get an `Option`, `new(…)` no longer takes it)",
            ),
            _ => (Kind::FieldChanged, "changed type"),
        };
        acc.push(
            Class::Breaking,
            Area::Type,
            item,
            kind,
            format!("{what}: `{}` → `{}`", o.ty, n.ty),
        );
    }
    if o.wire_name != n.wire_name && !renamed {
        changed = true;
        acc.push(
            Class::Compatible,
            Area::Type,
            item,
            Kind::FieldChanged,
            format!(
                "sent and read as `{}` instead of `{}`",
                n.wire_name, o.wire_name
            ),
        );
    }
    acc.doc(&o.doc, &n.doc, changed);
}

fn unwrap_option(ty: &str) -> &str {
    ty.strip_prefix("Option<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(ty)
}

type UnionParts<'a> = (
    &'a Vec<super::surface::AlternativeSurface>,
    &'a Option<String>,
    &'a Option<String>,
);

fn union(acc: &mut Acc, name: &str, old: UnionParts<'_>, new: UnionParts<'_>) {
    let (ov, od, oo) = old;
    let (nv, nd, no) = new;
    if oo != no {
        acc.push(
            Class::Breaking,
            Area::Type,
            name,
            Kind::VariantChanged,
            format!(
                "the variant for unclaimed objects is {} instead of {}",
                opt(no),
                opt(oo)
            ),
        );
    }
    if od != nd {
        acc.push(
            Class::Compatible,
            Area::Type,
            name,
            Kind::VariantChanged,
            format!(
                "decoding picks the alternative by {} instead of {}",
                od_text(nd),
                od_text(od)
            ),
        );
    }
    for v in ov {
        match nv.iter().find(|w| w.name == v.name) {
            None => acc.push(
                Class::Breaking,
                Area::Type,
                name,
                Kind::VariantRemoved,
                format!(
                    "alternative `{name}::{}({})` removed: code that names it stops compiling",
                    v.name, v.ty
                ),
            ),
            Some(w) => {
                if w.ty != v.ty {
                    acc.push(
                        Class::Breaking,
                        Area::Type,
                        name,
                        Kind::VariantChanged,
                        format!(
                            "alternative `{name}::{}` holds `{}` instead of `{}`",
                            v.name, w.ty, v.ty
                        ),
                    );
                }
                if w.tags != v.tags {
                    acc.push(
                        Class::Compatible,
                        Area::Type,
                        name,
                        Kind::VariantChanged,
                        format!(
                            "alternative `{name}::{}` is chosen by {} instead of {}",
                            v.name,
                            tags(&w.tags),
                            tags(&v.tags)
                        ),
                    );
                }
            }
        }
    }
    for w in nv {
        if !ov.iter().any(|v| v.name == w.name) {
            acc.push(
                Class::Breaking,
                Area::Type,
                name,
                Kind::VariantAdded,
                format!(
                    "alternative `{name}::{}({})` added: exhaustive matches stop compiling",
                    w.name, w.ty
                ),
            );
        }
    }
    let order = |vs: &[super::surface::AlternativeSurface]| -> Vec<String> {
        vs.iter().map(|v| v.name.clone()).collect()
    };
    let (oo_order, no_order): (Vec<String>, Vec<String>) = (
        order(ov)
            .into_iter()
            .filter(|n| nv.iter().any(|w| &w.name == n))
            .collect(),
        order(nv)
            .into_iter()
            .filter(|n| ov.iter().any(|v| &v.name == n))
            .collect(),
    );
    if nd.is_none() && oo_order != no_order {
        acc.push(
            Class::Compatible,
            Area::Type,
            name,
            Kind::VariantChanged,
            format!(
                "decoding tries the alternatives in another order ({}): a value that fits several may decode differently",
                no_order.join(", ")
            ),
        );
    }
}

fn opt(v: &Option<String>) -> String {
    v.as_deref()
        .map_or_else(|| "none".to_owned(), |v| format!("`{v}`"))
}

fn od_text(d: &Option<String>) -> String {
    d.as_deref().map_or_else(
        || "trying each in order".to_owned(),
        |p| format!("the `{p}` property"),
    )
}

fn tags(t: &[String]) -> String {
    if t.is_empty() {
        return "no value".to_owned();
    }
    t.iter()
        .map(|t| format!("`{t}`"))
        .collect::<Vec<_>>()
        .join(" or ")
}
