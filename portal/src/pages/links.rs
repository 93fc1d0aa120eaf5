//! The paths the platform's notices and emails link to
//! (`/cases/objections/12`, `/subjects/7/query-log`, ...): each number is
//! turned into the object's API id and the reader sent on to the portal
//! page that shows it. Whether the reader may see it is decided there, by
//! the API, as for any other address.

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::json;

use crate::gql::{self, s};
use crate::web::{self, Ctx};
use crate::{LinkKind, Portal};

/// A database number from a link; anything else is not a link of ours.
fn number(n: &str) -> Option<i64> {
    n.parse::<i64>().ok().filter(|n| *n > 0)
}

fn go(p: &Portal, ctx: &Ctx, kind: LinkKind, n: &str, to: impl Fn(&str) -> String) -> Response {
    match number(n) {
        Some(n) => {
            let id = p.backend.link_id(kind, n);
            web::see_other(ctx, &to(&web::encode(&id)), &[])
        }
        None => web::not_found(ctx),
    }
}

pub async fn objection(State(p): State<Portal>, ctx: Ctx, Path(n): Path<String>) -> Response {
    go(&p, &ctx, LinkKind::Objection, &n, |id| {
        format!("/cases/{id}")
    })
}

pub async fn repair(State(p): State<Portal>, ctx: Ctx, Path(n): Path<String>) -> Response {
    go(&p, &ctx, LinkKind::RepairApplication, &n, |id| {
        format!("/repairs/{id}")
    })
}

pub async fn query_log(State(p): State<Portal>, ctx: Ctx, Path(n): Path<String>) -> Response {
    go(&p, &ctx, LinkKind::Subject, &n, |id| {
        format!("/me/{id}/log")
    })
}

pub async fn complaint(State(p): State<Portal>, ctx: Ctx, Path(n): Path<String>) -> Response {
    go(&p, &ctx, LinkKind::Complaint, &n, |id| {
        format!("/complaints/{id}")
    })
}

pub async fn bindings(ctx: Ctx) -> Response {
    web::see_other(&ctx, "/me/bind", &[])
}

const CONSENT_SUBJECT: &str = "query($id:ID!){node(id:$id){... on Consent{id subject{id}}}}";

/// A consent is shown on its subject's consents page.
pub async fn consent(State(p): State<Portal>, ctx: Ctx, Path(n): Path<String>) -> Response {
    let Some(n) = number(&n) else {
        return web::not_found(&ctx);
    };
    if !ctx.signed_in() {
        return web::to_sign_in(&ctx);
    }
    let id = p.backend.link_id(LinkKind::Consent, n);
    let g = gql::run(&p, &ctx, CONSENT_SUBJECT, json!({ "id": id })).await;
    if !g.ok() {
        return gql::failure(&ctx, &g);
    }
    let subject = s(g.at("/node/subject"), "id");
    if subject.is_empty() {
        return web::not_found(&ctx);
    }
    web::see_other(
        &ctx,
        &format!(
            "/me/{}/consents#consent-{}",
            web::encode(subject),
            web::encode(&id)
        ),
        &[],
    )
}
