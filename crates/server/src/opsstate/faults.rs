//! Fault rules as each instance applies them: the rule set is cached in memory, so a
//! request reads no database while no rule is set. Changes made through this instance
//! reload the cache at once; on a shared database each instance also compares the stored
//! generation every [`FOLLOW_EVERY`] and reloads when it changed, so a rule created on one
//! instance applies on every other within that delay. A counted rule (`times`) is used up
//! in the store, atomically, so its uses add up across instances.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use metrics::Recorder;
use rand::Rng;
use storeroom_domain::opsstate::{FaultRule, FaultSet, OpsStore};
use storeroom_domain::store::StoreResult;

/// Counter: requests a fault rule failed or delayed, by `status` (`delay` when it only
/// delayed them).
pub const INJECTED: &str = "storeroom_faults_injected_total";

/// How often an instance on a shared database looks for rule changes made elsewhere.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(500);

pub struct Faults {
    store: Arc<dyn OpsStore>,
    set: RwLock<Arc<FaultSet>>,
    recorder: Arc<dyn Recorder + Send + Sync>,
}

impl Faults {
    pub fn new(store: Arc<dyn OpsStore>, recorder: Arc<dyn Recorder + Send + Sync>) -> Self {
        metrics::with_local_recorder(recorder.as_ref(), || {
            metrics::describe_counter!(INJECTED, "Requests failed or delayed by fault rules");
        });
        Self {
            store,
            set: RwLock::default(),
            recorder,
        }
    }

    pub fn store(&self) -> &Arc<dyn OpsStore> {
        &self.store
    }

    /// Reads the rules and zombies again.
    pub async fn reload(&self) -> StoreResult<()> {
        let set = self.store.fault_set().await?;
        *self.set.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(set);
        Ok(())
    }

    fn current(&self) -> Arc<FaultSet> {
        self.set.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Follows the changes other instances make (see the module's comment); never returns.
    pub async fn follow(self: Arc<Self>) {
        loop {
            tokio::time::sleep(FOLLOW_EVERY).await;
            match self.store.fault_generation().await {
                Ok(generation) if generation != self.current().generation => {
                    if let Err(err) = self.reload().await {
                        tracing::warn!(error = %err, "cannot reload the fault rules");
                    }
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "cannot read the fault rules' generation"),
            }
        }
    }

    /// The first rule that applies to a request (its probability drawn, a use of a
    /// counted rule taken), if any.
    pub async fn pick(
        &self,
        method: &str,
        path: &str,
        client_id: Option<&str>,
    ) -> Option<FaultRule> {
        let set = self.current();
        for rule in set.rules.iter() {
            if !rule.matches(method, path, client_id) {
                continue;
            }
            if let Some(probability) = rule.probability
                && !rand::rng().random_bool(probability)
            {
                continue;
            }
            if rule.remaining.is_some() {
                match self.store.take_fault(&rule.id).await {
                    Ok(true) => {}
                    Ok(false) => {
                        // Spent (here or on another instance): forget it.
                        let _ = self.reload().await;
                        continue;
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, rule = %rule.id, "cannot use a counted fault rule: not applied");
                        continue;
                    }
                }
                if rule.remaining == Some(1) {
                    let _ = self.reload().await;
                }
            }
            return Some(rule.clone());
        }
        None
    }

    /// Whether a rule names a client: then a token request's form body is read for its
    /// `client_id` even when the journal is off.
    pub fn names_clients(&self) -> bool {
        self.current()
            .rules
            .iter()
            .any(|rule| rule.client_id.is_some())
    }

    /// Whether a submission was left a zombie by a fault rule.
    pub fn is_zombie(&self, submission_id: &str) -> bool {
        let set = self.current();
        !set.zombies.is_empty() && set.zombies.iter().any(|id| id == submission_id)
    }

    pub async fn add_zombie(&self, submission_id: &str) -> StoreResult<()> {
        self.store.add_zombie(submission_id).await?;
        self.reload().await
    }

    pub fn count(&self, status: Option<u16>) {
        let label = status.map_or_else(|| "delay".to_string(), |status| status.to_string());
        metrics::with_local_recorder(self.recorder.as_ref(), || {
            metrics::counter!(INJECTED, "status" => label).increment(1);
        });
    }
}

/// The submission a devcenter submission create (`POST …/submissions` of an app, a flight
/// or an add-on) is for: the zombie fault's target.
pub fn is_submission_create(method: &str, path: &str) -> bool {
    method.eq_ignore_ascii_case("POST") && submission_route(path).is_some_and(|id| id.is_none())
}

/// The submission id a devcenter submission update (`PUT …/submissions/{id}`) names.
pub fn updated_submission<'a>(method: &str, path: &'a str) -> Option<&'a str> {
    if !method.eq_ignore_ascii_case("PUT") {
        return None;
    }
    submission_route(path).flatten()
}

/// For a devcenter submissions path: None when it is not one, Some(None) for the
/// collection, Some(Some(id)) for one submission.
fn submission_route(path: &str) -> Option<Option<&str>> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let rest = match segments.as_slice() {
        ["v1.0", "my", "applications", _, "flights", _, rest @ ..] => rest,
        ["v1.0", "my", "applications", _, rest @ ..] => rest,
        ["v1.0", "my", "inappproducts", _, rest @ ..] => rest,
        _ => return None,
    };
    match rest {
        ["submissions"] => Some(None),
        ["submissions", id] => Some(Some(id)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submission_creates_and_updates_are_recognised() {
        assert!(is_submission_create(
            "POST",
            "/v1.0/my/applications/9N1/submissions"
        ));
        assert!(is_submission_create(
            "POST",
            "/v1.0/my/applications/9N1/flights/f-1/submissions"
        ));
        assert!(is_submission_create(
            "post",
            "/v1.0/my/inappproducts/9P1/submissions"
        ));
        assert!(!is_submission_create(
            "POST",
            "/v1.0/my/applications/9N1/submissions/1/commit"
        ));
        assert_eq!(
            updated_submission("PUT", "/v1.0/my/inappproducts/9P1/submissions/77"),
            Some("77")
        );
        assert_eq!(
            updated_submission("GET", "/v1.0/my/inappproducts/9P1/submissions/77"),
            None
        );
    }
}
