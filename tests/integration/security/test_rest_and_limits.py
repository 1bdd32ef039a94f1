"""Attacks on the Rasa server itself: the REST channel without the bearer token (production mode),
Rasa's HTTP API without the API token, oversized (chunked) bodies, message floods."""
from __future__ import annotations

import json
import socket
import uuid

import pytest

from tests.support.production_bot import request

pytestmark = pytest.mark.slow


def _rest(bot, headers: dict, sender: str = "rest-auth-1") -> tuple:
    body = json.dumps({"sender": sender, "message": "リモートサポートの月額料金は？"}).encode()
    return request("POST", bot.webhook, body, {"Content-Type": "application/json", **headers})


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer"}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Basic eA=="},
    {"X-Forwarded-For": "127.0.0.1"},                      # loopback is not enough in production
])
def test_rest_without_the_token_is_refused_in_production(bot, headers):
    status, body = _rest(bot, headers)
    assert status == 401, body
    assert body["error"] == "unauthorized" and isinstance(body["message"], str)


def test_rest_with_the_token_answers(bot):
    status, body = _rest(bot, {"Authorization": f"Bearer {bot.rest_token}"})
    assert status == 200 and "550円" in json.dumps(body, ensure_ascii=False), body


def test_http_api_needs_the_api_token(bot):
    for method, path in (("GET", "/conversations/rest-auth-1/tracker"), ("GET", "/status"),
                         ("PUT", "/model"), ("GET", "/domain")):
        body = json.dumps({"model_server": {"url": "http://127.0.0.1:9/evil.tar.gz"}}).encode() \
            if method == "PUT" else None
        status, answer = request(method, bot.url + path, body, {"Content-Type": "application/json"})
        assert status in (401, 403), (path, status, answer)
    status, _ = request("GET", f"{bot.url}/status?token={bot.api_token}")
    assert status == 200


def _chunked_post(port: int, path: str, total: int, headers: dict) -> int:
    """POST `total` bytes with Transfer-Encoding: chunked; the status line the server answers with
    (it may answer, and close, before the body is sent)."""
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json",
            "Transfer-Encoding: chunked", "Connection: close"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    chunk = b"a" * 65536
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        sent = 0
        try:
            while sent < total:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass   # the server refused the body and closed the connection
        response = b""
        try:
            while b"\r\n" not in response:
                data = sock.recv(4096)
                if not data:
                    break
                response += data
        except (ConnectionResetError, socket.timeout):
            pass
    assert response.startswith(b"HTTP/1.1 "), response[:200]
    return int(response.split(b" ")[1])


def test_oversized_chunked_body_is_refused_by_the_rasa_server(bot):
    auth = {"Authorization": f"Bearer {bot.rest_token}"}
    assert _chunked_post(bot.rasa_port, "/webhooks/rest/webhook", 2 * 1024 * 1024, auth) == 413
    # also where no channel reads the body (Rasa's own routes), and the socket.io endpoint
    assert _chunked_post(bot.rasa_port, "/model/parse", 2 * 1024 * 1024, {}) == 413
    assert _chunked_post(bot.rasa_port, "/socket.io/?EIO=4&transport=polling", 2 * 1024 * 1024, {}) == 413
    # a normal request still works afterwards
    assert _rest(bot, auth)[0] == 200


def test_oversized_chunked_body_is_refused_by_the_action_server(bot):
    auth = {"Authorization": f"Bearer {bot.action_secret}"}
    assert _chunked_post(bot.actions_port, "/webhook", 6 * 1024 * 1024, auth) == 413


def test_message_flood_from_one_conversation_is_slowed_down(bot):
    sender = f"flood-{uuid.uuid4().hex[:8]}"
    auth = {"Authorization": f"Bearer {bot.rest_token}"}
    statuses = []
    for i in range(40):                                   # bounded: the limit is 30 per minute
        body = json.dumps({"sender": sender, "message": "こんにちは"}).encode()
        status, answer = request("POST", bot.webhook, body, {"Content-Type": "application/json", **auth})
        statuses.append(status)
        if status == 429:
            assert answer["error"] == "rate_limited" and "時間をおいて" in answer["message"], answer
            break
    assert statuses[-1] == 429 and statuses.count(200) == 30, statuses
    # another conversation is not affected
    assert _rest(bot, auth, sender=f"flood-other-{uuid.uuid4().hex[:8]}")[0] == 200
