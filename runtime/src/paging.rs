//! Streams over every record of a listing or a search, fetching page after page as they are
//! read, for any document's list and search operations.
//!
//! - [`pages`] follows `paging.next.after` through a [`ListOperation`] until the last page.
//! - [`SearchAll`] (or [`search_all`]) gets past search's cap on how far one query can page
//!   (10,000 results) through a [`SearchOperation`]: it sorts on
//!   [`hs_object_id`](crate::OBJECT_ID_PROPERTY) ascending and, before reaching the cap,
//!   starts the query again with a filter keeping only ids above the last one seen.
//!
//! Each stream yields `Ok(record)` for every record and ends after the last one, or yields
//! the first error and then ends.
//!
//! The generator implements the traits for each document's handle; a hand-written
//! implementation over an in-memory list looks like this:
//!
//! ```
//! use futures_util::TryStreamExt;
//! use hubspot_runtime::codegen::BoxFuture;
//! use hubspot_runtime::paging::{self, ListOperation, Page};
//! use hubspot_runtime::{Api, Client, Error};
//!
//! /// One page: its records and the cursor of the next one.
//! struct Letters(Vec<char>, Option<String>);
//!
//! impl Page for Letters {
//!     type Item = char;
//!     fn next_after(&self) -> Option<&str> {
//!         self.1.as_deref()
//!     }
//!     fn into_items(self) -> Vec<char> {
//!         self.0
//!     }
//! }
//!
//! #[derive(Debug, Clone)]
//! struct Alphabet(Client);
//!
//! impl Api for Alphabet {
//!     fn client(&self) -> &Client {
//!         &self.0
//!     }
//! }
//!
//! impl ListOperation for Alphabet {
//!     type Params = usize; // the page size
//!     type Page = Letters;
//!     type Error = serde_json::Value;
//!
//!     fn list_page(
//!         &self,
//!         size: &usize,
//!         after: Option<String>,
//!     ) -> BoxFuture<'static, Result<Letters, Error<serde_json::Value>>> {
//!         let start: usize = after.and_then(|after| after.parse().ok()).unwrap_or(0);
//!         let letters: Vec<char> = ('a'..='z').skip(start).take(*size).collect();
//!         let next = (start + size < 26).then(|| (start + size).to_string());
//!         Box::pin(async move { Ok(Letters(letters, next)) })
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let alphabet = Alphabet(Client::new("pat-na1-…"));
//! let letters: String = paging::pages(&alphabet, 5).try_collect().await?;
//! assert_eq!(letters, "abcdefghijklmnopqrstuvwxyz");
//! # Ok::<(), Error<serde_json::Value>>(())
//! # }).unwrap();
//! ```

use std::fmt;

use futures_util::stream::{self, Stream, StreamExt};
use serde_json::{Map, Value, json};

use crate::codegen::BoxFuture;
use crate::{Api, Error, OBJECT_ID_PROPERTY};

/// How many results one search query can page through, at most.
pub const SEARCH_RESULT_CAP: usize = 10_000;

/// The page size `search_all` asks for when the request names none (or one below 1).
const DEFAULT_SEARCH_LIMIT: u64 = 100;

/// One page of a listing or a search, as a generated answer type holds it.
pub trait Page: Send + 'static {
    /// One record of the page.
    type Item: Send + 'static;

    /// The cursor of the next page (`paging.next.after`), `None` on the last page.
    fn next_after(&self) -> Option<&str>;

    /// The page's records, in order.
    fn into_items(self) -> Vec<Self::Item>;

    /// How many records match the query across all pages, for a page that says (a search
    /// page's `total`); `None` by default. [`SearchAll`] reads it to tell whether a query
    /// that stopped offering a next page at the cap has more; without it, such a query is
    /// restarted once more to find out.
    fn total(&self) -> Option<u64> {
        None
    }
}

/// A CRM record, as far as paging needs to know it.
pub trait Record {
    /// The record's id: the value of its [`hs_object_id`](crate::OBJECT_ID_PROPERTY).
    fn id(&self) -> &str;
}

/// A document's listing operation (`GET /crm/v3/objects/…` with `limit` and `after`).
pub trait ListOperation: Api {
    /// The operation's parameters (page size, properties to return, ...).
    type Params: Clone + Send + Sync + 'static;
    /// One page of the answer.
    type Page: Page;
    /// The document's error schema, for [`Error`].
    type Error: Send + 'static;

