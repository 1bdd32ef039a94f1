"""The local-server harness (bot/devtools/localserver.py) that make run, the benchmark and the live tests share."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest
import yaml

from bot.devtools import localserver


def test_endpoints_send_the_action_secret_from_the_environment_and_keep_other_sections():
    base = {"tracker_store": {"type": "SQL", "db": "var/tracker.db"},
            "action_endpoint": {"url": "http://127.0.0.1:5055/webhook"}}
    result = localserver.endpoints(6123, base, lock_store={"type": "redis"}, event_broker=None)
    assert result["action_endpoint"]["url"] == "http://127.0.0.1:6123/webhook"
    # Rasa substitutes ${...} from the environment: the secret itself is never written to the file
    assert result["action_endpoint"]["headers"] == {"Authorization": "Bearer ${MADOGUCHI_ACTION_SECRET}"}
    assert result["tracker_store"] == base["tracker_store"]
    assert result["lock_store"] == {"type": "redis"} and "event_broker" not in result
    assert base["action_endpoint"] == {"url": "http://127.0.0.1:5055/webhook"}  # the caller's dict is untouched
    assert "${MADOGUCHI_ACTION_SECRET}" in yaml.safe_dump(result)


def test_server_env_puts_the_project_first_and_lets_the_caller_override(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    monkeypatch.setenv("TF_INTRA_OP_PARALLELISM_THREADS", "4")
    env = localserver.server_env({"MADOGUCHI_ENV": "production"})
    assert env["PYTHONPATH"].split(":") == [str(localserver.ROOT), "/elsewhere"]
    assert env["TF_INTRA_OP_PARALLELISM_THREADS"] == "4"  # a setting from the environment wins over the default
    assert env["RASA_TELEMETRY_ENABLED"] == "false" and env["MADOGUCHI_ENV"] == "production"


def test_wait_http_fails_early_with_the_log_when_the_server_exits(tmp_path):
    log = tmp_path / "server.log"
    with open(log, "wb") as handle:
        process = subprocess.Popen([sys.executable, "-c", "print('port already in use'); raise SystemExit(3)"],
                                   stdout=handle, stderr=subprocess.STDOUT)
    started = time.monotonic()
    with pytest.raises(RuntimeError) as error:
        localserver.wait_http(f"http://127.0.0.1:{localserver.free_port()}/", [process], [log], timeout=60,
                              interval=0.1)
    assert time.monotonic() - started < 30
    assert "code 3" in str(error.value) and "port already in use" in str(error.value)


def test_stop_process_stops_the_whole_process_group(tmp_path):
    """A Rasa server with SANIC_WORKERS has children: they must go too."""
    pid_file = tmp_path / "child.pid"
    code = ("import subprocess, sys, time\n"
            f"child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
            f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
            "time.sleep(120)\n")
    parent = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    child = int(pid_file.read_text())
    localserver.stop_process(parent, timeout=10)
    assert parent.poll() is not None
    for _ in range(50):
        try:
            with open(f"/proc/{child}/stat") as stat:
                if stat.read().split()[2] == "Z":  # a zombie waiting for init: gone
                    break
        except FileNotFoundError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"child {child} of the stopped server still runs")
