//! Bootstrap, sellers and app reservations.

use crate::{assert_invalid, assert_not_found, world};

#[tokio::test]
async fn bootstrap_returns_the_stored_account_on_later_starts() {
    let w = world().await;
    let first = w.service.bootstrap().await.unwrap();
    let again = w.service.bootstrap().await.unwrap();
    assert_eq!(first.seller.id, w.seller);
    assert_eq!(again.admin_token, first.admin_token);
    assert_eq!(again.client.client_id, first.client.client_id);
}

#[tokio::test]
async fn reserving_checks_the_name_and_the_seller() {
    let w = world().await;
    assert_invalid(
        w.service
            .reserve_application(&w.seller, "   ", false)
            .await
            .unwrap_err(),
        "name",
    );
    assert_not_found(
        w.service
            .reserve_application("no-such-seller", "App", false)
            .await
            .unwrap_err(),
        "sellerId",
    );
    // A reserved app comes with one published, dashboard-made submission.
    let published = w.app.slots.last_published_submission_id.clone().unwrap();
    let (_, submission) = w
        .service
        .submission(&w.seller, &w.app.id, &published)
        .await
        .unwrap();
    assert!(!submission.created_via_api);
}

#[tokio::test]
async fn another_sellers_apps_are_not_found() {
    let w = world().await;
    let (other, _) = w.service.create_seller("Fabrikam").await.unwrap();
    assert_not_found(
        w.service
            .application(&other.id, &w.app.id)
            .await
            .unwrap_err(),
        "applicationId",
    );
    assert_not_found(
        w.service
            .create_submission(&other.id, &w.app.id)
            .await
            .unwrap_err(),
        "applicationId",
    );
    assert_invalid(w.service.create_seller("").await.unwrap_err(), "name");
}
