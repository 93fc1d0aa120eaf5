//! Who acts for a subject: binding on documents checked by staff (the
//! applicant's form and requests, the checkers' queue), and the owners'
//! page of the accounts that act for their subject (add, revoke).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use leptos::prelude::*;
use serde_json::{Value, json};

use super::staff::staff_role;
use super::{
    Done, card_list, confirm_form, done_key, error_summary, explain, failed, notice, post_button,
    text_field, textarea_field,
};
use crate::Portal;
use crate::gql::{self, FieldErr, list, s};
use crate::i18n::{Lang, t};
use crate::web::{self, Ctx, Form, page};

/// The words for the user errors of these forms; the rest as everywhere.
fn explain_here(lang: Lang, e: &FieldErr) -> String {
    let key = match e.code.as_str() {
        "EVIDENCE_INVALID" => "docbind.err.evidence",
        "BINDING_REQUEST_PENDING" => "docbind.err.pending",
        "DECISION_NOTE_REQUIRED" => "bindq.err.note",
        "DECISION_NOTE_INVALID" => "bindq.err.note_long",
        "BINDING_REQUEST_DECIDED" => "bindq.err.decided",
        "ACCOUNT_NOT_FOUND" => "accounts.err.not_found",
        "ALREADY_BOUND" => "accounts.err.already",
        "EMAIL_INVALID" => "uerr.email_invalid",
        _ => return explain(lang, e),
    };
    t(lang, key).to_string()
}

fn request_status(lang: Lang, code: &str) -> (&'static str, &'static str) {
    match code {
        "PENDING" => (t(lang, "docbind.status.pending"), "tag tag-pending"),
        "APPROVED" => (t(lang, "docbind.status.approved"), "tag tag-active"),
        "REJECTED" => (t(lang, "docbind.status.rejected"), "tag tag-denied"),
        "WITHDRAWN" => (t(lang, "docbind.status.withdrawn"), "tag tag-withdrawn"),
        _ => (t(lang, "status.unknown"), "tag"),
    }
}

fn role_name(lang: Lang, code: &str) -> &'static str {
    match code {
        "OWNER" => t(lang, "accounts.role.owner"),
        "AGENT" => t(lang, "accounts.role.agent"),
        _ => t(lang, "status.unknown"),
    }
}

fn bound_via(lang: Lang, code: &str) -> &'static str {
    match code {
        "CONTACT_CODE" => t(lang, "accounts.via.contact_code"),
        "STAFF_DOCUMENT" => t(lang, "accounts.via.staff_document"),
        "EXTERNAL_IDP" => t(lang, "accounts.via.external"),
        "DEMO" => t(lang, "accounts.via.demo"),
        "OWNER_GRANT" => t(lang, "accounts.via.owner_grant"),
        _ => t(lang, "status.unknown"),
    }
}

// ---------------------------------------------------------------------------
// The applicant: binding on documents

const MY_REQUESTS: &str = "query{viewer{account{role}} bindingRequests(first:20){nodes{id number subjectName subjectIdentifier status evidence createdAt decidedAt decisionNote}}}";

/// What was typed into the document form, and what to fix.
#[derive(Default)]
struct DocDraft {
    identifier: String,
    name: String,
    evidence: String,
    errors: Vec<(String, String)>,
}

