//! Identity binding (实名), the inbox with read receipts, and settings.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use leptos::prelude::*;
use serde_json::{Value, json};

use super::{error_summary, explain, sign_in_first, text_field};
use crate::Portal;
use crate::gql::{self, list, s};
use crate::i18n::{Lang, t};
use crate::web::{self, Ctx, Form, page};

fn bind_page(
    ctx: &Ctx,
    status: StatusCode,
    identifier: &str,
    name: &str,
    errors: &[(String, String)],
) -> Response {
    let lang = ctx.lang;
    let body = view! {
        <p class="caption"><a href="/me">{t(lang, "dash.title")}</a></p>
        <h1>{t(lang, "bind.title")}</h1>
        <p class="lead">{t(lang, "bind.lead")}</p>
        {error_summary(lang, errors)}
        <form method="post" action="/me/bind" novalidate>
            <input type="hidden" name="csrf" value=ctx.csrf()/>
            {text_field(lang, "identifier", "bind.field.identifier", Some("bind.field.identifier.hint"), "text", identifier, errors, "off")}
            {text_field(lang, "name", "bind.field.name", Some("bind.field.name.hint"), "text", name, errors, "name")}
            <button type="submit">{t(lang, "bind.send")}</button>
        </form>
        <h2>{t(lang, "bind.document.title")}</h2>
        <p>{t(lang, "bind.document.when")}</p>
        <p><a href="/me/bind/document">{t(lang, "bind.document.link")}</a></p>
    }
    .into_any();
    page(ctx, status, t(lang, "bind.title"), body)
}

pub async fn bind_form(ctx: Ctx) -> Response {
    if let Some(r) = sign_in_first(&ctx) {
        return r;
    }
    bind_page(&ctx, StatusCode::OK, "", "", &[])
}

const START: &str = "mutation($i:StartSubjectBindingInput!){startSubjectBinding(input:$i){challenge{id sentTo expiresAt subjectName} userErrors{field code message}}}";

pub async fn bind_start(State(p): State<Portal>, ctx: Ctx, form: Form) -> Response {
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    let lang = ctx.lang;
    let identifier = form.get("identifier").trim().to_uppercase();
    let name = form.get("name").trim().to_string();
    if identifier.is_empty() {
        let e = vec![(
            "identifier".to_string(),
            t(lang, "bind.err.identifier").to_string(),
        )];
        return bind_page(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &identifier,
            &name,
            &e,
        );
    }
    let mut input = json!({ "identifier": identifier });
    if !name.is_empty() {
        input["name"] = json!(name);
    }
    let g = gql::run(&p, &ctx, START, json!({ "i": input })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let errs = gql::user_errors(g.at("/startSubjectBinding/userErrors"));
    if !errs.is_empty() {
        let e: Vec<(String, String)> = errs
            .iter()
            .map(|e| {
                let f = if e.field == "name" {
                    "name"
                } else {
                    "identifier"
                };
                (f.to_string(), explain(lang, e))
            })
            .collect();
        return bind_page(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &identifier,
            &name,
            &e,
        );
    }
    let ch = g.at("/startSubjectBinding/challenge").clone();
    code_page(&ctx, StatusCode::OK, &ch, &[])
}

fn code_page(ctx: &Ctx, status: StatusCode, ch: &Value, errors: &[(String, String)]) -> Response {
    let lang = ctx.lang;
    let sent = format!("{} {}", t(lang, "bind.sent_to"), s(ch, "sentTo"));
    let body = view! {
        <h1>{t(lang, "bind.code.title")}</h1>
        <p class="lead">{s(ch, "subjectName").to_string()}</p>
        <p>{sent}</p>
        {error_summary(lang, errors)}
        <form method="post" action="/me/bind/confirm" novalidate>
            <input type="hidden" name="csrf" value=ctx.csrf()/>
            <input type="hidden" name="challenge" value=s(ch, "id").to_string()/>
            <input type="hidden" name="sentTo" value=s(ch, "sentTo").to_string()/>
            <input type="hidden" name="subjectName" value=s(ch, "subjectName").to_string()/>
            {text_field(lang, "code", "bind.field.code", Some("bind.field.code.hint"), "text", "", errors, "one-time-code")}
            <button type="submit">{t(lang, "bind.confirm")}</button>
        </form>
    }
    .into_any();
    page(ctx, status, t(lang, "bind.code.title"), body)
}

const CONFIRM: &str = "mutation($i:ConfirmSubjectBindingInput!){confirmSubjectBinding(input:$i){binding{id subjectId} userErrors{field code message}}}";

pub async fn bind_confirm(State(p): State<Portal>, ctx: Ctx, form: Form) -> Response {
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    let lang = ctx.lang;
    let ch = json!({
        "id": form.get("challenge"),
        "sentTo": form.get("sentTo"),
        "subjectName": form.get("subjectName"),
    });
    let code: String = form
        .get("code")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        let e = vec![("code".to_string(), t(lang, "bind.err.code").to_string())];
        return code_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &ch, &e);
    }
    let g = gql::run(
        &p,
        &ctx,
        CONFIRM,
        json!({ "i": { "challengeId": form.get("challenge"), "code": code } }),
    )
    .await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let errs = gql::user_errors(g.at("/confirmSubjectBinding/userErrors"));
    if let Some(e) = errs.first() {
        let msg = match e.code.as_str() {
            "CODE_WRONG" | "CHALLENGE_NOT_FOUND" => t(lang, "bind.err.code_wrong").to_string(),
            "CODE_EXPIRED" | "CODE_USED" | "CODE_ATTEMPTS_EXCEEDED" => {
                t(lang, "bind.err.expired").to_string()
            }
            _ => explain(lang, e),
        };
        return code_page(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &ch,
            &[("code".into(), msg)],
        );
    }
    web::see_other(&ctx, "/me?done=bound", &[])
}

