//! Operations: parameters, bodies, answers, method names and retry policy.

use super::*;

impl<'a> Lowerer<'a> {
    // ----- operations --------------------------------------------------------------------

    pub(super) fn operations_iter(
        &self,
    ) -> Vec<(
        &'a str,
        &'a openapiv3::PathItem,
        HttpMethod,
        &'a openapiv3::Operation,
    )> {
        let mut out = Vec::new();
        for (path, item) in &self.api.paths.paths {
            let ReferenceOr::Item(item) = item else {
                continue;
            };
            let methods = [
                (HttpMethod::Get, &item.get),
                (HttpMethod::Put, &item.put),
                (HttpMethod::Post, &item.post),
                (HttpMethod::Delete, &item.delete),
                (HttpMethod::Options, &item.options),
                (HttpMethod::Head, &item.head),
                (HttpMethod::Patch, &item.patch),
                (HttpMethod::Trace, &item.trace),
            ];
            for (method, op) in methods {
                if let Some(op) = op {
                    out.push((path.as_str(), item, method, op));
                }
            }
        }
        out
    }

    pub(super) fn lower_operations(&mut self) -> Result<Vec<Operation>, Error> {
        for (path, item) in &self.api.paths.paths {
            if let ReferenceOr::Reference { .. } = item {
                return Err(Error::at(
                    join("/paths", path),
                    "a `$ref` path item is not supported",
                ));
            }
        }
        let all = self.operations_iter();
        // An operationId names one operation (OpenAPI requires it unique); a second use is
        // a fault of the document that would make the runtime's traces ambiguous.
        let mut ids: BTreeMap<&str, String> = BTreeMap::new();
        for (path, _, method, op) in &all {
            let Some(id) = op.operation_id.as_deref() else {
                continue;
            };
            let here = op_pointer(path, *method);
            if let Some(first) = ids.get(id) {
                return Err(Error::at(
                    join(&here, "operationId"),
                    format!(
                        "operationId `{id}` is also the operationId at {first}; each must be unique"
                    ),
                ));
            }
            ids.insert(id, here);
        }
        let namer = naming::MethodNamer::new(all.iter().map(|(p, ..)| *p));
        // Rules 5 and 6 for the names several operations share, then rule 7.
        let base: Vec<String> = all.iter().map(|(p, _, m, _)| namer.name(p, *m)).collect();
        let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, n) in base.iter().enumerate() {
            groups.entry(n.as_str()).or_default().push(i);
        }
        let mut names = base.clone();
        for members in groups.values().filter(|m| m.len() > 1) {
            let actions: Option<Vec<String>> = members
                .iter()
                .map(|&i| naming::action_name(all[i].3.operation_id.as_deref().unwrap_or_default()))
                .collect();
            let distinct = actions
                .as_ref()
                .is_some_and(|a| a.iter().collect::<BTreeSet<_>>().len() == a.len());
            for (k, &i) in members.iter().enumerate() {
                names[i] = match &actions {
                    Some(actions) if distinct => actions[k].clone(),
                    _ => verb_name(all[i].2, &base[i]),
                };
            }
        }
        for (name, (_, _, method, _)) in names.iter_mut().zip(&all) {
            if naming::RESERVED_METHODS.contains(&naming::bare(name)) {
                *name = verb_name(*method, name);
            }
        }
        // Rule 8: what differs in their paths tells apart those still named alike.
        let paths: Vec<&str> = all.iter().map(|(p, ..)| *p).collect();
        namer.settle(&paths, &mut names);
        let mut first: BTreeMap<&str, (String, &str)> = BTreeMap::new();
        for ((name, base), (path, _, method, _)) in names.iter().zip(&base).zip(&all) {
            let here = op_pointer(path, *method);
            if let Some((other, other_base)) = first.get(name.as_str()) {
                return Err(Error::at(
                    here,
                    format!(
                        "this operation and the one at {other} would both be the method `{}`; the naming rule cannot tell them apart",
                        if base == other_base {
                            base.as_str()
                        } else {
                            name.as_str()
                        }
                    ),
                ));
            }
            first.insert(name, (here, base));
        }
        let mut ops = Vec::new();
        for (name, (path, item, method, op)) in names.into_iter().zip(all) {
            ops.push(self.lower_operation(name, path, item, method, op)?);
        }
        Ok(ops)
    }

    pub(super) fn lower_operation(
        &mut self,
        method_name: String,
        path: &str,
        item: &'a openapiv3::PathItem,
        method: HttpMethod,
        op: &'a openapiv3::Operation,
    ) -> Result<Operation, Error> {
        let pointer = op_pointer(path, method);
        let operation_id = op
            .operation_id
            .clone()
            .ok_or_else(|| Error::at(pointer.clone(), "the operation has no operationId"))?;
        let type_base = naming::camel(naming::bare(&method_name));

        // Parameters: the path item's, overridden by the operation's of the same name and place.
        let mut params: Vec<(String, &Parameter)> = Vec::new();
        for (i, p) in item.parameters.iter().enumerate() {
            let at = format!("{}/parameters/{i}", join("/paths", path));
            params.push((at.clone(), self.resolve(p, &at)?));
        }
        for (i, p) in op.parameters.iter().enumerate() {
            let at = format!("{pointer}/parameters/{i}");
            let p = self.resolve(p, &at)?;
            params.retain(|(_, q)| !same_param(q, p));
            params.push((at, p));
        }

        let mut used = BTreeSet::from(["body".to_owned(), "params".to_owned()]);
        let mut path_params = Vec::new();
        let mut query_fields = Vec::new();
        let mut query_used = BTreeSet::new();
        for (at, p) in &params {
            match p {
                Parameter::Path { parameter_data, .. } => {
                    if !self.keep_path_param(path, &parameter_data.name, at) {
                        continue;
                    }
                    let ty = self.param_ty(parameter_data, &at.clone(), &method_name)?;
                    let pass = match &ty {
                        Ty::String => Pass::Str,
                        Ty::I32 | Ty::I64 | Ty::Bool | Ty::F32 | Ty::F64 => Pass::Value,
                        t if self.is_enum(t) => Pass::Value,
                        _ => {
                            return Err(Error::at(
                                at.clone(),
                                "a path parameter must be a string, number, boolean or string enum",
                            ));
                        }
                    };
                    path_params.push(PathParam {
                        name: unique(naming::snake(&parameter_data.name), &mut used),
                        wire_name: parameter_data.name.clone(),
                        ty,
                        pass,
                        description: text(parameter_data.description.as_deref()),
                    });
                }
                Parameter::Query {
                    parameter_data,
                    style,
                    allow_reserved,
                    ..
                } => {
                    if !matches!(style, openapiv3::QueryStyle::Form) {
                        return Err(Error::at(
                            at.clone(),
                            "only `style: form` query parameters are supported",
                        ));
                    }
                    if *allow_reserved {
                        return Err(Error::at(
                            at.clone(),
                            "`allowReserved: true` is not supported",
                        ));
                    }
                    let mut base = self.param_ty(parameter_data, at, &method_name)?;
                    // A free-form object is a map of any values.
                    if base == Ty::Json {
                        base = Ty::Map(Box::new(Ty::Json));
                    }
                    let style = match &base {
                        Ty::Vec(inner) if self.is_scalar(inner) => QueryStyle::Repeated,
                        Ty::Vec(_) => {
                            return Err(Error::at(
                                at.clone(),
                                "an array query parameter must hold strings, numbers, booleans or string enums",
                            ));
                        }
                        t if self.is_scalar(t) => QueryStyle::Single,
                        Ty::Map(value) if self.is_scalar(value) || **value == Ty::Json => {
                            QueryStyle::Exploded {
                                template: parameter_data.name.clone(),
                            }
                        }
                        _ => {
                            return Err(Error::at(
                                at.clone(),
                                "a query parameter must be a scalar, an array of scalars or an object of scalars",
                            ));
                        }
                    };
                    if style != QueryStyle::Single && parameter_data.explode == Some(false) {
                        return Err(Error::at(
                            at.clone(),
                            "an array or object query parameter with `explode: false` is not supported",
                        ));
                    }
                    let required = parameter_data.required;
                    query_fields.push(QueryParam {
                        name: unique(naming::snake(&parameter_data.name), &mut query_used),
                        wire_name: parameter_data.name.clone(),
                        description: text(parameter_data.description.as_deref()),
                        ty: if required {
                            base
                        } else {
                            Ty::Option(Box::new(base))
                        },
                        required,
                        style,
                    });
                }
                Parameter::Header { parameter_data, .. }
                | Parameter::Cookie { parameter_data, .. } => {
                    return Err(Error::at(
                        at.clone(),
                        format!(
                            "parameter `{}`: header and cookie parameters are not supported",
                            parameter_data.name
                        ),
                    ));
                }
            }
        }

        let path_parts = self.path_template(path, &pointer, &path_params)?;
        // Path parameters in the order of the path.
        path_params.sort_by_key(|p| {
            path_parts
                .iter()
                .position(|part| matches!(part, PathPart::Param(n) if *n == p.name))
        });

        let query = if query_fields.is_empty() {
            None
        } else {
            Some(ParamsStruct {
                name: format!("{type_base}Params"),
                fields: query_fields,
                caps: Caps::default(),
                builder: Builder::default(),
            })
        };

        let body = match &op.request_body {
            None => None,
            Some(body) => Some(self.lower_body(body, &pointer, &method_name)?),
        };

        let (success, error_ty, accept) =
            self.lower_answers(op, &pointer, &method_name, &type_base)?;

        let repeat = repeat_safety(method, path);
        let rate_class = rate_class(path);

        Ok(Operation {
            method_name,
            operation_id,
            http_method: method,
            path: path.to_owned(),
            path_parts,
            summary: text(op.summary.as_deref()),
            description: text(op.description.as_deref()),
            path_params,
            query,
            body,
            success,
            error_ty,
            repeat,
            rate_class,
            accept,
        })
    }

    pub(super) fn param_ty(
        &mut self,
        data: &openapiv3::ParameterData,
        at: &str,
        method_name: &str,
    ) -> Result<Ty, Error> {
        match &data.format {
            ParameterSchemaOrContent::Schema(schema) => {
                let ctx = Ctx {
                    parent: Parent::Operation(method_name.to_owned()),
                    field: data.name.clone(),
                    pointer: join(at, "schema"),
                    mode: Mode::Request,
                };
                self.ty_of(schema, &ctx)
            }
            ParameterSchemaOrContent::Content(_) => Err(Error::at(
                at.to_owned(),
                "a parameter with `content` is not supported; use `schema`",
            )),
        }
    }

    /// The request body: its type, and how it is encoded (JSON first, then a form, then
    /// multipart).
    fn lower_body(
        &mut self,
        body: &'a ReferenceOr<RequestBody>,
        pointer: &str,
        method_name: &str,
    ) -> Result<Body, Error> {
        let at = join(pointer, "requestBody");
        let body = self.resolve(body, &at)?;
        let (media, media_at, kind) = body_media(&body.content, &at)?;
        let schema = media
            .schema
            .as_ref()
            .ok_or_else(|| Error::at(media_at.clone(), "the request body has no schema"))?;
        let ctx = Ctx {
            parent: Parent::Operation(method_name.to_owned()),
            field: "Request".to_owned(),
            pointer: join(&media_at, "schema"),
            mode: if kind == BodyKind::Multipart {
                Mode::Upload
            } else {
                Mode::Request
            },
        };
        let ty = self.ty_of(schema, &ctx)?;
        let encoding = match kind {
            BodyKind::Json => BodyEncoding::Json,
            BodyKind::Form => BodyEncoding::Form,
            BodyKind::Multipart => BodyEncoding::Multipart(self.form_parts(&ty, &ctx.pointer)?),
        };
        Ok(Body {
            // A JSON array body is borrowed as a slice, the idiomatic argument.
            slice: matches!(ty, Ty::Vec(_)) && encoding == BodyEncoding::Json,
            ty,
            encoding,
            required: body.required,
            description: text(body.description.as_deref()),
        })
    }

    /// The parts of a multipart body: one a field of its struct.
    fn form_parts(&self, ty: &Ty, pointer: &str) -> Result<Vec<FormPart>, Error> {
        let fields = match ty {
            Ty::Named(id) => match self.def(*id) {
                Some(TypeDef::Struct(s)) => Some(&s.fields),
                _ => None,
            },
            _ => None,
        };
        let fields = fields.ok_or_else(|| {
            Error::at(
                pointer.to_owned(),
                "a `multipart/form-data` body must be an object with `properties`",
            )
        })?;
        fields
            .iter()
            .map(|f| {
                let (inner, optional) = match &f.ty {
                    Ty::Option(inner) => (&**inner, true),
                    other => (other, false),
                };
                if matches!(inner, Ty::Vec(item) if **item == Ty::File) {
                    return Err(Error::at(
                        join(&join(pointer, "properties"), &f.wire_name),
                        "an array of files in a `multipart/form-data` body is not supported",
                    ));
                }
                Ok(FormPart {
                    field: f.name.clone(),
                    wire_name: f.wire_name.clone(),
                    file: *inner == Ty::File,
                    optional,
                })
            })
            .collect()
    }

    /// The success answers, the error type and the `Accept` header. An operation that lists
    /// no 2xx answer but a `default` one succeeds with that (any 2xx status); its errors are
    /// then any JSON.
    fn lower_answers(
        &mut self,
        op: &'a openapiv3::Operation,
        pointer: &str,
        method_name: &str,
        type_base: &str,
    ) -> Result<(Success, Ty, String), Error> {
        let mut successes = Vec::new();
        let mut error_ty: Option<Ty> = None;
        let mut accept: Vec<String> = Vec::new();
        // Without a 2xx answer, `default` is the success; else it is the error.
        let default_is_error = op.responses.responses.keys().any(is_success);
        for (code, resp) in &op.responses.responses {
            let at = join(&join(pointer, "responses"), &code.to_string());
            let status = match code {
                StatusCode::Code(c) => *c,
                StatusCode::Range(2) => {
                    return Err(Error::at(
                        at,
                        "a `2XX` range response is not supported; list the statuses",
                    ));
                }
                // `4XX`/`5XX` describe errors like any status of their range.
                StatusCode::Range(r) => r.saturating_mul(100),
            };
            let resp = self.resolve(resp, &at)?;
            if (200..300).contains(&status) {
                let what = naming::status_variant(status);
                let answer = self.response_ty(resp, &at, method_name, &what, Mode::Response)?;
                successes.push(success(status, false, answer, resp, &mut accept));
            } else if status >= 400
                && error_ty.is_none()
                && (op.responses.default.is_none() || !default_is_error)
            {
                error_ty = self.error_ty(resp, &at, method_name)?;
            }
        }
        if let Some(resp) = &op.responses.default {
            let at = join(&join(pointer, "responses"), "default");
            let resp = self.resolve(resp, &at)?;
            if !default_is_error {
                let answer = self.response_ty(resp, &at, method_name, "Answer", Mode::Response)?;
                successes.push(success(200, true, answer, resp, &mut accept));
                error_ty = error_ty.or(Some(Ty::Json));
            } else {
                error_ty = self.error_ty(resp, &at, method_name)?;
            }
        }
        if successes.is_empty() {
            return Err(Error::at(
                join(pointer, "responses"),
                "the operation has no 2xx or `default` response",
            ));
        }
        successes.sort_by_key(|s| s.status);
        let success = if successes.len() == 1 {
            Success::Single(successes.remove(0))
        } else {
            Success::Multi {
                enum_name: format!("{type_base}Response"),
                variants: successes
                    .into_iter()
                    .map(|s| (naming::status_variant(s.status), s))
                    .collect(),
                caps: Caps::default(),
            }
        };
        // Error bodies are JSON, so JSON is always acceptable.
        accept.push("application/json".to_owned());
        let mut seen = BTreeSet::new();
        accept.retain(|m| seen.insert(m.clone()));
        Ok((success, error_ty.unwrap_or(Ty::Json), accept.join(", ")))
    }

    /// The type of an error answer's body: its JSON schema, or any JSON when it is not JSON.
    fn error_ty(
        &mut self,
        resp: &Response,
        at: &str,
        method_name: &str,
    ) -> Result<Option<Ty>, Error> {
        Ok(
            match self.response_ty(resp, at, method_name, "Error", Mode::Error)? {
                Some((ty, Decode::Json, _)) => Some(ty),
                Some(_) => Some(Ty::Json),
                None => None,
            },
        )
    }

    /// An answer's body: its type, how it is read and its media type; `None` without content.
    /// JSON is preferred; otherwise `text/*` is read as a `String` and anything else as bytes.
    pub(super) fn response_ty(
        &mut self,
        resp: &Response,
        at: &str,
        method_name: &str,
        what: &str,
        mode: Mode,
    ) -> Result<Option<(Ty, Decode, String)>, Error> {
        let Some((first, _)) = resp.content.first() else {
            return Ok(None);
        };
        let Some((media, media_at)) = json_media(&resp.content, at)? else {
            let base = media_base(first);
            return Ok(Some(if base.starts_with("text/") {
                (Ty::String, Decode::Text, base)
            } else {
                (Ty::Bytes, Decode::Bytes, base)
            }));
        };
        let Some(schema) = &media.schema else {
            return Ok(Some((
                Ty::Json,
                Decode::Json,
                "application/json".to_owned(),
            )));
        };
        let ctx = Ctx {
            parent: Parent::Operation(method_name.to_owned()),
            field: what.to_owned(),
            pointer: join(&media_at, "schema"),
            mode,
        };
        let ty = self.ty_of(schema, &ctx)?;
        Ok(Some((ty, Decode::Json, "application/json".to_owned())))
    }

    /// Whether `ty` is a string enum (inline, or a component, or an alias of one).
    pub(super) fn is_enum(&self, ty: &Ty) -> bool {
        let mut ty = ty;
        for _ in 0..32 {
            let Ty::Named(id) = ty else { return false };
            match self.def(*id) {
                Some(TypeDef::Enum(_)) => return true,
                Some(TypeDef::Alias(a)) => ty = &a.ty,
                _ => return false,
            }
        }
        false
    }

    /// Whether a value of `ty` is written as one plain query value.
    pub(super) fn is_scalar(&self, ty: &Ty) -> bool {
        matches!(
            ty,
            Ty::String | Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64 | Ty::DateTime | Ty::Date
        ) || self.is_enum(ty)
    }
}

