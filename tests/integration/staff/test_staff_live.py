"""Staff tools against a live bot (one Rasa + action server for the module, issue #15): /metrics,
`bot ask`, `bot review` on the conversations sent (fallback, handoff, failed verification; masked),
the staff page in Chromium, a scripted `make shell DEBUG=1 ACCOUNT=A1001` session (pty)."""
from __future__ import annotations

import os
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
from tests.support import live_bot  # noqa: E402
from tests.support.live_bot import VENV_BIN  # noqa: E402
from tests.support.postgres import postgres_server  # noqa: E402,F401  (fixture)
from tests.support.staff_bot import PtyProcess, metric_values, run_bot, running_stack, value  # noqa: E402

pytestmark = pytest.mark.slow

API_TOKEN = "staff-test-token-" + os.urandom(6).hex()
STAFF_PASSWORD = "staff-pw-" + os.urandom(6).hex()
# A1001 of fixtures/demo_accounts.yml: 山田 太郎, 090-0000-1001, contracts RS-0001, LM-0001 (hands-on)
PERSONAL = ("山田", "太郎", "090", "1234-5678", "RS-0001", "LM-0001", "A1001", "claim1:", "v1:")
HANDOFF_TEXT = "山田太郎です。電話番号は090-1234-5678です。オペレーターと話したい"
FALLBACK_TEXT = "ぽぽぽぽ"
FAQ_TEXT = "スマホのリモートサポートは可能ですか？"   # a training example of faq/rs_smartphone


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not live_bot.MODEL.exists():
        pytest.skip("no trained model (make train)")
    with running_stack(tmp_path_factory.mktemp("staff_stack"), MADOGUCHI_API_TOKEN=API_TOKEN,
                       MADOGUCHI_STAFF_PASSWORD=STAFF_PASSWORD) as running:
        yield running


@pytest.fixture(scope="module")
def seeded(stack):
    """Real conversations through the bot: a fallback, a handoff with personal data, a failed
    verification (wrong last 4 digits), and the metrics before and after them."""
    before = metric_values(stack)
    assert "スマートフォン" in stack.texts("seed-faq", FAQ_TEXT)
    stack.texts("seed-fallback", FALLBACK_TEXT)
    stack.texts("seed-handoff", HANDOFF_TEXT)
    sender = "seed-verify"
    stack.texts(sender, "本人確認したい")
    stack.texts(sender, "LM-0001")
    stack.texts(sender, "0000")  # A1001's phone ends in 1001
    stack.texts("seed-verified", "本人確認したい")  # and one that succeeds
    stack.texts("seed-verified", "RS-0001")
    stack.texts("seed-verified", "1001")
    return {"before": before, "after": metric_values(stack)}


def test_metrics_count_the_messages(stack, seeded):
    before, after = seeded["before"], seeded["after"]
    assert value(after, "madoguchi_messages_total", channel="rest") - value(
        before, "madoguchi_messages_total", channel="rest") == 9
    delta = {kind: value(after, "madoguchi_replies_total", kind=kind) - value(before, "madoguchi_replies_total", kind=kind)
             for kind in ("faq", "fallback", "handoff", "verification", "account")}
    assert delta["faq"] == 1 and delta["handoff"] == 1 and delta["fallback"] == 1, delta
    # the form's turns are verification; the success is answered by action_verification_result (account)
    assert delta["verification"] == 5 and delta["account"] == 1, delta
    outcomes = {o: value(after, "madoguchi_verifications_total", outcome=o) - value(
        before, "madoguchi_verifications_total", outcome=o) for o in ("success", "failure", "locked")}
    assert outcomes == {"success": 1, "failure": 1, "locked": 0}
    assert value(after, "madoguchi_reply_latency_seconds_count") - value(
        before, "madoguchi_reply_latency_seconds_count") == 9
    models = [labels for (name, labels) in after if name == "madoguchi_model_info"]
    assert models and dict(models[0])["model"].endswith(".tar.gz")
    assert all(name.startswith("madoguchi_") for (name, _) in after)


