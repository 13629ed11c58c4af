//! A real client against the gateway: Apollo Client (fragments and variables over HttpLink, a cache
//! normalised by Relay global ids (`nodeId`) through type policies, a
//! BatchHttpLink batch, an automatic-persisted-query round-trip, mutations with `update()` of the
//! normalised cache and `refetchQueries`), run by Node's test runner from
//! tests/client/apollo.test.mjs.
//!
//! It needs Node.js 18+ with npm, and fails (never skips) without them. The client's packages are
//! installed with `npm ci` from tests/client/package-lock.json when tests/client/node_modules is
//! missing.

use tokio::process::Command;

use crate::helpers::{PLATFORM_TENANT, project_dir, spawn_app, token};
use crate::node_tools::{INSTALL_NODE, install_packages, require_node, run, show};

#[tokio::test]
async fn apollo_client_queries_batches_and_persisted_queries() {
    // Node first: without it the test fails at once, before seeding a database.
    let client_dir = project_dir().join("tests").join("client");
    require_node().await;
    install_packages(&client_dir, "@apollo/client").await;

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
        INSTALL_NODE,
    )
    .await;
    assert!(output.status.success(), "the Apollo Client tests failed: {}", show(&output));
    // Node's report (shown with --nocapture).
    println!("{}", String::from_utf8_lossy(&output.stdout));
}
