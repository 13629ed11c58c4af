//! The GraphiQL playground at `/` in a real browser: headless Chromium driven by puppeteer-core from
//! tests/client/playground/playground.test.mjs (Node's test runner), against two gateways, one with
//! introspection switched off. It checks that GraphiQL renders, the Explorer lists the schema's root
//! fields, the default and typed queries answer in the result pane, the header template's switched-
//! off lines are not sent and a switched-on one is, every request goes to the gateway's own origin,
//! and that without introspection the page says so and typed queries still run; and, over HTTP,
//! the content types and cache headers of the page and its files.
//!
//! It needs Node.js 18+ with npm and Chromium (Debian's `chromium` package, which `.ci/run`
//! installs; or `CHROMIUM=/path/to/chrome`), and fails (never skips) without them. puppeteer-core
//! drives that Chromium and downloads no browser; it is installed with `npm ci` from
//! tests/client/playground/package-lock.json when missing (a package of its own, so its install
//! never races the Apollo Client test's in tests/client).
//!
//! The screenshot of the rendered page goes to cargo's scratch folder for integration tests, or to
//! docs/playground.png with `UPDATE_SCREENSHOT=1`.

use std::path::{Path, PathBuf};

use tokio::process::Command;

use crate::helpers::{PLATFORM_TENANT, TestApp, project_dir, spawn_app, spawn_app_with, test_settings, token};
use crate::node_tools::{INSTALL_NODE, install_packages, require_node, run, show};

const INSTALL_CHROMIUM: &str = "install Chromium to run the playground's browser test (Debian: `apt-get install \
     chromium`, which .ci/run does), or set CHROMIUM to a Chromium or Chrome binary";

/// The Chromium binary: `CHROMIUM`, or the first of Debian's and other usual names on `PATH`;
/// checked by running it with `--version`.
async fn require_chromium() -> PathBuf {
    let chromium = std::env::var_os("CHROMIUM").map(PathBuf::from).or_else(|| {
        let path = std::env::var_os("PATH").unwrap_or_default();
        ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
            .iter()
            .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
            .find(|candidate| candidate.is_file())
    });
    let Some(chromium) = chromium else { panic!("no Chromium on PATH: {INSTALL_CHROMIUM}") };
    let output = run(Command::new(&chromium).arg("--version"), "chromium --version", INSTALL_CHROMIUM).await;
    assert!(
        output.status.success(),
        "`{} --version` failed ({INSTALL_CHROMIUM}): {}",
        chromium.display(),
        show(&output)
    );
    chromium
}

/// The page is revalidated on every load and limited to its origin; each script and stylesheet it
/// names is served with its content type, cached for a year and gzipped when asked; another build's
/// hash is a 404 that is not cached.
async fn check_http_caching(app: &TestApp) {
    let page = app.client.get(format!("{}/", app.address)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let header = |response: &reqwest::Response, name: &str| {
        response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    };
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&page, "cache-control"), "no-cache");
    assert!(header(&page, "content-security-policy").contains("default-src 'none'"));
    let html = page.text().await.unwrap();
    let extension = |url: &str| Path::new(url).extension().and_then(|e| e.to_str()).unwrap_or_default().to_owned();
    let urls: Vec<&str> = html
        .split('"')
        .filter(|s| s.starts_with("/playground/") && ["js", "css"].contains(&extension(s).as_str()))
        .collect();
    assert_eq!(urls.len(), 8, "{html}");
    for url in &urls {
        let asset =
            app.client.get(format!("{}{url}", app.address)).header("accept-encoding", "gzip").send().await.unwrap();
        assert_eq!(asset.status(), 200, "{url}");
        let expected = format!("text/{}; charset=utf-8", if extension(url) == "js" { "javascript" } else { "css" });
        assert_eq!(header(&asset, "content-type"), expected, "{url}");
        assert_eq!(header(&asset, "cache-control"), "public, max-age=31536000, immutable", "{url}");
        assert_eq!(header(&asset, "content-encoding"), "gzip", "{url}");
    }
    let file = urls[0].rsplit('/').next().unwrap();
    let stale = app.client.get(format!("{}/playground/0000000000000000/{file}", app.address)).send().await.unwrap();
    assert_eq!(stale.status(), 404);
    assert_eq!(header(&stale, "cache-control"), "no-store");
}

#[tokio::test]
async fn playground_in_headless_chromium() {
    // The tools first: without them the test fails at once, before seeding databases.
    let dir = project_dir().join("tests").join("client").join("playground");
    require_node().await;
    let chromium = require_chromium().await;
    install_packages(&dir, "puppeteer-core").await;

    let app = spawn_app().await;
    check_http_caching(&app).await;
    let mut settings = test_settings();
    settings.introspection = false;
    let no_introspection = spawn_app_with(settings).await;

    let screenshot = if std::env::var_os("UPDATE_SCREENSHOT").is_some_and(|v| v == "1") {
        project_dir().join("docs").join("playground.png")
    } else {
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("playground.png")
    };
    let started = std::time::SystemTime::now();
    let output = run(
        Command::new("node")
            .args(["--test", "tests/client/playground/playground.test.mjs"])
            .current_dir(project_dir())
            .env("GATEWAY_URL", &app.address)
            .env("GATEWAY_NO_INTROSPECTION_URL", &no_introspection.address)
            .env("GATEWAY_TOKEN", token(PLATFORM_TENANT, "owner"))
            .env("CHROMIUM", &chromium)
            .env("SCREENSHOT", &screenshot)
            .env("NO_COLOR", "1"),
        "node --test tests/client/playground/playground.test.mjs",
        INSTALL_NODE,
    )
    .await;
    assert!(output.status.success(), "the playground's browser tests failed: {}", show(&output));
    let written = std::fs::metadata(&screenshot).and_then(|m| m.modified());
    assert!(
        written.as_ref().is_ok_and(|t| *t >= started),
        "no new screenshot at {}: {written:?}",
        screenshot.display()
    );
    let png = std::fs::read(&screenshot).unwrap_or_else(|e| panic!("reading {}: {e}", screenshot.display()));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{} is not a PNG", screenshot.display());
    // Node's report and where the screenshot is (shown with --nocapture).
    println!("{}\nscreenshot: {}", String::from_utf8_lossy(&output.stdout), screenshot.display());
}
