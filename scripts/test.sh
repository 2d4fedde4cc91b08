#!/usr/bin/env bash
# Runs every test: prepares the SDKs and servers the tests drive, then the Rust suite twice,
# on the embedded SQLite database and on PostgreSQL.
#
# The PostgreSQL run uses the server at $STOREROOM_TEST_POSTGRES_URL (default
# postgres://postgres@127.0.0.1:5432/test); each test creates its own schema there and drops
# it afterwards. When no server answers, that run is skipped with a message, unless
# STOREROOM_REQUIRE_POSTGRES=1 (CI), which makes it an error. Both runs share one build: only
# STOREROOM_TEST_DATABASE_URL changes between them, so the second compiles nothing. Arguments
# go to both `cargo test` runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup-test-env.sh

postgres_url="${STOREROOM_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

# Whether a PostgreSQL server accepts connections at $postgres_url.
postgres_answers() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready --quiet --dbname="$postgres_url" --timeout=5
        return
    fi
    # No client tools: is anything listening at the URL's host and port?
    local authority="${postgres_url#*://}"
    authority="${authority%%/*}"
    authority="${authority##*@}"
    local host="${authority%:*}" port="${authority##*:}"
    [[ "$authority" == *:* ]] || port=5432
    timeout 5 bash -c "exec 3<>/dev/tcp/${host:-127.0.0.1}/$port" 2>/dev/null
}

# Both runs go ahead even when the first fails, so that one command reports on both
# backends; the script fails if either did.
failed=()
echo "==> Test suite on SQLite"
STOREROOM_TEST_DATABASE_URL= cargo test --workspace --locked "$@" || failed+=(SQLite)

if postgres_answers; then
    echo "==> Test suite on PostgreSQL (${postgres_url})"
    STOREROOM_TEST_DATABASE_URL="$postgres_url" cargo test --workspace --locked "$@" \
        || failed+=(PostgreSQL)
elif [[ "${STOREROOM_REQUIRE_POSTGRES:-}" == 1 ]]; then
    echo "error: no PostgreSQL server answers at ${postgres_url} (STOREROOM_TEST_POSTGRES_URL)" >&2
    failed+=("PostgreSQL (no server)")
else
    echo "==> SKIPPED: the test suite on PostgreSQL: no server answers at ${postgres_url}."
    echo "    Set STOREROOM_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/DATABASE to run it."
fi

if ((${#failed[@]})); then
    echo "==> Tests failed on: ${failed[*]}" >&2
    exit 1
fi
