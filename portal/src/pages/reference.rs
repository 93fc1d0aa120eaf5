//! Operators' views of the reference data every deadline is computed from:
//! the holiday calendar (each loaded year's notice, holidays and make-up
//! working days, and how to load the next year) and the rules in force.
//! Both read the public `holidayCalendar` / `ruleSet` queries; the pages
//! sit in the operators' workbench, so others get "not found" like the
//! other oversight views.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDate, Weekday};
use leptos::prelude::*;
use serde_json::{Value, json};

use super::staff::operator;
use crate::Portal;
use crate::gql::{self, list, s};
use crate::i18n::{Lang, t};
use crate::web::{self, Ctx, page};

fn parse_date(v: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()
}

fn weekday(lang: Lang, d: NaiveDate) -> &'static str {
    let key = match d.weekday() {
        Weekday::Mon => "weekday.mon",
        Weekday::Tue => "weekday.tue",
        Weekday::Wed => "weekday.wed",
        Weekday::Thu => "weekday.thu",
        Weekday::Fri => "weekday.fri",
        Weekday::Sat => "weekday.sat",
        Weekday::Sun => "weekday.sun",
    };
    t(lang, key)
}

/// An inclusive range of days, without repeating what both ends share:
/// 2026年10月1日至7日 / 1–7 October 2026.
fn date_range(lang: Lang, from: NaiveDate, to: NaiveDate) -> String {
    if from == to {
        return web::date(lang, from);
    }
    let same_month = from.year() == to.year() && from.month() == to.month();
    match lang {
        Lang::Zh if same_month => format!("{}至{}日", web::date(lang, from), to.day()),
        Lang::Zh if from.year() == to.year() => {
            format!("{}至{}月{}日", web::date(lang, from), to.month(), to.day())
        }
        Lang::En if same_month => format!("{}–{}", from.day(), web::date(lang, to)),
        Lang::En if from.year() == to.year() => {
            format!("{} – {}", from.format("%-d %B"), web::date(lang, to))
        }
        _ => format!("{} – {}", web::date(lang, from), web::date(lang, to)),
    }
}

const CALENDAR: &str = "query{holidayCalendar{lastLoadedYear years{year notice{title number publishedOn url} holidays{nameZh nameEn from to days} makeupWorkdays{date nameZh nameEn} holidayDayCount builtIn loadedAt loadedBy}}}";

fn name(lang: Lang, v: &Value) -> String {
    match lang {
        Lang::Zh => s(v, "nameZh"),
        Lang::En => s(v, "nameEn"),
    }
    .to_string()
}

