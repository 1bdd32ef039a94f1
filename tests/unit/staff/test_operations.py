"""Operations basics (issue #15): metric names and counting, the model's name, rotating log files,
the Prometheus scrape example. No servers."""
from __future__ import annotations

import logging
import logging.config
from pathlib import Path

import yaml

from bot import metrics
from bot.staff import turns

ROOT = Path(__file__).resolve().parents[3]


def sample(name, **labels):
    return metrics.REGISTRY.get_sample_value(name, labels or None) or 0.0


def test_observe_turn_counts_channel_kind_latency_and_verification():
    events = [
        {"event": "user", "text": "0000", "timestamp": 1.0,
         "parse_data": {"intent": {"name": "inform_verification", "confidence": 0.8}}},
        {"event": "action", "name": "verify_identity_form"},
        {"event": "bot", "text": "確認できませんでした。", "timestamp": 1.2, "data": {}, "metadata": {}},
        {"event": "slot", "name": "identity_lock", "value": "v1:3:1796999999:" + "e" * 32},
        {"event": "action", "name": "action_listen"},
    ]
    before = (sample("madoguchi_messages_total", channel="socketio-test"),
              sample("madoguchi_replies_total", kind="verification"),
              sample("madoguchi_verifications_total", outcome="locked"),
              sample("madoguchi_reply_latency_seconds_count"),
              sample("madoguchi_reply_latency_seconds_bucket", le="0.25"))
    metrics.observe_turn("socketio-test", 0.2, events)
    after = (sample("madoguchi_messages_total", channel="socketio-test"),
             sample("madoguchi_replies_total", kind="verification"),
             sample("madoguchi_verifications_total", outcome="locked"),
             sample("madoguchi_reply_latency_seconds_count"),
             sample("madoguchi_reply_latency_seconds_bucket", le="0.25"))
    assert [a - b for a, b in zip(after, before)] == [1, 1, 1, 1, 1]


def test_every_metric_is_named_madoguchi_and_replies_cover_the_kinds():
    text, content_type = metrics.render()
    assert content_type.startswith("text/plain")
    names = [line.split()[2] for line in text.decode().splitlines() if line.startswith("# TYPE")]
    assert names and all(name.startswith("madoguchi_") for name in names)
    for kind in ("faq", "account", "fallback", "disambiguation", "handoff", "out_of_scope"):
        assert f'madoguchi_replies_total{{kind="{kind}"}}' in text.decode()
    assert set(turns.KINDS) >= {"faq", "account", "fallback", "disambiguation", "handoff", "out_of_scope"}


def test_model_name_follows_the_link_to_the_named_model(tmp_path):
    named = tmp_path / "madoguchi-0123456789ab.tar.gz"
    named.write_bytes(b"model")
    (tmp_path / "madoguchi-ffffffffffff.tar.gz").write_bytes(b"older model")
    (tmp_path / "madoguchi.tar.gz").hardlink_to(named)
    assert metrics.model_name_of(tmp_path / "madoguchi.tar.gz") == "madoguchi-0123456789ab.tar.gz"
    (tmp_path / "link.tar.gz").symlink_to(named)
    assert metrics.model_name_of(tmp_path / "link.tar.gz") == "madoguchi-0123456789ab.tar.gz"
    metrics.set_model("madoguchi-0123456789ab.tar.gz")
    assert sample("madoguchi_model_info", model="madoguchi-0123456789ab.tar.gz") == 1
    metrics.set_model("madoguchi-ffffffffffff.tar.gz")  # a new model replaces the old label
    assert sample("madoguchi_model_info", model="madoguchi-0123456789ab.tar.gz") == 0


def test_log_configs_rotate(tmp_path, monkeypatch):
    for name in ("rasa", "actions"):
        config = yaml.safe_load((ROOT / "deploy" / "logging" / f"{name}.yml").read_text())
        handler = config["handlers"]["file"]
        assert handler["class"] == "logging.handlers.RotatingFileHandler"
        assert handler["filename"] == f"var/log/{name}.log" and handler["backupCount"] >= 1
        handler["maxBytes"] = 200  # the same configuration, small enough to see it rotate
        monkeypatch.chdir(tmp_path)
        (tmp_path / "var" / "log").mkdir(parents=True, exist_ok=True)
        root = logging.getLogger()
        saved = root.handlers[:], root.level, logging.root.manager.disable
        # A logger no earlier test has configured (Rasa sets levels on "rasa…" loggers when imported),
        # and no global logging.disable() left over from another test.
        logging.disable(logging.NOTSET)
        try:
            logging.config.dictConfig(config)
            for i in range(20):
                logging.getLogger("log-rotation-check").info("line %d of a log that has to rotate", i)
        finally:
            for h in root.handlers:
                h.close()
            root.handlers[:], root.level = saved[0], saved[1]
            logging.disable(saved[2])
        assert (tmp_path / "var" / "log" / f"{name}.log").exists()
        assert (tmp_path / "var" / "log" / f"{name}.log.1").exists()


