//! Names: how document names become Rust identifiers, and the method naming rule.
//!
//! # Method names
//!
//! A method's name comes from its path and HTTP method, never from a table of operations:
//!
//! 1. The *collection path* is the run of leading literal segments that every path of the
//!    document shares (for orders, `/crm/v3/objects/orders`; for a date-versioned document,
//!    `/crm/objects/2026-03`). It is dropped.
//! 2. Literal segments that start with a digit (HubSpot's object type ids such as `0-3` in
//!    `/crm/objects/2026-03/0-3/{dealId}`) name a collection as the collection path does, and
//!    are skipped too. Path parameters are skipped, but they tell what a path addresses. A parameter that some
//!    path of the document follows directly with another parameter is a *selector*: it picks a
//!    collection, not a record (`{objectType}` in `{objectType}/{objectId}`, `{toObjectType}`
//!    in `…/associations/{toObjectType}/{toObjectId}`). Every other parameter is a *record
//!    parameter*: it picks one member of a collection (`{orderId}`, `{objectId}`).
//! 3. When no literal segment remains, the HTTP method decides. On a collection (the path
//!    ends in a literal or a selector): GET `get_page`, POST `create`, PUT `replace`, DELETE
//!    `archive_all`. On one record (the path ends in a record parameter): GET `get_by_id`,
//!    PATCH `update`, PUT `replace`, DELETE `archive`.
//! 4. Otherwise the remaining literal segments, in snake_case and joined by `_`, are the
//!    *words*: `/batch/upsert` gives `batch_upsert`, `/search` `search`, `/merge` `merge`,
//!    `/gdpr-delete` `gdpr_delete`. On their own they are the name, unless:
//!    - the path ends in a record parameter after the words: it addresses one member of the
//!      collection the words name. The name is a verb, then the words with the last one made
//!      singular (`associations` gives `association`; a final `ies` becomes `y`, a final `s`
//!      goes unless the word ends in `ss`, `us` or `is`). The verb: GET `get`, POST and PUT
//!      `create` (putting a member at its own address is how it is made: a link between two
//!      records), PATCH `update`, DELETE `archive`. So `PUT …/associations/{toObjectType}/
//!      {toObjectId}` is `create_association` and `DELETE` there `archive_association`.
//!    - the words follow a record parameter and the method is not POST: the path addresses a
//!      collection belonging to one record, and the method's verb goes in front: GET `get`,
//!      PUT `replace`, PATCH `update`, DELETE `archive` (`GET …/{objectId}/associations/
//!      {toObjectType}` is `get_associations`). A POST to words names an action wherever it
//!      sits (`search`, `merge`), so it keeps the words alone.
//! 5. Where several operations would still share a name, and the operationId of each ends in
//!    an action after an underscore, as HubSpot writes them (`…/0-3_getPage`,
//!    `…/{dealId}_getById`, `…/event-templates_getAll`), each takes its action in snake_case
//!    ([`action_name`]: `get_page`, `get_by_id`, `get_all`; a leading `do` is dropped, so
//!    `doSearch` is `search`), provided the actions differ.
//! 6. Otherwise the method's verb is put in front of each of them (GET `get_`, PUT `replace_`,
//!    DELETE `archive_`, PATCH `update_`, POST `create_`): `GET /search` and `POST /search`
//!    become `get_search` and `create_search`.
//! 7. The names of the handle's own methods ([`RESERVED_METHODS`]: its constructor `new`, and
//!    `client`, `list_page` and `search_page` of the runtime's traits it implements) are never
//!    given to an operation: one that would get such a name takes its verb in front instead
//!    (`GET /client` is `get_client`).
//!
//! 8. Where several operations still share a name, what differs in their paths tells them
//!    apart ([`MethodNamer::settle`]), and only their names change:
//!    - the words (rule 4's literal segments) that some of their paths have and others lack
//!      go in front, in path order: `GET /site-pages` and `GET /landing-pages`, both
//!      `get_page` by their operationIds, become `site_pages_get_page` and
//!      `landing_pages_get_page`; `GET /{appId}` and `GET /{appId}/{definitionId}/functions`,
//!      both `get_page`, become `get_page` (it has no word the other lacks) and
//!      `functions_get_page`;
//!    - where their words are the same, the path parameters that some have and others lack go
//!      behind, after `by_`: `GET /{appId}/settings` (`get_settings`) and `GET /settings`
//!      (`get_settings` by rule 6) become `get_settings_by_app_id` and `get_settings`;
//!    - where that is not enough either, every word of each path goes in front, and the
//!      parameters behind as before.
//!
//!    A step is taken only when it gives every one of them its own name, one no other
//!    operation has (nor the handle: rule 7).
//!
//! Two operations that still share a name are an error. Rules 1 to 4 are
//! [`MethodNamer::name`], rule 8 [`MethodNamer::settle`]; rules 5 to 7 are applied by the
//! lowering, which sees every operation at once.
//!
//! # Identifiers
//!
//! Fields, parameters and methods are snake_case; types and variants UpperCamelCase (heck's
//! conversion). A Rust keyword becomes a raw identifier (`r#type`); the few keywords that cannot
//! be raw (`self`, `Self`, `super`, `crate`) and names that start with a digit get a trailing or
//! leading `_`. Only ASCII letters and digits are kept; any other character breaks words. A
//! name that is empty after conversion becomes `value`/`Value`.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};

