//! What a caught panic says, for the log line that goes with its correlation id.

use std::any::Any;

/// The panic's message when it is a string (as `panic!` with a format makes it), else a
/// placeholder: the payload of a panic can be any type.
pub fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&'static str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// What a submission that failed because its `step` panicked says: the correlation id of
/// the log line, so that the two can be matched.
pub fn step_failure(step: &str, correlation_id: &str) -> String {
    failure_detail(&format!("the {step} step"), correlation_id)
}

/// The error recorded when the work of `what` (a pipeline step, MSI/EXE package
/// processing) panicked: it quotes the correlation id logged with the panic, and says
/// nothing else about the panic.
pub fn failure_detail(what: &str, correlation_id: &str) -> String {
    format!("An internal error occurred in {what} (correlation id {correlation_id}).")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_of_both_string_kinds() {
        let caught = std::panic::catch_unwind(|| panic!("plain")).unwrap_err();
        assert_eq!(message(caught.as_ref()), "plain");
        let caught = std::panic::catch_unwind(|| panic!("formatted {}", 7)).unwrap_err();
        assert_eq!(message(caught.as_ref()), "formatted 7");
        let caught = std::panic::catch_unwind(|| std::panic::panic_any(7u8)).unwrap_err();
        assert_eq!(message(caught.as_ref()), "a panic without a message");
    }
}
