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
trap 'rc=$?; if [ $rc -ne 0 ]; then printf "\n==== FAILED in [%d/%d] %s (exit %d) ====\n" "$step" "$TOTAL_STEPS" "$section_name" "$rc"; fi' EXIT

section "setup"
# shellcheck source=setup.sh
source "$REPO/scripts/setup.sh"

section "format: cargo fmt --all -- --check"
cargo fmt --all -- --check

section "lint: cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

section "native tests: cargo test --workspace"
cargo test --workspace

section "browser component tests: cargo test -p slotscope --target wasm32-unknown-unknown"
CHROMEDRIVER=/usr/bin/chromedriver cargo test -p slotscope --target wasm32-unknown-unknown

section "release build: trunk build --release --dist $E2E_DIST"
trunk build --release --dist "$E2E_DIST"

section "page-weight budget: gzip -9 of HTML + JS + WASM + CSS <= 150 KB"
node e2e/budget.mjs "$E2E_DIST"

section "end-to-end tests: node --test e2e/tests/"
(cd e2e && SLOTSCOPE_DIST="$REPO/$E2E_DIST" node --test --test-concurrency=1 tests/)

section "benchmark (informational; targets 300 ms to Send enabled, 16 ms click to first log entry)"
node e2e/bench.mjs "$E2E_DIST"

printf '    (%s: %d s)\n' "$section_name" $((SECONDS - section_start))
printf '\n==== all checks passed in %d s ====\n' $((SECONDS - all_start))
