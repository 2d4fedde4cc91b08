//! The wake-up of each job queue's runner: a transaction that enqueued a job, or made jobs
//! due, notifies their queue once it has committed, so no handler has to remember to.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

#[derive(Default)]
pub(crate) struct JobSignals(Mutex<HashMap<String, Arc<Notify>>>);

impl JobSignals {
    /// The queue's signal: the same one on every call, created on first use.
    pub(crate) fn get(&self, queue: &str) -> Arc<Notify> {
        let mut signals = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        signals.entry(queue.to_string()).or_default().clone()
    }

    /// Wakes the queue's runner; `notify_one` keeps the wake-up for a runner that is busy
    /// right now and waits next.
    pub(crate) fn notify(&self, queue: &str) {
        self.get(queue).notify_one();
    }
}
