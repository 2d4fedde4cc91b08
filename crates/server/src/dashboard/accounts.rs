//! Account settings, as Partner Center's "User management" page keeps them (seed 000): the
//! Azure AD applications of each seller with their role, and their keys. A new key's secret
//! is shown once, on the page that answers its creation. The same domain service as
//! `/admin/v1/clients`.

use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use storeroom_domain::DomainError;
use storeroom_domain::accounts::ClientKey;
use storeroom_wire::dates;

use super::layout::{self, csrf_field, shell};
use super::session::{NoFields, Posted, Signed};
use crate::state::AppState;

const PATH: &str = "/dashboard/accounts";

/// A key just made: its secret, shown this once.
struct NewKey {
    client_id: String,
    key: ClientKey,
    secret: String,
}

async fn render(state: &AppState, signed: &Signed, new_key: Option<NewKey>) -> Response {
    let clients = match state.service.clients(None).await {
        Ok(clients) => clients,
        Err(err) => return layout::domain_error(err),
    };
    let body = html! {
        @if let Some(new_key) = &new_key {
            section.card #new-key role="status" aria-labelledby="new-key-h" {
                h2 #new-key-h { "New key" }
                p { "The secret of the new key of " code { (new_key.client_id) } ". Copy it now: it is never shown again." }
                p.secret #new-secret { (new_key.secret) }
                dl.fields {
                    dt { "Key id" } dd { (new_key.key.key_id) }
                    dt { "Expires" } dd #new-expiry { (dates::format_seconds(&new_key.key.expires_at)) }
                }
            }
        }
        section.card aria-labelledby="add-h" {
            h2 #add-h { "Add an Azure AD application" }
            form.inline method="post" action=(PATH) {
                (csrf_field(signed))
                label for="client-name" { "Name" }
                input #client-name type="text" name="name" required maxlength="256";
                label for="client-seller" { "Seller" }
                input #client-seller type="text" name="sellerId" value=(state.account.seller.id);
                label for="client-role" { "Role" }
                (role_select("client-role", "Manager"))
                button type="submit" { "Add application" }
            }
        }
        @for (client, keys) in &clients {
            (client_card(signed, client, keys))
        }
    };
    shell(signed, PATH, "Account settings", body)
}

fn role_select(id: &str, current: &str) -> Markup {
    html! {
        select id=(id) name="role" {
            @for role in ["Manager", "Developer"] {
                option value=(role) selected[role == current] { (role) }
            }
        }
    }
}

fn client_card(
    signed: &Signed,
    client: &storeroom_domain::accounts::AadClient,
    keys: &[ClientKey],
) -> Markup {
    let base = format!("{PATH}/{}", client.client_id);
    let role = client.role.name();
    html! {
        section.card.client data-client-id=(client.client_id) {
            h2 { (client.name) }
            dl.fields {
                dt { "Client id" } dd { code { (client.client_id) } }
                dt { "Tenant" } dd { code { (client.tenant_id) } }
                dt { "Seller" } dd { (client.seller_id.as_deref().unwrap_or("none")) }
                dt { "Role" } dd.role { (role) }
            }
            form.inline method="post" action=(format!("{base}/role")) {
                (csrf_field(signed))
                label for=(format!("role-{}", client.client_id)) { "Change role" }
                (role_select(&format!("role-{}", client.client_id), role))
                button.secondary type="submit" { "Save role" }
            }
            h3 { "Keys" }
            @if client.secret.is_some() {
                p.muted { "Also its original secret (in credentials.json), which does not expire." }
            }
            @if keys.is_empty() { p.muted { "No keys." } } @else {
                div.table-wrap { table {
                    thead { tr { th scope="col" { "Key" } th scope="col" { "Starts with" } th.optional scope="col" { "Created" } th scope="col" { "Expires" } th scope="col" { span.muted { "Action" } } } }
                    tbody { @for key in keys { tr {
                        td { code { (key.key_id) } }
                        td { code { (key.hint) "…" } }
                        td.optional { (dates::format_seconds(&key.created_at)) }
                        td { (dates::format_seconds(&key.expires_at)) }
                        td {
                            form method="post" action=(format!("{base}/keys/{}/delete", key.key_id)) {
                                (csrf_field(signed))
                                button.danger type="submit" aria-label=(format!("Delete key {}", key.key_id)) { "Delete" }
                            }
                        }
                    } } }
                } }
            }
            form.inline method="post" action=(format!("{base}/keys")) {
                (csrf_field(signed))
                label for=(format!("days-{}", client.client_id)) { "Expires in (days)" }
                input id=(format!("days-{}", client.client_id)) type="number" name="expiresInDays" min="1" value="365";
                button type="submit" { "Add new key" }
            }
        }
    }
}

pub async fn page(signed: Signed, state: AppState) -> Response {
    render(&state, &signed, None).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    seller_id: String,
    #[serde(default)]
    role: String,
}

pub async fn create_client(state: AppState, posted: Posted<CreateForm>) -> Response {
    let form = posted.form;
    let seller = match form.seller_id.trim() {
        "" => state.account.seller.id.clone(),
        seller => seller.to_string(),
    };
    super::done_or(
        state
            .service
            .create_client(&seller, Some(&form.name), Some(&form.role))
            .await,
        |_| PATH.to_string(),
    )
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn change_role(state: AppState, client_id: String, posted: Posted<RoleForm>) -> Response {
    super::done_or(
        state
            .service
            .set_client_role(&client_id, Some(&posted.form.role))
            .await,
        |_| PATH.to_string(),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyForm {
    #[serde(default)]
    expires_in_days: String,
}

/// `POST …/keys`: answers the page itself, with the secret, rather than a redirect: the
/// secret is never stored, so no later page could show it.
pub async fn add_key(state: AppState, client_id: String, posted: Posted<KeyForm>) -> Response {
    let days = match posted.form.expires_in_days.trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(days) => Some(days),
            Err(_) => {
                return layout::domain_error(DomainError::invalid(
                    format!("'{text}' is not a whole number of days"),
                    "expiresInDays",
                ));
            }
        },
    };
    match state.service.add_client_key(&client_id, days).await {
        Ok((key, secret)) => {
            let new_key = NewKey {
                client_id: key.client_id.clone(),
                key,
                secret,
            };
            let mut response = render(&state, &posted.signed, Some(new_key)).await;
            // The secret must not linger in a cache or the history's copy of the page.
            response.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            response
        }
        Err(err) => layout::domain_error(err),
    }
}

pub async fn delete_key(
    state: AppState,
    client_id: String,
    key_id: String,
    _: Posted<NoFields>,
) -> Response {
    super::done_or(
        state.service.delete_client_key(&client_id, &key_id).await,
        |_| PATH.to_string(),
    )
}
