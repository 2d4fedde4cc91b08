#!/usr/bin/env bash
# Runs each libFuzzer target under fuzz/ for a bounded time, on a seed corpus made from the
# test fixtures (crates/testkit/examples/fuzz_corpus.rs).
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`, from crates.io) and a C++ compiler
# for libFuzzer. The toolchain is stable, so the nightly-only sanitizer flags are enabled
# with RUSTC_BOOTSTRAP=1; the address sanitizer is left off (`-s none`): the targets are safe
# Rust, so coverage-guided search for panics, hangs and runaway memory is what counts.
# A crash is saved under fuzz/artifacts/<target>/ and fails the script: keep it as a
# regression test, then fix it.
set -euo pipefail

seconds=${1:-60}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(zip_reader manifests image_probe sas lenient_json devcenter_put request_heads)
fi

corpus="$root/fuzz/corpus"
if [ ! -d "$corpus/zip_reader" ]; then
    # Built as `cargo test --workspace` builds the examples (the workspace's features, and
    # before RUSTC_BOOTSTRAP is set: cargo rebuilds everything when it changes), so that
    # after the test suite (as in .ci/run) nothing is compiled again.
    cargo build --quiet --workspace --example fuzz_corpus --target-dir "$root/target"
    "$root/target/debug/examples/fuzz_corpus" "$corpus"
fi

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="$root/fuzz/target"

cargo fuzz build -s none -O
status=0
for target in "${targets[@]}"; do
    mkdir -p "$corpus/$target"
    log="$root/fuzz/$target.log"
    echo "== $target: ${seconds}s"
    if ! cargo fuzz run -s none -O "$target" "$corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 \
        >"$log" 2>&1; then
        echo "   CRASH or error: see $log and fuzz/artifacts/$target/"
        status=1
    fi
    grep -E "^#[0-9]+.*(DONE|pulse)" "$log" | tail -1 || true
    grep -E "Done [0-9]+ runs" "$log" || true
done
exit $status
