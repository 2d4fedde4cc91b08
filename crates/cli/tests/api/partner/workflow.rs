//! Submissions under the pipeline policy: freezing, failures, cancel, promote, a second
//! submission, and a restart mid-workflow.
