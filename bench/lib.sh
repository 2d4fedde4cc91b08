# Helpers shared by the benchmark scripts (sourced, not run). They expect the repository
# root as the current directory and a release build in target/release.

# A free TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_storeroom DATA_DIR LOG [ARGS...]: starts `storeroom serve` on a free port and waits
# until it answers. Sets STOREROOM_PID and STOREROOM_BASE.
start_storeroom() {
    local data=$1 log=$2
    shift 2
    local port
    port=$(free_port)
    STOREROOM_LOG=${STOREROOM_LOG:-warn} target/release/storeroom serve \
        --listen 127.0.0.1:"$port" --data "$data" "$@" 2>"$log" &
    STOREROOM_PID=$!
    STOREROOM_BASE=http://127.0.0.1:$port
    local _
    for _ in $(seq 300); do
        if [ -f "$data/credentials.json" ] && curl -s -o /dev/null "$STOREROOM_BASE/"; then
            return 0
        fi
        if ! kill -0 "$STOREROOM_PID" 2>/dev/null; then
            echo "storeroom did not start; its log ($log):" >&2
            tail -20 "$log" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "storeroom did not answer within 30 s" >&2
    return 1
}

# cred DATA_DIR NAME: a field of DATA_DIR/credentials.json.
cred() {
    python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1/credentials.json" "$2"
}

# json_field NAME < JSON: a top-level field of the JSON on standard input.
json_field() {
    python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"
}

# devcenter_token BASE DATA_DIR: a v1 token for the devcenter API.
devcenter_token() {
    curl -sf -X POST "$1/$(cred "$2" tenantId)/oauth2/token" -d grant_type=client_credentials \
        -d client_id="$(cred "$2" clientId)" --data-urlencode client_secret="$(cred "$2" clientSecret)" \
        -d resource=https://manage.devcenter.microsoft.com | json_field access_token
}

# reserve_app BASE DATA_DIR NAME: reserves an app through the admin API; prints its JSON.
reserve_app() {
    curl -sf -X POST "$1/admin/v1/applications" -H "Authorization: Bearer $(cred "$2" adminToken)" \
        -d "{\"name\":\"$3\",\"type\":\"msix\"}"
}

# Peak resident memory (VmHWM) of a process in KiB, and its reset: writing 5 to clear_refs
# sets the peak back to the current resident size, so each upload's peak is its own.
peak_rss_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
reset_peak_rss() { echo 5 > "/proc/$1/clear_refs" 2>/dev/null || true; }

# now: seconds since the epoch, with nanoseconds.
now() { date +%s.%N; }

# measure_put_blob URL FILE PID: one Put Blob of FILE with curl. Prints
# "SECONDS PEAK_RSS_KIB HTTP_STATUS" (peak of PID during the upload).
measure_put_blob() {
    local url=$1 file=$2 pid=$3 start end status
    reset_peak_rss "$pid"
    start=$(now)
    status=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$url" -H 'x-ms-blob-type: BlockBlob' -T "$file")
    end=$(now)
    echo "$(python3 -c "print($end - $start)") $(peak_rss_kib "$pid") $status"
}

# measure_block_upload URL FILE PID: a block upload of FILE with the Python Azure SDK (.venv):
# 8 MiB blocks, 4 in parallel, then Put Block List. Prints "SECONDS PEAK_RSS_KIB STATUS".
measure_block_upload() {
    local url=$1 file=$2 pid=$3 start end status=201
    reset_peak_rss "$pid"
    start=$(now)
    .venv/bin/python - "$url" "$file" <<'PY' || status=failed
import sys
from azure.storage.blob import BlobClient
client = BlobClient.from_blob_url(sys.argv[1], max_single_put_size=8 * 1024 * 1024, max_block_size=8 * 1024 * 1024)
with open(sys.argv[2], "rb") as f:
    client.upload_blob(f, overwrite=True, max_concurrency=4)
PY
    end=$(now)
    echo "$(python3 -c "print($end - $start)") $(peak_rss_kib "$pid") $status"
}
