//! TLS to PostgreSQL: one reading of the URL's libpq TLS parameters (`sslmode`, `sslrootcert`) that
//! both of the gateway's pools follow, so a hosted database (`sslmode=require` and up) can be reached.
//!
//! Both pools must agree, or the gateway would start on one and fail on the other:
//! - the SeaORM/sqlx pool (start-up, migrations, writes) gets its mode from [`PgTls::sqlx_options`];
//!   sqlx does the handshake with rustls (ring provider, webpki roots);
//! - the tokio-postgres read pool gets a URL without the parameters tokio-postgres refuses
//!   (`verify-ca`, `verify-full`, `sslrootcert`) and a rustls connector whose certificate check
//!   [`PgTls::connector`] decides, with the same ring provider and roots.
//!
//! The modes, as libpq defines them:
//! - `disable`: no TLS; `prefer` (the default, as in libpq): TLS when the server offers it, the
//!   certificate not checked; `require`: TLS or no connection, the certificate not checked, except
//!   that with `sslrootcert` it is checked as in `verify-ca` (libpq does the same);
//! - `verify-ca`: the certificate chain must lead to a root, the host name is not checked;
//! - `verify-full`: the chain and the host name (or IP address) are checked.
//!
//! Roots are the `sslrootcert` file when given, else the Mozilla roots bundled by `webpki-roots`
//! (what sqlx bundles too: no dependency on the host's certificate store). One difference remains
//! that sqlx does not let us change: its pool trusts the bundled roots in addition to
//! `sslrootcert`, where the read pool (and libpq) trust `sslrootcert` alone. Start-up opens a read
//! connection too ([`crate::database::open`]), so a server only sqlx would accept fails at start-up.
//! `sslmode=allow` (plain first, TLS on refusal) is refused: sqlx treats it as `disable`; so are
//! client certificates (`sslcert`, `sslkey`), which tokio-postgres's URL parser does not know.
//! Like sqlx and libpq, the `PGSSLMODE` and `PGSSLROOTCERT` environment variables stand in for
//! parameters the URL lacks.

use std::error::Error as StdError;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgSslMode};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::AppError;

/// The URL parameters this module owns (libpq's names).
const SSLMODE: &str = "sslmode";
const SSLROOTCERT: &str = "sslrootcert";

