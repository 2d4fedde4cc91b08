//! Each operation of the ingestion API: the wire in, the domain call, the wire out. The
//! rules live in [`IngestionService`]; file processing in `files`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};
use storeroom_domain::ingestion::IngestionResult;
use storeroom_domain::ingestion::edits::Kind;
use storeroom_domain::ingestion::resource::Resource;
use storeroom_domain::ingestion::service::parse_module;
use storeroom_domain::ingestion::submission::Environment;
use storeroom_wire::ingestion::models::EXPANDABLE_AVAILABILITY;

use super::IngestionState;
use super::files;
use super::operation::Op;
use super::query::{self, Query};
use super::render::{self, Render, Sas};
use super::respond::{Out, json, no_content, ok, paged};
use crate::state::AppState;

/// One request, decoded.
pub struct Call<'a> {
    pub state: &'a AppState,
    pub seller: &'a str,
    pub query: Query,
    pub body: Map<String, Value>,
    pub if_match: Option<String>,
}

impl Call<'_> {
    fn ingestion(&self) -> &IngestionState {
        &self.state.ingestion
    }

    fn render(&self) -> Render<'_> {
        Render {
            blob: &self.state.blob,
            now: self.state.clock.now(),
        }
    }

    fn location(&self, path: &str) -> String {
        format!("{}/v1.0/ingestion/{path}", self.state.partner_url)
    }

    /// The feature-availability members `$expand` names.
    fn expanded(&self) -> Vec<&'static str> {
        EXPANDABLE_AVAILABILITY
            .iter()
            .filter(|(name, _)| {
                self.query.expands(name)
                    || (*name == "PriceSchedules" && self.query.expands("PriceSchedule"))
            })
            .map(|(name, _)| *name)
            .collect()
    }

    /// A resource as GET shows it: file URLs only when `$expand=FileSasUri`, availability
    /// members only when expanded.
    fn shown(&self, resource: &Resource, kind: Option<Kind>) -> Out {
        let sas = if self.query.expands("FileSasUri") {
            Sas::Show
        } else {
            Sas::Hide
        };
        let expanded = self.expanded();
        let expand = (kind == Some(Kind::FeatureAvailability)).then_some(expanded.as_slice());
        self.render().resource(resource, sas, expand)
    }

    /// A resource as a write answers it: file URLs always, availability members expanded
    /// or sent.
    fn written(&self, resource: &Resource, kind: Option<Kind>) -> Out {
        let mut expanded = self.expanded();
        if kind == Some(Kind::FeatureAvailability) {
            for (name, field) in EXPANDABLE_AVAILABILITY {
                if self.body.keys().any(|k| k.eq_ignore_ascii_case(field))
                    && !expanded.contains(name)
                {
                    expanded.push(name);
                }
            }
        }
        let expand = (kind == Some(Kind::FeatureAvailability)).then_some(expanded.as_slice());
        self.render().resource(resource, Sas::Show, expand)
    }
}

fn with_etag(body: &Out, resource: &Resource) -> Response {
    json(StatusCode::OK, body, resource.etag.as_deref(), None)
}

fn created(body: &Out, etag: Option<&str>, location: &str) -> Response {
    json(StatusCode::CREATED, body, etag, Some(location))
}

fn list(items: Vec<Out>) -> Response {
    ok(&paged(items, None))
}

