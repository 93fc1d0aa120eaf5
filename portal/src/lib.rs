//! The portal: subject self-service and the staff workbench, server-rendered
//! with Leptos. It is a client of the GraphQL schema executed in-process, so
//! every portal capability is an API capability under the same authorisation.
//!
//! For now it serves the landing page; the self-service pages build on the
//! GraphQL operations as they land.

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use leptos::prelude::*;

/// The portal's routes, merged into the platform's router by the binary.
pub fn routes() -> Router {
    Router::new().route("/", get(home))
}

async fn home() -> impl IntoResponse {
    let body = view! { <Home/> }.to_html();
    (
        [(header::CACHE_CONTROL, "no-cache")],
        Html(format!(
            "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>信用 Xinyong</title><style>{CSS}</style></head><body>{body}</body></html>"
        )),
    )
}

const CSS: &str = "body{font-family:system-ui,'PingFang SC','Noto Sans CJK SC',sans-serif;margin:0;color:#1b1b1b;line-height:1.5}\
header{background:#8b1a1a;color:#fff;padding:1rem 1.5rem}header h1{margin:0;font-size:1.5rem}\
main{max-width:48rem;margin:0 auto;padding:1.5rem}a{color:#0b5cad}a:focus{outline:3px solid #ffbf47}\
ul{padding-left:1.2rem}";

#[component]
fn Home() -> impl IntoView {
    view! {
        <header><h1>"信用 Xinyong"</h1><p>"公共信用信息服务平台"</p></header>
        <main>
            <h2>"查询、异议与信用修复"</h2>
            <p>"企业和个人可查看自己的信用记录、授权查询、提出异议和申请信用修复。"</p>
            <ul>
                <li><a href="/graphql">"GraphQL API（GraphiQL）"</a></li>
                <li><a href="/healthz">"服务状态"</a></li>
            </ul>
        </main>
    }
}
