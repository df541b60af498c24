#!/usr/bin/env bash
# Sets everything up, then runs every check in order and stops at the first failure:
#   format, clippy, native tests (incl. the sim crate's live Redis tests), browser component
#   tests (wasm-bindgen-test in Chromium), release build, page-weight budget, end-to-end tests
#   (Playwright), load benchmark (informational).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

E2E_DIST="target/e2e-dist"
TOTAL_STEPS=9
step=0
section_name=""
section_start=$SECONDS
all_start=$SECONDS

section() {
  if [ -n "$section_name" ]; then
    printf '    (%s: %d s)\n' "$section_name" $((SECONDS - section_start))
  fi
  step=$((step + 1))
  section_name="$1"
  section_start=$SECONDS
  printf '\n==== [%d/%d] %s ====\n' "$step" "$TOTAL_STEPS" "$1"
}
trap 'rc=$?; if [ $rc -ne 0 ]; then printf "\n==== FAILED in [%d/%d] %s (exit %d%s) ====\n" "$step" "$TOTAL_STEPS" "$section_name" "$rc" "$([ $rc -eq 124 ] && echo ", timed out")"; fi' EXIT

# limit SECONDS CMD...: under CI (CI=true) a hung test fails the run instead of eating CI's time;
# timeout stops its whole process group, e.g. redis-server nodes a test started. Interactive runs
# are not limited, so Ctrl-C keeps working.
limit() {
  local secs=$1
  shift
  if [ -n "${CI:-}" ]; then
    timeout --kill-after=20 "$secs" "$@"
  else
    "$@"
  fi
}

section "setup"
# shellcheck source=setup.sh
source "$REPO/scripts/setup.sh"

section "format: cargo fmt --all -- --check"
cargo fmt --all -- --check

section "lint: cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

section "native tests: cargo test --workspace, and the core's unit tests with the page's features"
limit 1500 cargo test --workspace
# The page builds the core without its default features (no recorded-session replay, only the
# commands the page sends, CRC16 without a table): its unit tests run that way too.
limit 600 cargo test -p slotscope-sim --no-default-features --lib

section "browser component tests: cargo test -p slotscope --target wasm32-unknown-unknown"
CHROMEDRIVER=/usr/bin/chromedriver limit 900 cargo test -p slotscope --target wasm32-unknown-unknown

section "release build: trunk build --release --dist $E2E_DIST"
trunk build --release --dist "$E2E_DIST"

section "download budgets: gzip -9 of HTML + JS + WASM + CSS <= 150 KB for the page, and for the tools module"
node e2e/budget.mjs "$E2E_DIST"

section "end-to-end tests: node --test e2e/tests/"
(cd e2e && SLOTSCOPE_DIST="$REPO/$E2E_DIST" limit 900 node --test --test-concurrency=1 tests/)

section "benchmark (informational; targets 300 ms to Send enabled, 16 ms click to first log entry, 150 ms per 10,000-request workload)"
limit 300 node e2e/bench.mjs "$E2E_DIST"

printf '    (%s: %d s)\n' "$section_name" $((SECONDS - section_start))
printf '\n==== all checks passed in %d s ====\n' $((SECONDS - all_start))
