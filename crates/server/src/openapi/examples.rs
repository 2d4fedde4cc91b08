//! Examples in the document: what a mock server (Stoplight Prism, bench/run) serves, and
//! what a reader sees first.

/// A realistic app submission (two listings with screenshots, two packages): the example
/// of `GET …/submissions/{submissionId}`, and the content bench/run PUTs into the
/// submission it GETs from storeroom, so that both answer the same body.
pub fn app_submission() -> serde_json::Value {
    serde_json::from_str(include_str!("examples/app_submission.json"))
        .expect("the example is JSON (checked by a unit test)")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_app_submission_example_is_a_submission() {
        let example = super::app_submission();
        assert!(example["applicationPackages"].is_array());
        assert!(example["listings"]["en-us"].is_object());
    }
}
