//! Add-ons (devcenter §2.3) and their submissions (§2.6).

use serde_json::Value;
use storeroom_wire::devcenter::InAppProductSubmissionContent;

use super::Service;
use super::submissions::{self, read_submission_of, submission_of};
use crate::add_on_input;
use crate::error::{DomainError, DomainResult};
use crate::in_app_product::{self, InAppProduct, NewInAppProduct};
use crate::store::{SubmissionAccess, SubmissionReads, Transaction};
use crate::submission::{self, Submission};
use crate::update;

pub type InAppProductSubmission = Submission<InAppProductSubmissionContent>;

fn in_app_product_not_found(id: &str) -> DomainError {
    DomainError::not_found(format!("In-app product {id} not found"), "inAppProductId")
}

async fn owned_in_app_product(
    tx: &mut dyn Transaction,
    seller_id: &str,
    id: &str,
) -> DomainResult<InAppProduct> {
    match tx.in_app_product(id).await? {
        Some(product) if product.seller_id == seller_id => Ok(product),
        _ => Err(in_app_product_not_found(id)),
    }
}

impl Service {
    /// The seller's add-ons, oldest first, paged.
    pub async fn in_app_products(
        &self,
        seller_id: &str,
        skip: u64,
        top: u64,
    ) -> DomainResult<(Vec<InAppProduct>, u64)> {
        Ok(self
            .store
            .in_app_products(seller_id, None, skip, top)
            .await?)
    }

    /// The add-ons of one of the seller's apps, oldest first, paged.
    pub async fn application_in_app_products(
        &self,
        seller_id: &str,
        app_id: &str,
        skip: u64,
        top: u64,
    ) -> DomainResult<(Vec<InAppProduct>, u64)> {
        self.application(seller_id, app_id).await?;
        Ok(self
            .store
            .in_app_products(seller_id, Some(app_id), skip, top)
            .await?)
    }

    pub async fn in_app_product(&self, seller_id: &str, id: &str) -> DomainResult<InAppProduct> {
        match self.store.in_app_product(id).await? {
            Some(product) if product.seller_id == seller_id => Ok(product),
            _ => Err(in_app_product_not_found(id)),
        }
    }

