//! Sign-in, sign-up and sign-out.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use leptos::prelude::*;
use serde::Deserialize;
use serde_json::json;

use super::{done_key, error_summary, explain, notice, text_field};
use crate::Portal;
use crate::backend::SignIn;
use crate::gql;
use crate::i18n::{Lang, t};
use crate::web::{self, Ctx, Form, page};

#[derive(Deserialize, Default)]
pub struct Next {
    #[serde(default)]
    next: String,
    #[serde(default)]
    done: String,
}

fn sign_in_page(
    ctx: &Ctx,
    status: StatusCode,
    email: &str,
    next: &str,
    errors: &[(String, String)],
    note: Option<&'static str>,
) -> Response {
    let lang = ctx.lang;
    let body = view! {
        <h1>{t(lang, "signin.title")}</h1>
        {notice(lang, note)}
        {error_summary(lang, errors)}
        <form method="post" action="/sign-in" novalidate>
            <input type="hidden" name="csrf" value=ctx.csrf()/>
            <input type="hidden" name="next" value=next.to_string()/>
            {text_field(lang, "email", "field.email", None, "email", email, errors, "username")}
            {text_field(lang, "password", "field.password", None, "password", "", errors, "current-password")}
            <button type="submit">{t(lang, "signin.button")}</button>
        </form>
        <p><a href="/forgot-password">{t(lang, "forgot.title")}</a></p>
        <p>{t(lang, "signin.no_account")} " " <a href="/sign-up">{t(lang, "nav.sign_up")}</a></p>
    }
    .into_any();
    page(ctx, status, t(lang, "signin.title"), body)
}

pub async fn sign_in_form(ctx: Ctx, Query(n): Query<Next>) -> Response {
    let note = done_key(
        &n.done,
        &[
            ("signed-up", "signin.after_signup"),
            ("signed-out", "signin.after_signout"),
            ("reset", "signin.after_reset"),
        ],
    );
    sign_in_page(&ctx, StatusCode::OK, "", &n.next, &[], note)
}

pub async fn sign_in(State(p): State<Portal>, ctx: Ctx, form: Form) -> Response {
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    let lang = ctx.lang;
    let email = form.get("email").trim().to_string();
    let password = form.get("password");
    let next = form.get("next").to_string();
    let mut errors = Vec::new();
    if email.is_empty() {
        errors.push(("email".into(), t(lang, "signin.email_missing").into()));
    }
    if password.is_empty() {
        errors.push(("password".into(), t(lang, "signin.password_missing").into()));
    }
    if !errors.is_empty() {
        return sign_in_page(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &email,
            &next,
            &errors,
            None,
        );
    }
    match p.backend.sign_in(&ctx.caller, &email, password).await {
        SignIn::Ok { token, expires_at } => {
            let age = (expires_at - p.backend.now()).num_seconds().max(0);
            let to = web::safe_next(&next).to_string();
            web::see_other(
                &ctx,
                &to,
                &[
                    web::cookie(web::SESSION_COOKIE, &token, Some(age), ctx.secure),
                    // The visitor nonce is no longer needed: forms are now
                    // bound to the session.
                    web::cookie(web::ANON_COOKIE, "", Some(0), ctx.secure),
                ],
            )
        }
        SignIn::Invalid => sign_in_page(
            &ctx,
            StatusCode::UNAUTHORIZED,
            &email,
            &next,
            &[("email".into(), t(lang, "signin.invalid").into())],
            None,
        ),
        SignIn::Throttled => sign_in_page(
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            &email,
            &next,
            &[("email".into(), t(lang, "signin.throttled").into())],
            None,
        ),
        SignIn::Unavailable => web::message(
            &ctx,
            StatusCode::SERVICE_UNAVAILABLE,
            "err.internal.title",
            "err.internal.text",
        ),
    }
}

struct SignUpValues {
    email: String,
    display_name: String,
    language: Lang,
}

