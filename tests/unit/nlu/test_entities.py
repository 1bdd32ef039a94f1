"""The spaCy EntityRuler layer: services, dates, amounts and contract numbers."""
import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.entities import SpacyEntityRuler, build_nlp, extract


def found(text):
    return [(e["entity"], e["value"], text[e["start"]:e["end"]]) for e in extract(text)]


def test_nlp_is_a_japanese_spacy_pipeline_with_an_entity_ruler():
    nlp = build_nlp()
    assert nlp.lang == "ja"
    assert "entity_ruler" in nlp.pipe_names


@pytest.mark.parametrize(
    "text, service, surface",
    [
        ("ﾘﾓｰﾄｻﾎﾟｰﾄを解約したい", "remote_support", "ﾘﾓｰﾄｻﾎﾟｰﾄ"),
        ("ハンズオンってあと何回無料ですか😊", "haas", "ハンズオン"),
        ("安心サポートPremiumに変えたいです", "rental", "安心サポートPremium"),
        ("電話代行の料金を教えて", "phone_answering", "電話代行"),
        ("ライセンス保守の更新っていくら？", "license_maintenance", "ライセンス保守"),
    ],
)
def test_services_are_found_with_canonical_ids(text, service, surface):
    assert ("service", service, surface) in found(text)


def test_contract_numbers_are_normalised():
    assert found("契約番号はＲＳ－０００１です") == [("contract_no", "RS-0001", "ＲＳ－０００１")]
    assert ("contract_no", "RT-0003", "rt0003") in found("rt0003の解約")
    # customers often type a space instead of the hyphen
    assert found("PA 0001です") == [("contract_no", "PA-0001", "PA 0001")]
    assert found("PA-12です") == []  # too few digits for a contract number


def test_dates_and_amounts():
    text = "来月15日から2026年12月1日まで、1,650円と３万円"
    result = found(text)
    assert ("date", "来月", "来月") in result
    assert ("date", "15日", "15日") in result
    assert ("date", "2026年12月1日", "2026年12月1日") in result
    assert ("amount", "1650", "1,650円") in result
    assert ("amount", "30000", "３万円") in result


def test_no_entities_in_small_talk():
    assert found("こんにちは！") == []


def test_rasa_component_adds_entities_with_extractor_name():
    component = SpacyEntityRuler(SpacyEntityRuler.get_default_config())
    message = Message(data={TEXT: "ﾘﾓｰﾄｻﾎﾟｰﾄの契約RS-0001"})
    component.process([message])
    entities = message.get(ENTITIES)
    assert {e["entity"] for e in entities} == {"service", "contract_no"}
    assert all(e["extractor"] == "SpacyEntityRuler" for e in entities)
