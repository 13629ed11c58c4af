//! GraphQL over HTTP: turning HTTP requests into `async_graphql::Request`s and responses back into
//! HTTP, following the GraphQL-over-HTTP specification
//! (<https://graphql.github.io/graphql-over-http/draft/>) and Apollo's Automatic Persisted Queries.
//!
//! # Requests
//!
//! * `POST` with `Content-Type: application/json` (any charset; a missing Content-Type is treated as
//!   JSON): a JSON object `{query, operationName, variables, extensions}`, or a non-empty JSON array
//!   of them (a batch, as sent by Apollo's `BatchHttpLink`).
//! * `POST` with `Content-Type: application/graphql`: the body is the query text.
//! * `GET` (and `HEAD`): URL parameters `query`, `operationName`, `variables` and `extensions`, the
//!   last two URL-encoded JSON objects. Mutations are refused with 405, as the specification requires.
//!
//! Every failure becomes a [`ProtocolError`], whose [`ProtocolError::into_response`] is a GraphQL
//! error document `{"errors":[{"message":…,"extensions":{"code":…}}]}`.
//!
//! # Automatic Persisted Queries
//!
//! `extensions.persistedQuery = {version: 1, sha256Hash}`, exactly as Apollo Client's
//! `createPersistedQueryLink` sends it (also over GET with `useGETForHashedQueries`):
//!
//! * hash only, known: the stored query is executed;
//! * hash only, unknown: HTTP 200 with `errors[0] = {"message":"PersistedQueryNotFound",
//!   "extensions":{"code":"PERSISTED_QUERY_NOT_FOUND"}}` (a [`ProtocolError`] with status 200). This
//!   stays 200 even for `application/graphql-response+json`, because Apollo Client permanently
//!   disables APQ when this answer comes with status 400 or 500;
//! * hash and query: the hash is checked (`provided sha does not match query` otherwise), the query
//!   stored and executed;
//! * any version other than 1 is a 400.
//!
//! The `persistedQuery` extension is removed before execution.
//!
//! **Batches**: each element is handled on its own. An element whose hash is unknown does not fail
//! the batch: [`ParsedRequest::Batch`] holds [`BatchItem`]s, and that element is a
//! [`BatchItem::Respond`] carrying its `PersistedQueryNotFound` response, so the answer is still an
//! array with one result per element, which is what Apollo's batch link needs to retry just that
//! operation. Every other problem with an element fails the whole batch with a 4xx naming the
//! element's (0-based) index.
//!
//! # Responses
//!
//! [`encode_response`] answers `application/graphql-response+json` when the `Accept` header names it
//! at least as highly as `application/json` (wildcards count for `application/json` only, so legacy
//! clients sending `*/*` or nothing keep getting `application/json`). Status codes:
//!
//! * `application/json`: always 200 for an executed request (errors are in the body).
//! * `application/graphql-response+json`: 200 when the response has `data` (even `null` after a
//!   field error); a *request error* (parsing, validation, choosing the operation: errors and no
//!   `data`) is 400, or the status of its error code where one is more precise
//!   (`UNAUTHENTICATED` 401, `FORBIDDEN` 403, `RATE_LIMITED` 429, `PAYLOAD_TOO_LARGE` 413,
//!   `INTERNAL` 500, `DATABASE_UNAVAILABLE`/`DATABASE_NOT_MIGRATED` 503).
//! * Batches are always 200 (the specification does not cover batching).
//!
//! Telling a *request error* from an execution whose `data` ended up null needs help: call
//! [`mark_executed`] on every response that went through execution (the server knows: its resolvers
//! flag the request when they run; the tag is removed when encoding); an untagged response with
//! errors and null `data` is a request error. Without the tag the fallback is a heuristic: null
//! `data` and errors that all lack a `path`. That heuristic is not enough for async-graphql 7.2.1
//! dynamic schemas, whose resolver errors carry no `path` (and whose `data` is null when every root
//! field failed), so tag executed responses. (An async-graphql extension could tag them too, but an
//! extension puts every field of every response through its `resolve` hook: about 4% of the
//! gateway's CPU on the deep queries.) For request errors the `data` member is omitted, as
//! the GraphQL specification requires for errors raised before execution. (async-graphql notices
//! a missing or ill-typed variable only while resolving the field that uses it, so that is
//! reported like an execution error: `data: null`, status 200.)