/// libpq's `sslmode` values the gateway supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<Self, String> {
        match value {
            "disable" => Ok(Self::Disable),
            "prefer" => Ok(Self::Prefer),
            "require" => Ok(Self::Require),
            "verify-ca" => Ok(Self::VerifyCa),
            "verify-full" => Ok(Self::VerifyFull),
            other => {
                Err(format!("sslmode={other} is not supported; use disable, prefer, require, verify-ca or verify-full"))
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        }
    }

    /// True when the server's certificate chain is checked against the roots.
    pub fn verifies(self) -> bool {
        matches!(self, Self::VerifyCa | Self::VerifyFull)
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The TLS policy of one database URL.
#[derive(Debug, Clone)]
pub struct PgTls {
    /// The mode in force: `require` with `sslrootcert` is `verify-ca`.
    pub mode: SslMode,
    pub root_cert: Option<PathBuf>,
    /// `host:port` of the (first) server, for messages.
    pub target: String,
    /// The URL for tokio-postgres: this module's parameters replaced by an `sslmode` it knows.
    pub tokio_postgres_url: String,
}

impl PgTls {
    /// Reads the policy of `url` (a `postgres://` URL), with `PGSSLMODE`/`PGSSLROOTCERT` as defaults.
    pub fn from_url(url: &str) -> Result<Self, AppError> {
        Self::from_url_with_env(url, |name| std::env::var(name).ok().filter(|v| !v.is_empty()))
            .map_err(|e| AppError::config(format!("the database URL {}: {e}", crate::database::redact_url(url))))
    }

    fn from_url_with_env(url: &str, env: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut mode = None;
        let mut root_cert = None;
        let mut kept = Vec::new();
        for segment in query.split('&').filter(|s| !s.is_empty()) {
            let (key, value) = url::form_urlencoded::parse(segment.as_bytes()).next().unwrap_or_default();
            match key.as_ref() {
                SSLMODE => mode = Some(value.into_owned()),
                SSLROOTCERT => root_cert = Some(value.into_owned()),
                "sslcert" | "sslkey" => {
                    return Err(format!("{key}: client certificates are not supported; authenticate with a password"));
                }
                // Kept verbatim: tokio-postgres decodes them its own way.
                _ => kept.push(segment),
            }
        }
        let mode = mode.or_else(|| env("PGSSLMODE")).map_or(Ok(SslMode::Prefer), |m| SslMode::parse(&m))?;
        let root_cert = root_cert.or_else(|| env("PGSSLROOTCERT")).filter(|p| !p.is_empty()).map(PathBuf::from);
        let mode = match (mode, &root_cert) {
            (SslMode::Require, Some(_)) => SslMode::VerifyCa,
            (mode, _) => mode,
        };
        // tokio-postgres knows disable, prefer and require; the check beyond "encrypted" is the
        // connector's.
        let tokio_postgres_mode = match mode {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => "require",
        };
        let sslmode = format!("{SSLMODE}={tokio_postgres_mode}");
        kept.push(&sslmode);
        let tokio_postgres_url = format!("{base}?{}", kept.join("&"));
        // A URL neither driver can read is reported by the connection attempt, in its words.
        let target = match tokio_postgres_url.parse::<tokio_postgres::Config>() {
            Ok(config) => {
                let host = match config.get_hosts().first() {
                    Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
                    Some(tokio_postgres::config::Host::Unix(path)) => path.display().to_string(),
                    None => "localhost".to_owned(),
                };
                format!("{host}:{}", config.get_ports().first().copied().unwrap_or(5432))
            }
            Err(_) => "the database server".to_owned(),
        };
        Ok(Self { mode, root_cert, target, tokio_postgres_url })
    }

    /// The sqlx options with this policy's mode and root certificate.
    pub fn sqlx_options(&self, options: PgConnectOptions) -> PgConnectOptions {
        let options = options.ssl_mode(match self.mode {
            SslMode::Disable => PgSslMode::Disable,
            SslMode::Prefer => PgSslMode::Prefer,
            SslMode::Require => PgSslMode::Require,
            SslMode::VerifyCa => PgSslMode::VerifyCa,
            SslMode::VerifyFull => PgSslMode::VerifyFull,
        });
        match &self.root_cert {
            Some(path) => options.ssl_root_cert(path),
            None => options,
        }
    }

    /// The roots a verifying mode checks against: the `sslrootcert` file, else the webpki roots.
    /// An unreadable or empty file is a one-line configuration error.
    pub fn root_store(&self) -> Result<RootCertStore, AppError> {
        let Some(path) = &self.root_cert else {
            return Ok(webpki_roots::TLS_SERVER_ROOTS.iter().cloned().collect());
        };
        let bad = |why: String| AppError::config(format!("sslrootcert={}: {why}", path.display()));
        let pem = std::fs::read(path).map_err(|e| bad(format!("cannot be read ({e})")))?;
        let mut store = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| bad(format!("is not a PEM certificate file ({e})")))?;
            store.add(cert).map_err(|e| bad(format!("holds a certificate rustls refuses ({e})")))?;
        }
        if store.is_empty() {
            return Err(bad("holds no PEM certificate".to_owned()));
        }
        Ok(store)
    }

    /// The rustls connector for tokio-postgres that checks what the mode asks for.
    pub fn connector(&self) -> Result<MakeRustlsConnect, AppError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| AppError::internal("setting up TLS", e))?;
        let config = match self.mode {
            SslMode::Disable | SslMode::Prefer | SslMode::Require => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate { provider }))
                .with_no_client_auth(),
            SslMode::VerifyCa => {
                let chain = WebPkiServerVerifier::builder_with_provider(Arc::new(self.root_store()?), provider)
                    .build()
                    .map_err(|e| AppError::internal("setting up TLS", e))?;
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(ChainOnly { chain }))
                    .with_no_client_auth()
            }
            SslMode::VerifyFull => builder.with_root_certificates(self.root_store()?).with_no_client_auth(),
        };
        Ok(MakeRustlsConnect::new(config))
    }

    /// A one-line account of a connection error whose cause is TLS, or `None` when TLS is not the
    /// cause. `err` is any error whose source chain holds rustls's error (sqlx, SeaORM,
    /// tokio-postgres, deadpool).
    pub fn explain(&self, err: &(dyn StdError + 'static)) -> Option<String> {
        let tls = find_rustls_error(err)?;
        let cause = match tls {
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => match &self.root_cert {
                Some(path) => {
                    format!("the server certificate is not signed by the CA in sslrootcert={}", path.display())
                }
                None => "the server certificate is not signed by a CA among the bundled webpki roots; set sslrootcert to the server's CA file".to_owned(),
            },
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            ) => format!(
                "the server certificate is not issued for the host name {}, which sslmode=verify-full checks",
                host_of(&self.target)
            ),
            rustls::Error::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. },
            ) => "the server certificate has expired".to_owned(),
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. },
            ) => "the server certificate is not valid yet".to_owned(),
            rustls::Error::InvalidCertificate(_) => "the server certificate was refused".to_owned(),
            _ => "the TLS handshake failed".to_owned(),
        };
        let detail = tls.to_string().replace('\n', " ");
        Some(format!("TLS to {} failed (sslmode={}): {cause} [{detail}]", self.target, self.mode))
    }
}

