//! Record submission for departments without a system of their own: their
//! staff choose a category, fill in its form and submit one record through
//! `submitRecords` (the same service, checks and codes as an integration);
//! their recent records with their state (`departmentRecords`); and
//! withdrawal with a reason (`withdrawRecord`), after a confirmation page.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::staff::staff_role;
use super::{
    done_key, error_summary, field_error, info_class, input_field, pick, publication_text,
    record_status,
};
use crate::Portal;
use crate::gql::{self, list, s};
use crate::i18n::{Lang, t};
use crate::web::{self, Ctx, Form, page};

/// The catalogue with what the form needs of each category.
const CATEGORIES: &str = "query{recordCategories{code nameZh nameEn infoClass listKind doublePublicity severityRequired legalBasisRequired contentFields{key titleZh titleEn required valueType maxLength minimum values{value labelZh labelEn}}}}";

const SUBMIT: &str = "mutation($i:SubmitRecordsInput!){submitRecords(input:$i){results{status sourceRef recordId version userErrors{field code message}} userErrors{field code message}}}";

const RECORDS: &str = "query($first:Int!,$after:String,$f:DepartmentRecordFilter){departmentRecords(first:$first,after:$after,filter:$f){pageInfo{hasNextPage endCursor} nodes{id sourceRef title status version decidedOn submittedAt lateSubmission category{nameZh nameEn infoClass} subject{name identifier} publication{publicNow end hiddenReason{messageZh messageEn}}}}}";

const WITHDRAW: &str = "mutation($i:WithdrawRecordInput!){withdrawRecord(input:$i){record{id status} userErrors{field code message}}}";

/// The information classes in the order the catalogue explains them.
const CLASSES: &[&str] = &["BASIC", "GOOD", "HINT", "WARNING"];

/// The record states a department can filter its list by.
const STATUSES: &[&str] = &[
    "ACTIVE",
    "UNDER_OBJECTION",
    "REPAIRED",
    "WITHDRAWN",
    "ARCHIVED",
];

/// Records per page of "our records".
const PAGE_SIZE: i64 = 50;

/// Department staff only: the signed-in account, or the response to send
/// instead (sign in; "page not found" for everyone else, operators
/// included: they do not submit records).
async fn department_staff(p: &Portal, ctx: &Ctx) -> Result<Value, Response> {
    let (role, account) = staff_role(p, ctx).await?;
    if role != "DEPARTMENT_STAFF" {
        return Err(web::not_found(ctx));
    }
    Ok(account)
}

async fn categories(p: &Portal, ctx: &Ctx) -> Result<Vec<Value>, Response> {
    let g = gql::run(p, ctx, CATEGORIES, json!({})).await;
    if !g.ok() {
        return Err(gql::failure(ctx, &g));
    }
    Ok(list(&g.data, "/recordCategories").to_vec())
}

fn lang_text<'a>(lang: Lang, v: &'a Value, zh: &str, en: &str) -> &'a str {
    match lang {
        Lang::Zh => s(v, zh),
        Lang::En => s(v, en),
    }
}

fn notice(text: String) -> AnyView {
    view! { <div class="notice" role="status"><p>{text}</p></div> }.into_any()
}

fn back_to_workbench(lang: Lang) -> AnyView {
    view! { <p class="caption"><a href="/staff">{t(lang, "staff.title")}</a></p> }.into_any()
}

#[derive(Deserialize, Default)]
pub struct NewQ {
    #[serde(default)]
    category: String,
}

/// Step 1 (no `category`): choose a category. Step 2: its form.
pub async fn new_record(State(p): State<Portal>, ctx: Ctx, Query(q): Query<NewQ>) -> Response {
    if let Err(r) = department_staff(&p, &ctx).await {
        return r;
    }
    let cats = match categories(&p, &ctx).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if q.category.is_empty() {
        return choose_page(&ctx, &cats, StatusCode::OK, None);
    }
    match cats.iter().find(|c| s(c, "code") == q.category) {
        Some(cat) => form_page(&ctx, cat, StatusCode::OK, &HashMap::new(), &[]),
        None => choose_page(
            &ctx,
            &cats,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(t(ctx.lang, "submit.err.category")),
        ),
    }
}

