"""The app-submission flow over HTTPS under the production host names, as unchanged Python
automation runs it (requests for the API, azure-storage-blob for the upload), against a
storeroom serving `--tls-listen`.

Only two things differ from a run against Microsoft: name resolution (the production names
resolve to storeroom's address, as a hosts-file line would make them) and CA trust
(REQUESTS_CA_BUNDLE names storeroom's ca.pem). Every URL below is the production one.

Usage: https_flow.py <ip> <port> <credentials.json> <app-id> <zip> <package-file-name>
Prints the final submission status JSON; exits non-zero unless it is Published.
"""

import json
import socket
import sys
import time

import requests
from azure.storage.blob import BlobClient

ip, port, credentials_path, app_id, zip_path, package = sys.argv[1:7]
port = int(port)

_real_getaddrinfo = socket.getaddrinfo
PRODUCTION_HOSTS = {
    "login.microsoftonline.com",
    "manage.devcenter.microsoft.com",
}


def _resolve(host, *args, **kwargs):
    """The hosts-file line: production names resolve to storeroom."""
    name = host.decode() if isinstance(host, bytes) else host
    if name in PRODUCTION_HOSTS or (name or "").endswith(".blob.core.windows.net"):
        host = ip
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _resolve

suffix = "" if port == 443 else f":{port}"
credentials = json.load(open(credentials_path))
login = f"https://login.microsoftonline.com{suffix}"
devcenter = f"https://manage.devcenter.microsoft.com{suffix}/v1.0/my"

token = requests.post(
    f"{login}/{credentials['tenantId']}/oauth2/token",
    data={
        "grant_type": "client_credentials",
        "client_id": credentials["clientId"],
        "client_secret": credentials["clientSecret"],
        "resource": "https://manage.devcenter.microsoft.com",
    },
).json()["access_token"]
headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

created = requests.post(f"{devcenter}/applications/{app_id}/submissions", headers=headers)
created.raise_for_status()
submission = created.json()
for entry in submission["applicationPackages"]:
    entry["fileStatus"] = "PendingDelete"
submission["applicationPackages"].append(
    {
        "fileName": package,
        "fileStatus": "PendingUpload",
        "minimumDirectXVersion": "None",
        "minimumSystemRam": "None",
    }
)
url = f"{devcenter}/applications/{app_id}/submissions/{submission['id']}"
requests.put(url, headers=headers, data=json.dumps(submission)).raise_for_status()

upload_url = submission["fileUploadUrl"]
assert upload_url.startswith("https://productingestionbin1.blob.core.windows.net"), upload_url
with open(zip_path, "rb") as data:
    BlobClient.from_blob_url(upload_url).upload_blob(data, overwrite=True)

requests.post(f"{url}/commit", headers=headers).raise_for_status()
deadline = time.time() + 60
while True:
    status = requests.get(f"{url}/status", headers=headers).json()
    if status["status"] not in ("CommitStarted", "PreProcessing", "Certification", "Release", "Publishing"):
        break
    if time.time() > deadline:
        break
    time.sleep(0.1)
print(json.dumps(status))
sys.exit(0 if status["status"] == "Published" else 1)
