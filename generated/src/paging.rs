//! Streams over every order of a listing or a search, fetching page after page as they are
//! read.
//!
//! - [`pages`] follows `paging.next.after` through `get_page` until the last page.
//! - [`SearchAll`] (or [`search_all`]) gets past search's cap on how far one query can page
//!   (10,000 results): it sorts on `hs_object_id` ascending and, before reaching the cap,
//!   starts the query again with a filter keeping only ids above the last one seen.
//!
//! Each stream yields `Ok(record)` for every record and ends after the last one, or yields
//! the first error and then ends.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use hubspot_orders::operations::GetPageParams;
//! use hubspot_orders::paging;
//!
//! # async fn run(client: hubspot_orders::Client) -> Result<(), hubspot_orders::Error<hubspot_orders::types::Error>> {
//! let params = GetPageParams {
//!     limit: Some(100),
//!     properties: Some(vec!["hs_order_name".to_owned()]),
//!     ..GetPageParams::default()
//! };
//! let orders: Vec<_> = paging::pages(&client, params).try_collect().await?;
//! println!("{} orders", orders.len());
//! # Ok(())
//! # }
//! ```

use futures_util::stream::{self, Stream, StreamExt};

use crate::Client;
use crate::operations::GetPageParams;
use crate::types::{
    Filter, FilterGroup, Operator, PublicObjectSearchRequest, SimplePublicObject,
    SimplePublicObjectWithAssociations,
};

/// The error of one page request.
pub type PageError = crate::Error<crate::types::Error>;

/// How many results one search query can page through, at most.
pub const SEARCH_RESULT_CAP: usize = 10_000;

/// The property search sorts and restarts on.
const OBJECT_ID: &str = "hs_object_id";

/// Turns a stream of pages into a stream of their records; an error ends it.
fn flatten<T, S>(pages: S) -> impl Stream<Item = Result<T, PageError>> + Send
where
    T: Send,
    S: Stream<Item = Result<Vec<T>, PageError>> + Send,
{
    pages.flat_map(|page| {
        let items: Vec<Result<T, PageError>> = match page {
            Ok(records) => records.into_iter().map(Ok).collect(),
            Err(error) => vec![Err(error)],
        };
        stream::iter(items)
    })
}

/// Every order `get_page` lists with `params`, from `params.after` (the first page when
/// `None`) to the last page.
pub fn pages(
    client: &Client,
    params: GetPageParams,
) -> impl Stream<Item = Result<SimplePublicObjectWithAssociations, PageError>> + Send + 'static {
    let client = client.clone();
    let pages = stream::unfold(Some(params), move |state| {
        let client = client.clone();
        async move {
            let mut params = state?;
            match client.get_page(&params).await {
                Ok(page) => {
                    let next = page
                        .paging
                        .and_then(|paging| paging.next)
                        .map(|next| next.after)
                        // A cursor that does not move would page forever.
                        .filter(|after| params.after.as_ref() != Some(after));
                    let state = next.map(|after| {
                        params.after = Some(after);
                        params
                    });
                    Some((Ok(page.results), state))
                }
                Err(error) => Some((Err(error), None)),
            }
        }
    });
    flatten(pages)
}

/// Every order matching `request`, past search's 10,000-result cap; see [`SearchAll`].
pub fn search_all(
    client: &Client,
    request: PublicObjectSearchRequest,
) -> impl Stream<Item = Result<SimplePublicObject, PageError>> + Send + 'static {
    SearchAll::new(client, request).into_stream()
}

/// A search that pages through every match, however many.
///
/// Search sorts on `hs_object_id` ascending (the request's own `sorts` are replaced: only a
/// stable order on a unique, filterable value lets the query restart without losing or
/// repeating a record). Before a query would page past the cap, it starts again from the
/// first page with `hs_object_id > last id seen` added to each filter group. The request's
/// `after` is where the first query starts; `limit` is the page size.
#[derive(Debug, Clone)]
pub struct SearchAll {
    client: Client,
    request: PublicObjectSearchRequest,
    cap: usize,
}

