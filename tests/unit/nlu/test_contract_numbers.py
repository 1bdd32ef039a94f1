"""The entity layer and the verification form read contract numbers by the same rule (bot.engine.services)."""
import pytest

from actions.verification import extract_contract_no
from bot.engine.services import SERVICES
from bot.nlu.entities import extract


@pytest.mark.parametrize("prefix", [s.contract_prefix for s in SERVICES])
@pytest.mark.parametrize("written", ["{p}-0012", "{l}0012", "{l} ー 0012", "ＦＷ－００１２"])
def test_entity_and_form_agree(prefix, written):
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in prefix)
    text = "契約番号は" + written.format(p=prefix, l=prefix.lower()).replace("ＦＷ", fullwidth) + "です"
    entities = [e for e in extract(text) if e["entity"] == "contract_no"]
    assert [e["value"] for e in entities] == [f"{prefix}-0012"]
    assert extract_contract_no(text) == extract_contract_no(text, entities) == f"{prefix}-0012"


def test_other_letters_are_no_contract_number():
    assert [e for e in extract("契約番号はXY-0012です") if e["entity"] == "contract_no"] == []
    assert extract_contract_no("契約番号はXY-0012です") is None
