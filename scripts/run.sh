#!/usr/bin/env bash
# Starts the action server and the Rasa server (REST + socket.io + chat page), waits until both
# answer, prints where to talk to the bot. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
RASA_PORT="${RASA_PORT:-5005}"
ACTION_PORT="${ACTION_PORT:-5055}"

if .venv/bin/python -c "import bot.cli" 2>/dev/null; then
  .venv/bin/python -m bot accounts load-demo
fi

# Secrets (README "Security model"): MADOGUCHI_API_TOKEN (Rasa's HTTP API, which can read and rewrite
# any conversation) and MADOGUCHI_ACTION_SECRET (only Rasa may call the action server), else each
# generated once into var/.
. scripts/secrets.sh

# Starting, waiting for and stopping the two servers: bot/devtools/localserver.py, the same harness the
# tests and the benchmark use. exec: Ctrl-C reaches it directly.
exec .venv/bin/python -m bot.devtools.run --rasa-port "$RASA_PORT" --action-port "$ACTION_PORT"
