//! Request context (language, session, CSRF), the page shell, cookies and
//! the small formatting helpers every page uses.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use leptos::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::Portal;
use crate::backend::Caller;
use crate::i18n::{Lang, t};

pub const SESSION_COOKIE: &str = "xy_session";
pub const ANON_COOKIE: &str = "xy_anon";
pub const LANG_COOKIE: &str = "xy_lang";

/// Everything a handler needs to know about the request.
pub struct Ctx {
    pub lang: Lang,
    pub caller: Caller,
    /// The path and query of this request (to come back after sign-in).
    pub here: String,
    /// The secret CSRF tokens are derived from: the session token when
    /// signed in, else the anonymous visitor nonce.
    csrf_secret: String,
    /// Cookies to set on the response (a fresh visitor nonce).
    pub set_cookies: Vec<String>,
    pub secure: bool,
}

impl FromRequestParts<Portal> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Portal,
    ) -> Result<Self, Self::Rejection> {
        let cookies = parse_cookies(&parts.headers);
        let get = |name: &str| {
            cookies
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty() && v.len() <= 256)
        };
        let secure = state.backend.secure_cookies();
        let session = get(SESSION_COOKIE);
        let lang = get(LANG_COOKIE)
            .and_then(|l| Lang::from_tag(&l))
            .or_else(|| accept_language(&parts.headers))
            .unwrap_or(Lang::Zh);
        let mut set_cookies = Vec::new();
        let csrf_secret = match (&session, get(ANON_COOKIE)) {
            (Some(s), _) => s.clone(),
            (None, Some(a)) => a,
            (None, None) => {
                let nonce = random_hex(32);
                set_cookies.push(cookie(ANON_COOKIE, &nonce, None, secure));
                nonce
            }
        };
        let text = |h: &str| {
            parts
                .headers
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(300).collect::<String>())
        };
        let ip = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        let here = parts
            .extensions
            .get::<OriginalUri>()
            .map(|u| u.0.clone())
            .unwrap_or_else(|| parts.uri.clone());
        let here = here
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        Ok(Ctx {
            lang,
            caller: Caller {
                session,
                ip,
                user_agent: text("user-agent"),
                request_id: text("x-request-id"),
            },
            here,
            csrf_secret,
            set_cookies,
            secure,
        })
    }
}

impl Ctx {
    pub fn signed_in(&self) -> bool {
        self.caller.session.is_some()
    }

    /// The CSRF token for forms: derived from a secret only this browser
    /// holds (in an HttpOnly cookie), so another site cannot forge it.
    pub fn csrf(&self) -> String {
        csrf_token(&self.csrf_secret)
    }

