//! Stage 1: read the document (JSON or YAML, by extension) into openapiv3's model.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, escape_token, pointer_of};

/// A document read and checked to be OpenAPI 3.0.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where it was read from.
    pub file: PathBuf,
    /// The document as plain JSON, for what openapiv3's model drops (such as a `description`
    /// beside a `$ref`).
    pub raw: Value,
    /// The typed model.
    pub api: openapiv3::OpenAPI,
}

/// The syntax of a document, chosen by its file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `.json`
    Json,
    /// `.yaml` or `.yml`
    Yaml,
}

impl Syntax {
    /// The syntax for `path`, or an error naming the extensions that are understood.
    pub fn of(path: &Path) -> Result<Syntax, Error> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("json") => Ok(Syntax::Json),
            Some("yaml" | "yml") => Ok(Syntax::Yaml),
            _ => Err(Error::msg(
                "cannot tell the document's syntax: name it *.json, *.yaml or *.yml",
            )
            .in_file(path)),
        }
    }
}

/// Reads and parses the document at `path`.
pub fn load(path: &Path) -> Result<Document, Error> {
    let syntax = Syntax::of(path)?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::msg(format!("cannot read the document: {e}")).in_file(path))?;
    parse(&text, syntax)
        .map(|(raw, api)| Document {
            file: path.to_owned(),
            raw,
            api,
        })
        .map_err(|e| e.in_file(path))
}

/// Parses a document's text.
pub fn parse(text: &str, syntax: Syntax) -> Result<(Value, openapiv3::OpenAPI), Error> {
    if text.trim().is_empty() {
        return Err(Error::msg("the document is empty"));
    }
    let raw = match syntax {
        Syntax::Json => serde_json::from_str::<Value>(text).map_err(|e| Error {
            file: None,
            line_col: Some((e.line(), e.column())),
            pointer: None,
            message: format!("not valid JSON: {e}"),
        })?,
        // Straight into JSON values when the keys allow (the quick way); through YAML values
        // otherwise, turning scalar keys such as an unquoted `200:` into strings.
        Syntax::Yaml if let Ok(value) = serde_yaml::from_str::<Value>(text) => value,
        Syntax::Yaml => {
            let yaml = serde_yaml::from_str::<serde_yaml::Value>(text).map_err(|e| Error {
                file: None,
                line_col: e.location().map(|l| (l.line(), l.column())),
                pointer: None,
                message: format!("not valid YAML: {e}"),
            })?;
            yaml_to_json(yaml, "")?
        }
    };
    check_version(&raw)?;
    check_depth(&raw)?;
    check_refs(&raw)?;
    // The plain deserializer first; tracking the path costs time, so only a failure pays it.
    let api = match <openapiv3::OpenAPI as serde::Deserialize>::deserialize(&raw) {
        Ok(api) => api,
        Err(plain) => {
            return Err(
                match serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(&raw) {
                    Err(e) => Error::at(
                        narrow(&raw, pointer_of(e.path())),
                        format!("not a valid OpenAPI 3.0 node: {}", e.into_inner()),
                    ),
                    Ok(_) => Error::at("", format!("not a valid OpenAPI 3.0 document: {plain}")),
                },
            );
        }
    };
    Ok((raw, api))
}

fn check_version(raw: &Value) -> Result<(), Error> {
    let Some(object) = raw.as_object() else {
        return Err(Error::at("", "the document is not a JSON object"));
    };
    match object.get("openapi") {
        Some(Value::String(v)) if v.starts_with("3.0.") || v == "3.0" => Ok(()),
        Some(Value::String(v)) => Err(Error::at(
            "/openapi",
            format!("OpenAPI {v} is not supported: the generator reads OpenAPI 3.0 documents"),
        )),
        Some(_) => Err(Error::at(
            "/openapi",
            "`openapi` must be a version string such as \"3.0.1\"",
        )),
        None if object.contains_key("swagger") => Err(Error::at(
            "/swagger",
            "Swagger 2.0 is not supported: the generator reads OpenAPI 3.0 documents",
        )),
        None => Err(Error::at(
            "",
            "not an OpenAPI document: there is no `openapi` field",
        )),
    }
}

/// How deeply the document's JSON may nest. openapiv3's deserializer recurses a few frames
/// a level, so a deeper document could exhaust a thread's stack; real documents stay far below
/// (HubSpot's orders document nests 9 levels).
pub const MAX_NESTING: usize = 40;

