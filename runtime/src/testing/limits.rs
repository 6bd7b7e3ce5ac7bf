//! HubSpot's rate limits as the fake enforces them: a rolling window for most requests, a
//! shorter one for search, and a daily count.
//!
//! Hand-written rather than built on a rate-limiting crate: the fake must *answer* as HubSpot
//! does (which policy refused, how many requests remain in the window, when the oldest request
//! leaves it), and the GCRA crates only say yes or no.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

/// Which of HubSpot's limits refused a request: the `policyName` of a 429 body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// The rolling ten-second window shared by every request but search (`TEN_SECONDLY_ROLLING`).
    TenSecondlyRolling,
    /// The search endpoints' own per-second window (`SECONDLY`).
    Secondly,
    /// The daily budget (`DAILY`): HubSpot's answer until the day is over.
    Daily,
}

impl Policy {
    /// The policy's name as HubSpot spells it in `policyName`.
    pub fn name(self) -> &'static str {
        match self {
            Policy::TenSecondlyRolling => "TEN_SECONDLY_ROLLING",
            Policy::Secondly => "SECONDLY",
            Policy::Daily => "DAILY",
        }
    }

    /// The message of HubSpot's 429 body for this policy.
    pub(crate) fn message(self) -> String {
        format!(
            "You have reached your {} limit.",
            self.name().to_ascii_lowercase()
        )
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A rolling window: at most `budget` admitted requests in any span of `length`.
#[derive(Debug)]
pub(crate) struct Window {
    budget: u32,
    length: Duration,
    admitted: VecDeque<Instant>,
}

impl Window {
    pub(crate) fn new(budget: u32, length: Duration) -> Window {
        Window {
            budget,
            length,
            admitted: VecDeque::new(),
        }
    }

    pub(crate) fn set_budget(&mut self, budget: u32) {
        self.budget = budget;
    }

    fn prune(&mut self, now: Instant) {
        while let Some(&oldest) = self.admitted.front() {
            if now.saturating_duration_since(oldest) >= self.length {
                self.admitted.pop_front();
            } else {
                break;
            }
        }
    }

    fn remaining(&self) -> u32 {
        let used = u32::try_from(self.admitted.len()).unwrap_or(u32::MAX);
        self.budget.saturating_sub(used)
    }

    /// How long until the oldest admitted request leaves the window.
    fn free_in(&self, now: Instant) -> Duration {
        self.admitted.front().map_or(Duration::ZERO, |&oldest| {
            (oldest + self.length).saturating_duration_since(now)
        })
    }
}

/// The daily count; the day is the scaled 24 hours since the fake started or the last reset.
#[derive(Debug)]
pub(crate) struct Daily {
    budget: u64,
    used: u64,
    length: Duration,
    since: Instant,
}

impl Daily {
    pub(crate) fn new(budget: u64, length: Duration, now: Instant) -> Daily {
        Daily {
            budget,
            used: 0,
            length,
            since: now,
        }
    }

    pub(crate) fn set_budget(&mut self, budget: u64) {
        self.budget = budget;
    }

    fn roll(&mut self, now: Instant) {
        if now.saturating_duration_since(self.since) >= self.length {
            self.used = 0;
            self.since = now;
        }
    }
}

/// The figures sent in the `X-HubSpot-RateLimit-*` headers of one answer.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Figures {
    /// (max, remaining, interval) of the window that applies to the request.
    pub window: Option<(u32, u32, Duration)>,
    /// (daily budget, remaining today).
    pub daily: Option<(u64, u64)>,
}

/// A refusal: which policy, the headers' figures, and how long until a retry can pass.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Refusal {
    pub policy: Policy,
    pub figures: Figures,
    pub retry_in: Duration,
}

#[derive(Debug)]
pub(crate) struct Limits {
    pub standard: Option<Window>,
    pub search: Option<Window>,
    pub daily: Option<Daily>,
}

impl Limits {
    fn window(&mut self, search: bool) -> Option<&mut Window> {
        if search {
            self.search.as_mut()
        } else {
            self.standard.as_mut()
        }
    }

    /// The figures as they stand, without admitting anything.
    pub(crate) fn figures(&mut self, search: bool, now: Instant) -> Figures {
        let window = self.window(search).map(|window| {
            window.prune(now);
            (window.budget, window.remaining(), window.length)
        });
        let daily = self.daily.as_mut().map(|daily| {
            daily.roll(now);
            (daily.budget, daily.budget.saturating_sub(daily.used))
        });
        Figures { window, daily }
    }

    /// Admits one request (counting it in its window and in the day) or says which limit
    /// refuses it. A refused request counts nowhere.
    pub(crate) fn admit(&mut self, search: bool, now: Instant) -> Result<Figures, Refusal> {
        let figures = self.figures(search, now);
        if let Some(daily) = &self.daily {
            if daily.used >= daily.budget {
                let retry_in = (daily.since + daily.length).saturating_duration_since(now);
                return Err(Refusal {
                    policy: Policy::Daily,
                    figures,
                    retry_in,
                });
            }
        }
        if let Some(window) = self.window(search) {
            if window.remaining() == 0 {
                return Err(Refusal {
                    policy: if search {
                        Policy::Secondly
                    } else {
                        Policy::TenSecondlyRolling
                    },
                    figures,
                    retry_in: window.free_in(now),
                });
            }
            window.admitted.push_back(now);
        }
        if let Some(daily) = &mut self.daily {
            daily.used += 1;
        }
        Ok(self.figures(search, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_refuses_over_budget_and_frees_as_requests_age() {
        let start = Instant::now();
        let mut limits = Limits {
            standard: Some(Window::new(2, Duration::from_secs(10))),
            search: None,
            daily: None,
        };
        assert_eq!(
            limits
                .admit(false, start)
                .map(|f| f.window.map(|w| w.1))
                .ok(),
            Some(Some(1))
        );
        let later = start + Duration::from_secs(4);
        assert!(limits.admit(false, later).is_ok());
        let refusal = limits.admit(false, later).err();
        assert_eq!(
            refusal.map(|r| (r.policy, r.retry_in)),
            Some((Policy::TenSecondlyRolling, Duration::from_secs(6)))
        );
        // The first request leaves the window ten seconds after it came.
        assert!(limits.admit(false, start + Duration::from_secs(10)).is_ok());
        assert!(
            limits
                .admit(false, start + Duration::from_secs(10))
                .is_err()
        );
    }

    #[test]
    fn daily_budget_refuses_then_rolls_over() {
        let start = Instant::now();
        let mut limits = Limits {
            standard: None,
            search: None,
            daily: Some(Daily::new(1, Duration::from_secs(100), start)),
        };
        assert!(limits.admit(true, start).is_ok());
        assert_eq!(
            limits.admit(false, start).err().map(|r| r.policy),
            Some(Policy::Daily)
        );
        assert!(
            limits
                .admit(false, start + Duration::from_secs(100))
                .is_ok()
        );
    }
}
