//! Public pages: home and search, a subject's public page, red and black
//! lists, the how-to pages, the language switch. No sign-in needed.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use leptos::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use super::records_table;
use crate::Portal;
use crate::gql::{self, list, s};
use crate::i18n::{Lang, t};
use crate::web::{self, Ctx, page};

fn search_form(lang: Lang, q: &str) -> AnyView {
    let q = q.to_string();
    view! {
        <form method="get" action="/search" class="search" role="search">
            <label for="q">{t(lang, "search.label")}</label>
            <p class="hint" id="q-hint">{t(lang, "search.hint")}</p>
            <div class="row">
                <input id="q" name="q" type="search" value=q aria-describedby="q-hint" minlength="2" maxlength="100" required/>
                <button type="submit">{t(lang, "search.button")}</button>
            </div>
        </form>
    }
    .into_any()
}

pub async fn home(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let body = view! {
        <h1>{t(lang, "home.title")}</h1>
        <p class="lead">{t(lang, "home.lead")}</p>
        {search_form(lang, "")}
        <h2>{t(lang, "home.you")}</h2>
        <ul class="cards">
            <li><a href="/me">{t(lang, "home.card.records")}</a><p>{t(lang, "home.card.records.text")}</p></li>
            <li><a href="/help/objection">{t(lang, "help.objection.title")}</a><p>{t(lang, "home.card.objection.text")}</p></li>
            <li><a href="/help/repair">{t(lang, "help.repair.title")}</a><p>{t(lang, "home.card.repair.text")}</p></li>
            <li><a href="/help/consent">{t(lang, "help.consent.title")}</a><p>{t(lang, "home.card.consent.text")}</p></li>
            <li><a href="/lists">{t(lang, "nav.lists")}</a><p>{t(lang, "home.card.lists.text")}</p></li>
        </ul>
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "home.title"), body)
}

#[derive(Deserialize)]
pub struct SearchQ {
    #[serde(default)]
    q: String,
}

const SEARCH: &str = "query($q:String!){searchSubjects(query:$q,first:20){nodes{name identifier kindNameZh kindNameEn status regionCode}}}";

pub async fn search(State(p): State<Portal>, ctx: Ctx, Query(sq): Query<SearchQ>) -> Response {
    let lang = ctx.lang;
    let q = sq.q.trim().to_string();
    let n = q.chars().count();
    if !(2..=100).contains(&n) {
        let body = view! {
            <h1>{t(lang, "search.title")}</h1>
            <div class="error-summary" role="alert"><p>{t(lang, "search.too_short")}</p></div>
            {search_form(lang, &q)}
        }
        .into_any();
        return page(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            t(lang, "search.title"),
            body,
        );
    }
    let g = gql::run(&p, &ctx, SEARCH, json!({ "q": q })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let hits = list(&g.data, "/searchSubjects/nodes").to_vec();
    let count = hits.len();
    let rows = hits
        .into_iter()
        .map(|h| {
            let href = format!("/subjects/{}", web::encode(s(&h, "identifier")));
            let kind = match lang {
                Lang::Zh => s(&h, "kindNameZh").to_string(),
                Lang::En => s(&h, "kindNameEn").to_string(),
            };
            view! {
                <li>
                    <a href=href>{s(&h, "name").to_string()}</a>
                    <span class="meta">{kind} " · " <span class="mono">{s(&h, "identifier").to_string()}</span></span>
                </li>
            }
        })
        .collect_view();
    let summary = match lang {
        Lang::Zh => format!("找到 {count} 个结果"),
        Lang::En => format!("{count} result{}", if count == 1 { "" } else { "s" }),
    };
    let body = view! {
        <h1>{t(lang, "search.title")}</h1>
        {search_form(lang, &q)}
        <p role="status">{summary}</p>
        {(count == 0).then(|| view! { <p>{t(lang, "search.none")}</p> })}
        <ul class="results">{rows}</ul>
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "search.title"), body)
}

