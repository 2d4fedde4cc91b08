//! Fault rules: the admin API's `/admin/v1/faults` as a page. The form has every field of
//! `POST /admin/v1/faults`; a rule is checked and stored by the same function, and a rule
//! it refuses comes back with the message next to the field at fault.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use storeroom_domain::opsstate::FaultRule;

use super::layout::{self, csrf_field, shell};
use super::session::{NoFields, Posted, Signed};
use crate::opsstate::routes::{NewFault, add_fault, fault_rules, remove_fault};
use crate::state::AppState;

pub const PATH: &str = "/dashboard/faults";

/// A form being filled in: its values, and the message of the field at fault.
#[derive(Default)]
struct Filled {
    values: HashMap<String, String>,
    error: Option<(String, String)>,
}

impl Filled {
    fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    fn error(&self, name: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(field, _)| field == name)
            .map(|(_, message)| message.as_str())
    }
}

/// A text-like field of the form, with its error (if any) next to it.
fn field(filled: &Filled, name: &str, label: &str, kind: &str, hint: &str) -> Markup {
    let id = format!("fault-{name}");
    let error_id = format!("{id}-error");
    let error = filled.error(name);
    html! {
        div.field {
            label for=(id) { (label) }
            @if kind == "textarea" {
                textarea id=(id) name=(name) placeholder=(hint)
                    aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[error.map(|_| error_id.as_str())] { (filled.value(name)) }
            } @else {
                input id=(id) type=(kind) name=(name) value=(filled.value(name)) placeholder=(hint)
                    aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[error.map(|_| error_id.as_str())];
            }
            @if let Some(error) = error { span.error id=(error_id) role="alert" { (error) } }
        }
    }
}

fn checkbox(filled: &Filled, name: &str, label: &str) -> Markup {
    let id = format!("fault-{name}");
    html! {
        div.field {
            input id=(id) type="checkbox" name=(name) value="true" checked[filled.value(name) == "true"];
            label for=(id) { (label) }
            @if let Some(error) = filled.error(name) { span.error role="alert" { (error) } }
        }
    }
}

fn rule_row(signed: &Signed, rule: &FaultRule) -> Markup {
    let dash = |value: Option<String>| value.unwrap_or_else(|| "any".to_string());
    let mut effect = Vec::new();
    if let Some(status) = rule.status {
        effect.push(format!("answers {status}"));
    }
    if rule.zombie {
        effect.push("zombie create".to_string());
    }
    if let Some(delay) = rule.delay_ms {
        effect.push(format!("delays {delay} ms"));
    }
    if let Some(retry) = rule.retry_after {
        effect.push(format!("Retry-After {retry}"));
    }
    if rule.after_side_effect {
        effect.push("after its side effect".to_string());
    }
    if let Some(p) = rule.probability {
        effect.push(format!("probability {p}"));
    }
    html! {
        tr.rule data-fault-id=(rule.id) {
            td { code { (rule.id) } }
            td { (dash(rule.method.clone())) }
            td { code { (dash(rule.path.clone())) } }
            td.optional { (dash(rule.client_id.clone())) }
            td { (effect.join(", ")) }
            td { @match (rule.remaining, rule.times) {
                (Some(left), Some(times)) => { (left) " of " (times) " left" },
                _ => "every time",
            } }
            td {
                form method="post" action=(format!("{PATH}/{}/delete", rule.id)) {
                    (csrf_field(signed))
                    button.danger type="submit" aria-label=(format!("Delete rule {}", rule.id)) { "Delete" }
                }
            }
        }
    }
}

