//! Batches the removal of finished tasks from Redis, so acknowledging costs one pipelined
//! round trip per few hundred jobs instead of one per job.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::transport::Transport;

/// A finished task to remove: queue, apalis worker name, transport id.
type Finished = (&'static str, Arc<str>, String);

/// Hands finished tasks to the background flusher started by [`Acker::start`].
#[derive(Clone, Debug)]
pub struct Acker {
    tx: mpsc::UnboundedSender<Finished>,
}

impl Acker {
    /// Starts the flusher; it ends (after a last flush) once every `Acker` clone is dropped.
    pub fn start(transport: Transport) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let handle = tokio::spawn(flush_loop(transport, rx));
        (Self { tx }, handle)
    }

    pub fn ack(&self, queue: &'static str, worker: Arc<str>, transport_id: String) {
        // The flusher only stops after all senders are gone, so this cannot fail while
        // `self` lives.
        let _ = self.tx.send((queue, worker, transport_id));
    }
}

async fn flush_loop(transport: Transport, mut rx: mpsc::UnboundedReceiver<Finished>) {
    let mut batch: Vec<Finished> = Vec::new();
    while rx.recv_many(&mut batch, 2_000).await > 0 {
        // Let a burst accumulate briefly, then flush it in one pipeline per queue.
        tokio::time::sleep(Duration::from_millis(5)).await;
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        let mut by_queue: HashMap<&'static str, Vec<(Arc<str>, String)>> = HashMap::new();
        for (queue, worker, tid) in batch.drain(..) {
            by_queue.entry(queue).or_default().push((worker, tid));
        }
        for (queue, tasks) in by_queue {
            if let Err(e) = transport.forget(queue, &tasks).await {
                // Left in Redis: the periodic vacuum or orphan handling will see them; the
                // job records are unaffected.
                tracing::warn!(queue, error = %e, count = tasks.len(), "acknowledging tasks failed");
            }
        }
    }
}
