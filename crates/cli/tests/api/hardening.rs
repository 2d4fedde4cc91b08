//! Issue 14: input that must neither brick the data nor break the uniform error bodies.
//! One module per defect of the issue.

mod archives;
mod clock;
mod errors;
mod ownership;
mod panics;
