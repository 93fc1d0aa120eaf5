//! Application state shared by every request and job.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use domain::calendar::Calendar;
use domain::rules::RuleSet;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::Keys;

/// The reference data every deadline is computed from: the working-day
/// calendar and the rule set in force. Replaced as a whole when an operator
/// loads a new year, so a computation never sees half of an update.
#[derive(Debug)]
pub struct Reference {
    pub calendar: Calendar,
    pub rules: RuleSet,
}

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub keys: Arc<Keys>,
    pub clock: Arc<dyn Clock>,
    pub rate_limiter: Arc<crate::ratelimit::RateLimiter>,
    reference: Arc<RwLock<Arc<Reference>>>,
}

impl AppState {
    pub fn new(
        db: DatabaseConnection,
        config: Config,
        keys: Keys,
        clock: Arc<dyn Clock>,
        reference: Reference,
    ) -> Self {
        AppState {
            db,
            config: Arc::new(config),
            keys: Arc::new(keys),
            clock,
            rate_limiter: Arc::new(crate::ratelimit::RateLimiter::default()),
            reference: Arc::new(RwLock::new(Arc::new(reference))),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A consistent snapshot of the calendar and rules.
    pub fn reference(&self) -> Arc<Reference> {
        self.reference
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn replace_reference(&self, r: Reference) {
        *self.reference.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(r);
    }
}
