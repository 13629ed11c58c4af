//! Stable `extensions.code` on every GraphQL error.
//!
//! Resolver errors come from [`AppError`]: user errors keep their code and message; internal errors
//! are logged with the request id and reach the client as `INTERNAL` with no database text.
//! Errors async-graphql raises itself (parsing, validation, limits) get their code here from what
//! they are, in [`classify`].

use async_graphql::{ErrorExtensions, ServerError};
use uuid::Uuid;

use crate::error::{AppError, ErrorCode};

/// The GraphQL error for `e`, logging internal ones with the request id.
pub fn to_graphql(e: &AppError, request_id: Uuid) -> async_graphql::Error {
    if let AppError::Internal { .. } = e {
        tracing::error!(%request_id, error = %e, "internal error");
    }
    let code = e.code().as_str();
    let message = match e {
        AppError::Internal { .. } => format!("internal error (request {request_id})"),
        AppError::User { .. } => e.client_message(),
    };
    async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code))
}

/// A user error with `code`, for places that have no [`AppError`] yet.
pub fn user_error(code: ErrorCode, message: impl Into<String>) -> async_graphql::Error {
    let code = code.as_str();
    async_graphql::Error::new(message.into()).extend_with(|_, ext| ext.set("code", code))
}

/// Gives every error without a code the code of its kind.
pub fn classify(errors: &mut [ServerError]) {
    for e in errors {
        let has_code = e.extensions.as_ref().is_some_and(|x| x.get("code").is_some());
        if has_code {
            continue;
        }
        let m = e.message.as_str();
        let code = if m.contains("nested too deep") || m.contains("recursion") {
            "QUERY_TOO_DEEP"
        } else if m.contains("too complex") {
            "QUERY_TOO_COMPLEX"
        } else if m.contains("invalid number")
            || m.contains("number out of range")
            || m.starts_with("Invalid value for argument")
            || m.contains("Invalid value for variable")
            || m.contains("expected type")
            || m.contains("Failed to parse")
        {
            "BAD_USER_INPUT"
        } else if m.contains("Unknown field")
            || m.contains("Unknown argument")
            || m.contains("Unknown type")
            || m.contains("Unknown fragment")
            || m.contains("must have a selection")
            || m.contains("must not have a selection")
            || m.contains("is required")
            || m.contains("not defined")
            || m.contains("Unknown operation")
            || m.contains("Operation name")
            || m.contains("Variable")
            || m.contains("Unknown directive")
            || m.contains("Cannot query")
        {
            "GRAPHQL_VALIDATION_FAILED"
        } else if e.locations.is_empty() && e.path.is_empty() || m.contains(" --> ") || m.contains("expected ") {
            "GRAPHQL_PARSE_FAILED"
        } else {
            "INTERNAL"
        };
        let mut ext = e.extensions.take().unwrap_or_default();
        ext.set("code", code);
        e.extensions = Some(ext);
    }
}