use crate::ir::{HttpMethod, Import, Imports};

/// The methods a document's handle has besides its operations: an operation never gets one of
/// these names (rule 7). A test parses the runtime's helper traits and fails when one has a
/// method not listed here.
pub const RESERVED_METHODS: &[&str] = &["new", "client", "list_page", "search_page"];

/// The inherent methods a generated struct may have besides its setters: its constructor and
/// the roles' methods (and the runtime traits' methods, which a setter would shadow).
pub const STRUCT_METHODS: &[&str] = &[
    "new",
    "from_typed",
    "by_keys",
    "typed_properties",
    "id",
    "next_after",
    "into_items",
];

/// The setter of the optional field `field` (a Rust name, `r#` allowed): `with_` and the field's
/// name without `r#`; when the struct has a method of that name already (`taken`), `_field` is
/// added until it is free. The name is added to `taken`.
pub fn setter(field: &str, taken: &mut std::collections::BTreeSet<String>) -> String {
    let mut name = format!("with_{}", bare(field));
    while taken.contains(&name) {
        name.push_str("_field");
    }
    taken.insert(name.clone());
    name
}

/// The names a document's module may not take: the crate's own modules and the runtime's,
/// which the generated crate re-exports beside the documents' modules.
pub const RESERVED_MODULES: &[&str] = &[
    "common",
    "generated",
    "bulk",
    "paging",
    "property_values",
    "codegen",
    "testing",
];

/// The module of a document, from its file name without the extension: snake_case
/// (`line-items.yaml` → `line_items`).
///
/// # Errors
///
/// When the name gives no usable module name: empty, a keyword, starting with a digit, or one
/// of [`RESERVED_MODULES`]. The message says what to rename.
pub fn module_name(stem: &str) -> Result<String, String> {
    let name = snake(stem);
    if name.is_empty()
        || name.starts_with(|c: char| c.is_ascii_digit())
        || KEYWORDS.contains(&name.as_str())
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(format!(
            "the file name `{stem}` gives no Rust module name (`{name}`): name the document \
             after its object, e.g. `orders.yaml`"
        ));
    }
    if RESERVED_MODULES.contains(&name.as_str()) {
        return Err(format!(
            "the file name `{stem}` would make the module `{name}`, a name the generated crate \
             keeps for its own module: rename the document"
        ));
    }
    Ok(name)
}

/// The handle type of a document module: its name in UpperCamelCase (`line_items` →
/// `LineItems`).
pub fn handle_name(module: &str) -> String {
    module.to_upper_camel_case()
}

