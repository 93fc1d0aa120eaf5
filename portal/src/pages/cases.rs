//! Objections: the form (with evidence upload), the case page with its
//! timeline and statutory clocks, withdrawal; and the staff side: the
//! queue item's case page with the first-check and decision forms.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use leptos::prelude::*;
use serde_json::{Value, json};

use super::complaints::{self, About, Draft};
use super::{
    Done, done_key, error_summary, explain, field_error, files_field, notice, post_button,
    textarea_field,
};
use crate::Portal;
use crate::backend::UploadFile;
use crate::gql::{self, list, s};
use crate::i18n::{Lang, t};
use crate::web::{self, Ctx, Form, page};

/// The grounds of an objection (the API's `ObjectionReason`).
pub const REASONS: [&str; 8] = [
    "FACTUAL_ERROR",
    "OMISSION",
    "DUPLICATE",
    "SHOULD_NOT_BE_PUBLIC",
    "PAST_PUBLICATION_PERIOD",
    "WRONGLY_LISTED",
    "MISMATCH_WITH_AUTHORITY",
    "OTHER_UNLAWFUL",
];

fn reason_text(lang: Lang, r: &str) -> &'static str {
    match r.to_ascii_uppercase().as_str() {
        "FACTUAL_ERROR" => t(lang, "reason.factual_error"),
        "OMISSION" => t(lang, "reason.omission"),
        "DUPLICATE" => t(lang, "reason.duplicate"),
        "SHOULD_NOT_BE_PUBLIC" => t(lang, "reason.should_not_be_public"),
        "PAST_PUBLICATION_PERIOD" => t(lang, "reason.past_publication_period"),
        "WRONGLY_LISTED" => t(lang, "reason.wrongly_listed"),
        "MISMATCH_WITH_AUTHORITY" => t(lang, "reason.mismatch_with_authority"),
        "OTHER_UNLAWFUL" => t(lang, "reason.other_unlawful"),
        _ => t(lang, "status.unknown"),
    }
}

const RECORD_TITLE: &str =
    "query($id:ID!){node(id:$id){... on CreditRecord{id view title status}}}";

#[derive(Default)]
struct ObjectionValues {
    reason: String,
    statement: String,
}

async fn objection_form_page(
    p: &Portal,
    ctx: &Ctx,
    record: &str,
    status: StatusCode,
    v: &ObjectionValues,
    errors: &[(String, String)],
) -> Response {
    let lang = ctx.lang;
    let g = gql::run(p, ctx, RECORD_TITLE, json!({ "id": record })).await;
    if !g.ok() {
        return gql::failure(ctx, &g);
    }
    let r = g.at("/node").clone();
    if s(&r, "view") != "OWN" {
        return web::not_found(ctx);
    }
    let reasons = REASONS
        .iter()
        .map(|code| {
            let id = format!("reason-{code}");
            let checked = v.reason == *code;
            view! {
                <div class="choice">
                    <input type="radio" id=id.clone() name="reason" value=*code checked=checked/>
                    <label for=id>{reason_text(lang, code)}</label>
                </div>
            }
        })
        .collect_view();
    let err = |f: &str| {
        field_error(errors, f).map(|e| view! { <p class="error" id=format!("{f}-error")>{e}</p> })
    };
    let action = format!("/records/{}/object", web::encode(record));
    let back = format!("/records/{}", web::encode(record));
    let body = view! {
        <p class="caption"><a href=back>{s(&r, "title").to_string()}</a></p>
        <h1>{t(lang, "objection.title")}</h1>
        <p class="lead">{t(lang, "objection.lead")}</p>
        {error_summary(lang, errors)}
        <form method="post" action=action enctype="multipart/form-data" novalidate>
            <input type="hidden" name="csrf" value=ctx.csrf()/>
            <fieldset class="field" id="reason">
                <legend>{t(lang, "objection.field.reason")}</legend>
                {err("reason")}
                {reasons}
            </fieldset>
            {textarea_field(lang, "statement".into(), "objection.field.statement", "objection.field.statement.hint", &v.statement, errors, 6)}
            {files_field(lang, "evidence", "objection.field.evidence", "objection.field.evidence.hint", errors)}
            <button type="submit">{t(lang, "objection.button")}</button>
        </form>
    }
    .into_any();
    page(ctx, status, t(lang, "objection.title"), body)
}

