//! The CRM objects API over the stores: routing, and one handler per operation.
//!
//! Bodies are read and written as `serde_json::Value` rather than through any generated
//! type: the fake must accept what HubSpot accepts (numbers as property values, missing
//! optional lists) and answer what HubSpot answers, field for field, independently of how
//! lenient or strict a generated client's types are, and for every object type alike.

mod batch;
mod checks;
mod search;
mod single;
mod wire;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::store::{Ids, Store};

pub(crate) use checks::{Check, PropertyRule, RuleKind, request_keys};
pub(crate) use wire::{error_body, query_pairs, uuid};

/// The path every operation of the CRM objects API starts with, before `/{objectType}`.
pub(crate) const BASE_PATH: &str = "/crm/v3/objects";

/// HubSpot's limit on the inputs of one batch request.
pub(crate) const MAX_BATCH_INPUTS: usize = 100;

/// How far search can page: HubSpot refuses an `after` at or past this many results.
pub(crate) const SEARCH_RESULTS_CAP: usize = 10_000;

/// An operation of the CRM objects API, the same for every object type, as the fake routes
/// requests (`METHOD /crm/v3/objects/{objectType}…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `GET /crm/v3/objects/{objectType}`: a page of records.
    GetPage,
    /// `POST /crm/v3/objects/{objectType}`: create one record.
    Create,
    /// `GET /crm/v3/objects/{objectType}/{objectId}`: read one record.
    GetById,
    /// `PATCH /crm/v3/objects/{objectType}/{objectId}`: update one record.
    Update,
    /// `DELETE /crm/v3/objects/{objectType}/{objectId}`: archive one record.
    Archive,
    /// `POST /crm/v3/objects/{objectType}/batch/create`.
    BatchCreate,
    /// `POST /crm/v3/objects/{objectType}/batch/read`.
    BatchRead,
    /// `POST /crm/v3/objects/{objectType}/batch/update`.
    BatchUpdate,
    /// `POST /crm/v3/objects/{objectType}/batch/upsert`.
    BatchUpsert,
    /// `POST /crm/v3/objects/{objectType}/batch/archive`.
    BatchArchive,
    /// `POST /crm/v3/objects/{objectType}/search`: counted against the search budget.
    Search,
}

/// A request the routing understood: the operation, the object type and the path's record
/// id (still percent-encoded) when the operation has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recognized {
    pub route: Route,
    pub object_type: String,
    pub path_id: Option<String>,
}

/// Whether `segment` can name an object type: a name (`line_items`, `p_cars`) or an object
/// type id (`0-8`, `2-1234567`).
fn is_object_type(segment: &str) -> bool {
    !segment.is_empty()
        && segment
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
}

impl Route {
    /// Whether the route counts against the search endpoints' own budget (`SECONDLY`)
    /// instead of the ten-second window.
    pub fn is_search(self) -> bool {
        self == Route::Search
    }

    /// The route, object type and record id of a method and path; the status of the refusal
    /// (404 for no such path, 405 for a method the path does not take) otherwise.
    pub(crate) fn recognize(method: &str, path: &str) -> Result<Recognized, u16> {
        let rest = path.strip_prefix(BASE_PATH).ok_or(404_u16)?;
        let rest = rest.strip_prefix('/').ok_or(404_u16)?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (object_type, rest) = match rest.find('/') {
            Some(slash) => rest.split_at(slash),
            None => (rest, ""),
        };
        if !is_object_type(object_type) {
            return Err(404);
        }
        let recognized = |route, path_id| Recognized {
            route,
            object_type: object_type.to_owned(),
            path_id,
        };
        let route = match (method, rest) {
            ("GET", "") => Route::GetPage,
            ("POST", "") => Route::Create,
            ("POST", "/batch/create") => Route::BatchCreate,
            ("POST", "/batch/read") => Route::BatchRead,
            ("POST", "/batch/update") => Route::BatchUpdate,
            ("POST", "/batch/upsert") => Route::BatchUpsert,
            ("POST", "/batch/archive") => Route::BatchArchive,
            ("POST", "/search") => Route::Search,
            (
                _,
                "" | "/batch/create" | "/batch/read" | "/batch/update" | "/batch/upsert"
                | "/batch/archive" | "/search",
            ) => return Err(405),
            (method, rest) => {
                let id = rest.strip_prefix('/').ok_or(404_u16)?;
                if id.is_empty() || id.contains('/') {
                    return Err(404);
                }
                let route = match method {
                    "GET" => Route::GetById,
                    "PATCH" => Route::Update,
                    "DELETE" => Route::Archive,
                    _ => return Err(405),
                };
                return Ok(recognized(route, Some(id.to_owned())));
            }
        };
        Ok(recognized(route, None))
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (method, path) = match self {
            Route::GetPage => ("GET", ""),
            Route::Create => ("POST", ""),
            Route::GetById => ("GET", "/{objectId}"),
            Route::Update => ("PATCH", "/{objectId}"),
            Route::Archive => ("DELETE", "/{objectId}"),
            Route::BatchCreate => ("POST", "/batch/create"),
            Route::BatchRead => ("POST", "/batch/read"),
            Route::BatchUpdate => ("POST", "/batch/update"),
            Route::BatchUpsert => ("POST", "/batch/upsert"),
            Route::BatchArchive => ("POST", "/batch/archive"),
            Route::Search => ("POST", "/search"),
        };
        write!(f, "{method} {BASE_PATH}/{{objectType}}{path}")
    }
}