def test_prometheus_example_scrapes_every_cluster_server():
    config = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    targets = [t for group in jobs["madoguchi-cluster"]["static_configs"] for t in group["targets"]]
    assert targets == ["127.0.0.1:5105", "127.0.0.1:5106"]  # scripts/cluster.sh: base port 5105, 2 servers
    assert all(job["metrics_path"] == "/metrics" for job in jobs.values())


def test_staff_credentials_are_never_defaults_in_production(tmp_path, monkeypatch):
    from bot.staff import credentials

    token_file = tmp_path / "api-token"
    token_file.write_text("dev-token\n")
    monkeypatch.setattr(credentials, "API_TOKEN_FILE", token_file)
    monkeypatch.delenv("MADOGUCHI_API_TOKEN", raising=False)
    monkeypatch.delenv("MADOGUCHI_STAFF_PASSWORD", raising=False)
    monkeypatch.setenv("MADOGUCHI_ENV", "development")
    assert credentials.api_token() == "dev-token"  # what `make run` generated
    monkeypatch.setenv("MADOGUCHI_ENV", "production")
    assert credentials.api_token() is None and credentials.staff_password() is None  # page off
    monkeypatch.setenv("MADOGUCHI_STAFF_PASSWORD", " s3cret ")
    monkeypatch.setenv("MADOGUCHI_API_TOKEN", "prod-token")
    assert (credentials.api_token(), credentials.staff_password()) == ("prod-token", "s3cret")


def test_tracker_store_url_from_endpoints(tmp_path, monkeypatch):
    from bot.staff import store

    monkeypatch.setenv("MADOGUCHI_TRACKER_DB_HOST", "127.0.0.1")
    monkeypatch.setenv("MADOGUCHI_TRACKER_DB_PORT", "55432")
    monkeypatch.setenv("MADOGUCHI_TRACKER_DB_USER", "madoguchi")
    monkeypatch.setenv("MADOGUCHI_TRACKER_DB_PASSWORD", "pw")
    monkeypatch.setenv("MADOGUCHI_TRACKER_DB_NAME", "rasa")
    assert store.url_from_endpoints(ROOT / "deploy" / "endpoints.cluster.yml") == \
        "postgresql+psycopg2://madoguchi:pw@127.0.0.1:55432/rasa"
    assert store.url_from_endpoints(ROOT / "endpoints.yml") == f"sqlite:///{ROOT / 'var' / 'tracker.db'}"


def test_metrics_of_several_servers_are_summed():
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    from bot.staff import scrape

    texts = {}
    for instance, (faq, latency, model) in {"a:5105": (2, 0.03, "m-1"), "b:5106": (3, 0.3, "m-1")}.items():
        registry = CollectorRegistry()
        Counter("madoguchi_replies", "replies", ["kind"], registry=registry).labels(kind="faq").inc(faq)
        Histogram("madoguchi_reply_latency_seconds", "latency", buckets=(0.1, 1.0), registry=registry).observe(latency)
        Gauge("madoguchi_model_info", "model", ["model"], registry=registry).labels(model=model).set(1)
        texts[instance] = generate_latest(registry).decode()
    merged = scrape.aggregate(texts)
    values = {(s.name, tuple(sorted(s.labels.items()))): s.value
              for family in text_string_to_metric_families(merged) for s in family.samples}
    assert values[("madoguchi_replies_total", (("kind", "faq"),))] == 5
    assert values[("madoguchi_reply_latency_seconds_bucket", (("le", "0.1"),))] == 1
    assert values[("madoguchi_reply_latency_seconds_bucket", (("le", "1.0"),))] == 2
    assert values[("madoguchi_reply_latency_seconds_count", ())] == 2
    assert values[("madoguchi_model_info", (("instance", "a:5105"), ("model", "m-1")))] == 1
    assert values[("madoguchi_model_info", (("instance", "b:5106"), ("model", "m-1")))] == 1
    assert "# TYPE madoguchi_replies_total counter" in merged
