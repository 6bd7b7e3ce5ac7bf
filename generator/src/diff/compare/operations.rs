//! The rules for operations: a method added, removed or renamed, what it sends, its path
//! arguments, its query parameters, its body and its answers.

use std::collections::BTreeMap;

use super::super::surface::{
    AnswerSurface, BodySurface, OperationSurface, ParamSurface, QuerySurface,
};
use super::{Acc, Area, At, Kind, Row, match_up};
use crate::naming::bare;

/// The item an operation's changes are listed under.
fn method(name: &str) -> String {
    format!("Client::{name}")
}

pub(super) fn operations(acc: &mut Acc, old: &[OperationSurface], new: &[OperationSurface]) {
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
                acc.at(Area::Operation, method(&o.name)).breaking(
                    Kind::OperationRenamed,
                    format!(
                        "renamed `{}` → `{}` ({} `{}`): calls of the old name stop compiling",
                        o.name, n.name, n.http_method, n.path
                    ),
                );
                operation(acc, o, n);
            }
            Row::Removed(o) => acc.at(Area::Operation, method(&o.name)).breaking(
                Kind::OperationRemoved,
                format!(
                    "removed ({} `{}`): its calls stop compiling",
                    o.http_method, o.path
                ),
            ),
            Row::Added(n) => acc.at(Area::Operation, method(&n.name)).compatible(
                Kind::OperationAdded,
                format!("added: {} `{}`", n.http_method, n.path),
            ),
        }
    }
}

fn operation(acc: &mut Acc, o: &OperationSurface, n: &OperationSurface) {
    let item = method(&n.name);
    let before = acc.len();
    request(&mut acc.at(Area::Operation, &item), o, n);
    let changed = acc.len() != before;
    acc.doc(
        &(&o.summary, &o.description),
        &(&n.summary, &n.description),
        changed,
    );
    path_params(acc, &item, &o.path_params, &n.path_params);
    query(acc, &item, o.query.as_ref(), n.query.as_ref());
    body(acc, &item, o.body.as_ref(), n.body.as_ref());
    answers(&mut acc.at(Area::Operation, &item), o, n);
    if o.error != n.error {
        acc.at(Area::Operation, &item).breaking(
            Kind::OperationChanged,
            format!(
                "error type `Error<{}>` → `Error<{}>`: code that reads the error body no longer compiles",
                o.error, n.error
            ),
        );
    }
}

