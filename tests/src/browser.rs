//! A real browser for the dashboard's tests: Debian's headless Chromium driven over WebDriver
//! (`chromedriver`, installed by `scripts/browser.sh`) with fantoccini, and screenshots kept
//! under `target/test-output/<test>/` (not committed).

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::process::{Proc, free_port, logs};

/// A browser session; its driver stops when this drops.
pub struct Browser {
    pub client: Client,
    screenshots: PathBuf,
    _driver: Proc,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless Chromium session; screenshots
    /// go to `target/test-output/<test>/`.
    pub async fn start(test: &str) -> Browser {
        let port = free_port();
        let mut command = std::process::Command::new("chromedriver");
        command.arg(format!("--port={port}"));
        let driver = Proc::start(command, &logs(), &format!("chromedriver-{port}"))
            .expect("chromedriver runs (scripts/browser.sh installs it)");
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1400,1800"],
            }
        });
        let capabilities = capabilities.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{port}");
        let client = crate::wait_until(
            "chromedriver to accept a session",
            Duration::from_secs(30),
            || {
                let (url, capabilities) = (url.clone(), capabilities.clone());
                async move {
                    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
                    ClientBuilder::new(connector)
                        .capabilities(capabilities)
                        .connect(&url)
                        .await
                        .ok()
                }
            },
        )
        .await;
        let screenshots = crate::process::output_dir(test);
        Browser {
            client,
            screenshots,
            _driver: driver,
        }
    }

    /// Saves the page as `<name>.png`; its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = self.screenshots.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("writing the screenshot");
        path
    }

    /// Clicks the element `css` matches, waiting until it is there. The page re-renders its
    /// tables on every refresh, so an element found may be replaced before the click lands:
    /// then it is found again.
    pub async fn click(&self, css: &str) {
        crate::wait_until(
            &format!("{css} to be clicked"),
            Duration::from_secs(20),
            || async {
                let element = self.client.find(Locator::Css(css)).await.ok()?;
                element.click().await.ok()
            },
        )
        .await
    }

    /// Types `text` into the field `css` matches, after clearing it.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Chooses the option `value` of the select `css` matches.
    pub async fn select(&self, css: &str, value: &str) {
        let select = self.client.find(Locator::Css(css)).await.unwrap();
        select.select_by_value(value).await.unwrap();
    }

    /// The text of the first element `css` matches, if any.
    pub async fn text(&self, css: &str) -> Option<String> {
        let element = self.client.find(Locator::Css(css)).await.ok()?;
        element.text().await.ok()
    }

    /// Whether an element `css` matches is in the page (displayed or not).
    pub async fn has(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Whether an element `css` matches is on the page and displayed.
    pub async fn shows(&self, css: &str) -> bool {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element.is_displayed().await.unwrap_or(false),
            Err(_) => false,
        }
    }

    /// Waits (up to `limit`) until the text of `css` satisfies `check`; that text.
    pub async fn wait_text(
        &self,
        css: &str,
        limit: Duration,
        check: impl Fn(&str) -> bool,
    ) -> String {
        crate::wait_until(&format!("{css} to read as expected"), limit, || async {
            self.text(css).await.filter(|text| check(text))
        })
        .await
    }
}
