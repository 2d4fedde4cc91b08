//! Helpers for the Partner Center ingestion API tests: a client with a partner token, the
//! service's error strings read back, and an Azure Application package.

use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

use super::TestServer;
use super::http::zip_of;

pub const PARTNER: &str = "https://api.partner.microsoft.com";

/// A caller of the ingestion API of the server at `base` with `token`.
pub struct PartnerClient {
    pub http: Client,
    pub base: String,
    pub token: String,
}

impl TestServer {
    /// A client with a v1 token for the partner resource, as seed 003 gets one.
    pub async fn partner_client(&self) -> PartnerClient {
        PartnerClient::new(&self.base, self.token_for(PARTNER).await)
    }
}

/// A service error body (§1.6): the JSON string `ICH<fault> - Unable to complete request. {…}`,
/// split as clients split it, into the fault code and the embedded object.
pub fn ich(body: &Value) -> (u64, Value) {
    let text = body
        .as_str()
        .unwrap_or_else(|| panic!("not an ICH error string: {body}"));
    let (head, rest) = text
        .split_once(". ")
        .unwrap_or_else(|| panic!("no '. ' in {text}"));
    assert!(head.starts_with("ICH5"), "{text}");
    assert!(!rest.contains(". "), "a second '. ' breaks clients: {text}");
    let inner: Value = serde_json::from_str(rest).unwrap_or_else(|_| panic!("bad JSON in {text}"));
    (inner["faultCode"].as_u64().unwrap(), inner)
}

impl PartnerClient {
    pub fn new(base: &str, token: String) -> Self {
        Self {
            http: Client::new(),
            base: base.trim_end_matches('/').to_string(),
            token,
        }
    }

    /// A request to `/v1.0/ingestion/{path}` with the bearer token.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let url = format!(
            "{}/v1.0/ingestion/{}",
            self.base,
            path.trim_start_matches('/')
        );
        self.http.request(method, url).bearer_auth(&self.token)
    }

    /// Polls a submission until its substate is `wanted`; its last state.
    pub async fn wait_substate(&self, product: &str, submission: &str, wanted: &str) -> Value {
        let path = format!("products/{product}/submissions/{submission}");
        crate::eventually::eventually(
            &format!("submission {submission} reaches {wanted}"),
            || async {
                let body = self.get(&path).await;
                if body["substate"] == wanted {
                    Ok(body)
                } else {
                    Err(body)
                }
            },
        )
        .await
    }

    /// Sends a request (with `body` as JSON unless it is null); the status and JSON body
    /// (`null` when empty).
    pub async fn call(&self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        let mut request = self.request(method, path);
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text:?}"))
        };
        (status, value)
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(Method::GET, path, Value::Null).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// A call that must answer `status`; its body.
    pub async fn expect(
        &self,
        method: Method,
        path: &str,
        body: Value,
        status: StatusCode,
    ) -> Value {
        let (got, answer) = self.call(method.clone(), path, body).await;
        assert_eq!(got, status, "{method} {path}: {answer}");
        answer
    }

    /// Creates an Azure Application offer; its product id.
    pub async fn create_offer(&self, offer_id: &str) -> String {
        let body = self
            .expect(
                Method::POST,
                "products",
                json!({"resourceType": "AzureApplication", "name": offer_id, "externalIDs": [{"type": "AzureOfferId", "value": offer_id}], "isModularPublishing": true}),
                StatusCode::CREATED,
            )
            .await;
        body["id"].as_str().unwrap().to_string()
    }

    /// The current draft instance of a module's branch (offer level, or a plan's).
    pub async fn draft(&self, product: &str, module: &str, variant: Option<&str>) -> String {
        let branches = self
            .get(&format!(
                "products/{product}/branches/getByModule(module={module})"
            ))
            .await;
        branches["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["variantID"].as_str() == variant)
            .unwrap_or_else(|| panic!("no {module} branch for {variant:?}: {branches}"))["currentDraftInstanceID"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The single resource of a `getByInstanceID` collection.
    pub async fn only(&self, product: &str, collection: &str, instance: &str) -> Value {
        let page = self
            .get(&format!(
                "products/{product}/{collection}/getByInstanceID(instanceID={instance})"
            ))
            .await;
        page["value"][0].clone()
    }
}

/// A valid Azure Application package: `mainTemplate.json` and `createUiDefinition.json`.
pub fn azure_app_package() -> Vec<u8> {
    zip_of(&[
        ("mainTemplate.json", main_template()),
        ("createUiDefinition.json", ui_definition()),
    ])
}

pub fn main_template() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {},
        "resources": []
    }))
    .unwrap()
}

pub fn ui_definition() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "$schema": "https://schema.management.azure.com/schemas/0.1.2-preview/CreateUIDefinition.MultiVm.json#",
        "handler": "Microsoft.Azure.CreateUIDef",
        "version": "0.1.2-preview",
        "parameters": {"basics": [], "steps": [], "outputs": {}}
    }))
    .unwrap()
}