/// A success answer of the IR, noting its media type for the `Accept` header.
fn success(
    status: u16,
    any_success: bool,
    answer: Option<(Ty, Decode, String)>,
    resp: &Response,
    accept: &mut Vec<String>,
) -> SuccessResponse {
    let (ty, decode) = match answer {
        Some((ty, decode, media)) => {
            accept.push(media);
            (Some(ty), decode)
        }
        None => (None, Decode::Json),
    };
    SuccessResponse {
        status,
        ty,
        decode,
        any_success,
        description: text(Some(&resp.description)),
    }
}

/// A media type without its parameters, in lower case.
fn media_base(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// How a request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BodyKind {
    Json,
    Form,
    Multipart,
}

/// The media type a request body is sent as: JSON when the document offers it, then
/// `application/x-www-form-urlencoded`, then `multipart/form-data`.
pub(super) fn body_media<'m>(
    content: &'m indexmap::IndexMap<String, MediaType>,
    at: &str,
) -> Result<(&'m MediaType, String, BodyKind), Error> {
    if let Some((media, media_at)) = json_media(content, at)? {
        return Ok((media, media_at, BodyKind::Json));
    }
    for (kind, wanted) in [
        (BodyKind::Form, "application/x-www-form-urlencoded"),
        (BodyKind::Multipart, "multipart/form-data"),
    ] {
        if let Some((key, media)) = content.iter().find(|(k, _)| media_base(k) == wanted) {
            return Ok((media, join(&join(at, "content"), key), kind));
        }
    }
    let types: Vec<&str> = content.keys().map(String::as_str).collect();
    Err(Error::at(
        at.to_owned(),
        format!(
            "the request body's content types ({}) are none of JSON, `application/x-www-form-urlencoded` and `multipart/form-data`",
            types.join(", ")
        ),
    ))
}