fn sign_up_page(
    ctx: &Ctx,
    status: StatusCode,
    v: &SignUpValues,
    errors: &[(String, String)],
) -> Response {
    let lang = ctx.lang;
    let zh_checked = v.language == Lang::Zh;
    let body = view! {
        <h1>{t(lang, "signup.title")}</h1>
        <p class="lead">{t(lang, "signup.lead")}</p>
        {error_summary(lang, errors)}
        <form method="post" action="/sign-up" novalidate>
            <input type="hidden" name="csrf" value=ctx.csrf()/>
            {text_field(lang, "displayName", "field.display_name", Some("field.display_name.hint"), "text", &v.display_name, errors, "name")}
            {text_field(lang, "email", "field.email", Some("field.email.hint"), "email", &v.email, errors, "email")}
            {text_field(lang, "password", "field.new_password", Some("field.new_password.hint"), "password", "", errors, "new-password")}
            <fieldset class="field">
                <legend>{t(lang, "field.language")}</legend>
                <div class="choice">
                    <input type="radio" id="language-zh" name="language" value="zh-CN" checked=zh_checked/>
                    <label for="language-zh" lang="zh-CN">"简体中文"</label>
                </div>
                <div class="choice">
                    <input type="radio" id="language-en" name="language" value="en" checked=!zh_checked/>
                    <label for="language-en" lang="en">"English"</label>
                </div>
            </fieldset>
            <button type="submit">{t(lang, "signup.button")}</button>
        </form>
    }
    .into_any();
    page(ctx, status, t(lang, "signup.title"), body)
}

pub async fn sign_up_form(ctx: Ctx) -> Response {
    let v = SignUpValues {
        email: String::new(),
        display_name: String::new(),
        language: ctx.lang,
    };
    sign_up_page(&ctx, StatusCode::OK, &v, &[])
}

const SIGN_UP: &str =
    "mutation($i:SignUpInput!){signUp(input:$i){account{id} userErrors{field code message}}}";

pub async fn sign_up(State(p): State<Portal>, ctx: Ctx, form: Form) -> Response {
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    let lang = ctx.lang;
    let v = SignUpValues {
        email: form.get("email").trim().to_string(),
        display_name: form.get("displayName").trim().to_string(),
        language: Lang::from_tag(form.get("language")).unwrap_or(lang),
    };
    let mut errors: Vec<(String, String)> = Vec::new();
    if v.display_name.is_empty() {
        errors.push(("displayName".into(), t(lang, "signup.name_missing").into()));
    }
    if v.email.is_empty() {
        errors.push(("email".into(), t(lang, "signin.email_missing").into()));
    }
    if form.get("password").is_empty() {
        errors.push(("password".into(), t(lang, "signin.password_missing").into()));
    }
    if !errors.is_empty() {
        return sign_up_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &v, &errors);
    }
    let vars = json!({ "i": {
        "email": v.email,
        "displayName": v.display_name,
        "password": form.get("password"),
        "language": match v.language { Lang::Zh => "ZH_CN", Lang::En => "EN" },
    }});
    let g = gql::run(&p, &ctx, SIGN_UP, vars).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let errs = gql::user_errors(g.at("/signUp/userErrors"));
    if !errs.is_empty() {
        let errors: Vec<(String, String)> = errs
            .iter()
            .map(|e| {
                let field = match e.field.as_str() {
                    "displayName" | "email" | "password" => e.field.clone(),
                    _ => "email".to_string(),
                };
                (field, explain(lang, e))
            })
            .collect();
        return sign_up_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &v, &errors);
    }
    // Sign straight in with what was just chosen.
    match p
        .backend
        .sign_in(&ctx.caller, &v.email, form.get("password"))
        .await
    {
        SignIn::Ok { token, expires_at } => {
            let age = (expires_at - p.backend.now()).num_seconds().max(0);
            web::see_other(
                &ctx,
                "/me?done=signed-up",
                &[
                    web::cookie(web::SESSION_COOKIE, &token, Some(age), ctx.secure),
                    web::cookie(web::ANON_COOKIE, "", Some(0), ctx.secure),
                    web::cookie(
                        web::LANG_COOKIE,
                        v.language.tag(),
                        Some(365 * 24 * 3600),
                        ctx.secure,
                    ),
                ],
            )
        }
        _ => web::see_other(&ctx, "/sign-in?done=signed-up", &[]),
    }
}