fn host_of(target: &str) -> &str {
    target.rsplit_once(':').map_or(target, |(host, _)| host)
}

/// The rustls error in `err`'s source chain. `io::Error` hides its payload from `source()`, and
/// SeaORM's `RuntimeErr` does not name the sqlx error as its source, so those are opened by hand.
fn find_rustls_error<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(inner) = e.downcast_ref::<std::io::Error>().and_then(std::io::Error::get_ref)
            && let Some(tls) = find_rustls_error(inner)
        {
            return Some(tls);
        }
        if let Some(sea_orm::RuntimeErr::SqlxError(sqlx)) = e.downcast_ref::<sea_orm::RuntimeErr>()
            && let Some(tls) = find_rustls_error(sqlx.as_ref())
        {
            return Some(tls);
        }
        next = e.source();
    }
    None
}

/// `disable`/`prefer`/`require`: encrypted, any certificate (libpq's semantics). The handshake's
/// signatures are still checked, so the peer holds the key of the certificate it shows.
#[derive(Debug)]
struct AnyCertificate {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the webpki check without its last step. rustls checks the chain before the name,
/// so a name mismatch is the only error that means "chain good".
#[derive(Debug)]
struct ChainOnly {
    chain: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.chain.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.chain.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.chain.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<PgTls, String> {
        PgTls::from_url_with_env(url, |_| None)
    }

    #[test]
    fn the_default_is_prefer_as_in_libpq() {
        let tls = parse("postgres://app@db.example.com/registry").unwrap();
        assert_eq!(tls.mode, SslMode::Prefer);
        assert_eq!(tls.root_cert, None);
        assert_eq!(tls.target, "db.example.com:5432");
        assert_eq!(tls.tokio_postgres_url, "postgres://app@db.example.com/registry?sslmode=prefer");
    }

    #[test]
    fn every_mode_is_read_and_tokio_postgres_gets_one_it_knows() {
        for (value, mode, passed) in [
            ("disable", SslMode::Disable, "disable"),
            ("prefer", SslMode::Prefer, "prefer"),
            ("require", SslMode::Require, "require"),
            ("verify-ca", SslMode::VerifyCa, "require"),
            ("verify-full", SslMode::VerifyFull, "require"),
        ] {
            let tls = parse(&format!("postgres://app:pw@db:6543/x?sslmode={value}")).unwrap();
            assert_eq!(tls.mode, mode, "{value}");
            assert_eq!(tls.target, "db:6543");
            assert_eq!(tls.tokio_postgres_url, format!("postgres://app:pw@db:6543/x?sslmode={passed}"));
            assert!(tls.tokio_postgres_url.parse::<tokio_postgres::Config>().is_ok());
        }
    }

    #[test]
    fn require_with_a_root_certificate_verifies_the_chain_as_libpq_does() {
        let tls = parse("postgres://db/x?sslmode=require&sslrootcert=/etc/ca%20file.pem").unwrap();
        assert_eq!(tls.mode, SslMode::VerifyCa);
        assert_eq!(tls.root_cert, Some(PathBuf::from("/etc/ca file.pem")));
        assert_eq!(tls.tokio_postgres_url, "postgres://db/x?sslmode=require");
    }

