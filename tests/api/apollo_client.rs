//! A real client against the gateway: Apollo Client (fragments and variables over HttpLink, a
//! BatchHttpLink batch, an automatic-persisted-query round-trip), run by Node's test runner from
//! tests/client/apollo.test.mjs.
//!
//! It needs Node.js 18+ with npm, and fails (never skips) without them. The client's packages are
//! installed with `npm ci` from tests/client/package-lock.json when tests/client/node_modules is
//! missing.
//!
//! The gateway runs on this test's tokio runtime, so every child process is awaited with
//! tokio::process: a blocking wait would stop the server answering the client.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use tokio::process::Command;

use crate::helpers::{PLATFORM_TENANT, project_dir, spawn_app, token};

const INSTALL_NODE: &str = "install Node.js 18 or newer (with npm) to run the Apollo Client tests";
const NODE_TIMEOUT: Duration = Duration::from_secs(300);

/// Runs `cmd` to completion (killing it after `NODE_TIMEOUT`), failing the test if it cannot start.
async fn run(cmd: &mut Command, what: &str) -> Output {
    cmd.kill_on_drop(true);
    let program = cmd.as_std().get_program().to_string_lossy().into_owned();
    match tokio::time::timeout(NODE_TIMEOUT, cmd.output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => panic!("`{program}` was not found: {INSTALL_NODE}"),
        Ok(Err(e)) => panic!("could not run `{what}`: {e}"),
        Err(elapsed) => panic!("`{what}` did not finish within {NODE_TIMEOUT:?}: {elapsed}"),
    }
}

fn show(output: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Checks node is 18+ and npm exists.
async fn require_node() {
    let output = run(Command::new("node").arg("--version"), "node --version").await;
    assert!(output.status.success(), "`node --version` failed ({INSTALL_NODE}): {}", show(&output));
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let major = version.trim_start_matches('v').split('.').next().and_then(|m| m.parse::<u32>().ok());
    assert!(major.is_some_and(|m| m >= 18), "node is {version}: {INSTALL_NODE}");
    let output = run(Command::new("npm").arg("--version"), "npm --version").await;
    assert!(output.status.success(), "`npm --version` failed ({INSTALL_NODE}): {}", show(&output));
}

/// Installs tests/client's locked packages when node_modules is missing.
async fn install_client_packages(client_dir: &Path) {
    if tokio::fs::try_exists(client_dir.join("node_modules")).await.unwrap_or(false) {
        return;
    }
    let output =
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(client_dir), "npm ci").await;
    assert!(output.status.success(), "`npm ci` in {} failed: {}", client_dir.display(), show(&output));
}

#[tokio::test]
async fn apollo_client_queries_batches_and_persisted_queries() {
    // Node first: without it the test fails at once, before seeding a database.
    let client_dir = project_dir().join("tests").join("client");
    require_node().await;
    install_client_packages(&client_dir).await;

    let app = spawn_app().await;
    let platform = token(PLATFORM_TENANT, "owner");

    let output = run(
        Command::new("node")
            .args(["--test", "tests/client/apollo.test.mjs"])
            .current_dir(project_dir())
            .env("GATEWAY_URL", format!("{}/graphql", app.address))
            .env("GATEWAY_TOKEN", &platform)
            .env("NO_COLOR", "1"),
        "node --test tests/client/apollo.test.mjs",
    )
    .await;
    assert!(output.status.success(), "the Apollo Client tests failed: {}", show(&output));
    // Node's report (shown with --nocapture).
    println!("{}", String::from_utf8_lossy(&output.stdout));
}
