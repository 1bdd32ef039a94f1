"""Repository layer against SQLite and a real PostgreSQL server."""
from datetime import date
from pathlib import Path

from sqlalchemy import inspect

from bot.engine import contracts as e
from bot.engine.haas import HaasContract
from bot.engine.license_maintenance import IncidentPack
from bot.engine.phone_answering import NumberUse
from bot.engine.remote_support import RemoteSupportContract
from bot.engine.rental import Anshin, Course, Payment
from bot.storage import db, fixtures, repository
from bot.storage.models import Base

GOOD = Path(__file__).resolve().parents[2] / "fixtures" / "good_accounts.yml"


def test_schema_is_created_on_first_use(db_url):
    engine = db.get_engine(db_url)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    assert repository.count_customers(db_url) == 0


def test_load_account_round_trips_every_service(db_url):
    fixtures.import_file(GOOD, db_url)
    account = repository.load_account("T1001", db_url)
    assert account.name == "試験 一郎" and account.internet_line == "CATV-900001"
    rs, cw, pa = account.contracts
    assert rs == RemoteSupportContract("RS-9001", start=date(2026, 4, 10), end=None)
    assert cw.incidents == (IncidentPack(date(2026, 1, 10), 2),)
    assert pa.start is None and [n.use for n in pa.numbers] == [NumberUse.FORWARD, NumberUse.DISPLAY]
    other = repository.load_account("T1002", db_url)
    assert other.internet_line is None
    rental = other.of_service(e.Service.RENTAL)[0]
    assert rental.course == Course.OMATOME and rental.anshin == Anshin.PREMIUM
    assert rental.payment == Payment.KONBINI and rental.omatome_months == 12
    assert repository.load_account("NOPE", db_url) is None


def test_verify_phone_last4(db_url):
    fixtures.import_file(GOOD, db_url)
    assert repository.verify_phone_last4("RS-9001", "4321", db_url) == "T1001"    # stored full-width
    assert repository.verify_phone_last4("RT-9001", "８７６５", db_url) == "T1002"  # typed full-width
    assert repository.verify_phone_last4("ｒｔ－９００１", "8765", db_url) == "T1002"  # number typed full-width
    assert repository.verify_phone_last4("RT-9001", "4321", db_url) is None
    assert repository.verify_phone_last4("RT-9001", "876", db_url) is None
    assert repository.verify_phone_last4("XX-0000", "8765", db_url) is None


def test_upsert_updates_and_replaces_contracts(db_url):
    fixtures.import_file(GOOD, db_url)
    account = repository.load_account("T1001", db_url)
    changed = e.Account(id="T1001", name="試験 一郎(変更)", phone="090-0000-1111", internet_line=None,
                        contracts=(RemoteSupportContract("RS-9001", date(2026, 4, 10), date(2026, 11, 5)),
                                   HaasContract("LM-9999", "Linuxmania Mini", date(2026, 11, 1), "W-9", 0)))
    with db.session_scope(db_url) as session:
        assert repository.upsert_accounts(session, [changed]) == (0, 1)
    reloaded = repository.load_account("T1001", db_url)
    assert reloaded.name == "試験 一郎(変更)" and reloaded.internet_line is None
    assert {c.contract_no for c in reloaded.contracts} == {"RS-9001", "LM-9999"}
    assert reloaded.contract("RS-9001").end == date(2026, 11, 5)
    assert repository.contract_owners(["CW-9001"], db_url) == {}   # removed with its incidents
    assert account != reloaded


def test_list_accounts(db_url):
    fixtures.import_file(GOOD, db_url)
    summaries = repository.list_accounts(db_url)
    assert [s.id for s in summaries] == ["T1001", "T1002"]
    assert summaries[1].contract_nos == ("LM-9001", "RT-9001")
    assert repository.account_exists("T1002", db_url) and not repository.account_exists("T9999", db_url)


def test_url_mapping():
    assert db.normalize_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert db.normalize_url("postgres://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert db.normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_one_engine_per_url(db_url):
    assert db.get_engine(db_url) is db.get_engine(db_url)
