//! App submissions: create, update, commit and delete, and what each refuses.

use serde_json::json;
use storeroom_wire::devcenter::SubmissionStatus;

use crate::{assert_invalid_state, assert_not_found, world};

#[tokio::test]
async fn one_pending_submission_at_a_time() {
    let w = world().await;
    let created = w
        .service
        .create_submission(&w.seller, &w.app.id)
        .await
        .unwrap();
    assert_eq!(created.status, SubmissionStatus::PendingCommit);
    assert!(created.created_via_api);
    assert_invalid_state(
        w.service
            .create_submission(&w.seller, &w.app.id)
            .await
            .unwrap_err(),
        "submission",
    );
    // Deleting the pending one frees the slot.
    w.service
        .delete_submission(&w.seller, &w.app.id, &created.id)
        .await
        .unwrap();
    assert!(
        w.service
            .application(&w.seller, &w.app.id)
            .await
            .unwrap()
            .slots
            .pending_submission_id
            .is_none()
    );
    let next = w
        .service
        .create_submission(&w.seller, &w.app.id)
        .await
        .unwrap();
    assert_ne!(next.id, created.id);
}

#[tokio::test]
async fn updates_apply_to_pending_submissions_only() {
    let w = world().await;
    let created = w
        .service
        .create_submission(&w.seller, &w.app.id)
        .await
        .unwrap();
    let updated = w
        .service
        .update_submission(
            &w.seller,
            &w.app.id,
            &created.id,
            json!({"notesForCertification": "first"}),
        )
        .await
        .unwrap();
    let (_, read) = w
        .service
        .submission(&w.seller, &w.app.id, &created.id)
        .await
        .unwrap();
    assert_eq!(read.content, updated.content);

    let committed = w
        .service
        .commit_submission(&w.seller, &w.app.id, &created.id)
        .await
        .unwrap();
    assert_eq!(committed.status, SubmissionStatus::CommitStarted);
    assert!(committed.is_in_flight());
    assert!(
        w.service
            .update_submission(&w.seller, &w.app.id, &created.id, json!({}))
            .await
            .is_err(),
        "a committed submission refuses changes"
    );
    assert!(
        w.service
            .commit_submission(&w.seller, &w.app.id, &created.id)
            .await
            .is_err(),
        "and a second commit"
    );
    assert!(
        w.service
            .delete_submission(&w.seller, &w.app.id, &created.id)
            .await
            .is_err(),
        "and deletion while in flight"
    );
}

#[tokio::test]
async fn the_published_submission_is_not_deleted() {
    let w = world().await;
    let published = w.app.slots.last_published_submission_id.clone().unwrap();
    assert!(
        w.service
            .delete_submission(&w.seller, &w.app.id, &published)
            .await
            .is_err()
    );
    assert_not_found(
        w.service
            .submission(&w.seller, &w.app.id, "1152921505699999999")
            .await
            .unwrap_err(),
        "submissionId",
    );
}