const SUBJECT: &str = "query($id:String!){subjectByIdentifier(identifier:$id){name identifier kindNameZh kindNameEn status regionCode legalRepresentative registeredOn endedOn view records(first:50){nodes{id title decidedOn status category{nameZh nameEn infoClass} department{nameZh nameEn} publication{start end publicNow hiddenReason{messageZh messageEn}}}}}}";

pub async fn subject_page(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(identifier): Path<String>,
) -> Response {
    let lang = ctx.lang;
    if identifier.len() > 40 {
        return web::not_found(&ctx);
    }
    // A database number (a notice's link to "your subject"; a USCC has 18
    // characters): the signed-in reader's own subjects are on the dashboard.
    if identifier.len() < 18 && identifier.bytes().all(|b| b.is_ascii_digit()) {
        return web::see_other(&ctx, "/me", &[]);
    }
    let g = gql::run(&p, &ctx, SUBJECT, json!({ "id": identifier })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let sub = g.at("/subjectByIdentifier").clone();
    if sub.is_null() {
        return web::not_found(&ctx);
    }
    let name = s(&sub, "name").to_string();
    let kind = match lang {
        Lang::Zh => s(&sub, "kindNameZh"),
        Lang::En => s(&sub, "kindNameEn"),
    }
    .to_string();
    let records = list(&sub, "/records/nodes").to_vec();
    let legal_rep = s(&sub, "legalRepresentative").to_string();
    let registered = sub
        .get("registeredOn")
        .and_then(Value::as_str)
        .map(|d| web::date_str(lang, d))
        .unwrap_or_default();
    let body = view! {
        <p class="caption">{kind}</p>
        <h1>{name.clone()}</h1>
        <dl class="facts">
            <dt>{t(lang, "subject.identifier")}</dt><dd class="mono">{s(&sub, "identifier").to_string()}</dd>
            <dt>{t(lang, "subject.status")}</dt><dd>{super::subject_status(lang, s(&sub, "status"))}</dd>
            <dt>{t(lang, "subject.legal_rep")}</dt><dd>{legal_rep}</dd>
            <dt>{t(lang, "subject.registered")}</dt><dd>{registered}</dd>
        </dl>
        <h2>{t(lang, "subject.public_records")}</h2>
        <p class="hint">{t(lang, "subject.public_records.hint")}</p>
        {records_table(lang, &records, false)}
    }
    .into_any();
    page(&ctx, StatusCode::OK, &name, body)
}

const CATEGORIES: &str = "query{red:recordCategories(listKind:RED){code nameZh nameEn} black:recordCategories(listKind:BLACK){code nameZh nameEn}}";

pub async fn lists(State(p): State<Portal>, ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let g = gql::run(&p, &ctx, CATEGORIES, json!({})).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let links = |items: &[Value]| {
        items
            .iter()
            .map(|c| {
                let href = format!("/lists/{}", web::encode(s(c, "code")));
                let name = super::pick(lang, c).to_string();
                view! { <li><a href=href>{name}</a></li> }
            })
            .collect_view()
    };
    let red = links(list(&g.data, "/red"));
    let black = links(list(&g.data, "/black"));
    let body = view! {
        <h1>{t(lang, "lists.title")}</h1>
        <p class="lead">{t(lang, "lists.lead")}</p>
        <h2>{t(lang, "lists.red")}</h2>
        <ul>{red}</ul>
        <h2>{t(lang, "lists.black")}</h2>
        <ul>{black}</ul>
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "lists.title"), body)
}

const LIST: &str = "query($c:String!){recordCategories{code nameZh nameEn listKind} publicList(category:$c,first:50){nodes{id title decidedOn status subject{name identifier} category{nameZh nameEn infoClass} department{nameZh nameEn} publication{start end publicNow hiddenReason{messageZh messageEn}}}}}";

