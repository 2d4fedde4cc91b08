//! `GET /docs`: one self-contained page (no script, style or font from elsewhere) that reads
//! `/openapi.json` and lists the operations by surface, with their parameters, bodies,
//! responses and the schemas they name.

pub const PAGE: &str = include_str!("viewer.html");