    /// Requests one page. `after` is the cursor of the page to read; `None` sends `params`
    /// as they are (so the first page is the one `params` asks for, from its own cursor if
    /// it has one), `Some` replaces whatever cursor `params` hold.
    fn list_page(
        &self,
        params: &Self::Params,
        after: Option<String>,
    ) -> BoxFuture<'static, Result<Self::Page, Error<Self::Error>>>;
}

/// A document's search operation (`POST /crm/v3/objects/…/search`).
pub trait SearchOperation: Api {
    /// The search request body. [`SearchAll`] edits it as JSON: it replaces `sorts`, adds
    /// a filter to each of `filterGroups[].filters`, sets `after` and, when it is missing
    /// or below 1, `limit`; then decodes the JSON back into this type.
    type Request: serde::Serialize + serde::de::DeserializeOwned + Clone + Send + Sync + 'static;
    /// One page of matches.
    type Page: Page<Item: Record>;
    /// The document's error schema, for [`Error`].
    type Error: Send + 'static;

    /// Requests one page of matches.
    fn search_page(
        &self,
        request: Self::Request,
    ) -> BoxFuture<'static, Result<Self::Page, Error<Self::Error>>>;
}

/// Turns a stream of pages into a stream of their records; an error ends it.
fn flatten<T, E, S>(pages: S) -> impl Stream<Item = Result<T, Error<E>>> + Send
where
    T: Send,
    E: Send,
    S: Stream<Item = Result<Vec<T>, Error<E>>> + Send,
{
    pages.flat_map(|page| {
        let items: Vec<Result<T, Error<E>>> = match page {
            Ok(records) => records.into_iter().map(Ok).collect(),
            Err(error) => vec![Err(error)],
        };
        stream::iter(items)
    })
}

/// Every record the listing gives for `params`, from the page `params` asks for to the
/// last page.
///
/// Paging also ends when a page offers as its next cursor the one it was read with: a
/// cursor that does not move would page forever.
pub fn pages<L: ListOperation>(
    api: &L,
    params: L::Params,
) -> impl Stream<Item = Result<<L::Page as Page>::Item, Error<L::Error>>> + Send + 'static {
    let api = api.clone();
    let pages = stream::unfold(Some(None), move |state: Option<Option<String>>| {
        let api = api.clone();
        let params = params.clone();
        async move {
            let after = state?;
            match api.list_page(&params, after.clone()).await {
                Ok(page) => {
                    let next = page
                        .next_after()
                        // A cursor that does not move would page forever.
                        .filter(|next| after.as_deref() != Some(*next))
                        .map(|next| Some(next.to_owned()));
                    Some((Ok(page.into_items()), next))
                }
                Err(error) => Some((Err(error), None)),
            }
        }
    });
    flatten(pages)
}

/// Every record matching `request`, past search's 10,000-result cap; see [`SearchAll`].
pub fn search_all<S: SearchOperation>(
    api: &S,
    request: S::Request,
) -> impl Stream<Item = Result<<S::Page as Page>::Item, Error<S::Error>>> + Send + 'static {
    SearchAll::new(api, request).into_stream()
}

/// A search that pages through every match, however many.
///
/// Search sorts on `hs_object_id` ascending (the request's own `sorts` are replaced: only a
/// stable order on a unique, filterable value lets the query restart without losing or
/// repeating a record). Before a query would page past the cap, it starts again from the
/// first page with `hs_object_id > last id seen` added to each filter group (or as a group
/// of its own when the request has none). The request's `after` is where the first query
/// starts; its `limit` is the page size (100 when it has none).
///
/// The request is edited as JSON. `sorts` is written as `["hs_object_id"]`, or as
/// `[{"propertyName": "hs_object_id", "direction": "ASCENDING"}]` when the request's own sorts
/// are objects or its type does not take strings. A restart leaves `after` out, or sets it to
/// `"0"` when the type requires one. A request type that cannot take these edits makes the
/// stream yield one [`Error::Encode`] before sending anything.
pub struct SearchAll<S: SearchOperation> {
    api: S,
    request: S::Request,
    cap: usize,
}

impl<S: SearchOperation> SearchAll<S> {
    /// Every match of `request`, through `api`.
    pub fn new(api: &S, request: S::Request) -> Self {
        SearchAll {
            api: api.clone(),
            request,
            cap: SEARCH_RESULT_CAP,
        }
    }

