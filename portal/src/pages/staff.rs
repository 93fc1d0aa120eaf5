//! The staff workbench: department staff and platform operators.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use leptos::prelude::*;
use serde_json::{Value, json};

use super::pick;
use crate::Portal;
use crate::gql::{self, list, s};
use crate::i18n::t;
use crate::web::{self, Ctx, page};

const WHO: &str = "query{viewer{account{displayName role department{code nameZh nameEn}}}}";

/// The signed-in staff member's role, or the response to send instead.
async fn staff_role(p: &Portal, ctx: &Ctx) -> Result<(String, Value), Response> {
    if !ctx.signed_in() {
        return Err(web::see_other(
            ctx,
            &format!("/sign-in?next={}", web::encode(&ctx.here)),
            &[],
        ));
    }
    let g = gql::run(p, ctx, WHO, json!({})).await;
    if !g.ok() {
        return Err(gql::failure(ctx, &g));
    }
    let account = g.at("/viewer/account").clone();
    let role = s(&account, "role").to_string();
    if role != "DEPARTMENT_STAFF" && role != "OPERATOR" {
        return Err(web::not_found(ctx));
    }
    Ok((role, account))
}

pub async fn workbench(State(p): State<Portal>, ctx: Ctx) -> Response {
    let (role, account) = match staff_role(&p, &ctx).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let lang = ctx.lang;
    let operator = role == "OPERATOR";
    let q = gql::run(&p, &ctx, QUEUE, json!({})).await;
    if !q.ok() {
        return gql::failure(&ctx, &q);
    }
    let queue = list(&q.data, "/caseQueue");
    let rows = queue
        .iter()
        .filter(|i| !i.get("objection").is_none_or(Value::is_null))
        .map(|i| {
            let d = i.get("deadline").unwrap_or(&Value::Null);
            let o = i.get("objection").unwrap_or(&Value::Null);
            let overdue = d.get("overdue").and_then(Value::as_bool) == Some(true);
            let words = match lang {
                crate::i18n::Lang::Zh => s(d, "countdownZh"),
                crate::i18n::Lang::En => s(d, "countdownEn"),
            }
            .to_string();
            let href = format!("/cases/{}", web::encode(s(o, "id")));
            view! {
                <tr class=if overdue { "overdue" } else { "" }>
                    <td><a href=href>{s(o.get("record").unwrap_or(&Value::Null), "title").to_string()}</a></td>
                    <td>{t(lang, "case.title")}</td>
                    <td>{web::date_str(lang, s(d, "dueOn"))}</td>
                    <td>{if overdue { format!("⚠ {words}") } else { words }}</td>
                </tr>
            }
        })
        .collect_view();
    let queue_view = if queue.is_empty() {
        view! { <p>{t(lang, "staff.queue.empty")}</p> }.into_any()
    } else {
        view! {
            <div class="table-wrap"><table>
                <thead><tr>
                    <th scope="col">{t(lang, "col.title")}</th>
                    <th scope="col">{t(lang, "staff.queue.kind")}</th>
                    <th scope="col">{t(lang, "deadline.by")}</th>
                    <th scope="col">{t(lang, "staff.queue.clock")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table></div>
        }
        .into_any()
    };
    let dept = account
        .get("department")
        .filter(|d| !d.is_null())
        .map(|d| pick(lang, d).to_string());
    let body = view! {
        <h1>{t(lang, "staff.title")}</h1>
        <p class="lead">
            {s(&account, "displayName").to_string()} " · "
            {if operator { t(lang, "staff.role.operator").to_string() } else { dept.unwrap_or_default() }}
        </p>
        <h2>{t(lang, "staff.queue")}</h2>
        <p>{t(lang, "staff.queue.text")}</p>
        {queue_view}
        {operator.then(|| view! {
            <h2>{t(lang, "staff.oversight")}</h2>
            <ul class="actions">
                <li><a href="/staff/late">{t(lang, "staff.late")}</a></li>
                <li><a href="/staff/agencies">{t(lang, "staff.agencies")}</a></li>
            </ul>
        })}
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "staff.title"), body)
}

const QUEUE: &str = "query{caseQueue(first:50){caseKind deadline{dueOn overdue countdownZh countdownEn} objection{id record{title}}}}";

const LATE: &str = "query{lateSubmissions(first:50){nodes{id title decidedOn submittedAt subject{name identifier} category{nameZh nameEn} department{nameZh nameEn}}}}";

pub async fn late(State(p): State<Portal>, ctx: Ctx) -> Response {
    let (role, _) = match staff_role(&p, &ctx).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    if role != "OPERATOR" {
        return web::not_found(&ctx);
    }
    let lang = ctx.lang;
    let g = gql::run(&p, &ctx, LATE, json!({})).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let rows = list(&g.data, "/lateSubmissions/nodes")
        .iter()
        .map(|r| {
            let sub = r.get("subject").unwrap_or(&Value::Null);
            view! {
                <tr>
                    <td>{s(sub, "name").to_string()}</td>
                    <td>{s(r, "title").to_string()}</td>
                    <td>{pick(lang, r.get("department").unwrap_or(&Value::Null)).to_string()}</td>
                    <td>{web::date_str(lang, s(r, "decidedOn"))}</td>
                    <td>{web::datetime_str(lang, s(r, "submittedAt"))}</td>
                </tr>
            }
        })
        .collect_view();
    let body = view! {
        <p class="caption"><a href="/staff">{t(lang, "staff.title")}</a></p>
        <h1>{t(lang, "staff.late")}</h1>
        <p class="lead">{t(lang, "staff.late.lead")}</p>
        <div class="table-wrap">
            <table>
                <thead><tr>
                    <th scope="col">{t(lang, "col.subject")}</th>
                    <th scope="col">{t(lang, "col.title")}</th>
                    <th scope="col">{t(lang, "col.department")}</th>
                    <th scope="col">{t(lang, "col.decided")}</th>
                    <th scope="col">{t(lang, "col.submitted")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "staff.late"), body)
}

const AGENCIES: &str = "query{agencies(first:50){nodes{id name uscc licenceNumber status clients{clientId name status scopes lastUsedAt}}}}";

pub async fn agencies(State(p): State<Portal>, ctx: Ctx) -> Response {
    let (role, _) = match staff_role(&p, &ctx).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    if role != "OPERATOR" {
        return web::not_found(&ctx);
    }
    let lang = ctx.lang;
    let g = gql::run(&p, &ctx, AGENCIES, json!({})).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let items = list(&g.data, "/agencies/nodes")
        .iter()
        .map(|a| {
            let clients = list(a, "/clients")
                .iter()
                .map(|c| {
                    let scopes = list(c, "/scopes")
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" ");
                    view! {
                        <li><span class="mono">{s(c, "clientId").to_string()}</span> " · " {s(c, "status").to_string()} " · " <span class="mono">{scopes}</span></li>
                    }
                })
                .collect_view();
            view! {
                <li>
                    <h2>{s(a, "name").to_string()}</h2>
                    <p class="meta"><span class="mono">{s(a, "uscc").to_string()}</span> " · " {s(a, "licenceNumber").to_string()} " · " {s(a, "status").to_string()}</p>
                    <ul>{clients}</ul>
                </li>
            }
        })
        .collect_view();
    let body = view! {
        <p class="caption"><a href="/staff">{t(lang, "staff.title")}</a></p>
        <h1>{t(lang, "staff.agencies")}</h1>
        <ul class="plain">{items}</ul>
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "staff.agencies"), body)
}
