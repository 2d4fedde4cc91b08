//! The operations of the MSI/EXE submission API and its worker, each one transaction.
//!
//! Callers pass the seller the caller acts for; products of other sellers are simply not
//! found.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use storeroom_wire::devcenter::{PublishMode, StatusCode, StatusDetail};
use storeroom_wire::msi::{CommitAssets, PackagePatch};

use super::assets::{self, UploadedImage};
use super::draft::{MetadataChange, UpdateMode};
use super::error::{MsiError, MsiResult, Problem};
use super::lifecycle;
use super::product::{MsiProduct, MsiSubmission, PackagesState, PendingAsset};
use super::store::{MsiStore, MsiTransaction};
use crate::clock::Clock;
use crate::pipeline::{PipelineMode, PipelinePolicy, Policies, Step, decide, due_time};
use crate::store::{Job, MSI_QUEUE, NewJob, Store};

/// Step names of package-processing jobs: `packages:<generation>`, keyed by product id.
const PACKAGES_STEP: &str = "packages:";

#[derive(Clone)]
pub struct MsiService {
    pub store: Arc<dyn MsiStore>,
    /// Sellers, and the shared job queue.
    pub accounts: Arc<dyn Store>,
    pub clock: Arc<Clock>,
    pub policies: Arc<Policies>,
}

/// What a job on the MSI queue asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MsiJob {
    /// Check the installers of a product's committed packages.
    Packages { product_id: String, generation: u64 },
    /// Run a pipeline step of a submission.
    Pipeline { submission_id: String, step: Step },
}

impl MsiJob {
    pub fn parse(job: &Job) -> Option<Self> {
        if let Some(generation) = job.step.strip_prefix(PACKAGES_STEP) {
            return Some(MsiJob::Packages {
                product_id: job.submission_id.clone(),
                generation: generation.parse().ok()?,
            });
        }
        Some(MsiJob::Pipeline {
            submission_id: job.submission_id.clone(),
            step: Step::parse(&job.step)?,
        })
    }
}

/// What submit did.
#[derive(Debug, Clone, PartialEq)]
pub enum SubmitOutcome {
    Created(Box<MsiSubmission>),
    /// A submission was already in flight; this is its id.
    Ongoing(String),
}

fn product_not_found(product_id: &str) -> MsiError {
    MsiError::not_found("product", format!("Product {product_id} not found"))
}

fn submission_not_found(submission_id: &str) -> MsiError {
    MsiError::not_found(
        "submission",
        format!("Submission {submission_id} not found"),
    )
}

/// Product ids are GUIDs; clients may send them in upper case.
pub fn normalize_id(id: &str) -> String {
    id.trim().to_ascii_lowercase()
}

async fn owned(
    tx: &mut dyn MsiTransaction,
    seller_id: &str,
    product_id: &str,
) -> MsiResult<MsiProduct> {
    match tx.product(&normalize_id(product_id)).await? {
        Some(product) if product.seller_id == seller_id => Ok(product),
        _ => Err(product_not_found(product_id)),
    }
}

impl MsiService {
    fn policy(&self, product: &MsiProduct) -> PipelinePolicy {
        self.policies.for_product(product.pipeline.as_ref())
    }

