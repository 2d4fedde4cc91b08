#!/usr/bin/env bash
# Measures the server's peak resident memory while a 1 GiB file is uploaded to a submission's
# fileUploadUrl, as one Put Blob (curl) and, when the test virtualenv exists, as a block upload
# (Python azure-storage-blob: Put Block x N + Put Block List). Prints MB/s and VmHWM.
# `bench/run` measures the same uploads (with bench/lib.sh) beside dd and Azurite.
#
#   bash bench/upload-memory.sh [SIZE_MIB]     (default 1024)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
size_mib=${1:-1024}
cargo build --release -p storeroom --bin storeroom --quiet
work=$(mktemp -d)
trap 'kill $STOREROOM_PID 2>/dev/null || true; rm -rf "$work"' EXIT

start_storeroom "$work/data" "$work/server.log"
base=$STOREROOM_BASE
server=$STOREROOM_PID
app=$(reserve_app $base "$work/data" Bench | json_field id)
token=$(devcenter_token $base "$work/data")

new_upload_url() {
    local sub
    sub=$(curl -s -X POST $base/v1.0/my/applications/$app/submissions -H "Authorization: Bearer $token" -H 'Content-Type: application/json')
    echo "$sub" | json_field fileUploadUrl
    local id; id=$(echo "$sub" | json_field id)
    curl -s -o /dev/null -X DELETE $base/v1.0/my/applications/$app/submissions/$id -H "Authorization: Bearer $token"
}

head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/payload.bin"
rss_before=$(awk '/VmRSS/ {print $2}' /proc/$server/status)

read -r seconds hwm status < <(measure_put_blob "$(new_upload_url)" "$work/payload.bin" $server)
echo "put-blob   ${size_mib} MiB  status=$status  $(python3 -c "print(f'{$size_mib/$seconds:.0f}')") MiB/s  server VmHWM=$((hwm / 1024)) MiB (RSS before: $((rss_before / 1024)) MiB)"

if [ -x .venv/bin/python ]; then
    read -r seconds hwm status < <(measure_block_upload "$(new_upload_url)" "$work/payload.bin" $server)
    echo "blocks     ${size_mib} MiB  8 MiB blocks x4  $(python3 -c "print(f'{$size_mib/$seconds:.0f}')") MiB/s  server VmHWM=$((hwm / 1024)) MiB"
fi
