//! The pages, one module per area, and the pieces they share.

pub mod account;
pub mod accounts;
pub mod cases;
pub mod complaints;
pub mod consents;
pub mod links;
pub mod me;
pub mod public;
pub mod reference;
pub mod repair;
pub mod staff;
pub mod subject;
pub mod submit;

use axum::http::StatusCode;
use axum::response::Response;
use leptos::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Portal;
use crate::gql::{self, FieldErr, s};
use crate::i18n::{Lang, t};
use crate::web::{self, Ctx, Form};

/// The `?done=` of the address a form redirects to after it succeeded.
#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    pub done: String,
}

/// The message key for a `done` code among the page's `known` ones (code,
/// key); anything else is no message (the address can be typed by anyone).
pub fn done_key(done: &str, known: &[(&str, &'static str)]) -> Option<&'static str> {
    known.iter().find(|(c, _)| *c == done).map(|(_, k)| *k)
}

/// The confirmation at the top of a page after a form succeeded.
pub fn notice(lang: Lang, key: Option<&'static str>) -> Option<AnyView> {
    key.map(|n| view! { <div class="notice" role="status"><p>{t(lang, n)}</p></div> }.into_any())
}

/// The sign-in page for a visitor who is not signed in, else nothing.
pub fn sign_in_first(ctx: &Ctx) -> Option<Response> {
    (!ctx.signed_in()).then(|| web::to_sign_in(ctx))
}

/// Runs the one mutation a posted button stands for (its CSRF token
/// checked; `payload` names the mutation's field). The caller redirects
/// when it is done; otherwise this is the page to send: the failure page,
/// not found for a `…NOT_FOUND` refusal (what the account may not touch
/// looks the same), or [`failed`] with `explain`'s words and the way back.
#[allow(clippy::too_many_arguments)]
pub async fn post_button(
    p: &Portal,
    ctx: &Ctx,
    form: &Form,
    query: &str,
    payload: &str,
    input: Value,
    explain: fn(Lang, &FieldErr) -> String,
    (back, back_key): (&str, &'static str),
) -> Result<(), Response> {
    if !ctx.csrf_ok(form) {
        return Err(web::csrf_rejected(ctx));
    }
    let g = gql::run(p, ctx, query, json!({ "i": input })).await;
    if !g.ok() {
        return Err(gql::failure(ctx, &g));
    }
    let errs = gql::user_errors(g.at(&format!("/{payload}/userErrors")));
    match errs.first() {
        None => Ok(()),
        Some(e) if e.code.ends_with("NOT_FOUND") => Err(web::not_found(ctx)),
        Some(e) => Err(failed(ctx, explain(ctx.lang, e), back, back_key)),
    }
}

/// The second click of a two-click action: the button that posts to
/// `action`, and the way out without doing it.
pub fn confirm_form(
    ctx: &Ctx,
    action: String,
    confirm_key: &'static str,
    cancel: String,
) -> AnyView {
    let lang = ctx.lang;
    view! {
        <form method="post" action=action>
            <input type="hidden" name="csrf" value=ctx.csrf()/>
            <button type="submit" class="warning">{t(lang, confirm_key)}</button>
            " " <a href=cancel>{t(lang, "form.cancel")}</a>
        </form>
    }
    .into_any()
}

/// Cards as a list, or a sentence (`none`) when there are none.
pub fn card_list<V: IntoView + 'static>(lang: Lang, cards: Vec<V>, none: &'static str) -> AnyView {
    if cards.is_empty() {
        view! { <p>{t(lang, none)}</p> }.into_any()
    } else {
        view! { <ul class="consent-list">{cards}</ul> }.into_any()
    }
}

/// A refused action that has no form to show it on: what happened and the
/// way back (`back`, its link text `back_key`).
pub fn failed(ctx: &Ctx, msg: String, back: &str, back_key: &'static str) -> Response {
    let lang = ctx.lang;
    let body = view! {
        <h1>{t(lang, "consent.failed.title")}</h1>
        <p>{msg}</p>
        <p><a href=back.to_string()>{t(lang, back_key)}</a></p>
    }
    .into_any();
    web::page(
        ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        t(lang, "consent.failed.title"),
        body,
    )
}

/// `nameZh` or `nameEn` of a catalogue object, in the reader's language.
pub fn pick(lang: Lang, v: &Value) -> &str {
    match lang {
        Lang::Zh => s(v, "nameZh"),
        Lang::En => s(v, "nameEn"),
    }
}

pub fn pick_dept(lang: Lang, v: &Value) -> &str {
    pick(lang, v)
}

pub fn subject_status(lang: Lang, code: &str) -> &'static str {
    match code {
        "REGISTERED" => t(lang, "status.subject.registered"),
        "CHANGED" => t(lang, "status.subject.changed"),
        "DEREGISTERED" => t(lang, "status.subject.deregistered"),
        "REVOKED" => t(lang, "status.subject.revoked"),
        _ => t(lang, "status.unknown"),
    }
}

pub fn info_class(lang: Lang, code: &str) -> &'static str {
    match code {
        "BASIC" => t(lang, "class.basic"),
        "GOOD" => t(lang, "class.good"),
        "HINT" => t(lang, "class.hint"),
        "WARNING" => t(lang, "class.warning"),
        _ => t(lang, "status.unknown"),
    }
}

pub fn record_status(lang: Lang, code: &str) -> &'static str {
    match code {
        "ACTIVE" => t(lang, "status.record.active"),
        "UNDER_OBJECTION" => t(lang, "status.record.under_objection"),
        "REPAIRED" => t(lang, "status.record.repaired"),
        "WITHDRAWN" => t(lang, "status.record.withdrawn"),
        "ARCHIVED" => t(lang, "status.record.archived"),
        "DELETED" => t(lang, "status.record.deleted"),
        _ => t(lang, "status.unknown"),
    }
}