use std::future::Future;

use actix_web::http::header;
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchResponse, ErrorExtensionValues, Request, Response, ServerError, Value, Variables};
use futures::StreamExt as _;
use serde_json::Map;

use self::json_body::{JsonBody, JsonElement, JsonOperation};
use super::persisted_queries::{PersistedQueries, sha256_hex};
use crate::error::ErrorCode;
use crate::execute::Answer;

mod json_body;

/// The `extensions.code` values this module produces.
pub mod code {
    use crate::error::ErrorCode;

    /// The HTTP request is not a well-formed GraphQL-over-HTTP request.
    pub const BAD_REQUEST: &str = ErrorCode::BadRequest.as_str();
    /// The body or the query text is over its limit.
    pub const PAYLOAD_TOO_LARGE: &str = ErrorCode::PayloadTooLarge.as_str();
    /// A POST with a Content-Type other than JSON or `application/graphql`.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = ErrorCode::UnsupportedMediaType.as_str();
    /// APQ: the hash is not (or no longer) known; the client should resend it with the query.
    pub const PERSISTED_QUERY_NOT_FOUND: &str = ErrorCode::PersistedQueryNotFound.as_str();
    /// A method other than GET/POST, or a mutation sent with GET.
    pub const METHOD_NOT_ALLOWED: &str = ErrorCode::MethodNotAllowed.as_str();
}

/// The message Apollo clients look for (besides the code) to resend a persisted query with its text.
pub const PERSISTED_QUERY_NOT_FOUND_MESSAGE: &str = "PersistedQueryNotFound";

const JSON_CONTENT_TYPE: &str = "application/json";
const GRAPHQL_RESPONSE_CONTENT_TYPE: &str = "application/graphql-response+json; charset=utf-8";

/// Limits applied while parsing requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtocolConfig {
    /// The largest accepted request body (after decompression), in bytes.
    pub max_body_bytes: usize,
    /// The largest accepted query text, in bytes (also applies to queries sent with GET).
    pub max_query_bytes: usize,
    /// The most operations in one batch; 0 disables batching.
    pub max_batch_size: usize,
}

impl Default for ProtocolConfig {
    fn default() -> Self {
        Self { max_body_bytes: 1024 * 1024, max_query_bytes: 256 * 1024, max_batch_size: 10 }
    }
}

/// A parsed GraphQL-over-HTTP request, ready to execute.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // `Request` is large; there is one per HTTP request.
pub enum ParsedRequest {
    /// A single operation (a JSON object body, an `application/graphql` body, or a GET).
    Single(Request),
    /// A JSON array body: one item per element, in order. Answer it with
    /// `BatchResponse::Batch` holding one response per item (see [`ParsedRequest::execute`]).
    Batch(Vec<BatchItem>),
}

/// One element of a batch.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum BatchItem {
    /// An operation to execute.
    Execute(Request),
    /// An element already answered without execution (an unknown APQ hash): put this response in
    /// the element's place.
    Respond(Response),
}

impl ParsedRequest {
    /// Applies `f` to every request that will be executed, e.g. to attach per-request data
    /// (`|r| r.data(loaders.clone())`).
    #[must_use]
    pub fn map_requests(self, mut f: impl FnMut(Request) -> Request) -> Self {
        match self {
            Self::Single(request) => Self::Single(f(request)),
            Self::Batch(items) => Self::Batch(
                items
                    .into_iter()
                    .map(|item| match item {
                        BatchItem::Execute(request) => BatchItem::Execute(f(request)),
                        respond @ BatchItem::Respond(_) => respond,
                    })
                    .collect(),
            ),
        }
    }

    /// Executes the request(s) with `exec`, batch elements one after the other like
    /// `Schema::execute_batch`, and assembles the answers for [`encode_response`].
    pub async fn execute<F, Fut, T>(self, mut exec: F) -> Answers
    where
        F: FnMut(Request) -> Fut,
        Fut: Future<Output = T>,
        T: Into<Answer>,
    {
        match self {
            Self::Single(request) => Answers::Single(exec(request).await.into()),
            Self::Batch(items) => {
                let mut answers = Vec::with_capacity(items.len());
                for item in items {
                    answers.push(match item {
                        BatchItem::Execute(request) => exec(request).await.into(),
                        BatchItem::Respond(response) => response.into(),
                    });
                }
                Answers::Batch(answers)
            }
        }
    }