pub async fn sign_out_form(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    if !ctx.signed_in() {
        return web::see_other(&ctx, "/", &[]);
    }
    let body = view! {
        <h1>{t(lang, "signout.title")}</h1>
        <form method="post" action="/sign-out">
            <input type="hidden" name="csrf" value=ctx.csrf()/>
            <div class="choice">
                <input type="checkbox" id="everywhere" name="everywhere" value="true"/>
                <label for="everywhere">{t(lang, "signout.everywhere")}</label>
            </div>
            <button type="submit">{t(lang, "nav.sign_out")}</button>
        </form>
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "signout.title"), body)
}

const LOGOUT: &str =
    "mutation($e:Boolean!){logout(input:{everywhere:$e}){sessionsEnded userErrors{code}}}";

pub async fn sign_out(State(p): State<Portal>, ctx: Ctx, form: Form) -> Response {
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    if ctx.signed_in() {
        let everywhere = form.get("everywhere") == "true";
        // An already ended session is fine: the cookie goes either way.
        let _ = gql::run(&p, &ctx, LOGOUT, json!({ "e": everywhere })).await;
    }
    web::see_other(
        &ctx,
        "/sign-in?done=signed-out",
        &[web::cookie(web::SESSION_COOKIE, "", Some(0), ctx.secure)],
    )
}

// ---------------------------------------------------------------------------
// Forgotten password: ask for a link by email, then choose a new password
// on the page the link opens (`/account/reset-password?token=`, the path
// the platform's email uses).

fn forgot_page(
    ctx: &Ctx,
    status: StatusCode,
    email: &str,
    errors: &[(String, String)],
) -> Response {
    let lang = ctx.lang;
    let body = view! {
        <p class="caption"><a href="/sign-in">{t(lang, "signin.title")}</a></p>
        <h1>{t(lang, "forgot.title")}</h1>
        <p class="lead">{t(lang, "forgot.lead")}</p>
        {error_summary(lang, errors)}
        <form method="post" action="/forgot-password" novalidate>
            <input type="hidden" name="csrf" value=ctx.csrf()/>
            {text_field(lang, "email", "field.email", None, "email", email, errors, "username")}
            <button type="submit">{t(lang, "forgot.button")}</button>
        </form>
    }
    .into_any();
    page(ctx, status, t(lang, "forgot.title"), body)
}

pub async fn forgot_form(ctx: Ctx) -> Response {
    forgot_page(&ctx, StatusCode::OK, "", &[])
}

const REQUEST_RESET: &str = "mutation($i:RequestPasswordResetInput!){requestPasswordReset(input:$i){accepted userErrors{field code message}}}";

pub async fn forgot(State(p): State<Portal>, ctx: Ctx, form: Form) -> Response {
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    let lang = ctx.lang;
    let email = form.get("email").trim().to_string();
    if email.is_empty() {
        let e = [(
            "email".to_string(),
            t(lang, "signin.email_missing").to_string(),
        )];
        return forgot_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &email, &e);
    }
    let g = gql::run(&p, &ctx, REQUEST_RESET, json!({ "i": { "email": email } })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let errs = gql::user_errors(g.at("/requestPasswordReset/userErrors"));
    if let Some(e) = errs.first() {
        let e = [("email".to_string(), explain(lang, e))];
        return forgot_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &email, &e);
    }
    // The same answer whether or not an account has this email.
    web::message(
        &ctx,
        StatusCode::OK,
        "forgot.sent.title",
        "forgot.sent.text",
    )
}

#[derive(Deserialize, Default)]
pub struct TokenQ {
    #[serde(default)]
    token: String,
}

