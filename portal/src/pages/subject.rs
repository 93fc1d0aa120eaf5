//! A signed-in subject's own pages: dashboard, records, a record, and who
//! saw my data. Each reads the subject through the API in the OWN view;
//! anything else (another subject's id, a public view) is "not found".

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Months, NaiveDate};
use leptos::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Done, done_key, info_class, notice, pick, publication_text, record_status, records_table,
    sign_in_first,
};
use crate::Portal;
use crate::gql::{self, list, s};
use crate::i18n::{Lang, t};
use crate::web::{self, Ctx, page};

const DASHBOARD: &str = "query{viewer{account{displayName role} subjects{id name identifier kindNameZh kindNameEn records(first:50){nodes{id status category{infoClass repairable} publication{publicNow}}}}}}";
const MY_CASES: &str = "query{myUnreadNoticeCount myCases{objections{id status record{title} deadlines{dueOn status countdownZh countdownEn}}}}";
const OPEN_CONSENTS: &str = "query($s:ID!){consents(subject:$s,status:[PENDING,ACTIVE],first:20){nodes{id status purposeText validUntil agency{name} purpose{nameZh nameEn}}}}";

pub async fn dashboard(State(p): State<Portal>, ctx: Ctx, Query(d): Query<Done>) -> Response {
    if let Some(r) = sign_in_first(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let g = gql::run(&p, &ctx, DASHBOARD, json!({})).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let role = s(g.at("/viewer/account"), "role");
    if role == "DEPARTMENT_STAFF" || role == "OPERATOR" {
        return web::see_other(&ctx, "/staff", &[]);
    }
    let name = s(g.at("/viewer/account"), "displayName").to_string();
    let subjects = list(&g.data, "/viewer/subjects").to_vec();
    let mut sections = Vec::new();
    for sub in &subjects {
        let sid = s(sub, "id").to_string();
        let c = gql::run(&p, &ctx, OPEN_CONSENTS, json!({ "s": sid })).await;
        if !c.ok() {
            return gql::failure(&ctx, &c);
        }
        sections.push(subject_card(lang, sub, list(&c.data, "/consents/nodes")));
    }
    let extra = gql::run(&p, &ctx, MY_CASES, json!({})).await;
    if !extra.ok() {
        return gql::failure(&ctx, &extra);
    }
    let unread = extra.at("/myUnreadNoticeCount").as_i64().unwrap_or(0);
    let open_cases = list(&extra.data, "/myCases/objections")
        .iter()
        .filter(|c| matches!(s(c, "status"), "RECEIVED" | "REFERRED"))
        .map(|c| {
            let href = format!("/cases/{}", web::encode(s(c, "id")));
            let title = s(c.get("record").unwrap_or(&Value::Null), "title").to_string();
            let clock = list(c, "/deadlines")
                .iter()
                .find(|d| s(d, "status") == "OPEN")
                .map(|d| {
                    let words = match lang {
                        Lang::Zh => s(d, "countdownZh"),
                        Lang::En => s(d, "countdownEn"),
                    };
                    format!("{} {} · {words}", t(lang, "deadline.by"), web::date_str(lang, s(d, "dueOn")))
                })
                .unwrap_or_default();
            view! { <li><a href=href>{t(lang, "case.title")} " — " {title}</a> <span class="meta">{clock}</span></li> }
        })
        .collect_view();
    let inbox_link = format!(
        "{} ({} {})",
        t(lang, "inbox.title"),
        unread,
        t(lang, "inbox.unread_short")
    );
    let note = done_key(
        &d.done,
        &[
            ("signed-up", "dash.after_signup"),
            ("bound", "dash.after_bind"),
            ("saved", "settings.saved"),
            ("revoked", "consent.done.revoked"),
            ("unbound", "dash.after_unbind"),
        ],
    );
    let greeting = format!("{}{}", t(lang, "dash.hello"), name);
    let body = view! {
        <h1>{t(lang, "dash.title")}</h1>
        <p class="lead">{greeting}</p>
        {notice(lang, note)}
        {if subjects.is_empty() {
            view! {
                <h2>{t(lang, "dash.unbound.title")}</h2>
                <p>{t(lang, "dash.unbound.text")}</p>
            }
                .into_any()
        } else {
            sections.into_iter().collect_view().into_any()
        }}
        <h2>{t(lang, "dash.cases")}</h2>
        <ul>{open_cases}</ul>
        <ul class="actions">
            <li><a href="/inbox">{inbox_link}</a></li>
            <li><a href="/me/bind">{t(lang, "bind.title")}</a></li>
            <li><a href="/settings">{t(lang, "settings.title")}</a></li>
        </ul>
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "dash.title"), body)
}