pub(super) fn op_pointer(path: &str, method: HttpMethod) -> String {
    join(&join("/paths", path), &method.as_str().to_ascii_lowercase())
}

pub(super) fn is_success(code: &StatusCode) -> bool {
    match code {
        StatusCode::Code(c) => (200..300).contains(c),
        StatusCode::Range(r) => *r == 2,
    }
}

/// `name` with the method's verb in front (rules 6 and 7 of the naming rule).
fn verb_name(method: HttpMethod, name: &str) -> String {
    naming::snake(&format!(
        "{}_{}",
        naming::verb_prefix(method),
        naming::bare(name)
    ))
}

pub(super) fn same_param(a: &Parameter, b: &Parameter) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
        && a.parameter_data_ref().name == b.parameter_data_ref().name
}

/// The JSON media type of a content map: `application/json` (with parameters), `*+json`, or
/// `*/*` (HubSpot's shared error answer).
pub(super) fn json_media<'m>(
    content: &'m indexmap::IndexMap<String, MediaType>,
    at: &str,
) -> Result<Option<(&'m MediaType, String)>, Error> {
    let content_at = join(at, "content");
    let pick = content.iter().find(|(k, _)| {
        let base = k
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        base == "application/json" || base.ends_with("+json")
    });
    let pick = pick.or_else(|| content.iter().find(|(k, _)| k.trim() == "*/*"));
    Ok(pick.map(|(k, m)| (m, join(&content_at, k))))
}

