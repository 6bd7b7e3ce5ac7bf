//! The fake's OAuth side: the token endpoint (`POST /oauth/v1/token`, refresh-token grant)
//! and the access tokens it issued, which expire.
//!
//! As HubSpot does (platform notes): an answer carries `access_token`, `refresh_token`,
//! `expires_in` and `token_type`; each refresh brings a new refresh token, and every refresh
//! token issued stays valid (HubSpot's stay valid until the app is uninstalled); an access
//! token used after its lifetime is refused with a 401 whose category is
//! `EXPIRED_AUTHENTICATION` and whose message says how long ago it expired. The error bodies
//! of the token endpoint are HubSpot's OAuth ones (observed): `status` holds a code such as
//! `BAD_REFRESH_TOKEN`, with a `message` and a `correlationId`.
//!
//! Unlike HubSpot, `expires_in` is a fraction when the lifetime is not whole seconds, so
//! that tests can use lifetimes of a few hundred milliseconds.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::objects::{self, Answer};

/// The token endpoint's path.
pub(crate) const TOKEN_PATH: &str = "/oauth/v1/token";

/// An OAuth app and its installation, as [`FakeHubSpotBuilder::oauth`] sets them up.
///
/// [`FakeHubSpotBuilder::oauth`]: super::FakeHubSpotBuilder::oauth
#[derive(Clone)]
pub(crate) struct OAuthApp {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) refresh_token: String,
    pub(crate) lifetime: Duration,
}

impl fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

/// What an access token sent to the API is, to the issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Issued here and not expired.
    Valid,
    /// Issued here, expired this long ago.
    Expired(Duration),
}

/// The token endpoint's state: the tokens issued, and how refreshes should go.
pub(crate) struct Issuer {
    app: OAuthApp,
    /// Every refresh token issued (the configured one first): all stay valid.
    refresh_tokens: BTreeSet<String>,
    /// Every access token issued, and when it expires.
    access_tokens: HashMap<String, Instant>,
    refreshes: u64,
    /// Answer every refresh with this status, when set.
    failing: Option<u16>,
}

impl fmt::Debug for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issuer")
            .field("app", &self.app)
            .field("refreshes", &self.refreshes)
            .field("failing", &self.failing)
            .finish_non_exhaustive()
    }
}

impl Issuer {
    pub(crate) fn new(app: OAuthApp) -> Issuer {
        Issuer {
            refresh_tokens: BTreeSet::from([app.refresh_token.clone()]),
            app,
            access_tokens: HashMap::new(),
            refreshes: 0,
            failing: None,
        }
    }

    /// How many refreshes succeeded.
    pub(crate) fn refreshes(&self) -> u64 {
        self.refreshes
    }

    /// From now on, answer every refresh with `status` (`None`: answer them again).
    pub(crate) fn fail_refreshes(&mut self, status: Option<u16>) {
        self.failing = status;
    }

    /// Makes every access token issued so far expire at `at` (those expired already stay
    /// as they are).
    pub(crate) fn expire_all(&mut self, at: Instant) {
        for expires_at in self.access_tokens.values_mut() {
            *expires_at = (*expires_at).min(at);
        }
    }

    /// Whether `token` is an access token issued here, and whether it is still valid at `at`;
    /// `None` for any other token.
    pub(crate) fn check(&self, token: &str, at: Instant) -> Option<Access> {
        let expires_at = *self.access_tokens.get(token)?;
        Some(match at.checked_duration_since(expires_at) {
            Some(ago) => Access::Expired(ago),
            None => Access::Valid,
        })
    }

    /// HubSpot's 401 body for an access token that expired `ago`.
    pub(crate) fn expired_body(rng: &mut fastrand::Rng, ago: Duration) -> Value {
        let ago = match ago.as_secs() {
            seconds @ 0..60 => format!("{seconds} second(s)"),
            seconds => format!("{} minute(s)", seconds / 60),
        };
        let message = format!("The OAuth token used to make this call expired {ago} ago.");
        objects::error_body(rng, "EXPIRED_AUTHENTICATION", &message, None, Vec::new())
    }

