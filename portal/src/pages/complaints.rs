//! Complaints (投诉) to the platform about how an objection or a repair
//! application was handled: the form shown on those cases' pages when the
//! API allows one (an objection upheld against the subject, a rejected
//! repair application), the complaint's own page (statement, the case
//! complained about, status and outcome, clock, timeline), and the
//! operator's answer on that page.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use leptos::prelude::*;
use serde_json::{Value, json};

use super::cases::progress;
use super::{Done, done_key, error_summary, explain, field_error, notice};
use crate::Portal;
use crate::gql::{self, FieldErr, list, s};
use crate::i18n::{Lang, t};
use crate::web::{self, Ctx, Form, page};

/// What the complaint form keeps after a refused submit.
#[derive(Default)]
pub struct Draft {
    pub statement: String,
    pub errors: Vec<(String, String)>,
}

/// The case a complaint may be about.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum About {
    Objection,
    Repair,
}

const MINE: &str =
    "query{myCases{complaints{id status objectionId repairApplicationId receivedAt}}}";

/// The complaint part of an objection's or repair application's page, for
/// the subject's users, once the case went against the subject
/// (`eligible`: when the API takes a complaint): links to the complaints
/// already made about the case, and the form while none is open.
pub async fn section(
    p: &Portal,
    ctx: &Ctx,
    case_id: &str,
    about: About,
    eligible: bool,
    draft: &Draft,
) -> AnyView {
    // Only a case that went against the subject can have complaints.
    if !eligible {
        return ().into_any();
    }
    let lang = ctx.lang;
    let key = match about {
        About::Objection => "objectionId",
        About::Repair => "repairApplicationId",
    };
    let g = gql::run(p, ctx, MINE, json!({})).await;
    let made: Vec<Value> = list(&g.data, "/myCases/complaints")
        .iter()
        .filter(|c| s(c, key) == case_id)
        .cloned()
        .collect();
    let open = made.iter().any(|c| s(c, "status") == "RECEIVED");
    let items = made
        .iter()
        .map(|c| {
            let href = format!("/complaints/{}", web::encode(s(c, "id")));
            view! {
                <li><a href=href>{format!("{} {}", t(lang, "complaint.title"), web::datetime_str(lang, s(c, "receivedAt")))}</a>
                " · " {complaint_status(lang, s(c, "status"), None)}</li>
            }
        })
        .collect_view();
    let action = match about {
        About::Objection => format!("/cases/{}/complain", web::encode(case_id)),
        About::Repair => format!("/repairs/{}/complain", web::encode(case_id)),
    };
    let lead = match about {
        About::Objection => t(lang, "complaint.form.lead.objection"),
        About::Repair => t(lang, "complaint.form.lead.repair"),
    };
    let form = (!open).then(|| {
        let err = field_error(&draft.errors, "statement");
        let group = if err.is_some() {
            "field field-error"
        } else {
            "field"
        };
        let described = if err.is_some() {
            "statement-hint statement-error"
        } else {
            "statement-hint"
        };
        view! {
            <p>{lead}</p>
            {error_summary(lang, &draft.errors)}
            <form method="post" action=action novalidate>
                <input type="hidden" name="csrf" value=ctx.csrf()/>
                <div class=group>
                    <label for="statement">{t(lang, "complaint.field.statement")}</label>
                    <p class="hint" id="statement-hint">{t(lang, "complaint.field.statement.hint")}</p>
                    {err.map(|e| view! { <p class="error" id="statement-error"><span class="visually-hidden">{t(lang, "form.error_prefix")}</span>{e}</p> })}
                    <textarea id="statement" name="statement" rows="5" aria-describedby=described>{draft.statement.clone()}</textarea>
                </div>
                <button type="submit">{t(lang, "complaint.button")}</button>
            </form>
        }
    });
    view! {
        <h2 id="complaint">{t(lang, "complaint.section")}</h2>
        {(!made.is_empty()).then(|| view! { <ul>{items}</ul> })}
        {form}
    }
    .into_any()
}

const FILE: &str = "mutation($i:FileComplaintInput!){fileComplaint(input:$i){complaint{id} userErrors{field code message}}}";

fn file_error(lang: Lang, e: &FieldErr) -> String {
    match e.code.as_str() {
        "STATEMENT_REQUIRED" => t(lang, "complaint.err.statement").to_string(),
        "COMPLAINT_NOT_ALLOWED" => t(lang, "complaint.err.not_allowed").to_string(),
        "COMPLAINT_ALREADY_OPEN" => t(lang, "complaint.err.open").to_string(),
        _ => explain(lang, e),
    }
}

