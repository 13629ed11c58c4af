//! The GraphQL-over-HTTP envelope against a small schema: parsing, media types, status codes,
//! batches and error documents.

use actix_web::body::to_bytes;
use actix_web::test::TestRequest;
use actix_web::{App, FromRequest as _};
use async_graphql::dynamic::{Field, FieldFuture, FieldValue, InputValue, Object, Schema, TypeRef};
use serde_json::json;

use super::*;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

fn cfg() -> ProtocolConfig {
    ProtocolConfig { max_body_bytes: 1024, max_query_bytes: 256, max_batch_size: 3 }
}

fn post(content_type: Option<&str>) -> TestRequest {
    let request = TestRequest::post().uri("/graphql");
    match content_type {
        Some(content_type) => request.insert_header((header::CONTENT_TYPE, content_type)),
        None => request,
    }
}

fn parse_post(apq: &PersistedQueries, body: &str) -> Result<ParsedRequest, ProtocolError> {
    parse_request(&post(Some("application/json")).to_http_request(), body.as_bytes(), &cfg(), apq)
}

fn parse_get_url(apq: &PersistedQueries, params: &[(&str, &str)]) -> Result<ParsedRequest, ProtocolError> {
    let req = TestRequest::get().uri(&get_uri(params)).to_http_request();
    parse_request(&req, b"", &cfg(), apq)
}

fn get_uri(params: &[(&str, &str)]) -> String {
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
    format!("/graphql?{}", query.join("&"))
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(byte >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(byte & 0x0f)]));
        }
    }
    out
}

fn single(parsed: Result<ParsedRequest, ProtocolError>) -> Request {
    match parsed.unwrap() {
        ParsedRequest::Single(request) => request,
        ParsedRequest::Batch(_) => panic!("expected a single request"),
    }
}

#[track_caller]
fn error(parsed: Result<ParsedRequest, ProtocolError>, status: StatusCode, code: &str) -> ProtocolError {
    let Err(e) = parsed else { panic!("expected an error, got {parsed:?}") };
    assert_eq!((e.status, e.code), (status, code), "{e:?}");
    e
}

#[track_caller]
fn bad_request(parsed: Result<ParsedRequest, ProtocolError>) -> String {
    error(parsed, StatusCode::BAD_REQUEST, "BAD_REQUEST").message
}

async fn body_json(response: HttpResponse) -> serde_json::Value {
    let bytes = to_bytes(response.into_body()).await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn content_type(response: &HttpResponse) -> &str {
    response.headers().get(header::CONTENT_TYPE).unwrap().to_str().unwrap()
}

/// A GraphQL error document: only `errors`, a non-empty list of `{message, extensions.code}`.
#[track_caller]
fn assert_error_document(body: &serde_json::Value, code: &str) {
    let object = body.as_object().expect("a JSON object");
    assert_eq!(object.keys().collect::<Vec<_>>(), ["errors"], "{body}");
    let errors = object["errors"].as_array().unwrap();
    assert!(!errors.is_empty());
    for error in errors {
        assert!(error["message"].is_string(), "{body}");
        assert!(error["extensions"]["code"].is_string(), "{body}");
    }
    assert_eq!(errors[0]["extensions"]["code"], code);
}

fn hash_extension(query: &str) -> serde_json::Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(query) } })
}

fn schema() -> Schema {
    let query = Object::new("Query")
        .field(Field::new("hello", TypeRef::named_nn(TypeRef::STRING), |_| {
            FieldFuture::new(async { Ok(Some(FieldValue::value("world"))) })
        }))
        .field(
            Field::new("greet", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move {
                    let name = ctx.args.try_get("name")?.string()?.to_owned();
                    Ok(Some(FieldValue::value(format!("hi {name}"))))
                })
            })
            .argument(InputValue::new("name", TypeRef::named_nn(TypeRef::STRING))),
        )
        .field(Field::new("boom", TypeRef::named(TypeRef::STRING), |_| {
            FieldFuture::new(async { Err::<Option<FieldValue>, _>(async_graphql::Error::new("boom")) })
        }))
        .field(Field::new("boomNonNull", TypeRef::named_nn(TypeRef::STRING), |_| {
            FieldFuture::new(async { Err::<Option<FieldValue>, _>(async_graphql::Error::new("boom")) })
        }));
    let mutation = Object::new("Mutation").field(Field::new("touch", TypeRef::named_nn(TypeRef::BOOLEAN), |_| {
        FieldFuture::new(async { Ok(Some(FieldValue::value(true))) })
    }));
    Schema::build("Query", Some("Mutation"), None).register(query).register(mutation).finish().unwrap()
}

/// Executes like the server does: responses of executions are tagged with [`mark_executed`]
/// (the toy schema has no request context, so any response with data or a resolver's error is
/// one).
async fn execute(schema: &Schema, request: impl Into<async_graphql::Request>) -> Response {
    let mut response = schema.execute(request).await;
    let resolver_failed = response.errors.iter().any(|e| e.message == "boom");
    if response.data != Value::Null || resolver_failed {
        mark_executed(&mut response);
    }
    response
}

async fn run(query: &str) -> Response {
    execute(&schema(), query).await
}

// ------------------------------------------------------------------ POST JSON