    /// Whether the HTTP request was a batch (a JSON array).
    pub fn is_batch(&self) -> bool {
        matches!(self, Self::Batch(_))
    }
}

/// A request the protocol layer answers itself, without executing anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ProtocolError {
    /// The HTTP status of the answer (200 for `PersistedQueryNotFound`).
    pub status: StatusCode,
    /// The `extensions.code` (see [`code`]).
    pub code: &'static str,
    /// A message saying what is wrong; never contains the request body.
    pub message: String,
}

impl ProtocolError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    /// 400 `BAD_REQUEST`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code::BAD_REQUEST, message)
    }

    /// 413 `PAYLOAD_TOO_LARGE`.
    pub fn payload_too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, code::PAYLOAD_TOO_LARGE, message)
    }

    /// 415 `UNSUPPORTED_MEDIA_TYPE`.
    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, code::UNSUPPORTED_MEDIA_TYPE, message)
    }

    /// 405 `METHOD_NOT_ALLOWED` (answered with `Allow: GET, POST`).
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, code::METHOD_NOT_ALLOWED, message)
    }

    /// The APQ answer to an unknown hash: HTTP 200, `PersistedQueryNotFound`.
    pub fn persisted_query_not_found() -> Self {
        Self::new(StatusCode::OK, code::PERSISTED_QUERY_NOT_FOUND, PERSISTED_QUERY_NOT_FOUND_MESSAGE)
    }

    pub fn is_persisted_query_not_found(&self) -> bool {
        self.code == code::PERSISTED_QUERY_NOT_FOUND
    }

    /// This error as a GraphQL response (`errors` only, no `data`).
    pub fn to_graphql_response(&self) -> Response {
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", self.code);
        let mut error = ServerError::new(self.message.clone(), None);
        error.extensions = Some(extensions);
        Response::from_errors(vec![error])
    }

    /// The HTTP answer: status [`Self::status`], a GraphQL error document as body, in the media
    /// type the `Accept` header prefers (see [`encode_response`]).
    pub fn into_response(self, req: &HttpRequest) -> HttpResponse {
        let body = serde_json::json!({
            "errors": [{ "message": self.message, "extensions": { "code": self.code } }]
        });
        let mut builder = HttpResponse::build(self.status);
        builder.content_type(negotiate(req).content_type()).insert_header((header::VARY, "Accept"));
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            builder.insert_header((header::ALLOW, "GET, POST"));
        }
        builder.body(body.to_string())
    }

    fn in_batch_element(mut self, index: usize) -> Self {
        self.message = format!("batch element [{index}]: {}", self.message);
        self
    }
}

/// The response extension [`mark_executed`] sets; never sent to clients by [`encode_response`].
const EXECUTED_MARKER: &str = "__registryGatewayExecuted";

/// Tags `response` as the result of an execution (not of a request error), so that
/// [`encode_response`] answers 200 even when its `data` is null. The tag is never sent.
pub fn mark_executed(response: &mut Response) {
    response.extensions.insert(EXECUTED_MARKER.to_owned(), Value::Boolean(true));
}

/// Whether the request is a GET (or HEAD), which must not run mutations. [`parse_request`] already
/// refuses mutations sent this way; this lets the caller also, e.g., skip mutation-only set-up.
pub fn is_get(req: &HttpRequest) -> bool {
    req.method() == Method::GET || req.method() == Method::HEAD
}

/// Parses a GraphQL-over-HTTP request (POST JSON object or JSON array batch; POST
/// `application/graphql` body; GET with `query`/`variables`/`operationName`/`extensions` query
/// parameters), applying Apollo Automatic Persisted Queries (`extensions.persistedQuery
/// {version:1, sha256Hash}`). See the module documentation for the rules.
pub fn parse_request(
    req: &HttpRequest,
    body: &[u8],
    cfg: &ProtocolConfig,
    apq: &PersistedQueries,
) -> Result<ParsedRequest, ProtocolError> {
    if is_get(req) {
        let query_string = req.query_string();
        if query_string.len() > cfg.max_body_bytes {
            return Err(ProtocolError::payload_too_large(format!(
                "the URL query string is {} bytes; the limit is {}; send large requests with POST",
                query_string.len(),
                cfg.max_body_bytes
            )));
        }
        let mut request = parse_get(query_string, cfg, apq)?;
        refuse_mutation(&mut request)?;
        return Ok(ParsedRequest::Single(request));
    }
    if req.method() != Method::POST {
        return Err(ProtocolError::method_not_allowed(format!(
            "method {} is not supported; send GraphQL requests with POST (or GET for queries)",
            req.method()
        )));
    }
    check_body_size(body.len(), cfg)?;
    match body_kind(req)? {
        BodyKind::Json => parse_json_body(body, cfg, apq),
        BodyKind::Graphql => {
            let query = std::str::from_utf8(body).map_err(|e| {
                ProtocolError::bad_request(format!(
                    "the application/graphql request body is not valid UTF-8 (at byte {})",
                    e.valid_up_to()
                ))
            })?;
            build_request(Some(query.to_owned()), None, Variables::default(), Map::new(), cfg, apq)
                .map(ParsedRequest::Single)
        }
    }
}