/// The categories as radio buttons, one group per information class; a
/// plain GET form, so the choice is in the next page's address.
fn choose_page(ctx: &Ctx, cats: &[Value], status: StatusCode, error: Option<&str>) -> Response {
    let lang = ctx.lang;
    let errors: Vec<(String, String)> = error
        .map(|e| vec![("category".to_string(), e.to_string())])
        .unwrap_or_default();
    let groups = CLASSES
        .iter()
        .map(|class| {
            let items = cats
                .iter()
                .filter(|c| s(c, "infoClass") == *class)
                .map(|c| {
                    let code = s(c, "code").to_string();
                    let id = format!("category-{code}");
                    let mut tags = Vec::new();
                    match s(c, "listKind") {
                        "RED" => tags.push(t(lang, "submit.tag.red")),
                        "BLACK" => tags.push(t(lang, "submit.tag.black")),
                        _ => {}
                    }
                    if c.get("doublePublicity").and_then(Value::as_bool) == Some(true) {
                        tags.push(t(lang, "submit.tag.double"));
                    }
                    let hint_id = format!("{id}-hint");
                    let hint = (!tags.is_empty()).then(|| {
                        view! { <p class="hint" id=hint_id.clone()>{tags.join(" · ")}</p> }
                    });
                    view! {
                        <div class="choice">
                            <input type="radio" id=id.clone() name="category" value=code aria-describedby=hint_id.clone()/>
                            <label for=id>{pick(lang, c).to_string()}</label>
                            {hint}
                        </div>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="field">
                    <legend>{info_class(lang, class)}</legend>
                    {items}
                </fieldset>
            }
        })
        .collect_view();
    let group_class = if errors.is_empty() { "" } else { "field-error" };
    let body = view! {
        {back_to_workbench(lang)}
        <h1>{t(lang, "submit.choose.title")}</h1>
        <p class="lead">{t(lang, "submit.choose.lead")}</p>
        {error_summary(lang, &errors)}
        <form method="get" action="/staff/records/new" novalidate>
            <div id="category" class=group_class>
                {field_error(&errors, "category").map(|e| view! { <p class="error" id="category-error">{e}</p> })}
                {groups}
            </div>
            <button type="submit">{t(lang, "submit.continue")}</button>
        </form>
    }
    .into_any();
    page(ctx, status, t(lang, "submit.choose.title"), body)
}

/// Marks a label as optional, in the reader's language.
fn optional(lang: Lang, label: &str, required: bool) -> String {
    if required {
        label.to_string()
    } else {
        format!("{label}{}", t(lang, "submit.optional"))
    }
}

/// A group of radio buttons that keeps the choice and shows its error.
fn radios(
    lang: Lang,
    name: &str,
    legend: String,
    hint: Option<String>,
    options: Vec<(String, String, Option<String>)>,
    chosen: &str,
    errors: &[(String, String)],
) -> AnyView {
    let err = field_error(errors, name);
    let class = if err.is_some() {
        "field field-error"
    } else {
        "field"
    };
    let items = options
        .into_iter()
        .map(|(value, label, hint)| {
            let id = format!("{name}-{value}");
            let checked = chosen == value;
            let hint_id = format!("{id}-hint");
            view! {
                <div class="choice">
                    <input type="radio" id=id.clone() name=name.to_string() value=value checked=checked aria-describedby=hint_id.clone()/>
                    <label for=id>{label}</label>
                    {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset class=class id=name.to_string()>
            <legend>{legend}</legend>
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            {err.map(|e| view! { <p class="error" id=format!("{name}-error")><span class="visually-hidden">{t(lang, "form.error_prefix")}</span>{e}</p> })}
            {items}
        </fieldset>
    }
    .into_any()
}

/// A labelled text area that keeps what was typed and shows its error.
fn text_area(
    lang: Lang,
    name: &str,
    label: String,
    hint: Option<String>,
    value: &str,
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
            <label for=name.to_string()>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {err.map(|e| view! { <p class="error" id=format!("{name}-error")><span class="visually-hidden">{t(lang, "form.error_prefix")}</span>{e}</p> })}
            <textarea id=name.to_string() name=name.to_string() rows="4" aria-describedby=hint_id.clone()>{value.to_string()}</textarea>
        </div>
    }
    .into_any()
}

/// A one-line text input (the shared markup of `text_field`).
fn text(
    lang: Lang,
    name: &str,
    label: String,
    hint: Option<String>,
    values: &HashMap<String, String>,
    errors: &[(String, String)],
) -> AnyView {
    input_field(
        name,
        label,
        hint,
        "text",
        values.get(name).map(String::as_str).unwrap_or(""),
        errors,
        "off",
        t(lang, "form.error_prefix"),
    )
}

/// The input for one content field of the category, by its type.
fn content_input(
    lang: Lang,
    f: &Value,
    values: &HashMap<String, String>,
    errors: &[(String, String)],
) -> AnyView {
    let name = format!("content.{}", s(f, "key"));
    let required = f.get("required").and_then(Value::as_bool) == Some(true);
    let label = optional(lang, lang_text(lang, f, "titleZh", "titleEn"), required);
    let value = values.get(&name).map(String::as_str).unwrap_or("");
    let choices = list(f, "/values");
    let not_given = || {
        (
            String::new(),
            t(lang, "submit.not_given").to_string(),
            None::<String>,
        )
    };
    match s(f, "valueType") {
        "BOOLEAN" => {
            let mut options = vec![
                ("true".to_string(), t(lang, "submit.yes").to_string(), None),
                ("false".to_string(), t(lang, "submit.no").to_string(), None),
            ];
            if !required {
                options.push(not_given());
            }
            radios(lang, &name, label, None, options, value, errors)
        }
        "NUMBER" | "INTEGER" => {
            let mut hint = if s(f, "valueType") == "INTEGER" {
                t(lang, "submit.hint.integer").to_string()
            } else {
                t(lang, "submit.hint.number").to_string()
            };
            if let Some(min) = f.get("minimum").and_then(Value::as_f64) {
                hint.push_str(&format!("{}{min}", t(lang, "submit.hint.minimum")));
            }
            text(lang, &name, label, Some(hint), values, errors)
        }
        _ if !choices.is_empty() => {
            let mut options: Vec<(String, String, Option<String>)> = choices
                .iter()
                .map(|c| {
                    (
                        s(c, "value").to_string(),
                        lang_text(lang, c, "labelZh", "labelEn").to_string(),
                        None,
                    )
                })
                .collect();
            if !required {
                options.push(not_given());
            }
            radios(lang, &name, label, None, options, value, errors)
        }
        _ => {
            let max = f.get("maxLength").and_then(Value::as_i64);
            let hint = max.map(|m| {
                format!(
                    "{}{m}{}",
                    t(lang, "submit.hint.max"),
                    t(lang, "submit.hint.chars")
                )
            });
            if max.is_some_and(|m| m > 200) {
                text_area(lang, &name, label, hint, value, errors)
            } else {
                text(lang, &name, label, hint, values, errors)
            }
        }
    }
}

/// Step 2: the form for one category, with what was typed and the errors
/// next to their fields.
fn form_page(
    ctx: &Ctx,
    cat: &Value,
    status: StatusCode,
    values: &HashMap<String, String>,
    errors: &[(String, String)],
) -> Response {
    let lang = ctx.lang;
    let code = s(cat, "code").to_string();
    let class = s(cat, "infoClass");
    let severity_required = cat.get("severityRequired").and_then(Value::as_bool) == Some(true);
    let basis_required = cat.get("legalBasisRequired").and_then(Value::as_bool) == Some(true);
    let get = |k: &str| values.get(k).map(String::as_str).unwrap_or("");
    let date_hint = || Some(t(lang, "submit.hint.date").to_string());
    let k = |key: &'static str| t(lang, key).to_string();

    let dates_extra = match class {
        "HINT" | "WARNING" => Some(text(
            lang,
            "conductEndedOn",
            optional(lang, t(lang, "submit.field.conduct_ended"), false),
            Some(k("submit.field.conduct_ended.hint")),
            values,
            errors,
        )),
        _ => Some(text(
            lang,
            "validUntil",
            optional(lang, t(lang, "submit.field.valid_until"), false),
            Some(k("submit.field.valid_until.hint")),
            values,
            errors,
        )),
    };
    let severity = severity_required.then(|| {
        radios(
            lang,
            "severity",
            k("submit.field.severity"),
            Some(k("submit.field.severity.hint")),
            vec![
                (
                    "MINOR".into(),
                    k("submit.severity.minor"),
                    Some(k("submit.severity.minor.hint")),
                ),
                (
                    "GENERAL".into(),
                    k("submit.severity.general"),
                    Some(k("submit.severity.general.hint")),
                ),
                (
                    "SERIOUS".into(),
                    k("submit.severity.serious"),
                    Some(k("submit.severity.serious.hint")),
                ),
            ],
            get("severity"),
            errors,
        )
    });
    let disclosure_end = severity_required.then(|| {
        text(
            lang,
            "disclosureEnd",
            optional(lang, t(lang, "submit.field.disclosure_end"), false),
            Some(k("submit.field.disclosure_end.hint")),
            values,
            errors,
        )
    });
    // Required questions first; otherwise in the catalogue's order.
    let mut fields: Vec<&Value> = list(cat, "/contentFields").iter().collect();
    fields.sort_by_key(|f| f.get("required").and_then(Value::as_bool) != Some(true));
    let content = fields
        .into_iter()
        .map(|f| content_input(lang, f, values, errors))
        .collect_view();
    let basis_err = field_error(errors, "legalBasis");
    let basis_class = if basis_err.is_some() {
        "field field-error"
    } else {
        "field"
    };
    let basis_lead = if basis_required {
        k("submit.basis.required")
    } else {
        k("submit.basis.optional")
    };
    let title = format!(
        "{}{}{}",
        t(lang, "submit.form.title"),
        t(lang, "punct.colon"),
        pick(lang, cat)
    );
    let body = view! {
        <p class="caption"><a href="/staff/records/new">{t(lang, "submit.choose.again")}</a></p>
        <h1>{title.clone()}</h1>
        <p class="lead">{t(lang, "submit.form.lead")}</p>
        {error_summary(lang, errors)}
        <form method="post" action="/staff/records/new" novalidate>
            <input type="hidden" name="csrf" value=ctx.csrf()/>
            <input type="hidden" name="category" value=code/>
            <h2>{t(lang, "submit.section.subject")}</h2>
            {text(lang, "subjectIdentifier", k("submit.field.identifier"), Some(k("submit.field.identifier.hint")), values, errors)}
            {text(lang, "subjectName", k("submit.field.subject_name"), Some(k("submit.field.subject_name.hint")), values, errors)}
            <h2>{t(lang, "submit.section.record")}</h2>
            {text(lang, "sourceRef", k("submit.field.source_ref"), Some(k("submit.field.source_ref.hint")), values, errors)}
            {text(lang, "title", k("submit.field.title"), Some(k("submit.field.title.hint")), values, errors)}
            {text(lang, "decidedOn", k("submit.field.decided_on"), date_hint(), values, errors)}
            {dates_extra}
            {severity}
            <h2>{t(lang, "submit.section.content")}</h2>
            {content}
            <h2>{t(lang, "submit.section.basis")}</h2>
            <div class=basis_class id="legalBasis">
                <p>{basis_lead}</p>
                {basis_err.map(|e| view! { <p class="error" id="legalBasis-error"><span class="visually-hidden">{t(lang, "form.error_prefix")}</span>{e}</p> })}
            </div>
            {text(lang, "legalBasis.docType", optional(lang, t(lang, "submit.field.basis_type"), basis_required), Some(k("submit.field.basis_type.hint")), values, errors)}
            {text(lang, "legalBasis.number", optional(lang, t(lang, "submit.field.basis_number"), basis_required), Some(k("submit.field.basis_number.hint")), values, errors)}
            {text(lang, "legalBasis.issuer", optional(lang, t(lang, "submit.field.basis_issuer"), basis_required), None, values, errors)}
            {text(lang, "legalBasis.effectiveOn", optional(lang, t(lang, "submit.field.basis_effective"), basis_required), date_hint(), values, errors)}
            <h2>{t(lang, "submit.section.disclosure")}</h2>
            {radios(
                lang,
                "disclosure",
                k("submit.field.disclosure"),
                Some(k("submit.field.disclosure.hint")),
                vec![
                    ("PUBLIC".into(), k("submit.disclosure.public"), Some(k("submit.disclosure.public.hint"))),
                    ("AUTHORIZED".into(), k("submit.disclosure.authorized"), Some(k("submit.disclosure.authorized.hint"))),
                    ("GOVERNMENT".into(), k("submit.disclosure.government"), Some(k("submit.disclosure.government.hint"))),
                ],
                get("disclosure"),
                errors,
            )}
            {disclosure_end}
            <h2>{t(lang, "submit.section.correction")}</h2>
            <p>{t(lang, "submit.correction.text")}</p>
            {text_area(lang, "correctionReason", optional(lang, t(lang, "submit.field.correction"), false), Some(k("submit.field.correction.hint")), get("correctionReason"), errors)}
            <button type="submit">{t(lang, "submit.button")}</button>
        </form>
    }
    .into_any();
    page(ctx, status, &title, body)
}

/// A date as typed: `YYYY-MM-DD`, or `YYYY/MM/DD` as spreadsheets write it.
fn parse_date(v: &str) -> Option<NaiveDate> {
    let v = v.trim();
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%Y/%m/%d"))
        .ok()
}

/// The record to submit, from the form; or the problems that keep it from
/// being sent at all (a date or number the API could not even read). The
/// platform checks everything else, so its rules live in one place.
fn record_input(
    lang: Lang,
    cat: &Value,
    values: &HashMap<String, String>,
) -> Result<Value, Vec<(String, String)>> {
    let get = |k: &str| values.get(k).map(|v| v.trim()).unwrap_or("");
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut date = |name: &str, required: bool| -> Option<String> {
        let v = get(name);
        if v.is_empty() {
            if required {
                errors.push((name.into(), t(lang, "submit.err.date_missing").into()));
            }
            return None;
        }
        match parse_date(v) {
            Some(d) => Some(d.to_string()),
            None => {
                errors.push((name.into(), t(lang, "submit.err.date").into()));
                None
            }
        }
    };
    let decided_on = date("decidedOn", true);
    let conduct_ended_on = date("conductEndedOn", false);
    let valid_until = date("validUntil", false);
    let disclosure_end = date("disclosureEnd", false);
    let basis_parts = [
        "legalBasis.docType",
        "legalBasis.number",
        "legalBasis.issuer",
        "legalBasis.effectiveOn",
    ];
    let any_basis = basis_parts.iter().any(|p| !get(p).is_empty());
    let effective_on = if any_basis {
        date("legalBasis.effectiveOn", true)
    } else {
        None
    };
    if any_basis {
        for p in &basis_parts[..3] {
            if get(p).is_empty() {
                errors.push((p.to_string(), t(lang, "submit.err.basis_part").into()));
            }
        }
    }

    let mut content = Map::new();
    for f in list(cat, "/contentFields") {
        let key = s(f, "key");
        let name = format!("content.{key}");
        let v = get(&name);
        if v.is_empty() {
            continue;
        }
        let value = match s(f, "valueType") {
            "NUMBER" => {
                let cleaned: String = v.chars().filter(|c| !c.is_whitespace()).collect();
                cleaned
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .and_then(serde_json::Number::from_f64)
                    .map(|n| {
                        // Whole amounts go as integers, as an integration sends them.
                        cleaned
                            .parse::<i64>()
                            .map(Value::from)
                            .unwrap_or(Value::Number(n))
                    })
            }
            "INTEGER" => v.parse::<i64>().ok().map(Value::from),
            "BOOLEAN" => match v {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            _ => Some(Value::String(v.to_string())),
        };
        match value {
            Some(v) => {
                content.insert(key.to_string(), v);
            }
            None => errors.push((name, content_invalid(lang, f))),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let Some(decided_on) = decided_on else {
        return Err(errors);
    };
    let mut r = json!({
        "sourceRef": get("sourceRef"),
        "category": s(cat, "code"),
        "subjectIdentifier": get("subjectIdentifier").to_uppercase(),
        "subjectName": get("subjectName"),
        "title": get("title"),
        "content": content,
        "decidedOn": decided_on,
    });
    let mut set = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            r[k] = v;
        }
    };
    set("conductEndedOn", conduct_ended_on.map(Value::from));
    set("validUntil", valid_until.map(Value::from));
    set("disclosureEnd", disclosure_end.map(Value::from));
    let choice = |name: &str, allowed: &[&str]| {
        let v = get(name);
        allowed.contains(&v).then(|| Value::from(v))
    };
    set(
        "severity",
        choice("severity", &["MINOR", "GENERAL", "SERIOUS"]),
    );
    set(
        "disclosure",
        choice("disclosure", &["PUBLIC", "AUTHORIZED", "GOVERNMENT"]),
    );
    let reason = get("correctionReason");
    set(
        "correctionReason",
        (!reason.is_empty()).then(|| Value::from(reason)),
    );
    if let Some(effective_on) = effective_on {
        set(
            "legalBasis",
            Some(json!({
                "docType": get("legalBasis.docType"),
                "number": get("legalBasis.number"),
                "issuer": get("legalBasis.issuer"),
                "effectiveOn": effective_on,
            })),
        );
    }
    Ok(r)
}

/// What is wrong with a content value, said from the field's type.
fn content_invalid(lang: Lang, f: &Value) -> String {
    let min = f
        .get("minimum")
        .and_then(Value::as_f64)
        .map(|m| format!("{}{m}", t(lang, "submit.hint.minimum")))
        .unwrap_or_default();
    match s(f, "valueType") {
        "NUMBER" => format!("{}{min}", t(lang, "submit.err.number")),
        "INTEGER" => format!("{}{min}", t(lang, "submit.err.integer")),
        "BOOLEAN" => t(lang, "submit.err.choose").to_string(),
        _ if !list(f, "/values").is_empty() => t(lang, "submit.err.choose").to_string(),
        _ => match f.get("maxLength").and_then(Value::as_i64) {
            Some(m) => format!(
                "{}{m}{}",
                t(lang, "submit.hint.max"),
                t(lang, "submit.hint.chars")
            ),
            None => t(lang, "uerr.generic").to_string(),
        },
    }
}

/// The form field a platform error points at: its path after
/// `input.records.0`, joined with dots (`content.fine_amount_yuan`,
/// `legalBasis.docType`). Errors about parts the form does not ask for
/// are shown next to the closest field.
fn form_field(path: &[Value], code: &str) -> String {
    let parts: Vec<&str> = path.iter().filter_map(Value::as_str).collect();
    let rest = match parts.as_slice() {
        ["input", "records", _, rest @ ..] => rest.to_vec(),
        other => other.to_vec(),
    };
    let joined = rest.join(".");
    match joined.as_str() {
        "subjectKind" => "subjectIdentifier".into(),
        "legalBasis" if code == "DATE_IN_FUTURE" => "legalBasis.effectiveOn".into(),
        "" => "sourceRef".into(),
        _ => joined,
    }
}

/// A platform error in the reader's words, by its code (and, for content
/// fields, the field's type and label).
fn error_text(lang: Lang, cat: &Value, field: &str, code: &str) -> String {
    let content_field = field.strip_prefix("content.").and_then(|k| {
        list(cat, "/contentFields")
            .iter()
            .find(|f| s(f, "key") == k)
    });
    let key = match code {
        "SOURCE_REF_INVALID" => "submit.err.source_ref",
        "CATEGORY_UNKNOWN" => "submit.err.category",
        "IDENTIFIER_CHECK" => "submit.err.identifier_check",
        "IDENTIFIER_EMPTY" => "submit.err.identifier_missing",
        c if c.starts_with("IDENTIFIER_") || c.starts_with("USCC_") || c.starts_with("ID_") => {
            "submit.err.identifier"
        }
        "SUBJECT_KIND_NOT_ALLOWED" => "submit.err.kind",
        "SUBJECT_UNKNOWN" => "submit.err.subject_unknown",
        "SUBJECT_NAME_INVALID" => "submit.err.subject_name",
        "TITLE_INVALID" => "submit.err.title",
        "CONTENT_FIELD_REQUIRED" => {
            return match content_field {
                Some(f) => format!(
                    "{}{}",
                    t(lang, "submit.err.enter"),
                    lang_text(lang, f, "titleZh", "titleEn")
                ),
                None => t(lang, "uerr.required").to_string(),
            };
        }
        "CONTENT_FIELD_INVALID" => {
            return match content_field {
                Some(f) => content_invalid(lang, f),
                None => t(lang, "uerr.generic").to_string(),
            };
        }
        "CONTENT_FIELD_UNKNOWN" | "CONTENT_NOT_OBJECT" => "uerr.generic",
        "NEVER_COLLECT" => "submit.err.never_collect",
        "LEGAL_BASIS_REQUIRED" => "submit.err.basis_required",
        "LEGAL_BASIS_INVALID" => "submit.err.basis_part",
        "DATE_IN_FUTURE" => "submit.err.future",
        "DATES_OUT_OF_ORDER" | "DISCLOSURE_VALID_UNTIL" => "submit.err.order",
        "SEVERITY_REQUIRED" | "DISCLOSURE_SEVERITY_REQUIRED" => "submit.err.severity",
        "DISCLOSURE_REQUIRED" => "submit.err.disclosure",
        "NATURAL_PERSON_NOT_PUBLIC" => "submit.err.person_public",
        "DISCLOSURE_END_OUT_OF_RANGE" | "DISCLOSURE_END_FIXED" => "submit.err.disclosure_end",
        "CORRECTION_REASON_REQUIRED" => "submit.err.correction_required",
        "CORRECTION_REASON_INVALID" => "submit.err.correction_long",
        "CORRECTION_CHANGES_SUBJECT" => "submit.err.correction_subject",
        "RECORD_WITHDRAWN" => "submit.err.withdrawn",
        _ => "",
    };
    if key.is_empty() {
        format!("{} ({code})", t(lang, "uerr.generic"))
    } else {
        t(lang, key).to_string()
    }
}

/// The form's answers, as typed (the CSRF token left out).
fn typed(form: &Form) -> HashMap<String, String> {
    form.0
        .iter()
        .filter(|(k, _)| k != "csrf")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

pub async fn submit(State(p): State<Portal>, ctx: Ctx, form: Form) -> Response {
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    if let Err(r) = department_staff(&p, &ctx).await {
        return r;
    }
    let lang = ctx.lang;
    let cats = match categories(&p, &ctx).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(cat) = cats.iter().find(|c| s(c, "code") == form.get("category")) else {
        return choose_page(
            &ctx,
            &cats,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(t(lang, "submit.err.category")),
        );
    };
    let values = typed(&form);
    let input = match record_input(lang, cat, &values) {
        Ok(i) => i,
        Err(errors) => {
            return form_page(
                &ctx,
                cat,
                StatusCode::UNPROCESSABLE_ENTITY,
                &values,
                &errors,
            );
        }
    };
    let g = gql::run(&p, &ctx, SUBMIT, json!({ "i": { "records": [input] } })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let call_errors = list(&g.data, "/submitRecords/userErrors");
    let result = g.at("/submitRecords/results/0").clone();
    if !call_errors.is_empty() || result.is_null() {
        let errors: Vec<(String, String)> = call_errors
            .iter()
            .map(|e| {
                (
                    "sourceRef".to_string(),
                    error_text(lang, cat, "", s(e, "code")),
                )
            })
            .collect();
        return form_page(
            &ctx,
            cat,
            StatusCode::UNPROCESSABLE_ENTITY,
            &values,
            &errors,
        );
    }
    let status = s(&result, "status");
    if status == "REJECTED" {
        let mut errors: Vec<(String, String)> = Vec::new();
        for e in list(&result, "/userErrors") {
            let code = s(e, "code");
            let field = form_field(list(e, "/field"), code);
            let msg = error_text(lang, cat, &field, code);
            // One message per field: the first is the one to fix first.
            if field_error(&errors, &field).is_none() {
                errors.push((field, msg));
            }
        }
        return form_page(
            &ctx,
            cat,
            StatusCode::UNPROCESSABLE_ENTITY,
            &values,
            &errors,
        );
    }
    let done = match status {
        "CORRECTED" => "corrected",
        "UNCHANGED" => "unchanged",
        _ => "accepted",
    };
    let to = format!(
        "/staff/records?done={done}&ref={}",
        web::encode(s(&result, "sourceRef"))
    );
    web::see_other(&ctx, &to, &[])
}

#[derive(Deserialize, Default)]
pub struct ListQ {
    #[serde(default)]
    done: String,
    #[serde(default, rename = "ref")]
    source_ref: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    after: String,
}

/// The department's records, newest first, each with its state now and a
/// way to withdraw it.
pub async fn our_records(State(p): State<Portal>, ctx: Ctx, Query(q): Query<ListQ>) -> Response {
    let account = match department_staff(&p, &ctx).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let lang = ctx.lang;
    // Filters are parsed at the edge: anything not in the list is ignored.
    let status = STATUSES.iter().find(|c| **c == q.status).copied();
    let mut filter = Map::new();
    if let Some(st) = status {
        filter.insert("status".into(), json!(st));
    }
    let after = (!q.after.is_empty()).then_some(q.after.as_str());
    let g = gql::run(
        &p,
        &ctx,
        RECORDS,
        json!({ "first": PAGE_SIZE, "after": after, "f": filter }),
    )
    .await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let records = list(&g.data, "/departmentRecords/nodes");
    let next =
        (g.at("/departmentRecords/pageInfo/hasNextPage").as_bool() == Some(true)).then(|| {
            let mut href = format!(
                "/staff/records?after={}",
                web::encode(
                    g.at("/departmentRecords/pageInfo/endCursor")
                        .as_str()
                        .unwrap_or("")
                )
            );
            if let Some(st) = status {
                href.push_str(&format!("&status={st}"));
            }
            href
        });
    let done = done_key(
        &q.done,
        &[
            ("accepted", "submit.done.accepted"),
            ("corrected", "submit.done.corrected"),
            ("unchanged", "submit.done.unchanged"),
            ("withdrawn", "submit.done.withdrawn"),
        ],
    );
    let note = done.map(|k| {
        let text = if q.source_ref.is_empty() {
            t(lang, k).to_string()
        } else {
            format!("{}{}{}", t(lang, k), t(lang, "punct.colon"), q.source_ref)
        };
        notice(text)
    });
    let rows = records
        .iter()
        .map(|r| {
            let cat = r.get("category").unwrap_or(&Value::Null);
            let sub = r.get("subject").unwrap_or(&Value::Null);
            let st = s(r, "status");
            let tag = format!("tag tag-{}", st.to_ascii_lowercase());
            let late = r.get("lateSubmission").and_then(Value::as_bool) == Some(true);
            let withdrawable = !matches!(st, "WITHDRAWN" | "DELETED");
            let source_ref = s(r, "sourceRef").to_string();
            let href = format!("/staff/records/withdraw?ref={}", web::encode(s(r, "sourceRef")));
            let version = r.get("version").and_then(Value::as_i64).unwrap_or(1);
            view! {
                <tr>
                    <td><span class="mono">{s(r, "sourceRef").to_string()}</span><br/>{s(r, "title").to_string()}</td>
                    <td>{s(sub, "name").to_string()}<br/><span class="meta mono">{s(sub, "identifier").to_string()}</span></td>
                    <td>{pick(lang, cat).to_string()}<br/><span class="meta">{info_class(lang, s(cat, "infoClass"))}</span></td>
                    <td>{web::date_str(lang, s(r, "decidedOn"))}<br/><span class="meta">{web::datetime_str(lang, s(r, "submittedAt"))}{late.then(|| format!(" · {}", t(lang, "submit.late")))}</span></td>
                    <td><span class=tag>{record_status(lang, st)}</span><br/><span class="meta">{publication_text(lang, r)}</span><br/><span class="meta">{format!("{}{version}", t(lang, "submit.version"))}</span></td>
                    <td>{withdrawable.then(|| view! { <a href=href>{t(lang, "submit.withdraw")}<span class="visually-hidden">{format!(" {source_ref}")}</span></a> })}</td>
                </tr>
            }
        })
        .collect_view();
    let status_opts = STATUSES
        .iter()
        .map(|c| {
            let sel = status == Some(*c);
            view! { <option value=*c selected=sel>{record_status(lang, c)}</option> }
        })
        .collect_view();
    let dept = account
        .get("department")
        .map(|d| pick(lang, d).to_string())
        .unwrap_or_default();
    let table = if records.is_empty() {
        view! { <p>{t(lang, "submit.list.none")}</p> }.into_any()
    } else {
        view! {
            <div class="table-wrap"><table>
                <thead><tr>
                    <th scope="col">{t(lang, "col.title")}</th>
                    <th scope="col">{t(lang, "col.subject")}</th>
                    <th scope="col">{t(lang, "col.category")}</th>
                    <th scope="col">{t(lang, "col.decided")}</th>
                    <th scope="col">{t(lang, "col.status")}</th>
                    <th scope="col">{t(lang, "submit.col.action")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table></div>
        }
        .into_any()
    };
    let body = view! {
        {back_to_workbench(lang)}
        <h1>{t(lang, "submit.list.title")}</h1>
        <p class="lead">{dept}</p>
        {note}
        <p><a class="button" href="/staff/records/new">{t(lang, "submit.new")}</a></p>
        <form method="get" action="/staff/records" class="filters">
            <div class="field">
                <label for="status">{t(lang, "records.filter.status")}</label>
                <select id="status" name="status">
                    <option value="">{t(lang, "records.filter.all")}</option>
                    {status_opts}
                </select>
            </div>
            <button type="submit" class="secondary">{t(lang, "submit.filter")}</button>
        </form>
        {table}
        {next.map(|href| view! { <p><a href=href>{t(lang, "submit.list.more")}</a></p> })}
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "submit.list.title"), body)
}

#[derive(Deserialize, Default)]
pub struct RefQ {
    #[serde(default, rename = "ref")]
    source_ref: String,
}

/// The department's record with this reference, if there is one.
async fn own_record(p: &Portal, ctx: &Ctx, source_ref: &str) -> Result<Option<Value>, Response> {
    if source_ref.trim().is_empty() {
        return Ok(None);
    }
    let g = gql::run(
        p,
        ctx,
        RECORDS,
        json!({ "first": 1, "f": { "sourceRef": source_ref } }),
    )
    .await;
    if !g.ok() {
        return Err(gql::failure(ctx, &g));
    }
    Ok(list(&g.data, "/departmentRecords/nodes").first().cloned())
}

/// Confirm withdrawal: what the record is, what withdrawing does, and the
/// reason (required).
fn withdraw_page(
    ctx: &Ctx,
    r: &Value,
    status: StatusCode,
    reason: &str,
    errors: &[(String, String)],
) -> Response {
    let lang = ctx.lang;
    let sub = r.get("subject").unwrap_or(&Value::Null);
    let cat = r.get("category").unwrap_or(&Value::Null);
    let body = view! {
        <p class="caption"><a href="/staff/records">{t(lang, "submit.list.title")}</a></p>
        <h1>{t(lang, "submit.withdraw.title")}</h1>
        {error_summary(lang, errors)}
        <dl class="facts">
            <dt>{t(lang, "submit.field.source_ref")}</dt><dd class="mono">{s(r, "sourceRef").to_string()}</dd>
            <dt>{t(lang, "col.title")}</dt><dd>{s(r, "title").to_string()}</dd>
            <dt>{t(lang, "col.subject")}</dt><dd>{s(sub, "name").to_string()}</dd>
            <dt>{t(lang, "col.category")}</dt><dd>{pick(lang, cat).to_string()}</dd>
            <dt>{t(lang, "col.decided")}</dt><dd>{web::date_str(lang, s(r, "decidedOn"))}</dd>
        </dl>
        <p>{t(lang, "submit.withdraw.text")}</p>
        <form method="post" action="/staff/records/withdraw" novalidate>
            <input type="hidden" name="csrf" value=ctx.csrf()/>
            <input type="hidden" name="ref" value=s(r, "sourceRef").to_string()/>
            {text_area(lang, "reason", t(lang, "submit.withdraw.reason").to_string(), Some(t(lang, "submit.withdraw.reason.hint").to_string()), reason, errors)}
            <button type="submit" class="warning">{t(lang, "submit.withdraw.button")}</button>
            " " <a href="/staff/records">{t(lang, "form.cancel")}</a>
        </form>
    }
    .into_any();
    page(ctx, status, t(lang, "submit.withdraw.title"), body)
}

fn already_withdrawn(ctx: &Ctx) -> Response {
    let lang = ctx.lang;
    let body = view! {
        <h1>{t(lang, "submit.withdraw.title")}</h1>
        <p>{t(lang, "submit.err.withdrawn_already")}</p>
        <p><a href="/staff/records">{t(lang, "submit.list.title")}</a></p>
    }
    .into_any();
    page(
        ctx,
        StatusCode::CONFLICT,
        t(lang, "submit.withdraw.title"),
        body,
    )
}

pub async fn withdraw_form(State(p): State<Portal>, ctx: Ctx, Query(q): Query<RefQ>) -> Response {
    if let Err(r) = department_staff(&p, &ctx).await {
        return r;
    }
    match own_record(&p, &ctx, &q.source_ref).await {
        Err(r) => r,
        Ok(None) => web::not_found(&ctx),
        Ok(Some(r)) if matches!(s(&r, "status"), "WITHDRAWN" | "DELETED") => {
            already_withdrawn(&ctx)
        }
        Ok(Some(r)) => withdraw_page(&ctx, &r, StatusCode::OK, "", &[]),
    }
}

pub async fn withdraw(State(p): State<Portal>, ctx: Ctx, form: Form) -> Response {
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    if let Err(r) = department_staff(&p, &ctx).await {
        return r;
    }
    let lang = ctx.lang;
    let source_ref = form.get("ref").to_string();
    let reason = form.get("reason").trim().to_string();
    let record = match own_record(&p, &ctx, &source_ref).await {
        Err(r) => return r,
        Ok(None) => return web::not_found(&ctx),
        Ok(Some(r)) => r,
    };
    if reason.is_empty() {
        let errors = vec![(
            "reason".to_string(),
            t(lang, "submit.err.withdraw_reason").to_string(),
        )];
        return withdraw_page(
            &ctx,
            &record,
            StatusCode::UNPROCESSABLE_ENTITY,
            form.get("reason"),
            &errors,
        );
    }
    let g = gql::run(
        &p,
        &ctx,
        WITHDRAW,
        json!({ "i": { "sourceRef": source_ref, "reason": reason } }),
    )
    .await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    if let Some(e) = list(&g.data, "/withdrawRecord/userErrors").first() {
        return match s(e, "code") {
            "RECORD_NOT_FOUND" => web::not_found(&ctx),
            "RECORD_WITHDRAWN" => already_withdrawn(&ctx),
            "REASON_REQUIRED" => {
                let errors = vec![(
                    "reason".to_string(),
                    t(lang, "submit.err.withdraw_reason").to_string(),
                )];
                withdraw_page(
                    &ctx,
                    &record,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    form.get("reason"),
                    &errors,
                )
            }
            code => {
                let errors = vec![(
                    "reason".to_string(),
                    format!("{} ({code})", t(lang, "uerr.generic")),
                )];
                withdraw_page(
                    &ctx,
                    &record,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    form.get("reason"),
                    &errors,
                )
            }
        };
    }
    web::see_other(
        &ctx,
        &format!(
            "/staff/records?done=withdrawn&ref={}",
            web::encode(&source_ref)
        ),
        &[],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn penalty() -> Value {
        json!({
            "code": "administrative_penalty",
            "contentFields": [
                { "key": "basis", "titleZh": "处罚依据", "titleEn": "Legal basis of the penalty", "required": true, "valueType": "TEXT", "maxLength": 500, "values": [] },
                { "key": "fine_amount_yuan", "titleZh": "罚款金额（元）", "titleEn": "Fine (yuan)", "required": false, "valueType": "NUMBER", "minimum": 0.0, "values": [] },
            ]
        })
    }

    fn typed(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn error_paths_point_at_form_fields() {
        let path = |p: Value| form_field(p.as_array().map(Vec::as_slice).unwrap_or(&[]), "X");
        assert_eq!(
            path(json!([
                "input",
                "records",
                "0",
                "content",
                "fine_amount_yuan"
            ])),
            "content.fine_amount_yuan"
        );
        assert_eq!(
            path(json!(["input", "records", "0", "legalBasis", "docType"])),
            "legalBasis.docType"
        );
        assert_eq!(
            path(json!(["input", "records", "0", "subjectKind"])),
            "subjectIdentifier"
        );
        let basis = json!(["input", "records", "0", "legalBasis"]);
        assert_eq!(
            form_field(
                basis.as_array().map(Vec::as_slice).unwrap_or(&[]),
                "DATE_IN_FUTURE"
            ),
            "legalBasis.effectiveOn"
        );
    }

    #[test]
    fn the_form_becomes_a_record_input() {
        let v = typed(&[
            ("sourceRef", " R-1 "),
            ("subjectIdentifier", "91350100ma099qfhxf"),
            ("decidedOn", "2026/06/18"),
            ("content.basis", "《食品安全法》"),
            ("content.fine_amount_yuan", "50 000"),
            ("disclosure", "PUBLIC"),
            ("severity", "HUGE"),
            ("correctionReason", ""),
        ]);
        let r = record_input(Lang::En, &penalty(), &v).expect("an input");
        assert_eq!(r["sourceRef"], "R-1");
        assert_eq!(r["subjectIdentifier"], "91350100MA099QFHXF");
        assert_eq!(r["decidedOn"], "2026-06-18");
        assert_eq!(
            r["content"],
            json!({ "basis": "《食品安全法》", "fine_amount_yuan": 50000 })
        );
        assert_eq!(r["disclosure"], "PUBLIC");
        assert!(r.get("severity").is_none(), "not one of the choices");
        assert!(r.get("correctionReason").is_none());
        assert!(r.get("legalBasis").is_none());
    }

    #[test]
    fn unreadable_dates_numbers_and_half_a_document_are_caught_first() {
        let v = typed(&[
            ("decidedOn", "2026-02-30"),
            ("content.fine_amount_yuan", "five"),
            ("legalBasis.number", "榕市监处罚〔2026〕1号"),
        ]);
        let errors = record_input(Lang::En, &penalty(), &v).expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        for f in [
            "decidedOn",
            "content.fine_amount_yuan",
            "legalBasis.docType",
            "legalBasis.issuer",
            "legalBasis.effectiveOn",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        assert!(!fields.contains(&"legalBasis.number"));
    }
}