/// Files a complaint about `case_id` (an Objection or RepairApplication id)
/// with the statement of the posted form (its CSRF token checked): the
/// response to send (to the new complaint's page, or a refusal page), or,
/// when refused field by field, the draft to show on the case page again.
pub async fn file(p: &Portal, ctx: &Ctx, case_id: &str, form: &Form) -> Result<Response, Draft> {
    if !ctx.csrf_ok(form) {
        return Ok(web::csrf_rejected(ctx));
    }
    let lang = ctx.lang;
    let statement = form.get("statement").to_string();
    if statement.trim().is_empty() {
        return Err(Draft {
            statement,
            errors: vec![(
                "statement".into(),
                t(lang, "complaint.err.statement").into(),
            )],
        });
    }
    let input = json!({ "case": case_id, "statement": statement.trim() });
    let g = gql::run(p, ctx, FILE, json!({ "i": input })).await;
    if !g.ok() {
        return Ok(gql::failure(ctx, &g));
    }
    let errs = gql::user_errors(g.at("/fileComplaint/userErrors"));
    if errs.iter().any(|e| e.code == "CASE_NOT_FOUND") {
        return Ok(web::not_found(ctx));
    }
    if !errs.is_empty() {
        // The form has one field: every refusal is shown next to it.
        let errors = errs
            .iter()
            .map(|e| ("statement".to_string(), file_error(lang, e)))
            .collect();
        return Err(Draft { statement, errors });
    }
    let id = s(g.at("/fileComplaint/complaint"), "id");
    if id.is_empty() {
        return Ok(web::not_found(ctx));
    }
    Ok(web::see_other(
        ctx,
        &format!("/complaints/{}?done=filed", web::encode(id)),
        &[],
    ))
}

fn complaint_status(lang: Lang, st: &str, founded: Option<bool>) -> String {
    let base = match st {
        "RECEIVED" => t(lang, "complaint.status.received"),
        "DECIDED" => t(lang, "complaint.status.decided"),
        "WITHDRAWN" => t(lang, "case.status.withdrawn"),
        _ => t(lang, "status.unknown"),
    };
    match founded {
        Some(f) => format!(
            "{base}{}{}",
            t(lang, "punct.colon"),
            t(
                lang,
                if f {
                    "complaint.outcome.founded"
                } else {
                    "complaint.outcome.unfounded"
                }
            )
        ),
        None => base.to_string(),
    }
}

const COMPLAINT: &str = "query($id:ID!){viewer{account{role}} complaint(id:$id){id statement status founded outcomeReason receivedAt decidedAt objectionId repairApplicationId deadlines{milestone dueOn ruleSource status overdue countdownEn countdownZh provisional} timeline{event actorKind occurredAt note}}}";

const ABOUT: &str = "query($id:ID!){node(id:$id){... on Objection{id status outcome record{title}} ... on RepairApplication{id status outcome record{title}}}}";

/// What the operator's answer form keeps after a refused submit.
#[derive(Default)]
struct Answer {
    founded: String,
    reason: String,
    errors: Vec<(String, String)>,
}

