//! The GraphQL-over-HTTP protocol layer: request parsing (with Apollo Automatic Persisted
//! Queries), response encoding with content negotiation, and the playground (GraphiQL) page.
//!
//! A handler wires them together like this (`schema` is the async-graphql dynamic schema):
//!
//! ```text
//! async fn graphql(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
//!     let body = match read_body(&req, payload, &state.protocol).await {
//!         Ok(body) => body,
//!         Err(e) => return e.into_response(&req),
//!     };
//!     let parsed = match parse_request(&req, &body, &state.protocol, &state.persisted_queries) {
//!         Ok(parsed) => parsed,
//!         Err(e) => return e.into_response(&req), // includes PersistedQueryNotFound (HTTP 200)
//!     };
//!     let response = parsed
//!         .map_requests(|r| r.data(per_request_data()))
//!         .execute(|r| execute_and_tag(&state.schema, r)) // mark_executed() if resolvers ran
//!         .await;
//!     encode_response(&req, response)
//! }
//! ```
//!
//! Tag responses that went through execution with [`mark_executed`]: it is how [`encode_response`]
//! tells request errors (400 with `application/graphql-response+json`) from executions whose `data`
//! is null (200).
//!
//! Route it for GET and POST (`web::route().guard(guard::Any(guard::Get()).or(guard::Post()))`, or
//! two routes); `parse_request` itself answers other methods with 405.

pub mod graphql_protocol;
pub mod metrics_endpoint;
pub mod persisted_queries;
pub mod playground;
pub mod server;

pub use graphql_protocol::{
    BatchItem, ParsedRequest, ProtocolConfig, ProtocolError, encode_response, error_code, is_get, mark_executed,
    parse_request, read_body,
};
pub use persisted_queries::PersistedQueries;
