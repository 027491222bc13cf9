//! Submitting noop jobs through `POST /v1/jobs/batch`, a few requests in flight.

use std::time::Instant;

use anyhow::Context;
use futures::{StreamExt, TryStreamExt};
use serde::Deserialize;

/// The API's base URL, a bearer token and an HTTP client.
#[derive(Clone, Debug)]
pub struct Submitter {
    pub base: String,
    pub token: String,
    pub client: reqwest::Client,
}

#[derive(Deserialize)]
struct BatchReply {
    data: Vec<Created>,
}

#[derive(Deserialize)]
struct Created {
    duplicate: bool,
}

/// `{"jobs":[{"kind":"noop","payload":{}}, ...]}` with `size` jobs.
fn batch_body(size: usize) -> String {
    let job = r#"{"kind":"noop","payload":{}}"#;
    format!("{{\"jobs\":[{}]}}", vec![job; size].join(","))
}

impl Submitter {
    /// Posts one batch of `size` noop jobs; checks every job was created (202, no duplicate).
    pub async fn post_batch(&self, body: String, size: usize) -> anyhow::Result<()> {
        let response = self
            .client
            .post(format!("{}/v1/jobs/batch", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .context("POST /v1/jobs/batch")?;
        let status = response.status();
        let bytes = response.bytes().await?;
        anyhow::ensure!(
            status == reqwest::StatusCode::ACCEPTED,
            "POST /v1/jobs/batch answered {status}: {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(500)])
        );
        let reply: BatchReply = serde_json::from_slice(&bytes)?;
        let created = reply.data.iter().filter(|j| !j.duplicate).count();
        anyhow::ensure!(
            reply.data.len() == size && created == size,
            "a batch of {size} created {created} of {} jobs",
            reply.data.len()
        );
        Ok(())
    }

    /// Submits `total` noop jobs, `batch` per request, `in_flight` requests at once; returns
    /// when the last response arrived.
    pub async fn submit_all(
        &self,
        total: usize,
        batch: usize,
        in_flight: usize,
    ) -> anyhow::Result<Instant> {
        let full = batch_body(batch);
        let sizes: Vec<usize> = (0..total)
            .step_by(batch)
            .map(|done| batch.min(total - done))
            .collect();
        futures::stream::iter(sizes)
            .map(|size| {
                let body = if size == batch {
                    full.clone()
                } else {
                    batch_body(size)
                };
                self.post_batch(body, size)
            })
            .buffer_unordered(in_flight.max(1))
            .try_collect::<()>()
            .await?;
        Ok(Instant::now())
    }
}