pub async fn objection_form(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(record): Path<String>,
) -> Response {
    if !ctx.signed_in() {
        return web::to_sign_in(&ctx);
    }
    objection_form_page(
        &p,
        &ctx,
        &record,
        StatusCode::OK,
        &ObjectionValues::default(),
        &[],
    )
    .await
}

const FILE: &str = "mutation($i:FileObjectionInput!){fileObjection(input:$i){objection{id} userErrors{field code message}}}";

/// Largest evidence file the form takes (the platform's own limit, 1 MiB).
const MAX_FILE: usize = 1024 * 1024;

pub async fn file_objection(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(record): Path<String>,
    mut mp: Multipart,
) -> Response {
    let lang = ctx.lang;
    let mut v = ObjectionValues::default();
    let mut files: Vec<(String, Option<String>, Vec<u8>)> = Vec::new();
    let mut csrf = String::new();
    let mut errors: Vec<(String, String)> = Vec::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                errors.push(("evidence".into(), t(lang, "objection.err.upload").into()));
                break;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "evidence" => {
                let filename = field.file_name().unwrap_or("evidence").to_string();
                let ct = field.content_type().map(str::to_string);
                match field.bytes().await {
                    // An empty file input posts one empty part: nothing chosen.
                    Ok(b) if b.is_empty() => {}
                    Ok(b) if b.len() > MAX_FILE => {
                        errors.push(("evidence".into(), t(lang, "objection.err.too_big").into()))
                    }
                    Ok(b) => files.push((filename, ct, b.to_vec())),
                    Err(_) => {
                        errors.push(("evidence".into(), t(lang, "objection.err.upload").into()))
                    }
                }
            }
            other => {
                let text = field.text().await.unwrap_or_default();
                match other {
                    "csrf" => csrf = text,
                    "reason" => v.reason = text,
                    "statement" => v.statement = text,
                    _ => {}
                }
            }
        }
    }
    let form = Form(vec![("csrf".into(), csrf)]);
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    if !REASONS.contains(&v.reason.as_str()) {
        errors.push(("reason".into(), t(lang, "objection.err.reason").into()));
    }
    if v.statement.trim().is_empty() {
        errors.push((
            "statement".into(),
            t(lang, "objection.err.statement").into(),
        ));
    }
    if files.len() > 5 {
        errors.push(("evidence".into(), t(lang, "objection.err.too_many").into()));
    }
    if !errors.is_empty() {
        return objection_form_page(
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
            var_path: format!("variables.i.evidence.{i}"),
            filename,
            content_type,
            bytes,
        })
        .collect();
    let vars = json!({ "i": {
        "record": record,
        "reason": v.reason,
        "statement": v.statement.trim(),
        "evidence": placeholders,
    }});
    let g = gql::run_with_files(&p, &ctx, FILE, vars, uploads).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let errs = gql::user_errors(g.at("/fileObjection/userErrors"));
    if !errs.is_empty() {
        let errors: Vec<(String, String)> = errs
            .iter()
            .map(|e| {
                let field = match e.field.as_str() {
                    "statement" => "statement",
                    "reason" => "reason",
                    f if f == "evidence" || f.chars().all(|c| c.is_ascii_digit()) => "evidence",
                    _ => "statement",
                };
                (field.to_string(), explain(lang, e))
            })
            .collect();
        return objection_form_page(
            &p,
            &ctx,
            &record,
            StatusCode::UNPROCESSABLE_ENTITY,
            &v,
            &errors,
        )
        .await;
    }
    let id = s(g.at("/fileObjection/objection"), "id").to_string();
    web::see_other(
        &ctx,
        &format!("/cases/{}?done=filed", web::encode(&id)),
        &[],
    )
}

const CASE: &str = "query($id:ID!){viewer{account{role}} objection(id:$id){id reason statement status outcome outcomeReason receivedAt decidedAt record{id title status} deadlines{milestone dueOn ruleSource status overdue countdownEn countdownZh provisional} timeline{event actorKind occurredAt note} evidence{fileName mediaType sizeBytes sha256}}}";

