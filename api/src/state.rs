//! Application state shared by every request and job.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use domain::calendar::Calendar;
use domain::rules::RuleSet;
use entity::record_category;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};

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
    /// When and by whom each calendar year was stored (`calendar_year`),
    /// kept with the calendar so that one snapshot answers both.
    pub calendar_loads: BTreeMap<i32, CalendarLoad>,
}

/// Where a loaded calendar year came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarLoad {
    pub loaded_at: DateTime<Utc>,
    /// `built-in` for the compiled-in years, else who loaded it (`cli`).
    pub loaded_by: Option<String>,
}

/// `calendar_year.loaded_by` of the years written from the compiled-in files.
pub const BUILTIN_LOADER: &str = "built-in";

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub keys: Arc<Keys>,
    pub clock: Arc<dyn Clock>,
    pub rate_limiter: Arc<crate::ratelimit::RateLimiter>,
    reference: Arc<RwLock<Arc<Reference>>>,
    categories: Arc<Cached<Categories>>,
}

/// The record catalogue by id: a few dozen rows read by every record view.
pub type Categories = HashMap<i64, Arc<record_category::Model>>;

/// How long a process keeps the catalogue before reading it again. The
/// catalogue is written only at start-up (`catalogue::ensure_builtin`), so a
/// replica started with a new catalogue reaches the others within this time.
pub const CATEGORIES_TTL: Duration = Duration::from_secs(60);

/// A value read from the database and kept for a while, replaced as a whole.
pub struct Cached<T> {
    ttl: Duration,
    slot: RwLock<Option<(Instant, Arc<T>)>>,
}

impl<T> Cached<T> {
    pub fn new(ttl: Duration) -> Self {
        Cached {
            ttl,
            slot: RwLock::new(None),
        }
    }

    /// The kept value, if it is younger than the time to live.
    pub fn fresh(&self) -> Option<Arc<T>> {
        let slot = self.slot.read().unwrap_or_else(|p| p.into_inner());
        slot.as_ref()
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, v)| v.clone())
    }

    pub fn put(&self, value: Arc<T>) {
        *self.slot.write().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), value));
    }
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
            categories: Arc::new(Cached::new(CATEGORIES_TTL)),
        }
    }

    /// The record catalogue, read through `conn` when the kept copy is
    /// older than [`CATEGORIES_TTL`]. Saves every record view two reads.
    pub async fn categories(
        &self,
        conn: &impl ConnectionTrait,
    ) -> Result<Arc<Categories>, sea_orm::DbErr> {
        if let Some(c) = self.categories.fresh() {
            return Ok(c);
        }
        let loaded: Arc<Categories> = Arc::new(
            record_category::Entity::find()
                .all(conn)
                .await?
                .into_iter()
                .map(|c| (c.id, Arc::new(c)))
                .collect(),
        );
        self.categories.put(loaded.clone());
        Ok(loaded)
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
