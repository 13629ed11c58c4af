//! An OpenAI-compatible embeddings client: `POST {url}` with `{"model": m, "input": text}` and
//! `Authorization: Bearer key`, answer `{"data": [{"embedding": [...]}]}`.
//!
//! Failures (unreachable provider, HTTP error, malformed answer, wrong dimension) are internal
//! errors: logged with their cause, the client sees only `INTERNAL` and the request id.

use std::time::Duration;

use crate::config::{GraphqlSettings, Secret};
use crate::error::AppError;
use crate::plan::search::DIMENSIONS;

/// How long one embedding call may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct EmbeddingProvider {
    url: String,
    model: String,
    key: Option<Secret<String>>,
    client: reqwest::Client,
}

impl std::fmt::Debug for EmbeddingProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddingProvider").field("url", &self.url).field("model", &self.model).finish_non_exhaustive()
    }
}

#[derive(serde::Deserialize)]
struct Response {
    data: Vec<Datum>,
}

#[derive(serde::Deserialize)]
struct Datum {
    embedding: Vec<f64>,
}

impl EmbeddingProvider {
    pub fn new(url: impl Into<String>, model: impl Into<String>, key: Option<Secret<String>>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(3))
            .build()
            .unwrap_or_default();
        Self { url: url.into(), model: model.into(), key, client }
    }

    /// The provider `settings` configure, if any.
    pub fn from_settings(settings: &GraphqlSettings) -> Option<Self> {
        let url = settings.embedding_url.as_deref().filter(|u| !u.trim().is_empty())?;
        Some(Self::new(url, settings.embedding_model.clone(), settings.embedding_key.clone()))
    }

    /// The embedding of `text`, checked to be [`DIMENSIONS`] finite numbers.
    pub async fn embed(&self, text: &str) -> Result<Vec<f32>, AppError> {
        let mut req = self.client.post(&self.url).json(&serde_json::json!({ "model": self.model, "input": text }));
        if let Some(key) = &self.key {
            req = req.bearer_auth(key.expose());
        }
        let resp = req.send().await.map_err(|e| AppError::internal("calling the embedding provider", e))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(AppError::internal(
                "calling the embedding provider",
                format!("the provider answered HTTP {status}"),
            ));
        }
        let body: Response =
            resp.json().await.map_err(|e| AppError::internal("reading the embedding provider's answer", e))?;
        let Some(first) = body.data.into_iter().next() else {
            return Err(AppError::internal("reading the embedding provider's answer", "no `data[0].embedding`"));
        };
        if first.embedding.len() != DIMENSIONS {
            return Err(AppError::internal(
                "reading the embedding provider's answer",
                format!("the provider returned {} numbers; {DIMENSIONS} are required", first.embedding.len()),
            ));
        }
        let out: Vec<f32> = first.embedding.iter().map(|&x| x as f32).collect();
        if out.iter().any(|x| !x.is_finite()) {
            return Err(AppError::internal("reading the embedding provider's answer", "a number is not finite"));
        }
        Ok(out)
    }
}
