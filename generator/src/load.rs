//! Stage 1: read the document (JSON or YAML, by extension) into openapiv3's model.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, escape_token};

/// A document read and checked to be OpenAPI 3.0.
#[derive(Debug)]
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
    let api = serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(&raw).map_err(|e| {
        let pointer = pointer_of(e.path());
        Error::at(
            pointer,
            format!("not a valid OpenAPI 3.0 node: {}", e.into_inner()),
        )
    })?;
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

/// Turns serde_path_to_error's path into a JSON pointer.
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&escape_token(key));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
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
    fn bad_json_says_line_and_column() {
        let err = parse("{\n  \"openapi\": \n}", Syntax::Json).expect_err("bad json");
        assert_eq!(err.line_col.map(|l| l.0), Some(3));
    }
}
