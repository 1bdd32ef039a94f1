"""`python -m bot ...` as staff run it: a subprocess per command, with its own database and secret."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
BAD_FILES = sorted(p.name for p in FIXTURES.glob("bad_*.yml"))


@pytest.fixture
def env(tmp_path):
    values = dict(os.environ)
    values.update(MADOGUCHI_DB_URL=f"sqlite:///{tmp_path / 'accounts.db'}",
                  MADOGUCHI_SECRET="cli-test-secret-0123456789-0123456789",
                  MADOGUCHI_VAR_DIR=str(tmp_path / "var"))
    return values


def bot(env, *args):
    return subprocess.run([sys.executable, "-m", "bot", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_import_good_file_then_list(env):
    result = bot(env, "accounts", "import", FIXTURES / "good_accounts.yml")
    assert result.returncode == 0, result.stderr
    assert "2 accounts (2 created, 0 updated)" in result.stdout
    listing = bot(env, "accounts", "list")
    assert listing.returncode == 0
    assert "T1001" in listing.stdout and "RT-9001" in listing.stdout


def test_bad_file_rejected_whole_with_exit_code_2(env):
    result = bot(env, "accounts", "import", FIXTURES / "bad_date.yml")
    assert result.returncode == 2
    assert "account B0002" in result.stderr and "applied" in result.stderr
    assert "Traceback" not in result.stderr
    assert "no accounts" in bot(env, "accounts", "list").stdout


@pytest.mark.parametrize("name", BAD_FILES)
def test_every_bad_file_rejected_in_process(env, name, monkeypatch, capsys):
    from bot import cli
    from bot.storage import db, repository

    monkeypatch.setenv("MADOGUCHI_DB_URL", env["MADOGUCHI_DB_URL"])
    try:
        assert cli.main(["accounts", "import", str(FIXTURES / name)]) == 2
        assert "nothing was written" in capsys.readouterr().err
        assert repository.count_customers() == 0
    finally:
        db.dispose_all()


def test_missing_file_is_a_clear_error(env):
    result = bot(env, "accounts", "import", FIXTURES / "does_not_exist.yml")
    assert result.returncode == 2 and "cannot read the file" in result.stderr


def test_load_demo_only_into_an_empty_database(env):
    first = bot(env, "accounts", "load-demo")
    assert first.returncode == 0 and "loaded" in first.stdout
    second = bot(env, "accounts", "load-demo")
    assert second.returncode == 0 and "not loaded" in second.stdout


def test_token_round_trip_tamper_expiry_unknown(env):
    assert bot(env, "accounts", "import", FIXTURES / "good_accounts.yml").returncode == 0
    issued = bot(env, "token", "T1001", "--minutes", "5")
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    check = (
        "import sys\n"
        "from bot.identity import tokens\n"
        "try:\n"
        "    print(tokens.verify(sys.argv[1], now=float(sys.argv[2]) if len(sys.argv) > 2 else None))\n"
        "except tokens.TokenError as exc:\n"
        "    print('rejected', exc.reason)\n"
    )

    def verify(value, *extra):
        run = subprocess.run([sys.executable, "-c", check, value, *extra], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    assert verify(token) == "T1001"
    header, payload, signature = token.split(".")
    flipped = signature[:-3] + ("A" if signature[-3] != "A" else "B") + signature[-2:]
    assert verify(f"{header}.{payload}.{flipped}") == "rejected tampered"
    import time
    assert verify(token, str(time.time() + 5 * 60 + 1)) == "rejected expired"

    unknown = bot(env, "token", "NOPE")
    assert unknown.returncode == 2 and "no account" in unknown.stderr


def test_token_minutes_must_be_positive(env):
    result = bot(env, "token", "T1001", "--minutes", "0")
    assert result.returncode == 2
