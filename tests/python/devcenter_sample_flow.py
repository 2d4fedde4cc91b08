"""Replays the app-submission flow of Microsoft's Python sample for the Store submission API
against storeroom, with the sample's transport habits, and fails on anything the sample would
trip over.

Usage: devcenter_sample_flow.py <base-url> <tenant> <client-id> <client-secret> <app-id> <zip>

What is reproduced (notes/devcenter-api.md §5.1):
  * the token form is built by hand, the secret not URL-encoded;
  * one keep-alive http.client connection for every devcenter call (the sample's
    HTTPSConnection to manage.devcenter.microsoft.com becomes an HTTPConnection here);
  * "Content-type: application/json" and "User-Agent: Python" on every call, GET and DELETE
    with an empty body;
  * MS-CorrelationId read from every response;
  * "pendingApplicationSubmission" tested with `in` (a null value would crash it);
  * the upload is requests.put(url.replace("+", "%2B"), file, x-ms-blob-type only);
  * the status is polled while it is CommitStarted.
"""

import http.client
import json
import sys
import time
import urllib.parse

import requests


def check(condition, message):
    if not condition:
        raise SystemExit(message)


def call(connection, method, path, body, headers):
    connection.request(method, path, body, headers)
    response = connection.getresponse()
    correlation = response.headers["MS-CorrelationId"]  # KeyError if absent, as in the sample
    check(correlation, f"{method} {path}: empty MS-CorrelationId")
    payload = response.read()
    return response.status, payload


def main():
    base, tenant, client_id, secret, app_id, zip_path = sys.argv[1:7]
    host = urllib.parse.urlsplit(base).netloc

    token_connection = http.client.HTTPConnection(host)
    form = "grant_type=client_credentials&client_id={0}&client_secret={1}&resource={2}".format(
        client_id, secret, "https://manage.devcenter.microsoft.com")
    token_connection.request("POST", f"/{tenant}/oauth2/token", form,
                             {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    token_response = token_connection.getresponse()
    check(token_response.status == 200, f"token: HTTP {token_response.status}")
    access_token = json.loads(token_response.read().decode())["access_token"]
    token_connection.close()

    headers = {"Authorization": "Bearer " + access_token,
               "Content-type": "application/json",
               "User-Agent": "Python"}
    connection = http.client.HTTPConnection(host)
    app_path = f"/v1.0/my/applications/{app_id}"

    status, body = call(connection, "GET", app_path, "", headers)
    check(status == 200, f"get app: HTTP {status}")
    app = json.loads(body.decode())
    if "pendingApplicationSubmission" in app:
        pending = app["pendingApplicationSubmission"]["id"]
        status, _ = call(connection, "DELETE", f"{app_path}/submissions/{pending}", "", headers)
        check(status == 204, f"delete pending: HTTP {status}")

    status, body = call(connection, "POST", f"{app_path}/submissions", "", headers)
    check(status == 201, f"create: HTTP {status}")
    created = json.loads(body.decode())
    submission_id, upload_url = created["id"], created["fileUploadUrl"]

    # The user's JSON: the created submission with one package replaced.
    update = dict(created)
    packages = [dict(p, fileStatus="PendingDelete") for p in created["applicationPackages"]]
    packages.append({"fileName": "Sample_2.0.0.0_x64.msix", "fileStatus": "PendingUpload",
                     "minimumDirectXVersion": "None", "minimumSystemRam": "None"})
    update["applicationPackages"] = packages
    status, _ = call(connection, "PUT", f"{app_path}/submissions/{submission_id}",
                     json.dumps(update), headers)
    check(status == 200, f"update: HTTP {status}")

    with open(zip_path, "rb") as f:
        upload = requests.put(upload_url.replace("+", "%2B"), f, headers={"x-ms-blob-type": "BlockBlob"})
    check(upload.status_code == 201, f"upload: HTTP {upload.status_code} {upload.text}")

    status, body = call(connection, "POST", f"{app_path}/submissions/{submission_id}/commit", "", headers)
    check(status == 202, f"commit: HTTP {status}")
    check(json.loads(body.decode()) == {"status": "CommitStarted"}, f"commit body: {body!r}")

    status_path = f"{app_path}/submissions/{submission_id}/status"
    _, body = call(connection, "GET", status_path, "", headers)
    result = json.loads(body.decode())
    polls = 0
    while result["status"] == "CommitStarted" and polls < 100:
        time.sleep(0.05)  # the sample sleeps 60 s here
        polls += 1
        _, body = call(connection, "GET", status_path, "", headers)
        result = json.loads(body.decode())
    # The sample stops at the first status past CommitStarted; follow on to the end state.
    while result["status"] in ("PreProcessing", "Certification", "Release", "Publishing") and polls < 200:
        time.sleep(0.05)
        polls += 1
        _, body = call(connection, "GET", status_path, "", headers)
        result = json.loads(body.decode())
    check(result["status"] == "Published", f"final status: {result}")
    connection.close()
    print(f"submission {submission_id} published")


if __name__ == "__main__":
    main()
