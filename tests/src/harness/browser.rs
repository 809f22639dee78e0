//! A headless Chromium driven over WebDriver (chromedriver), for the dashboard's browser tests.
//!
//! Debian's `chromium` and `chromium-driver` (`ops/browser.sh` installs them; `CHROMIUM` and
//! `CHROMEDRIVER` name other binaries). Each [`Browser`] runs its own chromedriver on a free
//! port with a fresh profile, and kills it on drop. Chromium starts with the flags that keep
//! it off the network (no background requests, no component updates, no QUIC).

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use fantoccini::{Client, ClientBuilder, wd::WebDriverCompatibleCommand};
use serde_json::{Value, json};

use super::{smtp_server::free_port, wait::wait_until};

/// A browser session; chromedriver is killed on drop.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    driver: Child,
    profile: PathBuf,
}

fn binary(var: &str, default: &str) -> String {
    let path = std::env::var(var).unwrap_or_else(|_| default.to_owned());
    assert!(
        Path::new(&path).exists(),
        "{path} not found: run ops/browser.sh (installs Debian's chromium and chromium-driver) \
         or set {var}"
    );
    path
}

/// `POST /session/{id}/se/log`: chromedriver's browser log since the last call.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (::http::Method, Option<String>) {
        (
            ::http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium of `width` × `height` CSS pixels.
    pub async fn start(width: u32, height: u32) -> Self {
        let chromium = binary("CHROMIUM", "/usr/bin/chromium");
        let chromedriver = binary("CHROMEDRIVER", "/usr/bin/chromedriver");
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        wait_until("chromedriver to answer", Duration::from_secs(20), || {
            let status = http.get(format!("{base}/status")).send();
            async move { status.await.is_ok_and(|r| r.status().is_success()) }
        })
        .await;
        let profile =
            std::env::temp_dir().join(format!("cabanas-chromium-{}", uuid::Uuid::new_v4()));
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--lang=es-AR",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
            }),
        );
        capabilities.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&base)
            .await
            .expect("open a Chromium session");
        Self {
            client,
            driver,
            profile,
        }
    }

    /// The console's errors and warnings since the last call (CSP violations, failed loads,
    /// script errors), as `LEVEL message` lines.
    pub async fn console_problems(&self) -> Vec<String> {
        let log = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .expect("read the browser log");
        log.as_array()
            .into_iter()
            .flatten()
            .filter(|entry| matches!(entry["level"].as_str(), Some("SEVERE" | "WARNING")))
            .map(|entry| {
                format!(
                    "{} {}",
                    entry["level"].as_str().unwrap_or_default(),
                    entry["message"].as_str().unwrap_or_default()
                )
            })
            .collect()
    }

    /// Evaluates `script` (a function body that `return`s) in the page.
    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("run {script}: {e}"))
    }

    /// Saves a PNG of the viewport as `name.png` under `target/screenshots/`, or under
    /// `docs/screenshots/` when `UPDATE_SCREENSHOTS=1` (the pictures the README shows).
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("take a screenshot");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let dir = if std::env::var("UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
            root.join("docs/screenshots")
        } else {
            root.join("target/screenshots")
        };
        std::fs::create_dir_all(&dir).expect("create the screenshot folder");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write the screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
