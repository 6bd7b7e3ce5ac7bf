//! The orders API over the store: routing, and one handler per operation.
//!
//! Bodies are read and written as `serde_json::Value` rather than through `crate::types`:
//! the fake must accept what HubSpot accepts (numbers as property values, missing optional
//! lists) and answer what HubSpot answers, field for field, independently of how lenient or
//! strict the generated types are.

mod batch;
mod checks;
mod search;
mod single;
mod wire;

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::store::Store;

pub(crate) use checks::{PropertyRule, request_keys};
pub(crate) use wire::{error_body, query_pairs, uuid};

/// The path every operation of the orders API starts with.
pub(crate) const BASE_PATH: &str = "/crm/v3/objects/orders";

/// HubSpot's limit on the inputs of one batch request.
pub(crate) const MAX_BATCH_INPUTS: usize = 100;

/// How far search can page: HubSpot refuses an `after` at or past this many results.
pub(crate) const SEARCH_RESULTS_CAP: usize = 10_000;

/// An operation of the orders API, as the fake routes requests (`METHOD path`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `GET /crm/v3/objects/orders`: a page of orders.
    GetPage,
    /// `POST /crm/v3/objects/orders`: create one order.
    Create,
    /// `GET /crm/v3/objects/orders/{orderId}`: read one order.
    GetById,
    /// `PATCH /crm/v3/objects/orders/{orderId}`: update one order.
    Update,
    /// `DELETE /crm/v3/objects/orders/{orderId}`: archive one order.
    Archive,
    /// `POST /crm/v3/objects/orders/batch/create`.
    BatchCreate,
    /// `POST /crm/v3/objects/orders/batch/read`.
    BatchRead,
    /// `POST /crm/v3/objects/orders/batch/update`.
    BatchUpdate,
    /// `POST /crm/v3/objects/orders/batch/upsert`.
    BatchUpsert,
    /// `POST /crm/v3/objects/orders/batch/archive`.
    BatchArchive,
    /// `POST /crm/v3/objects/orders/search`: counted against the search budget.
    Search,
}

impl Route {
    /// Whether the route counts against the search endpoints' own budget (`SECONDLY`)
    /// instead of the ten-second window.
    pub fn is_search(self) -> bool {
        self == Route::Search
    }

    /// The route and the path's record id (still percent-encoded) for a method and path.
    pub(crate) fn recognize(method: &str, path: &str) -> Result<(Route, Option<String>), u16> {
        let rest = path.strip_prefix(BASE_PATH).ok_or(404_u16)?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
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
                return Ok((route, Some(id.to_owned())));
            }
        };
        Ok((route, None))
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (method, path) = match self {
            Route::GetPage => ("GET", ""),
            Route::Create => ("POST", ""),
            Route::GetById => ("GET", "/{orderId}"),
            Route::Update => ("PATCH", "/{orderId}"),
            Route::Archive => ("DELETE", "/{orderId}"),
            Route::BatchCreate => ("POST", "/batch/create"),
            Route::BatchRead => ("POST", "/batch/read"),
            Route::BatchUpdate => ("POST", "/batch/update"),
            Route::BatchUpsert => ("POST", "/batch/upsert"),
            Route::BatchArchive => ("POST", "/batch/archive"),
            Route::Search => ("POST", "/search"),
        };
        write!(f, "{method} {BASE_PATH}{path}")
    }
}

/// An answer before it becomes HTTP: a status and a JSON body, if any.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Option<Value>,
}

/// What a handler works with.
pub(crate) struct Ctx<'a> {
    pub store: &'a mut Store,
    pub rules: &'a [PropertyRule],
    pub rejected: &'a BTreeSet<String>,
    pub rng: &'a mut fastrand::Rng,
    pub now: DateTime<Utc>,
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