    /// Whether a posted form carries this browser's token.
    pub fn csrf_ok(&self, form: &Form) -> bool {
        let expected = self.csrf();
        let given = form.get("csrf");
        given.len() == expected.len()
            && given
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

pub fn csrf_token(secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"xinyong-portal-csrf:");
    h.update(secret.as_bytes());
    hex::encode(h.finalize())
}

pub fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn parse_cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

fn accept_language(headers: &HeaderMap) -> Option<Lang> {
    let v = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let first = v.split(',').next()?.trim().to_ascii_lowercase();
    if first.starts_with("en") {
        Some(Lang::En)
    } else if first.starts_with("zh") {
        Some(Lang::Zh)
    } else {
        None
    }
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax (so a link from an email
/// still arrives signed in; cross-site posts carry no cookie), Secure over
/// HTTPS. `max_age` None makes a browser-session cookie.
pub fn cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// A posted form: repeated keys kept (checkbox groups).
pub struct Form(pub Vec<(String, String)>);

impl Form {
    pub fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for Form {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map(|f| Form(f.0))
            .map_err(|_| (StatusCode::BAD_REQUEST, "the form could not be read").into_response())
    }
}

/// Adds the context's cookies to a response.
pub fn with_cookies(ctx: &Ctx, mut resp: Response, extra: &[String]) -> Response {
    for c in ctx.set_cookies.iter().chain(extra) {
        if let Ok(v) = HeaderValue::from_str(c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// Redirect after a post (303: the browser follows with GET).
pub fn see_other(ctx: &Ctx, to: &str, cookies: &[String]) -> Response {
    with_cookies(ctx, Redirect::to(to).into_response(), cookies)
}

/// To the sign-in page, coming back here afterwards.
pub fn to_sign_in(ctx: &Ctx) -> Response {
    see_other(ctx, &sign_in_path(ctx), &[])
}

/// The sign-in page's path with this page as `next`.
pub fn sign_in_path(ctx: &Ctx) -> String {
    format!("/sign-in?next={}", encode(&ctx.here))
}

/// Only same-site relative paths are followed after sign-in.
pub fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/me"
    }
}

/// Renders a full page: header with navigation and language switch, the
/// body, and the security headers (no script may run: there is none).
pub fn page(ctx: &Ctx, status: StatusCode, title: &str, body: AnyView) -> Response {
    let lang = ctx.lang;
    let other = lang.other();
    let switch_href = format!("/language/{}?back={}", other.tag(), encode(&ctx.here));
    let signed_in = ctx.signed_in();
    let csrf = ctx.csrf();
    let shell = view! {
        <a class="skip" href="#main">{t(lang, "nav.skip")}</a>
        <header class="top">
            <div class="wrap">
                <a class="brand" href="/">{t(lang, "brand")}</a>
                <nav aria-label=t(lang, "nav.label")>
                    <ul>
                        <li><a href="/lists">{t(lang, "nav.lists")}</a></li>
                        {if signed_in {
                            view! {
                                <li><a href="/me">{t(lang, "nav.me")}</a></li>
                                <li>
                                    <form method="post" action="/sign-out" class="inline">
                                        <input type="hidden" name="csrf" value=csrf/>
                                        <button type="submit" class="link">{t(lang, "nav.sign_out")}</button>
                                    </form>
                                </li>
                            }
                                .into_any()
                        } else {
                            view! {
                                <li><a href="/sign-in">{t(lang, "nav.sign_in")}</a></li>
                                <li><a href="/sign-up">{t(lang, "nav.sign_up")}</a></li>
                            }
                                .into_any()
                        }}
                        <li>
                            <a href=switch_href lang=other.tag() hreflang=other.tag()>
                                {other.name()}
                            </a>
                        </li>
                    </ul>
                </nav>
            </div>
        </header>
        <main id="main" class="wrap">{body}</main>
        <footer class="wrap">
            <p>
                {t(lang, "footer.text")} " · " <a href="/help/objection">{t(lang, "help.objection.title")}</a>
                " · " <a href="/help/repair">{t(lang, "help.repair.title")}</a> " · "
                <a href="/help/consent">{t(lang, "help.consent.title")}</a>
            </p>
        </footer>
    }
    .to_html();
    let html = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} – {}</title><link rel=\"stylesheet\" href=\"/assets/portal.css\"></head><body>{shell}</body></html>",
        lang.tag(),
        escape(title),
        t(lang, "brand"),
    );
    let mut resp = (status, html).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    with_cookies(ctx, resp, &[])
}

/// A short page with a heading and one paragraph (errors, confirmations).
pub fn message(
    ctx: &Ctx,
    status: StatusCode,
    title_key: &'static str,
    text_key: &'static str,
) -> Response {
    let lang = ctx.lang;
    let body = view! {
        <h1>{t(lang, title_key)}</h1>
        <p>{t(lang, text_key)}</p>
        <p><a href="/">{t(lang, "nav.home")}</a></p>
    }
    .into_any();
    page(ctx, status, t(lang, title_key), body)
}

pub fn not_found(ctx: &Ctx) -> Response {
    message(
        ctx,
        StatusCode::NOT_FOUND,
        "err.not_found.title",
        "err.not_found.text",
    )
}

pub async fn not_found_handler(ctx: Ctx) -> Response {
    not_found(&ctx)
}

pub fn csrf_rejected(ctx: &Ctx) -> Response {
    message(
        ctx,
        StatusCode::FORBIDDEN,
        "err.csrf.title",
        "err.csrf.text",
    )
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Percent-encodes a value for a query string.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn shanghai() -> FixedOffset {
    // Asia/Shanghai has been UTC+8 without daylight saving since 1991.
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// A date in the reader's language: 2027年3月31日 / 31 March 2027.
pub fn date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Zh => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        Lang::En => d.format("%-d %B %Y").to_string(),
    }
}

/// An instant in the legal time zone, in the reader's language.
pub fn datetime(lang: Lang, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&shanghai());
    format!(
        "{} {}",
        date(lang, local.date_naive()),
        local.format("%H:%M")
    )
}

/// Parses a GraphQL `NaiveDate` / `DateTime` string and formats it.
pub fn date_str(lang: Lang, s: &str) -> String {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| date(lang, d))
        .unwrap_or_else(|_| s.to_string())
}

pub fn datetime_str(lang: Lang, s: &str) -> String {
    DateTime::parse_from_rfc3339(s)
        .map(|d| datetime(lang, d.with_timezone(&Utc)))
        .unwrap_or_else(|_| s.to_string())
}
