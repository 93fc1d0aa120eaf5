//! The portal, end to end: plain HTTP for the security properties (CSRF,
//! one subject cannot open another's pages, sign-out everywhere), and
//! Debian's headless Chromium for the journeys, with and without
//! JavaScript. Runs on the backend named by `XINYONG_TEST_DB`.

mod accounts;
mod cases;
mod complaints;
mod journey;
mod pages;
mod reference;
mod security;
mod submit;

use reqwest::redirect::Policy;
use xinyong_tests::TestApp;

/// A cookie-keeping HTTP client that does not follow redirects, so each
/// step's answer can be checked.
pub struct Visitor {
    pub http: reqwest::Client,
    pub base: String,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    /// The CSRF token of the first form on the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no form with a CSRF token in: {}", self.body))
            + marker.len();
        self.body[start..start + 64].to_string()
    }
}

impl Visitor {
    pub fn new(app: &TestApp) -> Visitor {
        Visitor {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .expect("an HTTP client"),
            base: app.base_url.clone(),
        }
    }

    async fn page(resp: reqwest::Response) -> Page {
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = resp.text().await.expect("a body");
        Page {
            status,
            location,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::page(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .expect("the portal answers"),
        )
        .await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Self::page(
            self.http
                .post(format!("{}{path}", self.base))
                .form(form)
                .send()
                .await
                .expect("the portal answers"),
        )
        .await
    }

    /// Signs in through the portal's form; panics unless it works.
    pub async fn sign_in(&self, email: &str, password: &str) {
        let form = self.get("/sign-in").await;
        let csrf = form.csrf();
        let r = self
            .post(
                "/sign-in",
                &[
                    ("csrf", &csrf),
                    ("email", email),
                    ("password", password),
                    ("next", "/me"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "sign-in of {email} failed: {}", r.body);
    }
}
