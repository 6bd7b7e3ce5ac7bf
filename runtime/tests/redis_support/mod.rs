//! A real `redis-server` for the tests of `RedisLimiter`: Debian's package (`.ci/run` installs
//! it when missing), started on 127.0.0.1 at a free port without persistence, and killed and
//! reaped when its guard is dropped.
//!
//! [`shared`] gives the test binary's one server, started by the first test that asks and
//! stopped when the last test holding it ends; each test uses keys of its own on it. A test
//! that kills, restarts or pauses Redis starts a server of its own with
//! [`RedisServer::start`], so as not to pull it from under the others.

#![allow(dead_code)]

use std::sync::{Arc, Mutex, PoisonError, Weak};

pub use hubspot_runtime::testing::{RedisServer, free_port};

/// The binary's server, shared by the tests running at the same time.
static SHARED: Mutex<Weak<RedisServer>> = Mutex::new(Weak::new());

/// The test binary's server: the one running, or a new one.
pub fn shared() -> Arc<RedisServer> {
    let mut slot = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(server) = slot.upgrade() {
        return server;
    }
    let server = Arc::new(RedisServer::start());
    *slot = Arc::downgrade(&server);
    server
}

/// A key no other test uses, under which a limiter keeps its budget.
pub fn unique_key(test: &str) -> String {
    format!("hubspot-test:{test}:{:016x}", fastrand::u64(..))
}
