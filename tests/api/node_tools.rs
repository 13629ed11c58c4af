//! Running the real-client tests' child processes (Node, npm, Chromium) from the test binary: one
//! place for the time limit, the "what to install" failure and the output shown on failure, shared
//! by the Apollo Client test and the playground's browser test.
//!
//! The gateway under test runs on the test's tokio runtime, so every child is awaited with
//! tokio::process: a blocking wait would stop the server answering the client.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use tokio::process::Command;

pub const INSTALL_NODE: &str = "install Node.js 18 or newer (with npm) to run the real-client tests";
const CHILD_TIMEOUT: Duration = Duration::from_secs(300);

/// Runs `cmd` to completion (killing it after `CHILD_TIMEOUT`), failing the test with `missing`
/// (what to install) if the program does not exist.
pub async fn run(cmd: &mut Command, what: &str, missing: &str) -> Output {
    cmd.kill_on_drop(true);
    let program = cmd.as_std().get_program().to_string_lossy().into_owned();
    match tokio::time::timeout(CHILD_TIMEOUT, cmd.output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => panic!("`{program}` was not found: {missing}"),
        Ok(Err(e)) => panic!("could not run `{what}`: {e}"),
        Err(elapsed) => panic!("`{what}` did not finish within {CHILD_TIMEOUT:?}: {elapsed}"),
    }
}

/// A child's exit status and output, for a failure message.
pub fn show(output: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Checks that node is 18+ and npm exists.
pub async fn require_node() {
    let output = run(Command::new("node").arg("--version"), "node --version", INSTALL_NODE).await;
    assert!(output.status.success(), "`node --version` failed ({INSTALL_NODE}): {}", show(&output));
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let major = version.trim_start_matches('v').split('.').next().and_then(|m| m.parse::<u32>().ok());
    assert!(major.is_some_and(|m| m >= 18), "node is {version}: {INSTALL_NODE}");
    let output = run(Command::new("npm").arg("--version"), "npm --version", INSTALL_NODE).await;
    assert!(output.status.success(), "`npm --version` failed ({INSTALL_NODE}): {}", show(&output));
}

/// Installs `dir`'s locked npm packages (`npm ci`) unless `dir/node_modules/<marker>` exists.
pub async fn install_packages(dir: &Path, marker: &str) {
    if tokio::fs::try_exists(dir.join("node_modules").join(marker)).await.unwrap_or(false) {
        return;
    }
    let output =
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(dir), "npm ci", INSTALL_NODE).await;
    assert!(output.status.success(), "`npm ci` in {} failed: {}", dir.display(), show(&output));
}
