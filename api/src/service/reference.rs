//! Reference data: the working-day calendar and the rule set.
//!
//! The built-in calendar years and rule set (compiled from `api/resources/`)
//! are written to the database at start when missing. Each loaded calendar
//! year keeps the validated file it came from (`calendar_year.source`), so
//! the platform rebuilds exactly what the operator loaded; the `holiday` rows
//! are the same facts, one per day, for queries and reports.

use std::fmt::Write as _;

use chrono::{DateTime, Days, NaiveDate, Utc};
use domain::calendar::{Calendar, CalendarYear};
use domain::rules::RuleSet;
use entity::enums::DayKind;
use entity::{calendar_year, holiday, rule_set};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::{ServiceError, ServiceResult, begin_write};
use crate::crypto::sha256_hex;
use crate::state::{AppState, BUILTIN_LOADER, CalendarLoad, Reference};

/// Writes the built-in calendar years, rule set and record catalogue that
/// the database does not have yet. Never overwrites what an operator loaded.
pub async fn ensure_builtin(db: &DatabaseConnection, now: DateTime<Utc>) -> ServiceResult<()> {
    let txn = begin_write(db).await?;
    for year in CalendarYear::builtin() {
        if calendar_year::Entity::find_by_id(year.year())
            .one(&txn)
            .await?
            .is_none()
        {
            store_year(&txn, &year, now, BUILTIN_LOADER).await?;
        }
    }
    let text = domain::rules::BUILTIN_SOURCE.1;
    let rules = RuleSet::parse_toml(text)
        .map_err(|e| ServiceError::Internal(format!("built-in rule set: {e}")))?;
    let name = rules.name().unwrap_or("default").to_string();
    let digest = sha256_hex(text);
    let version = digest[..12].to_string();
    let known = rule_set::Entity::find()
        .filter(rule_set::Column::Name.eq(name.as_str()))
        .filter(rule_set::Column::Version.eq(version.as_str()))
        .one(&txn)
        .await?;
    if known.is_none() {
        // A new build with a changed rule file: its rules take over. Old
        // versions stay in the table as the history of what was in force.
        rule_set::Entity::update_many()
            .col_expr(rule_set::Column::Active, Expr::value(false))
            .filter(rule_set::Column::Name.eq(name.as_str()))
            .exec(&txn)
            .await?;
        rule_set::ActiveModel {
            name: Set(name),
            version: Set(version),
            content: Set(text.to_string()),
            sha256: Set(digest),
            loaded_at: Set(now),
            active: Set(true),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    super::catalogue::ensure_builtin(&txn, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Builds the in-memory reference snapshot from the database.
pub async fn load(db: &impl ConnectionTrait) -> ServiceResult<Reference> {
    let rows = calendar_year::Entity::find()
        .order_by_asc(calendar_year::Column::Year)
        .all(db)
        .await?;
    let mut years = Vec::with_capacity(rows.len());
    let mut calendar_loads = std::collections::BTreeMap::new();
    for row in rows {
        calendar_loads.insert(
            row.year,
            CalendarLoad {
                loaded_at: row.loaded_at,
                loaded_by: row.loaded_by.clone(),
            },
        );
        let year = CalendarYear::parse_toml(&row.source).map_err(|e| {
            ServiceError::Internal(format!(
                "stored calendar {} no longer validates: {e}",
                row.year
            ))
        })?;
        years.push(year);
    }
    let calendar =
        Calendar::new(years).map_err(|e| ServiceError::Internal(format!("calendar: {e}")))?;

    let mut rules: Option<RuleSet> = None;
    for row in rule_set::Entity::find()
        .filter(rule_set::Column::Active.eq(true))
        .order_by_asc(rule_set::Column::Id)
        .all(db)
        .await?
    {
        let set = RuleSet::parse_toml(&row.content).map_err(|e| {
            ServiceError::Internal(format!("stored rule set {} {}: {e}", row.name, row.version))
        })?;
        rules = Some(match rules {
            None => set,
            Some(acc) => acc
                .merge(set)
                .map_err(|e| ServiceError::Internal(format!("active rule sets conflict: {e}")))?,
        });
    }
    let rules = rules.ok_or_else(|| ServiceError::Internal("no active rule set".into()))?;
    Ok(Reference {
        calendar,
        rules,
        calendar_loads,
    })
}

/// Loads one year's holiday notice (validated first; nothing changes when it
/// is invalid), then swaps the running platform's calendar. Open case
/// deadlines that depend on the year are computed again in the same
/// transaction (`cases::recompute_deadlines`).
pub async fn load_calendar_year(
    state: &AppState,
    text: &str,
    replace: bool,
    loaded_by: &str,
) -> ServiceResult<i32> {
    let year = CalendarYear::parse_toml(text)
        .map_err(|e| ServiceError::invalid(&["file"], e.code(), e.to_string()))?;
    let txn = begin_write(&state.db).await?;
    if calendar_year::Entity::find_by_id(year.year())
        .one(&txn)
        .await?
        .is_some()
    {
        if !replace {
            return Err(ServiceError::invalid(
                &["file"],
                "CALENDAR_YEAR_LOADED",
                format!(
                    "{} is already loaded; pass --replace to load an amended notice",
                    year.year()
                ),
            ));
        }
        holiday::Entity::delete_many()
            .filter(holiday::Column::Year.eq(year.year()))
            .exec(&txn)
            .await?;
        calendar_year::Entity::delete_by_id(year.year())
            .exec(&txn)
            .await?;
    }
    store_year(&txn, &year, state.now(), loaded_by).await?;
    let reference = load(&txn).await?;
    let moved =
        super::cases::recompute_deadlines(&txn, &reference, year.year(), state.now()).await?;
    txn.commit().await?;
    tracing::info!(
        year = year.year(),
        deadlines_recomputed = moved,
        "holiday calendar loaded"
    );
    state.replace_reference(reference);
    Ok(year.year())
}

async fn store_year(
    conn: &impl ConnectionTrait,
    year: &CalendarYear,
    now: DateTime<Utc>,
    by: &str,
) -> ServiceResult<()> {
    calendar_year::ActiveModel {
        year: Set(year.year()),
        notice: Set(match &year.notice().number {
            Some(n) => format!("{} ({n})", year.notice().title),
            None => year.notice().title.clone(),
        }),
        published_on: Set(year.notice().published_on),
        source: Set(year.to_toml()),
        loaded_at: Set(now),
        loaded_by: Set(Some(by.to_string())),
    }
    .insert(conn)
    .await?;
    let mut rows = Vec::new();
    for h in year.holidays() {
        let mut d = h.from;
        while d <= h.to {
            rows.push(holiday::ActiveModel {
                date: Set(d),
                year: Set(year.year()),
                kind: Set(DayKind::Holiday),
                name_zh: Set(h.name_zh.clone()),
                name_en: Set(h.name_en.clone()),
            });
            d = d.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX);
            if d == NaiveDate::MAX {
                break;
            }
        }
    }
    for m in year.makeup_workdays() {
        rows.push(holiday::ActiveModel {
            date: Set(m.date),
            year: Set(year.year()),
            kind: Set(DayKind::MakeupWorkday),
            name_zh: Set(m.name_zh.clone()),
            name_en: Set(m.name_en.clone()),
        });
    }
    if !rows.is_empty() {
        holiday::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// The rules in force on a date, one per line, with their sources.
pub fn describe_rules(rules: &RuleSet, on: NaiveDate) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Rules in force on {on}{}:",
        rules.name().map(|n| format!(" ({n})")).unwrap_or_default()
    );
    for r in rules.rules_in_force(on) {
        let _ = writeln!(
            out,
            "  {:<40} {:<18} since {}  {}",
            r.id,
            r.describe_en(),
            r.effective_from,
            r.title_en
        );
        let _ = writeln!(out, "  {:<40} source: {}", "", r.source);
    }
    out
}

/// The loaded calendar years and their notices.
pub fn describe_calendar(cal: &Calendar) -> String {
    let mut out = String::new();
    for y in cal.loaded_years() {
        if let Some(year) = cal.year(y) {
            let n = year.notice();
            let _ = writeln!(
                out,
                "{y}: {} holiday days, {} make-up working days — {}{}",
                year.holiday_day_count(),
                year.makeup_workdays().len(),
                n.title,
                n.number
                    .as_deref()
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default()
            );
        }
    }
    let last = cal.loaded_years().last().copied();
    if let Some(last) = last {
        let _ = writeln!(
            out,
            "Dates after {last} are computed provisionally until the next notice is loaded."
        );
    }
    out
}

/// Picks up a calendar year that another process stored (`xinyong calendar
/// load` runs beside the servers, and every replica has its own snapshot):
/// when the stored years differ from this process's snapshot, the snapshot
/// is rebuilt and swapped. Run on every job tick, so a running server
/// follows a newly loaded notice within a minute. Returns whether it did.
pub async fn refresh(state: &AppState) -> ServiceResult<bool> {
    let stored: Vec<(i32, DateTime<Utc>)> = calendar_year::Entity::find()
        .select_only()
        .column(calendar_year::Column::Year)
        .column(calendar_year::Column::LoadedAt)
        .into_tuple()
        .all(&state.db)
        .await?;
    let current = state.reference();
    let same = stored.len() == current.calendar_loads.len()
        && stored.iter().all(|(year, at)| {
            current
                .calendar_loads
                .get(year)
                .is_some_and(|l| l.loaded_at == *at)
        });
    if same {
        return Ok(false);
    }
    let reference = load(&state.db).await?;
    state.replace_reference(reference);
    tracing::info!("holiday calendar reloaded: a year was loaded by another process");
    Ok(true)
}