fn subject_card(lang: Lang, sub: &Value, consents: &[Value]) -> AnyView {
    let sid = s(sub, "id").to_string();
    let records = list(sub, "/records/nodes");
    let count = |class: &str| {
        records
            .iter()
            .filter(|r| s(r.get("category").unwrap_or(&Value::Null), "infoClass") == class)
            .count()
    };
    let under_objection = records
        .iter()
        .filter(|r| s(r, "status") == "UNDER_OBJECTION")
        .count();
    let repairable = records
        .iter()
        .filter(|r| {
            s(r, "status") == "ACTIVE"
                && r.pointer("/category/repairable").and_then(Value::as_bool) == Some(true)
        })
        .count();
    let classes = ["BASIC", "GOOD", "HINT", "WARNING"]
        .into_iter()
        .map(|c| {
            let href = format!("/me/{}/records?class={c}", web::encode(&sid));
            let n = count(c);
            view! { <li><a href=href><span class="num">{n}</span> " " {info_class(lang, c)}</a></li> }
        })
        .collect_view();
    let pending: Vec<&Value> = consents
        .iter()
        .filter(|c| s(c, "status") == "PENDING")
        .collect();
    let active: Vec<&Value> = consents
        .iter()
        .filter(|c| s(c, "status") == "ACTIVE")
        .collect();
    let pending_view = pending
        .iter()
        .map(|c| {
            let href = format!("/me/{}/consents#consent-{}", web::encode(&sid), s(c, "id"));
            let purpose = pick(lang, c.get("purpose").unwrap_or(&Value::Null)).to_string();
            let agency = s(c.get("agency").unwrap_or(&Value::Null), "name").to_string();
            view! { <li><a href=href>{agency} " — " {purpose}</a></li> }
        })
        .collect_view();
    let active_view = active
        .iter()
        .map(|c| {
            let revoke = format!("/consents/{}/revoke", web::encode(s(c, "id")));
            let purpose = pick(lang, c.get("purpose").unwrap_or(&Value::Null)).to_string();
            let agency = s(c.get("agency").unwrap_or(&Value::Null), "name").to_string();
            let until = format!(
                "{} {}",
                t(lang, "consent.until"),
                web::datetime_str(lang, s(c, "validUntil"))
            );
            view! {
                <li>
                    {agency} " — " {purpose} <span class="meta">" (" {until} ")"</span> " "
                    <a class="button secondary small" href=revoke>{t(lang, "consent.revoke")}</a>
                </li>
            }
        })
        .collect_view();
    let kind = match lang {
        Lang::Zh => s(sub, "kindNameZh"),
        Lang::En => s(sub, "kindNameEn"),
    }
    .to_string();
    let records_href = format!("/me/{}/records", web::encode(&sid));
    let consents_href = format!("/me/{}/consents", web::encode(&sid));
    let log_href = format!("/me/{}/log", web::encode(&sid));
    let accounts_href = format!("/me/{}/accounts", web::encode(&sid));
    let grant_href = format!("/me/{}/consents/new", web::encode(&sid));
    let n_pending = pending.len();
    let n_active = active.len();
    view! {
        <section class="subject" aria-labelledby=format!("s-{sid}")>
            <h2 id=format!("s-{sid}")>{s(sub, "name").to_string()}</h2>
            <p class="meta">{kind} " · " <span class="mono">{s(sub, "identifier").to_string()}</span></p>
            <h3>{t(lang, "dash.records")}</h3>
            <ul class="counts">{classes}</ul>
            <p>
                {t(lang, "dash.under_objection")} {t(lang, "punct.colon")} <strong>{under_objection}</strong> " · "
                {t(lang, "dash.repairable")} {t(lang, "punct.colon")} <strong>{repairable}</strong>
            </p>
            <p><a href=records_href>{t(lang, "dash.all_records")}</a></p>
            <h3>{t(lang, "dash.pending")} " (" {n_pending} ")"</h3>
            {if n_pending == 0 {
                view! { <p>{t(lang, "dash.none_pending")}</p> }.into_any()
            } else {
                view! { <ul>{pending_view}</ul> }.into_any()
            }}
            <h3>{t(lang, "dash.active")} " (" {n_active} ")"</h3>
            {if n_active == 0 {
                view! { <p>{t(lang, "dash.none_active")}</p> }.into_any()
            } else {
                view! { <ul class="consents">{active_view}</ul> }.into_any()
            }}
            <ul class="actions">
                <li><a href=grant_href>{t(lang, "consent.grant.title")}</a></li>
                <li><a href=consents_href>{t(lang, "consents.title")}</a></li>
                <li><a href=log_href>{t(lang, "log.title")}</a></li>
                <li><a href=accounts_href>{t(lang, "accounts.title")}</a></li>
            </ul>
        </section>
    }
    .into_any()
}

