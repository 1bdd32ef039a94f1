"""A live bot for the attack tests: the hardening stack (tests/support/live_bot.Stack:
trained model, credentials.yml's channels, the action server started through
bot.action_server, temp stores, free loopback ports) in **production** mode, with a REST bearer
token and an API token, as an operator would run it."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from tests.support.live_bot import MODEL, ROOT, VENV_BIN, Stack, post  # noqa: F401  (MODEL, ROOT: for the tests)


def request(method: str, url: str, body: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None,
            timeout: float = 30) -> Tuple[int, Any]:
    """(status, parsed JSON or text); no exception for 4xx/5xx."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


class ProductionStack(Stack):
    def __init__(self, tmp: Path) -> None:
        super().__init__(tmp)
        self.rest_token = "rest-" + os.urandom(16).hex()
        self.api_token = "api-" + os.urandom(16).hex()
        self.env.update({"MADOGUCHI_ENV": "production", "MADOGUCHI_REST_TOKEN": self.rest_token,
                         "MADOGUCHI_API_TOKEN": self.api_token})
        self.ready_path = "/webhooks/rest/"  # /status needs the API token in production

    def say(self, sender: str, text: str, token: Optional[str] = None, timeout: float = 30,
            bearer: Optional[str] = "default") -> Tuple[int, Any, float]:
        body: Dict[str, Any] = {"sender": sender, "message": text}
        if token is not None:
            body["metadata"] = {"token": token}
        bearer = self.rest_token if bearer == "default" else bearer
        headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
        return post(self.webhook, json.dumps(body).encode("utf-8"), timeout, headers=headers)

    def tracker(self, sender: str) -> Dict[str, Any]:
        status, body = request("GET", f"{self.url}/conversations/{sender}/tracker?token={self.api_token}")
        assert status == 200, body
        return body
