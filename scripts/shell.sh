#!/usr/bin/env bash
# `rasa shell` for staff, against the same model and a local action server.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p var/log
.venv/bin/python -m rasa_sdk --actions actions --port "${ACTION_PORT:-5055}" >var/log/actions-shell.log 2>&1 &
actions=$!
trap 'kill $actions 2>/dev/null || true' EXIT
.venv/bin/rasa shell --model models/madoguchi.tar.gz --endpoints endpoints.yml
