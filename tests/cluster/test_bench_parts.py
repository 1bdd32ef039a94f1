"""Fast checks of the benchmark and scale-out pieces (no servers started)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from bot.benchmark import load, report, traffic
from bot.benchmark.traffic import Message

ROOT = Path(__file__).resolve().parents[2]


def _training_texts() -> set:
    texts = set()
    for path in list((ROOT / "data").rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            for line in str(item.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    texts.add(line.strip()[2:].strip())
    return texts


def test_traffic_uses_held_out_texts_only_and_every_category():
    corpus = traffic.load_corpus()
    assert all(corpus.counts()[c] > 0 for c in traffic.MIX)
    overlap = {t for texts in corpus.texts.values() for t in texts} & _training_texts()
    assert not overlap, f"benchmark texts that are training data: {sorted(overlap)[:5]}"


def test_customer_scripts_are_deterministic_bounded_and_half_logged_in():
    corpus = traffic.load_corpus()
    tokens = {"A1001": "t1", "A1002": "t2"}
    a = traffic.customer_script(corpus, 4, 7, tokens)
    assert a == traffic.customer_script(corpus, 4, 7, tokens) and len(a) == 7
    assert all(m.token for m in a)
    assert not any(m.token for m in traffic.customer_script(corpus, 5, 7, tokens))
    assert Message("faq", "x", "tok").body("s") == {"sender": "s", "message": "x", "metadata": {"token": "tok"}}
    assert Message("faq", "x").body("s") == {"sender": "s", "message": "x"}


def test_percentiles():
    result = load.LevelResult(customers=1, latencies=[i / 1000 for i in range(1, 101)])
    assert result.pct(50) == 0.050 and result.pct(95) == 0.095 and result.pct(99) == 0.099


def test_tables_have_every_column():
    row = {c: "1" for c in report.COLUMNS}
    assert report.text_table([row]).count("\n") == 2
    assert report.markdown_table([row]).splitlines()[0].count("|") == len(report.COLUMNS) + 1


def test_nginx_template_has_sticky_socketio_and_websocket_upgrade():
    text = (ROOT / "deploy" / "nginx.conf.template").read_text()
    assert set(re.findall(r"@[A-Z]+@", text)) == {"@PREFIX@", "@LOGDIR@", "@PORT@", "@SERVERS@"}
    socketio = text[text.index("location /socket.io/"):]
    assert "proxy_pass http://rasa_socketio" in socketio and "Upgrade $http_upgrade" in socketio
    upstream = text[text.index("upstream rasa_socketio"):]
    assert "ip_hash" in upstream.split("}")[0]
    assert "listen 127.0.0.1:" in text


def test_cluster_endpoints_use_postgresql_tracker_store_and_redis_lock_store(monkeypatch):
    from rasa.utils.endpoints import read_endpoint_config

    env = {"MADOGUCHI_ACTION_URL": "http://127.0.0.1:5155/webhook", "MADOGUCHI_TRACKER_DB_HOST": "127.0.0.1",
           "MADOGUCHI_TRACKER_DB_PORT": "55432", "MADOGUCHI_TRACKER_DB_USER": "madoguchi",
           "MADOGUCHI_TRACKER_DB_PASSWORD": "pw", "MADOGUCHI_TRACKER_DB_NAME": "rasa",
           "MADOGUCHI_REDIS_HOST": "127.0.0.1", "MADOGUCHI_REDIS_PORT": "56379",
           "MADOGUCHI_REDIS_PASSWORD": "", "MADOGUCHI_ACTION_SECRET": "s" * 32}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    path = str(ROOT / "deploy" / "endpoints.cluster.yml")
    tracker = read_endpoint_config(path, "tracker_store")
    lock = read_endpoint_config(path, "lock_store")
    action = read_endpoint_config(path, "action_endpoint")
    assert tracker.type == "bot.tracker_store.CachedSQLTrackerStore" and tracker.kwargs["dialect"] == "postgresql"
    assert tracker.kwargs["port"] == "55432" and tracker.kwargs["password"] == "pw" and tracker.url == "127.0.0.1"
    assert lock.type == "redis" and lock.url == "127.0.0.1" and lock.kwargs["port"] == "56379"
    assert action.url == "http://127.0.0.1:5155/webhook"


def test_cluster_script_syntax_and_usage():
    assert subprocess.run(["bash", "-n", str(ROOT / "scripts" / "cluster.sh")]).returncode == 0
    result = subprocess.run(["bash", str(ROOT / "scripts" / "cluster.sh")], capture_output=True, text=True)
    assert result.returncode == 2 and "usage" in result.stderr


def test_each_simulated_customer_has_conversations_of_ten_messages():
    """The load generator against a tiny REST stand-in: every message answered, a new sender id
    (conversation) every CONVERSATION_LENGTH messages, latencies recorded per message."""
    import asyncio

    from aiohttp import web

    from bot.localserver import free_port

    seen = []

    async def webhook(request):
        body = await request.json()
        seen.append(body["sender"])
        return web.json_response([{"recipient_id": body["sender"], "text": "はい"}])

    async def run():
        app = web.Application()
        app.router.add_post(load.WEBHOOK, webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            script = [Message("faq", f"質問{n}", None) for n in range(25)]
            return await load.run_level(f"http://127.0.0.1:{port}", [script, script], "t", 30)
        finally:
            await runner.cleanup()

    result = asyncio.run(run())
    assert result.ok == 50 and result.errors == 0 and len(result.latencies) == 50
    for customer in ("t-0000", "t-0001"):
        senders = [s for s in seen if s.startswith(customer)]
        assert [senders.count(f"{customer}-c{k}") for k in range(3)] == [10, 10, 5]