fn case_status(lang: Lang, st: &str, outcome: &str) -> String {
    let base = match st {
        "RECEIVED" => t(lang, "case.status.received"),
        "REFERRED" => t(lang, "case.status.referred"),
        "DECIDED" => t(lang, "case.status.decided"),
        "WITHDRAWN" => t(lang, "case.status.withdrawn"),
        _ => t(lang, "status.unknown"),
    };
    let out = match outcome {
        "CORRECTED" => t(lang, "case.outcome.corrected"),
        "DELETED_UNVERIFIABLE" => t(lang, "case.outcome.deleted"),
        "UPHELD" => t(lang, "case.outcome.upheld"),
        "WITHDRAWN_PROVIDER_SILENT" => t(lang, "case.outcome.silent"),
        "PLATFORM_CORRECTED" => t(lang, "case.outcome.platform"),
        _ => "",
    };
    if out.is_empty() {
        base.to_string()
    } else {
        format!("{base}{}{out}", t(lang, "punct.colon"))
    }
}

pub fn milestone(lang: Lang, m: &str) -> &'static str {
    match m {
        "first_check" => t(lang, "milestone.first_check"),
        "own_error_notify" => t(lang, "milestone.own_error_notify"),
        "provider_verification" => t(lang, "milestone.provider_verification"),
        "applicant_notify" => t(lang, "milestone.applicant_notify"),
        "repair_decision" => t(lang, "milestone.repair_decision"),
        "complaint_handling" => t(lang, "milestone.complaint_handling"),
        _ => t(lang, "status.unknown"),
    }
}

fn event_text(lang: Lang, e: &str) -> String {
    let key = match e {
        "received" => "event.received",
        "record_withheld" => "event.record_withheld",
        "referred" => "event.referred",
        "upheld" => "event.upheld",
        "corrected_by_department" => "event.corrected",
        "corrected_by_platform" | "platform_corrected" => "event.platform_corrected",
        "deleted_unverifiable" => "event.deleted",
        "withdrawn_provider_silent" => "event.silent",
        "applicant_notified" => "event.applicant_notified",
        "withdrawn" => "event.withdrawn",
        "evidence_added" => "event.evidence_added",
        "reminder_sent" => "event.reminder_sent",
        "escalated" => "event.escalated",
        "commitment_accepted" => "event.commitment_accepted",
        "approved" => "event.approved",
        "rejected" => "event.rejected",
        "record_withdrawn" => "event.record_withdrawn",
        "founded" => "event.founded",
        "unfounded" => "event.unfounded",
        _ => "",
    };
    if key.is_empty() {
        e.replace('_', " ")
    } else {
        t(lang, key).to_string()
    }
}

