#!/usr/bin/env bash
# Installs everything slotscope needs to build, serve and test, and puts the tools on PATH.
# Idempotent: every step checks what is already there first, so a second run takes seconds.
#
#   ./scripts/setup.sh            install (prints the PATH line to use in your shell)
#   source scripts/setup.sh       install and export PATH into the current shell
#
# Where things go:
#   .tools/bin/          trunk and wasm-bindgen-cli (cargo install --root .tools)
#   e2e/node_modules/    playwright-core (drives Debian's chromium) and binaryen (wasm-opt)
#   ~/.cache/slotscope/  a copy of the built trunk/wasm-bindgen binaries, so a fresh clone on the
#                        same machine does not have to compile them again (SLOTSCOPE_CACHE overrides)
#   apt                  chromium, chromium-driver, redis-server (only when missing)

_setup_main() {
  set -euo pipefail
  local repo
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  local trunk_version="0.21.14"
  local cache="${SLOTSCOPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slotscope}"
  local t0=$SECONDS

  say() { printf 'setup: %s\n' "$*"; }

  export PATH="$repo/e2e/node_modules/.bin:$repo/.tools/bin:$HOME/.cargo/bin:$PATH"

  # --- Debian packages -------------------------------------------------------------------------
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  if ((${#missing[@]})); then
    say "apt-get install ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "apt packages ok (chromium, chromedriver, redis-server, node)"
  fi

  # --- Rust target and components --------------------------------------------------------------
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "rust target wasm32-unknown-unknown ok"
  else
    say "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  local comp
  for comp in rustfmt clippy; do
    if ! rustup component list --installed 2>/dev/null | grep -q "^$comp"; then
      say "rustup component add $comp"
      rustup component add "$comp"
    fi
  done

  # --- cargo-installed tools into .tools/ ------------------------------------------------------
  # install_tool NAME VERSION "VERSION-LINE" BINARIES... -- CARGO-INSTALL-ARGS...
  install_tool() {
    local name=$1 version=$2 expect=$3
    shift 3
    local bins=()
    while [ "$1" != "--" ]; do bins+=("$1"); shift; done
    shift
    local have saved="$cache/$name-$version" b
    have="$("$repo/.tools/bin/${bins[0]}" --version 2>/dev/null || true)"
    if [ "$have" = "$expect" ]; then
      say "$name $version ok"
      if [ ! -x "$saved/${bins[0]}" ]; then
        mkdir -p "$saved"
        for b in "${bins[@]}"; do cp -f "$repo/.tools/bin/$b" "$saved/$b"; done
      fi
      return
    fi
    if [ -x "$saved/${bins[0]}" ] && [ "$("$saved/${bins[0]}" --version 2>/dev/null)" = "$expect" ]; then
      say "$name $version: copying from $saved"
      mkdir -p "$repo/.tools/bin"
      for b in "${bins[@]}"; do cp -f "$saved/$b" "$repo/.tools/bin/$b"; done
      return
    fi
    say "cargo install $name $version (compiles from source, takes minutes once)"
    cargo install --quiet --root "$repo/.tools" "$@"
    mkdir -p "$saved"
    for b in "${bins[@]}"; do cp -f "$repo/.tools/bin/$b" "$saved/$b"; done
  }

  install_tool trunk "$trunk_version" "trunk $trunk_version" trunk -- \
    trunk --version "$trunk_version" --locked

  # wasm-bindgen-cli must match the wasm-bindgen crate exactly: read it from Cargo.lock
  # (falling back to the "=x.y.z" pin in Cargo.toml when the lockfile cannot be made yet).
  local wbg
  if [ ! -f "$repo/Cargo.lock" ]; then
    (cd "$repo" && cargo generate-lockfile --quiet 2>/dev/null) || true
  fi
  if [ -f "$repo/Cargo.lock" ]; then
    wbg="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' "$repo/Cargo.lock")"
  fi
  if [ -z "${wbg:-}" ]; then
    wbg="$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' "$repo/Cargo.toml")"
  fi
  [ -n "$wbg" ] || { say "cannot determine the wasm-bindgen version"; return 1; }
  # No --locked: one of its pinned dependency versions is no longer on crates.io.
  install_tool wasm-bindgen-cli "$wbg" "wasm-bindgen $wbg" \
    wasm-bindgen wasm-bindgen-test-runner wasm2es6js -- \
    wasm-bindgen-cli --version "$wbg"

  # --- npm packages (playwright-core, binaryen) ------------------------------------------------
  local stamp="$repo/e2e/node_modules/.slotscope-lock.sha256" want
  want="$(cat "$repo/e2e/package.json" "$repo/e2e/package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    say "e2e npm packages ok"
  else
    if [ -f "$repo/e2e/package-lock.json" ]; then
      say "npm ci in e2e/"
      (cd "$repo/e2e" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    else
      say "npm install in e2e/ (no lockfile yet)"
      (cd "$repo/e2e" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
      want="$(cat "$repo/e2e/package.json" "$repo/e2e/package-lock.json" | sha256sum | cut -d' ' -f1)"
    fi
    printf '%s\n' "$want" >"$stamp"
  fi

  # --- real client libraries for the sim crate's live tests (sim/tests/live_clients.rs) --------
  # redis-py in a venv at .tools/py; ioredis from sim/tests/clients/package-lock.json into
  # .tools/node-clients. The test checks these exact versions.
  local redis_py_version="8.1.0"
  local py="$repo/.tools/py/bin/python"
  if [ "$("$py" -c 'import redis; print(redis.__version__)' 2>/dev/null)" = "$redis_py_version" ]; then
    say "redis-py $redis_py_version ok"
  else
    say "redis-py $redis_py_version into .tools/py"
    rm -rf "$repo/.tools/py"
    if ! python3 -m venv "$repo/.tools/py" >/dev/null 2>&1; then
      # Debian's python3 ships venv separately.
      say "apt-get install python3-venv"
      local sudo_venv=""
      [ "$(id -u)" -eq 0 ] || sudo_venv="sudo"
      $sudo_venv apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $sudo_venv apt-get install -y -qq python3-venv >/dev/null
      rm -rf "$repo/.tools/py"
      python3 -m venv "$repo/.tools/py"
    fi
    "$py" -m pip install --quiet --disable-pip-version-check "redis==$redis_py_version"
  fi
  local clients="$repo/sim/tests/clients" nc="$repo/.tools/node-clients"
  if [ -f "$clients/package.json" ]; then
    want="$(cat "$clients/package.json" "$clients/package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1)"
    if [ -f "$nc/.slotscope-lock.sha256" ] && [ "$(cat "$nc/.slotscope-lock.sha256")" = "$want" ]; then
      say "node client libraries (sim/tests/clients) ok"
    else
      say "npm ci sim/tests/clients -> .tools/node-clients"
      rm -rf "$nc"
      mkdir -p "$nc"
      cp "$clients/package.json" "$nc/"
      if [ -f "$clients/package-lock.json" ]; then
        cp "$clients/package-lock.json" "$nc/"
        (cd "$nc" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
      else
        (cd "$nc" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
      fi
      printf '%s\n' "$want" >"$nc/.slotscope-lock.sha256"
    fi
  fi

  say "$(trunk --version), $(wasm-bindgen --version), wasm-opt $(wasm-opt --version | awk '{print $3}'), $(chromium --version 2>/dev/null | awk '{print $1, $2}')"
  say "done in $((SECONDS - t0)) s"
}

_setup_path() {
  local repo
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  printf '%s' "$repo/e2e/node_modules/.bin:$repo/.tools/bin:$HOME/.cargo/bin"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  _setup_main
  echo "setup: to use the tools in this shell: export PATH=\"$(_setup_path):\$PATH\"  (or: source scripts/setup.sh)"
else
  # Sourced: install in a child shell (so `set -e` does not leak into the caller), then export PATH here.
  bash "${BASH_SOURCE[0]}" && export PATH="$(_setup_path):$PATH"
fi
