"""`bash scripts/image.sh compose-test`: deploy/compose.yml brought up with podman-compose, used, taken down.

Needs the images of `make image` and `bash scripts/image.sh services`; runs only when
MADOGUCHI_COMPOSE_TEST=1 (the script sets it). Free loopback ports, a project name and an env file of
its own, so it does not meet a `make cluster` or another run. About 2 minutes.
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Dict, Iterator

import pytest

from bot.devtools.localserver import free_port
from tests.support.webchat import http

ROOT = Path(__file__).resolve().parents[3]
IMAGE_DIR = Path(os.environ.get("IMAGE_DIR", ROOT / "var" / "image"))
COMPOSE = os.environ.get("MADOGUCHI_COMPOSE_COMMAND", f"bash {ROOT}/scripts/image.sh compose").split()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("MADOGUCHI_COMPOSE_TEST") != "1",
                       reason="runs deploy/compose.yml: `bash scripts/image.sh compose-test`"),
]


class Project:
    def __init__(self, tmp: Path) -> None:
        self.name = "madoguchi-test-" + secrets.token_hex(3)
        ports = {k: free_port() for k in ("CLUSTER_PORT", "CLUSTER_RASA_BASE_PORT", "CLUSTER_RASA_2_PORT",
                                          "CLUSTER_ACTION_BASE_PORT", "CLUSTER_PG_PORT", "CLUSTER_REDIS_PORT")}
        self.secrets = {k: secrets.token_hex(32) for k in (
            "MADOGUCHI_SECRET", "MADOGUCHI_API_TOKEN", "MADOGUCHI_JWT_SECRET", "MADOGUCHI_REST_TOKEN",
            "MADOGUCHI_ACTION_SECRET", "MADOGUCHI_DB_PASSWORD", "MADOGUCHI_REDIS_PASSWORD")}
        env_file = tmp / "compose.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in self.secrets.items()))
        env_file.chmod(0o644)
        self.env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "MADOGUCHI_ENV_FILE": str(env_file)}
        self.base = f"http://127.0.0.1:{ports['CLUSTER_PORT']}"
        self.ports = ports

    def compose(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(COMPOSE + ["-p", self.name, *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def podman(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", str(ROOT / "scripts" / "image.sh"), "podman", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)

    def rest(self, sender: str, message: str, bearer: bool = True, base: str = "") -> tuple:
        headers = {"Content-Type": "application/json"}
        if bearer:
            headers["Authorization"] = "Bearer " + self.secrets["MADOGUCHI_REST_TOKEN"]
        body = json.dumps({"sender": sender, "message": message}).encode()
        status, _, raw = http("POST", (base or self.base) + "/webhooks/rest/webhook", body, headers)
        return status, (json.loads(raw) if raw[:1] in (b"[", b"{") else raw)


def wait(url: str, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return time.monotonic() - start
        except OSError:
            pass
        time.sleep(1)
    raise AssertionError(f"{url} did not answer within {timeout:.0f} s")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Iterator[Project]:
    p = Project(tmp_path_factory.mktemp("compose"))
    start = time.monotonic()
    try:
        up = p.compose("up", "-d")
        assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
        wait(p.base + "/chat/", 300)
        p.up_seconds = time.monotonic() - start
        yield p
    finally:
        logs = p.compose("logs", timeout=60)
        IMAGE_DIR.mkdir(parents=True, exist_ok=True)
        (IMAGE_DIR / "compose-test.log").write_text(logs.stdout[-200000:] + logs.stderr[-20000:])
        down = p.compose("down", "-v", timeout=180)
        print("compose down:", down.returncode, down.stderr[-500:])


def test_every_healthcheck_passes(project):
    """The healthchecks docker compose waits for (podman without systemd does not run them by itself:
    `podman healthcheck run` runs each once)."""
    wait(f"http://127.0.0.1:{project.ports['CLUSTER_RASA_2_PORT']}/", 120)
    for service in ("postgres", "redis", "actions", "rasa-1", "rasa-2", "nginx"):
        result = project.podman("healthcheck", "run", f"{project.name}_{service}_1")
        assert result.returncode == 0, (service, result.stdout, result.stderr)


def test_routes_through_nginx(project):
    assert http("GET", project.base + "/chat/")[0] == 200
    assert http("GET", project.base + "/status")[0] == 404  # Rasa's API is not routed out
    assert http("GET", project.base + "/conversations/x/tracker")[0] == 404
    assert project.rest("cmp-1", "こんにちは", bearer=False)[0] == 401


def test_faq_answer_and_tracker_in_postgresql(project):
    status, reply = project.rest("cmp-faq", "リモートサポートの月額料金は？")
    assert status == 200 and "【リモートサポート】" in reply[0]["text"], reply
    count = project.podman("exec", f"{project.name}_postgres_1", "psql", "-h", "/tmp", "-p",
                           str(project.ports["CLUSTER_PG_PORT"]), "-U", "madoguchi", "-d", "rasa", "-tAc",
                           "SELECT count(*) FROM events WHERE sender_id = 'cmp-faq'")
    assert count.returncode == 0 and int(count.stdout.strip()) > 0, count.stderr


def test_a_conversation_continues_on_the_other_rasa_server(project):
    """Turn 1 on rasa-1, turn 2 on rasa-2: the shared tracker store (and the Redis lock) make it one conversation."""
    rasa1 = f"http://127.0.0.1:{project.ports['CLUSTER_RASA_BASE_PORT']}"
    rasa2 = f"http://127.0.0.1:{project.ports['CLUSTER_RASA_2_PORT']}"
    wait(rasa2 + "/", 120)
    assert project.rest("cmp-two", "リモートサポートの月額料金は？", base=rasa1)[0] == 200
    assert project.rest("cmp-two", "ありがとう", base=rasa2)[0] == 200
    status, _, body = http("GET", rasa2 + "/conversations/cmp-two/tracker?token=" + project.secrets["MADOGUCHI_API_TOKEN"])
    assert status == 200
    texts = [e.get("text") for e in json.loads(body)["events"] if e.get("event") == "user"]
    assert texts == ["リモートサポートの月額料金は？", "ありがとう"], texts
