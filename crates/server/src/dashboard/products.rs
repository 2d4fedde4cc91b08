//! The products list: a seller's apps (paged by the store's per-seller positions, so a page
//! of a 100k-app catalogue is a seek, not a scan), found by Store ID or by name (a search
//! that pages by seeking after the last place shown); their MSI/EXE
//! products and Azure offers; and the form that reserves an app. The apps' table is a live
//! region: pending submissions' states move as the pipeline does.

use std::collections::{BTreeSet, HashMap};

use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use storeroom_domain::DomainError;
use storeroom_domain::application::Application;
use storeroom_domain::store::SubmissionReads;

use super::layout::{self, csrf_field, shell};
use super::live;
use super::session::{Posted, Signed};
use crate::state::AppState;

/// Apps per page.
const PAGE_SIZE: u64 = 25;
/// MSI/EXE products and offers listed per seller (few per seller: listed, not paged).
const OTHERS_MAX: u32 = 100;

/// What the list shows: whose apps, which page, which Store ID.
#[derive(Debug, Clone)]
struct View {
    seller: String,
    /// 1-based.
    page: u64,
    query: String,
    /// A name search's place to continue after.
    after: i64,
}

/// A page of apps and where its links lead.
struct Found {
    apps: Vec<Application>,
    caption: String,
    previous: Option<String>,
    next: Option<String>,
}

