#!/usr/bin/env bash
# Set up, then audit the bundled data_samples/ and write reports under reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/hocba-audit run --exports data_samples/exports --out reports "$@"