/// Reads the request body (decompressing it per `Content-Encoding`), stopping with a 413
/// [`ProtocolError`] as soon as it exceeds `cfg.max_body_bytes`. Use it with a `web::Payload`
/// extractor instead of `web::Bytes`, whose limit (256 KiB by default, see `web::PayloadConfig`)
/// answers in plain text rather than with a GraphQL error document.
pub async fn read_body(
    req: &HttpRequest,
    payload: web::Payload,
    cfg: &ProtocolConfig,
) -> Result<web::Bytes, ProtocolError> {
    if req.headers().get(header::CONTENT_ENCODING).is_none()
        && let Some(length) = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
    {
        check_body_size(length, cfg)?;
    }
    let mut stream = actix_web::dev::Decompress::from_headers(payload.into_inner(), req.headers());
    let mut body = web::BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ProtocolError::bad_request(format!("could not read the request body: {e}")))?;
        if body.len() + chunk.len() > cfg.max_body_bytes {
            return Err(ProtocolError::payload_too_large(format!(
                "request body is more than {} bytes; the limit is {}",
                cfg.max_body_bytes, cfg.max_body_bytes
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Encodes the response, choosing `application/graphql-response+json` when the Accept header asks
/// for it and `application/json` otherwise, with the status codes the specification prescribes for
/// each (see the module documentation). HTTP headers and cache control set during execution are
/// passed on.
pub fn encode_response(req: &HttpRequest, answers: Answers) -> HttpResponse {
    let media = negotiate(req);
    let status = match (&answers, media) {
        (Answers::Single(single), MediaType::GraphqlResponseJson) if is_request_error(single) => {
            request_error_status(single)
        }
        // An outage is not the request's fault: 503 tells load balancers and clients to retry.
        (Answers::Single(single), MediaType::GraphqlResponseJson)
            if single.errors.iter().any(|e| error_code(e) == Some(ErrorCode::DatabaseUnavailable.as_str())) =>
        {
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::OK,
    };
    // The body is sent as chunks: each answer's `data` buffer as it was written, with the few bytes
    // around it (errors, extensions, batch brackets) in small chunks of their own. The data is not
    // copied into one response buffer, which for a large answer held a second copy while it was
    // made (bench/README.md, "Answers sent as they were written").
    let mut body = Body::default();
    match answers {
        Answers::Single(single) => body.answer(single),
        Answers::Batch(many) => {
            body.text.push(b'[');
            for (i, a) in many.into_iter().enumerate() {
                if i > 0 {
                    body.text.push(b',');
                }
                body.answer(a);
            }
            body.text.push(b']');
        }
    }
    let (size, chunks) = body.finish();
    let mut response = HttpResponse::build(status);
    response.content_type(media.content_type()).insert_header((header::VARY, "Accept"));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.insert_header((header::RETRY_AFTER, "1"));
    }
    match <[bytes::Bytes; 1]>::try_from(chunks) {
        Ok([one]) => response.body(one),
        Err(chunks) => response.body(actix_web::body::SizedStream::new(
            size,
            futures::stream::iter(chunks.into_iter().map(Ok::<_, std::convert::Infallible>)),
        )),
    }
}

/// A response body being put together: finished chunks, and the text written since the last one.
#[derive(Default)]
struct Body {
    chunks: Vec<bytes::Bytes>,
    text: Vec<u8>,
    size: u64,
}

impl Body {
    /// Ends the current text chunk and adds `data` (already JSON) as a chunk of its own.
    fn push_data(&mut self, data: Vec<u8>) {
        if !self.text.is_empty() {
            self.size += self.text.len() as u64;
            self.chunks.push(std::mem::take(&mut self.text).into());
        }
        self.size += data.len() as u64;
        self.chunks.push(data.into());
    }

    /// One answer as sent: `errors` first, `data` (already JSON) left out for request errors, then
    /// `extensions`.
    fn answer(&mut self, a: Answer) {
        let request_error = is_request_error(&a);
        let mut members = 0;
        self.text.push(b'{');
        if !a.errors.is_empty() {
            self.text.extend_from_slice(b"\"errors\":");
            let _ = serde_json::to_writer(&mut self.text, &a.errors);
            members += 1;
        }
        if !request_error {
            if members > 0 {
                self.text.push(b',');
            }
            self.text.extend_from_slice(b"\"data\":");
            members += 1;
            match a.data {
                Some(raw) => self.push_data(raw),
                None => self.text.extend_from_slice(b"null"),
            }
        }
        if !a.extensions.is_empty() {
            if members > 0 {
                self.text.push(b',');
            }
            self.text.extend_from_slice(b"\"extensions\":");
            let _ = serde_json::to_writer(&mut self.text, &a.extensions);
        }
        self.text.push(b'}');
    }

    /// The chunks and their total length.
    fn finish(mut self) -> (u64, Vec<bytes::Bytes>) {
        if !self.text.is_empty() {
            self.size += self.text.len() as u64;
            self.chunks.push(self.text.into());
        }
        (self.size, self.chunks)
    }
}

/// Answers to a single request or a batch.
#[derive(Debug)]
pub enum Answers {
    Single(Answer),
    Batch(Vec<Answer>),
}

impl From<Response> for Answer {
    fn from(mut r: Response) -> Self {
        let executed = r.extensions.remove(EXECUTED_MARKER).is_some();
        let data = match &r.data {
            Value::Null => None,
            v => serde_json::to_vec(v).ok(),
        };
        Answer { errors: r.errors, data, executed, extensions: r.extensions }
    }
}

impl From<Response> for Answers {
    fn from(r: Response) -> Self {
        Self::Single(r.into())
    }
}

impl From<BatchResponse> for Answers {
    fn from(r: BatchResponse) -> Self {
        match r {
            BatchResponse::Single(r) => Self::Single(r.into()),
            BatchResponse::Batch(rs) => Self::Batch(rs.into_iter().map(Into::into).collect()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Request parsing

enum BodyKind {
    Json,
    Graphql,
}

fn check_body_size(len: usize, cfg: &ProtocolConfig) -> Result<(), ProtocolError> {
    if len > cfg.max_body_bytes {
        return Err(ProtocolError::payload_too_large(format!(
            "request body is {len} bytes; the limit is {}",
            cfg.max_body_bytes
        )));
    }
    Ok(())
}

fn body_kind(req: &HttpRequest) -> Result<BodyKind, ProtocolError> {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Ok(BodyKind::Json);
    };
    let unsupported = |shown: &str| {
        ProtocolError::unsupported_media_type(format!(
            "unsupported Content-Type `{}`; send application/json (or application/graphql)",
            truncate(shown, 100)
        ))
    };
    let text = value.to_str().map_err(|_| unsupported("<not ASCII>"))?;
    let mime: actix_web::mime::Mime = text.parse().map_err(|_| unsupported(text))?;
    match (mime.type_().as_str(), mime.subtype().as_str()) {
        ("application", "json") => Ok(BodyKind::Json),
        ("application", "graphql") => Ok(BodyKind::Graphql),
        _ => Err(unsupported(mime.essence_str())),
    }
}

fn parse_json_body(body: &[u8], cfg: &ProtocolConfig, apq: &PersistedQueries) -> Result<ParsedRequest, ProtocolError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ProtocolError::bad_request("request body is empty; send a JSON object with a `query` member"));
    }
    let body: JsonBody = serde_json::from_slice(body).map_err(|e| malformed_json("request body", &e))?;
    match body {
        JsonBody::Single(operation) => parse_operation(operation, cfg, apq).map(ParsedRequest::Single),
        JsonBody::Batch(elements) => parse_batch(elements, cfg, apq),
        JsonBody::Other(kind) => Err(ProtocolError::bad_request(format!(
            "request body must be a JSON object (or an array of them for a batch), not {kind}"
        ))),
    }
}

fn parse_batch(
    elements: Vec<JsonElement>,
    cfg: &ProtocolConfig,
    apq: &PersistedQueries,
) -> Result<ParsedRequest, ProtocolError> {
    if cfg.max_batch_size == 0 {
        return Err(ProtocolError::bad_request("batched requests are disabled; send one JSON object per request"));
    }
    if elements.is_empty() {
        return Err(ProtocolError::bad_request("the batch is empty; send at least one operation"));
    }
    if elements.len() > cfg.max_batch_size {
        return Err(ProtocolError::bad_request(format!(
            "the batch has {} operations; the limit is {}",
            elements.len(),
            cfg.max_batch_size
        )));
    }
    let mut items = Vec::with_capacity(elements.len());
    for (index, element) in elements.into_iter().enumerate() {
        let operation = match element {
            JsonElement::Operation(operation) => operation,
            JsonElement::Other(kind) => {
                return Err(
                    ProtocolError::bad_request(format!("must be a JSON object, not {kind}")).in_batch_element(index)
                );
            }
        };
        items.push(match parse_operation(operation, cfg, apq) {
            Ok(request) => BatchItem::Execute(request),
            Err(e) if e.is_persisted_query_not_found() => BatchItem::Respond(e.to_graphql_response()),
            Err(e) => return Err(e.in_batch_element(index)),
        });
    }
    Ok(ParsedRequest::Batch(items))
}

/// One `{query, operationName, variables, extensions}` object.
fn parse_operation(
    operation: JsonOperation,
    cfg: &ProtocolConfig,
    apq: &PersistedQueries,
) -> Result<Request, ProtocolError> {
    use serde_json::Value as Json;
    let JsonOperation { members: mut object, variables } = operation;
    let query = match object.remove("query") {
        None | Some(Json::Null) => None,
        Some(Json::String(query)) => Some(query),
        Some(other) => {
            return Err(ProtocolError::bad_request(format!("`query` must be a string, not {}", json_kind(&other))));
        }
    };
    let operation_name = match object.remove("operationName") {
        None | Some(Json::Null) => None,
        Some(Json::String(name)) => Some(name),
        Some(other) => {
            return Err(ProtocolError::bad_request(format!(
                "`operationName` must be a string, not {}",
                json_kind(&other)
            )));
        }
    };
    let variables = match variables {
        None | Some(Value::Null) => Variables::default(),
        Some(object @ Value::Object(_)) => Variables::from_value(object),
        Some(other) => {
            return Err(ProtocolError::bad_request(format!(
                "`variables` must be a JSON object, not {}",
                json_body::value_kind(&other)
            )));
        }
    };
    let extensions = json_object_member("extensions", object.remove("extensions"))?;
    build_request(query, operation_name, variables, extensions, cfg, apq)
}

fn parse_get(query_string: &str, cfg: &ProtocolConfig, apq: &PersistedQueries) -> Result<Request, ProtocolError> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(query_string)
        .map_err(|e| ProtocolError::bad_request(format!("malformed URL query string: {e}")))?
        .into_inner();
    let mut query = None;
    let mut operation_name = None;
    let mut variables = None;
    let mut extensions = None;
    for (name, value) in pairs {
        let slot = match name.as_str() {
            "query" => &mut query,
            "operationName" => &mut operation_name,
            "variables" => &mut variables,
            "extensions" => &mut extensions,
            _ => continue,
        };
        if slot.replace(value).is_some() {
            return Err(ProtocolError::bad_request(format!("URL parameter `{name}` is given more than once")));
        }
    }
    let variables = variables_from_json(parse_json_param("variables", variables)?)?;
    let extensions = json_object_member("extensions", parse_json_param("extensions", extensions)?)?;
    let operation_name = operation_name.filter(|name| !name.is_empty());
    build_request(query, operation_name, variables, extensions, cfg, apq)
}

/// A URL parameter holding JSON; absent or empty is `None`.
fn parse_json_param(name: &str, value: Option<String>) -> Result<Option<serde_json::Value>, ProtocolError> {
    match value {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Ok(None),
        Some(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| malformed_json(&format!("the `{name}` URL parameter"), &e)),
    }
}

fn variables_from_json(value: Option<serde_json::Value>) -> Result<Variables, ProtocolError> {
    let object = json_object_member("variables", value)?;
    if object.is_empty() {
        return Ok(Variables::default());
    }
    let value = Value::from_json(serde_json::Value::Object(object))
        .map_err(|e| ProtocolError::bad_request(format!("`variables` is not a valid GraphQL value: {e}")))?;
    Ok(Variables::from_value(value))
}

/// `variables`/`extensions`: a JSON object, or absent/null (an empty object).
fn json_object_member(
    name: &str,
    value: Option<serde_json::Value>,
) -> Result<Map<String, serde_json::Value>, ProtocolError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(Map::new()),
        Some(serde_json::Value::Object(object)) => Ok(object),
        Some(other) => {
            Err(ProtocolError::bad_request(format!("`{name}` must be a JSON object, not {}", json_kind(&other))))
        }
    }
}

/// Applies APQ and the query size limit, and builds the request.
fn build_request(
    query: Option<String>,
    operation_name: Option<String>,
    variables: Variables,
    mut extensions: Map<String, serde_json::Value>,
    cfg: &ProtocolConfig,
    apq: &PersistedQueries,
) -> Result<Request, ProtocolError> {
    let query = query.filter(|query| !query.is_empty());
    if let Some(query) = &query {
        check_query_size(query, cfg)?;
    }
    let query = match extensions.remove("persistedQuery") {
        None | Some(serde_json::Value::Null) => query,
        Some(persisted) => {
            let hash = persisted_query_hash(persisted)?;
            if let Some(query) = query {
                if sha256_hex(&query) != hash {
                    return Err(ProtocolError::bad_request("provided sha does not match query"));
                }
                apq.insert(&hash, &query);
                Some(query)
            } else {
                let stored = apq.get(&hash).ok_or_else(ProtocolError::persisted_query_not_found)?;
                check_query_size(&stored, cfg)?;
                Some(stored.to_string())
            }
        }
    };
    let Some(query) = query else {
        return Err(ProtocolError::bad_request("request has no `query`"));
    };

    let mut request = Request::new(query).variables(variables);
    request.operation_name = operation_name;
    for (name, value) in extensions {
        let value = Value::from_json(value).map_err(|e| {
            ProtocolError::bad_request(format!(
                "`extensions.{}` is not a valid GraphQL value: {e}",
                truncate(&name, 64)
            ))
        })?;
        request.extensions.insert(name, value);
    }
    Ok(request)
}

fn check_query_size(query: &str, cfg: &ProtocolConfig) -> Result<(), ProtocolError> {
    if query.len() > cfg.max_query_bytes {
        return Err(ProtocolError::payload_too_large(format!(
            "the query is {} bytes; the limit is {}",
            query.len(),
            cfg.max_query_bytes
        )));
    }
    Ok(())
}

/// Validates `extensions.persistedQuery` and returns its hash, lowercased.
fn persisted_query_hash(persisted: serde_json::Value) -> Result<String, ProtocolError> {
    let serde_json::Value::Object(mut persisted) = persisted else {
        return Err(ProtocolError::bad_request(format!(
            "`extensions.persistedQuery` must be a JSON object, not {}",
            json_kind(&persisted)
        )));
    };
    match persisted.get("version") {
        Some(serde_json::Value::Number(version)) if version.as_u64() == Some(1) => {}
        Some(serde_json::Value::Number(version)) => {
            return Err(ProtocolError::bad_request(format!(
                "unsupported persisted query version {}; only version 1 is supported",
                truncate(&version.to_string(), 32)
            )));
        }
        _ => {
            return Err(ProtocolError::bad_request("`extensions.persistedQuery.version` must be the number 1"));
        }
    }
    match persisted.remove("sha256Hash") {
        Some(serde_json::Value::String(hash)) if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(hash.to_ascii_lowercase())
        }
        _ => Err(ProtocolError::bad_request(
            "`extensions.persistedQuery.sha256Hash` must be a SHA-256 digest as 64 hexadecimal digits",
        )),
    }
}