    /// Creates an add-on. Unlike a flight, it starts without a submission (documented; the
    /// Python sample creates the first one with POST submissions).
    pub async fn create_in_app_product(
        &self,
        seller_id: &str,
        request: NewInAppProduct,
    ) -> DomainResult<InAppProduct> {
        let request = request.validate()?;
        let mut tx = self.store.begin().await?;
        let app = tx.application(&request.application_id).await?;
        let duplicate = tx
            .in_app_product_by_product_id(seller_id, &request.product_id)
            .await?;
        let created = in_app_product::create(
            seller_id,
            request,
            app.as_ref(),
            duplicate.as_ref(),
            self.clock.now(),
        )?;
        tx.put_in_app_product(&created).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Deletes an add-on and its pending submission (see [`in_app_product::ensure_deletable`]).
    pub async fn delete_in_app_product(&self, seller_id: &str, id: &str) -> DomainResult<()> {
        let mut tx = self.store.begin().await?;
        let product = owned_in_app_product(tx.as_mut(), seller_id, id).await?;
        let pending = match product.slots.pending_submission_id.as_deref() {
            Some(pending_id) => tx.submission(pending_id).await?,
            None => None,
        };
        in_app_product::ensure_deletable(&product, pending.as_ref())?;
        if let Some(pending) = pending {
            tx.delete_submission(&pending.id).await?;
        }
        tx.delete_in_app_product(id).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn in_app_product_submission(
        &self,
        seller_id: &str,
        id: &str,
        submission_id: &str,
    ) -> DomainResult<(InAppProduct, InAppProductSubmission)> {
        let product = self.in_app_product(seller_id, id).await?;
        let submission = read_submission_of(
            self.store.as_ref(),
            &product.product(),
            seller_id,
            submission_id,
        )
        .await?;
        Ok((product, submission))
    }

    /// A new pending submission: a copy of the last published one, or, for an add-on never
    /// published, the documented defaults (no listing yet, free, public, immediate).
    pub async fn create_in_app_product_submission(
        &self,
        seller_id: &str,
        id: &str,
    ) -> DomainResult<InAppProductSubmission> {
        let mut tx = self.store.begin().await?;
        let mut product = owned_in_app_product(tx.as_mut(), seller_id, id).await?;
        let content = submissions::last_published::<InAppProductSubmissionContent>(
            tx.as_mut(),
            &product.slots,
        )
        .await?
        .map(|published| published.content)
        .unwrap_or_default();
        let reference = product.product();
        let created = submission::start_submission(
            &mut product.slots,
            seller_id,
            reference,
            content,
            self.clock.now(),
        )?;
        tx.put_submission(&created).await?;
        tx.put_in_app_product(&product).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_in_app_product_submission(
        &self,
        seller_id: &str,
        id: &str,
        submission_id: &str,
        body: Value,
    ) -> DomainResult<InAppProductSubmission> {
        let mut tx = self.store.begin().await?;
        let product = owned_in_app_product(tx.as_mut(), seller_id, id).await?;
        let mut submission: InAppProductSubmission =
            submission_of(tx.as_mut(), &product.product(), seller_id, submission_id).await?;
        update::apply_in_app_product_update(&mut submission, body, self.leniency)?;
        submission.updated_at = self.clock.now();
        tx.put_submission(&submission).await?;
        tx.commit().await?;
        Ok(submission)
    }

    /// Commits under the pipeline policy of the add-on's app. A submission still without a
    /// listing (the first one, never updated) is refused here rather than failing later:
    /// the client fixes it with a PUT.
    pub async fn commit_in_app_product_submission(
        &self,
        seller_id: &str,
        id: &str,
        submission_id: &str,
    ) -> DomainResult<InAppProductSubmission> {
        let mut tx = self.store.begin().await?;
        let product = owned_in_app_product(tx.as_mut(), seller_id, id).await?;
        let mut submission: InAppProductSubmission =
            submission_of(tx.as_mut(), &product.product(), seller_id, submission_id).await?;
        // Only a submission in a committable state is checked: the others get commit's 409.
        if submission.ensure_editable().is_ok() {
            in_app_product::ensure_has_listing(&submission.content.listings)?;
            if self.leniency.is_strict() {
                add_on_input::ensure_accepted_content_type(submission.content.content_type)?;
            }
        }
        let own_policy = match product.application_id() {
            Some(app_id) => tx.application(app_id).await?.and_then(|app| app.pipeline),
            None => None,
        };
        let policy = self.policies.for_product(own_policy.as_ref());
        submissions::commit(tx.as_mut(), &mut submission, &policy, self.clock.now()).await?;
        tx.commit().await?;
        Ok(submission)
    }

    pub async fn delete_in_app_product_submission(
        &self,
        seller_id: &str,
        id: &str,
        submission_id: &str,
    ) -> DomainResult<()> {
        let mut tx = self.store.begin().await?;
        let mut product = owned_in_app_product(tx.as_mut(), seller_id, id).await?;
        let submission: InAppProductSubmission =
            submission_of(tx.as_mut(), &product.product(), seller_id, submission_id).await?;
        if submissions::delete(tx.as_mut(), &mut product.slots, &submission).await? {
            tx.put_in_app_product(&product).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The store front: an add-on and its last published submission by Store ID, for any
    /// seller (customers see every seller's products). 404 when it does not exist or was never
    /// published.
    pub async fn published_in_app_product(
        &self,
        store_id: &str,
    ) -> DomainResult<(InAppProduct, InAppProductSubmission)> {
        let product = self
            .store
            .in_app_product(store_id)
            .await?
            .ok_or_else(|| in_app_product_not_found(store_id))?;
        let Some(published_id) = product.slots.last_published_submission_id.as_deref() else {
            return Err(DomainError::not_found(
                format!("In-app product {store_id} has not been published"),
                "inAppProductId",
            ));
        };
        let published = self.store.submission(published_id).await?.ok_or_else(|| {
            DomainError::Storage(format!("published submission {published_id} is missing"))
        })?;
        Ok((product, published))
    }
}
