//! References: the one `$ref` resolver, and which component schemas requests, success answers
//! and error answers reach.

use super::*;

impl<'a> Lowerer<'a> {
    // ----- modes -------------------------------------------------------------------------

    /// Which component schemas are reached from requests, success answers and error answers.
    pub(super) fn compute_modes(&self) -> Result<BTreeMap<String, Mode>, Error> {
        let mut request = BTreeSet::new();
        let mut response = BTreeSet::new();
        let mut error = BTreeSet::new();
        for (path, _, method, op) in self.operations_iter() {
            let pointer = op_pointer(path, method);
            if let Some(body) = &op.request_body {
                let body = self.resolve_request_body(body, &join(&pointer, "requestBody"))?;
                for media in body.content.values() {
                    if let Some(s) = &media.schema {
                        self.reach(s, &mut request);
                    }
                }
            }
            for (code, resp) in &op.responses.responses {
                let at = join(&join(&pointer, "responses"), &code.to_string());
                let resp = self.resolve_response(resp, &at)?;
                let set = if is_success(code) {
                    &mut response
                } else {
                    &mut error
                };
                for media in resp.content.values() {
                    if let Some(s) = &media.schema {
                        self.reach(s, set);
                    }
                }
            }
            if let Some(resp) = &op.responses.default {
                let resp = self.resolve_response(resp, &join(&pointer, "responses/default"))?;
                for media in resp.content.values() {
                    if let Some(s) = &media.schema {
                        self.reach(s, &mut error);
                    }
                }
            }
        }
        // A schema named `…Error` describes an error wherever it appears (207 `errors`).
        if let Some(components) = &self.api.components {
            for key in components.schemas.keys() {
                if key.ends_with("Error") {
                    let r = ReferenceOr::Reference {
                        reference: format!("{SCHEMAS}{key}"),
                    };
                    self.reach(&r, &mut error);
                }
            }
        }
        let mut modes = BTreeMap::new();
        for key in self.names.keys() {
            let mode = if request.contains(key) {
                Mode::Request
            } else if error.contains(key) {
                Mode::Error
            } else if response.contains(key) {
                Mode::Response
            } else {
                Mode::Request
            };
            modes.insert(key.clone(), mode);
        }
        Ok(modes)
    }

    /// Adds every component schema reachable from `schema` to `seen`.
    pub(super) fn reach(&self, schema: &ReferenceOr<Schema>, seen: &mut BTreeSet<String>) {
        match schema {
            ReferenceOr::Reference { reference } => {
                let Some(key) = reference.strip_prefix(SCHEMAS) else {
                    return;
                };
                if !seen.insert(key.to_owned()) {
                    return;
                }
                if let Some(target) = self
                    .api
                    .components
                    .as_ref()
                    .and_then(|c| c.schemas.get(key))
                {
                    self.reach(target, seen);
                }
            }
            ReferenceOr::Item(schema) => {
                for child in children(schema) {
                    self.reach(&child, seen);
                }
            }
        }
    }

    pub(super) fn schema_name(&self, reference: &str, pointer: &str) -> Result<String, Error> {
        let key = reference.strip_prefix(SCHEMAS).ok_or_else(|| {
            Error::at(
                pointer.to_owned(),
                format!("`$ref: {reference}` must point into #/components/schemas/"),
            )
        })?;
        let key = unescape(key);
        self.names.get(&key).cloned().ok_or_else(|| {
            Error::at(
                pointer.to_owned(),
                format!("`$ref: {reference}` points at a schema that does not exist"),
            )
        })
    }

