//! Add-ons (in-app products): creation rules and their submissions.

use storeroom_domain::in_app_product::NewInAppProduct;
use storeroom_wire::devcenter::SubmissionStatus;

use crate::{World, assert_invalid, assert_invalid_state, assert_not_found, world};

fn request(app_id: &str, product_id: &str) -> NewInAppProduct {
    NewInAppProduct {
        application_ids: vec![app_id.into()],
        product_id: Some(product_id.into()),
        product_type: Some("Durable".into()),
    }
}

async fn create(w: &World, product_id: &str) -> String {
    w.service
        .create_in_app_product(&w.seller, request(&w.app.id, product_id))
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn product_ids_are_unique_per_seller_and_apps_must_be_theirs() {
    let w = world().await;
    create(&w, "GoldPack").await;
    assert_invalid_state(
        w.service
            .create_in_app_product(&w.seller, request(&w.app.id, "goldpack"))
            .await
            .unwrap_err(),
        "productId",
    );
    let (other, _) = w.service.create_seller("Fabrikam").await.unwrap();
    assert_invalid(
        w.service
            .create_in_app_product(&other.id, request(&w.app.id, "Silver"))
            .await
            .unwrap_err(),
        "applicationIds",
    );
}

#[tokio::test]
async fn an_add_on_starts_without_a_submission_and_gets_one_at_a_time() {
    let w = world().await;
    let id = create(&w, "GoldPack").await;
    let product = w.service.in_app_product(&w.seller, &id).await.unwrap();
    assert!(product.slots.pending_submission_id.is_none());
    let submission = w
        .service
        .create_in_app_product_submission(&w.seller, &id)
        .await
        .unwrap();
    assert_eq!(submission.status, SubmissionStatus::PendingCommit);
    assert_invalid_state(
        w.service
            .create_in_app_product_submission(&w.seller, &id)
            .await
            .unwrap_err(),
        "submission",
    );
}

#[tokio::test]
async fn deleted_add_ons_are_not_found() {
    let w = world().await;
    let id = create(&w, "GoldPack").await;
    w.service
        .delete_in_app_product(&w.seller, &id)
        .await
        .unwrap();
    assert!(w.service.in_app_product(&w.seller, &id).await.is_err());
    let (other, _) = w.service.create_seller("Fabrikam").await.unwrap();
    let kept = create(&w, "Silver").await;
    assert!(w.service.in_app_product(&other.id, &kept).await.is_err());
    assert_not_found(
        w.service
            .create_submission(&other.id, &w.app.id)
            .await
            .unwrap_err(),
        "applicationId",
    );
}
