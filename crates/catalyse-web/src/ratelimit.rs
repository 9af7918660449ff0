//! Rate limits for login and password reset, per IP address and per account (GCRA, governor).
//! In memory: with several instances each one counts its own requests.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::time::Duration;

pub struct Limiter {
    inner: DefaultKeyedRateLimiter<String>,
}

impl Limiter {
    /// `count` requests per `period`, allowed in one burst.
    pub fn new(count: u32, period: Duration) -> Limiter {
        let count = NonZeroU32::new(count.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period / count.get())
            .unwrap_or_else(|| Quota::per_second(count))
            .allow_burst(count);
        Limiter {
            inner: RateLimiter::keyed(quota),
        }
    }

    /// `Ok` when allowed, or the number of seconds to wait.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        self.inner.check_key(&key.to_string()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + 1
        })
    }

    pub fn forget_old(&self) {
        self.inner.retain_recent();
    }
}

/// The limiters the platform uses.
pub struct Limits {
    pub login_ip: Limiter,
    pub login_account: Limiter,
    pub reset_ip: Limiter,
    pub reset_account: Limiter,
    /// Registrations to events by visitors, per IP address and per email address.
    pub register_ip: Limiter,
    pub register_email: Limiter,
}

impl Limits {
    /// Both budgets must allow the request: the IP address's, then the account's.
    pub fn check(ip: (&Limiter, &str), account: (&Limiter, &str)) -> Result<(), u64> {
        ip.0.check(ip.1).and_then(|_| account.0.check(account.1))
    }

    pub fn from_config(c: &crate::config::Config) -> Limits {
        Limits {
            login_ip: Limiter::new(c.login_per_minute_per_ip, Duration::from_secs(60)),
            login_account: Limiter::new(c.login_per_quarter_per_account, Duration::from_secs(900)),
            reset_ip: Limiter::new(c.reset_per_hour, Duration::from_secs(3600)),
            reset_account: Limiter::new(c.reset_per_hour, Duration::from_secs(3600)),
            register_ip: Limiter::new(c.register_per_hour_per_ip, Duration::from_secs(3600)),
            register_email: Limiter::new(c.reset_per_hour, Duration::from_secs(3600)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key() {
        let l = Limiter::new(2, Duration::from_secs(60));
        assert!(l.check("a").is_ok());
        assert!(l.check("a").is_ok());
        let wait = l.check("a").unwrap_err();
        assert!((1..=31).contains(&wait), "{wait}");
        assert!(l.check("b").is_ok(), "another key has its own budget");
    }
}
