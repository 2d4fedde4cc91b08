//! Reset and snapshots: the admin API's `/admin/v1/snapshots…` and `/admin/v1/reset` as a
//! page, through the same functions. Resetting asks first, on a page of its own (a second
//! form), not with a script's dialog.

use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use storeroom_wire::dates;

use super::layout::{self, csrf_field, shell};
use super::session::{NoFields, Posted, Signed};
use crate::opsstate::routes::{
    reset_all, snapshot_delete, snapshot_list, snapshot_restore, snapshot_save,
};
use crate::state::AppState;

pub const PATH: &str = "/dashboard/snapshots";
pub const RESET_PATH: &str = "/dashboard/reset";

pub async fn page(signed: Signed, state: AppState) -> Response {
    let listed = match snapshot_list(&state).await {
        Ok(listed) => listed,
        Err(err) => return layout::api_error(err),
    };
    let body = html! {
        section.card aria-labelledby="save-h" {
            h2 #save-h { "Save a snapshot" }
            form.inline method="post" action=(PATH) {
                (csrf_field(&signed))
                label for="snapshot-name" { "Name" }
                input #snapshot-name type="text" name="name" required maxlength="64" pattern="[A-Za-z0-9_\\-][A-Za-z0-9_.\\-]*";
                button type="submit" { "Save snapshot" }
            }
            p.hint { "Everything (the catalogue, the journal, fault rules, blobs), to restore later in well under a second." }
        }
        section.card aria-labelledby="list-h" {
            h2 #list-h { "Snapshots" }
            @if listed.is_empty() { p.muted { "No snapshots." } } @else {
                div.table-wrap { table #snapshots {
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Saved" }
                        th.optional scope="col" { "Blobs" } th scope="col" { span.muted { "Actions" } }
                    } }
                    tbody { @for info in &listed {
                        @let base = format!("{PATH}/{}", super::products::enc(&info.name));
                        tr.snapshot data-name=(info.name) {
                            td { code { (info.name) } }
                            td { (dates::format_seconds(&info.created)) }
                            td.optional { (info.blobs) }
                            td {
                                form.inline method="post" action=(format!("{base}/restore")) {
                                    (csrf_field(&signed))
                                    button type="submit" aria-label=(format!("Restore {}", info.name)) { "Restore" }
                                }
                                form.inline method="post" action=(format!("{base}/delete")) {
                                    (csrf_field(&signed))
                                    button.danger type="submit" aria-label=(format!("Delete {}", info.name)) { "Delete" }
                                }
                            }
                        }
                    } }
                } }
            }
        }
        section.card aria-labelledby="reset-h" {
            h2 #reset-h { "Reset" }
            p { "Return storeroom to a fresh state: every product, submission, blob, journal entry and fault rule goes; accounts, keys and snapshots stay." }
            a.button href=(RESET_PATH) { "Reset storeroom…" }
        }
    };
    shell(&signed, PATH, "Reset and snapshots", body)
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

pub async fn save(state: AppState, posted: Posted<NameForm>) -> Response {
    super::api_done_or(snapshot_save(&state, posted.form.name.trim()).await, PATH)
}

pub async fn restore(state: AppState, name: String, _: Posted<NoFields>) -> Response {
    super::api_done_or(snapshot_restore(&state, &name).await, PATH)
}

pub async fn delete(state: AppState, name: String, _: Posted<NoFields>) -> Response {
    super::api_done_or(snapshot_delete(&state, &name).await, PATH)
}

/// `GET /dashboard/reset`: the confirmation step.
pub async fn confirm_page(signed: Signed) -> Response {
    let body = html! {
        section.card role="alertdialog" aria-labelledby="confirm-h" {
            h2 #confirm-h { "Reset storeroom?" }
            p { "Every product, submission, blob, journal entry and fault rule is removed. Accounts, keys and snapshots stay. This cannot be undone (save a snapshot first to come back)." }
            form.inline method="post" action=(RESET_PATH) {
                (csrf_field(&signed))
                input type="hidden" name="confirm" value="yes";
                button.danger #confirm-reset type="submit" { "Yes, reset everything" }
            }
            a href=(PATH) { "Cancel" }
        }
    };
    shell(&signed, PATH, "Reset", body)
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    confirm: String,
}

/// `POST /dashboard/reset`: resets only when the confirmation step's form says so.
pub async fn reset(state: AppState, posted: Posted<ConfirmForm>) -> Response {
    if posted.form.confirm != "yes" {
        return Redirect::to(RESET_PATH).into_response();
    }
    super::api_done_or(reset_all(&state).await, PATH)
}
