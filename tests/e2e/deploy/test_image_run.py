"""`make image-test`: the built image (deploy/Containerfile) runs as a Rasa server and an action server.

Two containers of the one image, host network, free loopback ports, read-only root file system, the
secrets from an env file (as compose and Kubernetes pass them), production mode; one shared volume
for /app/var (SQLite accounts and tracker store). FAQ and account questions over REST and socket.io,
the health routes the Kubernetes probes use, then both containers are stopped and removed.

Runs only when MADOGUCHI_IMAGE_TEST=1 (scripts/image.sh test sets it): it needs the image from
`make image` (about 6 minutes to build), and takes about 2 minutes. Start-up time and image size go
to var/image/run-report.txt.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from bot.devtools.localserver import free_port
from tests.support.webchat import ChatClient, http

ROOT = Path(__file__).resolve().parents[3]
IMAGE = os.environ.get("MADOGUCHI_IMAGE", "localhost/madoguchi:latest")
IMAGE_DIR = Path(os.environ.get("IMAGE_DIR", ROOT / "var" / "image"))
RUNTIME = os.environ.get("PODMAN_RUNTIME", "/usr/sbin/runc" if Path("/usr/sbin/runc").exists() else "")
START_TIMEOUT = float(os.environ.get("MADOGUCHI_IMAGE_START_TIMEOUT", "300"))
TODAY = "2026-11-21"  # fixtures/demo_accounts.yml: A1001's ハンズオン then has 2 free sessions left

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("MADOGUCHI_IMAGE_TEST") != "1",
                       reason="runs the container image: `make image && make image-test`"),
]

FAQ_QUESTION = "リモートサポートの月額料金は？"
ACCOUNT_QUESTION = "ハンズオンはあと何回無料？"


def podman(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONTAINERS_CONF": str(IMAGE_DIR / "containers.conf")}
    command = ["podman"] + (["--runtime", RUNTIME] if RUNTIME else []) + list(args)
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command[:6])} … failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


def wait_ready(url: str, container: str, timeout: float) -> float:
    """Seconds until url answers 200; fails at once (with the log) if the container stopped."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - start
        except OSError:
            pass
        state = podman("inspect", "--format", "{{.State.Status}}", container, check=False).stdout.strip()
        if state not in ("running", "created", "configured"):
            logs = podman("logs", container, check=False)
            raise AssertionError(f"{container} is {state!r}:\n{(logs.stdout + logs.stderr)[-4000:]}")
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout:.0f} s")