impl View {
    fn of(state: &AppState, query: &HashMap<String, String>) -> Self {
        let text = |name: &str| {
            query
                .get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        Self {
            seller: text("seller").unwrap_or_else(|| state.account.seller.id.clone()),
            page: text("page")
                .and_then(|p| p.parse::<u64>().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1),
            query: text("q").unwrap_or_default(),
            after: text("after")
                .and_then(|a| a.parse::<i64>().ok())
                .filter(|a| *a >= 0)
                .unwrap_or(0),
        }
    }

    fn link(&self, page: u64, after: i64) -> String {
        let mut link = format!(
            "/dashboard/products?seller={}&page={page}",
            enc(&self.seller)
        );
        if !self.query.is_empty() {
            link.push_str(&format!("&q={}&after={after}", enc(&self.query)));
        }
        link
    }

    fn events(&self) -> String {
        self.link(self.page, self.after).replacen(
            "/dashboard/products?",
            "/dashboard/products/events?",
            1,
        )
    }
}

/// Whether a search text is a Store ID (12 letters and digits).
fn is_store_id(text: &str) -> bool {
    text.len() == 12 && text.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A query-string value, percent-encoded.
pub(super) fn enc(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The apps of the view: a page of the seller's list, or of a search.
async fn apps(state: &AppState, view: &View) -> Result<Found, DomainError> {
    if view.query.is_empty() {
        let skip = (view.page - 1).saturating_mul(PAGE_SIZE);
        let (apps, total) = state
            .service
            .applications(Some(&view.seller), skip, PAGE_SIZE)
            .await?;
        let pages = total.div_ceil(PAGE_SIZE).max(1);
        return Ok(Found {
            apps,
            caption: format!("{total} apps · page {} of {pages}", view.page),
            previous: (view.page > 1).then(|| view.link(view.page - 1, 0)),
            next: (view.page < pages).then(|| view.link(view.page + 1, 0)),
        });
    }
    let mut apps = Vec::new();
    // A Store ID is looked up directly, whoever's app it is.
    if view.after == 0 && is_store_id(&view.query) {
        let id = view.query.to_ascii_uppercase();
        apps.extend(state.service.store.application(&id).await?);
    }
    let found = state
        .service
        .search_applications(&view.seller, &view.query, view.after, PAGE_SIZE)
        .await?;
    let next = (found.len() as u64 == PAGE_SIZE)
        .then(|| {
            found
                .last()
                .map(|(place, _)| view.link(view.page + 1, *place))
        })
        .flatten();
    apps.extend(
        found
            .into_iter()
            .map(|(_, app)| app)
            .filter(|app| app.id != view.query.to_ascii_uppercase()),
    );
    Ok(Found {
        caption: format!(
            "Apps matching \u{201c}{}\u{201d} · page {}",
            view.query, view.page
        ),
        apps,
        previous: (view.after > 0).then(|| view.link(1, 0)),
        next,
    })
}

/// The apps' table body with its paging: the live region.
async fn app_rows(state: &AppState, view: &View) -> Result<Markup, DomainError> {
    let Found {
        apps,
        caption,
        previous,
        next,
    } = apps(state, view).await?;
    let mut pending = Vec::with_capacity(apps.len());
    for app in &apps {
        let status = match &app.slots.pending_submission_id {
            Some(id) => state
                .service
                .store
                .submission_header(id)
                .await?
                .map(|header| (id.clone(), header.status.to_string())),
            None => None,
        };
        pending.push(status);
    }
    Ok(html! {
        div.table-wrap {
            table {
                caption.muted { (caption) }
                thead { tr {
                    th scope="col" { "Store ID" }
                    th scope="col" { "Name" }
                    th scope="col" { "Pending submission" }
                    th.optional scope="col" { "Last published" }
                } }
                tbody {
                    @for (app, pending) in apps.iter().zip(&pending) {
                        tr {
                            td { a href=(format!("/dashboard/applications/{}", app.id)) { (app.id) } }
                            td { (app.primary_name) }
                            td {
                                @if let Some((id, status)) = pending {
                                    a href=(format!("/dashboard/applications/{}/submissions/{id}", app.id)) {
                                        span class=(format!("status status-{status}")) { (status) }
                                    }
                                } @else {
                                    span.muted { "none" }
                                }
                            }
                            td.optional {
                                @if let Some(id) = &app.slots.last_published_submission_id {
                                    a href=(format!("/dashboard/applications/{}/submissions/{id}", app.id)) { (id) }
                                } @else { span.muted { "never" } }
                            }
                        }
                    }
                    @if apps.is_empty() {
                        tr { td colspan="4" { "No apps found." } }
                    }
                }
            }
        }
        nav.pager aria-label="Pages" {
            @if let Some(previous) = previous {
                a href=(previous) rel="prev" { @if view.query.is_empty() { "← Previous page" } @else { "← First results" } }
            }
            @if let Some(next) = next {
                a href=(next) rel="next" { "Next page →" }
            }
        }
    })
}

/// The sellers to choose from: those of every Azure AD application, the development
/// account's first.
async fn sellers(state: &AppState) -> Result<Vec<String>, DomainError> {
    let mut ids: BTreeSet<String> = state
        .service
        .store
        .clients()
        .await?
        .into_iter()
        .filter_map(|client| client.seller_id)
        .collect();
    ids.remove(&state.account.seller.id);
    let mut all = vec![state.account.seller.id.clone()];
    all.extend(ids);
    Ok(all)
}

/// The seller's MSI/EXE products and Azure offers.
async fn others(state: &AppState, seller: &str) -> Result<Markup, DomainError> {
    let msi = state.msi.service.store.products(Some(seller)).await?;
    let offers = state
        .ingestion
        .service
        .store
        .offers(Some(seller), 0, OTHERS_MAX)
        .await?;
    Ok(html! {
        h2 { "MSI/EXE products" }
        @if msi.is_empty() { p.muted { "None." } } @else {
            div.table-wrap { table {
                thead { tr { th scope="col" { "Product ID" } th scope="col" { "Name" } th scope="col" { "Submission in progress" } th.optional scope="col" { "Last published" } } }
                tbody { @for product in msi.iter().take(OTHERS_MAX as usize) { tr {
                    td { code { (product.id) } }
                    td { a href=(super::msi::link(&product.id)) { (product.name) } }
                    td { (product.ongoing_submission_id.as_deref().unwrap_or("none")) }
                    td.optional { (product.last_published_submission_id.as_deref().unwrap_or("never")) }
                } } }
            } }
        }
        h2 { "Azure offers" }
        @if offers.is_empty() { p.muted { "None." } } @else {
            div.table-wrap { table {
                thead { tr { th scope="col" { "Product ID" } th scope="col" { "Name" } th scope="col" { "Type" } } }
                tbody { @for offer in &offers { tr {
                    td { code { (offer.id) } }
                    td { a href=(super::offers::link(&offer.id)) { (offer.fields.get("name").and_then(|n| n.as_str()).unwrap_or(offer.id.as_str())) } }
                    td { (offer.resource_type) }
                } } }
            } }
        }
    })
}

pub async fn page(signed: Signed, state: AppState, query: HashMap<String, String>) -> Response {
    let view = View::of(&state, &query);
    let rendered = async {
        Ok::<_, DomainError>((
            app_rows(&state, &view).await?,
            sellers(&state).await?,
            others(&state, &view.seller).await?,
        ))
    };
    let (rows, sellers, others) = match rendered.await {
        Ok(parts) => parts,
        Err(err) => return layout::domain_error(err),
    };
    let body = html! {
        form.inline role="search" method="get" action="/dashboard/products" {
            label for="seller" { "Seller" }
            select #seller name="seller" {
                @for seller in &sellers {
                    option value=(seller) selected[*seller == view.seller] { (seller) }
                }
            }
            label for="q" { "Name or Store ID" }
            input #q type="search" name="q" value=(view.query) placeholder="Contoso or 9NBLGGH4R315";
            button type="submit" { "Show" }
        }
        section #apps aria-live="polite" data-live=(view.events()) { (rows) }
        section.card {
            h2 { "Reserve an app" }
            form.inline method="post" action="/dashboard/applications" {
                (csrf_field(&signed))
                input type="hidden" name="seller" value=(view.seller);
                label for="reserve-name" { "Name" }
                input #reserve-name type="text" name="name" required maxlength="256";
                button type="submit" { "Reserve" }
            }
            p.hint { "An MSIX app of the seller above, with one published submission for the API to clone." }
        }
        (others)
    };
    shell(&signed, super::HOME, "Products", body)
}

/// `GET /dashboard/products/events?…`: the apps' table, as it changes.
pub async fn events(_: Signed, state: AppState, query: HashMap<String, String>) -> Response {
    let view = View::of(&state, &query);
    live::region(move || {
        let (state, view) = (state.clone(), view.clone());
        async move { app_rows(&state, &view).await }
    })
    .into_response()
}

#[derive(Deserialize)]
pub struct Reserve {
    name: String,
    #[serde(default)]
    seller: Option<String>,
}

/// `POST /dashboard/applications` `name`: the admin API's reservation.
pub async fn reserve(state: AppState, posted: Posted<Reserve>) -> Response {
    let Reserve { name, seller } = posted.form;
    let seller = seller
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| state.account.seller.id.clone());
    super::done_or(
        state
            .service
            .reserve_application(&seller, &name, true)
            .await,
        |app| format!("/dashboard/applications/{}", app.id),
    )
}