#[test]
fn parses_a_json_object_with_all_members() {
    let apq = PersistedQueries::new(10);
    let body = json!({
        "query": "query Q($name: String!) { greet(name: $name) }",
        "operationName": "Q",
        "variables": { "name": "Ann", "list": [1, 2.5, null] },
        "extensions": { "trace": true },
        "unknownMember": "ignored",
    });
    let request = single(parse_post(&apq, &body.to_string()));
    assert_eq!(request.query, "query Q($name: String!) { greet(name: $name) }");
    assert_eq!(request.operation_name.as_deref(), Some("Q"));
    assert_eq!(request.variables.get("name"), Some(&Value::from("Ann")));
    assert_eq!(request.variables.get("list").map(|v| v.clone().into_json().unwrap()), Some(json!([1, 2.5, null])));
    assert_eq!(request.extensions.get("trace"), Some(&Value::Boolean(true)));
}

#[test]
fn variables_read_in_one_pass_equal_those_read_through_a_json_value() {
    let apq = PersistedQueries::new(10);
    let variables = json!({
        "e": [0.039_858, -5.7e-05, 1e300, -0.0, 3, -7, u64::MAX],
        "nested": { "a": [null, true, "x\u{e9}\n"], "b": { "c": [] } },
        "empty": {},
    });
    let body = json!({ "query": "{ hello }", "variables": variables }).to_string();
    let request = single(parse_post(&apq, &body));
    assert_eq!(request.variables, Variables::from_json(variables));

    // A member given twice counts once, the last, as when the body was a `serde_json::Value`.
    let request = single(parse_post(&apq, r#"{"query": "{ hello }", "variables": {"a": 1}, "variables": {"b": 2}}"#));
    assert_eq!(request.variables, Variables::from_json(json!({ "b": 2 })));
}

#[test]
fn a_body_of_another_kind_is_named_by_its_kind() {
    let apq = PersistedQueries::new(10);
    for (body, kind) in [("true", "a boolean"), ("-1.5", "a number"), ("7", "a number"), ("null", "null")] {
        let message = bad_request(parse_post(&apq, body));
        assert_eq!(
            message,
            format!("request body must be a JSON object (or an array of them for a batch), not {kind}")
        );
    }
    for (element, kind) in [("[1]", "an array"), ("\"q\"", "a string"), ("false", "a boolean"), ("null", "null")] {
        let message = bad_request(parse_post(&apq, &format!(r#"[{{"query": "{{ hello }}"}}, {element}]"#)));
        assert_eq!(message, format!("batch element [1]: must be a JSON object, not {kind}"));
    }
}

#[test]
fn null_members_are_treated_as_absent() {
    let apq = PersistedQueries::new(10);
    let body = r#"{"query":"{ hello }","operationName":null,"variables":null,"extensions":null}"#;
    let request = single(parse_post(&apq, body));
    assert_eq!(request.query, "{ hello }");
    assert!(request.operation_name.is_none());
    assert!(request.variables.is_empty());
    assert!(request.extensions.is_empty());
}

#[test]
fn accepts_json_with_any_charset_and_a_missing_content_type() {
    let apq = PersistedQueries::new(10);
    for content_type in [
        Some("application/json"),
        Some("application/json; charset=utf-8"),
        Some("application/json;charset=ISO-8859-1"),
        None,
    ] {
        let req = post(content_type).to_http_request();
        let request = single(parse_request(&req, br#"{"query":"{ hello }"}"#, &cfg(), &apq));
        assert_eq!(request.query, "{ hello }", "{content_type:?}");
    }
}

#[test]
fn malformed_json_is_a_400_naming_the_position() {
    let apq = PersistedQueries::new(10);
    let message = bad_request(parse_post(&apq, r#"{"query": }"#));
    assert_eq!(message, "malformed JSON in request body at line 1 column 11: expected value");

    let message = bad_request(parse_post(&apq, "{\"query\": \"{ hello }\"}\n}"));
    assert_eq!(message, "malformed JSON in request body at line 2 column 1: trailing characters");
}

#[test]
fn malformed_json_errors_do_not_echo_the_body() {
    let apq = PersistedQueries::new(10);
    let secret = "S3CR3T".repeat(60);
    let body = format!(r#"{{"query": "{secret}", "variables": {{"{secret}": tru }} }}"#);
    let parsed = parse_request(&post(None).to_http_request(), body.as_bytes(), &cfg(), &apq);
    let message = bad_request(parsed);
    assert!(message.starts_with("malformed JSON in request body at line 1 column"), "{message}");
    assert!(!message.contains("S3CR3T"), "{message}");
    assert!(message.len() < 120, "{message}");
}

#[test]
fn empty_and_non_object_bodies_are_400() {
    let apq = PersistedQueries::new(10);
    assert_eq!(bad_request(parse_post(&apq, "")), "request body is empty; send a JSON object with a `query` member");
    assert!(bad_request(parse_post(&apq, "  \n")).starts_with("request body is empty"));
    assert_eq!(
        bad_request(parse_post(&apq, r#""{ hello }""#)),
        "request body must be a JSON object (or an array of them for a batch), not a string"
    );
    assert!(bad_request(parse_post(&apq, "null")).ends_with("not null"));
}

#[test]
fn invalid_utf8_json_is_a_400() {
    let apq = PersistedQueries::new(10);
    let parsed = parse_request(&post(None).to_http_request(), b"{\"query\": \"\xff\"}", &cfg(), &apq);
    assert!(bad_request(parsed).starts_with("malformed JSON in request body at line 1"));
}

#[test]
fn oversized_body_is_a_413() {
    let apq = PersistedQueries::new(10);
    let config = ProtocolConfig { max_body_bytes: 1_048_576, ..cfg() };
    let body = vec![b' '; 1_048_577];
    let e = error(
        parse_request(&post(None).to_http_request(), &body, &config, &apq),
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
    );
    assert_eq!(e.message, "request body is 1048577 bytes; the limit is 1048576");

    let body = vec![b' '; 1_048_576];
    let at_limit = parse_request(&post(None).to_http_request(), &body, &config, &apq);
    assert_eq!(at_limit.unwrap_err().status, StatusCode::BAD_REQUEST, "exactly at the limit is parsed");
}

#[test]
fn oversized_query_is_a_413() {
    let apq = PersistedQueries::new(10);
    let query = format!("{{ {} }}", "a ".repeat(150));
    let body = json!({ "query": query }).to_string();
    let e = error(parse_post(&apq, &body), StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
    assert_eq!(e.message, format!("the query is {} bytes; the limit is 256", query.len()));

    let e = error(parse_get_url(&apq, &[("query", &query)]), StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
    assert!(e.message.starts_with("the query is"));

    let req = post(Some("application/graphql")).to_http_request();
    let e =
        error(parse_request(&req, query.as_bytes(), &cfg(), &apq), StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
    assert!(e.message.starts_with("the query is"));
}

#[test]
fn missing_query_is_a_400() {
    let apq = PersistedQueries::new(10);
    for body in [r"{}", r#"{"query": null}"#, r#"{"query": ""}"#, r#"{"variables": {"a": 1}}"#] {
        assert_eq!(bad_request(parse_post(&apq, body)), "request has no `query`", "{body}");
    }
    assert_eq!(bad_request(parse_get_url(&apq, &[])), "request has no `query`");
    assert_eq!(bad_request(parse_get_url(&apq, &[("operationName", "Q")])), "request has no `query`");
}

#[test]
fn members_of_the_wrong_type_are_400_naming_the_member() {
    let apq = PersistedQueries::new(10);
    let cases = [
        (r#"{"query": 1}"#, "`query` must be a string, not a number"),
        (r#"{"query": "{ hello }", "variables": [1]}"#, "`variables` must be a JSON object, not an array"),
        (r#"{"query": "{ hello }", "variables": "{\"a\":1}"}"#, "`variables` must be a JSON object, not a string"),
        (r#"{"query": "{ hello }", "operationName": 7}"#, "`operationName` must be a string, not a number"),
        (r#"{"query": "{ hello }", "operationName": {}}"#, "`operationName` must be a string, not an object"),
        (r#"{"query": "{ hello }", "extensions": true}"#, "`extensions` must be a JSON object, not a boolean"),
    ];
    for (body, expected) in cases {
        assert_eq!(bad_request(parse_post(&apq, body)), expected, "{body}");
    }
}

// ------------------------------------------------------------------ Content types and methods

#[test]
fn application_graphql_body_is_the_query() {
    let apq = PersistedQueries::new(10);
    let req = post(Some("application/graphql; charset=utf-8")).to_http_request();
    let request = single(parse_request(&req, b"{ hello }", &cfg(), &apq));
    assert_eq!(request.query, "{ hello }");

    let req = post(Some("application/graphql")).to_http_request();
    assert_eq!(bad_request(parse_request(&req, b"", &cfg(), &apq)), "request has no `query`");
    let message = bad_request(parse_request(&req, b"{ he\xffllo }", &cfg(), &apq));
    assert_eq!(message, "the application/graphql request body is not valid UTF-8 (at byte 4)");
}

#[test]
fn unsupported_content_types_are_415() {
    let apq = PersistedQueries::new(10);
    for content_type in
        ["text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "not a mime type"]
    {
        let req = post(Some(content_type)).to_http_request();
        let e = error(
            parse_request(&req, br#"{"query":"{ hello }"}"#, &cfg(), &apq),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        );
        assert!(e.message.starts_with("unsupported Content-Type `"), "{}", e.message);
        assert!(e.message.ends_with("send application/json (or application/graphql)"), "{}", e.message);
    }
}

#[test]
fn other_methods_are_405() {
    let apq = PersistedQueries::new(10);
    let req = TestRequest::put().uri("/graphql").to_http_request();
    let e = error(parse_request(&req, b"{}", &cfg(), &apq), StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
    assert!(e.message.starts_with("method PUT is not supported"));
}

#[test]
fn is_get_is_true_for_get_and_head_only() {
    assert!(is_get(&TestRequest::get().to_http_request()));
    assert!(is_get(&TestRequest::default().method(Method::HEAD).to_http_request()));
    assert!(!is_get(&TestRequest::post().to_http_request()));
}

// ------------------------------------------------------------------ GET

#[test]
fn parses_get_parameters() {
    let apq = PersistedQueries::new(10);
    let request = single(parse_get_url(
        &apq,
        &[
            ("query", "query Q($name: String!) { greet(name: $name) }"),
            ("operationName", "Q"),
            ("variables", r#"{"name": "Ann & Bob"}"#),
            ("extensions", r#"{"trace": true}"#),
            ("unrelated", "x"),
        ],
    ));
    assert_eq!(request.query, "query Q($name: String!) { greet(name: $name) }");
    assert_eq!(request.operation_name.as_deref(), Some("Q"));
    assert_eq!(request.variables.get("name"), Some(&Value::from("Ann & Bob")));
    assert_eq!(request.extensions.get("trace"), Some(&Value::Boolean(true)));

    let request = single(parse_get_url(&apq, &[("query", "{ hello }"), ("variables", ""), ("operationName", "")]));
    assert!(request.variables.is_empty());
    assert!(request.operation_name.is_none());
}

#[test]
fn get_json_parameters_must_be_valid_json_objects() {
    let apq = PersistedQueries::new(10);
    let message = bad_request(parse_get_url(&apq, &[("query", "{ hello }"), ("variables", "{name: 1}")]));
    assert_eq!(message, "malformed JSON in the `variables` URL parameter at line 1 column 2: key must be a string");
    let message = bad_request(parse_get_url(&apq, &[("query", "{ hello }"), ("variables", "[1]")]));
    assert_eq!(message, "`variables` must be a JSON object, not an array");
    let message = bad_request(parse_get_url(&apq, &[("query", "{ hello }"), ("extensions", "42")]));
    assert_eq!(message, "`extensions` must be a JSON object, not a number");
    let message = bad_request(parse_get_url(&apq, &[("query", "{ hello }"), ("extensions", "{")]));
    assert!(message.starts_with("malformed JSON in the `extensions` URL parameter"), "{message}");
}

#[test]
fn get_parameters_given_twice_are_400() {
    let apq = PersistedQueries::new(10);
    let message = bad_request(parse_get_url(&apq, &[("query", "{ hello }"), ("query", "{ boom }")]));
    assert_eq!(message, "URL parameter `query` is given more than once");
}

#[test]
fn get_refuses_mutations_with_405() {
    let apq = PersistedQueries::new(10);
    let e = error(
        parse_get_url(&apq, &[("query", "mutation { touch }")]),
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
    );
    assert_eq!(e.message, "mutations cannot be sent with GET; use POST");

    let document = "query A { hello } mutation B { touch }";
    let selected_mutation = parse_get_url(&apq, &[("query", document), ("operationName", "B")]);
    error(selected_mutation, StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
    let selected_query = single(parse_get_url(&apq, &[("query", document), ("operationName", "A")]));
    assert_eq!(selected_query.operation_name.as_deref(), Some("A"));
    let named_mutation = parse_get_url(&apq, &[("query", "mutation M { touch }")]);
    error(named_mutation, StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");

    // Not parseable, or no operation chosen: left to the executor's GraphQL errors.
    assert!(parse_get_url(&apq, &[("query", "mutation {")]).is_ok());
    assert!(parse_get_url(&apq, &[("query", document)]).is_ok());
    // POST may send mutations.
    assert!(parse_post(&apq, r#"{"query": "mutation { touch }"}"#).is_ok());
}

#[test]
fn oversized_get_query_string_is_413() {
    let apq = PersistedQueries::new(10);
    let long = "x".repeat(2000);
    let e = error(parse_get_url(&apq, &[("query", &long)]), StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
    assert!(e.message.starts_with("the URL query string is 2006 bytes; the limit is 1024"), "{}", e.message);
}

// ------------------------------------------------------------------ Batches

#[test]
fn parses_a_batch() {
    let apq = PersistedQueries::new(10);
    let body = json!([
        { "query": "{ hello }" },
        { "query": "query Q($name: String!) { greet(name: $name) }", "variables": { "name": "Ann" } },
    ]);
    let ParsedRequest::Batch(items) = parse_post(&apq, &body.to_string()).unwrap() else { panic!("a batch") };
    assert_eq!(items.len(), 2);
    let queries: Vec<&str> = items
        .iter()
        .map(|item| match item {
            BatchItem::Execute(request) => request.query.as_str(),
            BatchItem::Respond(_) => panic!("nothing to pre-answer"),
        })
        .collect();
    assert_eq!(queries, ["{ hello }", "query Q($name: String!) { greet(name: $name) }"]);
}

#[test]
fn batch_errors() {
    let apq = PersistedQueries::new(10);
    assert_eq!(bad_request(parse_post(&apq, "[]")), "the batch is empty; send at least one operation");
    let four = json!([{"query": "{ hello }"}, {"query": "{ hello }"}, {"query": "{ hello }"}, {"query": "{ hello }"}]);
    assert_eq!(bad_request(parse_post(&apq, &four.to_string())), "the batch has 4 operations; the limit is 3");
    assert_eq!(
        bad_request(parse_post(&apq, r#"[{"query": "{ hello }"}, 5]"#)),
        "batch element [1]: must be a JSON object, not a number"
    );
    assert_eq!(
        bad_request(parse_post(&apq, r#"[{"query": "{ hello }", "variables": [1]}]"#)),
        "batch element [0]: `variables` must be a JSON object, not an array"
    );
    assert_eq!(bad_request(parse_post(&apq, r"[{}]")), "batch element [0]: request has no `query`");

    let config = ProtocolConfig { max_batch_size: 0, ..cfg() };
    let req = post(None).to_http_request();
    let disabled = parse_request(&req, br#"[{"query": "{ hello }"}]"#, &config, &apq);
    assert!(bad_request(disabled).starts_with("batched requests are disabled"));
}

// ------------------------------------------------------------------ APQ

#[test]
fn apq_round_trip() {
    let apq = PersistedQueries::new(10);
    let query = "{ hello }";
    let hash_only = json!({ "extensions": hash_extension(query) }).to_string();

    // 1. Unknown hash: PersistedQueryNotFound, HTTP 200.
    let e = error(parse_post(&apq, &hash_only), StatusCode::OK, "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(e.message, "PersistedQueryNotFound");
    assert!(e.is_persisted_query_not_found());

    // 2. Hash and query: verified, stored, executed; the extension is stripped, others kept.
    let mut extensions = hash_extension(query);
    extensions["trace"] = json!(true);
    let with_query = json!({ "query": query, "extensions": extensions }).to_string();
    let request = single(parse_post(&apq, &with_query));
    assert_eq!(request.query, query);
    assert!(!request.extensions.contains_key("persistedQuery"));
    assert_eq!(request.extensions.get("trace"), Some(&Value::Boolean(true)));
    assert_eq!(apq.get(&sha256_hex(query)).as_deref(), Some(query));

    // 3. Hash only, now known: the stored query.
    let request = single(parse_post(&apq, &hash_only));
    assert_eq!(request.query, query);
    assert!(request.extensions.is_empty());

    // Upper-case digests work too.
    let upper = json!({ "extensions": { "persistedQuery": {
        "version": 1, "sha256Hash": sha256_hex(query).to_ascii_uppercase() } } });
    assert_eq!(single(parse_post(&apq, &upper.to_string())).query, query);
}

#[test]
fn apq_over_get_for_hashed_queries() {
    let apq = PersistedQueries::new(10);
    let query = "query Hello { hello }";
    let extensions = hash_extension(query).to_string();
    let params = [("operationName", "Hello"), ("variables", "{}"), ("extensions", extensions.as_str())];
    error(parse_get_url(&apq, &params), StatusCode::OK, "PERSISTED_QUERY_NOT_FOUND");
    let body = json!({ "query": query, "operationName": "Hello", "extensions": hash_extension(query) });
    single(parse_post(&apq, &body.to_string()));
    let request = single(parse_get_url(&apq, &params));
    assert_eq!(request.query, query);
    assert_eq!(request.operation_name.as_deref(), Some("Hello"));

    let mutation = "mutation { touch }";
    apq.insert(&sha256_hex(mutation), mutation);
    let extensions = hash_extension(mutation).to_string();
    let stored_mutation = parse_get_url(&apq, &[("extensions", extensions.as_str())]);
    error(stored_mutation, StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
}

#[test]
fn apq_hash_mismatch_is_400_and_stores_nothing() {
    let apq = PersistedQueries::new(10);
    let body = json!({ "query": "{ hello }", "extensions": hash_extension("{ boom }") });
    assert_eq!(bad_request(parse_post(&apq, &body.to_string())), "provided sha does not match query");
    assert!(apq.is_empty());
}

#[test]
fn apq_malformed_extension_is_400() {
    let apq = PersistedQueries::new(10);
    let hash = sha256_hex("{ hello }");
    let cases = [
        (
            json!({ "version": 2, "sha256Hash": hash }),
            "unsupported persisted query version 2; only version 1 is supported",
        ),
        (json!({ "version": "1", "sha256Hash": hash }), "`extensions.persistedQuery.version` must be the number 1"),
        (json!({ "sha256Hash": hash }), "`extensions.persistedQuery.version` must be the number 1"),
        (
            json!({ "version": 1 }),
            "`extensions.persistedQuery.sha256Hash` must be a SHA-256 digest as 64 hexadecimal digits",
        ),
        (
            json!({ "version": 1, "sha256Hash": "abc" }),
            "`extensions.persistedQuery.sha256Hash` must be a SHA-256 digest as 64 hexadecimal digits",
        ),
        (
            json!({ "version": 1, "sha256Hash": 7 }),
            "`extensions.persistedQuery.sha256Hash` must be a SHA-256 digest as 64 hexadecimal digits",
        ),
        (json!("yes"), "`extensions.persistedQuery` must be a JSON object, not a string"),
    ];
    for (persisted, expected) in cases {
        let body = json!({ "query": "{ hello }", "extensions": { "persistedQuery": persisted } });
        assert_eq!(bad_request(parse_post(&apq, &body.to_string())), expected, "{persisted}");
    }
    // `persistedQuery: null` is no persisted query at all.
    let body = json!({ "query": "{ hello }", "extensions": { "persistedQuery": null } });
    assert!(single(parse_post(&apq, &body.to_string())).extensions.is_empty());
}

#[actix_web::test]
async fn apq_in_a_batch_answers_unknown_hashes_per_element() {
    let apq = PersistedQueries::new(10);
    let known = "{ hello }";
    apq.insert(&sha256_hex(known), known);
    let body = json!([
        { "extensions": hash_extension(known) },
        { "extensions": hash_extension("{ unknown }") },
        { "query": "query Q($name: String!) { greet(name: $name) }", "variables": { "name": "Ann" } },
    ]);
    let parsed = parse_post(&apq, &body.to_string()).unwrap();
    let ParsedRequest::Batch(items) = &parsed else { panic!("a batch") };
    assert!(matches!(&items[0], BatchItem::Execute(r) if r.query == known));
    assert!(matches!(&items[1], BatchItem::Respond(_)));
    assert!(matches!(&items[2], BatchItem::Execute(_)));

    let schema = schema();
    let response = parsed.execute(|request| execute(&schema, request)).await;
    let req = post(None).to_http_request();
    let http = encode_response(&req, response);
    assert_eq!(http.status(), StatusCode::OK);
    assert_eq!(
        body_json(http).await,
        json!([
            { "data": { "hello": "world" } },
            { "errors": [{ "message": "PersistedQueryNotFound", "extensions": { "code": "PERSISTED_QUERY_NOT_FOUND" } }] },
            { "data": { "greet": "hi Ann" } },
        ])
    );
}

#[test]
fn map_requests_reaches_every_executed_request() {
    let apq = PersistedQueries::new(10);
    let body = json!([{ "query": "{ a }" }, { "extensions": hash_extension("{ b }") }, { "query": "{ c }" }]);
    let mut seen = Vec::new();
    let _ = parse_post(&apq, &body.to_string()).unwrap().map_requests(|request| {
        seen.push(request.query.clone());
        request
    });
    assert_eq!(seen, ["{ a }", "{ c }"]);
    assert!(!single(parse_post(&apq, r#"{"query": "{ a }"}"#)).query.is_empty());
    assert!(parse_post(&apq, &body.to_string()).unwrap().is_batch());
}

// ------------------------------------------------------------------ ProtocolError responses

#[actix_web::test]
async fn protocol_errors_are_graphql_error_documents_with_their_status() {
    let apq = PersistedQueries::new(10);
    let req = post(None).to_http_request();
    let cases: Vec<(Result<ParsedRequest, ProtocolError>, StatusCode, &str)> = vec![
        (parse_post(&apq, "{"), StatusCode::BAD_REQUEST, "BAD_REQUEST"),
        (parse_post(&apq, "{}"), StatusCode::BAD_REQUEST, "BAD_REQUEST"),
        (
            parse_request(&post(Some("text/plain")).to_http_request(), b"{ hello }", &cfg(), &apq),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (parse_request(&req, &[b' '; 2000], &cfg(), &apq), StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"),
        (
            parse_post(&apq, &json!({ "extensions": hash_extension("{ x }") }).to_string()),
            StatusCode::OK,
            "PERSISTED_QUERY_NOT_FOUND",
        ),
    ];
    for (parsed, status, code) in cases {
        let e = error(parsed, status, code);
        let message = e.message.clone();
        for accept in [None, Some(GRAPHQL_RESPONSE)] {
            let mut request = TestRequest::post();
            if let Some(accept) = accept {
                request = request.insert_header((header::ACCEPT, accept));
            }
            let response = e.clone().into_response(&request.to_http_request());
            assert_eq!(response.status(), status);
            assert_eq!(
                content_type(&response),
                if accept.is_some() { GRAPHQL_RESPONSE_CONTENT_TYPE } else { "application/json" }
            );
            let body = body_json(response).await;
            assert_error_document(&body, code);
            assert_eq!(body["errors"][0]["message"], message.as_str());
        }
    }
}

#[actix_web::test]
async fn persisted_query_not_found_has_apollos_exact_shape() {
    let response = ProtocolError::persisted_query_not_found().into_response(&TestRequest::post().to_http_request());
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        body_json(response).await,
        json!({ "errors": [{ "message": "PersistedQueryNotFound", "extensions": { "code": "PERSISTED_QUERY_NOT_FOUND" } }] })
    );
}

#[actix_web::test]
async fn method_not_allowed_names_the_allowed_methods() {
    let response = ProtocolError::method_not_allowed("no").into_response(&TestRequest::put().to_http_request());
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers().get(header::ALLOW).unwrap(), "GET, POST");
    assert_error_document(&body_json(response).await, "METHOD_NOT_ALLOWED");
}

// ------------------------------------------------------------------ encode_response

fn accepting(accept: Option<&str>) -> HttpRequest {
    let request = TestRequest::post().uri("/graphql");
    match accept {
        Some(accept) => request.insert_header((header::ACCEPT, accept)).to_http_request(),
        None => request.to_http_request(),
    }
}

#[test]
fn negotiates_the_response_media_type() {
    let cases = [
        (None, MediaType::Json),
        (Some("*/*"), MediaType::Json),
        (Some("application/json"), MediaType::Json),
        (Some("text/html"), MediaType::Json),
        (Some(GRAPHQL_RESPONSE), MediaType::GraphqlResponseJson),
        (Some("application/graphql-response+json; charset=utf-8"), MediaType::GraphqlResponseJson),
        (Some("application/graphql-response+json,application/json;q=0.9"), MediaType::GraphqlResponseJson),
        (Some("application/json, application/graphql-response+json"), MediaType::GraphqlResponseJson),
        (Some("application/graphql-response+json;q=0.5, application/json"), MediaType::Json),
        (Some("application/graphql-response+json, */*;q=0.1"), MediaType::GraphqlResponseJson),
        (Some("application/graphql-response+json;q=0.5, application/*"), MediaType::Json),
        (Some("application/graphql-response+json;q=0"), MediaType::Json),
        (Some("application/graphql-response+json;q=bogus"), MediaType::Json),
        (Some("APPLICATION/GRAPHQL-RESPONSE+JSON"), MediaType::GraphqlResponseJson),
    ];
    for (accept, expected) in cases {
        assert_eq!(negotiate(&accepting(accept)), expected, "{accept:?}");
    }
}

#[test]
fn parses_quality_values() {
    assert_eq!(parse_quality("1"), Some(1000));
    assert_eq!(parse_quality("1.000"), Some(1000));
    assert_eq!(parse_quality("0.9"), Some(900));
    assert_eq!(parse_quality("0.125"), Some(125));
    assert_eq!(parse_quality("0"), Some(0));
    assert_eq!(parse_quality("1.5"), None);
    assert_eq!(parse_quality("0.1234"), None);
    assert_eq!(parse_quality("2"), None);
    assert_eq!(parse_quality(""), None);
}

#[actix_web::test]
async fn success_is_200_for_both_media_types() {
    for (accept, expected_type) in [(None, "application/json"), (Some(GRAPHQL_RESPONSE), GRAPHQL_RESPONSE_CONTENT_TYPE)]
    {
        let response = encode_response(&accepting(accept), run("{ hello }").await.into());
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(content_type(&response), expected_type);
        assert_eq!(response.headers().get(header::VARY).unwrap(), "Accept");
        assert_eq!(body_json(response).await, json!({ "data": { "hello": "world" } }));
    }
}

#[actix_web::test]
async fn request_errors_are_200_for_json_and_400_for_graphql_response_json() {
    // (A missing required variable is not among them: async-graphql only notices it while
    // resolving the field, so it is reported as an execution error with `data: null`.)
    for query in ["{ nope }", "{ hello", "query A { hello } query B { hello }", "{ greet }", "{ hello(x: 1) }"] {
        let response = encode_response(&accepting(None), run(query).await.into());
        assert_eq!(response.status(), StatusCode::OK, "{query}");
        let body = body_json(response).await;
        assert!(body.get("data").is_none(), "no data for a request error: {body}");
        assert!(!body["errors"].as_array().unwrap().is_empty());

        let response = encode_response(&accepting(Some(GRAPHQL_RESPONSE)), run(query).await.into());
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(content_type(&response), GRAPHQL_RESPONSE_CONTENT_TYPE);
        let body = body_json(response).await;
        assert!(body.get("data").is_none(), "{body}");
        assert!(body["errors"][0]["message"].is_string());
    }
}

#[actix_web::test]
async fn field_errors_keep_data_and_status_200() {
    for accept in [None, Some(GRAPHQL_RESPONSE)] {
        let response = encode_response(&accepting(accept), run("{ hello boom }").await.into());
        assert_eq!(response.status(), StatusCode::OK);
        let body = body_json(response).await;
        // (async-graphql 7.2.1's dynamic schema leaves the failed nullable field out of `data`
        // and gives its error no `path`.)
        assert_eq!(body["data"]["hello"], "world");
        assert_eq!(body["errors"][0]["message"], "boom");
        assert!(body["extensions"].is_null(), "the execution marker is not sent: {body}");

        // When every root field fails, `data` is null but present, with status 200.
        for query in ["{ boom }", "{ boomNonNull }"] {
            let response = encode_response(&accepting(accept), run(query).await.into());
            assert_eq!(response.status(), StatusCode::OK, "{query}");
            let body = body_json(response).await;
            assert_eq!(body.get("data"), Some(&serde_json::Value::Null), "{query}: {body}");
            assert_eq!(body["errors"][0]["message"], "boom");
            assert!(body.get("extensions").is_none(), "{body}");
        }
    }
}

#[actix_web::test]
async fn without_the_marker_pathless_errors_and_null_data_count_as_request_errors() {
    let mut with_path = ServerError::new("boom", None);
    with_path.path = vec![async_graphql::PathSegment::Field("boom".to_owned())];
    let executed = Response::from_errors(vec![with_path]);
    let http = encode_response(&accepting(Some(GRAPHQL_RESPONSE)), executed.into());
    assert_eq!(http.status(), StatusCode::OK);
    assert_eq!(body_json(http).await["data"], serde_json::Value::Null);

    let pathless = Response::from_errors(vec![ServerError::new("boom", None)]);
    let http = encode_response(&accepting(Some(GRAPHQL_RESPONSE)), pathless.into());
    assert_eq!(http.status(), StatusCode::BAD_REQUEST);
    assert!(body_json(http).await.get("data").is_none());
}

#[actix_web::test]
async fn other_response_extensions_are_kept() {
    let response = run("{ hello }").await.extension("cost", Value::from(3));
    let body = body_json(encode_response(&accepting(None), response.into())).await;
    assert_eq!(body, json!({ "data": { "hello": "world" }, "extensions": { "cost": 3 } }));
}

#[actix_web::test]
async fn request_errors_with_a_precise_code_get_its_status() {
    let with_code = |code: &str| {
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", code);
        let mut error = ServerError::new("denied", None);
        error.extensions = Some(extensions);
        BatchResponse::Single(Response::from_errors(vec![error]))
    };
    let cases = [
        ("UNAUTHENTICATED", StatusCode::UNAUTHORIZED),
        ("FORBIDDEN", StatusCode::FORBIDDEN),
        ("RATE_LIMITED", StatusCode::TOO_MANY_REQUESTS),
        ("PAYLOAD_TOO_LARGE", StatusCode::PAYLOAD_TOO_LARGE),
        ("INTERNAL", StatusCode::INTERNAL_SERVER_ERROR),
        ("DATABASE_UNAVAILABLE", StatusCode::SERVICE_UNAVAILABLE),
        ("QUERY_TOO_DEEP", StatusCode::BAD_REQUEST),
        ("PERSISTED_QUERY_NOT_FOUND", StatusCode::OK),
    ];
    for (code, status) in cases {
        assert_eq!(
            encode_response(&accepting(Some(GRAPHQL_RESPONSE)), with_code(code).into()).status(),
            status,
            "{code}"
        );
        assert_eq!(encode_response(&accepting(None), with_code(code).into()).status(), StatusCode::OK, "{code}");
    }
}

#[actix_web::test]
async fn batches_are_arrays_with_status_200() {
    let response = BatchResponse::Batch(vec![run("{ hello }").await, run("{ nope }").await]);
    let http = encode_response(&accepting(Some(GRAPHQL_RESPONSE)), response.into());
    assert_eq!(http.status(), StatusCode::OK);
    let body = body_json(http).await;
    let elements = body.as_array().unwrap();
    assert_eq!(elements.len(), 2);
    assert_eq!(elements[0], json!({ "data": { "hello": "world" } }));
    assert!(elements[1].get("data").is_none());
    assert!(elements[1]["errors"].is_array());
}

// ------------------------------------------------------------------ read_body and a full handler

async fn read(request: TestRequest, config: &ProtocolConfig) -> Result<web::Bytes, ProtocolError> {
    let (req, mut payload) = request.to_http_parts();
    let payload = web::Payload::from_request(&req, &mut payload).await.unwrap();
    read_body(&req, payload, config).await
}

#[actix_web::test]
async fn read_body_enforces_the_limit() {
    let config = cfg();
    let body = read(TestRequest::post().set_payload("{}"), &config).await.unwrap();
    assert_eq!(&body[..], b"{}");

    let declared = TestRequest::post().insert_header((header::CONTENT_LENGTH, "5000")).set_payload(vec![b'x'; 5000]);
    let e = read(declared, &config).await.unwrap_err();
    assert_eq!((e.status, e.code), (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"));
    assert_eq!(e.message, "request body is 5000 bytes; the limit is 1024");

    // `set_payload` declares a Content-Length; with a Content-Encoding the declared length is
    // not the decoded one, so the limit is enforced while streaming.
    let undeclared =
        TestRequest::post().insert_header((header::CONTENT_ENCODING, "identity")).set_payload(vec![b'x'; 5000]);
    let e = read(undeclared, &config).await.unwrap_err();
    assert_eq!(e.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(e.message, "request body is more than 1024 bytes; the limit is 1024");
}

struct TestState {
    schema: Schema,
    apq: PersistedQueries,
    config: ProtocolConfig,
}

async fn graphql(req: HttpRequest, payload: web::Payload, state: web::Data<TestState>) -> HttpResponse {
    let body = match read_body(&req, payload, &state.config).await {
        Ok(body) => body,
        Err(e) => return e.into_response(&req),
    };
    match parse_request(&req, &body, &state.config, &state.apq) {
        Ok(parsed) => encode_response(&req, parsed.execute(|request| execute(&state.schema, request)).await),
        Err(e) => e.into_response(&req),
    }
}

#[actix_web::test]
async fn apollo_persisted_query_flow_through_a_handler() {
    let state = web::Data::new(TestState { schema: schema(), apq: PersistedQueries::new(10), config: cfg() });
    let app =
        actix_web::test::init_service(App::new().app_data(state.clone()).route("/graphql", web::route().to(graphql)))
            .await;
    let query = "query Hello { hello }";
    let hash_only = json!({ "operationName": "Hello", "variables": {}, "extensions": hash_extension(query) });

    let call = |request: TestRequest| {
        let app = &app;
        async move {
            let response = actix_web::test::call_service(app, request.to_request()).await;
            let status = response.status();
            let bytes = actix_web::test::read_body(response).await;
            (status, serde_json::from_slice::<serde_json::Value>(&bytes).unwrap())
        }
    };

    let (status, body) = call(TestRequest::post().uri("/graphql").set_json(&hash_only)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND");

    let mut with_query = hash_only.clone();
    with_query["query"] = json!(query);
    let (status, body) = call(TestRequest::post().uri("/graphql").set_json(&with_query)).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "data": { "hello": "world" } })));

    let extensions = hash_extension(query).to_string();
    let uri = get_uri(&[("operationName", "Hello"), ("extensions", &extensions)]);
    let (status, body) = call(TestRequest::get().uri(&uri)).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "data": { "hello": "world" } })));

    let (status, body) = call(TestRequest::get().uri(&get_uri(&[("query", "mutation { touch }")]))).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_error_document(&body, "METHOD_NOT_ALLOWED");

    let (status, body) = call(
        TestRequest::post()
            .uri("/graphql")
            .insert_header((header::ACCEPT, GRAPHQL_RESPONSE))
            .set_json(json!({ "query": "{ nope }" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.get("data").is_none());

    let (status, body) = call(TestRequest::post().uri("/graphql").set_payload(vec![b' '; 5000])).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error_document(&body, "PAYLOAD_TOO_LARGE");
}
