//! Package flights (devcenter §2.2), their submissions (§2.5) and flight groups (admin).

use serde_json::Value;
use storeroom_wire::devcenter::{AppSubmissionContent, FlightSubmissionContent};

use super::submissions::{self, read_submission_of, submission_of};
use super::{Service, owned_app};
use crate::application::Application;
use crate::error::{DomainError, DomainResult};
use crate::flight::{self, Flight, NewFlight};
use crate::flight_group::{FlightGroup, GroupRequest};
use crate::ids;
use crate::store::{SubmissionAccess, Transaction};
use crate::submission::{self, Submission};
use crate::update;

pub type FlightSubmission = Submission<FlightSubmissionContent>;

/// A flight with the friendly name of the flight ranked just below it.
pub struct RankedFlight {
    pub flight: Flight,
    pub below: Option<String>,
}

fn flight_not_found(flight_id: &str) -> DomainError {
    DomainError::not_found(format!("Flight {flight_id} not found"), "flightId")
}

fn group_not_found(id: &str) -> DomainError {
    DomainError::not_found(format!("Flight group {id} not found"), "flightGroupId")
}

async fn owned_flight(
    tx: &mut dyn Transaction,
    seller_id: &str,
    app_id: &str,
    flight_id: &str,
) -> DomainResult<Flight> {
    owned_app(tx, seller_id, app_id).await?;
    match tx.flight(flight_id).await? {
        Some(flight) if flight.app_id == app_id => Ok(flight),
        _ => Err(flight_not_found(flight_id)),
    }
}

/// The content a new flight submission starts from: the flight's last published
/// submission, else the app's published packages.
async fn starting_content(
    tx: &mut dyn Transaction,
    app: &Application,
    flight: &Flight,
) -> DomainResult<FlightSubmissionContent> {
    if let Some(published) =
        submissions::last_published::<FlightSubmissionContent>(tx, &flight.slots).await?
    {
        submission::ensure_no_rollout_in_progress(&published)?;
        return Ok(published.content);
    }
    Ok(
        match submissions::last_published::<AppSubmissionContent>(tx, &app.slots).await? {
            Some(published) => flight::content_from_app(&published.content),
            None => FlightSubmissionContent::default(),
        },
    )
}

fn rank(mut flights: Vec<Flight>) -> Vec<RankedFlight> {
    flight::by_rank(&mut flights);
    let below: Vec<Option<String>> = flights
        .iter()
        .map(|f| flight::ranked_below(&flights, f).map(str::to_string))
        .collect();
    flights
        .into_iter()
        .zip(below)
        .map(|(flight, below)| RankedFlight { flight, below })
        .collect()
}

impl Service {
    /// The app's flights, highest rank first, paged.
    pub async fn flights(
        &self,
        seller_id: &str,
        app_id: &str,
        skip: u64,
        top: u64,
    ) -> DomainResult<(Vec<RankedFlight>, u64)> {
        self.application(seller_id, app_id).await?;
        let ranked = rank(self.store.flights(app_id).await?);
        let total = ranked.len() as u64;
        let page = ranked
            .into_iter()
            .skip(skip as usize)
            .take(top as usize)
            .collect();
        Ok((page, total))
    }

    pub async fn flight(
        &self,
        seller_id: &str,
        app_id: &str,
        flight_id: &str,
    ) -> DomainResult<RankedFlight> {
        self.application(seller_id, app_id).await?;
        rank(self.store.flights(app_id).await?)
            .into_iter()
            .find(|f| f.flight.id == flight_id)
            .ok_or_else(|| flight_not_found(flight_id))
    }

    /// Creates a flight and, as the real service does, its first pending submission.
    pub async fn create_flight(
        &self,
        seller_id: &str,
        app_id: &str,
        request: NewFlight,
    ) -> DomainResult<RankedFlight> {
        let mut tx = self.store.begin().await?;
        let app = owned_app(tx.as_mut(), seller_id, app_id).await?;
        let existing = tx.flights(app_id).await?;
        let now = self.clock.now();
        let (mut created, all) = flight::create(app_id, seller_id, request, existing, now)?;
        let content = starting_content(tx.as_mut(), &app, &created).await?;
        let product = created.product();
        let pending =
            submission::start_submission(&mut created.slots, seller_id, product, content, now)?;
        tx.put_submission(&pending).await?;
        for flight in all.iter().filter(|f| f.id != created.id) {
            tx.put_flight(flight).await?;
        }
        tx.put_flight(&created).await?;
        tx.commit().await?;
        let below = flight::ranked_below(&all, &created).map(str::to_string);
        Ok(RankedFlight {
            flight: created,
            below,
        })
    }