const INBOX: &str =
    "query{myUnreadNoticeCount myNotices(first:50){nodes{id title createdAt read readAt}}}";

pub async fn inbox(State(p): State<Portal>, ctx: Ctx) -> Response {
    if let Some(r) = sign_in_first(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let g = gql::run(&p, &ctx, INBOX, json!({})).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let unread = g.at("/myUnreadNoticeCount").as_i64().unwrap_or(0);
    let items = list(&g.data, "/myNotices/nodes")
        .iter()
        .map(|n| {
            let read = n.get("read").and_then(Value::as_bool) == Some(true);
            let href = format!("/inbox/{}", web::encode(s(n, "id")));
            view! {
                <li class=if read { "notice-item" } else { "notice-item unread" }>
                    {(!read).then(|| view! { <strong class="tag tag-pending">{t(lang, "inbox.new")}</strong> " " })}
                    <a href=href>{s(n, "title").to_string()}</a>
                    <br/><span class="meta">{web::datetime_str(lang, s(n, "createdAt"))}</span>
                </li>
            }
        })
        .collect_view();
    let summary = format!(
        "{}{}{unread}",
        t(lang, "inbox.unread"),
        t(lang, "punct.colon")
    );
    let body = view! {
        <p class="caption"><a href="/me">{t(lang, "dash.title")}</a></p>
        <h1>{t(lang, "inbox.title")}</h1>
        <p>{summary}</p>
        <ul class="plain">{items}</ul>
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "inbox.title"), body)
}

const READ: &str = "mutation($i:MarkNoticeReadInput!){markNoticeRead(input:$i){notice{id title body link createdAt readAt} userErrors{code}}}";