pub fn consent_status(lang: Lang, code: &str) -> &'static str {
    match code {
        "PENDING" => t(lang, "status.consent.pending"),
        "ACTIVE" => t(lang, "status.consent.active"),
        "REVOKED" => t(lang, "status.consent.revoked"),
        "EXPIRED" => t(lang, "status.consent.expired"),
        "EXHAUSTED" => t(lang, "status.consent.exhausted"),
        "DENIED" => t(lang, "status.consent.denied"),
        _ => t(lang, "status.unknown"),
    }
}

/// Whether the public sees a record now, in words (never colour alone).
pub fn publication_text(lang: Lang, r: &Value) -> String {
    let p = r.get("publication").unwrap_or(&Value::Null);
    if p.get("publicNow").and_then(Value::as_bool) == Some(true) {
        match p.get("end").and_then(Value::as_str) {
            Some(end) => format!(
                "{} {}",
                t(lang, "pub.public_until"),
                web::date_str(lang, end)
            ),
            None => t(lang, "pub.public").to_string(),
        }
    } else {
        let why = p.get("hiddenReason").unwrap_or(&Value::Null);
        let msg = match lang {
            Lang::Zh => s(why, "messageZh"),
            Lang::En => s(why, "messageEn"),
        };
        if msg.is_empty() {
            t(lang, "pub.hidden").to_string()
        } else {
            format!("{}{}{msg}", t(lang, "pub.hidden"), t(lang, "punct.colon"))
        }
    }
}