pub async fn list_page_inner(p: &Portal, ctx: &Ctx, category: &str) -> Response {
    let lang = ctx.lang;
    let g = gql::run(p, ctx, LIST, json!({ "c": category })).await;
    if !g.ok() {
        return gql::failure(ctx, &g);
    }
    let Some(cat) = list(&g.data, "/recordCategories")
        .iter()
        .find(|c| s(c, "code") == category && s(c, "listKind") != "NONE")
        .cloned()
    else {
        return web::not_found(ctx);
    };
    let title = super::pick(lang, &cat).to_string();
    let rows = list(&g.data, "/publicList/nodes").to_vec();
    let count = rows.len();
    let items = rows
        .into_iter()
        .map(|r| {
            let sub = r.get("subject").cloned().unwrap_or(Value::Null);
            let href = format!("/subjects/{}", web::encode(s(&sub, "identifier")));
            let dept =
                super::pick_dept(lang, r.get("department").unwrap_or(&Value::Null)).to_string();
            view! {
                <tr>
                    <td><a href=href>{s(&sub, "name").to_string()}</a></td>
                    <td>{s(&r, "title").to_string()}</td>
                    <td>{dept}</td>
                    <td>{web::date_str(lang, s(&r, "decidedOn"))}</td>
                </tr>
            }
        })
        .collect_view();
    let body = view! {
        <p class="caption"><a href="/lists">{t(lang, "lists.title")}</a></p>
        <h1>{title.clone()}</h1>
        {if count == 0 {
            view! { <p>{t(lang, "lists.empty")}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table>
                        <thead><tr>
                            <th scope="col">{t(lang, "col.subject")}</th>
                            <th scope="col">{t(lang, "col.title")}</th>
                            <th scope="col">{t(lang, "col.department")}</th>
                            <th scope="col">{t(lang, "col.decided")}</th>
                        </tr></thead>
                        <tbody>{items}</tbody>
                    </table>
                </div>
            }
                .into_any()
        }}
    }
    .into_any();
    page(ctx, StatusCode::OK, &title, body)
}

pub async fn list_page(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(category): Path<String>,
) -> Response {
    if category.len() > 64 {
        return web::not_found(&ctx);
    }
    list_page_inner(&p, &ctx, &category).await
}

pub async fn help(ctx: Ctx, Path(topic): Path<String>) -> Response {
    let lang = ctx.lang;
    let (title, paras): (&'static str, &[&'static str]) = match topic.as_str() {
        "objection" => (
            "help.objection.title",
            &[
                "help.objection.1",
                "help.objection.2",
                "help.objection.3",
                "help.objection.4",
            ],
        ),
        "repair" => (
            "help.repair.title",
            &[
                "help.repair.1",
                "help.repair.2",
                "help.repair.3",
                "help.repair.4",
            ],
        ),
        "consent" => (
            "help.consent.title",
            &[
                "help.consent.1",
                "help.consent.2",
                "help.consent.3",
                "help.consent.4",
            ],
        ),
        _ => return web::not_found(&ctx),
    };
    let ps = paras
        .iter()
        .map(|k| view! { <p>{t(lang, k)}</p> })
        .collect_view();
    let body = view! {
        <h1>{t(lang, title)}</h1>
        {ps}
        <p><a class="button" href="/me">{t(lang, "help.start")}</a></p>
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, title), body)
}

#[derive(Deserialize)]
pub struct Back {
    #[serde(default)]
    back: String,
}

/// Switches the language (a preference, not a state change of the
/// platform) and returns to the page the reader was on.
pub async fn language(ctx: Ctx, Path(lang): Path<String>, Query(b): Query<Back>) -> Response {
    let Some(l) = Lang::from_tag(&lang) else {
        return web::not_found(&ctx);
    };
    let to = web::safe_next(&b.back).to_string();
    let to = if b.back.is_empty() {
        "/".to_string()
    } else {
        to
    };
    web::see_other(
        &ctx,
        &to,
        &[web::cookie(
            web::LANG_COOKIE,
            l.tag(),
            Some(365 * 24 * 3600),
            ctx.secure,
        )],
    )
}
