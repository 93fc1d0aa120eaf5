//! Consents (授权): the list, the grant form, approving or denying an
//! agency's request, revoking (two clicks from the dashboard), renewing,
//! and the signed receipt.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveTime, TimeZone};
use leptos::prelude::*;
use serde_json::{Value, json};

use super::{
    Done, card_list, confirm_form, consent_status, done_key, error_summary, explain, failed,
    field_error, info_class, notice, pick, text_field,
};
use crate::Portal;
use crate::gql::{self, list, s};
use crate::i18n::{Lang, t};
use crate::web::{self, Ctx, Form, page};

const CONSENTS: &str = "query($id:ID!){node(id:$id){... on Subject{id view name}} consents(subject:$id,first:50){nodes{id status purposeText mode monthlyCap validFrom validUntil uses grantedAt revokedAt requestedBy agency{name uscc} purpose{nameZh nameEn} scope{infoClasses categories}}}}";

pub async fn list_page(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(subject): Path<String>,
    Query(d): Query<Done>,
) -> Response {
    if !ctx.signed_in() {
        return web::to_sign_in(&ctx);
    }
    let lang = ctx.lang;
    let g = gql::run(&p, &ctx, CONSENTS, json!({ "id": subject })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    if s(g.at("/node"), "view") != "OWN" {
        return web::not_found(&ctx);
    }
    let all = list(&g.data, "/consents/nodes").to_vec();
    let group = |statuses: &[&str]| -> Vec<Value> {
        all.iter()
            .filter(|c| statuses.contains(&s(c, "status")))
            .cloned()
            .collect()
    };
    let pending = group(&["PENDING"]);
    let active = group(&["ACTIVE", "EXHAUSTED"]);
    let past = group(&["REVOKED", "EXPIRED", "DENIED"]);
    let csrf = ctx.csrf();
    let note = done_key(
        &d.done,
        &[
            ("granted", "consent.done.granted"),
            ("revoked", "consent.done.revoked"),
            ("approved", "consent.done.approved"),
            ("denied", "consent.done.denied"),
            ("renewed", "consent.done.renewed"),
        ],
    );
    let section = |title: &'static str, items: &[Value], empty: &'static str| {
        let cards = items
            .iter()
            .map(|c| consent_card(lang, c, &csrf))
            .collect_view();
        view! {
            <h2>{t(lang, title)} " (" {items.len()} ")"</h2>
            {card_list(lang, cards, empty)}
        }
    };
    let grant_href = format!("/me/{}/consents/new", web::encode(&subject));
    let body = view! {
        <p class="caption"><a href="/me">{t(lang, "dash.title")}</a></p>
        <h1>{t(lang, "consents.title")}</h1>
        <p class="lead">{s(g.at("/node"), "name").to_string()}</p>
        {notice(lang, note)}
        <p><a class="button" href=grant_href>{t(lang, "consent.grant.title")}</a></p>
        {section("consents.pending", &pending, "consents.none")}
        {section("consents.active", &active, "consents.none")}
        {section("consents.past", &past, "consents.none")}
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "consents.title"), body)
}