def test_metrics_refuse_proxied_callers_without_the_token(stack):
    proxied = urllib.request.Request(stack.url + "/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(proxied, timeout=10)
    assert refused.value.code == 403
    proxied = urllib.request.Request(stack.url + "/metrics", headers={"X-Forwarded-For": "203.0.113.7",
                                                                      "Authorization": "Bearer " + API_TOKEN})
    with urllib.request.urlopen(proxied, timeout=10) as r:
        assert r.status == 200 and b"madoguchi_messages_total" in r.read()


def test_bot_metrics_sums_servers(stack, seeded):
    """`python -m bot metrics` (for make cluster) adds up the servers it is given: here the same one twice."""
    single = value(metric_values(stack), "madoguchi_messages_total", channel="rest")
    result = run_bot(stack, "metrics", "--url", stack.url, "--url", stack.url + "/")
    assert result.returncode == 0, result.stderr
    summed = re.search(r'^madoguchi_messages_total\{channel="rest"\} (\S+)$', result.stdout, re.M)
    assert float(summed.group(1)) == 2 * single
    assert len(re.findall(r"^madoguchi_model_info\{", result.stdout, re.M)) == 2  # one per server


def test_bot_ask_prints_reply_and_diagnostics(stack):
    result = run_bot(stack, "ask", "--url", stack.url, FAQ_TEXT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert "スマートフォンであればサポート可能" in result.stdout
    assert lines[-1].startswith("[diag] intent=faq (")
    assert "answer=faq/rs_smartphone" in lines[-1] and "service=remote_support" in lines[-1]
    assert "identified=no" in lines[-1] and lines[-1].endswith("kind=faq")

    result = run_bot(stack, "ask", "--url", stack.url, "--account", "A1001", "--today", "2026-11-16",
                     "ハンズオンはあと何回無料？")
    assert result.returncode == 0, result.stderr
    assert "LM-0001" in result.stdout  # the customer's own contract: the token was accepted
    assert "identified=yes" in result.stdout and "kind=account" in result.stdout


def test_bot_ask_batch_summary(stack, tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_text("# staff checks\nこんにちは\n\nオペレーターと話したい\n", encoding="utf-8")
    result = run_bot(stack, "ask", "--url", stack.url, "--file", str(questions))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("[diag]") == 2
    table = result.stdout[result.stdout.index("#  kind"):]
    assert re.search(r"^1\s+smalltalk\s+greet\s", table, re.M)
    assert re.search(r"^2\s+handoff\s+human_handoff\s", table, re.M)
    assert "2 questions: handoff 1, smalltalk 1" in table


def test_bot_ask_without_a_bot_fails_clearly(stack):
    from bot.devtools.localserver import free_port

    result = run_bot(stack, "ask", "--url", f"http://127.0.0.1:{free_port()}", "こんにちは")
    assert result.returncode == 1 and "is it running" in result.stderr


def test_review_finds_and_masks(stack, seeded, tmp_path):
    draft = tmp_path / "draft.yml"
    result = run_bot(stack, "review", "--days", "1", "--tracker-db", f"sqlite:///{stack.tracker_db}",
                     "--export", str(draft))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    counts = dict(re.findall(r"^  (\S.*?\S)\s{2,}(\d+)$", out, re.M))
    assert int(counts["fallback, stage 1 (topics offered)"]) >= 1
    assert int(counts["handoff requests"]) >= 1
    assert int(counts["failed verifications"]) >= 1
    assert f"「{FALLBACK_TEXT}」" in out
    assert "オペレーターと話したい" in out and "(verification input, not shown)" in out
    for private in PERSONAL + ("seed-handoff", "seed-verify"):
        assert private not in out, private
    text = draft.read_text(encoding="utf-8")
    assert FALLBACK_TEXT in text and "# predicted intent:" in text
    assert yaml.safe_load(text)["nlu"][0]["intent"] == "label_me"


def test_review_refuses_to_write_into_data(stack):
    result = run_bot(stack, "review", "--days", "1", "--tracker-db", f"sqlite:///{stack.tracker_db}",
                     "--export", str(ROOT / "data" / "nlu" / "draft.yml"))
    assert result.returncode == 2 and not (ROOT / "data" / "nlu" / "draft.yml").exists()


def test_staff_page_in_chromium(stack, seeded):
    from tests.support.webchat import CHROMIUM, launch_chromium

    if not CHROMIUM.exists():
        pytest.skip("chromium is missing")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            response = page.goto(stack.url + "/staff/")
            assert response.status == 401
            assert page.locator("input[type=password]").count() == 1
            assert page.locator("svg.chart").count() == 0 and "Needs a human look" not in page.content()
            page.fill("input[name=password]", "wrong")
            page.click("button[type=submit]")
            assert "Wrong password" in page.content()
            page.fill("input[name=password]", STAFF_PASSWORD)
            page.click("button[type=submit]")
            page.locator("#review").wait_for()
            assert page.locator("svg.chart").count() >= 4
            assert page.locator("svg.chart rect.bar").count() >= 1
            assert page.locator("svg.chart rect.bar").first.bounding_box()["height"] > 0
            assert "model: " + live_bot.MODEL.name in page.inner_text("#model")
            html = page.content()
            assert FALLBACK_TEXT in html and "handoff" in html
            for private in PERSONAL + ("seed-handoff", "seed-verify", API_TOKEN, STAFF_PASSWORD):
                assert private not in html, private
            page.click("text=Log out")
            page.locator("input[type=password]").wait_for()
        finally:
            browser.close()


def test_shell_session_prints_diagnostics(stack, tmp_path):
    """`python -m bot.staff.shell` (what `make shell DEBUG=1 ACCOUNT=A1001` runs) in a pty."""
    endpoints = yaml.safe_load((stack.tmp / "endpoints.yml").read_text())
    endpoints["tracker_store"]["db"] = str(tmp_path / "shell-tracker.db")
    (tmp_path / "endpoints.yml").write_text(yaml.safe_dump(endpoints))
    from bot.devtools.localserver import free_port

    env = {**stack.env, "TERM": "xterm", "MADOGUCHI_SHELL_DEBUG": "1", "MADOGUCHI_SHELL_ACCOUNT": "A1001"}
    args = [str(VENV_BIN / "python"), "-m", "bot.staff.shell", "--model", str(live_bot.MODEL),
            "--endpoints", str(tmp_path / "endpoints.yml"), "--interface", "127.0.0.1", "--port", str(free_port())]
    shell = PtyProcess(args, env, ROOT)
    try:
        startup = shell.read_until(r"Bot loaded", 0, 240)
        assert "Testing as the logged-in customer A1001" in startup
        assert "DeprecationWarning" not in startup and "FutureWarning" not in startup
        mark = shell.mark()
        shell.type("ハンズオンはあと何回無料？")
        answer = shell.read_until(r"\[diag\][^\n]*kind=\w+", mark, 90)
        diag = re.search(r"\[diag\][^\n]*", answer).group(0)
        assert "identified=yes" in diag and "kind=account" in diag and "service=haas" in diag
        assert "LM-0001" in answer  # answered from A1001's own contract
        shell.type("/stop")
    finally:
        shell.stop()


def test_review_reads_postgresql_too(stack, seeded, postgres_server, tmp_path):
    """The same conversations in a PostgreSQL tracker store give the same review."""
    import sqlalchemy as sa
    from tests.support.postgres import new_postgres_database

    url = new_postgres_database(postgres_server)
    source = sa.create_engine(f"sqlite:///{stack.tracker_db}")
    target = sa.create_engine(url.replace("postgresql+psycopg://", "postgresql+psycopg2://"))
    try:
        metadata = sa.MetaData()
        events = sa.Table("events", metadata, autoload_with=source)
        for column in events.columns:  # SQLite reflection types -> portable ones
            column.type = {"INTEGER": sa.Integer(), "FLOAT": sa.Float()}.get(str(column.type), sa.Text())
        metadata.create_all(target)
        with source.connect() as read, target.begin() as write:
            rows = [dict(row._mapping) for row in read.execute(sa.select(events))]
            write.execute(events.insert(), rows)
    finally:
        source.dispose()
        target.dispose()
    from_sqlite = run_bot(stack, "review", "--days", "1", "--tracker-db", f"sqlite:///{stack.tracker_db}")
    from_postgres = run_bot(stack, "review", "--days", "1", "--tracker-db", url)
    assert from_postgres.returncode == 0, from_postgres.stderr
    strip = lambda text: text.split("\n", 1)[1]  # noqa: E731  (the first line names the time of the run)
    assert strip(from_postgres.stdout) == strip(from_sqlite.stdout)
    assert "failed verifications" in from_postgres.stdout


def test_staff_page_takes_the_api_token(stack):
    with urllib.request.urlopen(f"{stack.url}/staff/?token={API_TOKEN}&days=1", timeout=30) as r:
        body = r.read().decode()
        assert r.status == 200 and "Needs a human look" in body and r.headers["Cache-Control"] == "no-store"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{stack.url}/staff/?token=not-the-token", timeout=10)
    assert refused.value.code == 401 and b"Needs a human look" not in refused.value.read()


def test_action_server_errors_and_timeouts_are_counted(stack):
    from tests.support.live_bot import HangingServer

    before = metric_values(stack)
    stack.stop_actions()
    try:
        assert stack.texts("seed-actions-down", "オペレーターと話したい")  # an apology, still an answer
        hanging = HangingServer(stack.actions_port)  # accepts and never answers: Rasa's action timeout
        try:
            assert stack.texts("seed-actions-hang", "オペレーターと話したい")
        finally:
            hanging.close()
        after = metric_values(stack)
    finally:
        stack.start_actions()
    errors = {(dict(labels)["reason"], dict(labels)["action"]): v - before.get((name, labels), 0.0)
              for (name, labels), v in after.items()
              if name == "madoguchi_action_errors_total" and v > before.get((name, labels), 0.0)}
    assert errors == {("error", "action_human_handoff"): 1.0, ("timeout", "action_human_handoff"): 1.0}
    out = run_bot(stack, "review", "--days", "1", "--tracker-db", f"sqlite:///{stack.tracker_db}").stdout
    assert int(re.search(r"action errors \(no reply\)\s+(\d+)", out).group(1)) >= 2


def test_staff_login_is_throttled(stack):
    """Last in the module: afterwards this address cannot log in for 5 minutes."""
    import urllib.parse

    def login(password: str) -> int:
        data = urllib.parse.urlencode({"password": password}).encode()
        request = urllib.request.Request(stack.url + "/staff/login", data=data, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as exc:
            return exc.code

    statuses = []
    while len(statuses) < 7 and 429 not in statuses:
        statuses.append(login(f"guess-{len(statuses)}"))
    # 5 failures in all, then 429 (the Chromium test above may already have typed one wrong password)
    assert statuses in ([401] * 4 + [429], [401] * 5 + [429])
    assert login(STAFF_PASSWORD) == 429  # even the right password, until the window is over
