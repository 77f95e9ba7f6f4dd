//! Headless Chromium through Debian's chromedriver, for the browser journeys.
//! Nothing is downloaded: without chromium/chromedriver the journey is skipped with a notice,
//! unless PROPDESK_REQUIRE_BROWSER=1 (CI), where their absence fails the test.

use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: std::path::PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn find(bin: &str) -> Option<String> {
    ["/usr/bin/", "/usr/local/bin/"].iter().map(|d| format!("{d}{bin}")).find(|p| std::path::Path::new(p).exists())
}

/// Starts chromedriver and a headless Chromium session, or returns None to skip.
pub async fn start() -> Option<Browser> {
    let (Some(driver_bin), Some(chromium)) = (find("chromedriver"), find("chromium")) else {
        if std::env::var("PROPDESK_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("chromium and chromedriver are required (apt-get install chromium chromium-driver fonts-noto-cjk)");
        }
        eprintln!("browser test skipped: chromium/chromedriver not installed");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
    let driver = Command::new(driver_bin).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start chromedriver");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile = std::env::temp_dir().join(format!("propdesk-chrome-{}-{port}", std::process::id()));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1280,900", format!("--user-data-dir={}", profile.display())]
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector).capabilities(caps).connect(&format!("http://127.0.0.1:{port}")).await.expect("webdriver session");
    Some(Browser { client, driver, _profile: profile })
}

impl Browser {
    /// Saves a screenshot under target/screenshots for people to look at.
    pub async fn shot(&self, name: &str) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        let _ = std::fs::create_dir_all(&dir);
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
        }
    }
}

/// Types `user` and the test password into the login form on the current page.
pub async fn fill_login(c: &Client, user: &str) {
    c.find(Locator::Css("#username")).await.expect("login form").send_keys(user).await.expect("type");
    c.find(Locator::Css("#password")).await.expect("password").send_keys(super::PASSWORD).await.expect("type");
}

/// Signs in on the login form of the current page.
pub async fn sign_in(c: &Client, user: &str) {
    fill_login(c, user).await;
    c.find(Locator::Css("button[type=submit]")).await.expect("submit").click().await.expect("click");
}

/// Starts a fresh session as `user` from the login page and waits for the staff pages.
pub async fn login(c: &Client, base: &str, user: &str) {
    c.delete_all_cookies().await.expect("clear cookies");
    c.goto(&format!("{base}/login")).await.expect("login page");
    sign_in(c, user).await;
    c.wait().for_element(Locator::Css("nav.side")).await.expect("logged in");
}

/// Submits the form of a record page's workflow `action`.
pub async fn act(c: &Client, action: &str) {
    let sel = format!("form:has(input[name=action][value={action}]) button:not([type=button])");
    c.find(Locator::Css(&sel)).await.unwrap_or_else(|e| panic!("{action} form: {e}")).click().await.expect("click");
}