/// An answer before it becomes HTTP: a status and a JSON body, if any.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Option<Value>,
}

impl Answer {
    /// An answer of `status` with HubSpot's error body ([`error_body`]), no context.
    pub(crate) fn error(
        rng: &mut fastrand::Rng,
        status: u16,
        category: &str,
        message: &str,
    ) -> Answer {
        Answer {
            status,
            body: Some(error_body(rng, category, message, None, Vec::new())),
        }
    }
}

/// What a handler works with: the store of the request's object type.
pub(crate) struct Ctx<'a> {
    pub store: &'a mut Store,
    pub ids: &'a mut Ids,
    /// Every rule, whatever its object type; [`checks::broken_rules`] picks the store's.
    pub rules: &'a [PropertyRule],
    pub rejected: &'a BTreeSet<String>,
    pub rng: &'a mut fastrand::Rng,
    pub now: DateTime<Utc>,
}

impl Ctx<'_> {
    /// The object type the request is for.
    pub(crate) fn object_type(&self) -> &str {
        self.store.object_type()
    }

    /// Creates a record with the next id; the caller has checked [`Store::conflict`].
    pub(crate) fn create(&mut self, properties: &BTreeMap<String, String>) -> u64 {
        let id = self.ids.next();
        self.store.create(id, properties, self.now)
    }
}

/// Answers one request to `route`.
pub(crate) fn handle(
    ctx: &mut Ctx<'_>,
    route: Route,
    path_id: Option<&str>,
    query: Option<&str>,
    body: &[u8],
) -> Answer {
    let query = wire::Query(query_pairs(query));
    let path_id = path_id.map(wire::decode_path);
    let result = match route {
        Route::GetPage => single::get_page(ctx, &query),
        Route::Create => single::create(ctx, body),
        Route::GetById => single::get_by_id(ctx, &query, path_id.as_deref().unwrap_or_default()),
        Route::Update => single::update(ctx, &query, path_id.as_deref().unwrap_or_default(), body),
        Route::Archive => {
            if let Some(id) = path_id.as_deref().and_then(|id| id.parse::<u64>().ok()) {
                ctx.store.archive(id, ctx.now);
            }
            Ok(Answer {
                status: 204,
                body: None,
            })
        }
        Route::BatchCreate => batch::create(ctx, body),
        Route::BatchRead => batch::read(ctx, &query, body),
        Route::BatchUpdate => batch::update(ctx, body),
        Route::BatchUpsert => batch::upsert(ctx, body),
        Route::BatchArchive => batch::archive(ctx, body),
        Route::Search => search::search(ctx, body),
    };
    result.unwrap_or_else(|answer| answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recognize(method: &str, path: &str) -> Result<(Route, String, Option<String>), u16> {
        Route::recognize(method, path).map(|found| (found.route, found.object_type, found.path_id))
    }

    #[test]
    fn every_object_type_has_every_route() {
        for object_type in ["orders", "line_items", "p_cars", "2-1234567"] {
            let base = format!("{BASE_PATH}/{object_type}");
            let routes = [
                ("GET", String::new(), Route::GetPage),
                ("POST", "/".to_owned(), Route::Create),
                ("POST", "/batch/upsert".to_owned(), Route::BatchUpsert),
                ("POST", "/search".to_owned(), Route::Search),
            ];
            for (method, rest, route) in routes {
                let found = recognize(method, &format!("{base}{rest}"));
                assert_eq!(found, Ok((route, object_type.to_owned(), None)));
            }
            let found = recognize("PATCH", &format!("{base}/shop%2D1"));
            let expected = (
                Route::Update,
                object_type.to_owned(),
                Some("shop%2D1".to_owned()),
            );
            assert_eq!(found, Ok(expected));
        }
    }

    #[test]
    fn other_paths_and_methods_are_refused() {
        for path in [
            "/crm/v3/objects",
            "/crm/v3/objects/",
            "/crm/v3/objectsorders",
            "/crm/v3/properties/orders",
            "/crm/v3/objects/or%20ders",
            "/crm/v3/objects/orders/1/associations",
            "/crm/v3/objects/orders//",
        ] {
            assert_eq!(recognize("GET", path), Err(404), "{path}");
        }
        assert_eq!(recognize("PUT", "/crm/v3/objects/orders"), Err(405));
        assert_eq!(
            recognize("GET", "/crm/v3/objects/line_items/batch/read"),
            Err(405)
        );
        assert_eq!(recognize("POST", "/crm/v3/objects/line_items/7"), Err(405));
    }
}