/// One consent, described so that a person understands what it allows.
fn consent_card(lang: Lang, c: &Value, csrf: &str) -> AnyView {
    let id = s(c, "id").to_string();
    let enc = web::encode(&id);
    let agency = s(c.get("agency").unwrap_or(&Value::Null), "name").to_string();
    let purpose = pick(lang, c.get("purpose").unwrap_or(&Value::Null)).to_string();
    let status = s(c, "status");
    let classes = list(c, "/scope/infoClasses")
        .iter()
        .filter_map(Value::as_str)
        .map(|k| info_class(lang, k))
        .collect::<Vec<_>>()
        .join(", ");
    let mode = match s(c, "mode") {
        "ONE_TIME" => t(lang, "consent.mode.one_time").to_string(),
        _ => format!(
            "{} {}",
            t(lang, "consent.mode.periodic_cap"),
            c.get("monthlyCap").and_then(Value::as_i64).unwrap_or(0)
        ),
    };
    let period = format!(
        "{} – {}",
        web::datetime_str(lang, s(c, "validFrom")),
        web::datetime_str(lang, s(c, "validUntil"))
    );
    let uses = c.get("uses").and_then(Value::as_i64).unwrap_or(0);
    let actions = match status {
        "PENDING" => view! {
            <form method="post" action=format!("/consents/{enc}/approve") class="inline">
                <input type="hidden" name="csrf" value=csrf.to_string()/>
                <button type="submit">{t(lang, "consent.approve")}</button>
            </form>
            " "
            <form method="post" action=format!("/consents/{enc}/deny") class="inline">
                <input type="hidden" name="csrf" value=csrf.to_string()/>
                <button type="submit" class="secondary">{t(lang, "consent.deny")}</button>
            </form>
        }
        .into_any(),
        "ACTIVE" | "EXHAUSTED" => view! {
            <a class="button warning" href=format!("/consents/{enc}/revoke")>{t(lang, "consent.revoke")}</a>
            " "
            <form method="post" action=format!("/consents/{enc}/renew") class="inline">
                <input type="hidden" name="csrf" value=csrf.to_string()/>
                <button type="submit" class="secondary">{t(lang, "consent.renew")}</button>
            </form>
            " "
            <a href=format!("/consents/{enc}/receipt")>{t(lang, "consent.receipt")}</a>
        }
        .into_any(),
        _ => view! { <a href=format!("/consents/{enc}/receipt")>{t(lang, "consent.receipt")}</a> }.into_any(),
    };
    view! {
        <li class="consent" id=format!("consent-{id}")>
            <h3>{agency} " — " {purpose}</h3>
            <p><span class=format!("tag tag-{}", status.to_ascii_lowercase())>{consent_status(lang, status)}</span></p>
            <dl class="facts">
                <dt>{t(lang, "consent.what")}</dt><dd>{classes}</dd>
                <dt>{t(lang, "consent.how_often")}</dt><dd>{mode}</dd>
                <dt>{t(lang, "consent.when")}</dt><dd>{period}</dd>
                <dt>{t(lang, "consent.uses")}</dt><dd>{uses}</dd>
                <dt>{t(lang, "consent.purpose_text")}</dt><dd>{s(c, "purposeText").to_string()}</dd>
            </dl>
            <div class="actions">{actions}</div>
        </li>
    }
    .into_any()
}

/// What was typed into the grant form (kept on a failed submit).
#[derive(Default)]
struct GrantValues {
    agency_uscc: String,
    purpose: String,
    purpose_text: String,
    classes: Vec<String>,
    mode: String,
    monthly_cap: String,
    valid_until: String,
}

const PURPOSES: &str = "query($id:ID!){node(id:$id){... on Subject{id view name kind}} purposes{code nameZh nameEn descriptionZh descriptionEn}}";