fn year_section(lang: Lang, y: &Value) -> AnyView {
    let year = y.get("year").and_then(Value::as_i64).unwrap_or(0);
    let notice = y.get("notice").unwrap_or(&Value::Null);
    let title = s(notice, "title").to_string();
    let url = s(notice, "url").to_string();
    // Only a web address is made a link; anything else is shown as text.
    let title_view = if url.starts_with("https://") || url.starts_with("http://") {
        view! { <a href=url>{title}</a> }.into_any()
    } else {
        view! { <span>{title}</span> }.into_any()
    };
    let number = s(notice, "number").to_string();
    let published = s(notice, "publishedOn");
    let loaded = if y.get("builtIn").and_then(Value::as_bool) == Some(true) {
        t(lang, "cal.builtin").to_string()
    } else {
        let by = s(y, "loadedBy");
        let at = s(y, "loadedAt");
        let mut text = t(lang, "cal.loaded_by_operator").to_string();
        if !by.is_empty() {
            text.push_str(&format!(" ({by})"));
        }
        if !at.is_empty() {
            text.push_str(&format!(" · {}", web::datetime_str(lang, at)));
        }
        text
    };
    let holidays = list(y, "/holidays")
        .iter()
        .map(|h| {
            let range = match (parse_date(s(h, "from")), parse_date(s(h, "to"))) {
                (Some(f), Some(to)) => date_range(lang, f, to),
                _ => format!("{} – {}", s(h, "from"), s(h, "to")),
            };
            let days = h.get("days").and_then(Value::as_i64).unwrap_or(0);
            view! {
                <tr>
                    <td>{name(lang, h)}</td>
                    <td>{range}</td>
                    <td class="num">{days}</td>
                </tr>
            }
        })
        .collect_view();
    let makeups = list(y, "/makeupWorkdays");
    let makeup_view = if makeups.is_empty() {
        view! { <p>{t(lang, "cal.makeup.none")}</p> }.into_any()
    } else {
        let items = makeups
            .iter()
            .map(|m| {
                let when = match parse_date(s(m, "date")) {
                    Some(d) => match lang {
                        Lang::Zh => format!("{}（{}）", web::date(lang, d), weekday(lang, d)),
                        Lang::En => format!("{} ({})", web::date(lang, d), weekday(lang, d)),
                    },
                    None => s(m, "date").to_string(),
                };
                view! { <li><strong>{when}</strong> " · " {name(lang, m)}</li> }
            })
            .collect_view();
        view! { <ul>{items}</ul> }.into_any()
    };
    let count = y
        .get("holidayDayCount")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let heading_id = format!("year-{year}");
    let labelled_by = heading_id.clone();
    view! {
        <section aria-labelledby=labelled_by>
            <h2 id=heading_id>{t(lang, "cal.year").replace("{year}", &year.to_string())}</h2>
            <dl class="facts">
                <dt>{t(lang, "cal.notice")}</dt><dd>{title_view}</dd>
                {(!number.is_empty()).then(|| view! { <dt>{t(lang, "cal.number")}</dt><dd>{number.clone()}</dd> })}
                {(!published.is_empty()).then(|| view! { <dt>{t(lang, "cal.published")}</dt><dd>{web::date_str(lang, published)}</dd> })}
                <dt>{t(lang, "cal.loaded")}</dt><dd>{loaded}</dd>
                <dt>{t(lang, "cal.day_count")}</dt><dd>{count}</dd>
            </dl>
            <h3>{t(lang, "cal.holidays")}</h3>
            <div class="table-wrap"><table>
                <thead><tr>
                    <th scope="col">{t(lang, "cal.holiday")}</th>
                    <th scope="col">{t(lang, "cal.dates")}</th>
                    <th scope="col">{t(lang, "cal.days")}</th>
                </tr></thead>
                <tbody>{holidays}</tbody>
            </table></div>
            <h3>{t(lang, "cal.makeup")}</h3>
            {makeup_view}
        </section>
    }
    .into_any()
}

/// Operators: every loaded calendar year, newest first, and how to load
/// the next one.
pub async fn calendar(State(p): State<Portal>, ctx: Ctx) -> Response {
    if let Err(r) = operator(&p, &ctx).await {
        return r;
    }
    let lang = ctx.lang;
    let g = gql::run(&p, &ctx, CALENDAR, json!({})).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let last = g.at("/holidayCalendar/lastLoadedYear").as_i64();
    let years = list(&g.data, "/holidayCalendar/years")
        .iter()
        .rev()
        .map(|y| year_section(lang, y))
        .collect_view();
    let provisional = last.map(|y| {
        view! { <p><strong>{t(lang, "cal.provisional").replace("{year}", &y.to_string())}</strong></p> }
    });
    let next = last.map(|y| y + 1).unwrap_or(0);
    let file = format!("{next}.toml");
    let body = view! {
        <p class="caption"><a href="/staff">{t(lang, "staff.title")}</a></p>
        <h1>{t(lang, "staff.calendar")}</h1>
        <p class="lead">{t(lang, "cal.lead")}</p>
        {provisional}
        {years}
        <h2 id="load">{t(lang, "cal.load.title")}</h2>
        <ol>
            <li>{t(lang, "cal.load.write").replace("{file}", &file)} " " <span class="meta">"docs/rules.md"</span></li>
            <li>{t(lang, "cal.load.run")}<br/><code class="mono">{format!("xinyong calendar load {file}")}</code><br/>
                <span class="meta">{t(lang, "cal.load.replace")}</span> " " <code class="mono">"--replace"</code></li>
            <li>{t(lang, "cal.load.recompute")}</li>
            <li>{t(lang, "cal.load.restart")}</li>
        </ol>
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "staff.calendar"), body)
}

