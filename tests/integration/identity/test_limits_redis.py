"""Verification limits shared between action servers through a real Redis server (bot.auth.limits)."""
from __future__ import annotations

import pytest

from bot.identity import attempts, limits

KEY = b"unit-test-secret-0123456789-0123456789"


@pytest.fixture
def redis_url(tmp_path):
    import shutil
    import subprocess
    import time as _time

    from bot.devtools.localserver import free_port

    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (make test installs it as root)")
    port = free_port()
    server = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                _time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/2"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_redis_store_is_shared_between_action_servers(redis_url, monkeypatch):
    import time as _time

    monkeypatch.setenv("MADOGUCHI_SECRET", KEY.decode())
    monkeypatch.setenv("MADOGUCHI_LIMITS_URL", redis_url)
    now = _time.time()
    first, second = limits.VerificationLimiter(), limits.VerificationLimiter()   # two processes' worth
    assert isinstance(first.store, attempts.RedisAttemptStore)
    for i in range(4):
        (first if i % 2 else second).record_failure("RS-0001", f"c{i}", now + i)
    verdict = second.record_failure("RS-0001", "c5", now + 5)
    assert verdict.refused(now + 5) and verdict.contract_failures == 5
    assert first.check("RS-0001", None, now + 6).scope == limits.CONTRACT