/// GET must not run mutations (GraphQL over HTTP: 405). A query that does not parse, or whose
/// operation cannot be chosen, is left to the executor, which reports it as a GraphQL error.
fn refuse_mutation(request: &mut Request) -> Result<(), ProtocolError> {
    let operation_name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else { return Ok(()) };
    let operation = match (&document.operations, operation_name.as_deref()) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.iter().find(|(candidate, _)| candidate.as_str() == name).map(|(_, operation)| operation)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    };
    match operation {
        Some(operation) if operation.node.ty == OperationType::Mutation => {
            Err(ProtocolError::method_not_allowed("mutations cannot be sent with GET; use POST"))
        }
        _ => Ok(()),
    }
}

/// "malformed JSON in request body at line 1 column 17: expected value". serde_json's messages for
/// syntax errors never quote the input, so nothing of the body is echoed.
fn malformed_json(what: &str, error: &serde_json::Error) -> ProtocolError {
    let full = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    let reason = full.strip_suffix(&position).unwrap_or(&full);
    ProtocolError::bad_request(format!("malformed JSON in {what}{position}: {reason}"))
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == max_chars {
            out.push('…');
            break;
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Responses

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MediaType {
    Json,
    GraphqlResponseJson,
}

impl MediaType {
    fn content_type(self) -> &'static str {
        match self {
            Self::Json => JSON_CONTENT_TYPE,
            Self::GraphqlResponseJson => GRAPHQL_RESPONSE_CONTENT_TYPE,
        }
    }
}

/// `application/graphql-response+json` if the Accept header names it (q > 0) with a quality at
/// least that of `application/json` (or of `application/*`, `*/*` when `application/json` is not
/// named); `application/json` otherwise, including when there is no Accept header.
fn negotiate(req: &HttpRequest) -> MediaType {
    let mut graphql_response: Option<u16> = None;
    let mut json: Option<u16> = None;
    let mut application_any: Option<u16> = None;
    let mut any: Option<u16> = None;
    for value in req.headers().get_all(header::ACCEPT) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let range = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let quality = parts
                .filter_map(|param| param.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .map_or(Some(1000), |(_, q)| parse_quality(q.trim()));
            let Some(quality) = quality else { continue };
            let slot = match range.as_str() {
                "application/graphql-response+json" => &mut graphql_response,
                "application/json" => &mut json,
                "application/*" => &mut application_any,
                "*/*" => &mut any,
                _ => continue,
            };
            *slot = Some(slot.map_or(quality, |q| q.max(quality)));
        }
    }
    let graphql_response = graphql_response.unwrap_or(0);
    let json = json.or(application_any).or(any).unwrap_or(0);
    if graphql_response > 0 && graphql_response >= json { MediaType::GraphqlResponseJson } else { MediaType::Json }
}