    /// Deletes a flight and its pending submission, unless the pipeline is working on it.
    pub async fn delete_flight(
        &self,
        seller_id: &str,
        app_id: &str,
        flight_id: &str,
    ) -> DomainResult<()> {
        let mut tx = self.store.begin().await?;
        let flight = owned_flight(tx.as_mut(), seller_id, app_id, flight_id).await?;
        if let Some(pending_id) = flight.slots.pending_submission_id.as_deref()
            && let Some(pending) = tx.submission::<FlightSubmissionContent>(pending_id).await?
        {
            if pending.is_in_flight() {
                return Err(DomainError::invalid_state(
                    "The flight cannot be deleted while its submission is being processed",
                    "flightId",
                ));
            }
            tx.delete_submission(pending_id).await?;
        }
        tx.delete_flight(flight_id).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn flight_submission(
        &self,
        seller_id: &str,
        app_id: &str,
        flight_id: &str,
        submission_id: &str,
    ) -> DomainResult<(Flight, FlightSubmission)> {
        self.application(seller_id, app_id).await?;
        let flight = match self.store.flight(flight_id).await? {
            Some(flight) if flight.app_id == app_id => flight,
            _ => return Err(flight_not_found(flight_id)),
        };
        let submission = read_submission_of(
            self.store.as_ref(),
            &flight.product(),
            seller_id,
            submission_id,
        )
        .await?;
        Ok((flight, submission))
    }

    pub async fn create_flight_submission(
        &self,
        seller_id: &str,
        app_id: &str,
        flight_id: &str,
    ) -> DomainResult<FlightSubmission> {
        let mut tx = self.store.begin().await?;
        let app = owned_app(tx.as_mut(), seller_id, app_id).await?;
        let mut flight = owned_flight(tx.as_mut(), seller_id, app_id, flight_id).await?;
        let content = starting_content(tx.as_mut(), &app, &flight).await?;
        let product = flight.product();
        let created = submission::start_submission(
            &mut flight.slots,
            seller_id,
            product,
            content,
            self.clock.now(),
        )?;
        tx.put_submission(&created).await?;
        tx.put_flight(&flight).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_flight_submission(
        &self,
        seller_id: &str,
        app_id: &str,
        flight_id: &str,
        submission_id: &str,
        body: Value,
    ) -> DomainResult<FlightSubmission> {
        let mut tx = self.store.begin().await?;
        let flight = owned_flight(tx.as_mut(), seller_id, app_id, flight_id).await?;
        let mut submission: FlightSubmission =
            submission_of(tx.as_mut(), &flight.product(), seller_id, submission_id).await?;
        update::apply_flight_update(&mut submission, body)?;
        submission.updated_at = self.clock.now();
        tx.put_submission(&submission).await?;
        tx.commit().await?;
        Ok(submission)
    }

    pub async fn commit_flight_submission(
        &self,
        seller_id: &str,
        app_id: &str,
        flight_id: &str,
        submission_id: &str,
    ) -> DomainResult<FlightSubmission> {
        let mut tx = self.store.begin().await?;
        let app = owned_app(tx.as_mut(), seller_id, app_id).await?;
        let flight = owned_flight(tx.as_mut(), seller_id, app_id, flight_id).await?;
        let mut submission: FlightSubmission =
            submission_of(tx.as_mut(), &flight.product(), seller_id, submission_id).await?;
        let policy = self.policies.for_product(app.pipeline.as_ref());
        submissions::commit(tx.as_mut(), &mut submission, &policy, self.clock.now()).await?;
        tx.commit().await?;
        Ok(submission)
    }

    pub async fn delete_flight_submission(
        &self,
        seller_id: &str,
        app_id: &str,
        flight_id: &str,
        submission_id: &str,
    ) -> DomainResult<()> {
        let mut tx = self.store.begin().await?;
        let mut flight = owned_flight(tx.as_mut(), seller_id, app_id, flight_id).await?;
        let submission: FlightSubmission =
            submission_of(tx.as_mut(), &flight.product(), seller_id, submission_id).await?;
        if submissions::delete(tx.as_mut(), &mut flight.slots, &submission).await? {
            tx.put_flight(&flight).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Changes the gradual rollout of a published flight submission.
    pub async fn change_flight_rollout(
        &self,
        seller_id: &str,
        app_id: &str,
        flight_id: &str,
        submission_id: &str,
        change: impl FnOnce(&mut FlightSubmission) -> DomainResult<()> + Send,
    ) -> DomainResult<FlightSubmission> {
        let mut tx = self.store.begin().await?;
        let flight = owned_flight(tx.as_mut(), seller_id, app_id, flight_id).await?;
        let mut submission: FlightSubmission =
            submission_of(tx.as_mut(), &flight.product(), seller_id, submission_id).await?;
        change(&mut submission)?;
        submission.updated_at = self.clock.now();
        tx.put_submission(&submission).await?;
        tx.commit().await?;
        Ok(submission)
    }

    pub async fn flight_groups(&self) -> DomainResult<Vec<FlightGroup>> {
        Ok(self.store.flight_groups().await?)
    }

    pub async fn flight_group(&self, id: &str) -> DomainResult<FlightGroup> {
        self.store
            .flight_group(id)
            .await?
            .ok_or_else(|| group_not_found(id))
    }

    /// Admin: creates a flight group; its id is numeric, as Partner Center's are.
    pub async fn create_flight_group(&self, request: GroupRequest) -> DomainResult<FlightGroup> {
        let group = request.into_group(ids::numeric_id())?;
        let mut tx = self.store.begin().await?;
        tx.put_flight_group(&group).await?;
        tx.commit().await?;
        Ok(group)
    }

    pub async fn replace_flight_group(
        &self,
        id: &str,
        request: GroupRequest,
    ) -> DomainResult<FlightGroup> {
        let group = request.into_group(id.to_string())?;
        let mut tx = self.store.begin().await?;
        if self.store.flight_group(id).await?.is_none() {
            return Err(group_not_found(id));
        }
        tx.put_flight_group(&group).await?;
        tx.commit().await?;
        Ok(group)
    }

    pub async fn delete_flight_group(&self, id: &str) -> DomainResult<()> {
        let mut tx = self.store.begin().await?;
        if !tx.delete_flight_group(id).await? {
            return Err(group_not_found(id));
        }
        tx.commit().await?;
        Ok(())
    }
}