/// The deadlines as a list: milestone, last day, countdown (words, not
/// colour alone), and the rule's legal source.
pub fn clocks(lang: Lang, case: &Value) -> AnyView {
    let items = list(case, "/deadlines")
        .iter()
        .map(|d| {
            let overdue = d.get("overdue").and_then(Value::as_bool) == Some(true);
            let open = s(d, "status") == "OPEN";
            let count = match lang {
                Lang::Zh => s(d, "countdownZh"),
                Lang::En => s(d, "countdownEn"),
            }
            .to_string();
            let state = match s(d, "status") {
                "MET" => t(lang, "deadline.met").to_string(),
                "MISSED" => t(lang, "deadline.missed").to_string(),
                "CANCELLED" => t(lang, "deadline.cancelled").to_string(),
                _ => count,
            };
            let class = if overdue && open { "overdue" } else { "" };
            view! {
                <li class=class>
                    <strong>{milestone(lang, s(d, "milestone"))}</strong> " · "
                    {t(lang, "deadline.by")} " " {web::date_str(lang, s(d, "dueOn"))} " · " {state}
                    <br/><span class="meta">{s(d, "ruleSource").to_string()}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="clocks">{items}</ul> }.into_any()
}

pub fn timeline(lang: Lang, case: &Value) -> AnyView {
    let items = list(case, "/timeline")
        .iter()
        .map(|e| {
            view! {
                <li>
                    {web::datetime_str(lang, s(e, "occurredAt"))} " — " <strong>{event_text(lang, s(e, "event"))}</strong>
                    {(!s(e, "note").is_empty()).then(|| format!(" — {}", s(e, "note")))}
                </li>
            }
        })
        .collect_view();
    view! { <ol class="timeline">{items}</ol> }.into_any()
}

/// A case's statutory clocks and its timeline, under their headings: the
/// same on objection, repair application and complaint pages.
pub fn progress(lang: Lang, case: &Value) -> AnyView {
    view! {
        <h2>{t(lang, "case.clocks")}</h2>
        {clocks(lang, case)}
        <h2>{t(lang, "case.timeline")}</h2>
        {timeline(lang, case)}
    }
    .into_any()
}

pub fn evidence(lang: Lang, case: &Value) -> AnyView {
    let files = list(case, "/evidence");
    if files.is_empty() {
        return view! { <p>{t(lang, "case.no_evidence")}</p> }.into_any();
    }
    let items = files
        .iter()
        .map(|f| {
            let kb = f.get("sizeBytes").and_then(Value::as_i64).unwrap_or(0).max(0).saturating_add(1023) / 1024;
            view! {
                <li>{s(f, "fileName").to_string()} " (" {s(f, "mediaType").to_string()} ", " {kb} " KB)"
                <br/><span class="meta mono">{format!("SHA-256 {}", s(f, "sha256"))}</span></li>
            }
        })
        .collect_view();
    view! { <ul>{items}</ul> }.into_any()
}

pub async fn case_page(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(d): Query<Done>,
) -> Response {
    let note = done_key(
        &d.done,
        &[
            ("filed", "case.done.filed"),
            ("withdrawn", "case.done.withdrawn"),
            ("checked", "case.done.checked"),
            ("decided", "case.done.decided"),
        ],
    );
    render_case(&p, &ctx, &id, StatusCode::OK, note, &Draft::default()).await
}

/// A complaint about this objection, posted from its page.
pub async fn complain(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    match complaints::file(&p, &ctx, &id, &form).await {
        Ok(r) => r,
        Err(draft) => {
            render_case(
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

async fn render_case(
    p: &Portal,
    ctx: &Ctx,
    id: &str,
    status: StatusCode,
    note: Option<&'static str>,
    draft: &Draft,
) -> Response {
    let lang = ctx.lang;
    let (g, c) = match gql::signed_in_read(p, ctx, CASE, json!({ "id": id }), "/objection").await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let role = s(g.at("/viewer/account"), "role").to_string();
    let st = s(&c, "status").to_string();
    let rec = c.get("record").cloned().unwrap_or(Value::Null);
    let csrf = ctx.csrf();
    let enc = web::encode(id);
    // A decision that kept the record may be complained about.
    let complaint = if role == "SUBJECT_USER" {
        let eligible = st == "DECIDED" && s(&c, "outcome") == "UPHELD";
        complaints::section(p, ctx, id, About::Objection, eligible, draft).await
    } else {
        ().into_any()
    };
    let open = st == "RECEIVED" || st == "REFERRED";
    let actions = match role.as_str() {
        "SUBJECT_USER" if open => view! {
            <h2>{t(lang, "case.withdraw.title")}</h2>
            <p>{t(lang, "case.withdraw.text")}</p>
            <form method="post" action=format!("/cases/{enc}/withdraw")>
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <button type="submit" class="secondary">{t(lang, "case.withdraw.button")}</button>
            </form>
        }
        .into_any(),
        "OPERATOR" if st == "RECEIVED" => view! {
            <h2>{t(lang, "case.check.title")}</h2>
            <form method="post" action=format!("/cases/{enc}/check")>
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <fieldset class="field">
                    <legend>{t(lang, "case.check.decision")}</legend>
                    <div class="choice"><input type="radio" id="decision-refer" name="decision" value="REFER" checked=true/><label for="decision-refer">{t(lang, "case.check.refer")}</label></div>
                </fieldset>
                <div class="field">
                    <label for="note">{t(lang, "case.note")}</label>
                    <textarea id="note" name="note" rows="3"></textarea>
                </div>
                <button type="submit">{t(lang, "case.check.button")}</button>
            </form>
        }
        .into_any(),
        "DEPARTMENT_STAFF" if st == "REFERRED" => view! {
            <h2>{t(lang, "case.decide.title")}</h2>
            <form method="post" action=format!("/cases/{enc}/decide")>
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <fieldset class="field">
                    <legend>{t(lang, "case.decide.answer")}</legend>
                    <div class="choice"><input type="radio" id="answer-uphold" name="answer" value="UPHOLD"/><label for="answer-uphold">{t(lang, "case.decide.uphold")}</label></div>
                    <div class="choice"><input type="radio" id="answer-delete" name="answer" value="DELETE_UNVERIFIABLE"/><label for="answer-delete">{t(lang, "case.decide.delete")}</label></div>
                </fieldset>
                <div class="field">
                    <label for="reason">{t(lang, "case.decide.reason")}</label>
                    <p class="hint">{t(lang, "case.decide.reason.hint")}</p>
                    <textarea id="reason" name="reason" rows="4"></textarea>
                </div>
                <button type="submit">{t(lang, "case.decide.button")}</button>
            </form>
        }
        .into_any(),
        _ => ().into_any(),
    };
    let back = if role == "SUBJECT_USER" {
        "/me"
    } else {
        "/staff"
    };
    let record_link = if role == "SUBJECT_USER" {
        view! { <a href=format!("/records/{}", web::encode(s(&rec, "id")))>{s(&rec, "title").to_string()}</a> }.into_any()
    } else {
        view! { <span>{s(&rec, "title").to_string()}</span> }.into_any()
    };
    let outcome_reason = s(&c, "outcomeReason").to_string();
    let body = view! {
        <p class="caption"><a href=back>{if back == "/me" { t(lang, "dash.title") } else { t(lang, "staff.title") }}</a></p>
        <h1>{t(lang, "case.title")}</h1>
        {notice(lang, note)}
        <dl class="facts">
            <dt>{t(lang, "case.record")}</dt><dd>{record_link}</dd>
            <dt>{t(lang, "col.status")}</dt><dd><strong>{case_status(lang, &st, s(&c, "outcome"))}</strong></dd>
            <dt>{t(lang, "objection.field.reason")}</dt><dd>{reason_text(lang, s(&c, "reason"))}</dd>
            <dt>{t(lang, "objection.field.statement")}</dt><dd>{s(&c, "statement").to_string()}</dd>
            <dt>{t(lang, "case.received")}</dt><dd>{web::datetime_str(lang, s(&c, "receivedAt"))}</dd>
            {(!outcome_reason.is_empty()).then(|| view! { <dt>{t(lang, "case.outcome_reason")}</dt><dd>{outcome_reason.clone()}</dd> })}
        </dl>
        {progress(lang, &c)}
        <h2>{t(lang, "case.evidence")}</h2>
        {evidence(lang, &c)}
        {actions}
        {complaint}
    }
    .into_any();
    page(ctx, status, t(lang, "case.title"), body)
}

/// Runs one case mutation and returns to the case page.
#[allow(clippy::too_many_arguments)]
async fn case_act(
    p: &Portal,
    ctx: &Ctx,
    id: &str,
    form: &Form,
    mutation: &str,
    input_type: &str,
    input: Value,
    done: &str,
) -> Response {
    let q = format!(
        "mutation($i:{input_type}!){{{mutation}(input:$i){{objection{{id}} userErrors{{field code message}}}}}}"
    );
    let back = format!("/cases/{}", web::encode(id));
    match post_button(
        p,
        ctx,
        form,
        &q,
        mutation,
        input,
        explain,
        (&back, "case.title"),
    )
    .await
    {
        Ok(()) => web::see_other(ctx, &format!("{back}?done={done}"), &[]),
        Err(r) => r,
    }
}

pub async fn withdraw(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    case_act(
        &p,
        &ctx,
        &id,
        &form,
        "withdrawObjection",
        "WithdrawCaseInput",
        json!({ "id": id }),
        "withdrawn",
    )
    .await
}

pub async fn check(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let note = form.get("note").trim().to_string();
    let mut input = json!({ "objection": id, "decision": "REFER" });
    if !note.is_empty() {
        input["note"] = json!(note);
    }
    case_act(
        &p,
        &ctx,
        &id,
        &form,
        "checkObjection",
        "CheckObjectionInput",
        input,
        "checked",
    )
    .await
}

pub async fn decide(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let answer = match form.get("answer") {
        a @ ("UPHOLD" | "DELETE_UNVERIFIABLE") => a.to_string(),
        _ => String::new(),
    };
    let reason = form.get("reason").trim().to_string();
    if answer.is_empty() || reason.is_empty() {
        if !ctx.csrf_ok(&form) {
            return web::csrf_rejected(&ctx);
        }
        let lang = ctx.lang;
        let back = format!("/cases/{}", web::encode(&id));
        let body = view! {
            <h1>{t(lang, "form.problem")}</h1>
            <p>{t(lang, "case.decide.missing")}</p>
            <p><a href=back>{t(lang, "case.title")}</a></p>
        }
        .into_any();
        return page(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            t(lang, "form.problem"),
            body,
        );
    }
    let input = json!({ "objection": id, "answer": answer, "reason": reason });
    case_act(
        &p,
        &ctx,
        &id,
        &form,
        "decideObjection",
        "DecideObjectionInput",
        input,
        "decided",
    )
    .await
}