async fn render(
    p: &Portal,
    ctx: &Ctx,
    id: &str,
    status: StatusCode,
    note: Option<&'static str>,
    answer: &Answer,
) -> Response {
    let lang = ctx.lang;
    let (g, c) =
        match gql::signed_in_read(p, ctx, COMPLAINT, json!({ "id": id }), "/complaint").await {
            Ok(read) => read,
            Err(page) => return page,
        };
    let role = s(g.at("/viewer/account"), "role").to_string();
    let st = s(&c, "status").to_string();
    // The case complained about: shown with a link to its page.
    let (case_id, case_label, case_path) =
        match (s(&c, "objectionId"), s(&c, "repairApplicationId")) {
            (o, _) if !o.is_empty() => (o.to_string(), t(lang, "case.title"), "/cases/"),
            (_, r) => (r.to_string(), t(lang, "repair.application"), "/repairs/"),
        };
    let about = if case_id.is_empty() {
        Value::Null
    } else {
        gql::run(p, ctx, ABOUT, json!({ "id": case_id }))
            .await
            .at("/node")
            .clone()
    };
    let case_title = s(about.get("record").unwrap_or(&Value::Null), "title").to_string();
    let case_link = if about.is_null() {
        view! { <span>{case_label}</span> }.into_any()
    } else {
        let href = format!("{case_path}{}", web::encode(&case_id));
        view! { <a href=href>{format!("{case_label}{}{case_title}", t(lang, "punct.colon"))}</a> }
            .into_any()
    };
    let reason = s(&c, "outcomeReason").to_string();
    let decided_at = s(&c, "decidedAt").to_string();
    let form = (role == "OPERATOR" && st == "RECEIVED").then(|| {
        let errors = &answer.errors;
        let err = |f: &str| {
            field_error(errors, f).map(|e| {
                view! { <p class="error" id=format!("{f}-error")><span class="visually-hidden">{t(lang, "form.error_prefix")}</span>{e}</p> }
            })
        };
        let group = |f: &str, base: &'static str| {
            if field_error(errors, f).is_some() {
                format!("{base} field-error")
            } else {
                base.to_string()
            }
        };
        let action = format!("/complaints/{}/decide", web::encode(id));
        view! {
            <h2 id="answer">{t(lang, "complaint.decide.title")}</h2>
            <form method="post" action=action novalidate>
                <input type="hidden" name="csrf" value=ctx.csrf()/>
                <fieldset class=group("founded", "field") id="founded">
                    <legend>{t(lang, "complaint.decide.founded")}</legend>
                    {err("founded")}
                    <div class="choice"><input type="radio" id="founded-yes" name="founded" value="yes" checked=answer.founded == "yes"/><label for="founded-yes">{t(lang, "complaint.outcome.founded")}</label></div>
                    <div class="choice"><input type="radio" id="founded-no" name="founded" value="no" checked=answer.founded == "no"/><label for="founded-no">{t(lang, "complaint.outcome.unfounded")}</label></div>
                </fieldset>
                <div class=group("reason", "field")>
                    <label for="reason">{t(lang, "case.decide.reason")}</label>
                    <p class="hint" id="reason-hint">{t(lang, "case.decide.reason.hint")}</p>
                    {err("reason")}
                    <textarea id="reason" name="reason" rows="4" aria-describedby="reason-hint">{answer.reason.clone()}</textarea>
                </div>
                <button type="submit">{t(lang, "complaint.decide.button")}</button>
            </form>
        }
    });
    let (back, back_text) = if role == "SUBJECT_USER" {
        ("/me", t(lang, "dash.title"))
    } else {
        ("/staff", t(lang, "staff.title"))
    };
    let body = view! {
        <p class="caption"><a href=back>{back_text}</a></p>
        <h1>{t(lang, "complaint.title")}</h1>
        {notice(lang, note)}
        {error_summary(lang, &answer.errors)}
        <dl class="facts">
            <dt>{t(lang, "complaint.about")}</dt><dd>{case_link}</dd>
            <dt>{t(lang, "col.status")}</dt><dd><strong>{complaint_status(lang, &st, c.get("founded").and_then(Value::as_bool))}</strong></dd>
            <dt>{t(lang, "complaint.field.statement")}</dt><dd>{s(&c, "statement").to_string()}</dd>
            <dt>{t(lang, "case.received")}</dt><dd>{web::datetime_str(lang, s(&c, "receivedAt"))}</dd>
            {(!decided_at.is_empty()).then(|| view! { <dt>{t(lang, "complaint.decided")}</dt><dd>{web::datetime_str(lang, &decided_at)}</dd> })}
            {(!reason.is_empty()).then(|| view! { <dt>{t(lang, "case.outcome_reason")}</dt><dd>{reason.clone()}</dd> })}
        </dl>
        {progress(lang, &c)}
        {form}
    }
    .into_any();
    page(ctx, status, t(lang, "complaint.title"), body)
}

/// A complaint's page, for the complainant's users and operators (anyone
/// else: not found).
pub async fn complaint_page(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(d): Query<Done>,
) -> Response {
    let note = done_key(
        &d.done,
        &[
            ("filed", "complaint.done.filed"),
            ("decided", "complaint.done.decided"),
        ],
    );
    render(&p, &ctx, &id, StatusCode::OK, note, &Answer::default()).await
}

const DECIDE: &str = "mutation($i:DecideComplaintInput!){decideComplaint(input:$i){complaint{id} userErrors{field code message}}}";

/// The operator's answer: founded or not, and the reasons (both required).
pub async fn decide(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    let lang = ctx.lang;
    let mut answer = Answer {
        founded: match form.get("founded") {
            v @ ("yes" | "no") => v.to_string(),
            _ => String::new(),
        },
        reason: form.get("reason").to_string(),
        errors: Vec::new(),
    };
    if answer.founded.is_empty() {
        answer
            .errors
            .push(("founded".into(), t(lang, "complaint.err.founded").into()));
    }
    if answer.reason.trim().is_empty() {
        answer
            .errors
            .push(("reason".into(), t(lang, "complaint.err.reason").into()));
    }
    if !answer.errors.is_empty() {
        return render(
            &p,
            &ctx,
            &id,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            &answer,
        )
        .await;
    }
    let input = json!({
        "complaint": id,
        "founded": answer.founded == "yes",
        "reason": answer.reason.trim(),
    });
    let g = gql::run(&p, &ctx, DECIDE, json!({ "i": input })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let errs = gql::user_errors(g.at("/decideComplaint/userErrors"));
    if errs.iter().any(|e| e.code.ends_with("NOT_FOUND")) {
        return web::not_found(&ctx);
    }
    if !errs.is_empty() {
        answer.errors = errs
            .iter()
            .map(|e| {
                let field = if e.field == "reason" {
                    "reason"
                } else {
                    "founded"
                };
                let msg = match e.code.as_str() {
                    "REASON_REQUIRED" => t(lang, "complaint.err.reason").to_string(),
                    _ => explain(lang, e),
                };
                (field.to_string(), msg)
            })
            .collect();
        return render(
            &p,
            &ctx,
            &id,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            &answer,
        )
        .await;
    }
    web::see_other(
        &ctx,
        &format!("/complaints/{}?done=decided", web::encode(&id)),
        &[],
    )
}
