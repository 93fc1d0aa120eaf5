//! Credit repair (信用修复): the application form, with the credit
//! commitment letter the applicant accepts and proof of fulfilment
//! uploaded, and the application's own page (status, clock, timeline).

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use leptos::prelude::*;
use serde_json::{Value, json};

use super::cases::{evidence, progress};
use super::complaints::{self, About, Draft};
use super::{
    Done, done_key, error_summary, explain, field_error, files_field, notice, text_field,
    textarea_field,
};
use crate::Portal;
use crate::backend::UploadFile;
use crate::gql::{self, s};
use crate::i18n::{Lang, t};
use crate::web::{self, Ctx, Form, page};

/// The record and the commitment letter generated for it today: the
/// applicant accepts exactly this text (its SHA-256 goes back with the
/// application, so a letter changed meanwhile is refused).
const FORM_DATA: &str = "query($id:ID!){node(id:$id){... on CreditRecord{id view title status repairEligibility{status eligibleFrom reasonZh reasonEn}}} repairCommitmentLetter(record:$id){text sha256}}";

#[derive(Default)]
struct RepairValues {
    accepted: bool,
    accepted_by: String,
    statement: String,
}

/// Most proof files one application takes, and the size of each (the
/// platform's own limits).
const MAX_FILES: usize = 5;
const MAX_FILE: usize = 1024 * 1024;

async fn form_page(
    p: &Portal,
    ctx: &Ctx,
    record: &str,
    status: StatusCode,
    v: &RepairValues,
    errors: &[(String, String)],
) -> Response {
    let lang = ctx.lang;
    let g = gql::run(p, ctx, FORM_DATA, json!({ "id": record })).await;
    let r = g.at("/node").clone();
    if matches!(
        g.code(),
        Some("UNAUTHENTICATED" | "RATE_LIMITED" | "INTERNAL")
    ) {
        return gql::failure(ctx, &g);
    }
    // Not yours, not there, or not a record: the same "not found".
    if s(&r, "view") != "OWN" {
        return web::not_found(ctx);
    }
    let back = format!("/records/{}", web::encode(record));
    let eligibility = r.get("repairEligibility").cloned().unwrap_or(Value::Null);
    let letter = g.at("/repairCommitmentLetter").clone();
    // The letter is only generated for a record that can be repaired now;
    // otherwise say why, in the platform's words.
    if s(&eligibility, "status") != "ELIGIBLE" || letter.is_null() {
        let reason = match lang {
            Lang::Zh => s(&eligibility, "reasonZh"),
            Lang::En => s(&eligibility, "reasonEn"),
        };
        let reason = if reason.is_empty() {
            t(lang, "repair.not_now").to_string()
        } else {
            reason.to_string()
        };
        let body = view! {
            <p class="caption"><a href=back>{s(&r, "title").to_string()}</a></p>
            <h1>{t(lang, "repair.title")}</h1>
            <p>{reason}</p>
            <p><a href="/help/repair">{t(lang, "help.repair.title")}</a></p>
        }
        .into_any();
        return page(
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            t(lang, "repair.title"),
            body,
        );
    }
    let letter_paras = s(&letter, "text")
        .split('\n')
        .filter(|l| !l.trim().is_empty())
        .map(|l| view! { <p>{l.to_string()}</p> })
        .collect_view();
    let err = |f: &str| {
        field_error(errors, f).map(|e| view! { <p class="error" id=format!("{f}-error")>{e}</p> })
    };
    let group = |f: &str| {
        if field_error(errors, f).is_some() {
            "field field-error"
        } else {
            "field"
        }
    };
    let action = format!("/records/{}/repair", web::encode(record));
    let body = view! {
        <p class="caption"><a href=back>{s(&r, "title").to_string()}</a></p>
        <h1>{t(lang, "repair.title")}</h1>
        <p class="lead">{t(lang, "repair.lead")}</p>
        {error_summary(lang, errors)}
        <h2 id="letter-title">{t(lang, "repair.letter")}</h2>
        <div class="letter" role="document" aria-labelledby="letter-title">{letter_paras}</div>
        <form method="post" action=action enctype="multipart/form-data" novalidate>
            <input type="hidden" name="csrf" value=ctx.csrf()/>
            <input type="hidden" name="commitment" value=s(&letter, "sha256").to_string()/>
            <div class=group("accept") id="accept-group">
                {err("accept")}
                <div class="choice">
                    <input type="checkbox" id="accept" name="accept" value="true" checked=v.accepted/>
                    <label for="accept">{t(lang, "repair.field.accept")}</label>
                </div>
            </div>
            {text_field(lang, "acceptedBy", "repair.field.accepted_by", Some("repair.field.accepted_by.hint"), "text", &v.accepted_by, errors, "name")}
            {textarea_field(lang, "statement".into(), "repair.field.statement", "repair.field.statement.hint", &v.statement, errors, 5)}
            {files_field(lang, "proofs", "repair.field.proofs", "repair.field.proofs.hint", errors)}
            <button type="submit">{t(lang, "repair.button")}</button>
        </form>
    }
    .into_any();
    page(ctx, status, t(lang, "repair.title"), body)
}

