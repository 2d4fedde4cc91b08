//! Admin: the Azure AD applications of seller accounts ("Account settings" in Partner
//! Center, seed 000), their roles and their keys.

use super::Service;
use crate::accounts::{AadClient, ClientKey, DevelopmentAccount, Role};
use crate::error::{DomainError, DomainResult};
use crate::ids;

/// An application with its keys, as the admin API lists it.
pub type ClientWithKeys = (AadClient, Vec<ClientKey>);

/// `name` trimmed, when it is 1 to 256 characters (Partner Center's display names).
pub(crate) fn display_name<'a>(name: &'a str, field: &str) -> DomainResult<&'a str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 256 {
        return Err(DomainError::invalid(
            format!("{field} must be 1 to 256 characters"),
            field,
        ));
    }
    Ok(name)
}

fn client_not_found(client_id: &str) -> DomainError {
    DomainError::not_found(format!("Client {client_id} not found"), "clientId")
}

impl Service {
    /// The tenant every client storeroom makes belongs to: the development account's.
    pub(crate) async fn development_tenant_id(&self) -> DomainResult<String> {
        self.store
            .setting("development_account")
            .await?
            .and_then(|doc| serde_json::from_str::<DevelopmentAccount>(&doc).ok())
            .map(|account| account.tenant.id)
            .ok_or_else(|| DomainError::Storage("the development account is missing".into()))
    }

    /// A new application of seller `seller_id` with `role` and no keys yet.
    pub async fn create_client(
        &self,
        seller_id: &str,
        name: Option<&str>,
        role: Option<&str>,
    ) -> DomainResult<ClientWithKeys> {
        let name = display_name(name.unwrap_or_default(), "name")?;
        let role = Role::parse(role.unwrap_or_default())?;
        if self.store.seller(seller_id).await?.is_none() {
            return Err(DomainError::not_found(
                format!("Seller {seller_id} not found"),
                "sellerId",
            ));
        }
        let client = AadClient {
            client_id: ids::guid(),
            tenant_id: self.development_tenant_id().await?,
            secret: None,
            seller_id: Some(seller_id.to_string()),
            role,
            name: name.to_string(),
        };
        let mut tx = self.store.begin().await?;
        tx.insert_client(&client).await?;
        tx.commit().await?;
        Ok((client, Vec::new()))
    }

    /// Every application (of `seller_id` when given) with its keys.
    pub async fn clients(&self, seller_id: Option<&str>) -> DomainResult<Vec<ClientWithKeys>> {
        let mut listed = Vec::new();
        for client in self.store.clients().await? {
            if seller_id.is_none_or(|seller| client.seller_id.as_deref() == Some(seller)) {
                let keys = self.store.client_keys(&client.client_id).await?;
                listed.push((client, keys));
            }
        }
        Ok(listed)
    }

    async fn existing_client(&self, client_id: &str) -> DomainResult<AadClient> {
        self.store
            .client(client_id)
            .await?
            .ok_or_else(|| client_not_found(client_id))
    }

    /// Gives application `client_id` the role named `role`.
    pub async fn set_client_role(
        &self,
        client_id: &str,
        role: Option<&str>,
    ) -> DomainResult<ClientWithKeys> {
        let role = Role::parse(role.unwrap_or_default())?;
        let mut client = self.existing_client(client_id).await?;
        client.role = role;
        let mut tx = self.store.begin().await?;
        tx.put_client(&client).await?;
        tx.commit().await?;
        let keys = self.store.client_keys(&client.client_id).await?;
        Ok((client, keys))
    }

    /// A new key of application `client_id`, living `days` from now on the server clock,
    /// and its secret (which nothing can show again).
    pub async fn add_client_key(
        &self,
        client_id: &str,
        days: Option<i64>,
    ) -> DomainResult<(ClientKey, String)> {
        let client = self.existing_client(client_id).await?;
        let (key, secret) = ClientKey::generate(&client.client_id, days, self.clock.now())?;
        let mut tx = self.store.begin().await?;
        tx.insert_client_key(&key).await?;
        tx.commit().await?;
        Ok((key, secret))
    }

    /// Deletes key `key_id` of application `client_id`: its secret stops working at once.
    pub async fn delete_client_key(&self, client_id: &str, key_id: &str) -> DomainResult<()> {
        let client = self.existing_client(client_id).await?;
        let mut tx = self.store.begin().await?;
        let deleted = tx.delete_client_key(&client.client_id, key_id).await?;
        tx.commit().await?;
        if !deleted {
            return Err(DomainError::not_found(
                format!("Key {key_id} of client {client_id} not found"),
                "keyId",
            ));
        }
        Ok(())
    }
}
