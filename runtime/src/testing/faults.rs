//! Faults the fake injects on purpose, chosen by route, object type, id and a seeded share.

use std::collections::BTreeSet;
use std::time::Duration;

use super::Policy;
use super::objects::Route;

/// Something going wrong on purpose, in place of (or on top of) the normal answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer 429 with HubSpot's body and headers for this policy, whatever the budgets say,
    /// as if another client had spent the budget: the `…-Remaining` (or `…-Daily-Remaining`)
    /// header says 0, and `Retry-After`, when enabled, says 1 s. The request is not processed
    /// (it still counts against the budgets, having passed them).
    RateLimited(Policy),
    /// Answer this status (e.g. 502, 503, 504) with a JSON error body; not processed.
    Status(u16),
    /// Answer this status with an HTML body, as a gateway in front of HubSpot does; not
    /// processed.
    HtmlStatus(u16),
    /// Close the connection without answering; the request is not processed.
    Reset,
    /// Process the request, then answer only after this delay (to run past a client's
    /// timeout). A write is applied even if the client gives up waiting. `Duration::MAX`
    /// never answers: the connection stays open until the client gives up or the fake stops.
    Slow(Duration),
    /// Process the request, then answer its status with a truncated JSON body.
    MalformedJson,
    /// Process the request (a write is applied), then close the connection without
    /// answering: the ambiguous failure after which repeating a create makes a duplicate.
    LostAnswer,
}

impl Fault {
    /// Whether the request is processed (a write applied) before the fault shows.
    pub(crate) fn processes(&self) -> bool {
        matches!(
            self,
            Fault::Slow(_) | Fault::MalformedJson | Fault::LostAnswer
        )
    }
}

/// When to inject a [`Fault`]: on which routes, for which object types, for which ids, for
/// what share of the matching requests and how many times. Rules are tried in the order they
/// were added; the first that fires decides.
///
/// ```
/// use std::time::Duration;
/// use hubspot_runtime::testing::{Fault, FaultRule, Route};
///
/// // Every batch upsert of any object type has one chance in five to get a 503; draws use
/// // the fake's seed.
/// let flaky = FaultRule::new(Fault::Status(503)).on(Route::BatchUpsert).share(0.2);
/// // The next two requests that mention "shop-7" (path id, input id or unique value) answer
/// // after 3 s.
/// let slow = FaultRule::new(Fault::Slow(Duration::from_secs(3))).for_ids(["shop-7"]).times(2);
/// // Searches of line items, and of nothing else, lose their answer.
/// let lost = FaultRule::new(Fault::LostAnswer).on(Route::Search).for_object_type("line_items");
/// # let _ = (flaky, slow, lost);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub(crate) fault: Fault,
    pub(crate) share: f64,
    pub(crate) routes: Vec<Route>,
    pub(crate) object_types: BTreeSet<String>,
    pub(crate) ids: BTreeSet<String>,
    pub(crate) times: Option<u32>,
}

impl FaultRule {
    /// A rule that injects `fault` into every request, until narrowed.
    pub fn new(fault: Fault) -> FaultRule {
        FaultRule {
            fault,
            share: 1.0,
            routes: Vec::new(),
            object_types: BTreeSet::new(),
            ids: BTreeSet::new(),
            times: None,
        }
    }

    /// Fire only for this share (0.0 to 1.0) of the requests the rule matches, drawn from the
    /// fake's seeded generator: the same sequence of requests gets the same faults on every run.
    #[must_use]
    pub fn share(mut self, share: f64) -> FaultRule {
        self.share = share.clamp(0.0, 1.0);
        self
    }

    /// Match requests to `route` (may be given several times; no route means every route).
    #[must_use]
    pub fn on(mut self, route: Route) -> FaultRule {
        self.routes.push(route);
        self
    }

    /// Match requests for the object type `object_type` as the path names it, e.g.
    /// `line_items` (may be given several times; no object type means every one).
    #[must_use]
    pub fn for_object_type(mut self, object_type: impl Into<String>) -> FaultRule {
        self.object_types.insert(object_type.into());
        self
    }

    /// Match only requests that mention one of `ids`: the id in the path, an input's `id`, or
    /// a value of a unique property among an input's properties.
    #[must_use]
    pub fn for_ids<I, S>(mut self, ids: I) -> FaultRule
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.ids.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Fire at most `times` times, then never again.
    #[must_use]
    pub fn times(mut self, times: u32) -> FaultRule {
        self.times = Some(times);
        self
    }

    fn matches(&self, route: Route, object_type: &str, keys: &[String]) -> bool {
        self.times != Some(0)
            && (self.routes.is_empty() || self.routes.contains(&route))
            && (self.object_types.is_empty() || self.object_types.contains(object_type))
            && (self.ids.is_empty() || keys.iter().any(|key| self.ids.contains(key)))
    }
}

/// The first rule among `rules` that fires for a request to `route` of `object_type`
/// mentioning `keys`; its count of remaining times goes down by one.
pub(crate) fn pick(
    rules: &mut [FaultRule],
    rng: &mut fastrand::Rng,
    route: Route,
    object_type: &str,
    keys: &[String],
) -> Option<Fault> {
    for rule in rules.iter_mut() {
        if !rule.matches(route, object_type, keys) {
            continue;
        }
        // A draw only for rules that match, so that adding a rule for one route (or object
        // type) does not change which requests of another get faults.
        if rule.share < 1.0 && rng.f64() >= rule.share {
            continue;
        }
        if let Some(times) = &mut rule.times {
            *times -= 1;
        }
        return Some(rule.fault.clone());
    }
    None
}