/// The form and the account's own requests. Staff and operators do not
/// bind (the API refuses them): for them the page does not exist.
async fn document_page(
    p: &Portal,
    ctx: &Ctx,
    status: StatusCode,
    draft: &DocDraft,
    done: Option<&'static str>,
) -> Response {
    if !ctx.signed_in() {
        return web::to_sign_in(ctx);
    }
    let lang = ctx.lang;
    let g = gql::run(p, ctx, MY_REQUESTS, json!({})).await;
    if !g.ok() {
        return gql::failure(ctx, &g);
    }
    if s(g.at("/viewer/account"), "role") != "SUBJECT_USER" {
        return web::not_found(ctx);
    }
    let csrf = ctx.csrf();
    let requests = list(&g.data, "/bindingRequests/nodes");
    let items = requests
        .iter()
        .map(|r| {
            let (word, class) = request_status(lang, s(r, "status"));
            let pending = s(r, "status") == "PENDING";
            let note = s(r, "decisionNote").to_string();
            let decided = s(r, "decidedAt").to_string();
            let action = format!(
                "/me/bind/document/{}/withdraw",
                web::encode(s(r, "id"))
            );
            view! {
                <li class="consent">
                    <h3>{s(r, "subjectName").to_string()} " " <span class="meta">{s(r, "number").to_string()}</span></h3>
                    <p><span class=class>{word}</span></p>
                    <dl class="facts">
                        <dt>{t(lang, "docbind.col.identifier")}</dt>
                        <dd class="mono">{s(r, "subjectIdentifier").to_string()}</dd>
                        <dt>{t(lang, "docbind.col.evidence")}</dt>
                        <dd>{s(r, "evidence").to_string()}</dd>
                        <dt>{t(lang, "docbind.col.created")}</dt>
                        <dd>{web::datetime_str(lang, s(r, "createdAt"))}</dd>
                        {(!decided.is_empty()).then(|| view! {
                            <dt>{t(lang, "docbind.col.decided")}</dt>
                            <dd>{web::datetime_str(lang, &decided)}</dd>
                        })}
                        {(!note.is_empty()).then(|| view! {
                            <dt>{t(lang, "docbind.col.note")}</dt>
                            <dd>{note.clone()}</dd>
                        })}
                    </dl>
                    {pending.then(|| view! {
                        <p class="meta">{t(lang, "docbind.withdraw.text")}</p>
                        <form method="post" action=action.clone()>
                            <input type="hidden" name="csrf" value=csrf.clone()/>
                            <button type="submit" class="secondary">{t(lang, "docbind.withdraw")}</button>
                        </form>
                    })}
                </li>
            }
        })
        .collect_view();
    let errors = &draft.errors;
    let body = view! {
        <p class="caption"><a href="/me/bind">{t(lang, "bind.title")}</a></p>
        <h1>{t(lang, "docbind.title")}</h1>
        <p class="lead">{t(lang, "docbind.lead")}</p>
        {notice(lang, done)}
        {error_summary(lang, errors)}
        <form method="post" action="/me/bind/document" novalidate>
            <input type="hidden" name="csrf" value=csrf.clone()/>
            {text_field(lang, "identifier", "bind.field.identifier", Some("bind.field.identifier.hint"), "text", &draft.identifier, errors, "off")}
            {text_field(lang, "name", "bind.field.name", Some("bind.field.name.hint"), "text", &draft.name, errors, "name")}
            {textarea_field(lang, "evidence".into(), "docbind.field.evidence", "docbind.field.evidence.hint", &draft.evidence, errors, 4)}
            <button type="submit">{t(lang, "docbind.send")}</button>
        </form>
        <h2>{t(lang, "docbind.mine")}</h2>
        {card_list(lang, items, "docbind.mine.none")}
    }
    .into_any();
    page(ctx, status, t(lang, "docbind.title"), body)
}

pub async fn document_form(State(p): State<Portal>, ctx: Ctx, Query(d): Query<Done>) -> Response {
    let done = done_key(
        &d.done,
        &[
            ("requested", "docbind.done.requested"),
            ("withdrawn", "docbind.done.withdrawn"),
        ],
    );
    document_page(&p, &ctx, StatusCode::OK, &DocDraft::default(), done).await
}

const REQUEST: &str = "mutation($i:RequestDocumentBindingInput!){requestDocumentBinding(input:$i){request{id number} userErrors{field code message}}}";