/// The action HubSpot writes at the end of an operationId, after the last underscore
/// (`get-/crm/objects/2026-03/0-3_getPage` → `get_page`), in snake_case; `None` when the
/// operationId has no such word (a path or nothing after the underscore). A leading `do`
/// is dropped (`doSearch` → `search`).
pub fn action_name(operation_id: &str) -> Option<String> {
    let (_, action) = operation_id.rsplit_once('_')?;
    let is_word = action.starts_with(|c: char| c.is_ascii_alphabetic())
        && action.chars().all(|c| c.is_ascii_alphanumeric());
    if !is_word {
        return None;
    }
    let name = snake(action);
    Some(match name.strip_prefix("do_") {
        Some(rest) if !rest.is_empty() => snake(rest),
        _ => name,
    })
}

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

/// Identifiers are kept to ASCII letters, digits and `_`: everything else (punctuation, and
/// letters outside ASCII, which not every tool and lint accepts) breaks words.
fn clean(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
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

/// An identifier as the generated code spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    /// `r#name`: a keyword used as a name.
    Raw(String),
    /// A plain identifier.
    Plain(String),
}

/// The identifier for an IR name. The IR's names come from this module, which only makes
/// valid identifiers; anything else is made valid here (other characters become `_`, a `_`
/// goes in front, a keyword that cannot be raw gets a `_` behind) so that spelling it never
/// panics.
pub fn identifier(name: &str) -> Identifier {
    let (raw, bare) = match name.strip_prefix("r#") {
        Some(rest) => (true, rest),
        None => (false, name),
    };
    let valid = bare.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && bare != "_"
        && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        let cleaned: String = bare
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        return Identifier::Plain(format!("_{cleaned}"));
    }
    if raw && !NOT_RAW.contains(&bare) {
        Identifier::Raw(bare.to_owned())
    } else if is_keyword(bare) {
        Identifier::Plain(format!("{bare}_"))
    } else {
        Identifier::Plain(bare.to_owned())
    }
}

/// An UpperCamelCase identifier for a type or variant.
pub fn camel(name: &str) -> String {
    finish(clean(name).to_upper_camel_case(), "Value")
}

/// Which imports a generated module writes by name: `wanted` are what it would import, most
/// important first, each with the name it would be written by. One is written by name unless
/// an item of the module (`defined`) or a more important import has that name; the others are
/// written by their path. The one rule by which every generated module's `use` prelude is
/// decided, so that no import can clash with a name of the module, whatever the document
/// calls its schemas.
pub fn importable<'a>(
    defined: &BTreeSet<&str>,
    wanted: impl IntoIterator<Item = (Import, &'a str)>,
) -> Imports {
    let mut taken: BTreeSet<&str> = defined.clone();
    let mut by_name = BTreeSet::new();
    for (import, name) in wanted {
        if !name.is_empty() && taken.insert(name) {
            by_name.insert(import);
        }
    }
    Imports { by_name }
}

/// Names of the prelude that the generated `types` module uses unqualified: a schema of that
/// name would hide them, so it gets `Type` appended (`String` → `StringType`).
const PRELUDE: &[&str] = &["Box", "From", "Option", "String", "Vec"];

/// An UpperCamelCase identifier for a type of the `types` module.
pub fn type_name(name: &str) -> String {
    let ident = camel(name);
    if PRELUDE.contains(&ident.as_str()) {
        format!("{ident}Type")
    } else {
        ident
    }
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

/// What the method naming rule needs to know of the whole document: the collection path
/// and the selector parameters (rules 1 and 2 of the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MethodNamer {
    prefix_len: usize,
    selectors: BTreeSet<String>,
}

