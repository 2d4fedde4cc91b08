//! Admin decisions on submissions: approve, reject and publish only when waiting for one.

use crate::world;

#[tokio::test]
async fn decisions_need_a_submission_waiting_for_them() {
    let w = world().await;
    let created = w
        .service
        .create_submission(&w.seller, &w.app.id)
        .await
        .unwrap();
    assert!(
        w.service.approve_certification(&created.id).await.is_err(),
        "a pending submission is not waiting for certification"
    );
    assert!(
        w.service.publish_now(&created.id).await.is_err(),
        "nor for publication"
    );
    assert!(
        w.service
            .approve_certification("no-such-submission")
            .await
            .is_err(),
        "an unknown submission"
    );
}
