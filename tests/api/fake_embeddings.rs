//! A tiny OpenAI-compatible embeddings server for the tests: answers every request with one fixed
//! vector, except the input [`SHORT`] (a 3-number vector) and requests without the bearer [`KEY`] (401).

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

pub const KEY: &str = "test-embedding-key";
/// Input answered with a vector of the wrong dimension.
pub const SHORT: &str = "give me a short vector";

/// Serves on a free port and returns the base URL.
pub fn serve(vector: Vec<f64>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let vector = web::Data::new(vector);
    let server = HttpServer::new(move || {
        App::new().app_data(vector.clone()).route(
            "/v1/embeddings",
            web::post().to(|req: HttpRequest, body: web::Json<Value>, v: web::Data<Vec<f64>>| async move {
                let auth = req.headers().get("authorization").and_then(|h| h.to_str().ok()).unwrap_or_default();
                if auth != format!("Bearer {KEY}") || body["model"].as_str().is_none() {
                    return HttpResponse::Unauthorized().json(json!({"error": "bad key"}));
                }
                let embedding =
                    if body["input"] == json!(SHORT) { json!([0.1, 0.2, 0.3]) } else { json!(*v.get_ref()) };
                HttpResponse::Ok().json(
                    json!({"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": embedding}]}),
                )
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    format!("http://127.0.0.1:{port}")
}