    /// Admin: reserves a product for a seller.
    /// Reserves an MSI/EXE product, under its real product id when given (a GUID; 409 when
    /// already reserved), with one published submission.
    pub async fn reserve(
        &self,
        seller_id: &str,
        name: &str,
        product_id: Option<&str>,
    ) -> MsiResult<MsiProduct> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 256 {
            return Err(MsiError::invalid(
                "name",
                "name must be 1 to 256 characters",
            ));
        }
        if self.accounts.seller(seller_id).await?.is_none() {
            return Err(MsiError::not_found(
                "sellerId",
                format!("Seller {seller_id} not found"),
            ));
        }
        let product_id = product_id
            .map(|id| {
                uuid::Uuid::parse_str(id.trim())
                    .map(|id| id.to_string())
                    .map_err(|_| {
                        MsiError::invalid(
                            "productId",
                            format!("'{id}' is not a product id: a GUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6"),
                        )
                    })
            })
            .transpose()?;
        let now = self.clock.now();
        let (product, published) = match product_id {
            Some(id) => MsiProduct::reserve_with_id(seller_id, name, id, now),
            None => MsiProduct::reserve(seller_id, name, now),
        };
        let mut tx = self.store.begin().await?;
        if tx.product(&product.id).await?.is_some() {
            return Err(MsiError::Conflict(Problem {
                code: storeroom_wire::msi::codes::CONFLICT,
                message: format!("Product {} is already reserved", product.id),
                target: "productId",
            }));
        }
        tx.put_product(&product).await?;
        tx.put_submission(&published).await?;
        tx.commit().await?;
        Ok(product)
    }

    pub async fn products(&self, seller_id: Option<&str>) -> MsiResult<Vec<MsiProduct>> {
        Ok(self.store.products(seller_id).await?)
    }

    pub async fn product(&self, seller_id: &str, product_id: &str) -> MsiResult<MsiProduct> {
        match self.store.product(&normalize_id(product_id)).await? {
            Some(product) if product.seller_id == seller_id => Ok(product),
            _ => Err(product_not_found(product_id)),
        }
    }

    /// Loads an owned product, lets `change` edit it, and stores it, all in one transaction.
    async fn write<T: Send>(
        &self,
        seller_id: &str,
        product_id: &str,
        change: impl FnOnce(&mut MsiProduct, DateTime<Utc>) -> MsiResult<T> + Send,
    ) -> MsiResult<(MsiProduct, T)> {
        let mut tx = self.store.begin().await?;
        let mut product = owned(tx.as_mut(), seller_id, product_id).await?;
        let value = change(&mut product, self.clock.now())?;
        tx.put_product(&product).await?;
        tx.commit().await?;
        Ok((product, value))
    }

    pub async fn update_metadata(
        &self,
        seller_id: &str,
        product_id: &str,
        change: MetadataChange,
        mode: UpdateMode,
    ) -> MsiResult<MsiProduct> {
        let (product, ()) = self
            .write(seller_id, product_id, |product, _| {
                lifecycle::ensure_writable(product)?;
                product.draft.update_metadata(change, mode)
            })
            .await?;
        Ok(product)
    }

    pub async fn replace_packages(
        &self,
        seller_id: &str,
        product_id: &str,
        patches: Vec<PackagePatch>,
    ) -> MsiResult<MsiProduct> {
        let (product, ()) = self
            .write(seller_id, product_id, |product, _| {
                lifecycle::ensure_writable(product)?;
                product.draft.replace_packages(patches)?;
                lifecycle::packages_changed(product);
                Ok(())
            })
            .await?;
        Ok(product)
    }

    pub async fn patch_package(
        &self,
        seller_id: &str,
        product_id: &str,
        package_id: &str,
        patch: PackagePatch,
    ) -> MsiResult<MsiProduct> {
        let (product, ()) = self
            .write(seller_id, product_id, |product, _| {
                lifecycle::ensure_writable(product)?;
                product.draft.patch_package(package_id, patch)?;
                lifecycle::packages_changed(product);
                Ok(())
            })
            .await?;
        Ok(product)
    }

    /// Package commit: processing starts; the worker finishes it.
    pub async fn commit_packages(
        &self,
        seller_id: &str,
        product_id: &str,
    ) -> MsiResult<MsiProduct> {
        let mut tx = self.store.begin().await?;
        let mut product = owned(tx.as_mut(), seller_id, product_id).await?;
        let generation = lifecycle::start_processing(&mut product)?;
        tx.put_product(&product).await?;
        tx.enqueue_job(&NewJob {
            queue: MSI_QUEUE,
            submission_id: product.id.clone(),
            step: format!("{PACKAGES_STEP}{generation}"),
            run_at: self.clock.now(),
        })
        .await?;
        tx.commit().await?;
        Ok(product)
    }

    pub async fn create_assets(
        &self,
        seller_id: &str,
        product_id: &str,
        language: Option<&str>,
        request: Option<&BTreeMap<String, i64>>,
    ) -> MsiResult<Vec<PendingAsset>> {
        let (_, slots) = self
            .write(seller_id, product_id, |product, now| {
                lifecycle::ensure_writable(product)?;
                assets::create_slots(product, language, request, now)
            })
            .await?;
        Ok(slots)
    }

    pub async fn commit_assets(
        &self,
        seller_id: &str,
        product_id: &str,
        request: CommitAssets,
        uploads: &HashMap<String, Result<UploadedImage, String>>,
    ) -> MsiResult<MsiProduct> {
        let (product, ()) = self
            .write(seller_id, product_id, |product, _| {
                lifecycle::ensure_writable(product)?;
                assets::commit(product, request, uploads)
            })
            .await?;
        Ok(product)
    }

    pub async fn submit(&self, seller_id: &str, product_id: &str) -> MsiResult<SubmitOutcome> {
        let mut tx = self.store.begin().await?;
        let mut product = owned(tx.as_mut(), seller_id, product_id).await?;
        if let Some(ongoing) = &product.ongoing_submission_id {
            return Ok(SubmitOutcome::Ongoing(ongoing.clone()));
        }
        let now = self.clock.now();
        let submission = lifecycle::submit(&mut product, now)?;
        let policy = self.policy(&product);
        tx.put_submission(&submission).await?;
        tx.put_product(&product).await?;
        tx.enqueue_job(&NewJob {
            queue: MSI_QUEUE,
            submission_id: submission.id.clone(),
            step: Step::CheckUpload.name().into(),
            run_at: due_time(&policy, now),
        })
        .await?;
        tx.commit().await?;
        Ok(SubmitOutcome::Created(Box::new(submission)))
    }

    /// A submission of the product, counting the read for `pollsPerStep` policies.
    pub async fn submission_status(
        &self,
        seller_id: &str,
        product_id: &str,
        submission_id: &str,
    ) -> MsiResult<MsiSubmission> {
        let product = self.product(seller_id, product_id).await?;
        let submission = self
            .store
            .submission(submission_id.trim())
            .await?
            .filter(|s| s.product_id == product.id)
            .ok_or_else(|| submission_not_found(submission_id))?;
        let Some(polls) = self.policy(&product).polls_per_step else {
            return Ok(submission);
        };
        if !submission.in_flight() {
            return Ok(submission);
        }
        let mut tx = self.store.begin().await?;
        let Some(mut current) = tx.submission(&submission.id).await? else {
            return Ok(submission);
        };
        current.status_reads += 1;
        if current.status_reads >= polls {
            current.status_reads = 0;
            tx.make_jobs_due(&current.id, self.clock.now()).await?;
        }
        tx.put_submission(&current).await?;
        tx.commit().await?;
        Ok(current)
    }

    /// Worker: the product whose packages a job processes, if that job is still current.
    pub async fn packages_to_process(
        &self,
        product_id: &str,
        generation: u64,
    ) -> MsiResult<Option<MsiProduct>> {
        Ok(self.store.product(product_id).await?.filter(|product| {
            product.packages == PackagesState::Processing
                && product.packages_generation == generation
        }))
    }

    /// Worker: records what processing found and removes the job.
    pub async fn finish_packages(
        &self,
        job_id: i64,
        product_id: &str,
        generation: u64,
        result: Result<(), String>,
    ) -> MsiResult<()> {
        let mut tx = self.store.begin().await?;
        if let Some(mut product) = tx.product(product_id).await?
            && lifecycle::finish_processing(&mut product, generation, result)
        {
            tx.put_product(&product).await?;
        }
        tx.delete_job(job_id).await?;
        Ok(tx.commit().await?)
    }

    /// Worker: runs one pipeline step and records its outcome with the next job.
    pub async fn run_step(&self, job_id: i64, submission_id: &str, step: Step) -> MsiResult<()> {
        let mut tx = self.store.begin().await?;
        let submission = tx.submission(submission_id).await?;
        let product = match &submission {
            Some(s) => tx.product(&s.product_id).await?,
            None => None,
        };
        let (Some(mut submission), Some(mut product)) = (submission, product) else {
            tx.delete_job(job_id).await?;
            return Ok(tx.commit().await?);
        };
        if !lifecycle::waits_in(&submission, step) {
            tx.delete_job(job_id).await?;
            return Ok(tx.commit().await?);
        }
        let now = self.clock.now();
        let policy = self.policy(&product);
        // The first step re-checks the snapshot, as the real service validates at submit.
        let work = match step {
            Step::CheckUpload => {
                let problems = submission.snapshot.problems();
                if problems.is_empty() {
                    Ok(())
                } else {
                    Err(problems
                        .into_iter()
                        .map(|p| StatusDetail {
                            code: StatusCode::InvalidParameterValue,
                            details: p.message,
                        })
                        .collect())
                }
            }
            _ => Ok(()),
        };
        let outcome = decide(step, &policy, work, PublishMode::Immediate, now, now);
        let next = lifecycle::record_outcome(&mut product, &mut submission, step, outcome, now);
        if let Some((next, due)) = next {
            tx.enqueue_job(&NewJob {
                queue: MSI_QUEUE,
                submission_id: submission.id.clone(),
                step: next.name().into(),
                run_at: due,
            })
            .await?;
        }
        tx.put_submission(&submission).await?;
        tx.put_product(&product).await?;
        tx.delete_job(job_id).await?;
        Ok(tx.commit().await?)
    }

    /// Worker: the job `job_id` (`job`) panicked. A pipeline step fails its submission, and
    /// package processing fails the packages, each with an error quoting `correlation_id`
    /// (logged with the panic), and the job is removed, in one transaction: nobody waits on
    /// work that will never finish. Returns false, recording nothing, when the job no longer
    /// names anything that waits for it.
    pub async fn fail_after_panic(
        &self,
        job_id: i64,
        job: &MsiJob,
        correlation_id: &str,
    ) -> MsiResult<bool> {
        let mut tx = self.store.begin().await?;
        match job {
            MsiJob::Packages {
                product_id,
                generation,
            } => {
                let Some(mut product) = tx.product(product_id).await? else {
                    return Ok(false);
                };
                if !lifecycle::fail_processing_after_panic(
                    &mut product,
                    *generation,
                    correlation_id,
                ) {
                    return Ok(false);
                }
                tx.put_product(&product).await?;
            }
            MsiJob::Pipeline {
                submission_id,
                step,
            } => {
                let Some(mut submission) = tx.submission(submission_id).await? else {
                    return Ok(false);
                };
                let Some(mut product) = tx.product(&submission.product_id).await? else {
                    return Ok(false);
                };
                let now = self.clock.now();
                if !lifecycle::fail_step_after_panic(
                    &mut product,
                    &mut submission,
                    *step,
                    correlation_id,
                    now,
                ) {
                    return Ok(false);
                }
                tx.put_submission(&submission).await?;
                tx.put_product(&product).await?;
            }
        }
        tx.delete_job(job_id).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Admin: sets (or with None, removes) a product's own pipeline policy.
    pub async fn set_policy(
        &self,
        product_id: &str,
        policy: Option<PipelinePolicy>,
    ) -> MsiResult<MsiProduct> {
        let mut tx = self.store.begin().await?;
        let mut product = tx
            .product(&normalize_id(product_id))
            .await?
            .ok_or_else(|| product_not_found(product_id))?;
        product.pipeline = policy;
        tx.put_product(&product).await?;
        tx.commit().await?;
        Ok(product)
    }

    /// Admin: any product, whoever owns it.
    pub async fn any_product(&self, product_id: &str) -> MsiResult<MsiProduct> {
        self.store
            .product(&normalize_id(product_id))
            .await?
            .ok_or_else(|| product_not_found(product_id))
    }

    /// Admin: a submission waiting for a manual certification decision moves on (approved)
    /// or fails with the reason (rejected).
    pub async fn decide_certification(
        &self,
        submission_id: &str,
        rejection: Option<&str>,
    ) -> MsiResult<MsiSubmission> {
        if let Some(reason) = rejection
            && reason.trim().is_empty()
        {
            return Err(MsiError::invalid(
                "reason",
                "reason must say why the submission is rejected",
            ));
        }
        let mut tx = self.store.begin().await?;
        let mut submission = tx
            .submission(submission_id.trim())
            .await?
            .ok_or_else(|| submission_not_found(submission_id))?;
        let mut product = tx
            .product(&submission.product_id)
            .await?
            .ok_or_else(|| product_not_found(&submission.product_id))?;
        let policy = self.policy(&product);
        if !(lifecycle::waits_in(&submission, Step::Certify) && policy.mode == PipelineMode::Manual)
        {
            return Err(MsiError::invalid(
                "submissionId",
                format!(
                    "Submission {} is not waiting for a certification decision (status {:?}, step {}; only a manual pipeline waits)",
                    submission.id,
                    submission.status,
                    submission.step.as_deref().unwrap_or("none")
                ),
            ));
        }
        let now = self.clock.now();
        match rejection {
            Some(reason) => {
                lifecycle::fail(&mut product, &mut submission, vec![reason.trim().into()])
            }
            None => {
                let next = Step::Release;
                submission.step = Some(next.name().into());
                submission.status_reads = 0;
                tx.enqueue_job(&NewJob {
                    queue: MSI_QUEUE,
                    submission_id: submission.id.clone(),
                    step: next.name().into(),
                    run_at: due_time(&policy, now),
                })
                .await?;
            }
        }
        submission.updated_at = now;
        tx.put_submission(&submission).await?;
        tx.put_product(&product).await?;
        tx.commit().await?;
        Ok(submission)
    }
}
