"""Fixture validation and import: bad files are rejected whole, nothing is written."""
from pathlib import Path

import pytest

from bot.storage import fixtures, repository

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DEMO = Path(__file__).resolve().parents[3] / "fixtures" / "demo_accounts.yml"

BAD_FILES = [
    ("bad_date.yml", "account B0002", "applied", "2026-02-30 is not a date that exists"),
    ("bad_enum.yml", "account B0003", "course", "must be one of standard, omatome, depocomi"),
    ("bad_service.yml", "account B0004", "service", "unknown service 'fiber_internet'"),
    ("bad_duplicate_id.yml", "account B0001", "id", "duplicate id"),
    ("bad_duplicate_contract.yml", "account B0006", "contract_no", "duplicate contract number"),
    ("bad_type.yml", "account B0007", "licenses", "must be a whole number"),
    ("bad_missing_field.yml", "account B0008", "phone", "is required"),
    ("bad_yaml.yml", "file", "", "not valid YAML"),
]


@pytest.mark.parametrize("name, account, field, message", BAD_FILES)
def test_bad_file_is_rejected_whole(db_url, name, account, field, message):
    with pytest.raises(fixtures.FixtureError) as error:
        fixtures.import_file(FIXTURES / name, db_url)
    text = error.value.message()
    assert account in text and f"{field}'" in text and message in text, text
    assert repository.count_customers(db_url) == 0     # the valid first account was not written either


def test_demo_file_is_valid_and_covers_every_service(db_url):
    report = fixtures.import_file(DEMO, db_url)
    assert report.accounts >= 10
    services = {s for a in repository.list_accounts(db_url) for s in a.services}
    assert services == {"remote_support", "license_maintenance", "haas", "rental", "phone_answering"}


def test_reimport_is_an_update(db_url):
    assert fixtures.import_file(FIXTURES / "good_accounts.yml", db_url).created == 2
    again = fixtures.import_file(FIXTURES / "good_accounts.yml", db_url)
    assert (again.created, again.updated) == (0, 2)
    assert repository.count_customers(db_url) == 2


def test_contract_owned_by_another_account_is_rejected(db_url, tmp_path):
    fixtures.import_file(FIXTURES / "good_accounts.yml", db_url)
    stolen = tmp_path / "stolen.yml"
    stolen.write_text(
        "accounts:\n  - id: T2000\n    name: 別人\n    phone: 090-0000-0000\n    contracts:\n"
        "      - {service: remote_support, contract_no: RS-9001, start: 2026-04-10}\n", encoding="utf-8")
    with pytest.raises(fixtures.FixtureError, match="already belongs to account T1001"):
        fixtures.import_file(stolen, db_url)
    assert not repository.account_exists("T2000", db_url)


def test_every_problem_is_reported(tmp_path):
    bad = tmp_path / "many.yml"
    bad.write_text(
        "accounts:\n  - id: X1\n    name: 複数\n    phone: '12'\n    colour: red\n    contracts:\n"
        "      - {service: haas, contract_no: LM-1, product: P, purchased: 2026-13-01, warranty_no: W, handson_used: -1}\n",
        encoding="utf-8")
    accounts, problems = fixtures.parse(fixtures.yaml.load(bad.read_text(encoding="utf-8"), Loader=fixtures._Loader))
    fields = {p.field for p in problems}
    assert {"phone", "colour", "contracts[0] (LM-1).purchased", "contracts[0] (LM-1).handson_used"} <= fields
    assert all(p.account_id == "X1" for p in problems)


@pytest.mark.parametrize("number", ["CW-0001", "RS-01", "rs-0001", "RS0001"])
def test_contract_number_must_have_its_services_prefix(number, db_url, tmp_path):
    wrong = tmp_path / "wrong.yml"
    wrong.write_text(
        "accounts:\n  - id: T3000\n    name: 番号違い\n    phone: 090-0000-0000\n    contracts:\n"
        f"      - {{service: remote_support, contract_no: {number}, start: 2026-04-10}}\n", encoding="utf-8")
    with pytest.raises(fixtures.FixtureError, match=rf"T3000.*\({number}\)\.contract_no.*RS-0001"):
        fixtures.import_file(wrong, db_url)
    assert not repository.account_exists("T3000", db_url)