impl MethodNamer {
    /// Reads the document's paths.
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a str>) -> Self {
        let paths: Vec<&str> = paths.into_iter().collect();
        let mut selectors = BTreeSet::new();
        for path in &paths {
            for pair in segments(path).windows(2) {
                if let [Segment::Param(name), Segment::Param(_)] = pair {
                    selectors.insert((*name).to_owned());
                }
            }
        }
        MethodNamer {
            prefix_len: collection_prefix_len(paths),
            selectors,
        }
    }

    /// The number of segments of the collection path.
    pub fn prefix_len(&self) -> usize {
        self.prefix_len
    }

    /// Whether the parameter `name` picks a collection rather than a record (rule 2).
    pub fn is_selector(&self, name: &str) -> bool {
        self.selectors.contains(name)
    }

    fn is_record(&self, segment: &Segment<'_>) -> bool {
        matches!(segment, Segment::Param(name) if !self.is_selector(name))
    }

    /// The words of a path after the collection path (rule 4's literal segments, object type
    /// ids left out), in snake_case.
    fn words(&self, path: &str) -> Vec<String> {
        segments(path)
            .get(self.prefix_len..)
            .unwrap_or_default()
            .iter()
            .filter_map(|s| match s {
                Segment::Literal(text) if text.starts_with(|c: char| c.is_ascii_digit()) => None,
                Segment::Literal(text) => Some(bare(&snake(text)).to_owned()),
                Segment::Param(_) => None,
            })
            .collect()
    }

    /// The path parameters of a path after the collection path, in snake_case.
    fn params(&self, path: &str) -> Vec<String> {
        segments(path)
            .get(self.prefix_len..)
            .unwrap_or_default()
            .iter()
            .filter_map(|s| match s {
                Segment::Param(name) => Some(bare(&snake(name)).to_owned()),
                Segment::Literal(_) => None,
            })
            .collect()
    }

    /// Rule 8: gives operations that share a name (after rules 1 to 7) names of their own, from
    /// what differs in their paths. `paths` are the operations' paths and `names` their names,
    /// in the same order; only names that several operations share change. Where no step of
    /// the rule tells a group apart, its names stay as they are (and lowering reports them).
    pub fn settle(&self, paths: &[&str], names: &mut [String]) {
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, name) in names.iter().enumerate() {
            groups.entry(name.clone()).or_default().push(i);
        }
        for (name, members) in groups.into_iter().filter(|(_, m)| m.len() > 1) {
            let words: Vec<Vec<String>> = members.iter().map(|&i| self.words(paths[i])).collect();
            let params: Vec<Vec<String>> = members.iter().map(|&i| self.params(paths[i])).collect();
            let not_in_all = |lists: &[Vec<String>], k: usize| -> Vec<String> {
                lists[k]
                    .iter()
                    .filter(|w| !lists.iter().all(|other| other.contains(w)))
                    .cloned()
                    .collect()
            };
            // Each step's words in front and parameters behind, for the `k`th member.
            let step = |n: usize, k: usize| -> (Vec<String>, Vec<String>) {
                match n {
                    0 => (not_in_all(&words, k), Vec::new()),
                    1 => (not_in_all(&words, k), not_in_all(&params, k)),
                    _ => (words[k].clone(), not_in_all(&params, k)),
                }
            };
            // Names no operation of the group may take: the others', and the handle's own.
            let mut taken: BTreeSet<String> = names
                .iter()
                .enumerate()
                .filter(|(i, _)| !members.contains(i))
                .map(|(_, n)| bare(n).to_owned())
                .collect();
            taken.extend(RESERVED_METHODS.iter().map(|m| (*m).to_owned()));
            for n in 0..3 {
                let candidates: Vec<String> = (0..members.len())
                    .map(|k| {
                        let (front, behind) = step(n, k);
                        let mut parts = front;
                        parts.push(bare(&name).to_owned());
                        parts.extend(behind.iter().map(|p| format!("by_{p}")));
                        snake(&parts.join("_"))
                    })
                    .collect();
                let distinct: BTreeSet<&str> = candidates.iter().map(|c| bare(c)).collect();
                if distinct.len() == candidates.len()
                    && distinct.iter().all(|c| !taken.contains(*c))
                {
                    for (&i, candidate) in members.iter().zip(candidates) {
                        names[i] = candidate;
                    }
                    break;
                }
            }
        }
    }

    /// The method name for one operation, before collisions are looked at (rules 1 to 4).
    pub fn name(&self, path: &str, method: HttpMethod) -> String {
        let segs = segments(path);
        let rest = segs.get(self.prefix_len..).unwrap_or_default();
        let mut words: Vec<String> = rest
            .iter()
            .filter_map(|s| match s {
                // An object type id (`0-3`, `2-1234`) names the collection like the
                // collection path does: it is no word.
                Segment::Literal(text) if text.starts_with(|c: char| c.is_ascii_digit()) => None,
                Segment::Literal(text) => Some(bare(&snake(text)).to_owned()),
                Segment::Param(_) => None,
            })
            .collect();
        let ends_on_record = rest.last().is_some_and(|s| self.is_record(s));
        if words.is_empty() {
            return on_collection_or_record(method, ends_on_record).to_owned();
        }
        let first_word = rest
            .iter()
            .position(|s| matches!(s, Segment::Literal(_)))
            .unwrap_or_default();
        let below_record = rest[..first_word].iter().any(|s| self.is_record(s));
        let verb = if ends_on_record {
            if let Some(last) = words.last_mut() {
                *last = singular_last(last);
            }
            match method {
                HttpMethod::Put | HttpMethod::Post => "create",
                other => verb_prefix(other),
            }
        } else if below_record && method != HttpMethod::Post {
            verb_prefix(method)
        } else {
            return snake(&words.join("_"));
        };
        snake(&format!("{verb}_{}", words.join("_")))
    }
}