async fn render(state: &AppState, signed: &Signed, filled: Filled) -> Response {
    let rules = match fault_rules(state).await {
        Ok(rules) => rules,
        Err(err) => return layout::api_error(err),
    };
    let invalid = filled.error.is_some();
    let body = html! {
        section.card aria-labelledby="rules-h" {
            h2 #rules-h { "Rules in force" }
            @if rules.is_empty() { p.muted #no-rules { "No fault rules: every request is served." } } @else {
                div.table-wrap { table #rules {
                    thead { tr {
                        th scope="col" { "Rule" } th scope="col" { "Method" } th scope="col" { "Path" }
                        th.optional scope="col" { "Client" } th scope="col" { "Effect" }
                        th scope="col" { "Times" } th scope="col" { span.muted { "Action" } }
                    } }
                    tbody { @for rule in &rules { (rule_row(signed, rule)) } }
                } }
            }
        }
        section.card aria-labelledby="add-rule-h" {
            h2 #add-rule-h { "Add a rule" }
            form.stack #add-rule method="post" action=(PATH) novalidate {
                (csrf_field(signed))
                (field(&filled, "method", "Method", "text", "any (GET, POST…)"))
                (field(&filled, "path", "Path (glob)", "text", "/v1.0/my/applications/*"))
                (field(&filled, "clientId", "Client id", "text", "any"))
                (field(&filled, "status", "Status", "number", "429, 500, 503…"))
                (field(&filled, "body", "Body (JSON, replaces the surface's error body)", "textarea", ""))
                (field(&filled, "retryAfter", "Retry-After (seconds)", "number", ""))
                (field(&filled, "delayMs", "Delay (ms)", "number", ""))
                (field(&filled, "times", "Times (empty: every matching request)", "number", ""))
                (field(&filled, "probability", "Probability (0-1)", "text", "1"))
                (checkbox(&filled, "afterSideEffect", "Fail after doing the work"))
                (checkbox(&filled, "zombie", "Zombie submission create (500, yet the submission exists and ignores PUTs)"))
                div { button type="submit" { "Add rule" } }
            }
            p.hint { "Rules never apply to /admin/… or the dashboard." }
        }
    };
    let mut response = shell(signed, PATH, "Fault rules", body);
    if invalid {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

pub async fn page(signed: Signed, state: AppState) -> Response {
    render(&state, &signed, Filled::default()).await
}

/// The rule a form describes, or the field that cannot be read as the admin API's JSON.
fn new_fault(values: &HashMap<String, String>) -> Result<NewFault, (String, String)> {
    let text = |name: &str| {
        values
            .get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    fn number<T: std::str::FromStr>(
        text: Option<String>,
        name: &str,
    ) -> Result<Option<T>, (String, String)> {
        text.map(|t| {
            t.parse().map_err(|_| {
                (
                    name.to_string(),
                    format!("{name} '{t}' is not a valid number"),
                )
            })
        })
        .transpose()
    }
    let body = text("body")
        .map(|t| {
            serde_json::from_str(&t)
                .map_err(|err| ("body".to_string(), format!("body is not JSON: {err}")))
        })
        .transpose()?;
    Ok(NewFault {
        method: text("method"),
        path: text("path"),
        client_id: text("clientId"),
        status: number(text("status"), "status")?,
        body,
        retry_after: number(text("retryAfter"), "retryAfter")?,
        delay_ms: number(text("delayMs"), "delayMs")?,
        after_side_effect: text("afterSideEffect").is_some(),
        times: number(text("times"), "times")?,
        probability: number(text("probability"), "probability")?,
        zombie: text("zombie").is_some(),
    })
}

/// `POST /dashboard/faults`: the admin API's rule creation; a refused rule answers the
/// form again, filled in, with the message at its field.
pub async fn create(state: AppState, posted: Posted<HashMap<String, String>>) -> Response {
    let values = posted.form;
    let error = match new_fault(&values) {
        Ok(input) => match add_fault(&state, input).await {
            Ok(_) => return Redirect::to(PATH).into_response(),
            Err(err) if err.status == StatusCode::BAD_REQUEST => {
                let field = match err.body.target.as_str() {
                    "" => "status".to_string(),
                    target => target.to_string(),
                };
                (field, err.body.message)
            }
            Err(err) => return layout::api_error(err),
        },
        Err(error) => error,
    };
    let filled = Filled {
        values,
        error: Some(error),
    };
    render(&state, &posted.signed, filled).await
}

pub async fn delete(state: AppState, fault_id: String, _: Posted<NoFields>) -> Response {
    super::api_done_or(remove_fault(&state, &fault_id).await, PATH)
}
