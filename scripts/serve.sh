#!/usr/bin/env bash
# Sets everything up, then serves the app with live rebuild at http://127.0.0.1:8080
# (debug build into dist/; extra arguments go to trunk, e.g. --release).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
# shellcheck source=setup.sh
source "$REPO/scripts/setup.sh"
echo "serve: http://127.0.0.1:8080/"
exec trunk serve --offline --address 127.0.0.1 --port 8080 "$@"
