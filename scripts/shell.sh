#!/usr/bin/env bash
# `rasa shell` for staff, against the same model and a local action server. Both listen on
# 127.0.0.1 only; the action server requires the shared secret that endpoints.yml sends.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p var/log
. scripts/secrets.sh
.venv/bin/python -m bot.action_server --actions actions --interface 127.0.0.1 --port "${ACTION_PORT:-5055}" \
  >var/log/actions-shell.log 2>&1 &
actions=$!
trap 'kill $actions 2>/dev/null || true' EXIT
# rasa shell serves its own (stock, unguarded) REST channel for the terminal: loopback only, API with a token.
# Staff shell (issue #15, bot/staff/shell.py): Rasa's shell without the DeprecationWarning wall, on
# 127.0.0.1; MADOGUCHI_SHELL_DEBUG=1 (make shell DEBUG=1) prints the diagnostics under each reply,
# MADOGUCHI_SHELL_ACCOUNT=A1001 (make shell ACCOUNT=A1001) talks as that logged-in customer.
.venv/bin/python -m bot.staff.shell --model models/madoguchi.tar.gz --endpoints endpoints.yml \
  --interface 127.0.0.1 --port "${SHELL_PORT:-5005}" --auth-token "$MADOGUCHI_API_TOKEN"
