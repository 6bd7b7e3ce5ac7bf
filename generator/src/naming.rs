//! Names: how document names become Rust identifiers, and the method naming rule.
//!
//! # Method names
//!
//! A method's name comes from its path and HTTP method, never from a table of operations:
//!
//! 1. The *collection path* is the run of leading literal segments that every path of the
//!    document shares (for orders, `/crm/v3/objects/orders`). It is dropped.
//! 2. The remaining literal segments, in snake_case and joined by `_`, form the name:
//!    `/batch/upsert` gives `batch_upsert`, `/search` gives `search`, `/gdpr-delete` gives
//!    `gdpr_delete`. Path parameters are skipped.
//! 3. When no literal segment remains, the HTTP method decides. On the collection itself:
//!    GET `get_page`, POST `create`, PUT `replace`, DELETE `archive_all`. On one record (the path
//!    ends in a parameter): GET `get_by_id`, PATCH `update`, PUT `replace`, DELETE `archive`.
//! 4. When literal segments remain and the path ends in a parameter, or the method is not the
//!    one the name implies, the method's verb is put in front where two operations would
//!    otherwise share a name: GET becomes `get_`, PUT `replace_`, DELETE `archive_`, PATCH
//!    `update_`, POST `create_`. Two operations that still share a name are an error.
//!
//! # Identifiers
//!
//! Fields, parameters and methods are snake_case; types and variants UpperCamelCase (heck's
//! conversion). A Rust keyword becomes a raw identifier (`r#type`); the few keywords that cannot
//! be raw (`self`, `Self`, `super`, `crate`) and names that start with a digit get a trailing or
//! leading `_`. A name that is empty after conversion becomes `value`/`Value`.

use heck::{ToSnakeCase, ToUpperCamelCase};

use crate::ir::HttpMethod;

/// Rust keywords of every edition (strict and reserved).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be written as raw identifiers.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Whether `word` is a Rust keyword.
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// Keeps only characters valid in an identifier, turning the rest into word breaks.
fn clean(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect()
}

fn finish(mut ident: String, empty: &str) -> String {
    if ident.is_empty() {
        return empty.to_owned();
    }
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, '_');
    }
    if NOT_RAW.contains(&ident.as_str()) {
        ident.push('_');
    } else if is_keyword(&ident) {
        ident.insert_str(0, "r#");
    }
    ident
}

/// A snake_case identifier for a field, parameter or method.
pub fn snake(name: &str) -> String {
    finish(clean(name).to_snake_case(), "value")
}

/// An UpperCamelCase identifier for a type or variant.
pub fn camel(name: &str) -> String {
    finish(clean(name).to_upper_camel_case(), "Value")
}

/// The identifier without its `r#` prefix, for building longer names from it.
pub fn bare(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Literal text.
    Literal(&'a str),
    /// `{name}`.
    Param(&'a str),
}

/// Splits a path template into segments (empty segments dropped).
pub fn segments(path: &str) -> Vec<Segment<'_>> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Segment::Param(name),
                None => Segment::Literal(s),
            },
        )
        .collect()
}

/// The number of leading literal segments every path shares.
pub fn collection_prefix_len<'a>(paths: impl IntoIterator<Item = &'a str>) -> usize {
    let mut common: Option<Vec<Segment<'a>>> = None;
    for path in paths {
        let literal: Vec<Segment<'a>> = segments(path)
            .into_iter()
            .take_while(|s| matches!(s, Segment::Literal(_)))
            .collect();
        common = Some(match common {
            None => literal,
            Some(prev) => prev
                .into_iter()
                .zip(literal)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect(),
        });
    }
    common.map_or(0, |c| c.len())
}

/// The method name for one operation, before collisions are looked at (rules 1 to 3).
pub fn method_name(path: &str, method: HttpMethod, prefix_len: usize) -> String {
    let segs = segments(path);
    let rest = segs.get(prefix_len..).unwrap_or_default();
    let words: Vec<String> = rest
        .iter()
        .filter_map(|s| match s {
            Segment::Literal(text) => Some(bare(&snake(text)).to_owned()),
            Segment::Param(_) => None,
        })
        .collect();
    if !words.is_empty() {
        return snake(&words.join("_"));
    }
    let on_record = matches!(rest.last(), Some(Segment::Param(_)));
    let name = match (method, on_record) {
        (HttpMethod::Get, false) => "get_page",
        (HttpMethod::Post, false) => "create",
        (HttpMethod::Put, _) => "replace",
        (HttpMethod::Delete, false) => "archive_all",
        (HttpMethod::Get, true) => "get_by_id",
        (HttpMethod::Patch, true) => "update",
        (HttpMethod::Delete, true) => "archive",
        (HttpMethod::Post, true) => "create",
        (HttpMethod::Patch, false) => "update_all",
        (HttpMethod::Options, _) => "options",
        (HttpMethod::Head, _) => "head",
        (HttpMethod::Trace, _) => "trace",
    };
    name.to_owned()
}

/// The verb put in front of a name that two operations share (rule 4).
pub fn verb_prefix(method: HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "get",
        HttpMethod::Put => "replace",
        HttpMethod::Post => "create",
        HttpMethod::Delete => "archive",
        HttpMethod::Patch => "update",
        HttpMethod::Options => "options",
        HttpMethod::Head => "head",
        HttpMethod::Trace => "trace",
    }
}

/// The variant name of a success status in a multi-status answer enum.
pub fn status_variant(status: u16) -> String {
    match status {
        200 => "Ok".to_owned(),
        201 => "Created".to_owned(),
        202 => "Accepted".to_owned(),
        203 => "NonAuthoritative".to_owned(),
        204 => "NoContent".to_owned(),
        206 => "PartialContent".to_owned(),
        207 => "MultiStatus".to_owned(),
        other => format!("Status{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(snake("objectWriteTraceId"), "object_write_trace_id");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("in"), "r#in");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("123abc"), "_123abc");
        assert_eq!(snake("--"), "value");
        assert_eq!(camel("HUBSPOT_DEFINED"), "HubspotDefined");
        assert_eq!(camel("Self"), "Self_");
        assert_eq!(camel("a-b c"), "ABC");
        assert_eq!(snake("gdpr-delete"), "gdpr_delete");
    }

    #[test]
    fn method_names_follow_the_rule() {
        let paths = [
            "/crm/v3/objects/orders",
            "/crm/v3/objects/orders/batch/upsert",
            "/crm/v3/objects/orders/{orderId}",
        ];
        let n = collection_prefix_len(paths);
        assert_eq!(n, 4);
        assert_eq!(method_name(paths[0], HttpMethod::Get, n), "get_page");
        assert_eq!(method_name(paths[0], HttpMethod::Post, n), "create");
        assert_eq!(method_name(paths[1], HttpMethod::Post, n), "batch_upsert");
        assert_eq!(method_name(paths[2], HttpMethod::Get, n), "get_by_id");
        assert_eq!(method_name(paths[2], HttpMethod::Patch, n), "update");
        assert_eq!(method_name(paths[2], HttpMethod::Delete, n), "archive");
        assert_eq!(
            method_name("/crm/v3/objects/orders/gdpr-delete", HttpMethod::Post, n),
            "gdpr_delete"
        );
    }

    #[test]
    fn a_single_path_keeps_nothing_for_the_name_but_the_verb() {
        let n = collection_prefix_len(["/things/list"]);
        assert_eq!(n, 2);
        assert_eq!(method_name("/things/list", HttpMethod::Get, n), "get_page");
    }
}
