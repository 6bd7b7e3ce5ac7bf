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
        let mut upload = BTreeSet::new();
        for (path, _, method, op) in self.operations_iter() {
            let pointer = op_pointer(path, method);
            if let Some(body) = &op.request_body {
                let at = join(&pointer, "requestBody");
                let body = self.resolve(body, &at)?;
                // The media type the body is sent as (a body with none is refused later).
                if let Ok((media, _, kind)) = body_media(&body.content, &at)
                    && let Some(s) = &media.schema
                {
                    let set = match kind {
                        BodyKind::Multipart => &mut upload,
                        BodyKind::Json | BodyKind::Form => &mut request,
                    };
                    self.reach(s, set);
                }
            }
            let has_success = op.responses.responses.keys().any(is_success);
            for (code, resp) in &op.responses.responses {
                let at = join(&join(&pointer, "responses"), &code.to_string());
                let resp = self.resolve(resp, &at)?;
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
                let resp = self.resolve(resp, &join(&join(&pointer, "responses"), "default"))?;
                // Without a 2xx answer, `default` is the success answer.
                let set = if has_success {
                    &mut error
                } else {
                    &mut response
                };
                for media in resp.content.values() {
                    if let Some(s) = &media.schema {
                        self.reach(s, set);
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
        for key in self.components.keys() {
            let mode = if upload.contains(key) {
                Mode::Upload
            } else if request.contains(key) {
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

    /// The type of the component schema `reference` points at.
    pub(super) fn component_id(&self, reference: &str, pointer: &str) -> Result<TypeId, Error> {
        let key = ref_key::<Schema>(reference, pointer)?;
        self.components
            .get(&key)
            .copied()
            .ok_or_else(|| nowhere::<Schema>(reference, pointer))
    }

    /// The component schema `reference` points at, through any chain of references.
    pub(super) fn component(&self, reference: &str, pointer: &str) -> Result<&'a Schema, Error> {
        self.follow(reference, pointer)
    }

    /// The one `$ref` resolver: the item itself, or the component the reference names in the
    /// section of its kind, through any chain of references (a loop is refused).
    pub(super) fn resolve<T: Component>(
        &self,
        item: &'a ReferenceOr<T>,
        pointer: &str,
    ) -> Result<&'a T, Error> {
        match item {
            ReferenceOr::Item(item) => Ok(item),
            ReferenceOr::Reference { reference } => self.follow(reference, pointer),
        }
    }

    fn follow<T: Component>(&self, reference: &str, pointer: &str) -> Result<&'a T, Error> {
        let mut key = ref_key::<T>(reference, pointer)?;
        let section = self.api.components.as_ref().map(T::section);
        for _ in 0..32 {
            match section.and_then(|s| s.get(&key)) {
                None => return Err(nowhere::<T>(reference, pointer)),
                Some(ReferenceOr::Item(item)) => return Ok(item),
                Some(ReferenceOr::Reference { reference: next }) => {
                    key = ref_key::<T>(next, pointer)?;
                }
            }
        }
        Err(Error::at(
            pointer.to_owned(),
            format!("`$ref: {reference}` is a loop of references"),
        ))
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

/// A kind of component a `$ref` may name, and where the document keeps those.
pub(super) trait Component: Sized {
    /// The reference prefix, e.g. `#/components/schemas/`.
    const PREFIX: &'static str;
    /// What it is, for messages.
    const WHAT: &'static str;
    /// The components of this kind.
    fn section(
        components: &openapiv3::Components,
    ) -> &indexmap::IndexMap<String, ReferenceOr<Self>>;
}

impl Component for Schema {
    const PREFIX: &'static str = SCHEMAS;
    const WHAT: &'static str = "schema";
    fn section(c: &openapiv3::Components) -> &indexmap::IndexMap<String, ReferenceOr<Self>> {
        &c.schemas
    }
}

impl Component for Parameter {
    const PREFIX: &'static str = "#/components/parameters/";
    const WHAT: &'static str = "parameter";
    fn section(c: &openapiv3::Components) -> &indexmap::IndexMap<String, ReferenceOr<Self>> {
        &c.parameters
    }
}

impl Component for RequestBody {
    const PREFIX: &'static str = "#/components/requestBodies/";
    const WHAT: &'static str = "request body";
    fn section(c: &openapiv3::Components) -> &indexmap::IndexMap<String, ReferenceOr<Self>> {
        &c.request_bodies
    }
}

impl Component for Response {
    const PREFIX: &'static str = "#/components/responses/";
    const WHAT: &'static str = "response";
    fn section(c: &openapiv3::Components) -> &indexmap::IndexMap<String, ReferenceOr<Self>> {
        &c.responses
    }
}

/// The component key a reference names, or an error when it points outside its section.
fn ref_key<T: Component>(reference: &str, pointer: &str) -> Result<String, Error> {
    reference
        .strip_prefix(T::PREFIX)
        .map(unescape)
        .ok_or_else(|| {
            Error::at(
                pointer.to_owned(),
                format!(
                    "`$ref: {reference}` must point into {} (a {} is expected here)",
                    T::PREFIX.trim_end_matches('/'),
                    T::WHAT
                ),
            )
        })
}

fn nowhere<T: Component>(reference: &str, pointer: &str) -> Error {
    Error::at(
        pointer.to_owned(),
        format!(
            "`$ref: {reference}` points at a {} that does not exist",
            T::WHAT
        ),
    )
}