pub async fn repair_form(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(record): Path<String>,
) -> Response {
    if !ctx.signed_in() {
        return web::to_sign_in(&ctx);
    }
    form_page(
        &p,
        &ctx,
        &record,
        StatusCode::OK,
        &RepairValues::default(),
        &[],
    )
    .await
}

const APPLY: &str = "mutation($i:ApplyForRepairInput!){applyForRepair(input:$i){application{id} userErrors{field code message}}}";

pub async fn apply(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(record): Path<String>,
    mut mp: Multipart,
) -> Response {
    let lang = ctx.lang;
    let mut v = RepairValues::default();
    let mut commitment = String::new();
    let mut csrf = String::new();
    let mut files: Vec<(String, Option<String>, Vec<u8>)> = Vec::new();
    let mut errors: Vec<(String, String)> = Vec::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                errors.push(("proofs".into(), t(lang, "objection.err.upload").into()));
                break;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "proofs" {
            let filename = field.file_name().unwrap_or("proof").to_string();
            let ct = field.content_type().map(str::to_string);
            match field.bytes().await {
                // An empty file input posts one empty part: nothing chosen.
                Ok(b) if b.is_empty() => {}
                Ok(b) if b.len() > MAX_FILE => {
                    errors.push(("proofs".into(), t(lang, "objection.err.too_big").into()))
                }
                Ok(b) => files.push((filename, ct, b.to_vec())),
                Err(_) => errors.push(("proofs".into(), t(lang, "objection.err.upload").into())),
            }
            continue;
        }
        let text = field.text().await.unwrap_or_default();
        match name.as_str() {
            "csrf" => csrf = text,
            "commitment" => commitment = text,
            "accept" => v.accepted = text == "true",
            "acceptedBy" => v.accepted_by = text.trim().to_string(),
            "statement" => v.statement = text,
            _ => {}
        }
    }
    if !ctx.csrf_ok(&Form(vec![("csrf".into(), csrf)])) {
        return web::csrf_rejected(&ctx);
    }
    if !v.accepted {
        errors.push(("accept".into(), t(lang, "repair.err.accept").into()));
    }
    if v.accepted_by.is_empty() {
        errors.push((
            "acceptedBy".into(),
            t(lang, "repair.err.accepted_by").into(),
        ));
    }
    if files.is_empty() && !errors.iter().any(|(f, _)| f == "proofs") {
        errors.push(("proofs".into(), t(lang, "repair.err.proofs").into()));
    }
    if files.len() > MAX_FILES {
        errors.push(("proofs".into(), t(lang, "objection.err.too_many").into()));
    }
    if !errors.is_empty() {
        return form_page(
            &p,
            &ctx,
            &record,
            StatusCode::UNPROCESSABLE_ENTITY,
            &v,
            &errors,
        )
        .await;
    }
    let placeholders: Vec<Value> = files.iter().map(|_| Value::Null).collect();
    let uploads = files
        .into_iter()
        .enumerate()
        .map(|(i, (filename, content_type, bytes))| UploadFile {
            var_path: format!("variables.i.proofs.{i}"),
            filename,
            content_type,
            bytes,
        })
        .collect();
    let mut input = json!({
        "record": record,
        "commitmentSha256": commitment,
        "acceptedBy": v.accepted_by,
        "proofs": placeholders,
    });
    if !v.statement.trim().is_empty() {
        input["statement"] = json!(v.statement.trim());
    }
    let g = gql::run_with_files(&p, &ctx, APPLY, json!({ "i": input }), uploads).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let errs = gql::user_errors(g.at("/applyForRepair/userErrors"));
    if !errs.is_empty() {
        let errors: Vec<(String, String)> = errs
            .iter()
            .map(|e| {
                let field = match e.field.as_str() {
                    "acceptedBy" => "acceptedBy",
                    "statement" => "statement",
                    "commitmentSha256" => "accept",
                    f if f == "proofs" || f.chars().all(|c| c.is_ascii_digit()) => "proofs",
                    _ => "accept",
                };
                let msg = match e.code.as_str() {
                    "COMMITMENT_MISMATCH" => t(lang, "repair.err.letter_changed").to_string(),
                    "PROOF_REQUIRED" => t(lang, "repair.err.proofs").to_string(),
                    "ACCEPTED_BY_REQUIRED" => t(lang, "repair.err.accepted_by").to_string(),
                    "REPAIR_ALREADY_OPEN" => t(lang, "repair.err.open").to_string(),
                    "REPAIR_NOT_ELIGIBLE" => t(lang, "repair.not_now").to_string(),
                    _ => explain(lang, e),
                };
                (field.to_string(), msg)
            })
            .collect();
        return form_page(
            &p,
            &ctx,
            &record,
            StatusCode::UNPROCESSABLE_ENTITY,
            &v,
            &errors,
        )
        .await;
    }
    let id = s(g.at("/applyForRepair/application"), "id").to_string();
    web::see_other(
        &ctx,
        &format!("/repairs/{}?done=filed", web::encode(&id)),
        &[],
    )
}

