#!/usr/bin/env bash
# `rasa shell` for staff, against the same model and a local action server.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p var/log
SANIC_HOST=127.0.0.1 .venv/bin/python -m rasa_sdk --actions actions --port "${ACTION_PORT:-5055}" >var/log/actions-shell.log 2>&1 &
actions=$!
trap 'kill $actions 2>/dev/null || true' EXIT
# Staff shell (issue #15, bot/staff/shell.py): Rasa's shell without the DeprecationWarning wall, on
# 127.0.0.1; MADOGUCHI_SHELL_DEBUG=1 (make shell DEBUG=1) prints the diagnostics under each reply,
# MADOGUCHI_SHELL_ACCOUNT=A1001 (make shell ACCOUNT=A1001) talks as that logged-in customer.
.venv/bin/python -m bot.staff.shell --model models/madoguchi.tar.gz --endpoints endpoints.yml --interface 127.0.0.1
