//! The one error type of the gateway.
//!
//! Errors are split in two: *user-fixable* errors carry a stable [`ErrorCode`] and a message that
//! names what is wrong and what to do; *internal* errors keep their cause for the logs, and clients
//! only ever see `INTERNAL` with no database text.

use std::fmt;

/// Stable, machine-readable error codes (GraphQL `extensions.code`, CLI exit messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The HTTP request itself is malformed (not JSON, wrong members).
    BadRequest,
    GraphqlParseFailed,
    GraphqlValidationFailed,
    PersistedQueryNotFound,
    UnsupportedMediaType,
    MethodNotAllowed,
    BadUserInput,
    NotFound,
    QueryTooDeep,
    QueryTooComplex,
    Unauthenticated,
    Forbidden,
    /// A write lost a race or met an existing key: a stale `expectedVersion`, a unique value taken.
    Conflict,
    RateLimited,
    PayloadTooLarge,
    /// A statement ran past the per-request statement timeout.
    Timeout,
    /// The configuration (flags, environment) is wrong.
    BadConfig,
    /// The database cannot be reached or lacks something the gateway needs.
    DatabaseUnavailable,
    /// The database schema is not (fully) migrated.
    DatabaseNotMigrated,
    /// No key to verify a bearer JWT with: the JWKS could not be fetched (a server-side fault; retry).
    JwksUnavailable,
    Internal,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "BAD_REQUEST",
            Self::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::NotFound => "NOT_FOUND",
            Self::QueryTooDeep => "QUERY_TOO_DEEP",
            Self::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::Timeout => "TIMEOUT",
            Self::BadConfig => "BAD_CONFIG",
            Self::DatabaseUnavailable => "DATABASE_UNAVAILABLE",
            Self::DatabaseNotMigrated => "DATABASE_NOT_MIGRATED",
            Self::JwksUnavailable => "JWKS_UNAVAILABLE",
            Self::Internal => "INTERNAL",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Something the caller or operator can fix; the message says what and how.
    #[error("{message}")]
    User { code: ErrorCode, message: String },
    /// A failure inside the gateway or the database. `context` is safe to log, never sent to clients.
    #[error("{context}: {source}")]
    Internal {
        context: String,
        #[source]
        source: BoxError,
    },
}

impl AppError {
    pub fn user(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::User { code, message: message.into() }
    }

    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::user(ErrorCode::BadUserInput, message)
    }

    /// The database cannot be reached now (an outage): the caller's to retry; 503 for
    /// `application/graphql-response+json` callers and refused requests.
    pub fn database_unavailable() -> Self {
        Self::user(ErrorCode::DatabaseUnavailable, "the database is unavailable right now; retry shortly")
    }

    pub fn config(message: impl Into<String>) -> Self {
        Self::user(ErrorCode::BadConfig, message)
    }

    pub fn internal(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Internal { context: context.into(), source: source.into() }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::User { code, .. } => *code,
            Self::Internal { .. } => ErrorCode::Internal,
        }
    }

    /// The message a client may see: the full text for user errors, a fixed text for internal ones.
    pub fn client_message(&self) -> String {
        match self {
            Self::User { message, .. } => message.clone(),
            Self::Internal { .. } => "internal error; see the gateway log for the request id".to_owned(),
        }
    }
}

/// Adds context to a fallible call, turning its error into [`AppError::Internal`].
pub trait Context<T> {
    fn context(self, context: impl Into<String>) -> Result<T, AppError>;
}

impl<T, E: Into<BoxError>> Context<T> for Result<T, E> {
    fn context(self, context: impl Into<String>) -> Result<T, AppError> {
        self.map_err(|e| AppError::internal(context, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause_from_clients() {
        let err = AppError::internal("loading agents", std::io::Error::other("relation \"agents\" does not exist"));
        assert_eq!(err.code(), ErrorCode::Internal);
        assert!(!err.client_message().contains("relation"));
        assert!(err.to_string().contains("relation"), "the log line keeps the cause");
    }

    #[test]
    fn user_errors_keep_their_code_and_message() {
        let err = AppError::bad_input("argument `first` must be at most 100");
        assert_eq!(err.code().as_str(), "BAD_USER_INPUT");
        assert_eq!(err.client_message(), "argument `first` must be at most 100");
    }
}