    pub(super) fn component(&self, reference: &str, pointer: &str) -> Result<&'a Schema, Error> {
        let name_err = || {
            Error::at(
                pointer.to_owned(),
                format!("`$ref: {reference}` points at a schema that does not exist"),
            )
        };
        let key = reference.strip_prefix(SCHEMAS).ok_or_else(name_err)?;
        let mut key = unescape(key);
        let schemas = &self.api.components.as_ref().ok_or_else(name_err)?.schemas;
        // Follow a chain of schema-to-schema references, refusing a loop.
        for _ in 0..32 {
            match schemas.get(&key).ok_or_else(name_err)? {
                ReferenceOr::Item(schema) => return Ok(schema),
                ReferenceOr::Reference { reference } => {
                    key = unescape(reference.strip_prefix(SCHEMAS).ok_or_else(name_err)?);
                }
            }
        }
        Err(Error::at(
            pointer.to_owned(),
            format!("`$ref: {reference}` is a loop of references"),
        ))
    }

    pub(super) fn resolve_parameter(
        &self,
        p: &'a ReferenceOr<Parameter>,
        at: &str,
    ) -> Result<&'a Parameter, Error> {
        match p {
            ReferenceOr::Item(p) => Ok(p),
            ReferenceOr::Reference { reference } => {
                let key = reference
                    .strip_prefix("#/components/parameters/")
                    .map(unescape);
                key.and_then(|k| self.api.components.as_ref()?.parameters.get(&k))
                    .and_then(|p| match p {
                        ReferenceOr::Item(p) => Some(p),
                        ReferenceOr::Reference { .. } => None,
                    })
                    .ok_or_else(|| Error::at(at.to_owned(), format!("`$ref: {reference}` does not point at a parameter in #/components/parameters/")))
            }
        }
    }

    pub(super) fn resolve_request_body(
        &self,
        b: &'a ReferenceOr<RequestBody>,
        at: &str,
    ) -> Result<&'a RequestBody, Error> {
        match b {
            ReferenceOr::Item(b) => Ok(b),
            ReferenceOr::Reference { reference } => {
                let key = reference
                    .strip_prefix("#/components/requestBodies/")
                    .map(unescape);
                key.and_then(|k| self.api.components.as_ref()?.request_bodies.get(&k))
                    .and_then(|b| match b {
                        ReferenceOr::Item(b) => Some(b),
                        ReferenceOr::Reference { .. } => None,
                    })
                    .ok_or_else(|| Error::at(at.to_owned(), format!("`$ref: {reference}` does not point at a request body in #/components/requestBodies/")))
            }
        }
    }

    pub(super) fn resolve_response(
        &self,
        r: &'a ReferenceOr<Response>,
        at: &str,
    ) -> Result<&'a Response, Error> {
        match r {
            ReferenceOr::Item(r) => Ok(r),
            ReferenceOr::Reference { reference } => {
                let key = reference
                    .strip_prefix("#/components/responses/")
                    .map(unescape);
                key.and_then(|k| self.api.components.as_ref()?.responses.get(&k))
                    .and_then(|r| match r {
                        ReferenceOr::Item(r) => Some(r),
                        ReferenceOr::Reference { .. } => None,
                    })
                    .ok_or_else(|| Error::at(at.to_owned(), format!("`$ref: {reference}` does not point at a response in #/components/responses/")))
            }
        }
    }
}

/// Decodes `~1` and `~0` in a reference's last part.
pub(super) fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The direct child schemas of an inline schema.
pub(super) fn children(schema: &Schema) -> Vec<ReferenceOr<Schema>> {
    let unbox = |r: &ReferenceOr<Box<Schema>>| match r {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
        ReferenceOr::Item(s) => ReferenceOr::Item((**s).clone()),
    };
    let mut out = Vec::new();
    let mut object = |props: &indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
                      extra: &Option<AdditionalProperties>,
                      items: Option<&ReferenceOr<Box<Schema>>>| {
        out.extend(props.values().map(unbox));
        if let Some(AdditionalProperties::Schema(s)) = extra {
            out.push((**s).clone());
        }
        if let Some(items) = items {
            out.push(unbox(items));
        }
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) => object(&o.properties, &o.additional_properties, None),
        SchemaKind::Type(Type::Array(a)) => {
            object(&indexmap::IndexMap::new(), &None, a.items.as_ref())
        }
        SchemaKind::Any(a) => {
            object(&a.properties, &a.additional_properties, a.items.as_ref());
            out.extend(a.all_of.iter().chain(&a.one_of).chain(&a.any_of).cloned());
            if let Some(not) = &a.not {
                out.push((**not).clone());
            }
        }
        SchemaKind::AllOf { all_of: v }
        | SchemaKind::OneOf { one_of: v }
        | SchemaKind::AnyOf { any_of: v } => out.extend(v.iter().cloned()),
        SchemaKind::Not { not } => out.push((**not).clone()),
        SchemaKind::Type(_) => {}
    }
    out
}
