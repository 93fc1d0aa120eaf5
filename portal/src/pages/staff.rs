//! The staff workbench: department staff and platform operators.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use leptos::prelude::*;
use serde_json::{Value, json};

use super::cases::milestone;
use super::{Done, done_key, explain, notice, pick, post_button};
use crate::Portal;
use crate::gql::{self, list, s};
use crate::i18n::{Lang, t};
use crate::web::{self, Ctx, Form, page};

const WHO: &str = "query{viewer{account{displayName role department{code nameZh nameEn}}}}";

/// The signed-in staff member's role, or the response to send instead.
pub(super) async fn staff_role(p: &Portal, ctx: &Ctx) -> Result<(String, Value), Response> {
    if !ctx.signed_in() {
        return Err(web::to_sign_in(ctx));
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

/// Operators only: anyone else gets what a missing page gets (or signs
/// in first).
pub(super) async fn operator(p: &Portal, ctx: &Ctx) -> Result<(), Response> {
    let (role, _) = staff_role(p, ctx).await?;
    if role != "OPERATOR" {
        return Err(web::not_found(ctx));
    }
    Ok(())
}

pub async fn workbench(State(p): State<Portal>, ctx: Ctx) -> Response {
    let (role, account) = match staff_role(&p, &ctx).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let lang = ctx.lang;
    let operator = role == "OPERATOR";
    let q = gql::run(&p, &ctx, QUEUE, json!({ "o": false })).await;
    if !q.ok() {
        return gql::failure(&ctx, &q);
    }
    let queue_view = queue_table(lang, list(&q.data, "/caseQueue"));
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
        {(!operator).then(|| view! {
            <h2>{t(lang, "submit.workbench")}</h2>
            <p>{t(lang, "submit.workbench.text")}</p>
            <ul class="actions">
                <li><a href="/staff/records/new">{t(lang, "submit.new")}</a></li>
                <li><a href="/staff/records">{t(lang, "submit.list.title")}</a></li>
            </ul>
        })}
        <h2>{t(lang, "staff.queue")}</h2>
        <p>{t(lang, "staff.queue.text")}</p>
        {queue_view}
        <h2>{t(lang, "staff.identity")}</h2>
        <p>{t(lang, "staff.bindings.text")}</p>
        <ul class="actions"><li><a href="/staff/bindings">{t(lang, "staff.bindings")}</a></li></ul>
        {operator.then(|| view! {
            <h2>{t(lang, "staff.oversight")}</h2>
            <ul class="actions">
                <li><a href="/staff/overdue">{t(lang, "staff.overdue")}</a></li>
                <li><a href="/staff/emails">{t(lang, "staff.emails")}</a></li>
                <li><a href="/staff/late">{t(lang, "staff.late")}</a></li>
                <li><a href="/staff/agencies">{t(lang, "staff.agencies")}</a></li>
                <li><a href="/staff/calendar">{t(lang, "staff.calendar")}</a></li>
                <li><a href="/staff/rules">{t(lang, "staff.rules")}</a></li>
            </ul>
        })}
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "staff.title"), body)
}

const QUEUE: &str = "query($o:Boolean!){caseQueue(first:50,overdueOnly:$o){caseKind deadline{milestone dueOn overdue countdownZh countdownEn} objection{id record{title}} repairApplication{id record{title}} complaint{id statement}}}";

/// The case queue as a table: what, which kind, which milestone, the last
/// day and the time left (overdue said in words and marked, not colour
/// alone). Objections and repair applications link to their pages.
fn queue_table(lang: Lang, queue: &[Value]) -> AnyView {
    if queue.is_empty() {
        return view! { <p>{t(lang, "staff.queue.empty")}</p> }.into_any();
    }
    let rows = queue
        .iter()
        .map(|i| {
            let d = i.get("deadline").unwrap_or(&Value::Null);
            let overdue = d.get("overdue").and_then(Value::as_bool) == Some(true);
            let words = match lang {
                Lang::Zh => s(d, "countdownZh"),
                Lang::En => s(d, "countdownEn"),
            }
            .to_string();
            let title_of = |c: &Value| s(c.get("record").unwrap_or(&Value::Null), "title").to_string();
            let (kind, what) = match s(i, "caseKind") {
                "OBJECTION" => {
                    let o = i.get("objection").unwrap_or(&Value::Null);
                    let href = format!("/cases/{}", web::encode(s(o, "id")));
                    (t(lang, "case.title"), view! { <a href=href>{title_of(o)}</a> }.into_any())
                }
                "REPAIR" => {
                    let r = i.get("repairApplication").unwrap_or(&Value::Null);
                    let href = format!("/repairs/{}", web::encode(s(r, "id")));
                    (t(lang, "repair.application"), view! { <a href=href>{title_of(r)}</a> }.into_any())
                }
                _ => {
                    let c = i.get("complaint").unwrap_or(&Value::Null);
                    let text: String = s(c, "statement").chars().take(60).collect();
                    let href = format!("/complaints/{}", web::encode(s(c, "id")));
                    (t(lang, "staff.complaint"), view! { <a href=href>{text}</a> }.into_any())
                }
            };
            view! {
                <tr class=if overdue { "overdue" } else { "" }>
                    <td>{what}</td>
                    <td>{kind}<br/><span class="meta">{milestone(lang, s(d, "milestone"))}</span></td>
                    <td>{web::date_str(lang, s(d, "dueOn"))}</td>
                    <td>{if overdue { format!("⚠ {words}") } else { words }}</td>
                </tr>
            }
        })
        .collect_view();
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
}

