//! Package flights: creation with a first pending submission, names, ranks and deletion.

use storeroom_domain::flight::NewFlight;
use storeroom_wire::devcenter::SubmissionStatus;

use crate::{World, assert_invalid, assert_invalid_state, world};

fn named(name: &str) -> NewFlight {
    NewFlight {
        friendly_name: Some(name.into()),
        group_ids: vec![serde_json::json!(0)],
        rank_higher_than: None,
    }
}

async fn create(w: &World, name: &str) -> String {
    w.service
        .create_flight(&w.seller, &w.app.id, named(name))
        .await
        .unwrap()
        .flight
        .id
}

#[tokio::test]
async fn a_new_flight_starts_with_a_pending_submission() {
    let w = world().await;
    let id = create(&w, "Insiders").await;
    let ranked = w.service.flight(&w.seller, &w.app.id, &id).await.unwrap();
    let pending = ranked.flight.slots.pending_submission_id.clone().unwrap();
    let (_, submission) = w
        .service
        .flight_submission(&w.seller, &w.app.id, &id, &pending)
        .await
        .unwrap();
    assert_eq!(submission.status, SubmissionStatus::PendingCommit);
    assert_invalid_state(
        w.service
            .create_flight_submission(&w.seller, &w.app.id, &id)
            .await
            .unwrap_err(),
        "submission",
    );
}

#[tokio::test]
async fn names_are_required_and_unique_per_app() {
    let w = world().await;
    create(&w, "Insiders").await;
    assert_invalid(
        w.service
            .create_flight(&w.seller, &w.app.id, named("insiders"))
            .await
            .err()
            .expect("refused"),
        "friendlyName",
    );
    assert_invalid(
        w.service
            .create_flight(&w.seller, &w.app.id, named(" "))
            .await
            .err()
            .expect("refused"),
        "friendlyName",
    );
}

#[tokio::test]
async fn newer_flights_rank_higher_and_deleted_ones_are_gone() {
    let w = world().await;
    let first = create(&w, "First").await;
    let second = create(&w, "Second").await;
    let (flights, total) = w
        .service
        .flights(&w.seller, &w.app.id, 0, 10)
        .await
        .unwrap();
    assert_eq!(total, 2);
    let order: Vec<&str> = flights.iter().map(|f| f.flight.id.as_str()).collect();
    assert_eq!(order, [second.as_str(), first.as_str()]);
    w.service
        .delete_flight(&w.seller, &w.app.id, &second)
        .await
        .unwrap();
    assert!(
        w.service
            .flight(&w.seller, &w.app.id, &second)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_flight_in_the_pipeline_is_not_deleted() {
    let w = world().await;
    let id = create(&w, "Busy").await;
    let pending = w
        .service
        .flight(&w.seller, &w.app.id, &id)
        .await
        .unwrap()
        .flight
        .slots
        .pending_submission_id
        .unwrap();
    w.service
        .commit_flight_submission(&w.seller, &w.app.id, &id, &pending)
        .await
        .unwrap();
    assert_invalid_state(
        w.service
            .delete_flight(&w.seller, &w.app.id, &id)
            .await
            .unwrap_err(),
        "flightId",
    );
}
