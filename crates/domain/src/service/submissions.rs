//! Steps every kind of submission shares (app, flight, add-on): finding one under its
//! product, committing, deleting. The product-specific services call these inside their
//! transactions.

use chrono::{DateTime, Utc};

use super::submission_not_found;
use crate::content::SubmissionContent;
use crate::error::{DomainError, DomainResult};
use crate::pipeline::{PipelinePolicy, Step, due_time};
use crate::product::{ProductRef, Slots};
use crate::store::{
    self, DEVCENTER_QUEUE, NewJob, SubmissionAccess, SubmissionHeader, Transaction,
};
use crate::submission::Submission;

fn wrong_product(id: &str, product: &ProductRef) -> DomainError {
    DomainError::invalid_state(
        format!(
            "Submission {id} does not belong to {} {}",
            product.kind().as_str(),
            product.id()
        ),
        "submissionId",
    )
}

/// A submission of `product`, which seller `seller_id` owns: unknown ids are 404, another
/// product's of the same seller 409 (notes §4.9).
pub(crate) async fn submission_of<C: SubmissionContent>(
    tx: &mut dyn Transaction,
    product: &ProductRef,
    seller_id: &str,
    id: &str,
) -> DomainResult<Submission<C>> {
    let doc = tx
        .submission_doc(id)
        .await?
        .ok_or_else(submission_not_found)?;
    of_product(&doc, product, seller_id, id)
}

/// The submission stored as `doc`, when it is `product`'s. It is parsed once; only when it
/// does not parse as `C` (another kind's content) is its header read, so that another
/// seller's or product's submission is refused as such rather than as unreadable.
///
/// The one ownership check of every route that takes a submission id: a submission of
/// another seller is answered exactly as an unknown id (same status, code, message and
/// target), so that no seller can probe another's submission ids.
pub(crate) fn of_product<C: SubmissionContent>(
    doc: &str,
    product: &ProductRef,
    seller_id: &str,
    id: &str,
) -> DomainResult<Submission<C>> {
    match store::parse::<Submission<C>>(doc) {
        Ok(submission) => {
            belongs(
                &submission.seller_id,
                &submission.product,
                product,
                seller_id,
                id,
            )?;
            Ok(submission)
        }
        Err(unreadable) => {
            let header: SubmissionHeader = store::parse(doc)?;
            belongs(&header.seller_id, &header.product, product, seller_id, id)?;
            Err(unreadable.into())
        }
    }
}

/// The check of [`of_product`] on a submission already parsed (of seller `owner`, for
/// `owned`): unknown to any other seller, and another product's 409.
pub(crate) fn belongs(
    owner: &str,
    owned: &ProductRef,
    product: &ProductRef,
    seller_id: &str,
    id: &str,
) -> DomainResult<()> {
    if owner != seller_id {
        return Err(submission_not_found());
    }
    if owned != product {
        return Err(wrong_product(id, product));
    }
    Ok(())
}

/// The same check outside a transaction, for reads.
pub(crate) async fn read_submission_of<C: SubmissionContent>(
    store: &dyn crate::store::Store,
    product: &ProductRef,
    seller_id: &str,
    id: &str,
) -> DomainResult<Submission<C>> {
    let doc = store
        .submission_doc(id)
        .await?
        .ok_or_else(submission_not_found)?;
    of_product(&doc, product, seller_id, id)
}

/// Commits: CommitStarted, and the pipeline's first step queued per the policy.
pub(crate) async fn commit<C: SubmissionContent>(
    tx: &mut dyn Transaction,
    submission: &mut Submission<C>,
    policy: &PipelinePolicy,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    submission.commit(now)?;
    submission.status_reads = 0;
    for warning in &policy.warnings {
        if !submission.status_details.warnings.contains(warning) {
            submission.status_details.warnings.push(warning.clone());
        }
    }
    tx.put_submission(submission).await?;
    tx.enqueue_job(&NewJob {
        queue: DEVCENTER_QUEUE,
        submission_id: submission.id.clone(),
        step: Step::CheckUpload.name().into(),
        run_at: due_time(policy, now),
    })
    .await?;
    Ok(())
}

/// Deletes a submission that may be deleted; returns whether the product's pending
/// reference changed (the caller saves the product then).
pub(crate) async fn delete<C: SubmissionContent>(
    tx: &mut dyn Transaction,
    slots: &mut Slots,
    submission: &Submission<C>,
) -> DomainResult<bool> {
    submission.ensure_deletable()?;
    remove(tx, slots, submission).await
}

/// Deletes `submission` and frees its product's pending slot; Ok(true) when the slot
/// changed (the product must be stored). The caller has checked that it may.
pub(crate) async fn remove<C: SubmissionContent>(
    tx: &mut dyn Transaction,
    slots: &mut Slots,
    submission: &Submission<C>,
) -> DomainResult<bool> {
    tx.delete_submission(&submission.id).await?;
    if slots.pending_submission_id.as_deref() == Some(submission.id.as_str()) {
        slots.pending_submission_id = None;
        return Ok(true);
    }
    Ok(false)
}

/// The last published submission of a product, which a new submission copies.
pub(crate) async fn last_published<C: SubmissionContent>(
    tx: &mut dyn Transaction,
    slots: &Slots,
) -> DomainResult<Option<Submission<C>>> {
    let Some(id) = slots.last_published_submission_id.as_deref() else {
        return Ok(None);
    };
    let published = tx
        .submission(id)
        .await?
        .ok_or_else(|| DomainError::Storage(format!("published submission {id} is missing")))?;
    Ok(Some(published))
}