/// Operators: every milestone past its last day, most overdue first.
pub async fn overdue(State(p): State<Portal>, ctx: Ctx) -> Response {
    if let Err(r) = operator(&p, &ctx).await {
        return r;
    }
    let lang = ctx.lang;
    let g = gql::run(&p, &ctx, QUEUE, json!({ "o": true })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let body = view! {
        <p class="caption"><a href="/staff">{t(lang, "staff.title")}</a></p>
        <h1>{t(lang, "staff.overdue")}</h1>
        <p class="lead">{t(lang, "staff.overdue.lead")}</p>
        {queue_table(lang, list(&g.data, "/caseQueue"))}
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "staff.overdue"), body)
}

const FAILED: &str = "query{failedEmails(first:50){nodes{id to subject status attempts nextAttemptAt lastError createdAt}}}";

/// Operators: emails that failed (dead-lettered or still retrying), each
/// with a button to send it again.
pub async fn emails(State(p): State<Portal>, ctx: Ctx, Query(d): Query<Done>) -> Response {
    if let Err(r) = operator(&p, &ctx).await {
        return r;
    }
    let lang = ctx.lang;
    let g = gql::run(&p, &ctx, FAILED, json!({})).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let csrf = ctx.csrf();
    let mails = list(&g.data, "/failedEmails/nodes");
    let rows = mails
        .iter()
        .map(|m| {
            let status = match s(m, "status") {
                "DEAD" => t(lang, "email.dead").to_string(),
                _ => {
                    let next = s(m, "nextAttemptAt");
                    if next.is_empty() {
                        t(lang, "email.retrying").to_string()
                    } else {
                        format!("{} {}", t(lang, "email.next"), web::datetime_str(lang, next))
                    }
                }
            };
            let attempts = m.get("attempts").and_then(Value::as_i64).unwrap_or(0);
            let action = format!("/staff/emails/{}/retry", web::encode(s(m, "id")));
            view! {
                <tr>
                    <td>{s(m, "subject").to_string()}<br/><span class="meta">{s(m, "to").to_string()} " · " {web::datetime_str(lang, s(m, "createdAt"))}</span></td>
                    <td>{status}<br/><span class="meta">{format!("{} {attempts}", t(lang, "email.attempts"))}</span></td>
                    <td class="mono">{s(m, "lastError").to_string()}</td>
                    <td>
                        <form method="post" action=action class="inline">
                            <input type="hidden" name="csrf" value=csrf.clone()/>
                            <button type="submit" class="secondary small">{t(lang, "email.retry")}</button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let note = done_key(&d.done, &[("retried", "email.retried")]);
    let body = view! {
        <p class="caption"><a href="/staff">{t(lang, "staff.title")}</a></p>
        <h1>{t(lang, "staff.emails")}</h1>
        <p class="lead">{t(lang, "staff.emails.lead")}</p>
        {notice(lang, note)}
        {if mails.is_empty() {
            view! { <p>{t(lang, "staff.emails.none")}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap"><table>
                    <thead><tr>
                        <th scope="col">{t(lang, "email.subject")}</th>
                        <th scope="col">{t(lang, "col.status")}</th>
                        <th scope="col">{t(lang, "email.error")}</th>
                        <th scope="col">{t(lang, "email.action")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table></div>
            }
            .into_any()
        }}
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "staff.emails"), body)
}

const RETRY: &str = "mutation($i:RetryEmailInput!){retryEmail(input:$i){email{id status} userErrors{field code message}}}";

pub async fn retry_email(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let back = ("/staff/emails", "staff.emails");
    let input = json!({ "id": id });
    match post_button(&p, &ctx, &form, RETRY, "retryEmail", input, explain, back).await {
        Ok(()) => web::see_other(&ctx, "/staff/emails?done=retried", &[]),
        Err(r) => r,
    }
}

const LATE: &str = "query{lateSubmissions(first:50){nodes{id title decidedOn submittedAt subject{name identifier} category{nameZh nameEn} department{nameZh nameEn}}}}";

pub async fn late(State(p): State<Portal>, ctx: Ctx) -> Response {
    if let Err(r) = operator(&p, &ctx).await {
        return r;
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
    if let Err(r) = operator(&p, &ctx).await {
        return r;
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
