"""Attack on `make cluster` (scripts/cluster.sh: nginx -> Rasa -> action server): through nginx, Rasa's
HTTP API (/model, /conversations, /status) is not reachable at all; on the Rasa servers' own loopback
ports it needs the API token; the action server needs the shared secret; the chat page, socket.io and
REST still work through nginx. One Rasa server (the layout, not the load, is under test)."""
from __future__ import annotations

import json

import pytest

from tests.support.production_bot import request

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    from bot.devtools.benchmark.cluster import Cluster, skip_reason
    from bot.devtools.benchmark.servers import MODEL

    reason = skip_reason()
    if reason:
        pytest.skip(f"the cluster needs the Debian packages: {reason}")
    if not MODEL.exists():
        pytest.skip(f"no trained model at {MODEL} (make train)")
    c = Cluster(servers=1, action_servers=1)
    c.up(timeout=420)
    try:
        yield c
    finally:
        c.down()


def _token(cluster) -> str:
    """MADOGUCHI_API_TOKEN of the cluster's environment, else the one scripts/cluster.sh generated."""
    return cluster.env.get("MADOGUCHI_API_TOKEN") or (cluster.directory / "api-token").read_text().strip()


@pytest.mark.parametrize("method,path", [
    ("GET", "/conversations/someone/tracker"), ("POST", "/conversations/someone/tracker/events"),
    ("PUT", "/model"), ("DELETE", "/model"), ("GET", "/status"), ("GET", "/version"), ("POST", "/model/parse"),
    ("GET", "/domain"), ("POST", "/webhooks/rest/webhook/../../model"),
])
def test_http_api_is_not_routed_by_nginx(cluster, method, path):
    body = json.dumps({"model_server": {"url": "http://127.0.0.1:9/evil.tar.gz"}}).encode() \
        if method in ("PUT", "POST") else None
    for suffix in ("", f"?token={_token(cluster)}"):          # not even with the token
        status, answer = request(method, cluster.url + path + suffix, body, {"Content-Type": "application/json"})
        assert status in (403, 404, 405), (method, path, status, answer)


def test_http_api_on_the_rasa_port_needs_the_token(cluster):
    rasa = cluster.rasa_url(0)
    for method, path in (("GET", "/conversations/someone/tracker"), ("PUT", "/model"), ("GET", "/status")):
        status, answer = request(method, rasa + path, b"{}" if method == "PUT" else None,
                                 {"Content-Type": "application/json"})
        assert status in (401, 403), (path, status, answer)
    assert request("GET", f"{rasa}/status?token={_token(cluster)}")[0] == 200


def test_action_server_of_the_cluster_needs_the_secret(cluster):
    url = f"http://127.0.0.1:{cluster.ports['actions']}/webhook"
    status, _ = request("POST", url, b'{"next_action": "action_account_contract_summary"}',
                        {"Content-Type": "application/json"})
    assert status == 401


def test_customers_still_reach_the_chat_page_socketio_and_rest(cluster):
    assert request("GET", cluster.url + "/chat/")[0] == 200
    status, body = request("GET", cluster.url + "/socket.io/?EIO=4&transport=polling")
    assert status == 200 and str(body).startswith("0"), body
    status, answer = request("POST", cluster.url + "/webhooks/rest/webhook",
                             json.dumps({"sender": "cluster-sec-1", "message": "リモートサポートの月額料金は？"}).encode(),
                             {"Content-Type": "application/json"}, timeout=120)
    assert status == 200 and "550円" in json.dumps(answer, ensure_ascii=False), answer


def _say(cluster, sender: str, text: str) -> str:
    status, answer = request("POST", cluster.url + "/webhooks/rest/webhook",
                             json.dumps({"sender": sender, "message": text}).encode(),
                             {"Content-Type": "application/json"}, timeout=120)
    assert status == 200, answer
    return "\n".join(m.get("text", "") for m in answer)


def test_verification_limits_are_shared_in_redis(cluster):
    """Brute force across conversations through nginx: the contract's counter lives in Redis."""
    import uuid

    import redis

    for i in range(5):
        sender = f"cluster-brute-{uuid.uuid4().hex[:8]}"
        _say(cluster, sender, "/request_verification")
        _say(cluster, sender, "RS-0001")
        _say(cluster, sender, "9999")
    sender = f"cluster-brute-{uuid.uuid4().hex[:8]}"
    _say(cluster, sender, "/request_verification")
    _say(cluster, sender, "RS-0001")
    assert "お受けできません" in _say(cluster, sender, "1001")
    keys = redis.Redis(host="127.0.0.1", port=cluster.ports["redis"], db=2).keys("madoguchi:verify:lock:contract:*")
    assert len(keys) == 1 and b"RS-0001" not in keys[0]
