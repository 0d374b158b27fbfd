//! Limits on failed look-ups of secrets (invitation tokens and codes, share links), per client
//! address and in total. Only failures count, so that an office behind one address answers
//! freely; addresses live in memory only, never in storage or logs.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Counts failures per key with a token bucket; a key that runs out is blocked until the bucket
/// refills, for successes and failures alike.
pub struct FailureLimiter<K: Hash + Eq + Clone> {
    bucket: DefaultKeyedRateLimiter<K>,
    blocked: Mutex<HashMap<K, Instant>>,
}

impl<K: Hash + Eq + Clone> FailureLimiter<K> {
    pub fn new(burst: u32, period: Duration) -> Self {
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period)
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

/// Failed look-ups of one kind of secret.
pub struct LookupLimits {
    per_address: FailureLimiter<IpAddr>,
    total: FailureLimiter<()>,
}

impl Default for LookupLimits {
    fn default() -> Self {
        LookupLimits {
            // Generous per address (offices share one): 60 at once, then one a second.
            per_address: FailureLimiter::new(60, Duration::from_secs(1)),
            // All addresses together: 2,000 at once, then 50 a second.
            total: FailureLimiter::new(2_000, Duration::from_millis(20)),
        }
    }
}

impl LookupLimits {
    /// Share links: few people hold one, and each is used a handful of times, so fewer failures
    /// pass than for invitations: 20 at once per address, then one every 3 seconds; all
    /// addresses together 500 at once, then 10 a second.
    pub fn for_shares() -> Self {
        LookupLimits {
            per_address: FailureLimiter::new(20, Duration::from_secs(3)),
            total: FailureLimiter::new(500, Duration::from_millis(100)),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_count_and_a_blocked_key_waits() {
        let limiter = FailureLimiter::new(3, Duration::from_secs(60));
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
}