/// The last literal segment of a path template (`/batch/upsert` → `upsert`), if any, as the
/// naming rule splits the template.
fn last_literal(path: &str) -> Option<&str> {
    naming::segments(path)
        .into_iter()
        .rev()
        .find_map(|segment| match segment {
            naming::Segment::Literal(text) => Some(text),
            naming::Segment::Param(_) => None,
        })
}

/// Whether an operation may be sent again after an ambiguous failure. Idempotent HTTP
/// methods (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) and PATCH, which HubSpot uses to set
/// property values (setting them twice leaves the record as once), may. A POST may when
/// the path ends in an action whose repetition changes nothing: `read` and `search` read,
/// `upsert` is keyed on a unique value, `update` and `archive` set a state. Every other POST
/// (create, batch create, merge, ...) may create or change something twice, and may not.
pub(super) fn repeat_safety(method: HttpMethod, path: &str) -> Repeat {
    match method {
        HttpMethod::Post => match last_literal(path) {
            Some("read" | "search" | "upsert" | "update" | "archive") => Repeat::Safe,
            _ => Repeat::Unsafe,
        },
        HttpMethod::Get
        | HttpMethod::Head
        | HttpMethod::Options
        | HttpMethod::Put
        | HttpMethod::Delete
        | HttpMethod::Trace
        | HttpMethod::Patch => Repeat::Safe,
    }
}

