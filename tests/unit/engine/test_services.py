"""bot/engine/services.py is the one list of services: every other list, key prefix and data file follows it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.engine import services
from bot.engine.contracts import SERVICE_NAMES, Service
from bot.engine.services import SERVICES
from tests.support import sixth_service

ROOT = Path(__file__).resolve().parents[3]
KEYS = [s.key.value for s in SERVICES]
FAQ_PREFIXES = {s.faq_prefix for s in SERVICES}


def _yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_one_line_per_service_and_no_shared_prefix():
    assert [s.key for s in SERVICES] == list(Service)
    for field in ("name", "contact_name", "contract_prefix", "faq_prefix", "seed"):
        values = [getattr(s, field) for s in SERVICES]
        assert len(set(values)) == len(values), field
    assert all(re.fullmatch(r"[A-Z]{2}", s.contract_prefix) for s in SERVICES)
    assert all(re.fullmatch(r"[a-z]{2}", s.faq_prefix) for s in SERVICES)
    # one meaning per abbreviation: no FAQ prefix is another service's contract prefix
    contract = {s.contract_prefix.lower(): s.key for s in SERVICES}
    assert all(contract.get(s.faq_prefix, s.key) == s.key for s in SERVICES)


def test_demo_accounts_use_the_registry_contract_prefixes():
    seen = set()
    for account in _yaml(ROOT / "fixtures" / "demo_accounts.yml")["accounts"]:
        for c in account["contracts"]:
            assert services.contract_no_fits(c["service"], c["contract_no"]), c["contract_no"]
            seen.add(c["service"])
    assert seen == set(KEYS)


def test_every_faq_and_question_key_has_a_registry_prefix():
    faq_keys = set(_yaml(ROOT / "bot" / "faq" / "titles.yml"))
    domain = _yaml(ROOT / "domain.yml")
    faq_keys |= {name.removeprefix("utter_faq/") for name in domain.get("responses") or {} if name.startswith("utter_faq/")}
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        content = _yaml(path) or {}
        faq_keys |= {n.removeprefix("utter_faq/") for n in content.get("responses") or {} if n.startswith("utter_faq/")}
        faq_keys |= {i["intent"][4:] for i in content.get("nlu") or [] if i.get("intent", "").startswith("faq/")}
    assert faq_keys
    assert {k for k in faq_keys if k.split("_", 1)[0] not in FAQ_PREFIXES} == set()


def test_question_keys_name_their_service():
    from bot.answers import QUESTIONS

    for key, question in QUESTIONS.items():
        assert services.of_key(key) == question.service, key
        assert all(services.of_key(faq) == question.service for faq in question.faq if question.service), key


def test_data_files_have_one_entry_per_service():
    contacts = _yaml(services.CONTACTS_FILE)
    assert list(contacts) == KEYS
    assert all("contact" in item and "hours" in item for item in contacts.values())
    assert list(_yaml(ROOT / "bot" / "nlu" / "entity_patterns.yml")["services"]) == KEYS
    assert list(_yaml(ROOT / "bot" / "support" / "service_words.yml")) == KEYS
    for topic in _yaml(ROOT / "bot" / "support" / "topics.yml").values():
        for service, key in topic["answers"].items():
            assert services.of_key(key) == Service(service), (service, key)


@pytest.mark.parametrize("key", KEYS)
def test_each_service_has_its_modules_and_training_data(key):
    # an engine module may be a package of chapters (license_maintenance/, rental/)
    engine = ROOT / "bot" / "engine"
    assert (engine / f"{key}.py").exists() or (engine / key / "__init__.py").exists(), f"bot/engine/{key}"
    for path in (f"bot/answers/{key}.py", f"data/nlu/{key}.yml",
                 f"tests/nlu_heldout/{key}.yml", f"tests/conversations/{key}.yml"):
        assert (ROOT / path).exists(), path


def test_derived_lists_follow_the_registry():
    from bot.faq import catalog
    from bot.support import contacts, topics

    assert list(SERVICE_NAMES.values()) == [s.name for s in SERVICES]
    assert contacts.SERVICES == topics.SERVICE_ORDER == tuple(KEYS)
    assert contacts.contacts()["haas"].name == "Linuxmania サポート"
    assert catalog.entry("cw_renewal_fee").service == "license_maintenance"
    assert catalog.entry("lm_renewal_fee") is None  # the old prefix is gone, not an alias


@pytest.mark.parametrize("text, expected", [
    ("RS-0001", "RS-0001"), ("rs0001です", "RS-0001"), ("契約番号は cw ー 12345678", "CW-12345678"),
    ("LM-0001", "LM-0001"), ("pa_001", "PA-001"),
    ("XY-0001", None), ("RS-12", None), ("RS-123456789", None), ("FIRS-0001", None),
])
def test_contract_numbers_in_text(text, expected):
    assert services.contract_no_in(text) == expected


def test_canonical_contract_numbers():
    assert services.CONTRACT_NO.match("RT-0004") and not services.CONTRACT_NO.match("rt-0004")
    assert not services.CONTRACT_NO.match("XY-0001")
    assert services.contract_no_fits("haas", "LM-0001") and not services.contract_no_fits("rental", "LM-0001")


SIXTH = r'''
# its answers module (what the checklist asks for), as a stub with a monthly fee
answers = add_module("bot.answers.pet_care", """
CONTRACT, QUESTIONS, label, details = type("PetCareContract", (), {}), (), str, str
BILL_GENERAL = "ペットケアは月額3,300円(税込)"
def bill(case):
    return "ペットケア: 3,300円(税込)"
""")

from bot.engine.contracts import SERVICE_NAMES, Service
from bot.faq import catalog
from bot.support import contacts, topics
from bot.channels import guard
from bot.nlu import decision, entities
from bot.answers import SERVICE_MODULES
from actions.verification import extract_contract_no
from bot.devtools.evaluation import service_of
from bot.devtools.eval_report import SERVICES as REPORTED

assert SERVICE_NAMES[Service.PET_CARE] == "ペットケア"
assert contacts.SERVICES[-1] == topics.SERVICE_ORDER[-1] == "pet_care"
assert catalog.KEY_PATTERN.match("pc_grooming") and catalog.service_of("pc_grooming") == "pet_care"
assert decision.service_of_label("faq/pc_grooming") == decision.service_of_label("account_pc_visits") == "pet_care"
assert guard.button_payload('/choose_service{"service":"pet_care"}')
assert guard.button_payload('/choose_contract{"contract_no":"PC-0001"}')
assert extract_contract_no("pc-0001です") == "PC-0001"
values = [e["value"] for e in entities.extract("契約番号はPC0001です") if e["entity"] == "contract_no"]
assert values == ["PC-0001"], values
assert SERVICE_MODULES[-1] is answers
from bot.answers import QUESTIONS, every_service
assert every_service.BILLS[answers.CONTRACT] is answers.bill and len(every_service.BILLS) == 4
assert QUESTIONS["monthly_bill"].general.endswith("、ペットケアは月額3,300円(税込)です。")
assert answers.CONTRACT in QUESTIONS["monthly_bill"].contract_types
assert service_of("faq/pc_grooming") == "pet_care" and ("pet_care", "ペットケア") in REPORTED
print("sixth service ok")
'''


def test_a_sixth_service_needs_only_its_registry_line_in_the_derived_lists():
    """A throw-away sixth service, added to the registry alone (plus a stub answers module), reaches every list
    derived from it; its engine module, data files and storage are the checklist in DEVELOPERS.md."""
    done = sixth_service.run(SIXTH)
    assert done.returncode == 0 and "sixth service ok" in done.stdout, done.stderr[-3000:]
