//! Per-caller rate limits: a token bucket of GraphQL complexity points
//! (the cost an integrator sees in `extensions.cost`), refilled
//! continuously, like Shopify's leaky bucket. Buckets live in the replica's
//! memory: with N replicas behind a balancer a caller's effective limit is at
//! most N times the tier (documented in docs/agency-guide.md).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::auth::Actor;

/// Bucket size and refill speed, in complexity points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tier {
    pub capacity: f64,
    pub refill_per_sec: f64,
}

impl Tier {
    /// The tier of an API client: `basic`, `standard` (default), `premium`,
    /// or `custom:<capacity>:<refill per second>` set by an operator.
    pub fn for_client(rate_tier: &str) -> Tier {
        match rate_tier {
            "basic" => Tier {
                capacity: 500.0,
                refill_per_sec: 10.0,
            },
            "premium" => Tier {
                capacity: 5000.0,
                refill_per_sec: 100.0,
            },
            custom if custom.starts_with("custom:") => {
                let mut parts = custom.split(':').skip(1).map(str::parse::<f64>);
                match (parts.next(), parts.next()) {
                    (Some(Ok(c)), Some(Ok(r))) if c >= 1.0 && r > 0.0 => Tier {
                        capacity: c,
                        refill_per_sec: r,
                    },
                    _ => Tier::STANDARD,
                }
            }
            _ => Tier::STANDARD,
        }
    }

    pub const STANDARD: Tier = Tier {
        capacity: 1000.0,
        refill_per_sec: 50.0,
    };
}

/// The outcome of charging a request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Charge {
    pub allowed: bool,
    pub limit: u64,
    pub remaining: u64,
    /// Seconds until the bucket is full again.
    pub reset_after: u64,
    /// Seconds until this request's cost would fit (0 when allowed).
    pub retry_after: u64,
    pub cost: u64,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    level: f64,
    at: DateTime<Utc>,
}

/// Most buckets kept before full ones are dropped (a full bucket is the
/// same as no bucket, so dropping it changes nothing).
const MAX_BUCKETS: usize = 100_000;

#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// Takes `cost` points from `key`'s bucket if they are there.
    pub fn charge(&self, key: &str, tier: Tier, cost: u64, now: DateTime<Utc>) -> Charge {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, b| refill(*b, tier, now) < tier.capacity);
        }
        let b = buckets.entry(key.to_string()).or_insert(Bucket {
            level: tier.capacity,
            at: now,
        });
        let level = refill(*b, tier, now);
        let cost_f = cost as f64;
        let allowed = cost_f <= level;
        let after = if allowed { level - cost_f } else { level };
        *b = Bucket {
            level: after,
            at: now,
        };
        let per_sec = tier.refill_per_sec.max(f64::MIN_POSITIVE);
        Charge {
            allowed,
            limit: tier.capacity as u64,
            remaining: after.floor() as u64,
            reset_after: ((tier.capacity - after) / per_sec).ceil() as u64,
            retry_after: if allowed {
                0
            } else {
                ((cost_f.min(tier.capacity) - level) / per_sec)
                    .ceil()
                    .max(1.0) as u64
            },
            cost,
        }
    }
}

fn refill(b: Bucket, tier: Tier, now: DateTime<Utc>) -> f64 {
    let secs = (now - b.at).num_milliseconds().max(0) as f64 / 1000.0;
    (b.level + secs * tier.refill_per_sec).min(tier.capacity)
}

/// Whose bucket a request draws from, and its tier.
pub fn key_for(actor: &Actor, ip: Option<&str>, config: &crate::config::Config) -> (String, Tier) {
    match actor {
        Actor::Client(c) => (
            format!("client:{}", c.api_client_id),
            Tier::for_client(&c.rate_tier),
        ),
        Actor::Account(a) => (
            format!("account:{}", a.account_id),
            Tier::for_client(&config.rate_limit_account),
        ),
        Actor::Anonymous => (
            format!("ip:{}", ip.unwrap_or("unknown")),
            Tier::for_client(&config.rate_limit_anonymous),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn spends_refills_and_refuses_with_the_wait() {
        let rl = RateLimiter::default();
        let tier = Tier {
            capacity: 10.0,
            refill_per_sec: 2.0,
        };
        let t0 = Utc::now();
        let c = rl.charge("k", tier, 4, t0);
        assert!(c.allowed);
        assert_eq!((c.limit, c.remaining, c.reset_after), (10, 6, 2));
        assert!(rl.charge("k", tier, 6, t0).allowed);
        let denied = rl.charge("k", tier, 3, t0);
        assert!(!denied.allowed);
        assert_eq!((denied.remaining, denied.retry_after), (0, 2));
        // A refused request costs nothing; after 1.5 s three points are back.
        assert!(
            rl.charge("k", tier, 3, t0 + Duration::milliseconds(1500))
                .allowed
        );
        // Other keys are independent.
        assert!(rl.charge("other", tier, 10, t0).allowed);
        // Never more than the capacity.
        let later = rl.charge("k", tier, 0, t0 + Duration::hours(1));
        assert_eq!(later.remaining, 10);
    }

    #[test]
    fn a_request_bigger_than_the_bucket_waits_for_a_full_bucket() {
        let rl = RateLimiter::default();
        let tier = Tier {
            capacity: 10.0,
            refill_per_sec: 1.0,
        };
        let c = rl.charge("k", tier, 50, Utc::now());
        assert!(!c.allowed);
        assert_eq!(c.retry_after, 1);
    }

    #[test]
    fn tiers() {
        assert_eq!(Tier::for_client("premium").capacity, 5000.0);
        assert_eq!(
            Tier::for_client("custom:20:0.5"),
            Tier {
                capacity: 20.0,
                refill_per_sec: 0.5
            }
        );
        assert_eq!(Tier::for_client("custom:x:1"), Tier::STANDARD);
        assert_eq!(Tier::for_client("anything"), Tier::STANDARD);
    }
}
