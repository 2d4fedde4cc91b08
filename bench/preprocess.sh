#!/usr/bin/env bash
# PreProcessing of a large submission: builds a ~1 GiB submission ZIP of four real packages
# (deflated inside the ZIP, so every byte is inflated and read) and three screenshots,
# uploads it, commits, and measures how long the pipeline takes to read it and the server's
# peak resident memory, beside `sha256sum` of the same file in the same run.
#
#   bash bench/preprocess.sh [SIZE_MIB]     (default 1024)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
size_mib=${1:-1024}
cargo build --release --quiet -p storeroom
cargo build --release --quiet -p storeroom-testkit --example make_submission
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
STOREROOM_LOG=warn target/release/storeroom serve --listen 127.0.0.1:$port --data "$work/data" 2>"$work/server.log" &
server=$!
base=http://127.0.0.1:$port
for _ in $(seq 100); do [ -f "$work/data/credentials.json" ] && curl -s -o /dev/null $base/ && break; sleep 0.1; done
cred() { python3 -c "import json; print(json.load(open('$work/data/credentials.json'))['$1'])"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

app_json=$(curl -s -X POST $base/admin/v1/applications -H "Authorization: Bearer $(cred adminToken)" -d '{"name":"Bench","type":"msix"}')
app=$(echo "$app_json" | field "['id']")
identity=$(echo "$app_json" | field "['packageIdentityName']")
publisher=$(echo "$app_json" | field "['publisherName']")
token=$(curl -s -X POST $base/$(cred tenantId)/oauth2/token -d grant_type=client_credentials \
          -d client_id=$(cred clientId) -d client_secret=$(cred clientSecret) \
          -d resource=https://manage.devcenter.microsoft.com | field "['access_token']")
auth="Authorization: Bearer $token"

echo "generating a ${size_mib} MiB submission ZIP..." >&2
target/release/examples/make_submission "$work/submission.zip" "$size_mib" "$identity" "$publisher" > "$work/files.txt"
zip_bytes=$(stat -c %s "$work/submission.zip")

created=$(curl -s -X POST $base/v1.0/my/applications/$app/submissions -H "$auth" -H 'Content-Type: application/json')
sub=$(echo "$created" | field "['id']")
url=$(echo "$created" | field "['fileUploadUrl']")
python3 - "$work/files.txt" <<'PY' > "$work/update.json"
import json, sys
packages, images = [], []
for line in open(sys.argv[1]):
    kind, name, *rest = line.split()
    if kind == "package":
        packages.append({"fileName": name, "fileStatus": "PendingUpload", "minimumDirectXVersion": "None", "minimumSystemRam": "None"})
    else:
        images.append({"fileName": name, "fileStatus": "PendingUpload", "imageType": rest[0]})
print(json.dumps({"packages": packages, "images": images}))
PY
body=$(echo "$created" | python3 -c "
import json, sys
sub = json.load(sys.stdin); extra = json.load(open('$work/update.json'))
for p in sub['applicationPackages']: p['fileStatus'] = 'Uploaded'
sub['applicationPackages'] += extra['packages']
sub['listings']['en-us']['baseListing']['images'] = extra['images']
print(json.dumps(sub))")
curl -s -o /dev/null -X PUT $base/v1.0/my/applications/$app/submissions/$sub -H "$auth" -H 'Content-Type: application/json' -d "$body"
curl -s -o /dev/null -X PUT "$url" -H 'x-ms-blob-type: BlockBlob' -T "$work/submission.zip"

# Reset the peak so it measures the pipeline, not the upload.
echo 5 > /proc/$server/clear_refs 2>/dev/null || true
sha_start=$(date +%s.%N); sha256sum "$work/submission.zip" > /dev/null; sha_end=$(date +%s.%N)

start=$(date +%s.%N)
curl -s -o /dev/null -X POST $base/v1.0/my/applications/$app/submissions/$sub/commit -H "$auth" -H 'Content-Type: application/json'
status=CommitStarted
while [ "$status" = CommitStarted ] || [ "$status" = PreProcessing ]; do
    sleep 0.02
    status=$(curl -s $base/v1.0/my/applications/$app/submissions/$sub/status -H "$auth" | field "['status']")
done
end=$(date +%s.%N)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
while [ "$status" != Published ] && [ "$status" != PreProcessingFailed ] && [ "$status" != CommitFailed ]; do
    sleep 0.05; status=$(curl -s $base/v1.0/my/applications/$app/submissions/$sub/status -H "$auth" | field "['status']")
done

python3 - <<PY
inspect = $end - $start
sha = $sha_end - $sha_start
mib = $zip_bytes / 1048576
print(f"| step | time | MiB/s | server peak RSS |")
print(f"|---|---|---|---|")
print(f"| commit to Certification (upload check + PreProcessing of {mib:.0f} MiB) | {inspect:.2f} s | {mib/inspect:.0f} | {$hwm/1024:.0f} MiB |")
print(f"| sha256sum of the same file | {sha:.2f} s | {mib/sha:.0f} | |")
print(f"ratio: {inspect/sha:.2f}x sha256sum; final status: $status")
PY