const RULES: &str = "query{ruleSet{name description on rules{id titleZh titleEn periodZh periodEn effectiveFrom effectiveUntil source basis}}}";

/// Operators: the rules in force today with their number and unit, since
/// when, and their legal source.
pub async fn rules(State(p): State<Portal>, ctx: Ctx) -> Response {
    if let Err(r) = operator(&p, &ctx).await {
        return r;
    }
    let lang = ctx.lang;
    let g = gql::run(&p, &ctx, RULES, json!({})).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let set = g.at("/ruleSet").clone();
    let rows = list(&set, "/rules")
        .iter()
        .map(|r| {
            let (title, period) = match lang {
                Lang::Zh => (s(r, "titleZh"), s(r, "periodZh")),
                Lang::En => (s(r, "titleEn"), s(r, "periodEn")),
            };
            let until = s(r, "effectiveUntil");
            let since = if until.is_empty() {
                web::date_str(lang, s(r, "effectiveFrom"))
            } else {
                format!(
                    "{} – {}",
                    web::date_str(lang, s(r, "effectiveFrom")),
                    web::date_str(lang, until)
                )
            };
            let basis = match s(r, "basis") {
                "LAW" => t(lang, "rules.basis.law"),
                _ => t(lang, "rules.basis.policy"),
            };
            let anchor = format!("rule-{}", s(r, "id").replace('.', "-"));
            view! {
                <tr id=anchor>
                    <td>{title.to_string()}<br/><span class="meta mono">{s(r, "id").to_string()}</span></td>
                    <td><strong>{period.to_string()}</strong></td>
                    <td>{since}</td>
                    <td>{s(r, "source").to_string()}<br/><span class="meta">{basis}</span></td>
                </tr>
            }
        })
        .collect_view();
    let on = web::date_str(lang, s(&set, "on"));
    let description = s(&set, "description").to_string();
    let body = view! {
        <p class="caption"><a href="/staff">{t(lang, "staff.title")}</a></p>
        <h1>{t(lang, "staff.rules")}</h1>
        <p class="lead">{t(lang, "rules.lead").replace("{date}", &on)}</p>
        {(!description.is_empty()).then(|| view! { <p class="meta">{format!("{} · {description}", s(&set, "name"))}</p> })}
        <div class="table-wrap"><table>
            <thead><tr>
                <th scope="col">{t(lang, "rules.rule")}</th>
                <th scope="col">{t(lang, "rules.period")}</th>
                <th scope="col">{t(lang, "rules.since")}</th>
                <th scope="col">{t(lang, "rules.source")}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table></div>
        <p>{t(lang, "rules.change")} " " <code class="mono">"xinyong rules --on YYYY-MM-DD"</code></p>
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "staff.rules"), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).expect("a date")
    }

    #[test]
    fn ranges_do_not_repeat_what_both_ends_share() {
        assert_eq!(
            date_range(Lang::Zh, d("2026-10-01"), d("2026-10-07")),
            "2026年10月1日至7日"
        );
        assert_eq!(
            date_range(Lang::En, d("2026-10-01"), d("2026-10-07")),
            "1–7 October 2026"
        );
        assert_eq!(
            date_range(Lang::Zh, d("2025-01-28"), d("2025-02-04")),
            "2025年1月28日至2月4日"
        );
        assert_eq!(
            date_range(Lang::En, d("2025-01-28"), d("2025-02-04")),
            "28 January – 4 February 2025"
        );
        assert_eq!(
            date_range(Lang::En, d("2026-06-19"), d("2026-06-19")),
            "19 June 2026"
        );
    }
}
