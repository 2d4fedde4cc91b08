"""Publish an Azure Application offer through storeroom's Partner Center ingestion API, the
way publishing clients do (partner-ingestion.md section 6): token, offer, properties,
listing and logo, preview audience, reseller, a managed-application plan with its listing
and markets, the technical package, its configuration, submit to preview, wait, promote,
wait until live.

    python docs/ingestion_session.py http://127.0.0.1:8080 storeroom-data/credentials.json

Needs `requests` only. Against the real service, change BASE and the token URL; nothing else.
The test suite runs this file against a fresh server (crates/cli/tests/api/python_sdk.rs).
"""

import io
import json
import struct
import sys
import time
import zipfile
import zlib

import requests

base, credentials_path = sys.argv[1].rstrip("/"), sys.argv[2]
offer_id = sys.argv[3] if len(sys.argv) > 3 else "contoso-analytics"
credentials = json.load(open(credentials_path))
API = f"{base}/v1.0/ingestion"

# 1. Token (v1, resource=https://api.partner.microsoft.com).
token = requests.post(
    f"{base}/{credentials['tenantId']}/oauth2/token",
    data={
        "grant_type": "client_credentials",
        "client_id": credentials["clientId"],
        "client_secret": credentials["clientSecret"],
        "resource": "https://api.partner.microsoft.com",
    },
).json()["access_token"]
session = requests.Session()
session.headers.update({"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


def call(method, path, body=None, etag=None, ok=(200, 201, 204)):
    headers = {"If-Match": etag} if etag else {}
    response = session.request(method, f"{API}/{path}", json=body, headers=headers)
    if response.status_code not in ok:
        raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
    return response.json() if response.content else None


def draft(product, module, variant=None):
    """The current draft instance of a module's branch (offer level, or a plan's)."""
    branches = call("GET", f"products/{product}/branches/getByModule(module={module})")["value"]
    return next(b for b in branches if b.get("variantID") == variant)["currentDraftInstanceID"]


def only(product, collection, instance):
    return call("GET", f"products/{product}/{collection}/getByInstanceID(instanceID={instance})")["value"][0]


def png(width, height):
    """A plain white PNG of the given size."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xff" * (3 * width) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def upload(sas_url, data, content_type):
    response = requests.put(sas_url, data=data, headers={"x-ms-blob-type": "BlockBlob", "Content-Type": content_type})
    assert response.status_code == 201, response.text


# 2-3. Find or create the offer.
found = call("GET", "products?$filter=ExternalIDs/Any(i:i/Type eq 'AzureOfferId' and i/Value eq '" + offer_id + "')")["value"]
product = found[0]["id"] if found else call("POST", "products", {
    "resourceType": "AzureApplication", "name": "Contoso Analytics",
    "externalIDs": [{"type": "AzureOfferId", "value": offer_id}], "isModularPublishing": True,
})["id"]
call("POST", f"products/{product}/setup", {"resourceType": "AzureProductSetup", "sellingOption": "ListingOnly", "enableTestDrive": False})

# 4. Properties.
prop = only(product, "properties", draft(product, "Property"))
call("PUT", f"products/{product}/properties/{prop['id']}", {
    "resourceType": "AzureProperty", "industries": [], "appVersion": "1.0.0",
    "leveledCategories": {"analytics-azure-apps": ["data-analytics"]},
    "useEnterpriseContract": False, "termsOfUse": "Contoso terms", "submissionVersion": "1",
}, etag=prop["@odata.etag"])

# 5-6. Offer listing and its large logo.
listing = only(product, "listings", draft(product, "Listing"))
call("PUT", f"products/{product}/listings/{listing['id']}", {
    "resourceType": "AzureListing", "title": "Contoso Analytics", "summary": "Analytics for everyone",
    "shortDescription": "Analytics", "description": "<p>Deploys Contoso Analytics.</p>",
    "publisherName": "Contoso", "keywords": ["analytics"], "languageCode": "en-us",
    "listingUris": [{"type": "PrivacyUri", "uri": "https://contoso.example/privacy"}],
    "listingContacts": [{"type": "CustomerSupport", "email": "support@contoso.example"},
                        {"type": "Engineering", "email": "eng@contoso.example"}],
}, etag=listing["@odata.etag"])
for image in call("GET", f"products/{product}/listings/{listing['id']}/images")["value"]:
    if image["fileName"] == "large.png":
        call("DELETE", f"products/{product}/listings/{listing['id']}/images/{image['id']}")
image = call("POST", f"products/{product}/listings/{listing['id']}/images", {
    "resourceType": "ListingImage", "fileName": "large.png", "type": "AzureLogoLarge", "state": "PendingUpload", "order": 0,
})
upload(image["fileSasUri"], png(216, 216), "image/png")
image["state"] = "Uploaded"
call("PUT", f"products/{product}/listings/{listing['id']}/images/{image['id']}", image, etag=image["@odata.etag"])

# 7-8. Preview audience and reseller.
availability = only(product, "productAvailabilities", draft(product, "Availability"))
call("PUT", f"products/{product}/productavailabilities/{availability['id']}", {
    "resourceType": "ProductAvailability", "visibility": "Public",
    "audiences": [{"type": "PreviewMarketplaceGroup", "values": [{"type": "Subscription", "id": "2fa2ba62-2f39-4e7e-a5b4-4a6c2e5a8c6b"}]}],
}, etag=availability["@odata.etag"])
call("POST", f"products/{product}/resellerConfiguration", {"resourceType": "ResellerConfiguration", "ResellerChannelState": "Enabled", "TenantIds": []})

# 9-11. A managed-application plan, its listing, markets and price.
plan = call("POST", f"products/{product}/variants", {
    "resourceType": "AzureSkuVariant", "state": "Active", "friendlyName": "Standard", "externalID": "standard",
    "cloudAvailabilities": ["public-azure"], "subType": "managed-application",
})["id"]
plan_listing = only(product, "listings", draft(product, "Listing", plan))
call("PUT", f"products/{product}/listings/{plan_listing['id']}", {
    "resourceType": "AzureListing", "title": "Standard", "summary": "Standard plan", "description": "Standard plan",
}, etag=plan_listing["@odata.etag"])
expand = "$expand=MarketStates,Trial,PriceSchedules"
features = call("GET", f"products/{product}/featureAvailabilities/getByInstanceID(instanceID={draft(product, 'Availability', plan)})?{expand}")["value"][0]
for market in features["marketStates"]:
    if market["marketCode"] in ("US", "CA"):
        market["state"] = "Enabled"
features["priceSchedules"] = [{"isBaseSchedule": False, "marketCodes": ["US"], "schedules": [
    {"pricingModel": "Recurring", "retailPrice": {"openPrice": 0, "currencyCode": "USD"}, "priceCadence": {"type": "Month", "value": 1}}]}]
call("PUT", f"products/{product}/featureavailabilities/{features['id']}?{expand}", features, etag=features["@odata.etag"])

# 12. The technical package: processed inside its PUT.
package = call("POST", f"products/{product}/packages", {"resourceType": "AzureApplicationPackage", "fileName": "app.zip"})
archive = io.BytesIO()
with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("mainTemplate.json", json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0", "resources": []}))
    z.writestr("createUiDefinition.json", json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/0.1.2-preview/CreateUIDefinition.MultiVm.json#",
        "handler": "Microsoft.Azure.CreateUIDef", "version": "0.1.2-preview", "parameters": {"basics": [], "steps": [], "outputs": {}}}))
upload(package["fileSasUri"], archive.getvalue(), "application/zip")
package["state"] = "Uploaded"
package = call("PUT", f"products/{product}/packages/{package['id']}", package)
assert package["state"] == "Processed", package

# 13. Its technical configuration.
configuration = only(product, "packageConfigurations", draft(product, "Package", plan))
call("PUT", f"products/{product}/packageconfigurations/{configuration['id']}", {
    "resourceType": "AzureManagedApplicationPackageConfiguration", "version": "1.0.0", "allowJitAccess": False,
    "canEnableCustomerActions": "true", "allowedCustomerActions": [], "deploymentMode": "Incremental",
    "publicAzureTenantID": "72f988bf-86f1-41af-91ab-2d7cd011db47",
    "publicAzureAuthorizations": [{"principalID": "9d8f5f3e-1c7b-4b0a-9e0d-6f2b8f4e3a21", "roleDefinitionID": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"}],
    "azureGovernmentTenantID": "string", "azureGovernmentAuthorizations": [], "policies": [],
    "packageReferences": [{"type": "AzureApplicationPackage", "value": package["id"]}],
}, etag=configuration["@odata.etag"])

# 14. Submit the current drafts to preview.
resources = [{"type": m, "value": draft(product, m)} for m in ("Availability", "Property", "Package", "Listing")]
resources.append({"type": "ResellerConfiguration", "value": f"{product}-ResellerInstance"})
submission = call("POST", f"products/{product}/submissions", {
    "resourceType": "SubmissionCreationRequest", "targets": [{"type": "Scope", "value": "preview"}],
    "resources": resources,
    "variantResources": [{"variantID": plan, "resources": [{"type": m, "value": draft(product, m, plan)} for m in ("Availability", "Package", "Listing")]}],
    "publishOption": {"isManualPublish": True, "isAutoPromote": False, "certificationNotes": "Deploys nothing"},
    "extendedProperties": [],
})


def wait(substate, seconds=60):
    """15/16. Poll (real clients wait ~30 s between polls; storeroom's default pipeline is immediate)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        current = call("GET", f"products/{product}/submissions/{submission['id']}")
        if current["substate"] == substate:
            return current
        if current["substate"] in ("Failed", "FailedInCertification"):
            raise SystemExit(json.dumps(call("GET", f"products/{product}/submissions/{submission['id']}/validations"), indent=2))
        time.sleep(0.2)
    raise SystemExit(f"still {current['substate']}, waiting for {substate}")


wait("ReadyToPublish")
call("POST", f"products/{product}/submissions/{submission['id']}/promote")
live = wait("InStore")
print(json.dumps({"product": product, "submission": live["id"], "state": live["state"], "substate": live["substate"]}))
