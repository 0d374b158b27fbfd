//! Limits on failed guesses of secrets (invitation tokens and codes, share links, passwords), per
//! client address and in total, and for passwords per account. Only failures count, so that an
//! office behind one address answers and logs in freely; a blocked key waits until its bucket
//! refills, never for good. Addresses and accounts live in memory only, never in storage or logs.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::{Allowance, GuessLimits};

/// Counts failures per key with a token bucket; a key that runs out is blocked until the bucket
/// refills, for successes and failures alike.
pub struct FailureLimiter<K: Hash + Eq + Clone> {
    bucket: DefaultKeyedRateLimiter<K>,
    blocked: Mutex<HashMap<K, Instant>>,
}

impl<K: Hash + Eq + Clone> FailureLimiter<K> {
    pub fn new(allowance: Allowance) -> Self {
        let burst = NonZeroU32::new(allowance.burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(allowance.period)
            .unwrap_or(Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        FailureLimiter {
            bucket: RateLimiter::keyed(quota),
            blocked: Mutex::new(HashMap::new()),
        }
    }

    /// How long `key` must wait before trying again, if it is blocked.
    pub fn blocked(&self, key: &K) -> Option<Duration> {
        let blocked = self.blocked.lock().ok()?;
        let until = *blocked.get(key)?;
        until
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }

    /// Records a failure; returns the wait when `key` is now blocked.
    pub fn failed(&self, key: &K) -> Option<Duration> {
        let now = DefaultClock::default().now();
        let wait = self.bucket.check_key(key).err()?.wait_time_from(now);
        if let Ok(mut blocked) = self.blocked.lock() {
            if blocked.len() > 100_000 {
                let now = Instant::now();
                blocked.retain(|_, until| *until > now);
                self.bucket.retain_recent();
            }
            blocked.insert(key.clone(), Instant::now() + wait);
        }
        Some(wait)
    }
}

/// Failed guesses of one kind of secret, per client address and from all addresses together.
pub struct LookupLimits {
    per_address: FailureLimiter<IpAddr>,
    total: FailureLimiter<()>,
}

impl LookupLimits {
    pub fn new(per_address: Allowance, total: Allowance) -> Self {
        LookupLimits {
            per_address: FailureLimiter::new(per_address),
            total: FailureLimiter::new(total),
        }
    }

    /// Invitation links and codes (`GuessLimits::link_…`).
    pub fn for_links(limits: &GuessLimits) -> Self {
        LookupLimits::new(limits.link_per_address, limits.link_total)
    }

    /// Share links (`GuessLimits::share_…`).
    pub fn for_shares(limits: &GuessLimits) -> Self {
        LookupLimits::new(limits.share_per_address, limits.share_total)
    }

    pub fn blocked(&self, address: Option<IpAddr>) -> Option<Duration> {
        address
            .and_then(|a| self.per_address.blocked(&a))
            .or_else(|| self.total.blocked(&()))
    }

    pub fn failed(&self, address: Option<IpAddr>) -> Option<Duration> {
        let per_address = address.and_then(|a| self.per_address.failed(&a));
        let total = self.total.failed(&());
        per_address.or(total)
    }
}

/// Failed logins: per account (against guessing one password, from however many addresses),
/// per address and in total (against trying many accounts).
pub struct LoginLimits {
    per_account: FailureLimiter<String>,
    per_address_and_total: LookupLimits,
}

impl LoginLimits {
    pub fn new(limits: &GuessLimits) -> Self {
        LoginLimits {
            per_account: FailureLimiter::new(limits.login_per_account),
            per_address_and_total: LookupLimits::new(limits.login_per_address, limits.login_total),
        }
    }

    /// How long a login to `account` from `address` must wait, if it must.
    pub fn blocked(&self, account: &str, address: Option<IpAddr>) -> Option<Duration> {
        self.per_account
            .blocked(&account.to_owned())
            .or_else(|| self.per_address_and_total.blocked(address))
    }

    /// Records a failed login; returns the wait when the next one must wait.
    pub fn failed(&self, account: &str, address: Option<IpAddr>) -> Option<Duration> {
        let per_account = self.per_account.failed(&account.to_owned());
        let others = self.per_address_and_total.failed(address);
        per_account.or(others)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_count_and_a_blocked_key_waits() {
        let limiter = FailureLimiter::new(Allowance::new(3, Duration::from_secs(60)));
        assert_eq!(limiter.blocked(&"a"), None);
        for _ in 0..3 {
            assert_eq!(limiter.failed(&"a"), None);
        }
        assert_eq!(limiter.blocked(&"a"), None, "three failures are allowed");
        let wait = limiter.failed(&"a").expect("the fourth blocks");
        assert!(wait <= Duration::from_secs(60));
        assert!(limiter.blocked(&"a").is_some());
        assert_eq!(limiter.blocked(&"b"), None, "others are not affected");
    }

    #[test]
    fn one_account_is_limited_long_before_one_address_and_successes_never_count() {
        let limits = LoginLimits::new(&GuessLimits::default());
        let office: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..5 {
            assert_eq!(limits.failed("a@example.nl", Some(office)), None);
        }
        let wait = limits
            .failed("a@example.nl", Some(office))
            .expect("the sixth wrong password waits");
        assert!(wait.as_secs() <= 60);
        assert!(limits.blocked("a@example.nl", Some(office)).is_some());
        // Colleagues behind the same address still get in: their logins succeed, and a few
        // typing errors pass.
        for i in 0..1_000 {
            assert_eq!(
                limits.blocked(&format!("colleague{i}@example.nl"), Some(office)),
                None
            );
        }
        for i in 0..50 {
            assert_eq!(
                limits.failed(&format!("typo{i}@example.nl"), Some(office)),
                None
            );
        }
        // An address spraying many accounts is limited too.
        let refused = (0..20)
            .filter(|i| {
                limits
                    .failed(&format!("guess{i}@example.nl"), Some(office))
                    .is_some()
            })
            .count();
        assert!(refused >= 10, "{refused}");
        assert!(
            limits
                .blocked("colleague1@example.nl", Some(office))
                .is_some()
        );
        let elsewhere: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(limits.blocked("b@example.nl", Some(elsewhere)), None);
    }
}