    /// How many results one query may page through before it is restarted,
    /// [`SEARCH_RESULT_CAP`] by default (at least 1).
    #[must_use]
    pub fn cap(mut self, cap: usize) -> Self {
        self.cap = cap.max(1);
        self
    }

    /// The stream of matching records, in ascending `hs_object_id` order.
    pub fn into_stream(
        self,
    ) -> impl Stream<Item = Result<<S::Page as Page>::Item, Error<S::Error>>> + Send + 'static {
        let SearchAll { api, request, cap } = self;
        let start = SearchState::<S>::start(&request, cap).map_err(Error::Encode);
        let pages = stream::unfold(Some(start), move |state| {
            let api = api.clone();
            async move {
                let state = match state? {
                    Ok(state) => state,
                    Err(error) => return Some((Err(error), None)),
                };
                match api.search_page(state.request.clone()).await {
                    Ok(page) => {
                        let next = page.next_after().map(str::to_owned);
                        let total = page.total();
                        let items = page.into_items();
                        let state = state.advance(&items, next, total).map_err(Error::Encode);
                        Some((Ok(items), state.transpose()))
                    }
                    Err(error) => Some((Err(error), None)),
                }
            }
        });
        flatten(pages)
    }
}

impl<S: SearchOperation> Clone for SearchAll<S> {
    fn clone(&self) -> Self {
        SearchAll {
            api: self.api.clone(),
            request: self.request.clone(),
            cap: self.cap,
        }
    }
}

impl<S: SearchOperation + fmt::Debug> fmt::Debug for SearchAll<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchAll")
            .field("api", &self.api)
            .field("cap", &self.cap)
            .finish_non_exhaustive()
    }
}

/// How `after` is cleared for a restart: left out, or `"0"` for a type that requires it.
#[derive(Debug, Clone, Copy)]
enum ClearAfter {
    Remove,
    Zero,
}

/// Where a [`SearchAll`] stands between pages.
struct SearchState<S: SearchOperation> {
    /// The request of the next page, as sent.
    request: S::Request,
    /// The same as JSON, with `sorts` and `limit` set: what restarts edit.
    json: Map<String, Value>,
    /// The caller's filter groups, to which each restart adds its id filter.
    groups: Vec<Value>,
    clear_after: ClearAfter,
    /// The page size.
    limit: usize,
    cap: usize,
    /// Results read since the current query started.
    seen_in_query: usize,
    /// The highest `hs_object_id` read so far.
    last_id: Option<u64>,
    /// `last_id` when the current query started.
    last_id_at_query_start: Option<u64>,
}

/// An error about a search request that cannot take `search_all`'s edits.
fn edit_error(what: &str, error: &dyn fmt::Display) -> serde_json::Error {
    <serde_json::Error as serde::ser::Error>::custom(format!(
        "search_all cannot {what} of the search request: {error}"
    ))
}

impl<S: SearchOperation> SearchState<S> {
    /// The state of the first query: `request` sorted on the id, with a page size, checked
    /// to take every edit a restart makes.
    fn start(request: &S::Request, cap: usize) -> Result<Self, serde_json::Error> {
        let mut json = match serde_json::to_value(request)? {
            Value::Object(json) => json,
            other => {
                return Err(<serde_json::Error as serde::ser::Error>::custom(format!(
                    "search_all needs a search request that serializes as a JSON object, not \
                     {other}"
                )));
            }
        };
        let limit = match json.get("limit").and_then(Value::as_u64) {
            Some(limit) if limit >= 1 => limit,
            _ => {
                json.insert("limit".to_owned(), DEFAULT_SEARCH_LIMIT.into());
                DEFAULT_SEARCH_LIMIT
            }
        };
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let groups = match json.get("filterGroups") {
            Some(Value::Array(groups)) => groups.clone(),
            _ => Vec::new(),
        };
        // Sorts as strings (the older documents) unless the caller's are objects or the type
        // takes only objects.
        let objects_first = matches!(
            json.get("sorts")
                .and_then(Value::as_array)
                .and_then(|sorts| sorts.first()),
            Some(Value::Object(_))
        );
        let as_string = json!([OBJECT_ID_PROPERTY]);
        let as_object = json!([{ "propertyName": OBJECT_ID_PROPERTY, "direction": "ASCENDING" }]);
        let sorts = match objects_first {
            true => [as_object, as_string],
            false => [as_string, as_object],
        };
        let mut typed = None;
        let mut refused = None;
        for sort in sorts {
            json.insert("sorts".to_owned(), sort);
            match serde_json::from_value::<S::Request>(Value::Object(json.clone())) {
                Ok(request) => {
                    typed = Some(request);
                    break;
                }
                Err(error) => {
                    refused.get_or_insert(error);
                }
            }
        }
        let Some(request) = typed else {
            let why = refused.map(|error| error.to_string()).unwrap_or_default();
            return Err(edit_error("set the sort", &why));
        };
        // How a restart clears `after`, and whether the type takes the restart filter.
        let mut restart = json.clone();
        restart.remove("after");
        restart.insert(
            "filterGroups".to_owned(),
            Value::Array(restart_groups(&groups, 0)),
        );
        let clear_after = match serde_json::from_value::<S::Request>(Value::Object(restart.clone()))
        {
            Ok(_) => ClearAfter::Remove,
            Err(_) => {
                restart.insert("after".to_owned(), "0".into());
                serde_json::from_value::<S::Request>(Value::Object(restart))
                    .map_err(|error| edit_error("add the restart filter", &error))?;
                ClearAfter::Zero
            }
        };
        Ok(SearchState {
            request,
            json,
            groups,
            clear_after,
            limit,
            cap,
            seen_in_query: 0,
            last_id: None,
            last_id_at_query_start: None,
        })
    }

