//! The devcenter PUT merge: a body applied to a pending app submission.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use storeroom_domain::accounts::Seller;
use storeroom_domain::application::Application;
use storeroom_domain::submission::{clone_for_new_submission, dashboard_submission};
use storeroom_domain::update::apply_update;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = storeroom_wire::lenient::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let now = Utc.with_ymd_and_hms(2026, 7, 9, 12, 0, 0).unwrap();
    let seller = Seller {
        id: "12345678".into(),
        display_name: "Contoso".into(),
        publisher_name: "CN=Contoso".into(),
    };
    let mut app = Application::reserve(&seller, "Reader", true, now);
    let first = dashboard_submission(&app, now);
    app.slots.submission_count = 1;
    app.slots.last_published_submission_id = Some(first.id.clone());
    let Ok(mut pending) = clone_for_new_submission(&mut app, &first, now) else {
        return;
    };
    let _ = apply_update(&app, &mut pending, body);
});
