//! Bad input at start-up ends with one clear line naming what is wrong and what to do: no panic,
//! no backtrace.

use registry_gateway::embedded_postgres::{self, Cluster, Durability};

use crate::helpers::{CliRun, data_dir, empty_database, run_cli};

fn assert_one_clear_line(run: &CliRun, expected: &str) {
    assert_eq!(run.status.code(), Some(1), "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr, got:\n{}", run.stderr);
    assert!(lines[0].starts_with("error: "), "{}", lines[0]);
    assert!(lines[0].contains(expected), "expected {expected:?} in: {}", lines[0]);
    for bad in ["panicked", "backtrace", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(!run.stderr.contains(bad), "{}", run.stderr);
    }
}

#[test]
fn serve_with_an_unreachable_database_url_says_so_in_one_line() {
    let run = run_cli(
        &["serve", "--listen", "127.0.0.1:0"],
        &[("DATABASE_URL", "postgres://app:secret@127.0.0.1:1/registry")],
    );
    assert_one_clear_line(&run, "cannot connect to the database at postgres://app:***@127.0.0.1:1/registry");
    assert!(!run.stderr.contains("secret"), "the password leaked: {}", run.stderr);
    assert!(run.stderr.contains("DATABASE_URL"), "the message should say what to do");
}

#[test]
fn serve_with_a_malformed_database_url_says_so_in_one_line() {
    let run = run_cli(&["serve"], &[("DATABASE_URL", "not a url")]);
    assert_one_clear_line(&run, "cannot connect to the database");
}

#[tokio::test]
async fn serve_on_a_half_migrated_database_says_how_to_finish() {
    let db = empty_database().await;
    <migration::Migrator as sea_orm_migration::MigratorTrait>::up(&db.conn, Some(7)).await.expect("seven migrations");
    let url = db.url.clone();
    let run =
        tokio::task::spawn_blocking(move || run_cli(&["serve", "--listen", "127.0.0.1:0"], &[("DATABASE_URL", &url)]))
            .await
            .unwrap();
    assert_one_clear_line(&run, "partly migrated (7 of 24 migrations applied, next is 08_capabilities_and_domains)");
    assert!(run.stderr.contains("registry-gateway migrate up"));
}

#[tokio::test]
async fn serve_on_an_unmigrated_database_says_how_to_migrate() {
    let db = empty_database().await;
    let url = db.url.clone();
    let run =
        tokio::task::spawn_blocking(move || run_cli(&["serve", "--listen", "127.0.0.1:0"], &[("DATABASE_URL", &url)]))
            .await
            .unwrap();
    assert_one_clear_line(&run, "has no registry schema yet; run `registry-gateway migrate up`");
}

/// A PostgreSQL whose installation lacks pgvector: a copy of the pinned one with the extension's files removed.
#[test]
fn serve_on_a_database_without_pgvector_says_so_in_one_line() {
    let real = data_dir();
    embedded_postgres::install(&real).expect("install PostgreSQL");
    let fake = real.join("test-clusters").join(format!("novector-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fake);
    std::fs::create_dir_all(&fake).unwrap();
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(real.join("postgresql-18.6.3"))
        .arg(fake.join("postgresql-18.6.3"))
        .status()
        .unwrap();
    assert!(status.success());
    let extensions = fake.join("postgresql-18.6.3/embedded_postgres/pginstall/share/extension");
    for entry in std::fs::read_dir(&extensions).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap().to_string_lossy().starts_with("vector") {
            std::fs::remove_file(path).unwrap();
        }
    }
    let dist = embedded_postgres::install(&fake).expect("the copy is an installation");
    let os_user = embedded_postgres::cluster_os_user("nobody").unwrap();
    let cluster = Cluster::start(&dist, &fake.join("cluster"), os_user, Durability::Throwaway).expect("start the copy");

    let run = run_cli(&["serve", "--listen", "127.0.0.1:0"], &[("DATABASE_URL", &cluster.url("postgres"))]);
    assert_one_clear_line(&run, "has no pgvector extension");
    drop(cluster);
    let _ = std::fs::remove_dir_all(&fake);
}

#[test]
fn a_bad_flag_value_is_a_usage_error_not_a_crash() {
    let run = run_cli(&["seed", "--scale", "0"], &[]);
    assert_eq!(run.status.code(), Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("--scale"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"));
}