    #[test]
    fn other_parameters_reach_tokio_postgres_verbatim() {
        let tls = parse("postgres://db/x?application_name=gw&sslrootcert=/ca.pem&options=-c%20search_path%3Dapp&sslmode=verify-full")
            .unwrap();
        assert_eq!(tls.mode, SslMode::VerifyFull);
        assert_eq!(
            tls.tokio_postgres_url,
            "postgres://db/x?application_name=gw&options=-c%20search_path%3Dapp&sslmode=require"
        );
        let config: tokio_postgres::Config = tls.tokio_postgres_url.parse().unwrap();
        assert_eq!(config.get_options(), Some("-c search_path=app"));
        assert_eq!(config.get_ssl_mode(), tokio_postgres::config::SslMode::Require);
    }

    #[test]
    fn unsupported_modes_are_refused_by_name() {
        let err = parse("postgres://db/x?sslmode=allow").unwrap_err();
        assert!(err.contains("sslmode=allow is not supported"), "{err}");
        assert!(err.contains("verify-full"), "{err}");
        assert!(parse("postgres://db/x?sslmode=verify_full").is_err());
        let err = parse("postgres://db/x?sslmode=verify-full&sslcert=/me.pem").unwrap_err();
        assert!(err.starts_with("sslcert: client certificates are not supported"), "{err}");
        // An unreadable URL is left to the connection attempt, which names it.
        assert_eq!(parse("not a url").unwrap().target, "the database server");
    }

    #[test]
    fn the_environment_fills_in_what_the_url_lacks() {
        let env = |name: &str| match name {
            "PGSSLMODE" => Some("verify-full".to_owned()),
            "PGSSLROOTCERT" => Some("/env/ca.pem".to_owned()),
            _ => None,
        };
        let tls = PgTls::from_url_with_env("postgres://db/x", env).unwrap();
        assert_eq!((tls.mode, tls.root_cert), (SslMode::VerifyFull, Some(PathBuf::from("/env/ca.pem"))));
        let tls = PgTls::from_url_with_env("postgres://db/x?sslmode=disable&sslrootcert=/url.pem", env).unwrap();
        assert_eq!((tls.mode, tls.root_cert), (SslMode::Disable, Some(PathBuf::from("/url.pem"))));
    }

    #[test]
    fn a_missing_or_empty_root_certificate_file_is_one_line() {
        let tls = parse("postgres://db/x?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem").unwrap();
        let err = tls.root_store().unwrap_err().to_string();
        assert!(err.starts_with("sslrootcert=/nonexistent/ca.pem: cannot be read ("), "{err}");
        assert!(!err.contains('\n'));
        let empty = std::env::temp_dir().join(format!("rg-empty-ca-{}.pem", std::process::id()));
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let tls = parse(&format!("postgres://db/x?sslmode=verify-ca&sslrootcert={}", empty.display())).unwrap();
        let err = tls.root_store().unwrap_err().to_string();
        std::fs::remove_file(&empty).unwrap();
        assert!(err.ends_with("holds no PEM certificate"), "{err}");
    }

    #[test]
    fn without_a_root_file_the_webpki_roots_are_used() {
        let tls = parse("postgres://db/x?sslmode=verify-full").unwrap();
        assert_eq!(tls.root_store().unwrap().len(), webpki_roots::TLS_SERVER_ROOTS.len());
        assert!(tls.connector().is_ok());
    }

    #[test]
    fn the_rustls_error_is_found_inside_io_errors() {
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
        );
        let tls = parse("postgres://db:5433/x?sslmode=verify-full&sslrootcert=/ca.pem").unwrap();
        let line = tls.explain(&io).unwrap();
        assert_eq!(
            line,
            "TLS to db:5433 failed (sslmode=verify-full): the server certificate is not signed by the CA in sslrootcert=/ca.pem [invalid peer certificate: UnknownIssuer]"
        );
        assert_eq!(tls.explain(&std::io::Error::other("connection refused")), None);
        let sea = sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(std::sync::Arc::new(sea_orm::sqlx::Error::Io(
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                rustls::Error::InvalidCertificate(CertificateError::NotValidForName),
            ),
        ))));
        let line = tls.explain(&sea).unwrap();
        assert!(line.contains("not issued for the host name db, which sslmode=verify-full checks ["), "{line}");
    }
}