/// Refuses a document nested deeper than [`MAX_NESTING`], naming the first node too deep.
fn check_depth(raw: &Value) -> Result<(), Error> {
    // A quick pass for the depth alone; the pointers are built only when a node is too deep.
    let mut quick: Vec<(&Value, usize)> = vec![(raw, 0)];
    let mut too_deep = false;
    while let Some((value, depth)) = quick.pop() {
        if depth > MAX_NESTING {
            too_deep = true;
            break;
        }
        match value {
            Value::Object(map) => quick.extend(map.values().map(|v| (v, depth + 1))),
            Value::Array(items) => quick.extend(items.iter().map(|v| (v, depth + 1))),
            _ => {}
        }
    }
    if !too_deep {
        return Ok(());
    }
    let mut stack: Vec<(&Value, String, usize)> = vec![(raw, String::new(), 0)];
    while let Some((value, pointer, depth)) = stack.pop() {
        if depth > MAX_NESTING {
            return Err(Error::at(
                pointer,
                format!("the document nests more than {MAX_NESTING} levels deep here"),
            ));
        }
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    stack.push((child, format!("{pointer}/{}", escape_token(key)), depth + 1));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    stack.push((child, format!("{pointer}/{i}"), depth + 1));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Refuses a `$ref` whose value is not a string: openapiv3 would read the node as a schema
/// with an unknown keyword, silently. Values (`example`, `examples`, `default`, `enum`),
/// extensions (`x-…`) and the names of a `properties` map are not references.
fn check_refs(raw: &Value) -> Result<(), Error> {
    let mut stack: Vec<(&Value, String, bool)> = vec![(raw, String::new(), false)];
    while let Some((value, pointer, names)) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let child_pointer = format!("{pointer}/{}", escape_token(key));
                    if !names && key == "$ref" && !child.is_string() {
                        return Err(Error::at(
                            child_pointer,
                            "`$ref` must be a string (a reference such as \"#/components/schemas/Name\")",
                        ));
                    }
                    let is_value =
                        matches!(key.as_str(), "example" | "examples" | "default" | "enum")
                            || key.starts_with("x-");
                    if !names && is_value {
                        continue;
                    }
                    stack.push((child, child_pointer, !names && key == "properties"));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    stack.push((child, format!("{pointer}/{i}"), false));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Finds the node at fault below `pointer`, where serde_path_to_error lost track (openapiv3's
/// flattened and untagged types hide the path below them): while removing one child of the
/// current node makes the document valid, that child holds the fault, and the search goes on
/// inside it. Only runs on a failure, and stops after a bounded number of tries.
fn narrow(raw: &Value, mut pointer: String) -> String {
    let mut tries = 0;
    'descend: loop {
        let Some(node) = raw.pointer(&pointer) else {
            return pointer;
        };
        let children: Vec<String> = match node {
            Value::Object(map) => map.keys().cloned().collect(),
            Value::Array(items) => (0..items.len()).map(|i| i.to_string()).collect(),
            _ => return pointer,
        };
        // Validate the smallest enclosing node whose type is known, not the whole document.
        let (base, valid) = validator(&pointer);
        let Some(subtree) = raw.pointer(&base) else {
            return pointer;
        };
        let inside = &pointer[base.len()..];
        for child in children {
            // Without the child, or with it emptied (for a child the node cannot do without).
            for emptied in [false, true] {
                tries += 1;
                if tries > 500 {
                    return pointer;
                }
                let mut candidate = subtree.clone();
                if without(&mut candidate, inside, &child, emptied) && valid(candidate) {
                    pointer = format!("{pointer}/{}", escape_token(&child));
                    continue 'descend;
                }
            }
        }
        return pointer;
    }
}

/// Whether a JSON value deserializes as `T`.
fn is<T: serde::de::DeserializeOwned>(value: Value) -> bool {
    serde_json::from_value::<T>(value).is_ok()
}

/// The enclosing node of `pointer` whose openapiv3 type is known (a path item or a component),
/// with the check of that type; the whole document otherwise.
fn validator(pointer: &str) -> (String, fn(Value) -> bool) {
    use openapiv3::{Parameter, PathItem, ReferenceOr, RequestBody, Response, Schema};
    let tokens: Vec<&str> = pointer.split('/').skip(1).collect();
    let base = |n: usize| format!("/{}", tokens[..n].join("/"));
    match tokens.as_slice() {
        ["paths", _, ..] => (base(2), is::<ReferenceOr<PathItem>>),
        ["components", "schemas", _, ..] => (base(3), is::<ReferenceOr<Schema>>),
        ["components", "responses", _, ..] => (base(3), is::<ReferenceOr<Response>>),
        ["components", "parameters", _, ..] => (base(3), is::<ReferenceOr<Parameter>>),
        ["components", "requestBodies", _, ..] => (base(3), is::<ReferenceOr<RequestBody>>),
        _ => (String::new(), is::<openapiv3::OpenAPI>),
    }
}

/// Removes `child` of the node at `pointer`, or with `emptied` replaces an object or array
/// child by an empty one. Whether anything changed.
fn without(doc: &mut Value, pointer: &str, child: &str, emptied: bool) -> bool {
    match doc.pointer_mut(pointer) {
        Some(Value::Object(map)) if !emptied => map.shift_remove(child).is_some(),
        Some(Value::Array(items)) if !emptied => match child.parse::<usize>() {
            Ok(i) if i < items.len() => {
                items.remove(i);
                true
            }
            _ => false,
        },
        Some(node) => {
            let token = escape_token(child);
            match node.pointer_mut(&format!("/{token}")) {
                Some(value @ Value::Object(_)) => {
                    *value = Value::Object(serde_json::Map::new());
                    true
                }
                Some(value @ Value::Array(_)) => {
                    *value = Value::Array(Vec::new());
                    true
                }
                _ => false,
            }
        }
        None => false,
    }
}

/// Converts YAML to JSON, turning scalar keys (such as an unquoted `200:`) into strings.
fn yaml_to_json(yaml: serde_yaml::Value, pointer: &str) -> Result<Value, Error> {
    use serde_yaml::Value as Y;
    Ok(match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .ok_or_else(|| Error::at(pointer, format!("the number {n} has no JSON form")))?
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| yaml_to_json(v, &format!("{pointer}/{i}")))
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut object = serde_json::Map::new();
            for (key, value) in map {
                let key = match key {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_owned(),
                    _ => return Err(Error::at(pointer, "a mapping key must be a string")),
                };
                let child = format!("{pointer}/{}", escape_token(&key));
                let value = yaml_to_json(value, &child)?;
                object.insert(key, value);
            }
            Value::Object(object)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value, pointer)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_status_keys_become_strings() {
        let (raw, _) = parse(
            "openapi: 3.0.1\ninfo: {title: t, version: v}\npaths:\n  /a:\n    get:\n      responses:\n        200: {description: ok}\n",
            Syntax::Yaml,
        )
        .expect("parses");
        assert!(raw.pointer("/paths/~1a/get/responses/200").is_some());
    }

    #[test]
    fn openapi_3_1_is_refused_at_its_node() {
        let err = parse("{\"openapi\": \"3.1.0\"}", Syntax::Json).expect_err("3.1 refused");
        assert_eq!(err.pointer.as_deref(), Some("/openapi"));
        assert!(err.message.contains("3.1.0"), "{err}");
    }

    #[test]
    fn an_invalid_node_below_an_untagged_one_is_found() {
        let text = "openapi: 3.0.1\ninfo: {title: t, version: v}\npaths:\n  /a:\n    get:\n      parameters:\n        - {name: p, in: query, schema: {type: string}}\n        - {name: q, in: body, schema: {type: string}}\n      responses:\n        '200': {description: ok}\n";
        let err = parse(text, Syntax::Yaml).expect_err("`in: body` is not OpenAPI 3.0");
        assert_eq!(
            err.pointer.as_deref(),
            Some("/paths/~1a/get/parameters/1"),
            "{err}"
        );
    }

    #[test]
    fn too_deep_a_document_is_refused_before_it_is_deserialized() {
        let mut text = "1".to_owned();
        for _ in 0..=MAX_NESTING {
            text = format!("[{text}]");
        }
        let text = format!("{{\"openapi\": \"3.0.1\", \"x\": {text}}}");
        let err = parse(&text, Syntax::Json).expect_err("too deep");
        assert!(err.message.contains("levels deep"), "{err}");
    }

    #[test]
    fn bad_json_says_line_and_column() {
        let err = parse("{\n  \"openapi\": \n}", Syntax::Json).expect_err("bad json");
        assert_eq!(err.line_col.map(|l| l.0), Some(3));
    }
}