/// An HTTP quality value ("0", "0.5", "1.000") in thousandths; `None` if malformed.
fn parse_quality(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u16 = match whole {
        "0" => 0,
        "1" => 1,
        _ => return None,
    };
    let mut thousandths = 0u16;
    let mut scale = 100u16;
    for digit in fraction.bytes() {
        thousandths += u16::from(digit - b'0') * scale;
        scale /= 10;
    }
    let quality = whole * 1000 + thousandths;
    (quality <= 1000).then_some(quality)
}

/// Errors and no data: the request failed before execution (see the module documentation).
fn is_request_error(answer: &Answer) -> bool {
    !answer.executed
        && answer.data.is_none()
        && !answer.errors.is_empty()
        && answer.errors.iter().all(|error| error.path.is_empty())
}

/// An error's `extensions.code`.
pub fn error_code(error: &ServerError) -> Option<&str> {
    match error.extensions.as_ref()?.get("code") {
        Some(Value::String(code)) => Some(code.as_str()),
        _ => None,
    }
}

fn request_error_status(answer: &Answer) -> StatusCode {
    let code = answer.errors.first().and_then(error_code);
    let status_of = |candidate: ErrorCode| code == Some(candidate.as_str());
    if code == Some(code::PERSISTED_QUERY_NOT_FOUND) {
        StatusCode::OK
    } else if status_of(ErrorCode::Unauthenticated) {
        StatusCode::UNAUTHORIZED
    } else if status_of(ErrorCode::Forbidden) {
        StatusCode::FORBIDDEN
    } else if status_of(ErrorCode::RateLimited) {
        StatusCode::TOO_MANY_REQUESTS
    } else if status_of(ErrorCode::PayloadTooLarge) {
        StatusCode::PAYLOAD_TOO_LARGE
    } else if status_of(ErrorCode::Internal) {
        StatusCode::INTERNAL_SERVER_ERROR
    } else if status_of(ErrorCode::DatabaseUnavailable) || status_of(ErrorCode::DatabaseNotMigrated) {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::BAD_REQUEST
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
