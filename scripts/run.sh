#!/usr/bin/env bash
# Starts the action server and the Rasa server (REST + socket.io + chat page), waits until both
# answer, prints where to talk to the bot. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
RASA_PORT="${RASA_PORT:-5005}"
ACTION_PORT="${ACTION_PORT:-5055}"
mkdir -p var/log

if .venv/bin/python -c "import bot.cli" 2>/dev/null; then
  .venv/bin/python -m bot accounts load-demo
fi

# Secrets (README "Security model"): MADOGUCHI_API_TOKEN (Rasa's HTTP API, which can read and rewrite
# any conversation) and MADOGUCHI_ACTION_SECRET (only Rasa may call the action server), else each
# generated once into var/.
. scripts/secrets.sh

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping…"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
  exit 0
}
trap stop INT TERM EXIT

# The action server listens on loopback only and requires the shared secret (bot/action_server.py).
.venv/bin/python -m bot.action_server --actions actions --interface 127.0.0.1 --port "$ACTION_PORT" \
  --logging-config_file deploy/logging/actions.yml >var/log/actions.out 2>&1 &  # logs rotate (issue #15)
pids+=($!)
.venv/bin/rasa run --model models/madoguchi.tar.gz --port "$RASA_PORT" --enable-api --auth-token "$MADOGUCHI_API_TOKEN" \
  --credentials credentials.yml --endpoints endpoints.yml --logging-config-file deploy/logging/rasa.yml >var/log/rasa.out 2>&1 &
pids+=($!)

wait_for() {  # name url
  for _ in $(seq 1 180); do
    if curl -fsS "$2" >/dev/null 2>&1; then return 0; fi
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null || { echo "$1 stopped while starting; see var/log/"; tail -n 20 var/log/*.log var/log/*.out; exit 1; }
    done
    sleep 1
  done
  echo "$1 did not answer at $2 within 180 s; see var/log/"; exit 1
}
wait_for "Action server" "http://127.0.0.1:$ACTION_PORT/health"
wait_for "Rasa server" "http://127.0.0.1:$RASA_PORT/webhooks/rest/"

cat <<MSG

  Madoguchi is running.
    Chat page:  http://localhost:$RASA_PORT/chat/
    REST:       POST http://localhost:$RASA_PORT/webhooks/rest/webhook   (loopback callers only in development)
                {"sender": "<conversation id>", "message": "こんにちは"}
    HTTP API:   http://localhost:$RASA_PORT/conversations/<id>/tracker?token=<var/api-token>
    Logs:       var/log/rasa.log, var/log/actions.log
  Press Ctrl-C to stop.

MSG
wait -n "${pids[@]}" || true
echo "A server stopped; see var/log/."
