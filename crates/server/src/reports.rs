//! Certification reports at their `reportUrl` (`/ui/reports/{id}`): HTML for people, JSON
//! for tools (`Accept: application/json` or `/ui/reports/{id}.json`). No token is needed, as
//! with the links Partner Center hands out; report ids are unguessable.

use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use storeroom_domain::DomainError;
use storeroom_domain::report::{CertificationReport, Verdict};
use storeroom_wire::dates;

use crate::errors::{ApiError, ApiResult};
use crate::state::AppState;

/// This module's part of the document; `crate::public` serves its operation.
#[derive(utoipa::OpenApi)]
#[openapi(paths(report))]
pub(crate) struct Described;

#[utoipa::path(get, path = "/ui/reports/{file}", operation_id = "getCertificationReport",
    summary = "A certification report: HTML, or JSON for {id}.json or Accept: application/json",
    responses((status = 200, description = "The report", content(
        (serde_json::Value = "application/json"),
        (String = "text/html")
    ))))]
pub(crate) async fn report(
    state: &AppState,
    file: &str,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let (id, json_suffix) = match file.strip_suffix(".json") {
        Some(id) => (id, true),
        None => (file, false),
    };
    let report = state
        .service
        .store
        .report(id)
        .await
        .map_err(DomainError::from)?
        .ok_or_else(|| {
            ApiError::not_found(format!("Certification report {id} not found"), "reportId")
        })?;
    let wants_json = json_suffix
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("application/json"));
    Ok(if wants_json {
        axum::Json(report).into_response()
    } else {
        Html(render(&report)).into_response()
    })
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn render(report: &CertificationReport) -> String {
    let verdict = match report.verdict {
        Verdict::Passed => "Passed",
        Verdict::Failed => "Failed",
    };
    let rows: String = report
        .checks
        .iter()
        .map(|check| {
            let files = if check.files.is_empty() {
                String::new()
            } else {
                let items: String = check.files.iter().map(|f| format!("<li><code>{}</code></li>", escape(f))).collect();
                format!("<ul>{items}</ul>")
            };
            format!(
                "<tr class=\"{class}\"><td>{name}</td><td>{result}</td><td>{details}{files}</td></tr>",
                class = if check.passed { "pass" } else { "fail" },
                name = escape(&check.name),
                result = if check.passed { "Passed" } else { "Failed" },
                details = escape(&check.details),
            )
        })
        .collect();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Certification report: {name}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #ccc; padding: .5rem; text-align: left; vertical-align: top; }}
tr.pass td:nth-child(2) {{ color: #107c10; }} tr.fail td:nth-child(2) {{ color: #c50f1f; font-weight: bold; }}
.verdict {{ font-size: 1.2rem; }}
</style></head>
<body>
<h1>Certification report</h1>
<p>{name} of product <code>{app}</code> (submission <code>{submission}</code>), {date}</p>
<p class="verdict">Result: <strong>{verdict}</strong></p>
<table><thead><tr><th>Check</th><th>Result</th><th>Details</th></tr></thead><tbody>{rows}</tbody></table>
</body></html>
"#,
        name = escape(&report.submission_name),
        app = escape(&report.product_id),
        submission = escape(&report.submission_id),
        date = dates::format_seconds(&report.date),
    )
}