    /// Answers one request to the token endpoint (`body` is the form sent).
    pub(crate) fn token_request(
        &mut self,
        rng: &mut fastrand::Rng,
        method: &str,
        body: &[u8],
        at: Instant,
    ) -> Answer {
        let fail = |rng: &mut fastrand::Rng, status: u16, code: &str, message: &str| Answer {
            status,
            body: Some(json!({
                "status": code,
                "message": message,
                "correlationId": objects::uuid(rng),
            })),
        };
        if method != "POST" {
            let message = format!("{method} is not allowed on {TOKEN_PATH}");
            return Answer::error(rng, 405, "METHOD_NOT_ALLOWED", &message);
        }
        let form = objects::query_pairs(Some(&String::from_utf8_lossy(body)));
        let field = |name: &str| {
            form.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
                .unwrap_or_default()
        };
        if field("grant_type") != "refresh_token" {
            let message = "grant_type must be refresh_token (the fake HubSpot knows no other)";
            return fail(rng, 400, "BAD_GRANT_TYPE", message);
        }
        if field("client_id") != self.app.client_id {
            return fail(rng, 400, "BAD_CLIENT_ID", "missing or unknown client id");
        }
        if field("client_secret") != self.app.client_secret {
            return fail(
                rng,
                400,
                "BAD_CLIENT_SECRET",
                "missing or invalid client secret",
            );
        }
        // A refresh token it never issued, or a refusal on purpose: HubSpot's 400.
        if !self.refresh_tokens.contains(field("refresh_token")) || self.failing == Some(400) {
            return fail(
                rng,
                400,
                "BAD_REFRESH_TOKEN",
                "missing or invalid refresh token",
            );
        }
        if let Some(status) = self.failing {
            let message = "The fake HubSpot fails OAuth refreshes on purpose";
            return Answer::error(rng, status, "INTERNAL_ERROR", message);
        }
        self.refreshes += 1;
        let serial = self.refreshes;
        let access_token = format!("fake-oauth-access-{serial}-{:016x}", rng.u64(..));
        let refresh_token = format!("fake-oauth-refresh-{serial}-{:016x}", rng.u64(..));
        let expires_at = at.checked_add(self.app.lifetime).unwrap_or(at);
        self.access_tokens.insert(access_token.clone(), expires_at);
        self.refresh_tokens.insert(refresh_token.clone());
        let lifetime = self.app.lifetime;
        let expires_in = match lifetime.subsec_nanos() {
            0 => json!(lifetime.as_secs()),
            _ => json!(lifetime.as_secs_f64()),
        };
        Answer {
            status: 200,
            body: Some(json!({
                "token_type": "bearer",
                "refresh_token": refresh_token,
                "access_token": access_token,
                "expires_in": expires_in,
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer(lifetime: Duration) -> Issuer {
        Issuer::new(OAuthApp {
            client_id: "id".to_owned(),
            client_secret: "shh".to_owned(),
            refresh_token: "first".to_owned(),
            lifetime,
        })
    }

    fn form(refresh_token: &str) -> Vec<u8> {
        format!(
            "grant_type=refresh_token&client_id=id&client_secret=shh&refresh_token={refresh_token}"
        )
        .into_bytes()
    }

    #[test]
    fn refreshes_rotate_and_tokens_expire() {
        let mut issuer = issuer(Duration::from_millis(300));
        let mut rng = fastrand::Rng::with_seed(1);
        let at = Instant::now();
        let first = issuer.token_request(&mut rng, "POST", &form("first"), at);
        assert_eq!(first.status, 200);
        let Some(body) = first.body else {
            panic!("no body")
        };
        assert_eq!(body["expires_in"], json!(0.3));
        assert_eq!(body["token_type"], "bearer");
        let access = body["access_token"].as_str().unwrap_or_default();
        let rotated = body["refresh_token"].as_str().unwrap_or_default();
        assert_ne!(rotated, "first");
        assert_eq!(issuer.check(access, at), Some(Access::Valid));
        let later = at + Duration::from_millis(1300);
        assert_eq!(
            issuer.check(access, later),
            Some(Access::Expired(Duration::from_secs(1)))
        );
        assert_eq!(issuer.check("pat-fake-hubspot-token", at), None);
        // Old and new refresh tokens both work, as HubSpot's do; unknown ones do not.
        for token in [rotated, "first"] {
            let answer = issuer.token_request(&mut rng, "POST", &form(token), at);
            assert_eq!(answer.status, 200);
        }
        let unknown = issuer.token_request(&mut rng, "POST", &form("nope"), at);
        assert_eq!(unknown.status, 400);
        assert_eq!(
            unknown.body.map(|body| body["status"].clone()),
            Some(json!("BAD_REFRESH_TOKEN"))
        );
        assert_eq!(issuer.refreshes(), 3);
        issuer.fail_refreshes(Some(503));
        let failed = issuer.token_request(&mut rng, "POST", &form("first"), at);
        assert_eq!(failed.status, 503);
        assert_eq!(issuer.refreshes(), 3);
    }

    #[test]
    fn whole_second_lifetimes_are_whole_numbers_and_the_401_says_how_long_ago() {
        let mut issuer = issuer(Duration::from_secs(1800));
        let mut rng = fastrand::Rng::with_seed(1);
        let answer = issuer.token_request(&mut rng, "POST", &form("first"), Instant::now());
        assert_eq!(
            answer.body.map(|body| body["expires_in"].clone()),
            Some(json!(1800))
        );
        let body = Issuer::expired_body(&mut rng, Duration::from_secs(150));
        assert_eq!(body["category"], "EXPIRED_AUTHENTICATION");
        assert_eq!(
            body["message"],
            "The OAuth token used to make this call expired 2 minute(s) ago."
        );
    }
}