pub async fn execute(call: Call<'_>, op: Op) -> IngestionResult<Response> {
    let service = &call.ingestion().service;
    let seller = call.seller;
    Ok(match op {
        Op::ListProducts => {
            let filter = query::offer_filter(&call.query)?;
            let after = query::read_skip_token(&call.query)?;
            let (offers, more) = service
                .offers(seller, filter.as_ref(), after.as_deref())
                .await?;
            let next = more.then(|| offers.last()).flatten().map(|last| {
                let token: String =
                    form_urlencoded::byte_serialize(query::skip_token(&last.id).as_bytes())
                        .collect();
                format!("v1.0/ingestion/products?$skipToken={token}")
            });
            ok(&paged(offers.iter().map(render::product).collect(), next))
        }
        Op::CreateProduct => {
            let offer = service.create_offer(seller, &call.body).await?;
            created(
                &render::product(&offer),
                None,
                &call.location(&format!("products/{}", offer.id)),
            )
        }
        Op::GetProduct(p) => ok(&render::product(&service.offer(seller, &p).await?)),
        Op::DeleteProduct(p) => {
            service.delete_offer(seller, &p).await?;
            no_content()
        }
        Op::GetSetup(p) => ok(&render::setup(&service.offer(seller, &p).await?)),
        Op::PostSetup(p) => ok(&render::setup(
            &service.put_setup(seller, &p, &call.body).await?,
        )),
        Op::Branches(p, module) => {
            let module = parse_module(&module)?;
            let offer = service.offer(seller, &p).await?;
            list(
                offer
                    .branches(module)
                    .into_iter()
                    .map(render::branch)
                    .collect(),
            )
        }
        Op::ListVariants(p) => {
            let offer = service.offer(seller, &p).await?;
            list(
                offer
                    .variants
                    .iter()
                    .map(|v| call.render().resource(v, Sas::Hide, None))
                    .collect(),
            )
        }
        Op::CreateVariant(p) => {
            let (offer, variant) = service.create_variant(seller, &p, &call.body).await?;
            let body = call.render().resource(&variant, Sas::Hide, None);
            created(
                &body,
                variant.etag.as_deref(),
                &call.location(&format!("products/{}/variants/{}", offer.id, variant.id)),
            )
        }
        Op::GetVariant(p, v) => {
            let offer = service.offer(seller, &p).await?;
            let variant = offer.variant(&v).ok_or_else(|| {
                storeroom_domain::ingestion::IngestionError::not_found("Variant", &v)
            })?;
            with_etag(&call.render().resource(variant, Sas::Hide, None), variant)
        }
        Op::PutVariant(p, v) => {
            let variant = service
                .put_variant(seller, &p, &v, &call.body, call.if_match.as_deref())
                .await?;
            with_etag(&call.render().resource(&variant, Sas::Hide, None), &variant)
        }
        Op::DeleteVariant(p, v) => {
            service
                .delete_variant(seller, &p, &v, call.if_match.as_deref())
                .await?;
            no_content()
        }
        Op::InstanceResources(p, kind, iid) => {
            let resources = service.instance_resources(seller, &p, &iid, kind).await?;
            list(
                resources
                    .iter()
                    .map(|r| call.shown(r, Some(kind)))
                    .collect(),
            )
        }
        Op::DraftResources(p, kind) => {
            let resources = service.draft_resources(seller, &p, kind).await?;
            list(
                resources
                    .iter()
                    .map(|r| call.shown(r, Some(kind)))
                    .collect(),
            )
        }
        Op::CreateOfferResource(p, kind) => {
            let resource = service
                .create_offer_resource(seller, &p, kind, &call.body)
                .await?;
            let path = if kind == Kind::Property {
                "properties"
            } else {
                "productavailabilities"
            };
            created(
                &call.written(&resource, Some(kind)),
                resource.etag.as_deref(),
                &call.location(&format!("products/{p}/{path}/{}", resource.id)),
            )
        }
        Op::CreateListing(p, iid) => {
            let listing = service.create_listing(seller, &p, &iid, &call.body).await?;
            created(
                &call.written(&listing, Some(Kind::Listing)),
                listing.etag.as_deref(),
                &call.location(&format!("products/{p}/listings/{}", listing.id)),
            )
        }
        Op::GetResource(p, kind, id) => {
            let resource = service.resource(seller, &p, &id, kind).await?;
            with_etag(&call.shown(&resource, Some(kind)), &resource)
        }
        Op::PutResource(p, kind, id) => {
            let resource = service
                .put_resource(seller, &p, &id, kind, &call.body, call.if_match.as_deref())
                .await?;
            with_etag(&call.written(&resource, Some(kind)), &resource)
        }
        Op::DeleteListing(p, id) => {
            service
                .delete_listing(seller, &p, &id, call.if_match.as_deref())
                .await?;
            no_content()
        }
        Op::ListMedia(p, lid, kind) => {
            let media = service.media(seller, &p, &lid, kind).await?;
            list(media.iter().map(|m| call.shown(m, Some(kind))).collect())
        }
        Op::CreateMedium(p, lid, kind) => {
            let medium = service
                .create_medium(seller, &p, &lid, kind, &call.body)
                .await?;
            let segment = match kind {
                Kind::Video => "videos",
                Kind::Asset => "assets",
                _ => "images",
            };
            created(
                &call.written(&medium, Some(kind)),
                medium.etag.as_deref(),
                &call.location(&format!(
                    "products/{p}/listings/{lid}/{segment}/{}",
                    medium.id
                )),
            )
        }
        Op::GetMedium(p, lid, id, kind) => {
            let medium = service.medium(seller, &p, &lid, &id, kind).await?;
            with_etag(&call.shown(&medium, Some(kind)), &medium)
        }
        Op::PutMedium(p, lid, id, kind) => {
            // The medium must be under this listing; the PUT itself finds it by id.
            service.medium(seller, &p, &lid, &id, kind).await?;
            let medium = service
                .put_resource(seller, &p, &id, kind, &call.body, call.if_match.as_deref())
                .await?;
            with_etag(&call.written(&medium, Some(kind)), &medium)
        }
        Op::DeleteMedium(p, lid, id, kind) => {
            service
                .delete_medium(seller, &p, &lid, &id, kind, call.if_match.as_deref())
                .await?;
            no_content()
        }
        Op::ListPackages(p) => {
            let packages = service.packages(seller, &p).await?;
            list(
                packages
                    .iter()
                    .map(|r| call.render().resource(r, Sas::Show, None))
                    .collect(),
            )
        }
        Op::CreatePackage(p) => {
            let package = service.create_package(seller, &p, &call.body).await?;
            created(
                &call.render().resource(&package, Sas::Show, None),
                package.etag.as_deref(),
                &call.location(&format!("products/{p}/packages/{}", package.id)),
            )
        }
        Op::GetPackage(p, id) => {
            let package = service.package(seller, &p, &id).await?;
            with_etag(&call.render().resource(&package, Sas::Show, None), &package)
        }
        Op::PutPackage(p, id) => {
            let package = files::put_package(call.state, seller, &p, &id, &call.body).await?;
            with_etag(&call.render().resource(&package, Sas::Show, None), &package)
        }
        Op::DeletePackage(p, id) => {
            service
                .delete_package(seller, &p, &id, call.if_match.as_deref())
                .await?;
            no_content()
        }
        Op::GetReseller(p) => ok(&call
            .render()
            .configuration(&service.reseller(seller, &p).await?)),
        Op::PostReseller(p) => ok(&call
            .render()
            .configuration(&service.put_reseller(seller, &p, &call.body).await?)),
        Op::GetLead(p) => ok(&call
            .render()
            .configuration(&service.lead(seller, &p).await?)),
        Op::PostLead(p) => ok(&call
            .render()
            .configuration(&service.put_lead(seller, &p, &call.body).await?)),
        Op::GetInstanceResource(p, kind, iid) => {
            let resource = service.instance_resource(seller, &p, &iid, kind).await?;
            with_etag(&call.shown(&resource, Some(kind)), &resource)
        }
        Op::PutInstanceResource(p, kind, iid) => {
            let resource = service
                .put_instance_resource(seller, &p, &iid, kind, &call.body, call.if_match.as_deref())
                .await?;
            with_etag(&call.written(&resource, Some(kind)), &resource)
        }
        Op::CommitSupplemental(p, iid) => {
            let resource = service.commit_supplemental(seller, &p, &iid).await?;
            with_etag(
                &call.written(&resource, Some(Kind::SupplementalContent)),
                &resource,
            )
        }
        Op::ListCosellAssets(p) => {
            let assets = service.cosell_assets(seller, &p).await?;
            list(assets.iter().map(|a| call.shown(a, None)).collect())
        }
        Op::CreateCosellAsset(p) => {
            let asset = service.create_cosell_asset(seller, &p, &call.body).await?;
            created(
                &call.written(&asset, None),
                asset.etag.as_deref(),
                &call.location(&format!("products/{p}/cosellAssets/{}", asset.id)),
            )
        }
        Op::GetCosellAsset(p, id) => {
            let asset = service.cosell_asset(seller, &p, &id).await?;
            with_etag(&call.shown(&asset, None), &asset)
        }
        Op::PutCosellAsset(p, id) => {
            let asset = service
                .put_cosell_asset(seller, &p, &id, &call.body, call.if_match.as_deref())
                .await?;
            with_etag(&call.written(&asset, None), &asset)
        }
        Op::DeleteCosellAsset(p, id) => {
            service
                .delete_cosell_asset(seller, &p, &id, call.if_match.as_deref())
                .await?;
            no_content()
        }
        Op::ListSubmissions(p) => {
            let filter = query::submission_filter(&call.query)?;
            let expand = call.query.expands("PublishOption");
            let submissions = service.submissions(seller, &p).await?;
            let shown = submissions
                .iter()
                .filter(|s| {
                    filter
                        .state
                        .as_deref()
                        .is_none_or(|state| s.stage.state().eq_ignore_ascii_case(state))
                        && filter.scope.as_deref().is_none_or(|scope| match scope {
                            "live" => {
                                s.stage == storeroom_domain::ingestion::submission::Stage::InStore
                            }
                            _ => true,
                        })
                })
                .map(|s| render::submission(s, expand))
                .collect();
            list(shown)
        }
        Op::CreateSubmission(p) => {
            let submission = service.create_submission(seller, &p, &call.body).await?;
            let echo = submission.publish_option.is_some();
            created(
                &render::submission(&submission, echo),
                None,
                &call.location(&format!(
                    "products/{}/submissions/{}",
                    submission.product_id, submission.id
                )),
            )
        }
        Op::GetSubmission(p, s) => {
            let submission = service.submission(seller, &p, &s).await?;
            ok(&render::submission(
                &submission,
                call.query.expands("PublishOption"),
            ))
        }
        Op::CancelSubmission(p, s) => {
            service.cancel_submission(seller, &p, &s).await?;
            no_content()
        }
        Op::Promote(p, s) => {
            let submission = service.promote(seller, &p, &s).await?;
            ok(&render::workflow(&submission, Environment::Live))
        }
        Op::Reports(p, s) => {
            let submission = service.submission(seller, &p, &s).await?;
            let reports = files::reports(call.state, &submission, call.render().now).await;
            list(reports)
        }
        Op::Validations(p, s) => {
            let submission = service.submission(seller, &p, &s).await?;
            list(
                submission
                    .validations
                    .iter()
                    .map(render::validation)
                    .collect(),
            )
        }
        Op::WorkflowDetails(p, s) => {
            let submission = service.submission(seller, &p, &s).await?;
            list(vec![
                render::workflow(&submission, Environment::Preview),
                render::workflow(&submission, Environment::Live),
            ])
        }
    })
}
