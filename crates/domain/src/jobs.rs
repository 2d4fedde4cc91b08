//! Job signals: a queue's runner sleeps on its signal, and the store raises it when a
//! transaction that enqueued a job (or made waiting jobs due) commits. New work wakes its
//! runner wherever it is written, so no handler has to remember to.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// One [`Notify`] per queue, shared by a store and every transaction it begins.
#[derive(Debug, Default)]
pub struct JobSignals {
    queues: Mutex<HashMap<String, Arc<Notify>>>,
}

impl JobSignals {
    /// The signal of `queue`: the same one on every call.
    pub fn signal(&self, queue: &str) -> Arc<Notify> {
        let mut queues = self
            .queues
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        queues.entry(queue.to_string()).or_default().clone()
    }

    /// Wakes the runner of `queue`, or its next wait when it is busy: `notify_one` keeps a
    /// permit, so work that arrives while the runner is mid-job is not missed.
    pub fn raise(&self, queue: &str) {
        self.signal(queue).notify_one();
    }

    /// Wakes every queue's runner (jobs whose queue the writer did not look up).
    pub fn raise_all(&self) {
        let queues = self
            .queues
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        for signal in queues.values() {
            signal.notify_one();
        }
    }
}

/// What one transaction will signal once it commits (never before: a runner woken early
/// would not see the job yet, and a rolled-back job must wake nobody).
#[derive(Debug, Default)]
pub struct PendingSignals {
    signals: Arc<JobSignals>,
    queues: Vec<&'static str>,
    all: bool,
}

impl PendingSignals {
    pub fn new(signals: Arc<JobSignals>) -> Self {
        Self {
            signals,
            queues: Vec::new(),
            all: false,
        }
    }

    /// The transaction enqueued a job on `queue`.
    pub fn enqueued(&mut self, queue: &'static str) {
        if !self.queues.contains(&queue) {
            self.queues.push(queue);
        }
    }

    /// The transaction made `count` waiting jobs due, on whatever queues they are.
    pub fn made_due(&mut self, count: u64) {
        self.all |= count > 0;
    }

    /// Raises the signals; call after the commit succeeded.
    pub fn committed(self) {
        if self.all {
            self.signals.raise_all();
        }
        for queue in self.queues {
            self.signals.raise(queue);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Whether `signal` holds a wake-up (a permit left by `notify_one`).
    async fn raised(signal: &Notify) -> bool {
        // A zero timeout still polls the wait once, which takes a stored permit.
        tokio::time::timeout(Duration::ZERO, signal.notified())
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn a_commit_wakes_the_queues_it_wrote_to() {
        let signals = Arc::new(JobSignals::default());
        let devcenter = signals.signal("devcenter");
        let msi = signals.signal("msi");
        assert!(Arc::ptr_eq(&devcenter, &signals.signal("devcenter")));

        let mut pending = PendingSignals::new(signals.clone());
        pending.enqueued("devcenter");
        assert!(!raised(&devcenter).await, "nothing is raised before commit");
        pending.committed();
        assert!(raised(&devcenter).await);
        assert!(!raised(&msi).await);

        let mut pending = PendingSignals::new(signals.clone());
        pending.made_due(0);
        pending.committed();
        assert!(!raised(&msi).await, "no job became due");

        let mut pending = PendingSignals::new(signals);
        pending.made_due(2);
        pending.committed();
        assert!(raised(&msi).await);
        assert!(raised(&devcenter).await);
    }
}
