//! Group commit for queue bookkeeping: many concurrent jobs each ask for one small write
//! (claim an attempt, record a simple success); a background task takes whatever is waiting,
//! groups it by organization and runs each group as one statement in one tenant transaction.
//! Under load this turns hundreds of transactions a second into a few; when idle, a request
//! runs at once (nothing waits for a batch to fill).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::tenancy::OrgId;

type Reply<O> = oneshot::Sender<Result<O, Arc<sqlx::Error>>>;

/// A handle to submit items; clones share one background task.
pub struct Batcher<I, O> {
    tx: mpsc::UnboundedSender<(OrgId, I, Reply<O>)>,
}

impl<I, O> Clone for Batcher<I, O> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
        }
    }
}

impl<I, O> std::fmt::Debug for Batcher<I, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Batcher")
    }
}

impl<I: Send + 'static, O: Send + 'static> Batcher<I, O> {
    /// Starts the background task. `run` gets one organization's items and returns one output
    /// per item, in order. At most `max` items go in one call, at most `parallel` calls run
    /// at once. The task ends when every handle is dropped.
    pub fn start<F, Fut>(max: usize, parallel: usize, run: F) -> Self
    where
        F: Fn(OrgId, Vec<I>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<O>, sqlx::Error>> + Send + 'static,
    {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(drive(rx, max, parallel, Arc::new(run)));
        Self { tx }
    }

    /// Submits one item and waits for its output.
    pub async fn submit(&self, org: OrgId, item: I) -> Result<O, Arc<sqlx::Error>> {
        self.submit_many(org, vec![item])
            .await
            .pop()
            .expect("one output per item")
    }

    /// Submits several items of one organization at once (they go out in the same group
    /// unless it is full) and waits for their outputs, in order.
    pub async fn submit_many(&self, org: OrgId, items: Vec<I>) -> Vec<Result<O, Arc<sqlx::Error>>> {
        let answers: Vec<_> = items
            .into_iter()
            .map(|item| {
                let (reply, answer) = oneshot::channel();
                let sent = self.tx.send((org, item, reply)).is_ok();
                (sent, answer)
            })
            .collect();
        let mut outputs = Vec::with_capacity(answers.len());
        for (sent, answer) in answers {
            let output = match sent {
                true => answer.await.ok(),
                false => None,
            };
            outputs.push(output.unwrap_or_else(|| Err(Arc::new(sqlx::Error::PoolClosed))));
        }
        outputs
    }
}

async fn drive<I, O, F, Fut>(
    mut rx: mpsc::UnboundedReceiver<(OrgId, I, Reply<O>)>,
    max: usize,
    parallel: usize,
    run: Arc<F>,
) where
    I: Send + 'static,
    O: Send + 'static,
    F: Fn(OrgId, Vec<I>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Vec<O>, sqlx::Error>> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(parallel));
    let mut waiting = Vec::new();
    while rx.recv_many(&mut waiting, max).await > 0 {
        let mut by_org: HashMap<OrgId, (Vec<I>, Vec<Reply<O>>)> = HashMap::new();
        for (org, item, reply) in waiting.drain(..) {
            let group = by_org.entry(org).or_default();
            group.0.push(item);
            group.1.push(reply);
        }
        for (org, (items, replies)) in by_org {
            let slot = slots.clone().acquire_owned().await.expect("never closed");
            let run = run.clone();
            tokio::spawn(async move {
                let expected = items.len();
                match run(org, items).await {
                    Ok(outputs) => {
                        assert_eq!(outputs.len(), expected, "one output per item");
                        for (reply, output) in replies.into_iter().zip(outputs) {
                            let _ = reply.send(Ok(output));
                        }
                    }
                    Err(e) => {
                        let e = Arc::new(e);
                        for reply in replies {
                            let _ = reply.send(Err(e.clone()));
                        }
                    }
                }
                drop(slot);
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[tokio::test]
    async fn outputs_come_back_to_their_callers_grouped_by_organization() {
        let calls = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = calls.clone();
        let batcher: Batcher<u32, u32> = Batcher::start(100, 2, move |org, items: Vec<u32>| {
            seen.lock().unwrap().push((org, items.len()));
            async move { Ok(items.into_iter().map(|i| i * 10).collect()) }
        });
        let (a, b) = (OrgId(Uuid::now_v7()), OrgId(Uuid::now_v7()));
        let mut handles = Vec::new();
        for i in 0..50u32 {
            let batcher = batcher.clone();
            let org = if i % 2 == 0 { a } else { b };
            handles.push(tokio::spawn(
                async move { (i, batcher.submit(org, i).await) },
            ));
        }
        for handle in handles {
            let (i, out) = handle.await.unwrap();
            assert_eq!(out.unwrap(), i * 10);
        }
        let calls = calls.lock().unwrap();
        assert_eq!(calls.iter().map(|c| c.1).sum::<usize>(), 50);
        assert!(calls.iter().all(|(org, _)| *org == a || *org == b));
    }

    #[tokio::test]
    async fn a_failed_group_fails_each_of_its_callers() {
        let batcher: Batcher<u32, u32> = Batcher::start(10, 1, |_, _| async {
            Err(sqlx::Error::Protocol("boom".into()))
        });
        let err = batcher.submit(OrgId(Uuid::now_v7()), 1).await.unwrap_err();
        assert!(err.to_string().contains("boom"));
    }
}