/// A table of records. `own` links each record to its page.
pub fn records_table(lang: Lang, records: &[Value], own: bool) -> AnyView {
    if records.is_empty() {
        return view! { <p>{t(lang, "records.none")}</p> }.into_any();
    }
    let rows = records
        .iter()
        .map(|r| {
            let cat = r.get("category").unwrap_or(&Value::Null);
            let title = s(r, "title").to_string();
            let title_cell = if own {
                let href = format!("/records/{}", web::encode(s(r, "id")));
                view! { <a href=href>{title}</a> }.into_any()
            } else {
                view! { <span>{title}</span> }.into_any()
            };
            let status = s(r, "status");
            let status_class = format!("tag tag-{}", status.to_ascii_lowercase());
            view! {
                <tr>
                    <td>{title_cell}</td>
                    <td>{pick(lang, cat).to_string()} <br/><span class="meta">{info_class(lang, s(cat, "infoClass"))}</span></td>
                    <td>{pick_dept(lang, r.get("department").unwrap_or(&Value::Null)).to_string()}</td>
                    <td>{web::date_str(lang, s(r, "decidedOn"))}</td>
                    <td><span class=status_class>{record_status(lang, status)}</span><br/><span class="meta">{publication_text(lang, r)}</span></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table>
                <thead><tr>
                    <th scope="col">{t(lang, "col.title")}</th>
                    <th scope="col">{t(lang, "col.category")}</th>
                    <th scope="col">{t(lang, "col.department")}</th>
                    <th scope="col">{t(lang, "col.decided")}</th>
                    <th scope="col">{t(lang, "col.status")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The error summary at the top of a failed form (links to the fields).
pub fn error_summary(lang: Lang, errors: &[(String, String)]) -> AnyView {
    if errors.is_empty() {
        return ().into_any();
    }
    let items = errors
        .iter()
        .map(|(field, msg)| {
            let href = format!("#{field}");
            view! { <li><a href=href>{msg.clone()}</a></li> }
        })
        .collect_view();
    view! {
        <div class="error-summary" role="alert" tabindex="-1">
            <h2>{t(lang, "form.problem")}</h2>
            <ul>{items}</ul>
        </div>
    }
    .into_any()
}

/// The message for one field, if it has an error.
pub fn field_error(errors: &[(String, String)], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, m)| m.clone())
}

/// A file input for evidence (PDF, JPEG or PNG, several at once) with its
/// label, hint and error next to it (the objection and repair forms).
pub fn files_field(
    lang: Lang,
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    errors: &[(String, String)],
) -> AnyView {
    let err = field_error(errors, name);
    let class = if err.is_some() {
        "field field-error"
    } else {
        "field"
    };
    let hint_id = format!("{name}-hint");
    view! {
        <div class=class>
            <label for=name>{t(lang, label)}</label>
            <p class="hint" id=hint_id.clone()>{t(lang, hint)}</p>
            {err.map(|e| view! { <p class="error" id=format!("{name}-error")>{e}</p> })}
            <input type="file" id=name name=name accept="application/pdf,image/jpeg,image/png" multiple aria-describedby=hint_id/>
        </div>
    }
    .into_any()
}

/// A labelled text input that keeps what was typed and shows its error
/// next to it.
#[allow(clippy::too_many_arguments)]
pub fn text_field(
    lang: Lang,
    name: &'static str,
    label: &'static str,
    hint: Option<&'static str>,
    kind: &'static str,
    value: &str,
    errors: &[(String, String)],
    autocomplete: &'static str,
) -> AnyView {
    input_field(
        name,
        t(lang, label).to_string(),
        hint.map(|h| t(lang, h).to_string()),
        kind,
        value,
        errors,
        autocomplete,
        t(lang, "form.error_prefix"),
    )
}

/// [`text_field`] with its name, label and hint given as they are (a
/// catalogue field's key and titles): the same markup.
#[allow(clippy::too_many_arguments)]
pub fn input_field(
    name: &str,
    label: String,
    hint: Option<String>,
    kind: &'static str,
    value: &str,
    errors: &[(String, String)],
    autocomplete: &'static str,
    error_prefix: &'static str,
) -> AnyView {
    let name = name.to_string();
    let err = field_error(errors, &name);
    let hint_id = format!("{name}-hint");
    let err_id = format!("{name}-error");
    let described = match (hint.is_some(), err.is_some()) {
        (true, true) => format!("{hint_id} {err_id}"),
        (true, false) => hint_id.clone(),
        (false, true) => err_id.clone(),
        (false, false) => String::new(),
    };
    let group = if err.is_some() {
        "field field-error"
    } else {
        "field"
    };
    let invalid = if err.is_some() { "true" } else { "false" };
    // Passwords are never echoed back into the page.
    let value = if kind == "password" {
        String::new()
    } else {
        value.to_string()
    };
    view! {
        <div class=group>
            <label for=name.clone()>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {err.map(|e| view! { <p class="error" id=err_id.clone()><span class="visually-hidden">{error_prefix}</span>{e}</p> })}
            <input id=name.clone() name=name type=kind value=value aria-describedby=described aria-invalid=invalid autocomplete=autocomplete/>
        </div>
    }
    .into_any()
}

/// A labelled text area that keeps what was typed and shows its error next
/// to it (the markup of [`text_field`], for longer answers).
pub fn textarea_field(
    lang: Lang,
    name: String,
    label: &'static str,
    hint: &'static str,
    value: &str,
    errors: &[(String, String)],
    rows: u8,
) -> AnyView {
    let err = field_error(errors, &name);
    let hint_id = format!("{name}-hint");
    let err_id = format!("{name}-error");
    let described = if err.is_some() {
        format!("{hint_id} {err_id}")
    } else {
        hint_id.clone()
    };
    let group = if err.is_some() {
        "field field-error"
    } else {
        "field"
    };
    let invalid = if err.is_some() { "true" } else { "false" };
    view! {
        <div class=group>
            <label for=name.clone()>{t(lang, label)}</label>
            <p class="hint" id=hint_id>{t(lang, hint)}</p>
            {err.map(|e| view! { <p class="error" id=err_id.clone()><span class="visually-hidden">{t(lang, "form.error_prefix")}</span>{e}</p> })}
            <textarea id=name.clone() name=name rows=rows.to_string() aria-describedby=described aria-invalid=invalid>{value.to_string()}</textarea>
        </div>
    }
    .into_any()
}

/// Translates a platform user error into the reader's language, by its
/// stable code; unknown codes get a generic sentence with the code (so the
/// page never mixes languages).
pub fn explain(lang: Lang, e: &FieldErr) -> String {
    let key = match e.code.as_str() {
        "EMAIL_INVALID" => "uerr.email_invalid",
        "EMAIL_TAKEN" | "EMAIL_IN_USE" | "ACCOUNT_EXISTS" => "uerr.email_taken",
        "PASSWORD_TOO_SHORT"
        | "PASSWORD_WEAK"
        | "PASSWORD_TOO_COMMON"
        | "PASSWORD_CONTAINS_EMAIL"
        | "PASSWORD_TOO_LONG" => "uerr.password_weak",
        "REQUIRED" | "BLANK" | "EMPTY" => "uerr.required",
        "AGENCY_NOT_FOUND" | "AGENCY_UNKNOWN" | "AGENCY_NOT_ACTIVE" => "uerr.agency_unknown",
        "DISPLAY_NAME_INVALID" => "uerr.display_name",
        "SCOPE_REQUIRED" | "SCOPE_TOO_LARGE" | "CATEGORY_UNKNOWN" => "uerr.scope_empty",
        "PURPOSE_REQUIRED" => "uerr.purpose_unknown",
        "RENEWAL_NOT_LATER" => "uerr.valid_until",
        "NAME_REQUIRED" => "uerr.name_required",
        "BINDING_SUBJECT_NOT_MATCHED" => "uerr.binding_not_matched",
        "BINDING_NO_CONTACT" => "uerr.binding_no_contact",
        "ALREADY_BOUND" => "uerr.already_bound",
        "ATTACHMENT_TOO_LARGE" => "objection.err.too_big",
        "ATTACHMENT_TYPE_NOT_ALLOWED" => "uerr.attachment_type",
        "TOO_MANY_ATTACHMENTS" => "objection.err.too_many",
        "STATEMENT_REQUIRED" => "objection.err.statement",
        "STATEMENT_TOO_LONG" => "uerr.statement_long",
        "OBJECTION_ALREADY_OPEN" | "RECORD_UNDER_OBJECTION" => "uerr.objection_open",
        "RECORD_NOT_OBJECTABLE" => "record.object.closed",
        "CASE_NOT_OPEN" => "uerr.case_not_open",
        "REASON_REQUIRED" | "NOTE_REQUIRED" => "case.decide.missing",
        "USCC_INVALID" | "IDENTIFIER_INVALID" => "uerr.uscc_invalid",
        "PURPOSE_UNKNOWN" | "PURPOSE_INVALID" => "uerr.purpose_unknown",
        "PURPOSE_TEXT_REQUIRED" => "uerr.purpose_text_required",
        "MONTHLY_CAP_REQUIRED" | "MONTHLY_CAP_INVALID" | "MONTHLY_CAP_OUT_OF_RANGE" => {
            "uerr.monthly_cap"
        }
        "VALIDITY_TOO_LONG"
        | "VALID_UNTIL_INVALID"
        | "VALID_UNTIL_TOO_LATE"
        | "VALID_UNTIL_BEFORE_FROM"
        | "VALIDITY_INVALID" => "uerr.valid_until",
        _ => "",
    };
    if key.is_empty() {
        format!("{} ({})", t(lang, "uerr.generic"), e.code)
    } else {
        t(lang, key).to_string()
    }
}