pub async fn request_document(State(p): State<Portal>, ctx: Ctx, form: Form) -> Response {
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    let lang = ctx.lang;
    let mut draft = DocDraft {
        identifier: form.get("identifier").trim().to_uppercase(),
        name: form.get("name").trim().to_string(),
        evidence: form.get("evidence").trim().to_string(),
        errors: Vec::new(),
    };
    // Empty answers are said at once; the rest is the platform's to judge.
    if draft.identifier.is_empty() {
        draft.errors.push((
            "identifier".into(),
            t(lang, "bind.err.identifier").to_string(),
        ));
    }
    if draft.evidence.is_empty() {
        draft.errors.push((
            "evidence".into(),
            t(lang, "docbind.err.evidence").to_string(),
        ));
    }
    if !draft.errors.is_empty() {
        return document_page(&p, &ctx, StatusCode::UNPROCESSABLE_ENTITY, &draft, None).await;
    }
    let mut input = json!({ "identifier": draft.identifier, "evidence": draft.evidence });
    if !draft.name.is_empty() {
        input["name"] = json!(draft.name);
    }
    let g = gql::run(&p, &ctx, REQUEST, json!({ "i": input })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let errs = gql::user_errors(g.at("/requestDocumentBinding/userErrors"));
    if !errs.is_empty() {
        draft.errors = errs
            .iter()
            .map(|e| {
                let f = match e.field.as_str() {
                    "name" => "name",
                    "evidence" => "evidence",
                    _ => "identifier",
                };
                (f.to_string(), explain_here(lang, e))
            })
            .collect();
        return document_page(&p, &ctx, StatusCode::UNPROCESSABLE_ENTITY, &draft, None).await;
    }
    web::see_other(&ctx, "/me/bind/document?done=requested", &[])
}

const WITHDRAW: &str = "mutation($i:WithdrawBindingRequestInput!){withdrawBindingRequest(input:$i){request{id status} userErrors{field code message}}}";

pub async fn withdraw_request(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let back = ("/me/bind/document", "accounts.back");
    let input = json!({ "id": id });
    match post_button(
        &p,
        &ctx,
        &form,
        WITHDRAW,
        "withdrawBindingRequest",
        input,
        explain_here,
        back,
    )
    .await
    {
        Ok(()) => web::see_other(&ctx, "/me/bind/document?done=withdrawn", &[]),
        Err(r) => r,
    }
}

// ---------------------------------------------------------------------------
// The checkers: operators and department staff

const QUEUE: &str = "query{bindingRequests(first:50,status:PENDING){nodes{id number subjectName subjectIdentifier applicantDisplayName applicantEmail role evidence createdAt}}}";

/// A decision that was refused: which request, what was typed, why.
#[derive(Default)]
struct Decision {
    id: String,
    note: String,
    errors: Vec<(String, String)>,
}

async fn queue_page(
    p: &Portal,
    ctx: &Ctx,
    status: StatusCode,
    draft: &Decision,
    done: Option<&'static str>,
) -> Response {
    if let Err(r) = staff_role(p, ctx).await {
        return r;
    }
    let lang = ctx.lang;
    let g = gql::run(p, ctx, QUEUE, json!({})).await;
    if !g.ok() {
        return gql::failure(ctx, &g);
    }
    let csrf = ctx.csrf();
    let requests = list(&g.data, "/bindingRequests/nodes");
    let items = requests
        .iter()
        .map(|r| {
            let id = s(r, "id");
            let number = s(r, "number").to_string();
            let this = id == draft.id;
            let no_errors = Vec::new();
            let errors = if this { &draft.errors } else { &no_errors };
            let note = if this { draft.note.as_str() } else { "" };
            let action = format!("/staff/bindings/{}/decide", web::encode(id));
            let applicant = format!(
                "{} ({})",
                s(r, "applicantDisplayName"),
                s(r, "applicantEmail")
            );
            view! {
                <li class="consent" id=format!("request-{number}")>
                    <h2>{s(r, "subjectName").to_string()} " " <span class="meta">{number.clone()}</span></h2>
                    <dl class="facts">
                        <dt>{t(lang, "docbind.col.identifier")}</dt>
                        <dd class="mono">{s(r, "subjectIdentifier").to_string()}</dd>
                        <dt>{t(lang, "bindq.applicant")}</dt>
                        <dd>{applicant}</dd>
                        <dt>{t(lang, "bindq.role")}</dt>
                        <dd>{role_name(lang, s(r, "role"))}</dd>
                        <dt>{t(lang, "docbind.col.evidence")}</dt>
                        <dd>{s(r, "evidence").to_string()}</dd>
                        <dt>{t(lang, "docbind.col.created")}</dt>
                        <dd>{web::datetime_str(lang, s(r, "createdAt"))}</dd>
                    </dl>
                    <form method="post" action=action novalidate>
                        <input type="hidden" name="csrf" value=csrf.clone()/>
                        {textarea_field(lang, format!("note-{number}"), "bindq.note", "bindq.note.hint", note, errors, 4)}
                        <button type="submit" name="decision" value="approve">{t(lang, "bindq.approve")}</button>
                        " "
                        <button type="submit" name="decision" value="reject" class="warning">{t(lang, "bindq.reject")}</button>
                    </form>
                </li>
            }
        })
        .collect_view();
    let body = view! {
        <p class="caption"><a href="/staff">{t(lang, "staff.title")}</a></p>
        <h1>{t(lang, "bindq.title")}</h1>
        <p class="lead">{t(lang, "bindq.lead")}</p>
        {notice(lang, done)}
        {error_summary(lang, &draft.errors)}
        {card_list(lang, items, "bindq.none")}
    }
    .into_any();
    page(ctx, status, t(lang, "bindq.title"), body)
}

pub async fn queue(State(p): State<Portal>, ctx: Ctx, Query(d): Query<Done>) -> Response {
    let done = done_key(
        &d.done,
        &[
            ("approved", "bindq.done.approved"),
            ("rejected", "bindq.done.rejected"),
        ],
    );
    queue_page(&p, &ctx, StatusCode::OK, &Decision::default(), done).await
}

const DECIDE: &str = "mutation($i:DecideBindingRequestInput!){decideBindingRequest(input:$i){request{id number status} userErrors{field code message}}}";
const NUMBER: &str = "query($id:ID!){node(id:$id){... on BindingRequest{number}}}";

pub async fn decide(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    if let Err(r) = staff_role(&p, &ctx).await {
        return r;
    }
    let lang = ctx.lang;
    // The note's field is named after the request's number (one form per
    // request on the page): read it to put an error in the right place.
    let n = gql::run(&p, &ctx, NUMBER, json!({ "id": id })).await;
    let number = s(n.at("/node"), "number").to_string();
    if number.is_empty() {
        return web::not_found(&ctx);
    }
    let field = format!("note-{number}");
    let note = form.get(&field).trim().to_string();
    let approve = match form.get("decision") {
        "approve" => true,
        "reject" => false,
        _ => {
            let draft = Decision {
                errors: vec![(field, t(lang, "bindq.err.decision").to_string())],
                id,
                note,
            };
            return queue_page(&p, &ctx, StatusCode::UNPROCESSABLE_ENTITY, &draft, None).await;
        }
    };
    let mut input = json!({ "id": id, "approve": approve });
    if !note.is_empty() {
        input["note"] = json!(note);
    }
    let g = gql::run(&p, &ctx, DECIDE, json!({ "i": input })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let errs = gql::user_errors(g.at("/decideBindingRequest/userErrors"));
    if let Some(e) = errs.first() {
        match e.code.as_str() {
            c if c.ends_with("NOT_FOUND") => return web::not_found(&ctx),
            "BINDING_REQUEST_DECIDED" => {
                return failed(
                    &ctx,
                    explain_here(lang, e),
                    "/staff/bindings",
                    "accounts.back",
                );
            }
            _ => {
                let draft = Decision {
                    errors: vec![(field, explain_here(lang, e))],
                    id,
                    note,
                };
                return queue_page(&p, &ctx, StatusCode::UNPROCESSABLE_ENTITY, &draft, None).await;
            }
        }
    }
    let done = if approve { "approved" } else { "rejected" };
    web::see_other(&ctx, &format!("/staff/bindings?done={done}"), &[])
}

/// The checkers' notice links to `/staff/binding-requests/{n}`: the request
/// is on the queue page, under its number.
pub async fn request_link(ctx: Ctx, Path(n): Path<String>) -> Response {
    match n.parse::<i64>() {
        Ok(n) if n > 0 => web::see_other(&ctx, &format!("/staff/bindings#request-BR-{n}"), &[]),
        _ => web::not_found(&ctx),
    }
}

// ---------------------------------------------------------------------------
// Owners: the accounts that act for a subject

// The subject's name comes with the bindings: no read of the subject
// itself, so a refused page reads nothing about it.
const ACCOUNTS: &str = "query($s:ID!){subjectAccounts(subjectId:$s){id subjectId subjectName accountDisplayName accountEmail role boundVia boundAt revokedAt active} myBindings{id subjectId role}}";

/// The subject's name, its bindings as the API shows them to this account,
/// this account's own bindings, and whether it is one of the subject's
/// owners.
struct Accounts {
    name: String,
    bindings: Vec<Value>,
    mine: Vec<Value>,
    owner: bool,
}

/// The accounts of a subject, or the page to send instead: sign in first,
/// or not found for a subject this account does not act for (the API
/// refuses it).
async fn read_accounts(p: &Portal, ctx: &Ctx, subject: &str) -> Result<Accounts, Response> {
    if !ctx.signed_in() {
        return Err(web::to_sign_in(ctx));
    }
    let g = gql::run(p, ctx, ACCOUNTS, json!({ "s": subject })).await;
    if !g.ok() {
        return Err(gql::failure(ctx, &g));
    }
    let bindings = list(&g.data, "/subjectAccounts").to_vec();
    // The account's own binding is always on the list when it may see it.
    let Some(first) = bindings.first() else {
        return Err(web::not_found(ctx));
    };
    let sid = s(first, "subjectId").to_string();
    let name = s(first, "subjectName").to_string();
    let mine = list(&g.data, "/myBindings").to_vec();
    let owner = mine
        .iter()
        .any(|b| s(b, "subjectId") == sid && s(b, "role") == "OWNER");
    Ok(Accounts {
        name,
        bindings,
        mine,
        owner,
    })
}

/// What was typed into the add form, and what to fix.
struct AddDraft {
    email: String,
    role: String,
    errors: Vec<(String, String)>,
}

impl Default for AddDraft {
    fn default() -> Self {
        AddDraft {
            email: String::new(),
            role: "AGENT".into(),
            errors: Vec::new(),
        }
    }
}

async fn accounts_page(
    p: &Portal,
    ctx: &Ctx,
    subject: &str,
    status: StatusCode,
    draft: &AddDraft,
    done: Option<&'static str>,
) -> Response {
    let a = match read_accounts(p, ctx, subject).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let lang = ctx.lang;
    let enc = web::encode(subject);
    let rows = a
        .bindings
        .iter()
        .map(|b| {
            let active = b.get("active").and_then(Value::as_bool) == Some(true);
            let ended = if active {
                t(lang, "accounts.still").to_string()
            } else {
                web::datetime_str(lang, s(b, "revokedAt"))
            };
            let revoke = (a.owner && active).then(|| {
                let href = format!("/me/{enc}/accounts/{}/revoke", web::encode(s(b, "id")));
                view! { <a class="button secondary small" href=href>{t(lang, "accounts.revoke")}</a> }
            });
            view! {
                <tr>
                    <td>{s(b, "accountDisplayName").to_string()}<br/><span class="meta">{s(b, "accountEmail").to_string()}</span></td>
                    <td>{role_name(lang, s(b, "role"))}</td>
                    <td>{bound_via(lang, s(b, "boundVia"))}</td>
                    <td>{web::datetime_str(lang, s(b, "boundAt"))}</td>
                    <td>{ended}</td>
                    {a.owner.then(|| view! { <td>{revoke}</td> })}
                </tr>
            }
        })
        .collect_view();
    let errors = &draft.errors;
    let radio = |value: &'static str, label: &'static str, hint: &'static str| {
        let id = format!("role-{}", value.to_ascii_lowercase());
        let hint_id = format!("{id}-hint");
        let checked = draft.role == value;
        view! {
            <div class="choice">
                <input type="radio" id=id.clone() name="role" value=value checked=checked aria-describedby=hint_id.clone()/>
                <label for=id>{t(lang, label)}</label>
                <p class="hint" id=hint_id>{t(lang, hint)}</p>
            </div>
        }
    };
    let add_form = a.owner.then(|| {
        let action = format!("/me/{enc}/accounts");
        view! {
            <h2 id="add">{t(lang, "accounts.add.title")}</h2>
            <p>{t(lang, "accounts.add.lead")}</p>
            {error_summary(lang, errors)}
            <form method="post" action=action novalidate>
                <input type="hidden" name="csrf" value=ctx.csrf()/>
                {text_field(lang, "email", "accounts.field.email", Some("accounts.field.email.hint"), "email", &draft.email, errors, "off")}
                <fieldset class="field" id="role">
                    <legend>{t(lang, "accounts.field.role")}</legend>
                    {radio("AGENT", "accounts.role.agent", "accounts.role.agent.text")}
                    {radio("OWNER", "accounts.role.owner", "accounts.role.owner.text")}
                </fieldset>
                <button type="submit">{t(lang, "accounts.add")}</button>
            </form>
        }
    });
    let body = view! {
        <p class="caption"><a href="/me">{t(lang, "dash.title")}</a></p>
        <h1>{t(lang, "accounts.title")}</h1>
        <p class="lead">{a.name.clone()}</p>
        {notice(lang, done)}
        <ul>
            <li><strong>{t(lang, "accounts.role.owner")}</strong>{t(lang, "punct.colon")}{t(lang, "accounts.role.owner.text")}</li>
            <li><strong>{t(lang, "accounts.role.agent")}</strong>{t(lang, "punct.colon")}{t(lang, "accounts.role.agent.text")}</li>
        </ul>
        {(!a.owner).then(|| view! { <p>{t(lang, "accounts.agent_only")}</p> })}
        <div class="table-wrap"><table>
            <thead><tr>
                <th scope="col">{t(lang, "accounts.col.account")}</th>
                <th scope="col">{t(lang, "accounts.col.role")}</th>
                <th scope="col">{t(lang, "accounts.col.via")}</th>
                <th scope="col">{t(lang, "accounts.col.since")}</th>
                <th scope="col">{t(lang, "accounts.col.ended")}</th>
                {a.owner.then(|| view! { <th scope="col">{t(lang, "accounts.col.action")}</th> })}
            </tr></thead>
            <tbody>{rows}</tbody>
        </table></div>
        {add_form}
    }
    .into_any();
    page(ctx, status, t(lang, "accounts.title"), body)
}

pub async fn accounts(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(subject): Path<String>,
    Query(d): Query<Done>,
) -> Response {
    let done = done_key(
        &d.done,
        &[
            ("added", "accounts.done.added"),
            ("revoked", "accounts.done.revoked"),
        ],
    );
    accounts_page(
        &p,
        &ctx,
        &subject,
        StatusCode::OK,
        &AddDraft::default(),
        done,
    )
    .await
}

const ADD: &str = "mutation($i:AddSubjectAccountInput!){addSubjectAccount(input:$i){binding{id} userErrors{field code message}}}";

pub async fn add_account(
    State(p): State<Portal>,
    ctx: Ctx,
    Path(subject): Path<String>,
    form: Form,
) -> Response {
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    let lang = ctx.lang;
    let mut draft = AddDraft {
        email: form.get("email").trim().to_string(),
        // Only the two roles there are; anything else is the default.
        role: if form.get("role") == "OWNER" {
            "OWNER".into()
        } else {
            "AGENT".into()
        },
        errors: Vec::new(),
    };
    if draft.email.is_empty() {
        draft
            .errors
            .push(("email".into(), t(lang, "accounts.err.email").to_string()));
        return accounts_page(
            &p,
            &ctx,
            &subject,
            StatusCode::UNPROCESSABLE_ENTITY,
            &draft,
            None,
        )
        .await;
    }
    let input = json!({ "subjectId": subject, "email": draft.email, "role": draft.role });
    let g = gql::run(&p, &ctx, ADD, json!({ "i": input })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let errs = gql::user_errors(g.at("/addSubjectAccount/userErrors"));
    if !errs.is_empty() {
        draft.errors = errs
            .iter()
            .map(|e| {
                let f = if e.field == "role" { "role" } else { "email" };
                (f.to_string(), explain_here(lang, e))
            })
            .collect();
        return accounts_page(
            &p,
            &ctx,
            &subject,
            StatusCode::UNPROCESSABLE_ENTITY,
            &draft,
            None,
        )
        .await;
    }
    web::see_other(
        &ctx,
        &format!("/me/{}/accounts?done=added", web::encode(&subject)),
        &[],
    )
}

/// The first of two clicks: whose binding ends and what that changes.
/// Only owners manage accounts; anything but a live binding of this
/// subject is not found.
pub async fn revoke_form(
    State(p): State<Portal>,
    ctx: Ctx,
    Path((subject, binding)): Path<(String, String)>,
) -> Response {
    let a = match read_accounts(&p, &ctx, &subject).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(b) = a
        .bindings
        .iter()
        .find(|b| s(b, "id") == binding && b.get("active").and_then(Value::as_bool) == Some(true))
        .filter(|_| a.owner)
    else {
        return web::not_found(&ctx);
    };
    let lang = ctx.lang;
    let own = a.mine.iter().any(|m| s(m, "id") == binding);
    let who = format!(
        "{} ({}) · {}",
        s(b, "accountDisplayName"),
        s(b, "accountEmail"),
        role_name(lang, s(b, "role"))
    );
    let action = format!(
        "/me/{}/accounts/{}/revoke",
        web::encode(&subject),
        web::encode(&binding)
    );
    let back = format!("/me/{}/accounts", web::encode(&subject));
    let body = view! {
        <p class="caption"><a href=back.clone()>{t(lang, "accounts.title")}</a></p>
        <h1>{t(lang, "accounts.revoke.title")}</h1>
        <p class="lead">{who}</p>
        <p>{a.name.clone()}</p>
        <ul>
            <li>{t(lang, "accounts.revoke.effect1")}</li>
            <li>{t(lang, "accounts.revoke.effect2")}</li>
            <li>{if own { t(lang, "accounts.revoke.effect_own") } else { t(lang, "accounts.revoke.effect3") }}</li>
        </ul>
        {confirm_form(&ctx, action, "accounts.revoke.confirm", back)}
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "accounts.revoke.title"), body)
}

const REVOKE: &str = "mutation($i:RevokeSubjectBindingInput!){revokeSubjectBinding(input:$i){binding{id active} userErrors{field code message}}}";
const MINE: &str = "query{myBindings{id}}";

pub async fn revoke(
    State(p): State<Portal>,
    ctx: Ctx,
    Path((subject, binding)): Path<(String, String)>,
    form: Form,
) -> Response {
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    // Whether it is the account's own binding: then it no longer acts for
    // the subject, and its page is gone.
    let m = gql::run(&p, &ctx, MINE, json!({})).await;
    if !m.ok() {
        return gql::failure(&ctx, &m);
    }
    let own = list(&m.data, "/myBindings")
        .iter()
        .any(|b| s(b, "id") == binding);
    let g = gql::run(&p, &ctx, REVOKE, json!({ "i": { "id": binding } })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let errs = gql::user_errors(g.at("/revokeSubjectBinding/userErrors"));
    if let Some(e) = errs.first() {
        if e.code.ends_with("NOT_FOUND") {
            return web::not_found(&ctx);
        }
        let back = format!("/me/{}/accounts", web::encode(&subject));
        return failed(&ctx, explain_here(ctx.lang, e), &back, "accounts.back");
    }
    if own {
        return web::see_other(&ctx, "/me?done=unbound", &[]);
    }
    web::see_other(
        &ctx,
        &format!("/me/{}/accounts?done=revoked", web::encode(&subject)),
        &[],
    )
}