impl SearchAll {
    /// Every match of `request`, through `client`.
    pub fn new(client: &Client, request: PublicObjectSearchRequest) -> Self {
        SearchAll {
            client: client.clone(),
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
    ) -> impl Stream<Item = Result<SimplePublicObject, PageError>> + Send + 'static {
        let SearchAll {
            client,
            mut request,
            cap,
        } = self;
        request.sorts = vec![OBJECT_ID.to_owned()];
        if request.limit <= 0 {
            request.limit = 100;
        }
        let groups = request.filter_groups.clone();
        let state = SearchState {
            request,
            groups,
            seen_in_query: 0,
            last_id: None,
            last_id_at_query_start: None,
        };
        let pages = stream::unfold(Some(state), move |state| {
            let client = client.clone();
            async move {
                let state = state?;
                match client.search(&state.request).await {
                    Ok(page) => {
                        let next = page
                            .paging
                            .and_then(|paging| paging.next)
                            .map(|next| next.after);
                        let state = state.advance(&page.results, next, page.total, cap);
                        Some((Ok(page.results), state))
                    }
                    Err(error) => Some((Err(error), None)),
                }
            }
        });
        flatten(pages)
    }
}

/// Where a [`SearchAll`] stands between pages.
struct SearchState {
    request: PublicObjectSearchRequest,
    /// The caller's filter groups, to which each restart adds its id filter.
    groups: Vec<FilterGroup>,
    /// Results read since the current query started.
    seen_in_query: usize,
    /// The highest `hs_object_id` read so far.
    last_id: Option<u64>,
    /// `last_id` when the current query started.
    last_id_at_query_start: Option<u64>,
}

impl SearchState {
    /// The state for the next page after one with `results`, cursor `next` and `total`
    /// matches, or `None` when every match has been read.
    fn advance(
        mut self,
        results: &[SimplePublicObject],
        next: Option<String>,
        total: i32,
        cap: usize,
    ) -> Option<Self> {
        for record in results {
            // HubSpot's record ids are decimal integers; one that is not cannot be used
            // in a restart filter, which only loses the chance to restart, not records.
            if let Ok(id) = record.id.parse::<u64>() {
                self.last_id = Some(self.last_id.map_or(id, |last| last.max(id)));
            }
        }
        self.seen_in_query += results.len();
        let page = usize::try_from(self.request.limit).unwrap_or(100);
        // The query has more than it let us read when it offers a next page, or when it
        // counts more matches than were read (paging stops at the cap without a cursor).
        let more = next.is_some() || usize::try_from(total).unwrap_or(0) > self.seen_in_query;
        match next {
            Some(next) if self.seen_in_query + page <= cap => {
                self.request.after = next;
                return Some(self);
            }
            _ if !more => return None,
            _ => {}
        }
        // The next page would pass the cap: start again above the last id seen, unless
        // this query made no progress (then a restart would read the same records).
        let last = self.last_id?;
        if self.last_id_at_query_start == Some(last) {
            return None;
        }
        self.request.filter_groups = restart_groups(&self.groups, last);
        self.request.after = "0".to_owned();
        self.seen_in_query = 0;
        self.last_id_at_query_start = Some(last);
        Some(self)
    }
}

/// The caller's filter groups, each with `hs_object_id > last` added (filter groups are
/// alternatives, so every one needs it), or a group of that filter alone.
fn restart_groups(groups: &[FilterGroup], last: u64) -> Vec<FilterGroup> {
    let above = Filter {
        high_value: None,
        operator: Operator::Gt,
        property_name: OBJECT_ID.to_owned(),
        value: Some(last.to_string()),
        values: None,
    };
    if groups.is_empty() {
        return vec![FilterGroup {
            filters: vec![above],
        }];
    }
    groups
        .iter()
        .map(|group| {
            let mut group = group.clone();
            group.filters.push(above.clone());
            group
        })
        .collect()
}
