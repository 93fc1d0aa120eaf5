//! Headless Chromium for the portal's tests: Debian's `chromium` driven
//! through Debian's `chromedriver` over WebDriver (fantoccini). Installed
//! by `scripts/ensure-chromium`; never a browser download.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Whether the browser is installed (the tests fail with a clear message
/// when it is not, rather than pass without running).
pub fn available() -> bool {
    std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists()
}

/// One headless browser session with its own chromedriver and profile.
pub struct Browser {
    pub client: Client,
    pub base_url: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    /// Starts chromedriver and a headless Chromium. `javascript: false`
    /// turns scripts off for every site (the no-JavaScript journey).
    pub async fn start(base_url: &str, javascript: bool) -> Browser {
        assert!(
            available(),
            "Chromium is not installed: run scripts/ensure-chromium"
        );
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("a profile folder");
        let mut prefs = json!({ "intl.accept_languages": "zh-CN" });
        if !javascript {
            prefs["profile.managed_default_content_settings.javascript"] = json!(2);
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                "prefs": prefs,
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        // chromedriver takes a moment to listen.
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Browser {
                        client,
                        base_url: base_url.to_string(),
                        driver,
                        _profile: profile,
                    };
                }
                Err(e) => {
                    last = Some(e.to_string());
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        panic!("cannot start a Chromium session: {last:?}");
    }

    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base_url))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// The path (and query) of the page the browser is on.
    pub async fn path(&self) -> String {
        let u = self.client.current_url().await.expect("current url");
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let el = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"));
        el.clear().await.ok();
        el.send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Clicks something that does not leave the page (a radio, a checkbox).
    pub async fn check(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks a button or link and waits for the next page to load.
    pub async fn click(&self, css: &str) {
        self.navigate_by(Locator::Css(css)).await;
    }

    /// Follows the link whose text is exactly `text`.
    pub async fn click_link(&self, text: &str) {
        self.navigate_by(Locator::LinkText(text)).await;
    }

    async fn navigate_by(&self, what: Locator<'_>) {
        let old = self
            .client
            .find(Locator::Css("html"))
            .await
            .expect("a page is open");
        self.client
            .find(what)
            .await
            .unwrap_or_else(|e| panic!("find {what:?}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {what:?}: {e}"));
        // The click returns before the next page has replaced this one
        // (always so without JavaScript): wait until the old root is gone.
        for _ in 0..200 {
            if old.tag_name().await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("clicking {what:?} did not load a page");
    }

    /// The visible text of the page's `<main>`.
    pub async fn main_text(&self) -> String {
        self.client
            .find(Locator::Css("main"))
            .await
            .expect("a <main>")
            .text()
            .await
            .expect("text of <main>")
    }

    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.client
            .find(Locator::Css(css))
            .await
            .ok()?
            .attr(name)
            .await
            .ok()
            .flatten()
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Whether pages' scripts run in this browser: a page that would
    /// change its own title when scripts run.
    pub async fn javascript_runs(&self) -> bool {
        self.client
            .goto("data:text/html,<title>off</title><script>document.title='on'</script>")
            .await
            .expect("open a data: page");
        self.client
            .title()
            .await
            .map(|t| t == "on")
            .unwrap_or(false)
    }

    /// Saves a screenshot of the viewport as `docs/screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir).expect("screenshots folder");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("screenshot written");
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Only the chromedriver this value started (it ends its Chromium).
        let _ = self.driver.kill();
    }
}

/// `docs/screenshots/` of the workspace.
pub fn screenshots_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("docs")
        .join("screenshots")
}