class Stack:
    def __init__(self, tmp: Path) -> None:
        run_id = secrets.token_hex(4)
        self.rasa_name, self.actions_name = f"madoguchi-test-rasa-{run_id}", f"madoguchi-test-actions-{run_id}"
        self.rasa_port, self.action_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.rasa_port}"
        self.secrets = {name: secrets.token_urlsafe(32) for name in (
            "MADOGUCHI_SECRET", "MADOGUCHI_API_TOKEN", "MADOGUCHI_JWT_SECRET", "MADOGUCHI_REST_TOKEN",
            "MADOGUCHI_ACTION_SECRET")}
        self.var = tmp / "var"
        self.var.mkdir()
        self.var.chmod(0o777)  # the containers run as uid 1001
        self.env_file = tmp / "madoguchi.env"
        lines = [f"{k}={v}" for k, v in self.secrets.items()] + ["MADOGUCHI_ENV=production", f"MADOGUCHI_TODAY={TODAY}"]
        self.env_file.write_text("\n".join(lines) + "\n")
        self.env_file.chmod(0o644)
        # The repository's endpoints.yml (the one in the image), with the action server's free port.
        endpoints = (ROOT / "endpoints.yml").read_text(encoding="utf-8")
        default_url = "http://127.0.0.1:5055/webhook"
        assert default_url in endpoints, "endpoints.yml no longer names the local action server URL"
        self.endpoints = tmp / "endpoints.yml"
        self.endpoints.write_text(endpoints.replace(default_url, f"http://127.0.0.1:{self.action_port}/webhook"))
        self.endpoints.chmod(0o644)
        self.timings: Dict[str, float] = {}
        self.stop_codes: Dict[str, int] = {}

    def run_args(self, name: str = "") -> List[str]:
        args = ["run", "--network=host", "--read-only", "--env-file", str(self.env_file),
                "-v", f"{self.var}:/app/var", "-v", f"{self.endpoints}:/etc/madoguchi/endpoints.yml:ro"]
        return args + (["-d", "--name", name] if name else ["--rm"])

    def one_off(self, *command: str) -> str:
        return podman(*self.run_args(), IMAGE, *command).stdout.strip()

    def start(self) -> None:
        start = time.monotonic()
        print(self.one_off("python", "-m", "bot", "accounts", "load-demo"))
        self.timings["accounts_load_seconds"] = time.monotonic() - start
        self.token = self.one_off("python", "-m", "bot", "token", "A1001").splitlines()[-1]
        start = time.monotonic()
        podman(*self.run_args(self.actions_name), IMAGE, "python", "-m", "bot.action_server",
               "--actions", "actions", "--interface", "127.0.0.1", "--port", str(self.action_port))
        podman(*self.run_args(self.rasa_name), IMAGE, "sh", "-c",
               'exec rasa run --model models/madoguchi.tar.gz --interface 127.0.0.1 --port "$0" '
               '--enable-api --auth-token "$MADOGUCHI_API_TOKEN" --jwt-secret "$MADOGUCHI_JWT_SECRET" '
               '--credentials credentials.yml --endpoints /etc/madoguchi/endpoints.yml', str(self.rasa_port))
        self.timings["actions_ready_seconds"] = wait_ready(
            f"http://127.0.0.1:{self.action_port}/health", self.actions_name, START_TIMEOUT)
        wait_ready(self.base + "/", self.rasa_name, START_TIMEOUT)
        self.timings["rasa_ready_seconds"] = time.monotonic() - start

    def logs(self, name: str) -> str:
        result = podman("logs", name, check=False)
        return result.stdout + result.stderr

    def stop(self) -> Dict[str, int]:
        codes = self.stop_codes
        for name in (self.rasa_name, self.actions_name):
            if podman("container", "exists", name, check=False).returncode == 0:
                podman("stop", "-t", "20", name, check=False)
                codes[name] = int(podman("inspect", "--format", "{{.State.ExitCode}}", name, check=False).stdout.strip() or -1)
                podman("rm", "-f", name, check=False)
        return dict(codes)

    def rest(self, sender: str, message: str, token: str = "", bearer: bool = True) -> tuple:
        body: Dict = {"sender": sender, "message": message}
        if token:
            body["metadata"] = {"token": token}
        headers = {"Content-Type": "application/json"}
        if bearer:
            headers["Authorization"] = "Bearer " + self.secrets["MADOGUCHI_REST_TOKEN"]
        status, _, raw = http("POST", self.base + "/webhooks/rest/webhook", json.dumps(body).encode(), headers)
        return status, (json.loads(raw) if raw.strip().startswith((b"[", b"{")) else raw)


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    if shutil.which("podman") is None:
        pytest.fail("podman is not installed: make image installs it")
    if podman("image", "exists", IMAGE, check=False).returncode != 0:
        pytest.fail(f"no image {IMAGE}: make image first")
    s = Stack(tmp_path_factory.mktemp("image"))
    try:
        s.start()
        yield s
    finally:
        for name in (s.rasa_name, s.actions_name):  # kept for the report when a test failed
            (IMAGE_DIR / f"{name.rsplit('-', 1)[0]}.log").write_text(s.logs(name)) if IMAGE_DIR.exists() else None
        s.stop()
        size = podman("image", "inspect", "--format", "{{.Size}}", IMAGE, check=False).stdout.strip()
        report = {"image": IMAGE, "size_mb": int(size or 0) // 1_000_000,
                  **{k: round(v, 1) for k, v in s.timings.items()}, "stop_exit_codes": s.stop_codes}
        IMAGE_DIR.mkdir(parents=True, exist_ok=True)
        (IMAGE_DIR / "run-report.txt").write_text(json.dumps(report, indent=1) + "\n")
        print("image run:", json.dumps(report))


def texts(reply) -> str:
    return "\n".join(m.get("text", "") for m in reply if isinstance(m, dict))


def test_runs_as_non_root_with_model_and_data_inside(stack):
    assert podman("exec", stack.rasa_name, "id", "-u").stdout.strip() == "1001"
    assert podman("exec", stack.actions_name, "id", "-u").stdout.strip() == "1001"
    listing = podman("exec", stack.rasa_name, "ls", "/app/models", "/app/data/nlu").stdout
    assert "madoguchi.tar.gz" in listing and "remote_support.yml" in listing
    # read-only root file system: only /app/var (the volume) and /tmp can be written
    assert podman("exec", stack.rasa_name, "touch", "/app/bot/x", check=False).returncode != 0


