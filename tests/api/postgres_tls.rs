//! TLS to PostgreSQL (src/postgres_tls.rs): both of the gateway's pools, the SeaORM/sqlx one
//! (`database::connect`) and the tokio-postgres read pool (`database::read_pool`), and the binary
//! once, against a TLS server with a CA and a server certificate (for `localhost` only) made here
//! with rcgen. The modes that must connect do so encrypted; the others are refused with one line
//! naming the cause.
//!
//! The TLS server is Debian's PgBouncer (OpenSSL; installed by `.ci/run`) with
//! `client_tls_sslmode = require`, in session mode in front of the test server, as hosted
//! PostgreSQL is often reached through a pooler. Not the test cluster itself with `ssl=on`: the
//! embedded PostgreSQL is built without OpenSSL (it exits with "FATAL: SSL is not supported by this
//! build"). PgBouncer's admin console (`SHOW CLIENTS`, column `tls`) shows that a connection is
//! encrypted, and PgBouncer refuses plaintext clients as a `hostssl`-only server does.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Child;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use registry_gateway::database;

use crate::helpers::{empty_database, query_strings, run_cli, server};
use crate::processes::{readable_scratch_dir, start_pgbouncer, write_readable};

fn make_ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().expect("a CA key")).expect("a CA certificate")
}

/// A PgBouncer child speaking TLS with a certificate for `localhost` signed by `ca.pem`, and a
/// second CA (`other-ca.pem`) that signed nothing. Dropping it kills the process, removes the folder.
struct TlsServer {
    child: Child,
    dir: PathBuf,
    port: u16,
    ca: PathBuf,
    other_ca: PathBuf,
}

impl TlsServer {
    /// Starts PgBouncer with TLS required in front of the test server and waits until it listens.
    fn start() -> Self {
        let backend: tokio_postgres::Config = server().url_for("postgres").parse().expect("the test server's URL");
        let host = match backend.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            other => panic!("the TLS test needs a TCP test server, not {other:?}"),
        };
        let server_port = backend.get_ports().first().copied().unwrap_or(5432);
        let user = backend.get_user().unwrap_or("postgres").to_owned();
        let password = backend.get_password().map(|p| String::from_utf8_lossy(p).into_owned()).unwrap_or_default();

        let dir = readable_scratch_dir("tls");

        let ca = make_ca("registry test CA");
        let other_ca = make_ca("another test CA");
        let key = KeyPair::generate().expect("a server key");
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("server parameters");
        params.distinguished_name.push(DnType::CommonName, "localhost");
        let cert = params.signed_by(&key, &ca).expect("the server certificate");
        write_readable(&dir.join("server.crt"), &cert.pem());
        write_readable(&dir.join("server.key"), &key.serialize_pem());
        write_readable(&dir.join("ca.pem"), &ca.pem());
        write_readable(&dir.join("other-ca.pem"), &other_ca.pem());

        let path = |name: &str| dir.join(name).display().to_string();
        let (child, port) = start_pgbouncer(
            &dir,
            &format!("* = host={host} port={server_port} user={user}"),
            &user,
            &password,
            &format!(
                "pool_mode = session\n\
                 client_tls_sslmode = require\n\
                 client_tls_cert_file = {cert}\n\
                 client_tls_key_file = {key}\n",
                cert = path("server.crt"),
                key = path("server.key"),
            ),
        );
        Self { child, port, ca: dir.join("ca.pem"), other_ca: dir.join("other-ca.pem"), dir }
    }

    /// The URL of database `db` on `host` with `query`.
    fn url_of(&self, host: &str, db: &str, query: &str) -> String {
        format!("postgres://postgres@{host}:{}/{db}?{query}", self.port)
    }

    fn url(&self, host: &str, query: &str) -> String {
        self.url_of(host, "postgres", query)
    }

    fn verify(&self, mode: &str, host: &str, ca: &Path) -> String {
        self.url(host, &format!("sslmode={mode}&sslrootcert={}", ca.display()))
    }

    /// The `tls` column of PgBouncer's clients of database `postgres` (empty for a plaintext one),
    /// read on the admin console through the read pool over verify-full.
    async fn client_tls(&self) -> Vec<String> {
        let url =
            self.url_of("localhost", "pgbouncer", &format!("sslmode=verify-full&sslrootcert={}", self.ca.display()));
        let pool = database::read_pool(&url, 1).expect("the admin console's pool");
        let client = pool.get().await.unwrap_or_else(|e| panic!("PgBouncer's admin console: {e}"));
        let messages = client.simple_query("SHOW CLIENTS").await.expect("SHOW CLIENTS");
        messages
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) if row.get("database") == Some("postgres") => {
                    Some(row.get("tls").unwrap_or_default().to_owned())
                }
                _ => None,
            })
            .collect()
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Connects the SeaORM/sqlx pool, runs a statement, and returns PgBouncer's `tls` of its clients
/// while the connection is open.
async fn through_sqlx(server: &TlsServer, url: &str) -> Result<Vec<String>, String> {
    let conn = database::connect(url, 1).await.map_err(|e| e.to_string())?;
    assert_eq!(query_strings(&conn, "SELECT 'one'").await, [["one"]]);
    let tls = server.client_tls().await;
    conn.close().await.map_err(|e| e.to_string())?;
    Ok(tls)
}

