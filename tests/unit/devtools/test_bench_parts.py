"""Fast checks of the benchmark and scale-out pieces (no servers started)."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.devtools.benchmark import load, report, traffic
from bot.devtools.benchmark.traffic import Message

ROOT = Path(__file__).resolve().parents[3]


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


def test_each_simulated_customer_has_conversations_of_ten_messages():
    """The load generator against a tiny REST stand-in: every message answered, a new sender id
    (conversation) every CONVERSATION_LENGTH messages, latencies recorded per message."""
    import asyncio

    from aiohttp import web

    from bot.devtools.localserver import free_port

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


# ---- issue #17: stock Rasa peer, faults, memory, comparison with the previous run ----------------

def test_fault_replies_are_classified_as_answer_apology_or_lost():
    from bot.devtools.benchmark import faults

    assert faults.classify(200, [{"recipient_id": "s", "text": "月額は550円です"}]) == faults.OK
    assert faults.classify(200, [{"recipient_id": "s", "buttons": [{"title": "はい"}]}]) == faults.OK
    for prefix in faults.APOLOGY_PREFIXES:
        assert faults.classify(200, [{"text": prefix + "……"}]) == faults.APOLOGY
    assert faults.classify(200, []) == faults.LOST
    assert faults.classify(502, "<html>bad gateway</html>") == faults.LOST
    assert faults.classify(None, None) == faults.LOST
    assert faults.classify(200, [{"recipient_id": "s"}]) == faults.LOST


def test_apology_prefixes_are_the_texts_customers_get():
    from bot.devtools.benchmark import faults
    from bot.support.contacts import apology

    source = (ROOT / "bot" / "channels" / "no_reply.py").read_text(encoding="utf-8")
    texts = [m.group(1) for m in re.finditer(r'(?:NO_REPLY_TEXT|SLOW_REPLY_TEXT) = \(\s*"([^"]+)"', source)]
    assert len(texts) == 2
    assert apology().startswith(faults.APOLOGY_PREFIXES)
    assert all(t.startswith(faults.APOLOGY_PREFIXES) for t in texts)


def test_fault_scripts_never_repeat_a_text_within_a_conversation():
    from bot.devtools.benchmark import faults

    corpus = traffic.load_corpus()
    script = faults.unique_script(corpus, 3, 95, {"A1001": "t"})
    assert len(script) == 95
    for start in range(0, 95, load.CONVERSATION_LENGTH):
        texts = [m.text for m in script[start:start + load.CONVERSATION_LENGTH]]
        assert len(texts) == len(set(texts))
    assert script == faults.unique_script(corpus, 3, 95, {"A1001": "t"})


def test_stored_turns_are_checked_for_loss_duplicates_and_order():
    from bot.devtools.benchmark import faults

    sent = {"c1": [("a", "ok"), ("b", "ok"), ("c", "apology")], "c2": [("x", "ok"), ("y", "ok")]}
    assert faults.check_turns(sent, {"c1": ["a", "b", "c"], "c2": ["x", "y"]}) == {
        "lost": 0, "not stored after apology": 0, "duplicated": 0, "reordered conversations": 0}
    assert faults.check_turns(sent, {"c1": ["a", "b"], "c2": ["y", "x", "x"]}) == {
        "lost": 0, "not stored after apology": 1, "duplicated": 1, "reordered conversations": 1}
    assert faults.check_turns(sent, {"c1": ["a"]})["lost"] == 3  # b, x, y answered but not stored


def test_seconds_until_answers_are_normal_again():
    from bot.devtools.benchmark.faults import APOLOGY, LOST, OK, Reply, seconds_until_normal

    def r(done, kind, failed=0):
        return Reply("c", "t", done - 0.1, done, kind, failed)

    replies = [r(1, OK), r(6, APOLOGY), r(12, LOST), r(14, OK, failed=1), r(20, OK), r(30, OK)]
    assert seconds_until_normal(replies, fault_at=5, restart_at=10) == 4.0
    assert seconds_until_normal([r(1, OK), r(20, OK)], fault_at=5, restart_at=10) == 0.0
    assert seconds_until_normal([r(6, APOLOGY), r(8, APOLOGY)], fault_at=5, restart_at=10) is None


def test_smaps_are_summed_per_kind_of_mapping():
    from bot.devtools.benchmark import memory

    text = "\n".join([
        "7f00-7f10 r-xp 00000000 08:01 1 /venv/lib/tensorflow/libtensorflow_framework.so.2", "Size: 64 kB",
        "Rss:                 40 kB",
        "7f10-7f20 r-xp 00000000 08:01 2 /usr/lib/x86_64-linux-gnu/libc.so.6", "Rss: 8 kB",
        "7f20-7f30 r--p 00000000 08:01 3 /venv/lib/unidic_lite/dicdir/sys.dic", "Rss: 16 kB",
        "7f30-7f40 rw-p 00000000 00:00 0 ", "Rss: 100 kB", "Anonymous: 100 kB",
        "7f40-7f50 rw-p 00000000 00:00 0 [heap]", "Rss: 4 kB"])
    assert memory.parse_smaps(text) == {"TensorFlow libraries": 40 * 1024, "other shared libraries": 8 * 1024,
                                        "mapped files": 16 * 1024, "anonymous (heap, stacks)": 104 * 1024}
    assert memory.deltas([("a", 10), ("b", 25)]) == [("a", 10, 10), ("b", 25, 15)]


def test_previous_single_server_figures_are_read_from_the_last_benchmark_doc():
    doc = ("| setup | customers | messages | msg/s | errors |\n|---|---:|---:|---:|---:|\n"
           "| single | 8 | 320 | 104.9 | 0 |\n| single | 32 | 1280 | 106.5 | 0 |\n| cluster-2 | 8 | 320 | 95.2 | 0 |\n"
           "<!-- bench:results -->\n| single | 8 | 1 | 999 | 0 |\n")
    previous = report.previous_throughput(doc)
    assert previous == {8: 104.9, 32: 106.5}
    assert "within 10%" in report.previous_comparison(previous, {8: 100.0, 32: 97.0}, 0.10)
    assert "NOT within 10%" in report.previous_comparison(previous, {8: 90.0, 32: 94.0}, 0.10)
    assert report.previous_throughput("no table") == {}


def test_stock_peer_uses_rasas_own_components_and_policies_on_the_projects_data():
    from bot.devtools.benchmark import peer

    config = yaml.safe_load(peer.CONFIG.read_text(encoding="utf-8"))
    names = [c["name"] for c in config["pipeline"]]
    assert names[0] == "bot.nlu.tokenizer.FugashiTokenizer"
    assert not [n for n in names[1:] if "." in n], "only Rasa's own components after the tokenizer"
    assert {"DIETClassifier", "ResponseSelector", "CountVectorsFeaturizer"} <= set(names)
    assert any(c.get("analyzer") == "char_wb" for c in config["pipeline"])
    assert [p["name"] for p in config["policies"]] == ["MemoizationPolicy", "RulePolicy", "TEDPolicy"]
    assert config["language"] == "ja"
    assert yaml.safe_load(peer.CREDENTIALS.read_text()) == {"rest": None}
    assert "DIETClassifier 3 epochs" in peer.training_settings()
    assert peer.ROOT / "data" in peer.INPUTS and peer.ROOT / "domain.yml" in peer.INPUTS


def test_peer_cache_key_changes_with_its_inputs(tmp_path):
    from bot.devtools.benchmark import peer

    a = tmp_path / "a.yml"
    a.write_text("x: 1")
    first = peer.inputs_hash([a])
    a.write_text("x: 2")
    assert peer.inputs_hash([a]) != first


def test_madoguchi_and_stock_side_by_side_with_the_ratio():
    def row(setup, customers, ok):
        result = load.LevelResult(customers=customers, ok=ok, duration=10.0)
        return {"setup": setup, "customers": customers, "msg/s": f"{result.throughput:.1f}", "p50 ms": "1",
                "p95 ms": "2", "Rasa CPU ms/msg": "3", "Rasa RSS MB": "4", "errors": 0, "_result": result}

    table = report.peer_comparison([row("single", 8, 1000), row("single", 32, 900)], [row("stock-rasa", 8, 400)])
    assert len(table) == 1 and table[0]["ratio"] == "2.50" and table[0]["_ratio"] == 2.5
    assert set(report.PEER_COLUMNS) <= set(table[0])


def test_readme_block_replaces_only_the_marked_table():
    def row(setup, customers, mps):
        return {"setup": setup, "customers": customers, "msg/s": mps, "p95 ms": "100", "Rasa CPU ms/msg": "12",
                "Rasa RSS MB": "800", "errors": 0}

    block = report.readme_block("2026-12-01 13:20 UTC", "1.0 1.0 1.0", [row("single", 8, "100.0")],
                                [row("stock-rasa", 8, "40.0")], [], [{"customers": 8, "ratio": "2.50"}],
                                [{"fault": "f", "apologies": "3", "lost replies": "0", "turns lost": "0",
                                  "reordered conversations": "0", "normal again after s": "4.0"}],
                                [("p95 at 8", False, "191 ms"), ("zero errors", True, "0")])
    assert block.startswith(report.README_START) and block.endswith(report.README_END)
    assert "Targets met in this run: 1 of 2; missed: p95 at 8 (191 ms)." in block
    assert "| **ratio Madoguchi / stock Rasa** | **2.50** |" in block and "| f | 3 | 0 | 0 / 0 | 4.0 s |" in block
    text = f"intro\n{report.README_START}\nold\n{report.README_END}\nrest"
    assert report.replace_block(text, block) == f"intro\n{block}\nrest"
    assert report.replace_block("no markers", block) is None


def test_a_stale_peer_is_used_with_a_note_unless_retraining_is_asked_for(tmp_path, monkeypatch):
    """`make eval`/`make bench` use the cached peer after a data change (saying so); --peer-train retrains it."""
    import json
    import subprocess

    from bot.devtools.benchmark import peer

    monkeypatch.setattr(peer, "CACHE", tmp_path)
    monkeypatch.setattr(peer, "RECORD", tmp_path / "training.json")
    monkeypatch.setattr(peer, "inputs_hash", lambda inputs=None: "new-inputs")
    (tmp_path / "stock-old-inputs.tar.gz").write_bytes(b"model")
    (tmp_path / "training.json").write_text(json.dumps(
        {"inputs": "old-inputs", "seconds": 500, "date": "2026-12-01 15:42 UTC", "model": "stock-old-inputs.tar.gz"}))
    path, note = peer.ensure_model(log=lambda line: None)
    assert path == tmp_path / "stock-old-inputs.tar.gz"
    assert "changed since: not retrained" in note

    trained = []

    def fake_train(command, **kwargs):
        trained.append(command)
        (tmp_path / "stock-new-inputs.tar.gz").write_bytes(b"new model")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(peer.subprocess, "run", fake_train)
    path, note = peer.ensure_model(log=lambda line: None, retrain_stale=True)
    assert trained and "train" in trained[0]
    assert path == tmp_path / "stock-new-inputs.tar.gz" and "not retrained" not in note
    assert not (tmp_path / "stock-old-inputs.tar.gz").exists()
    assert json.loads((tmp_path / "training.json").read_text())["inputs"] == "new-inputs"


def test_evaluation_passes_peer_train_to_the_peer(monkeypatch, tmp_path):
    from bot.devtools import evaluation
    from bot.devtools.benchmark import peer

    seen = {}

    def fake_heldout_accuracy(texts, gold, predict, score, retrain_stale=False):
        seen["retrain_stale"] = retrain_stale
        raise SystemExit(0)

    monkeypatch.setattr(peer, "heldout_accuracy", fake_heldout_accuracy)

    async def fake_parses(model, texts):
        return [{"intent": {"name": "greet", "confidence": 1.0}, "intent_ranking": [], "text": t} for t in texts]

    monkeypatch.setattr(evaluation, "_rasa_parses", fake_parses)
    held = tmp_path / "held"
    held.mkdir()
    (held / "a.yml").write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - ごきげんよう皆さま\n', encoding="utf-8")
    try:
        evaluation.main(["--heldout", str(held), "--peer", "--peer-train", "--out", str(tmp_path / "out.json")])
    except SystemExit:
        pass
    assert seen == {"retrain_stale": True}