    /// Decodes the edited JSON as the next request.
    fn rebuild(&mut self, what: &str) -> Result<(), serde_json::Error> {
        self.request = serde_json::from_value(Value::Object(self.json.clone()))
            .map_err(|error| edit_error(what, &error))?;
        Ok(())
    }

    /// The state for the next page after one with `items`, cursor `next` and `total`
    /// matches, or `None` when every match has been read.
    fn advance(
        mut self,
        items: &[<S::Page as Page>::Item],
        next: Option<String>,
        total: Option<u64>,
    ) -> Result<Option<Self>, serde_json::Error> {
        for record in items {
            // HubSpot's record ids are decimal integers; one that is not cannot be used
            // in a restart filter, which only loses the chance to restart, not records.
            if let Ok(id) = record.id().parse::<u64>() {
                self.last_id = Some(self.last_id.map_or(id, |last| last.max(id)));
            }
        }
        self.seen_in_query += items.len();
        let seen = u64::try_from(self.seen_in_query).unwrap_or(u64::MAX);
        // The query has more than it let us read when it offers a next page, or when it
        // counts more matches than were read, or (when it does not count) when it stopped
        // at the cap, where paging ends without a cursor.
        let more = next.is_some()
            || match total {
                Some(total) => total > seen,
                None => self.seen_in_query >= self.cap,
            };
        match next {
            Some(next) if self.seen_in_query.saturating_add(self.limit) <= self.cap => {
                self.json.insert("after".to_owned(), Value::String(next));
                self.rebuild("set the cursor")?;
                return Ok(Some(self));
            }
            _ if !more => return Ok(None),
            _ => {}
        }
        // The next page would pass the cap: start again above the last id seen, unless
        // this query made no progress (then a restart would read the same records).
        let Some(last) = self.last_id else {
            return Ok(None);
        };
        if self.last_id_at_query_start == Some(last) {
            return Ok(None);
        }
        self.json.insert(
            "filterGroups".to_owned(),
            Value::Array(restart_groups(&self.groups, last)),
        );
        match self.clear_after {
            ClearAfter::Remove => self.json.remove("after"),
            ClearAfter::Zero => self.json.insert("after".to_owned(), "0".into()),
        };
        self.rebuild("restart")?;
        self.seen_in_query = 0;
        self.last_id_at_query_start = Some(last);
        Ok(Some(self))
    }
}

/// The caller's filter groups, each with `hs_object_id > last` added (filter groups are
/// alternatives, so every one needs it), or a group of that filter alone.
fn restart_groups(groups: &[Value], last: u64) -> Vec<Value> {
    let above = json!({
        "propertyName": OBJECT_ID_PROPERTY,
        "operator": "GT",
        "value": last.to_string(),
    });
    if groups.is_empty() {
        return vec![json!({ "filters": [above] })];
    }
    groups
        .iter()
        .map(|group| {
            let mut group = group.clone();
            match group.get_mut("filters") {
                Some(Value::Array(filters)) => filters.push(above.clone()),
                _ => {
                    if let Value::Object(fields) = &mut group {
                        fields.insert("filters".to_owned(), json!([above.clone()]));
                    }
                }
            }
            group
        })
        .collect()
}

#[cfg(test)]
mod tests;
