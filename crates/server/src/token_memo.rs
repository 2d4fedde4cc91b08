//! What the server has learnt of a bearer token, kept by the token: a client sends the same
//! token with every request until it expires, and learning it again (an RSA verification;
//! base64 and JSON decoding) costs more than the rest of a small GET.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::RwLock;

use storeroom_domain::accounts::constant_time_eq;
use storeroom_domain::opsstate::ByContent;

/// A token as it was sent, and what was learnt of it.
type Known<V> = (Box<[u8]>, V);

/// Values learnt of tokens, at most `capacity` of them: when full it starts again empty
/// (tokens are learnt again, nothing is lost).
pub struct TokenMemo<V> {
    /// By a hash of the token (of its ends and length, see `ByContent`; a token's ends
    /// include its signature, and the hasher's keys are this process's own): the whole
    /// token, compared on a hit (in constant time: how far a guess matches a kept token is
    /// not told by how long the comparison took), and its value. Two tokens of the same
    /// hash take each other's place.
    known: RwLock<HashMap<u64, Known<V>>>,
    hasher: RandomState,
    capacity: usize,
}

impl<V: Clone> TokenMemo<V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            known: RwLock::default(),
            hasher: RandomState::new(),
            capacity,
        }
    }

    /// What is known of `token`: kept from before, or else what `learn` answers, kept
    /// unless it is `None` (so a refused token is learnt, and refused, again).
    pub fn get_or_learn(&self, token: &[u8], learn: impl FnOnce() -> Option<V>) -> Option<V> {
        let key = self.hasher.hash_one(ByContent(token));
        if let Some((known, value)) = self
            .known
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            && constant_time_eq(known, token)
        {
            return Some(value.clone());
        }
        let value = learn()?;
        let mut known = self.known.write().unwrap_or_else(|p| p.into_inner());
        if known.len() >= self.capacity {
            known.clear();
        }
        known.insert(key, (token.into(), value.clone()));
        Some(value)
    }

    /// How many tokens are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.known.read().unwrap_or_else(|p| p.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// Tokens with the same ends and length (so the same hash) are told apart by their
    /// bytes; a token is learnt once; a refusal is not kept; the memo stays bounded.
    #[test]
    fn each_token_is_learnt_once_and_tokens_are_told_apart() {
        let token = |middle: &str| format!("{}{middle}{}", "A".repeat(100), "Z".repeat(100));
        let (a, b) = (token("aaa"), token("bbb"));
        let memo = TokenMemo::new(4);
        let learnt = Cell::new(0);
        let learn = |value: &str| {
            learnt.set(learnt.get() + 1);
            Some(value.to_string())
        };
        let ask = |token: &str, value: &str| memo.get_or_learn(token.as_bytes(), || learn(value));
        assert_eq!(ask(&a, "a").as_deref(), Some("a"));
        assert_eq!(ask(&a, "x").as_deref(), Some("a"));
        assert_eq!(learnt.get(), 1);
        assert_eq!(ask(&b, "b").as_deref(), Some("b"));
        assert_eq!(ask(&a, "a2").as_deref(), Some("a2"));
        assert_eq!(learnt.get(), 3, "b took a's place, and a is learnt again");
        assert_eq!(memo.len(), 1);
        assert_eq!(memo.get_or_learn(b"refused", || None::<String>), None);
        assert_eq!(
            memo.get_or_learn(b"refused", || learn("now")).as_deref(),
            Some("now")
        );
        for n in 0..10 {
            memo.get_or_learn(n.to_string().as_bytes(), || learn("n"));
        }
        assert!(memo.len() <= 4);
    }
}