fn reset_page(ctx: &Ctx, status: StatusCode, token: &str, errors: &[(String, String)]) -> Response {
    let lang = ctx.lang;
    let body = view! {
        <h1>{t(lang, "reset.title")}</h1>
        {error_summary(lang, errors)}
        <form method="post" action="/account/reset-password" novalidate>
            <input type="hidden" name="csrf" value=ctx.csrf()/>
            <input type="hidden" name="token" value=token.to_string()/>
            {text_field(lang, "password", "field.new_password", Some("field.new_password.hint"), "password", "", errors, "new-password")}
            <button type="submit">{t(lang, "reset.button")}</button>
        </form>
        <p><a href="/forgot-password">{t(lang, "reset.again")}</a></p>
    }
    .into_any();
    page(ctx, status, t(lang, "reset.title"), body)
}

pub async fn reset_form(ctx: Ctx, Query(q): Query<TokenQ>) -> Response {
    if q.token.is_empty() || q.token.len() > 200 {
        return web::message(
            &ctx,
            StatusCode::NOT_FOUND,
            "reset.bad.title",
            "reset.bad.text",
        );
    }
    reset_page(&ctx, StatusCode::OK, &q.token, &[])
}

const RESET: &str = "mutation($i:ResetPasswordInput!){resetPassword(input:$i){account{id} userErrors{field code message}}}";

pub async fn reset(State(p): State<Portal>, ctx: Ctx, form: Form) -> Response {
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    let lang = ctx.lang;
    let token = form.get("token").to_string();
    let password = form.get("password");
    if password.is_empty() {
        let e = [(
            "password".to_string(),
            t(lang, "signin.password_missing").to_string(),
        )];
        return reset_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &token, &e);
    }
    let vars = json!({ "i": { "token": token, "newPassword": password } });
    let g = gql::run(&p, &ctx, RESET, vars).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let errs = gql::user_errors(g.at("/resetPassword/userErrors"));
    if let Some(e) = errs.first() {
        if matches!(e.code.as_str(), "TOKEN_INVALID" | "TOKEN_EXPIRED") {
            return web::message(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                "reset.bad.title",
                "reset.bad.text",
            );
        }
        let e = [("password".to_string(), explain(lang, e))];
        return reset_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &token, &e);
    }
    // Every session of the account has ended: sign in with the new one.
    web::see_other(
        &ctx,
        "/sign-in?done=reset",
        &[web::cookie(web::SESSION_COOKIE, "", Some(0), ctx.secure)],
    )
}

// ---------------------------------------------------------------------------
// Email verification: the emailed link opens a page with one button, so
// that a mail scanner fetching the link does not verify on its own.

pub async fn verify_form(ctx: Ctx, Query(q): Query<TokenQ>) -> Response {
    let lang = ctx.lang;
    if q.token.is_empty() || q.token.len() > 200 {
        return web::message(
            &ctx,
            StatusCode::NOT_FOUND,
            "verify.bad.title",
            "verify.bad.text",
        );
    }
    let body = view! {
        <h1>{t(lang, "verify.title")}</h1>
        <p>{t(lang, "verify.text")}</p>
        <form method="post" action="/account/verify-email">
            <input type="hidden" name="csrf" value=ctx.csrf()/>
            <input type="hidden" name="token" value=q.token.clone()/>
            <button type="submit">{t(lang, "verify.button")}</button>
        </form>
    }
    .into_any();
    page(&ctx, StatusCode::OK, t(lang, "verify.title"), body)
}

const VERIFY: &str = "mutation($i:VerifyEmailInput!){verifyEmail(input:$i){account{id} userErrors{field code message}}}";

pub async fn verify(State(p): State<Portal>, ctx: Ctx, form: Form) -> Response {
    if !ctx.csrf_ok(&form) {
        return web::csrf_rejected(&ctx);
    }
    let vars = json!({ "i": { "token": form.get("token") } });
    let g = gql::run(&p, &ctx, VERIFY, vars).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    if !gql::user_errors(g.at("/verifyEmail/userErrors")).is_empty() {
        return web::message(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "verify.bad.title",
            "verify.bad.text",
        );
    }
    web::message(
        &ctx,
        StatusCode::OK,
        "verify.done.title",
        "verify.done.text",
    )
}