/// Rule 3: the name of an operation on the collection itself or on one of its records.
fn on_collection_or_record(method: HttpMethod, on_record: bool) -> &'static str {
    match (method, on_record) {
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
    }
}

/// The snake_case `words` with their last word made singular (rule 4).
fn singular_last(words: &str) -> String {
    let (head, last) = match words.rsplit_once('_') {
        Some((head, last)) => (Some(head), last),
        None => (None, words),
    };
    let one = singular(last);
    match head {
        Some(head) => format!("{head}_{one}"),
        None => one,
    }
}

/// One English word made singular, by the few endings rule 4 names.
pub fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies").filter(|s| !s.is_empty()) {
        return format!("{stem}y");
    }
    if ["ss", "us", "is"].iter().any(|end| word.ends_with(end)) {
        return word.to_owned();
    }
    match word.strip_suffix('s') {
        Some(stem) if !stem.is_empty() => stem.to_owned(),
        _ => word.to_owned(),
    }
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
        // Identifiers stay ASCII: `¹` is alphanumeric but cannot be in an identifier.
        assert_eq!(snake("a¹b"), "a_b");
        assert_eq!(snake("¹"), "value");
    }

    fn names(paths: &[(&str, HttpMethod)]) -> Vec<String> {
        let namer = MethodNamer::new(paths.iter().map(|(p, _)| *p));
        paths.iter().map(|(p, m)| namer.name(p, *m)).collect()
    }

    #[test]
    fn method_names_follow_the_rule() {
        use HttpMethod::*;
        let paths = [
            ("/crm/v3/objects/orders", Get),
            ("/crm/v3/objects/orders", Post),
            ("/crm/v3/objects/orders/batch/upsert", Post),
            ("/crm/v3/objects/orders/{orderId}", Get),
            ("/crm/v3/objects/orders/{orderId}", Patch),
            ("/crm/v3/objects/orders/{orderId}", Delete),
            ("/crm/v3/objects/orders/gdpr-delete", Post),
        ];
        assert_eq!(
            MethodNamer::new(paths.iter().map(|(p, _)| *p)).prefix_len(),
            4
        );
        assert_eq!(
            names(&paths),
            [
                "get_page",
                "create",
                "batch_upsert",
                "get_by_id",
                "update",
                "archive",
                "gdpr_delete"
            ]
        );
    }

    #[test]
    fn a_type_id_segment_is_part_of_the_collection_path() {
        use HttpMethod::*;
        let paths = [
            ("/crm/v3/objects/0-3", Get),
            ("/crm/v3/objects/0-3/merge", Post),
            ("/crm/v3/objects/0-3/{dealId}", Get),
        ];
        assert_eq!(names(&paths), ["get_page", "merge", "get_by_id"]);
    }

    #[test]
    fn a_selector_parameter_picks_a_collection_not_a_record() {
        use HttpMethod::*;
        let paths = [
            ("/crm/objects/2026-03/{objectType}", Get),
            ("/crm/objects/2026-03/{objectType}", Post),
            ("/crm/objects/2026-03/{objectType}/batch/upsert", Post),
            ("/crm/objects/2026-03/{objectType}/search", Post),
            ("/crm/objects/2026-03/{objectType}/{objectId}", Get),
            ("/crm/objects/2026-03/{objectType}/{objectId}", Patch),
            ("/crm/objects/2026-03/{objectType}/{objectId}", Delete),
        ];
        let namer = MethodNamer::new(paths.iter().map(|(p, _)| *p));
        assert_eq!(namer.prefix_len(), 3);
        assert!(namer.is_selector("objectType"));
        assert!(!namer.is_selector("objectId"));
        assert_eq!(
            names(&paths),
            [
                "get_page",
                "create",
                "batch_upsert",
                "search",
                "get_by_id",
                "update",
                "archive"
            ]
        );
    }

    #[test]
    fn below_a_record_the_verb_goes_in_front() {
        use HttpMethod::*;
        let assoc = "/crm/objects/2026-03/{objectType}/{objectId}/associations/{toObjectType}";
        let member = format!("{assoc}/{{toObjectId}}");
        let paths = [
            ("/crm/objects/2026-03/{objectType}", Get),
            (assoc, Get),
            (member.as_str(), Put),
            (member.as_str(), Delete),
            (member.as_str(), Get),
            ("/crm/objects/2026-03/{objectType}/{objectId}/settings", Put),
            ("/crm/objects/2026-03/{objectType}/{objectId}/restore", Post),
            (
                "/crm/objects/2026-03/{objectType}/{objectId}/notes/{noteId}",
                Post,
            ),
            (
                "/crm/objects/2026-03/{objectType}/{objectId}/properties/{name}",
                Patch,
            ),
        ];
        assert_eq!(
            names(&paths),
            [
                "get_page",
                "get_associations",
                "create_association",
                "archive_association",
                "get_association",
                "replace_settings",
                "restore",
                "create_note",
                "update_property",
            ]
        );
    }

    #[test]
    fn an_object_type_id_after_the_collection_path_is_no_word() {
        use HttpMethod::*;
        // A date-versioned document that holds the deals paths beside generic ones, so the
        // shared prefix stops before `0-3`.
        let paths = [
            ("/crm/objects/2026-03/0-3", Get),
            ("/crm/objects/2026-03/0-3", Post),
            ("/crm/objects/2026-03/0-3/{dealId}", Get),
            ("/crm/objects/2026-03/0-3/{dealId}", Patch),
            ("/crm/objects/2026-03/0-3/search", Post),
            ("/crm/objects/2026-03/{objectType}/{objectId}", Get),
        ];
        assert_eq!(
            names(&paths),
            [
                "get_page",
                "create",
                "get_by_id",
                "update",
                "search",
                "get_by_id"
            ]
        );
    }

    #[test]
    fn the_action_of_an_operation_id() {
        assert_eq!(
            action_name("get-/crm/objects/2026-03/0-3_getPage").as_deref(),
            Some("get_page")
        );
        assert_eq!(
            action_name("get-/crm/v3/objects/0-3/{dealId}_getById").as_deref(),
            Some("get_by_id")
        );
        assert_eq!(
            action_name("post-/x/search_doSearch").as_deref(),
            Some("search")
        );
        assert_eq!(action_name("x_getAll").as_deref(), Some("get_all"));
        // A path, or nothing, after the last underscore is no action.
        assert_eq!(
            action_name("get-/crm/objects/{objectType}_/crm/objects/{objectType}"),
            None
        );
        assert_eq!(action_name("get-/crm/v3/objects/orders"), None);
        assert_eq!(action_name("things_"), None);
        assert_eq!(action_name("things_2x"), None);
    }

    /// Rules 1 to 4, then rule 8 (rules 5 to 7 are the lowering's).
    fn settled(paths: &[(&str, HttpMethod)], names: &[&str]) -> Vec<String> {
        let namer = MethodNamer::new(paths.iter().map(|(p, _)| *p));
        let mut names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let only: Vec<&str> = paths.iter().map(|(p, _)| *p).collect();
        namer.settle(&only, &mut names);
        names
    }

    #[test]
    fn operations_named_alike_are_told_apart_by_their_paths() {
        use HttpMethod::*;
        // Two collections, each named by the actions of its operationIds (rule 5).
        let paths = [
            ("/cms/v3/pages/site-pages", Get),
            ("/cms/v3/pages/site-pages", Post),
            ("/cms/v3/pages/landing-pages", Get),
            ("/cms/v3/pages/landing-pages", Post),
            ("/cms/v3/pages/site-pages/{objectId}", Get),
        ];
        assert_eq!(
            settled(
                &paths,
                &["get_page", "create", "get_page", "create", "get_site_page"]
            ),
            [
                "site_pages_get_page",
                "site_pages_create",
                "landing_pages_get_page",
                "landing_pages_create",
                "get_site_page"
            ]
        );
        // The path with nothing the other lacks keeps its name.
        let paths = [
            ("/automation/v4/actions/{appId}", Get),
            (
                "/automation/v4/actions/{appId}/{definitionId}/functions",
                Get,
            ),
            ("/automation/v4/actions/callbacks/complete", Post),
        ];
        assert_eq!(
            settled(&paths, &["get_page", "get_page", "callbacks_complete"]),
            ["get_page", "functions_get_page", "callbacks_complete"]
        );
    }

    #[test]
    fn the_same_words_are_told_apart_by_parameters_then_by_every_word() {
        use HttpMethod::*;
        let paths = [
            ("/webhooks/v3/{appId}/settings", Get),
            ("/webhooks/v3/settings", Get),
            ("/webhooks/v3/other", Post),
        ];
        assert_eq!(
            settled(&paths, &["get_settings", "get_settings", "other"]),
            ["get_settings_by_app_id", "get_settings", "other"]
        );
        // The same words in another order: only all of them tell the paths apart.
        let paths = [("/x/v1/a/b", Get), ("/x/v1/b/a", Get), ("/x/v1/c", Get)];
        assert_eq!(
            settled(&paths, &["get", "get", "c"]),
            ["a_b_get", "b_a_get", "c"]
        );
    }

    #[test]
    fn a_settled_name_never_takes_another_operations_name() {
        use HttpMethod::*;
        // `site_pages_get_page` is taken, and no step finds `site-pages` another name.
        let paths = [
            ("/cms/v3/pages/site-pages", Get),
            ("/cms/v3/pages/landing-pages", Get),
            ("/cms/v3/pages/site-pages/get-page", Get),
        ];
        assert_eq!(
            settled(&paths, &["get_page", "get_page", "site_pages_get_page"]),
            ["get_page", "get_page", "site_pages_get_page"],
            "no step gives both a free name: they are left for lowering to report"
        );
        // Names that collide with nobody never change.
        let paths = [("/a/v1/x", Get), ("/a/v1/y", Get)];
        assert_eq!(settled(&paths, &["x", "y"]), ["x", "y"]);
    }

    #[test]
    fn singular_words() {
        assert_eq!(singular("associations"), "association");
        assert_eq!(singular("properties"), "property");
        assert_eq!(singular("status"), "status");
        assert_eq!(singular("access"), "access");
        assert_eq!(singular("analysis"), "analysis");
        assert_eq!(singular("s"), "s");
        assert_eq!(singular("data"), "data");
        assert_eq!(singular_last("line_items"), "line_item");
    }

    #[test]
    fn a_single_path_keeps_nothing_for_the_name_but_the_verb() {
        assert_eq!(names(&[("/things/list", HttpMethod::Get)]), ["get_page"]);
        assert_eq!(names(&[("/things/{id}", HttpMethod::Get)]), ["get_by_id"]);
    }
}
