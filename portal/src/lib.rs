//! The portal: subject self-service and the staff workbench, server-rendered
//! with Leptos. It is a client of the GraphQL schema executed in-process
//! through a [`Backend`] the platform hands it, so every portal capability is
//! an API capability under the same authorisation: the portal never touches
//! the database or the services.
//!
//! Every page and form works without JavaScript: pages are rendered on the
//! server, forms are plain `POST`s answered with a redirect (or the same form
//! again, with the answers kept and the errors next to the fields).

pub mod backend;
mod gql;
pub mod i18n;
mod pages;
mod web;

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};

pub use backend::{Backend, Caller, LinkKind, SignIn, UploadFile};

/// The hand-written style sheet (one file, no framework).
pub const CSS: &str = include_str!("portal.css");

/// The portal's routes, merged into the platform's router by the binary.
pub fn routes(backend: Arc<dyn Backend>) -> Router {
    use pages::{
        account, cases, complaints, consents, links, me, public, reference, repair, staff, subject,
    };
    Router::new()
        .route("/", get(public::home))
        .route("/assets/portal.css", get(css))
        .route("/search", get(public::search))
        .route("/subjects/{identifier}", get(public::subject_page))
        .route("/lists", get(public::lists))
        .route("/lists/{category}", get(public::list_page))
        .route("/help/{topic}", get(public::help))
        .route("/language/{lang}", get(public::language))
        .route(
            "/sign-in",
            get(account::sign_in_form).post(account::sign_in),
        )
        .route(
            "/sign-up",
            get(account::sign_up_form).post(account::sign_up),
        )
        .route(
            "/sign-out",
            get(account::sign_out_form).post(account::sign_out),
        )
        .route(
            "/forgot-password",
            get(account::forgot_form).post(account::forgot),
        )
        .route(
            "/account/reset-password",
            get(account::reset_form).post(account::reset),
        )
        .route("/me", get(subject::dashboard))
        .route("/me/{subject}/records", get(subject::records))
        .route("/me/{subject}/log", get(subject::query_log))
        .route(
            "/me/{subject}/accounts",
            get(pages::accounts::accounts).post(pages::accounts::add_account),
        )
        .route(
            "/me/{subject}/accounts/{binding}/revoke",
            get(pages::accounts::revoke_form).post(pages::accounts::revoke),
        )
        .route("/me/{subject}/consents", get(consents::list_page))
        .route(
            "/me/{subject}/consents/new",
            get(consents::grant_form).post(consents::grant),
        )
        .route("/records/{record}", get(subject::record))
        .route(
            "/records/{record}/object",
            get(cases::objection_form).post(cases::file_objection),
        )
        .route(
            "/records/{record}/repair",
            get(repair::repair_form).post(repair::apply),
        )
        .route("/repairs/{application}", get(repair::application_page))
        .route("/cases/{case}", get(cases::case_page))
        .route("/cases/{case}/withdraw", post(cases::withdraw))
        .route("/cases/{case}/check", post(cases::check))
        .route("/cases/{case}/decide", post(cases::decide))
        .route("/cases/{case}/complain", post(cases::complain))
        .route("/repairs/{application}/complain", post(repair::complain))
        .route("/complaints/{complaint}", get(complaints::complaint_page))
        .route("/complaints/{complaint}/decide", post(complaints::decide))
        .route("/me/bind", get(me::bind_form).post(me::bind_start))
        .route("/me/bind/confirm", post(me::bind_confirm))
        .route(
            "/me/bind/document",
            get(pages::accounts::document_form).post(pages::accounts::request_document),
        )
        .route(
            "/me/bind/document/{request}/withdraw",
            post(pages::accounts::withdraw_request),
        )
        .route("/inbox", get(me::inbox))
        .route("/inbox/{notice}", get(me::notice))
        .route("/settings", get(me::settings).post(me::save_settings))
        .route(
            "/consents/{consent}/revoke",
            get(consents::revoke_form).post(consents::revoke),
        )
        .route("/consents/{consent}/approve", post(consents::approve))
        .route("/consents/{consent}/deny", post(consents::deny))
        .route("/consents/{consent}/renew", post(consents::renew))
        .route("/consents/{consent}/receipt", get(consents::receipt))
        .route("/staff", get(staff::workbench))
        .route("/staff/overdue", get(staff::overdue))
        .route("/staff/emails", get(staff::emails))
        .route("/staff/emails/{email}/retry", post(staff::retry_email))
        .route("/staff/late", get(staff::late))
        .route("/staff/agencies", get(staff::agencies))
        .route("/staff/records", get(pages::submit::our_records))
        .route(
            "/staff/records/new",
            get(pages::submit::new_record).post(pages::submit::submit),
        )
        .route(
            "/staff/records/withdraw",
            get(pages::submit::withdraw_form).post(pages::submit::withdraw),
        )
        .route("/staff/calendar", get(reference::calendar))
        .route("/staff/rules", get(reference::rules))
        .route("/staff/bindings", get(pages::accounts::queue))
        .route(
            "/staff/bindings/{request}/decide",
            post(pages::accounts::decide),
        )
        .route(
            "/staff/binding-requests/{n}",
            get(pages::accounts::request_link),
        )
        // The paths the platform's notices and emails link to.
        .route("/cases/objections/{n}", get(links::objection))
        .route("/cases/repairs/{n}", get(links::repair))
        .route("/cases/complaints/{n}", get(links::complaint))
        .route("/subjects/{identifier}/query-log", get(links::query_log))
        .route("/consents/{consent}", get(links::consent))
        .route("/account/bindings", get(links::bindings))
        .route(
            "/account/verify-email",
            get(account::verify_form).post(account::verify),
        )
        .fallback(web::not_found_handler)
        .with_state(Portal { backend })
}

/// What the portal's handlers share.
#[derive(Clone)]
pub struct Portal {
    pub backend: Arc<dyn Backend>,
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}
