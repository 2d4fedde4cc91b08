#!/usr/bin/env bash
# Installs the real client SDKs the Rust integration tests drive storeroom with:
#   - Python azure-storage-blob in a virtualenv (.venv at the repository root);
#   - Schemathesis, the OpenAPI fuzzer of scripts/schemathesis.sh, in .venv-schemathesis;
#   - JavaScript @azure/storage-blob in tests/js/node_modules (pinned by its package-lock.json);
#   - node-fetch@2 in tests/node-sample/node_modules, for the seed 001 Node.js sample;
#   - the local object-storage servers the `--blobs s3://` / `az://` tests start themselves:
#     moto's S3 server (moto[server], in the same virtualenv) and Azurite in
#     tests/azurite/node_modules (pinned by its package-lock.json);
#   - the dashboard's browser tests: Debian's chromium (apt, as root or through sudo) and
#     playwright-core in tests/browser/node_modules (pinned by its package-lock.json), which
#     drives that chromium and downloads no browser of its own.
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

# `npm ci` in tests/DIR unless its package-lock.json is installed already; prints PACKAGE's
# version. WHAT names the tests that are skipped without npm.
npm_install() {
    local dir="$repo_root/tests/$1" package="$2" what="$3"
    local stamp="$dir/node_modules/.storeroom-lock"
    if ! command -v npm >/dev/null 2>&1; then
        echo "setup-test-env: npm not found; $what will be skipped" >&2
        return 0
    fi
    if [[ -f "$stamp" ]] && cmp -s "$dir/package-lock.json" "$stamp"; then
        return 0
    fi
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    node -p "\"$package \" + require(process.argv[1]).version" \
        "$dir/node_modules/$package/package.json"
    cp "$dir/package-lock.json" "$stamp"
}

setup_js() {
    npm_install js @azure/storage-blob "the JavaScript SDK tests"
}

setup_node_sample() {
    npm_install node-sample node-fetch "the seed 001 Node.js sample test"
}

setup_azurite() {
    npm_install azurite azurite "the object-store tests on Azurite"
}

setup_browser() {
    if ! command -v chromium >/dev/null 2>&1; then
        local sudo=()
        if [[ "$(id -u)" != 0 ]]; then
            if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
                sudo=(sudo -n)
            else
                echo "setup-test-env: chromium is missing and apt-get needs root; the browser tests will be skipped" >&2
            fi
        fi
        if [[ "$(id -u)" == 0 || ${#sudo[@]} -gt 0 ]] && command -v apt-get >/dev/null 2>&1; then
            "${sudo[@]}" apt-get update -qq
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
        fi
    fi
    if command -v chromium >/dev/null 2>&1; then
        chromium --version 2>/dev/null | tail -1
    fi
    npm_install browser playwright-core "the browser tests"
}

setup_python
setup_schemathesis
setup_js
setup_node_sample
setup_azurite
setup_browser
