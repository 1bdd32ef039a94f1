"""``make run`` in the foreground (``python -m bot.devtools.run``, called by scripts/run.sh after the demo
accounts and the secrets): the action server and the Rasa server as the project's own files configure them
(credentials.yml, endpoints.yml, deploy/logging/), waited for, then where to talk to the bot. Ctrl-C stops both."""
from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import List, Optional

from bot.devtools.localserver import MODEL, ROOT, LocalServers, server_env

READY_MESSAGE = """
  Madoguchi is running.
    Chat page:  http://localhost:{port}/chat/
    REST:       POST http://localhost:{port}/webhooks/rest/webhook   (loopback callers only in development)
                {{"sender": "<conversation id>", "message": "こんにちは"}}
    HTTP API:   http://localhost:{port}/conversations/<id>/tracker?token=<var/api-token>
    Logs:       var/log/rasa.log, var/log/actions.log
  Press Ctrl-C to stop.
"""


def servers(rasa_port: int, action_port: int) -> LocalServers:
    env = server_env()
    log_dir = ROOT / "var" / "log"
    return LocalServers(
        log_dir, env, ROOT / "endpoints.yml", model=MODEL, rasa_port=rasa_port, action_port=action_port,
        # all interfaces, as `rasa run` by default: the chat page is opened from this machine's browser
        interface=None, api_token=env["MADOGUCHI_API_TOKEN"],
        rasa_args=["--logging-config-file", "deploy/logging/rasa.yml"],
        action_args=["--logging-config_file", "deploy/logging/actions.yml"],  # logs rotate (issue #15)
        logs={"rasa": log_dir / "rasa.out", "actions": log_dir / "actions.out"})


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM (`kill`) stops both servers the way Ctrl-C does


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.devtools.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--action-port", type=int, default=5055)
    parser.add_argument("--timeout", type=float, default=180, help="seconds each server may take to answer")
    args = parser.parse_args(argv)
    local = servers(args.rasa_port, args.action_port)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in the background (ignored there)
    try:
        local.spawn_actions()
        local.spawn_rasa()
        for name, wait in (("Action server", local.wait_actions), ("Rasa server", local.wait_rasa)):
            try:
                wait(args.timeout)
            except RuntimeError as exc:
                print(f"{name} did not start; see var/log/\n{exc}", flush=True)
                return 1
        print(READY_MESSAGE.format(port=args.rasa_port), flush=True)
        while local.rasa.poll() is None and local.actions.poll() is None:
            time.sleep(0.5)
        print("A server stopped; see var/log/.", flush=True)
        return 1
    except KeyboardInterrupt:
        print()
        return 0
    finally:
        print("Stopping…", flush=True)
        local.stop()
        print("Stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