/// HubSpot's search endpoints (paths ending in `/search`) have their own rate limit.
pub(super) fn rate_class(path: &str) -> RateClass {
    if last_literal(path) == Some("search") {
        RateClass::Search
    } else {
        RateClass::Standard
    }
}

#[cfg(test)]
mod policy_tests {
    use super::*;

    #[test]
    pub(super) fn repeat_safety_follows_the_method_and_the_action() {
        use HttpMethod::*;
        let safe = [
            (Get, "/crm/v3/objects/orders"),
            (Patch, "/crm/v3/objects/orders/{orderId}"),
            (Delete, "/crm/v3/objects/orders/{orderId}"),
            (
                Put,
                "/crm/v4/objects/orders/{id}/associations/{toType}/{toId}",
            ),
            (Post, "/crm/v3/objects/orders/batch/upsert"),
            (Post, "/crm/v3/objects/orders/batch/read"),
            (Post, "/crm/v3/objects/orders/batch/update"),
            (Post, "/crm/v3/objects/orders/batch/archive"),
            (Post, "/crm/v3/objects/orders/search"),
        ];
        for (method, path) in safe {
            assert_eq!(repeat_safety(method, path), Repeat::Safe, "{path}");
        }
        let unsafe_ = [
            (Post, "/crm/v3/objects/orders"),
            (Post, "/crm/v3/objects/orders/batch/create"),
            (Post, "/crm/v3/objects/orders/merge"),
            (Post, "/crm/v3/objects/{objectType}"),
        ];
        for (method, path) in unsafe_ {
            assert_eq!(repeat_safety(method, path), Repeat::Unsafe, "{path}");
        }
    }

    #[test]
    pub(super) fn only_search_paths_use_the_search_limit() {
        assert_eq!(
            rate_class("/crm/v3/objects/orders/search"),
            RateClass::Search
        );
        assert_eq!(
            rate_class("/crm/v3/objects/orders/{search}"),
            RateClass::Standard
        );
        assert_eq!(rate_class("/crm/v3/objects/orders"), RateClass::Standard);
    }
}