def test_health_routes_for_probes_are_open_and_the_api_needs_the_token(stack):
    status, _, body = http("GET", stack.base + "/")
    assert status == 200 and body.startswith(b"Hello from Rasa: 3.6.21"), body[:100]
    assert http("GET", stack.base + "/status")[0] == 401  # why the probes use / and not /status
    status, _, body = http("GET", stack.base + "/status?token=" + stack.secrets["MADOGUCHI_API_TOKEN"])
    assert status == 200 and json.loads(body)["model_file"].endswith("madoguchi.tar.gz")
    assert http("GET", f"http://127.0.0.1:{stack.action_port}/health")[0] == 200
    status = http("POST", f"http://127.0.0.1:{stack.action_port}/webhook", b"{}", {"Content-Type": "application/json"})[0]
    assert status == 401  # the action server's shared secret (MADOGUCHI_ACTION_SECRET)


def test_rest_faq_answer_and_production_bearer_token(stack):
    status, reply = stack.rest("img-faq-1", FAQ_QUESTION)
    assert status == 200 and "【リモートサポート】" in texts(reply), reply
    assert stack.rest("img-faq-2", FAQ_QUESTION, bearer=False)[0] == 401


def test_rest_unsure_question_offers_faq_topics_titled_from_data(stack):
    """An unsure question gets the likeliest FAQ topics as buttons; their titles come from data/nlu and
    bot/faq/titles.yml, read by the action server at run time (the old Dockerfile sketch left data/ out)."""
    from bot.faq import catalog

    status, reply = stack.rest("img-buttons-1", "パソコンの調子")
    assert status == 200, reply
    buttons = [b for m in reply for b in (m.get("buttons") or [])]
    topics = [(re.search(r'"faq_topic":"([a-z0-9_]+)"', b["payload"]), b["title"]) for b in buttons]
    topics = [(m.group(1), title) for m, title in topics if m]
    assert len(topics) == 3, reply
    assert all(title == catalog.entry(key).title for key, title in topics), topics


def test_rest_account_question_with_login_token(stack):
    status, reply = stack.rest("img-account-1", ACCOUNT_QUESTION, token=stack.token)
    assert status == 200, reply
    assert re.search(r"(残り|あと)\s*2\s*回", texts(reply)), reply
    status, reply = stack.rest("img-account-2", ACCOUNT_QUESTION)  # no login: no account data
    assert status == 200 and not re.search(r"(残り|あと)\s*2\s*回", texts(reply)), reply


def test_socketio_faq_and_account_answers(stack):
    async def ask(question: str, auth=None) -> dict:
        client = ChatClient()
        await client.connect(stack.base, auth=auth)
        try:
            await client.session()
            await client.say(question)
            return await client.expect("bot_uttered", timeout=30)
        finally:
            await client.close()

    faq = asyncio.run(ask(FAQ_QUESTION))  # a visitor: the FAQ answer
    assert "【リモートサポート】" in faq.get("text", ""), faq
    account = asyncio.run(ask(ACCOUNT_QUESTION, auth={"token": stack.token}))  # logged in: the account's answer
    assert re.search(r"(残り|あと)\s*2\s*回", account.get("text", "")), account


def test_logs_do_not_contain_the_secrets(stack):
    logs = stack.logs(stack.rasa_name) + stack.logs(stack.actions_name)
    assert "Rasa server is up and running" in logs
    for name in ("MADOGUCHI_SECRET", "MADOGUCHI_REST_TOKEN", "MADOGUCHI_ACTION_SECRET"):
        assert stack.secrets[name] not in logs, name
    assert stack.token not in logs


def test_stops_cleanly_on_sigterm(stack):
    """Last: `podman stop` (SIGTERM, as Kubernetes sends it) ends both servers, and they are removed."""
    start = time.monotonic()
    codes = stack.stop()
    stack.timings["stop_seconds"] = time.monotonic() - start
    assert set(codes) == {stack.rasa_name, stack.actions_name}
    assert all(podman("container", "exists", n, check=False).returncode != 0 for n in codes)
    assert all(code == 0 for code in codes.values()), codes  # graceful shutdown, no SIGKILL
    assert stack.timings["stop_seconds"] < 40, codes  # both stopped before podman's 20 s SIGKILL each