#[derive(Deserialize, Default)]
pub struct RecordFilterQ {
    #[serde(default)]
    class: String,
    #[serde(default)]
    status: String,
}

const RECORDS: &str = "query($id:ID!,$f:RecordFilter){node(id:$id){... on Subject{id view name identifier records(first:30,filter:$f){nodes{id title decidedOn status category{nameZh nameEn infoClass} department{nameZh nameEn} publication{start end publicNow hiddenReason{messageZh messageEn}}}}}}}";

const CLASSES: [&str; 4] = ["BASIC", "GOOD", "HINT", "WARNING"];
const STATUSES: [&str; 6] = [
    "ACTIVE",
    "UNDER_OBJECTION",
    "REPAIRED",
    "WITHDRAWN",
    "ARCHIVED",
    "DELETED",
];

pub async fn records(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(subject): Path<String>,
    Query(f): Query<RecordFilterQ>,
) -> Response {
    if let Some(r) = sign_in_first(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    // Filters are parsed at the edge: anything not in the lists is ignored.
    let class = CLASSES.iter().find(|c| **c == f.class).copied();
    let status = STATUSES.iter().find(|c| **c == f.status).copied();
    let mut filter = serde_json::Map::new();
    if let Some(c) = class {
        filter.insert("infoClass".into(), json!(c));
    }
    if let Some(st) = status {
        filter.insert("status".into(), json!(st));
    }
    let g = gql::run(&p, &ctx, RECORDS, json!({ "id": subject, "f": filter })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let sub = g.at("/node").clone();
    if s(&sub, "view") != "OWN" {
        return web::not_found(&ctx);
    }
    let records = list(&sub, "/records/nodes").to_vec();
    let class_opts = CLASSES
        .iter()
        .map(|c| {
            let sel = class == Some(*c);
            view! { <option value=*c selected=sel>{info_class(lang, c)}</option> }
        })
        .collect_view();
    let status_opts = STATUSES
        .iter()
        .map(|c| {
            let sel = status == Some(*c);
            view! { <option value=*c selected=sel>{record_status(lang, c)}</option> }
        })
        .collect_view();
    let title = format!("{} – {}", t(lang, "records.title"), s(&sub, "name"));
    let action = format!("/me/{}/records", web::encode(&subject));
    let body = view! {
        <p class="caption"><a href="/me">{t(lang, "dash.title")}</a></p>
        <h1>{t(lang, "records.title")}</h1>
        <p class="lead">{s(&sub, "name").to_string()}</p>
        <form method="get" action=action class="filters">
            <div class="field">
                <label for="class">{t(lang, "records.filter.class")}</label>
                <select id="class" name="class">
                    <option value="">{t(lang, "records.filter.all")}</option>
                    {class_opts}
                </select>
            </div>
            <div class="field">
                <label for="status">{t(lang, "records.filter.status")}</label>
                <select id="status" name="status">
                    <option value="">{t(lang, "records.filter.all")}</option>
                    {status_opts}
                </select>
            </div>
            <button type="submit" class="secondary">{t(lang, "records.filter.apply")}</button>
        </form>
        {records_table(lang, &records, true)}
    }
    .into_any();
    page(&ctx, StatusCode::OK, &title, body)
}

const RECORD: &str = "query($id:ID!){node(id:$id){... on CreditRecord{id view title sourceRef status statusReason decidedOn conductEndedOn validUntil severity disclosure version content legalBasis{docType number issuer effectiveOn} category{code nameZh nameEn infoClass repairable contentFields{key titleZh titleEn values{value labelZh labelEn}}} department{nameZh nameEn} subject{id name identifier} publication{start end publicNow hiddenReason{messageZh messageEn}} revisions{version changeKind reason createdAt} repairEligibility{status eligibleFrom reasonZh reasonEn ruleSource} submittedAt}}}";

pub async fn record(State(p): State<Portal>, ctx: Ctx, Path(id): Path<String>) -> Response {
    if let Some(r) = sign_in_first(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let g = gql::run(&p, &ctx, RECORD, json!({ "id": id })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let r = g.at("/node").clone();
    if s(&r, "view") != "OWN" {
        return web::not_found(&ctx);
    }
    let cat = r.get("category").cloned().unwrap_or(Value::Null);
    let sub = r.get("subject").cloned().unwrap_or(Value::Null);
    let basis = r.get("legalBasis").cloned().unwrap_or(Value::Null);
    let basis_text = if basis.is_null() {
        t(lang, "record.no_basis").to_string()
    } else {
        let mut b = format!("{} {}", s(&basis, "docType"), s(&basis, "number"));
        if !s(&basis, "issuer").is_empty() {
            b.push_str(&format!(" ({})", s(&basis, "issuer")));
        }
        b
    };
    let content_rows = content_rows(lang, r.get("content"), list(&cat, "/contentFields"))
        .into_iter()
        .map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> })
        .collect_view();
    let revisions = list(&r, "/revisions")
        .iter()
        .map(|rev| {
            view! {
                <li>
                    <strong>{format!("v{}", rev.get("version").and_then(Value::as_i64).unwrap_or(0))}</strong>
                    " " {change_kind(lang, s(rev, "changeKind"))} " · "
                    {web::datetime_str(lang, s(rev, "createdAt"))}
                    {(!s(rev, "reason").is_empty()).then(|| format!(" — {}", s(rev, "reason")))}
                </li>
            }
        })
        .collect_view();
    let repair = repair_view(lang, &r, &cat, &id);
    let sub_href = format!("/me/{}/records", web::encode(s(&sub, "id")));
    let title = s(&r, "title").to_string();
    let window = {
        let p = r.get("publication").cloned().unwrap_or(Value::Null);
        let start = web::date_str(lang, s(&p, "start"));
        match p.get("end").and_then(Value::as_str) {
            Some(end) => format!("{start} – {}", web::date_str(lang, end)),
            None => format!("{start} – {}", t(lang, "record.open_ended")),
        }
    };
    let can_object = s(&r, "status") == "ACTIVE";
    let body = view! {
        <p class="caption"><a href=sub_href>{s(&sub, "name").to_string()}</a></p>
        <h1>{title.clone()}</h1>
        <p class="status-line">
            <span class=format!("tag tag-{}", s(&r, "status").to_ascii_lowercase())>{record_status(lang, s(&r, "status"))}</span>
            " " {publication_text(lang, &r)}
        </p>
        <dl class="facts">
            <dt>{t(lang, "col.category")}</dt><dd>{pick(lang, &cat).to_string()} " (" {info_class(lang, s(&cat, "infoClass"))} ")"</dd>
            <dt>{t(lang, "col.department")}</dt><dd>{pick(lang, r.get("department").unwrap_or(&Value::Null)).to_string()}</dd>
            <dt>{t(lang, "record.basis")}</dt><dd>{basis_text}</dd>
            <dt>{t(lang, "col.decided")}</dt><dd>{web::date_str(lang, s(&r, "decidedOn"))}</dd>
            <dt>{t(lang, "record.window")}</dt><dd>{window}</dd>
            <dt>{t(lang, "record.reference")}</dt><dd class="mono">{s(&r, "sourceRef").to_string()}</dd>
        </dl>
        <h2>{t(lang, "record.content")}</h2>
        <dl class="facts">{content_rows}</dl>
        <h2>{t(lang, "record.actions")}</h2>
        {if can_object {
            view! {
                <p>{t(lang, "record.object.text")} " " <a href="/help/objection">{t(lang, "help.objection.title")}</a></p>
                <p><a class="button" href=format!("/records/{}/object", web::encode(&id))>{t(lang, "objection.title")}</a></p>
            }
                .into_any()
        } else {
            view! { <p>{t(lang, "record.object.closed")}</p> }.into_any()
        }}
        {repair}
        <h2>{t(lang, "record.history")}</h2>
        <ol class="timeline">{revisions}</ol>
    }
    .into_any();
    page(&ctx, StatusCode::OK, &title, body)
}

fn change_kind(lang: Lang, k: &str) -> &'static str {
    match k {
        "CREATE" => t(lang, "change.create"),
        "CORRECT" => t(lang, "change.correct"),
        "WITHDRAW" => t(lang, "change.withdraw"),
        "SUSPEND" => t(lang, "change.suspend"),
        "RESTORE" => t(lang, "change.restore"),
        "REPAIR" => t(lang, "change.repair"),
        "ARCHIVE" => t(lang, "change.archive"),
        "DELETE" => t(lang, "change.delete"),
        _ => t(lang, "status.unknown"),
    }
}

/// The record's content as (label, value) rows in the reader's language:
/// the category's fields (by key) with their titles, enum values by
/// their labels, booleans in words; keys the catalogue does not know (older
/// records) come last under their own name.
pub fn content_rows(
    lang: Lang,
    content: Option<&Value>,
    fields: &[Value],
) -> Vec<(String, String)> {
    let Some(content) = content.and_then(Value::as_object) else {
        return Vec::new();
    };
    let pick_lang = |v: &Value, zh: &str, en: &str| -> String {
        match lang {
            Lang::Zh => s(v, zh),
            Lang::En => s(v, en),
        }
        .to_string()
    };
    let show = |field: Option<&Value>, v: &Value| -> String {
        match v {
            Value::String(text) => field
                .map(|f| list(f, "/values"))
                .and_then(|vals| vals.iter().find(|x| s(x, "value") == text))
                .map(|x| pick_lang(x, "labelZh", "labelEn"))
                .unwrap_or_else(|| text.clone()),
            Value::Bool(true) => t(lang, "content.yes").to_string(),
            Value::Bool(false) => t(lang, "content.no").to_string(),
            other => other.to_string(),
        }
    };
    let mut rows: Vec<(String, String)> = fields
        .iter()
        .filter_map(|f| {
            let v = content.get(s(f, "key"))?;
            let label = pick_lang(f, "titleZh", "titleEn");
            let label = if label.is_empty() {
                s(f, "key").to_string()
            } else {
                label
            };
            Some((label, show(Some(f), v)))
        })
        .collect();
    rows.extend(
        content
            .iter()
            .filter(|(k, _)| !fields.iter().any(|f| s(f, "key") == k.as_str()))
            .map(|(k, v)| (k.clone(), show(None, v))),
    );
    rows
}

/// Whether a repair application is possible, as the platform decides it
/// (`repairEligibility`), with the link to the form when it is.
fn repair_view(lang: Lang, r: &Value, cat: &Value, id: &str) -> AnyView {
    let e = r.get("repairEligibility").unwrap_or(&Value::Null);
    let reason = match lang {
        Lang::Zh => s(e, "reasonZh"),
        Lang::En => s(e, "reasonEn"),
    }
    .to_string();
    match s(e, "status") {
        "ELIGIBLE" => {
            let href = format!("/records/{}/repair", web::encode(id));
            view! {
                <p>{t(lang, "repair.now")} " " <a href="/help/repair">{t(lang, "help.repair.title")}</a></p>
                <p><a class="button" href=href>{t(lang, "repair.apply")}</a></p>
            }
            .into_any()
        }
        "ELIGIBLE_FROM" => {
            let from = format!(
                "{} {}",
                t(lang, "repair.eligible_from"),
                web::date_str(lang, s(e, "eligibleFrom"))
            );
            view! { <p>{from} {(!reason.is_empty()).then(|| format!(" — {reason}"))}</p> }
                .into_any()
        }
        "NEVER" if !reason.is_empty() => view! { <p>{reason}</p> }.into_any(),
        _ => view! { <p>{repair_text(lang, r, cat)}</p> }.into_any(),
    }
}

/// Whether and from when a repair application is possible. The minimum
/// publication periods are those of 国办发〔2025〕22号 (general 3 months,
/// serious 1 year from publication; minor penalties once fulfilled).
fn repair_text(lang: Lang, r: &Value, cat: &Value) -> String {
    if cat.get("repairable").and_then(Value::as_bool) != Some(true) {
        return t(lang, "repair.not_repairable").to_string();
    }
    if s(r, "status") != "ACTIVE" {
        return t(lang, "repair.not_active").to_string();
    }
    let start = NaiveDate::parse_from_str(
        s(r.get("publication").unwrap_or(&Value::Null), "start"),
        "%Y-%m-%d",
    )
    .ok();
    let months = match s(r, "severity") {
        "SERIOUS" => Some(12),
        "GENERAL" => Some(3),
        _ => None,
    };
    match (start, months) {
        (Some(start), Some(m)) => {
            let from = start.checked_add_months(Months::new(m)).unwrap_or(start);
            let why = if m == 12 {
                t(lang, "repair.why.serious")
            } else {
                t(lang, "repair.why.general")
            };
            format!(
                "{} {}{} {}",
                t(lang, "repair.from"),
                web::date(lang, from),
                t(lang, "repair.because"),
                why
            )
        }
        _ => t(lang, "repair.now").to_string(),
    }
}

const QUERY_LOG: &str = "query($id:ID!){node(id:$id){... on Subject{id view name}} queryLog(subject:$id,first:50){nodes{occurredAt actorKind agencyName departmentNameZh departmentNameEn purposeCode purposeNameZh purposeNameEn purposeText consentId channel records{title categoryNameZh categoryNameEn}}}}";

pub async fn query_log(State(p): State<Portal>, ctx: Ctx, Path(subject): Path<String>) -> Response {
    if let Some(r) = sign_in_first(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let g = gql::run(&p, &ctx, QUERY_LOG, json!({ "id": subject })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    if s(g.at("/node"), "view") != "OWN" {
        return web::not_found(&ctx);
    }
    let entries = list(&g.data, "/queryLog/nodes").to_vec();
    let rows = entries
        .iter()
        .map(|e| {
            let who = match s(e, "actorKind") {
                "AGENCY_CLIENT" => s(e, "agencyName").to_string(),
                "DEPARTMENT" => match lang {
                    Lang::Zh => s(e, "departmentNameZh").to_string(),
                    Lang::En => s(e, "departmentNameEn").to_string(),
                },
                "OPERATOR" => t(lang, "log.operator").to_string(),
                _ => t(lang, "log.other").to_string(),
            };
            let purpose = match lang {
                Lang::Zh => s(e, "purposeNameZh"),
                Lang::En => s(e, "purposeNameEn"),
            };
            let purpose = if purpose.is_empty() { s(e, "purposeCode") } else { purpose }.to_string();
            let consent = if e.get("consentId").is_some_and(|c| !c.is_null()) {
                t(lang, "log.with_consent")
            } else {
                t(lang, "log.without_consent")
            };
            let seen = list(e, "/records")
                .iter()
                .map(|r| s(r, "title").to_string())
                .collect::<Vec<_>>()
                .join("; ");
            let seen = if seen.is_empty() { t(lang, "log.nothing").to_string() } else { seen };
            let channel = match s(e, "channel") {
                "PORTAL" => t(lang, "log.channel.portal"),
                "CLI" => t(lang, "log.channel.cli"),
                _ => t(lang, "log.channel.api"),
            };
            view! {
                <tr>
                    <td>{web::datetime_str(lang, s(e, "occurredAt"))}</td>
                    <td>{who}</td>
                    <td>{purpose} {(!s(e, "purposeText").is_empty()).then(|| format!(" — {}", s(e, "purposeText")))}</td>
                    <td>{consent}</td>
                    <td>{channel}</td>
                    <td>{seen}</td>
                </tr>
            }
        })
        .collect_view();
    let back = "/me".to_string();
    let body = view! {
        <p class="caption"><a href=back>{t(lang, "dash.title")}</a></p>
        <h1>{t(lang, "log.title")}</h1>
        <p class="lead">{t(lang, "log.lead")}</p>
        {if entries.is_empty() {
            view! { <p>{t(lang, "log.empty")}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table>
                        <thead><tr>
                            <th scope="col">{t(lang, "log.when")}</th>
                            <th scope="col">{t(lang, "log.who")}</th>
                            <th scope="col">{t(lang, "log.purpose")}</th>
                            <th scope="col">{t(lang, "log.consent")}</th>
                            <th scope="col">{t(lang, "log.channel")}</th>
                            <th scope="col">{t(lang, "log.seen")}</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
                .into_any()
        }}
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "log.title"), body)
}