async fn grant_page(
    p: &Portal,
    ctx: &Ctx,
    subject: &str,
    status: StatusCode,
    v: &GrantValues,
    errors: &[(String, String)],
) -> Response {
    let lang = ctx.lang;
    let g = gql::run(p, ctx, PURPOSES, json!({ "id": subject })).await;
    if !g.ok() {
        return gql::failure(ctx, &g);
    }
    if s(g.at("/node"), "view") != "OWN" {
        return web::not_found(ctx);
    }
    let purposes = list(&g.data, "/purposes")
        .iter()
        .map(|pp| {
            let code = s(pp, "code").to_string();
            let id = format!("purpose-{code}");
            let checked = v.purpose == code;
            let desc = match lang {
                Lang::Zh => s(pp, "descriptionZh"),
                Lang::En => s(pp, "descriptionEn"),
            }
            .to_string();
            view! {
                <div class="choice">
                    <input type="radio" id=id.clone() name="purpose" value=code checked=checked/>
                    <label for=id>{pick(lang, pp).to_string()}</label>
                    <p class="hint">{desc}</p>
                </div>
            }
        })
        .collect_view();
    let classes = ["BASIC", "GOOD", "HINT", "WARNING"]
        .into_iter()
        .map(|c| {
            let id = format!("class-{c}");
            let checked = v.classes.iter().any(|x| x == c);
            view! {
                <div class="choice">
                    <input type="checkbox" id=id.clone() name="infoClasses" value=c checked=checked/>
                    <label for=id>{info_class(lang, c)}</label>
                </div>
            }
        })
        .collect_view();
    let periodic = v.mode == "PERIODIC";
    let err = |f: &str| {
        field_error(errors, f).map(|e| view! { <p class="error" id=format!("{f}-error")>{e}</p> })
    };
    let action = format!("/me/{}/consents/new", web::encode(subject));
    let body = view! {
        <p class="caption"><a href=format!("/me/{}/consents", web::encode(subject))>{t(lang, "consents.title")}</a></p>
        <h1>{t(lang, "consent.grant.title")}</h1>
        <p class="lead">{t(lang, "consent.grant.lead")}</p>
        {error_summary(lang, errors)}
        <form method="post" action=action novalidate>
            <input type="hidden" name="csrf" value=ctx.csrf()/>
            {text_field(lang, "agencyUscc", "consent.field.agency", Some("consent.field.agency.hint"), "text", &v.agency_uscc, errors, "off")}
            <fieldset class="field" id="purpose">
                <legend>{t(lang, "consent.field.purpose")}</legend>
                {err("purpose")}
                {purposes}
            </fieldset>
            {text_field(lang, "purposeText", "consent.field.purpose_text", Some("consent.field.purpose_text.hint"), "text", &v.purpose_text, errors, "off")}
            <fieldset class="field" id="infoClasses">
                <legend>{t(lang, "consent.field.scope")}</legend>
                <p class="hint">{t(lang, "consent.field.scope.hint")}</p>
                {err("infoClasses")}
                {classes}
            </fieldset>
            <fieldset class="field" id="mode">
                <legend>{t(lang, "consent.field.mode")}</legend>
                {err("mode")}
                <div class="choice">
                    <input type="radio" id="mode-one" name="mode" value="ONE_TIME" checked=!periodic/>
                    <label for="mode-one">{t(lang, "consent.mode.one_time")}</label>
                </div>
                <div class="choice">
                    <input type="radio" id="mode-periodic" name="mode" value="PERIODIC" checked=periodic/>
                    <label for="mode-periodic">{t(lang, "consent.mode.periodic")}</label>
                </div>
            </fieldset>
            {text_field(lang, "monthlyCap", "consent.field.cap", Some("consent.field.cap.hint"), "number", &v.monthly_cap, errors, "off")}
            {text_field(lang, "validUntil", "consent.field.until", Some("consent.field.until.hint"), "date", &v.valid_until, errors, "off")}
            <p>{t(lang, "consent.grant.revocable")}</p>
            <button type="submit">{t(lang, "consent.grant.button")}</button>
        </form>
    }
    .into_any();
    page(ctx, status, t(lang, "consent.grant.title"), body)
}

pub async fn grant_form(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(subject): Path<String>,
) -> Response {
    if !ctx.signed_in() {
        return web::to_sign_in(&ctx);
    }
    let v = GrantValues {
        classes: vec!["BASIC".into()],
        mode: "ONE_TIME".into(),
        ..Default::default()
    };
    grant_page(&p, &ctx, &subject, StatusCode::OK, &v, &[]).await
}

const GRANT: &str = "mutation($i:GrantConsentInput!){grantConsent(input:$i){consents{id} userErrors{field code message}}}";