/// Opening a notice is its read receipt (several deadlines run from
/// receipt); the receipt is written by the platform, once. A GET that
/// records a fact about the reader only, never a change anyone else made.
pub async fn notice(State(p): State<Portal>, ctx: Ctx, Path(id): Path<String>) -> Response {
    if let Some(r) = sign_in_first(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let g = gql::run(&p, &ctx, READ, json!({ "i": { "id": id } })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let n = g.at("/markNoticeRead/notice").clone();
    if n.is_null() {
        return web::not_found(&ctx);
    }
    let link = s(&n, "link").to_string();
    let read = format!(
        "{} {}",
        t(lang, "inbox.read_at"),
        web::datetime_str(lang, s(&n, "readAt"))
    );
    let title = s(&n, "title").to_string();
    let paras = s(&n, "body")
        .split("\n\n")
        .map(|para| view! { <p>{para.to_string()}</p> })
        .collect_view();
    let body = view! {
        <p class="caption"><a href="/inbox">{t(lang, "inbox.title")}</a></p>
        <h1>{title.clone()}</h1>
        <p class="meta">{web::datetime_str(lang, s(&n, "createdAt"))} " · " {read}</p>
        {paras}
        {(link.starts_with('/')).then(|| view! { <p><a class="button" href=link.clone()>{t(lang, "inbox.open")}</a></p> })}
    }
    .into_any();
    page(&ctx, StatusCode::OK, &title, body)
}

const SETTINGS: &str = "query{mySettings{email displayName language emailVerified queryNotices emailCaseNotices emailConsentNotices}}";

pub async fn settings(State(p): State<Portal>, ctx: Ctx) -> Response {
    if let Some(r) = sign_in_first(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let g = gql::run(&p, &ctx, SETTINGS, json!({})).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let st = g.at("/mySettings").clone();
    let zh = s(&st, "language") != "EN";
    let qn = s(&st, "queryNotices").to_string();
    let case_mail = st.get("emailCaseNotices").and_then(Value::as_bool) == Some(true);
    let consent_mail = st.get("emailConsentNotices").and_then(Value::as_bool) == Some(true);
    let radio = |value: &'static str, label: &'static str| {
        let id = format!("queryNotices-{value}");
        let checked = qn == value;
        view! { <div class="choice"><input type="radio" id=id.clone() name="queryNotices" value=value checked=checked/><label for=id>{t(lang, label)}</label></div> }
    };
    let body = view! {
        <p class="caption"><a href="/me">{t(lang, "dash.title")}</a></p>
        <h1>{t(lang, "settings.title")}</h1>
        <p class="meta">{s(&st, "email").to_string()}</p>
        <form method="post" action="/settings">
            <input type="hidden" name="csrf" value=ctx.csrf()/>
            <fieldset class="field">
                <legend>{t(lang, "field.language")}</legend>
                <div class="choice"><input type="radio" id="language-zh" name="language" value="ZH_CN" checked=zh/><label for="language-zh" lang="zh-CN">"简体中文"</label></div>
                <div class="choice"><input type="radio" id="language-en" name="language" value="EN" checked=!zh/><label for="language-en" lang="en">"English"</label></div>
            </fieldset>
            <fieldset class="field">
                <legend>{t(lang, "settings.query_notices")}</legend>
                {radio("EACH", "settings.qn.each")}
                {radio("DAILY_DIGEST", "settings.qn.daily")}
                {radio("NONE", "settings.qn.none")}
            </fieldset>
            <fieldset class="field">
                <legend>{t(lang, "settings.email")}</legend>
                <div class="choice"><input type="checkbox" id="emailCaseNotices" name="emailCaseNotices" value="true" checked=case_mail/><label for="emailCaseNotices">{t(lang, "settings.email.cases")}</label></div>
                <div class="choice"><input type="checkbox" id="emailConsentNotices" name="emailConsentNotices" value="true" checked=consent_mail/><label for="emailConsentNotices">{t(lang, "settings.email.consents")}</label></div>
            </fieldset>
            <button type="submit">{t(lang, "settings.save")}</button>
        </form>
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "settings.title"), body)
}

const UPDATE: &str = "mutation($i:UpdateAccountSettingsInput!){updateAccountSettings(input:$i){settings{language} userErrors{code}}}";

pub async fn save_settings(State(p): State<Portal>, ctx: Ctx, form: Form) -> Response {
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    let language = if form.get("language") == "EN" {
        "EN"
    } else {
        "ZH_CN"
    };
    let qn = match form.get("queryNotices") {
        q @ ("EACH" | "DAILY_DIGEST" | "NONE") => q,
        _ => "EACH",
    };
    let input = json!({
        "language": language,
        "queryNotices": qn,
        "emailCaseNotices": form.get("emailCaseNotices") == "true",
        "emailConsentNotices": form.get("emailConsentNotices") == "true",
    });
    let g = gql::run(&p, &ctx, UPDATE, json!({ "i": input })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let lang = if language == "EN" { Lang::En } else { Lang::Zh };
    // The pages follow the saved language at once.
    web::see_other(
        &ctx,
        "/me?done=saved",
        &[web::cookie(
            web::LANG_COOKIE,
            lang.tag(),
            Some(365 * 24 * 3600),
            ctx.secure,
        )],
    )
}
