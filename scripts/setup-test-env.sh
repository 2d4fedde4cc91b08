#!/usr/bin/env bash
# Installs the real client SDKs the Rust integration tests drive storeroom with:
#   - Python azure-storage-blob in a virtualenv (.venv at the repository root);
#   - Schemathesis, the OpenAPI fuzzer of scripts/schemathesis.sh, in .venv-schemathesis;
#   - JavaScript @azure/storage-blob in tests/js/node_modules (pinned by its package-lock.json);
#   - node-fetch@2 in tests/node-sample/node_modules, for the seed 001 Node.js sample;
#   - the local object-storage servers the `--blobs s3://` / `az://` tests start themselves:
#     moto's S3 server (moto[server], in the same virtualenv) and Azurite in
#     tests/azurite/node_modules (pinned by its package-lock.json).
# Idempotent: what is already installed for the same requirements is left alone, so repeated
# runs are fast and need no network.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

setup_python() {
    local venv="$repo_root/.venv"
    local requirements="$repo_root/tests/python/requirements.txt"
    local stamp="$venv/.storeroom-requirements"
    local python="${PYTHON:-python3}"

    if [[ -x "$venv/bin/python" && -f "$stamp" ]] && cmp -s "$requirements" "$stamp" \
        && "$venv/bin/python" -c 'import azure.storage.blob, moto' 2>/dev/null; then
        return 0
    fi
    if [[ ! -x "$venv/bin/python" ]]; then
        "$python" -m venv "$venv"
    fi
    local pip=("$venv/bin/python" -m pip --disable-pip-version-check)
    # An old bundled pip still installs these packages; upgrading it is a nicety.
    "${pip[@]}" install --quiet --upgrade pip || echo "setup-test-env: pip upgrade failed; continuing" >&2
    "${pip[@]}" install --quiet -r "$requirements"
    # Fail here rather than in the middle of a test run if the install is unusable.
    "$venv/bin/python" -c 'import azure.storage.blob as b; print("azure-storage-blob", b.__version__)'
    "$venv/bin/python" -c 'import moto; print("moto", moto.__version__)'
    [[ -x "$venv/bin/moto_server" ]]
    cp "$requirements" "$stamp"
}

# Schemathesis, in its own virtualenv (.venv-schemathesis): its dependencies (hypothesis,
# jsonschema, …) stay apart from the SDKs' and moto's. scripts/schemathesis.sh runs it.
setup_schemathesis() {
    local venv="$repo_root/.venv-schemathesis"
    local requirements="$repo_root/tests/schemathesis/requirements.txt"
    local stamp="$venv/.storeroom-requirements"
    local python="${PYTHON:-python3}"
    if [[ -x "$venv/bin/schemathesis" && -f "$stamp" ]] && cmp -s "$requirements" "$stamp"; then
        return 0
    fi
    [[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip --disable-pip-version-check install --quiet -r "$requirements"
    "$venv/bin/schemathesis" --version
    cp "$requirements" "$stamp"
}

setup_js() {
    local dir="$repo_root/tests/js"
    local stamp="$dir/node_modules/.storeroom-lock"
    if ! command -v npm >/dev/null 2>&1; then
        echo "setup-test-env: npm not found; the JavaScript SDK tests will be skipped" >&2
        return 0
    fi
    if [[ -f "$stamp" ]] && cmp -s "$dir/package-lock.json" "$stamp"; then
        return 0
    fi
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    node -p '"@azure/storage-blob " + require(process.argv[1]).version' \
        "$dir/node_modules/@azure/storage-blob/package.json"
    cp "$dir/package-lock.json" "$stamp"
}

setup_node_sample() {
    local dir="$repo_root/tests/node-sample"
    local stamp="$dir/node_modules/.storeroom-lock"
    if ! command -v npm >/dev/null 2>&1; then
        echo "setup-test-env: npm not found; the seed 001 Node.js sample test will be skipped" >&2
        return 0
    fi
    if [[ -f "$stamp" ]] && cmp -s "$dir/package-lock.json" "$stamp"; then
        return 0
    fi
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    node -p '"node-fetch " + require(process.argv[1]).version' \
        "$dir/node_modules/node-fetch/package.json"
    cp "$dir/package-lock.json" "$stamp"
}

setup_azurite() {
    local dir="$repo_root/tests/azurite"
    local stamp="$dir/node_modules/.storeroom-lock"
    if ! command -v npm >/dev/null 2>&1; then
        echo "setup-test-env: npm not found; the object-store tests on Azurite will be skipped" >&2
        return 0
    fi
    if [[ -f "$stamp" ]] && cmp -s "$dir/package-lock.json" "$stamp"; then
        return 0
    fi
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    node -p '"azurite " + require(process.argv[1]).version' \
        "$dir/node_modules/azurite/package.json"
    cp "$dir/package-lock.json" "$stamp"
}

setup_python
setup_schemathesis
setup_js
setup_node_sample
setup_azurite