pub async fn grant(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(subject): Path<String>,
    form: Form,
) -> Response {
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    let lang = ctx.lang;
    let v = GrantValues {
        agency_uscc: form.get("agencyUscc").trim().to_uppercase(),
        purpose: form.get("purpose").trim().to_string(),
        purpose_text: form.get("purposeText").trim().to_string(),
        classes: form
            .all("infoClasses")
            .into_iter()
            .filter(|c| ["BASIC", "GOOD", "HINT", "WARNING"].contains(&c.as_str()))
            .collect(),
        mode: if form.get("mode") == "PERIODIC" {
            "PERIODIC"
        } else {
            "ONE_TIME"
        }
        .to_string(),
        monthly_cap: form.get("monthlyCap").trim().to_string(),
        valid_until: form.get("validUntil").trim().to_string(),
    };
    // Parse at the edge; the platform checks the rest (agency, purpose, limits).
    let mut errors: Vec<(String, String)> = Vec::new();
    if v.agency_uscc.is_empty() {
        errors.push((
            "agencyUscc".into(),
            t(lang, "consent.err.agency_missing").into(),
        ));
    }
    if v.purpose.is_empty() {
        errors.push((
            "purpose".into(),
            t(lang, "consent.err.purpose_missing").into(),
        ));
    }
    if v.classes.is_empty() {
        errors.push(("infoClasses".into(), t(lang, "uerr.scope_empty").into()));
    }
    let cap = if v.mode == "PERIODIC" {
        match v.monthly_cap.parse::<i32>() {
            Ok(n) if (1..=100).contains(&n) => Some(n),
            _ => {
                errors.push(("monthlyCap".into(), t(lang, "uerr.monthly_cap").into()));
                None
            }
        }
    } else {
        None
    };
    let until = if v.valid_until.is_empty() {
        None
    } else {
        match NaiveDate::parse_from_str(&v.valid_until, "%Y-%m-%d") {
            // Valid through the whole chosen day (Asia/Shanghai): ends at the next midnight.
            Ok(d) => d
                .succ_opt()
                .map(|n| n.and_time(NaiveTime::MIN))
                .and_then(|n| {
                    chrono::FixedOffset::east_opt(8 * 3600)?
                        .from_local_datetime(&n)
                        .single()
                })
                .map(|dt| dt.to_rfc3339()),
            Err(_) => {
                errors.push(("validUntil".into(), t(lang, "consent.err.date").into()));
                None
            }
        }
    };
    if !errors.is_empty() {
        return grant_page(
            &p,
            &ctx,
            &subject,
            StatusCode::UNPROCESSABLE_ENTITY,
            &v,
            &errors,
        )
        .await;
    }
    let mut input = json!({
        "subjectId": subject,
        "agencyUscc": v.agency_uscc,
        "purposeCodes": [v.purpose],
        "scope": { "infoClasses": v.classes },
        "mode": v.mode,
    });
    if !v.purpose_text.is_empty() {
        input["purposeText"] = json!(v.purpose_text);
    }
    if let Some(c) = cap {
        input["monthlyCap"] = json!(c);
    }
    if let Some(u) = until {
        input["validUntil"] = json!(u);
    }
    let g = gql::run(&p, &ctx, GRANT, json!({ "i": input })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let errs = gql::user_errors(g.at("/grantConsent/userErrors"));
    if !errs.is_empty() {
        let errors: Vec<(String, String)> = errs
            .iter()
            .map(|e| {
                let field = match e.field.as_str() {
                    "agencyUscc" => "agencyUscc",
                    "purposeCodes" => "purpose",
                    "purposeText" => "purposeText",
                    "scope" | "infoClasses" | "categories" => "infoClasses",
                    "monthlyCap" => "monthlyCap",
                    "validUntil" | "validFrom" => "validUntil",
                    "mode" => "mode",
                    _ => "agencyUscc",
                };
                (field.to_string(), explain(lang, e))
            })
            .collect();
        return grant_page(
            &p,
            &ctx,
            &subject,
            StatusCode::UNPROCESSABLE_ENTITY,
            &v,
            &errors,
        )
        .await;
    }
    web::see_other(
        &ctx,
        &format!("/me/{}/consents?done=granted", web::encode(&subject)),
        &[],
    )
}

const ONE: &str = "query($id:ID!){node(id:$id){... on Consent{id status purposeText validUntil agency{name} purpose{nameZh nameEn} subject{id view} receipt{json signature keyId algorithm}}}}";

/// The first of the two clicks: what revoking changes, and the button.
pub async fn revoke_form(State(p): State<Portal>, ctx: Ctx, Path(id): Path<String>) -> Response {
    if !ctx.signed_in() {
        return web::to_sign_in(&ctx);
    }
    let lang = ctx.lang;
    let g = gql::run(&p, &ctx, ONE, json!({ "id": id })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let c = g.at("/node").clone();
    if c.is_null() || s(c.get("subject").unwrap_or(&Value::Null), "view") != "OWN" {
        return web::not_found(&ctx);
    }
    let agency = s(c.get("agency").unwrap_or(&Value::Null), "name").to_string();
    let purpose = pick(lang, c.get("purpose").unwrap_or(&Value::Null)).to_string();
    let action = format!("/consents/{}/revoke", web::encode(&id));
    let body = view! {
        <h1>{t(lang, "consent.revoke.title")}</h1>
        <p class="lead">{agency} " — " {purpose}</p>
        <ul>
            <li>{t(lang, "consent.revoke.effect1")}</li>
            <li>{t(lang, "consent.revoke.effect2")}</li>
            <li>{t(lang, "consent.revoke.effect3")}</li>
        </ul>
        {confirm_form(&ctx, action, "consent.revoke.confirm", "/me".into())}
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "consent.revoke.title"), body)
}

/// Runs one consent mutation and goes back to the subject's consents.
async fn act(
    p: &Portal,
    ctx: &Ctx,
    form: &Form,
    id: &str,
    field: &str,
    input: Value,
    done: &str,
) -> Response {
    if !ctx.csrf_ok(form) {
        return web::csrf_rejected(ctx);
    }
    let q = format!(
        "mutation($i:{}){{{field}(input:$i){{consent{{id subject{{id}}}} userErrors{{field code message}}}}}}",
        if field == "renewConsent" {
            "RenewConsentInput!"
        } else {
            "ConsentIdInput!"
        }
    );
    let g = gql::run(p, ctx, &q, json!({ "i": input })).await;
    if !g.ok() {
        return gql::failure(ctx, &g);
    }
    let errs = gql::user_errors(g.at(&format!("/{field}/userErrors")));
    if let Some(e) = errs.first() {
        if e.code == "CONSENT_NOT_FOUND" {
            return web::not_found(ctx);
        }
        return failed(ctx, explain(ctx.lang, e), "/me", "dash.title");
    }
    let sid = s(g.at(&format!("/{field}/consent/subject")), "id").to_string();
    let _ = id;
    if sid.is_empty() {
        return web::see_other(ctx, &format!("/me?done={done}"), &[]);
    }
    web::see_other(
        ctx,
        &format!("/me/{}/consents?done={done}", web::encode(&sid)),
        &[],
    )
}

pub async fn revoke(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    act(
        &p,
        &ctx,
        &form,
        &id,
        "revokeConsent",
        json!({ "id": id }),
        "revoked",
    )
    .await
}

pub async fn approve(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    act(
        &p,
        &ctx,
        &form,
        &id,
        "approveConsent",
        json!({ "id": id }),
        "approved",
    )
    .await
}

pub async fn deny(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    act(
        &p,
        &ctx,
        &form,
        &id,
        "denyConsent",
        json!({ "id": id }),
        "denied",
    )
    .await
}

/// Renews for the default period (one year from now, rule consent.default_validity).
pub async fn renew(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    act(
        &p,
        &ctx,
        &form,
        &id,
        "renewConsent",
        json!({ "id": id }),
        "renewed",
    )
    .await
}

/// The signed receipt as a JSON file (verifiable offline, docs/consent.md).
pub async fn receipt(State(p): State<Portal>, ctx: Ctx, Path(id): Path<String>) -> Response {
    if !ctx.signed_in() {
        return web::to_sign_in(&ctx);
    }
    let g = gql::run(&p, &ctx, ONE, json!({ "id": id })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let c = g.at("/node");
    let r = c.get("receipt").cloned().unwrap_or(Value::Null);
    if r.is_null() || s(c.get("subject").unwrap_or(&Value::Null), "view") != "OWN" {
        return web::not_found(&ctx);
    }
    let body = serde_json::to_string_pretty(&r).unwrap_or_default();
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"consent-receipt.json\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
