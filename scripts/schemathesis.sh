#!/usr/bin/env bash
# Fuzzes storeroom against its own OpenAPI document with Schemathesis (docs/openapi.md):
# starts `storeroom serve` (the release binary if built, else the debug one) on a temporary
# data directory, waits for /readyz, then runs Schemathesis over every operation of
# GET /openapi.json, one run per surface with that surface's credentials (a token for the
# devcenter, MSI/EXE and ingestion APIs, each for its own resource; the admin token for
# the admin API; none for the token endpoint, the store front and the blob endpoint, whose
# SAS no fuzzer can sign). It fails on a 5xx, a status, content type, header or body the
# document does not describe, or a crash; a fixed seed and a fixed number of cases per
# operation keep it deterministic and bounded (a few minutes on the 2-core machine).
#
#   scripts/schemathesis.sh                 every surface
#   SCHEMATHESIS_TAGS="devcenter admin" scripts/schemathesis.sh
#   SCHEMATHESIS_MAX_EXAMPLES=25 SCHEMATHESIS_SEED=7 scripts/schemathesis.sh
#
# Schemathesis is pinned in tests/schemathesis/requirements.txt and installed into
# .venv-schemathesis by scripts/setup-test-env.sh (run here when missing); the debug binary
# is built when no binary is there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The admin surface runs last: its cases add fault rules (which make other surfaces' calls
# fail on purpose), reset the catalogue and restore snapshots.
tags=${SCHEMATHESIS_TAGS:-token devcenter msi ingestion blob store admin}
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-10}
seed=${SCHEMATHESIS_SEED:-20261203}
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance

venv=.venv-schemathesis
if ! [[ -x $venv/bin/schemathesis ]] \
    || ! cmp -s tests/schemathesis/requirements.txt "$venv/.storeroom-requirements"; then
    bash scripts/setup-test-env.sh
fi
"$venv/bin/schemathesis" --version

binary=target/release/storeroom
if ! [[ -x $binary ]]; then
    binary=target/debug/storeroom
    [[ -x $binary ]] || cargo build --locked -p storeroom
fi

work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
# Jobs run in the background as in production: fuzzed commits start real pipelines.
"$binary" serve --listen "127.0.0.1:$port" --data "$work/data" > "$work/server.log" 2>&1 &
server=$!
cleanup() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 300); do
    if curl -sf -o /dev/null "$base/readyz"; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then cat "$work/server.log" >&2; exit 1; fi
    sleep 0.1
done
curl -sf -o /dev/null "$base/readyz"

credential() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$work/data/credentials.json" "$1"; }
token() {
    curl -sf -X POST "$base/$(credential tenantId)/oauth2/token" -d grant_type=client_credentials \
        --data-urlencode "client_id=$(credential clientId)" \
        --data-urlencode "client_secret=$(credential clientSecret)" \
        --data-urlencode "resource=$1" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
# Something to find: a reserved app (with its published submission), an MSI/EXE product and
# an Azure Marketplace offer, whose ids every operation naming an app, a product or an offer
# is called with, so that the cases reach the handlers' logic rather than stopping at 404.
admin_token=$(credential adminToken)
field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
app_id=$(curl -sf -X POST "$base/admin/v1/applications" -H "Authorization: Bearer $admin_token" \
    -H 'Content-Type: application/json' -d '{"name":"Schemathesis App","type":"msix"}' | field id)
product_id=$(curl -sf -X POST "$base/admin/v1/applications" -H "Authorization: Bearer $admin_token" \
    -H 'Content-Type: application/json' -d '{"name":"Schemathesis Installer","type":"win32"}' \
    | field productId)
partner_token=$(token https://api.partner.microsoft.com)
offer_id=$(curl -sf -X POST "$base/v1.0/ingestion/products" -H "Authorization: Bearer $partner_token" \
    -H 'Content-Type: application/json' \
    -d '{"resourceType":"AzureApplication","name":"Schemathesis Offer","externalIDs":[{"type":"AzureOfferId","value":"schemathesis-offer"}]}' \
    | field id)
# A pending submission of the app: its PUT, commit, status and rollout cases reach the
# domain's rules (and the admin decisions theirs).
submission_id=$(curl -sf -X POST "$base/v1.0/my/applications/$app_id/submissions" \
    -H "Authorization: Bearer $(token https://manage.devcenter.microsoft.com)" \
    -H 'Content-Type: application/json' | field id)
cat > "$work/schemathesis.toml" <<TOML
[parameters]
"path.app_id" = "$app_id"
"path.product_id" = "$product_id"
"path.productId" = "$offer_id"
"path.submission_id" = "$submission_id"
TOML

failed=0
for tag in $tags; do
    auth=()
    case $tag in
        devcenter) auth=(-H "Authorization: Bearer $(token https://manage.devcenter.microsoft.com)") ;;
        msi) auth=(-H "Authorization: Bearer $(token https://api.store.microsoft.com)") ;;
        ingestion) auth=(-H "Authorization: Bearer $(token https://api.partner.microsoft.com)") ;;
        admin) auth=(-H "Authorization: Bearer $admin_token") ;;
    esac
    echo "schemathesis: surface $tag" >&2
    if ! "$venv/bin/schemathesis" --no-color --config-file "$work/schemathesis.toml" \
        run "$base/openapi.json" \
        --include-tag "$tag" \
        --checks "$checks" \
        --max-examples "$max_examples" \
        --seed "$seed" \
        --generation-database none \
        --workers 1 \
        --phases examples,coverage,fuzzing \
        --request-timeout 30 \
        --suppress-health-check all \
        --report junit --report-dir "$work/report-$tag" \
        "${auth[@]}"; then
        failed=1
    fi
    if ! kill -0 "$server" 2>/dev/null; then
        echo "schemathesis: the server died" >&2
        tail -50 "$work/server.log" >&2
        exit 1
    fi
done
if grep -q 'panicked' "$work/server.log"; then
    echo "schemathesis: the server panicked" >&2
    grep -A5 'panicked' "$work/server.log" >&2
    failed=1
fi
exit "$failed"