/// What the method sends and how the client treats it: HTTP method and path, operationId,
/// retry safety, rate class. All on the wire or in behaviour, so compatible.
fn request(at: &mut At<'_>, o: &OperationSurface, n: &OperationSurface) {
    // A path that differs only in its parameters' names is the same URL; the parameters say it.
    if o.http_method != n.http_method || template(&o.path) != template(&n.path) {
        at.compatible(
            Kind::OperationChanged,
            format!(
                "sends {} `{}` instead of {} `{}` (same arguments)",
                n.http_method, n.path, o.http_method, o.path
            ),
        );
    }
    if o.operation_id != n.operation_id {
        at.compatible(
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
        at.compatible(Kind::OperationChanged, detail);
    }
    if o.rate_class != n.rate_class {
        at.compatible(
            Kind::OperationChanged,
            format!(
                "counts against the {} rate limit instead of the {} one",
                n.rate_class, o.rate_class
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
    let mut at = acc.at(Area::Operation, item);
    // Path parameters are positional arguments: their Rust names are not part of the API.
    for (i, (o, n)) in old.iter().zip(new).enumerate() {
        let changed = o.ty != n.ty || o.wire_name != n.wire_name;
        if o.ty != n.ty {
            at.breaking(
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
            at.compatible(
                Kind::ParameterChanged,
                format!(
                    "path argument {} is named `{}` in the document instead of `{}` (same position and type)",
                    i + 1,
                    n.wire_name,
                    o.wire_name
                ),
            );
        }
        at.doc(&o.description, &n.description, changed);
    }
    for p in old.iter().skip(new.len()) {
        at.breaking(
            Kind::ParameterRemoved,
            format!(
                "path argument `{}` removed: calls pass one argument too many",
                p.wire_name
            ),
        );
    }
    for p in new.iter().skip(old.len()) {
        at.breaking(
            Kind::ParameterAdded,
            format!(
                "path argument `{}: {}` added: existing calls miss it",
                p.wire_name, p.ty
            ),
        );
    }
}

fn query(acc: &mut Acc, item: &str, old: Option<&QuerySurface>, new: Option<&QuerySurface>) {
    let mut at = acc.at(Area::Operation, item);
    let (o, n) = match (old, new) {
        (None, None) => return,
        (None, Some(n)) => {
            return at.breaking(
                Kind::ParameterAdded,
                format!(
                    "takes query parameters now (`params: &{}`, {}): existing calls miss the argument",
                    n.name,
                    names(&n.params)
                ),
            );
        }
        (Some(o), None) => {
            return at.breaking(
                Kind::ParameterRemoved,
                format!(
                    "takes no query parameters any more (`{}` is gone): existing calls pass one argument too many",
                    o.name
                ),
            );
        }
        (Some(o), Some(n)) => (o, n),
    };
    if o.name != n.name {
        at.breaking(
            Kind::ParameterChanged,
            format!("query parameters struct `{}` → `{}`", o.name, n.name),
        );
    }
    at.derived(&n.name, "Default", o.default, n.default);
    let m = match_up(
        &o.params,
        &n.params,
        |p| p.name.as_str(),
        |a, b| a.wire_name == b.wire_name && a.ty == b.ty,
    );
    for (a, b) in &m.both {
        param(&mut at, &n.name, a, b);
    }
    for (a, b) in &m.renamed {
        at.breaking(
            Kind::ParameterChanged,
            format!(
                "query parameter field `{}.{}` renamed `{}`",
                n.name, a.name, b.name
            ),
        );
        param(&mut at, &n.name, a, b);
    }
    for p in &m.removed {
        at.breaking(
            Kind::ParameterRemoved,
            format!(
                "query parameter `{}` removed (field `{}.{}`): code that sets it stops compiling",
                p.wire_name, n.name, p.name
            ),
        );
    }
    for p in &m.added {
        let name = bare(&p.name);
        if p.required {
            at.breaking(
                Kind::ParameterAdded,
                format!(
                    "required query parameter `{}` added: `{}::new` takes `{name}: {}` now: pass it",
                    p.wire_name, n.name, p.ty
                ),
            );
        } else {
            // The struct is `#[non_exhaustive]` and built by `new` and setters.
            at.compatible(
                Kind::ParameterAdded,
                format!(
                    "optional query parameter `{}` added (`{}.{}: {}`), set by `{}::with_{name}`",
                    p.wire_name, n.name, p.name, p.ty, n.name
                ),
            );
        }
    }
}

fn names(params: &[ParamSurface]) -> String {
    params
        .iter()
        .map(|p| format!("`{}`", p.wire_name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn param(at: &mut At<'_>, strukt: &str, o: &ParamSurface, n: &ParamSurface) {
    let changed = o.ty != n.ty || o.required != n.required || o.wire_name != n.wire_name;
    if o.ty != n.ty || o.required != n.required {
        let name = bare(&n.name);
        let what = match (o.required, n.required) {
            (false, true) => {
                format!("became required (`{strukt}::new` takes `{name}` now: pass it)")
            }
            (true, false) => format!(
                "became optional (`{strukt}::new` no longer takes `{name}`: set it with \
                 `.with_{name}(…)`)"
            ),
            _ => "changed type".to_owned(),
        };
        at.breaking(
            Kind::ParameterChanged,
            format!(
                "query parameter `{}` {what}: `{strukt}.{}` is `{}` instead of `{}`",
                n.wire_name, n.name, n.ty, o.ty
            ),
        );
    }
    if o.wire_name != n.wire_name {
        at.compatible(
            Kind::ParameterChanged,
            format!(
                "`{strukt}.{}` is sent as `{}` instead of `{}`",
                n.name, n.wire_name, o.wire_name
            ),
        );
    }
    at.doc(&o.description, &n.description, changed);
}

fn body(acc: &mut Acc, item: &str, old: Option<&BodySurface>, new: Option<&BodySurface>) {
    let mut at = acc.at(Area::Operation, item);
    match (old, new) {
        (None, None) => {}
        (None, Some(n)) => at.breaking(
            Kind::ParameterAdded,
            format!(
                "takes a request body now (`{}`): existing calls miss the argument",
                n.ty
            ),
        ),
        (Some(o), None) => at.breaking(
            Kind::ParameterRemoved,
            format!(
                "takes no request body any more (was `{}`): existing calls pass one argument too many",
                o.ty
            ),
        ),
        (Some(o), Some(n)) => {
            if o.ty != n.ty {
                at.breaking(
                    Kind::ParameterChanged,
                    format!("request body is `{}` instead of `{}`", n.ty, o.ty),
                );
            }
            if o.required != n.required {
                let (was, is) = if n.required {
                    ("Option<&T>", "&T")
                } else {
                    ("&T", "Option<&T>")
                };
                at.breaking(
                    Kind::ParameterChanged,
                    format!(
                        "request body became {}: the argument is `{is}` instead of `{was}`",
                        if n.required { "required" } else { "optional" }
                    ),
                );
            }
            let changed = o.ty != n.ty || o.required != n.required;
            at.doc(&o.description, &n.description, changed);
        }
    }
}

fn answers(at: &mut At<'_>, o: &OperationSurface, n: &OperationSurface) {
    let single = |op: &OperationSurface| op.answers.iter().all(|a| a.variant.is_none());
    if single(o) && single(n) {
        return sole_answer(at, o, n);
    }
    if o.returns != n.returns {
        at.breaking(
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
            at.breaking(
                Kind::AnswerChanged,
                format!("success answers {} instead of {}", list(n), list(o)),
            );
        }
        return;
    }
    let (old, new) = (by_status(o), by_status(n));
    for (status, a) in &old {
        match new.get(status) {
            None => at.breaking(
                Kind::AnswerRemoved,
                format!(
                    "answer {status} removed (variant `{}::{}`): matches that name it stop compiling",
                    o.returns,
                    a.variant.as_deref().unwrap_or_default()
                ),
            ),
            Some(b) => enum_answer(at, *status, (o, a), (n, b)),
        }
    }
    for (status, b) in &new {
        if !old.contains_key(status) {
            // The enum of answers is `#[non_exhaustive]`: matches have a `_` arm.
            at.compatible(
                Kind::AnswerAdded,
                format!(
                    "answer {status} added (variant `{}::{}{}`)",
                    n.returns,
                    b.variant.as_deref().unwrap_or_default(),
                    held(b.body.as_deref()),
                ),
            );
        }
    }
}

/// One success answer: the method returns its body; the status is not in the type.
fn sole_answer(at: &mut At<'_>, o: &OperationSurface, n: &OperationSurface) {
    if o.returns != n.returns {
        at.breaking(
            Kind::AnswerChanged,
            format!("returns `{}` instead of `{}`", n.returns, o.returns),
        );
    }
    if let (Some(a), Some(b)) = (o.answers.first(), n.answers.first()) {
        let status_changed = a.status != b.status;
        if status_changed {
            at.compatible(
                Kind::AnswerChanged,
                format!("succeeds with {} instead of {}", b.status, a.status),
            );
        }
        at.doc(
            &a.description,
            &b.description,
            status_changed || o.returns != n.returns,
        );
    }
}

/// One status of an enum of answers, in both versions.
fn enum_answer(
    at: &mut At<'_>,
    status: u16,
    (o, a): (&OperationSurface, &AnswerSurface),
    (n, b): (&OperationSurface, &AnswerSurface),
) {
    let changed = a.variant != b.variant || a.body != b.body;
    if changed {
        at.breaking(
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
    at.doc(&a.description, &b.description, changed);
}

fn by_status(op: &OperationSurface) -> BTreeMap<u16, &AnswerSurface> {
    op.answers.iter().map(|a| (a.status, a)).collect()
}

fn held(body: Option<&str>) -> String {
    body.map(|b| format!("({b})")).unwrap_or_default()
}