/// The same through the read pool, checked as `database::open` checks it at start-up.
async fn through_read_pool(server: &TlsServer, url: &str) -> Result<Vec<String>, String> {
    database::check_read_pool(url).await.map_err(|e| e.to_string())?;
    let pool = database::read_pool(url, 1).map_err(|e| e.to_string())?;
    let client = pool.get().await.map_err(|e| e.to_string())?;
    let row = client.query_one("SELECT 'one'", &[]).await.map_err(|e| e.to_string())?;
    assert_eq!(row.get::<_, String>(0), "one");
    Ok(server.client_tls().await)
}

/// Both pools connect with `url`, and PgBouncer saw their connections encrypted.
async fn both_connect_encrypted(server: &TlsServer, url: &str) {
    for (pool, result) in
        [("SeaORM pool", through_sqlx(server, url).await), ("read pool", through_read_pool(server, url).await)]
    {
        let tls = result.unwrap_or_else(|e| panic!("the {pool} should connect with {url}: {e}"));
        assert!(!tls.is_empty(), "{pool}: PgBouncer lists no client of `postgres`");
        assert!(tls.iter().all(|t| t.starts_with("TLSv1.")), "{pool}: a client without TLS: {tls:?}");
    }
}

/// Both pools refuse `url` with one line holding every `expected` part.
async fn both_refuse(server: &TlsServer, url: &str, expected: &[&str]) {
    for (pool, result) in
        [("SeaORM pool", through_sqlx(server, url).await), ("read pool", through_read_pool(server, url).await)]
    {
        let err = result.expect_err(&format!("the {pool} should refuse {url}"));
        assert!(!err.contains('\n'), "{pool}: not one line: {err}");
        assert!(err.starts_with("cannot connect to the database at postgres://postgres@"), "{pool}: {err}");
        for part in expected {
            assert!(err.contains(part), "{pool}: expected {part:?} in: {err}");
        }
    }
}

#[tokio::test]
async fn verify_full_with_the_servers_ca_connects_encrypted() {
    let server = TlsServer::start();
    both_connect_encrypted(&server, &server.verify("verify-full", "localhost", &server.ca)).await;
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused_naming_the_ca_file() {
    let server = TlsServer::start();
    let cause = format!("the server certificate is not signed by the CA in sslrootcert={}", server.other_ca.display());
    // require with sslrootcert checks the chain, as libpq does.
    for mode in ["verify-full", "verify-ca", "require"] {
        let url = server.verify(mode, "localhost", &server.other_ca);
        both_refuse(&server, &url, &["TLS to localhost:", &cause, "UnknownIssuer"]).await;
    }
}

#[tokio::test]
async fn a_host_name_the_certificate_lacks_is_refused_by_verify_full_only() {
    let server = TlsServer::start();
    both_refuse(
        &server,
        &server.verify("verify-full", "127.0.0.1", &server.ca),
        &["TLS to 127.0.0.1:", "not issued for the host name 127.0.0.1, which sslmode=verify-full checks"],
    )
    .await;
    both_connect_encrypted(&server, &server.verify("verify-ca", "127.0.0.1", &server.ca)).await;
}

#[tokio::test]
async fn require_and_prefer_encrypt_without_a_root_certificate_and_disable_is_not_let_in() {
    let server = TlsServer::start();
    both_connect_encrypted(&server, &server.url("127.0.0.1", "sslmode=require")).await;
    // The default, prefer, encrypts when the server offers TLS.
    both_connect_encrypted(&server, &server.url("127.0.0.1", "")).await;
    both_refuse(&server, &server.url("127.0.0.1", "sslmode=disable"), &["SSL required"]).await;
}

#[tokio::test]
async fn a_missing_root_certificate_file_is_one_line() {
    let server = TlsServer::start();
    let url = server.url("localhost", "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem");
    let sqlx = through_sqlx(&server, &url).await.expect_err("no CA file");
    let reads = through_read_pool(&server, &url).await.expect_err("no CA file");
    for err in [sqlx, reads] {
        assert!(err.starts_with("sslrootcert=/nonexistent/ca.pem: cannot be read ("), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }
}

#[tokio::test]
async fn the_binary_reads_migrations_over_verify_full_and_names_a_wrong_ca() {
    let server = TlsServer::start();
    let db = empty_database().await;
    let query = |ca: &Path| format!("sslmode=verify-full&sslrootcert={}", ca.display());
    let url = server.url_of("localhost", &db.name, &query(&server.ca));
    let run = run_cli(&["migrate", "status"], &[("DATABASE_URL", &url)]);
    assert!(run.status.success(), "migrate status over TLS failed:\n{}", run.stderr);
    assert!(run.stdout.contains("pending ") && run.stdout.contains("state: empty"), "{}", run.stdout);

    let url = server.url_of("localhost", &db.name, &query(&server.other_ca));
    let run = run_cli(&["migrate", "status"], &[("DATABASE_URL", &url)]);
    assert_eq!(run.status.code(), Some(1), "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr, got:\n{}", run.stderr);
    assert!(lines[0].starts_with("error: cannot connect to the database at"), "{}", lines[0]);
    let cause = format!("not signed by the CA in sslrootcert={}", server.other_ca.display());
    assert!(lines[0].contains(&cause), "{}", lines[0]);
}