const APPLICATION: &str = "query($id:ID!){viewer{account{role}} repairApplication(id:$id){id status outcome statement commitmentSha256 commitmentAcceptedBy commitmentAcceptedAt decisionReason receivedAt decidedAt record{id title} deadlines{milestone dueOn ruleSource status overdue countdownEn countdownZh provisional} timeline{event actorKind occurredAt note} evidence{fileName mediaType sizeBytes sha256}}}";

fn repair_status(lang: Lang, st: &str, outcome: &str) -> String {
    let base = match st {
        "RECEIVED" => t(lang, "case.status.received"),
        "DECIDED" => t(lang, "case.status.decided"),
        "WITHDRAWN" => t(lang, "case.status.withdrawn"),
        _ => t(lang, "status.unknown"),
    };
    let out = match outcome {
        "APPROVED" => t(lang, "repair.outcome.approved"),
        "REJECTED" => t(lang, "repair.outcome.rejected"),
        _ => "",
    };
    if out.is_empty() {
        base.to_string()
    } else {
        format!("{base}{}{out}", t(lang, "punct.colon"))
    }
}

/// A repair application's page, for its parties (anyone else: not found).
pub async fn application_page(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(d): Query<Done>,
) -> Response {
    let note = done_key(&d.done, &[("filed", "repair.done.filed")]);
    render_application(&p, &ctx, &id, StatusCode::OK, note, &Draft::default()).await
}

/// A complaint about this application, posted from its page.
pub async fn complain(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    match complaints::file(&p, &ctx, &id, &form).await {
        Ok(r) => r,
        Err(draft) => {
            render_application(
                &p,
                &ctx,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                &draft,
            )
            .await
        }
    }
}

async fn render_application(
    p: &Portal,
    ctx: &Ctx,
    id: &str,
    status: StatusCode,
    note: Option<&'static str>,
    draft: &Draft,
) -> Response {
    let lang = ctx.lang;
    let (g, c) = match gql::signed_in_read(
        p,
        ctx,
        APPLICATION,
        json!({ "id": id }),
        "/repairApplication",
    )
    .await
    {
        Ok(read) => read,
        Err(page) => return page,
    };
    let rec = c.get("record").cloned().unwrap_or(Value::Null);
    // A rejected application may be complained about (subject users only).
    let complaint = if s(g.at("/viewer/account"), "role") == "SUBJECT_USER" {
        let eligible = s(&c, "status") == "DECIDED" && s(&c, "outcome") == "REJECTED";
        complaints::section(p, ctx, id, About::Repair, eligible, draft).await
    } else {
        ().into_any()
    };
    let reason = s(&c, "decisionReason").to_string();
    let accepted = format!(
        "{} · {}",
        s(&c, "commitmentAcceptedBy"),
        web::datetime_str(lang, s(&c, "commitmentAcceptedAt"))
    );
    let body = view! {
        <p class="caption"><a href="/me">{t(lang, "dash.title")}</a></p>
        <h1>{t(lang, "repair.application")}</h1>
        {notice(lang, note)}
        <dl class="facts">
            <dt>{t(lang, "case.record")}</dt><dd><a href=format!("/records/{}", web::encode(s(&rec, "id")))>{s(&rec, "title").to_string()}</a></dd>
            <dt>{t(lang, "col.status")}</dt><dd><strong>{repair_status(lang, s(&c, "status"), s(&c, "outcome"))}</strong></dd>
            <dt>{t(lang, "repair.accepted")}</dt><dd>{accepted}<br/><span class="meta mono">{format!("SHA-256 {}", s(&c, "commitmentSha256"))}</span></dd>
            {(!s(&c, "statement").is_empty()).then(|| view! { <dt>{t(lang, "repair.field.statement")}</dt><dd>{s(&c, "statement").to_string()}</dd> })}
            <dt>{t(lang, "case.received")}</dt><dd>{web::datetime_str(lang, s(&c, "receivedAt"))}</dd>
            {(!reason.is_empty()).then(|| view! { <dt>{t(lang, "case.outcome_reason")}</dt><dd>{reason.clone()}</dd> })}
        </dl>
        {progress(lang, &c)}
        <h2>{t(lang, "repair.proofs")}</h2>
        {evidence(lang, &c)}
        {complaint}
    }
    .into_any();
    page(ctx, status, t(lang, "repair.application"), body)
}
