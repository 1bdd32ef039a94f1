"""The fugashi tokenizer on real Japanese customer messages."""
import pytest
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.normalize import normalize_with_offsets
from bot.nlu.tokenizer import FugashiTokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return FugashiTokenizer(FugashiTokenizer.get_default_config())


def tokens(tokenizer, text):
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    return message.get(TOKENS_NAMES[TEXT])


def test_inflected_forms_share_a_lemma(tokenizer):
    forms = ["解約したいです", "解約します", "解約した", "解約しました"]
    lemmas = [{t.lemma for t in tokens(tokenizer, text)} for text in forms]
    for found in lemmas:
        assert {"解約", "為る"} <= found


def test_offsets_point_into_the_original_half_width_text(tokenizer):
    text = "ﾘﾓｰﾄｻﾎﾟｰﾄを解約したい"
    found = tokens(tokenizer, text)
    assert [t.text for t in found[:2]] == ["リモート", "サポート"]
    assert [text[t.start:t.end] for t in found[:2]] == ["ﾘﾓｰﾄ", "ｻﾎﾟｰﾄ"]


def test_full_width_digits_and_letters_are_normalised(tokenizer):
    text = "ＲＳ－０００１の料金は５５０円ですか？"
    found = tokens(tokenizer, text)
    assert "550" in [t.text for t in found]
    assert "rs" in [t.lemma for t in found]
    for t in found:
        # every token's span covers original characters that normalise to its text
        assert normalize_with_offsets(text[t.start:t.end]).text == t.text


def test_keigo_and_casual_requests_share_content_words(tokenizer):
    keigo = {t.lemma for t in tokens(tokenizer, "プランを変更させていただきたいのですが")}
    casual = {t.lemma for t in tokens(tokenizer, "ぷらん変えたい")} | {t.lemma for t in tokens(tokenizer, "プラン変更したい")}
    assert "プラン" in keigo and "変更" in keigo
    assert {"プラン", "変更"} <= casual


def test_punctuation_is_dropped_but_emoji_only_text_still_has_a_token(tokenizer):
    assert "？" not in [t.text for t in tokens(tokenizer, "料金は？")]
    only_emoji = tokens(tokenizer, "🙏🙏")
    assert len(only_emoji) == 1 and only_emoji[0].text == "🙏🙏"


def test_whitespace_only_text_gives_no_tokens(tokenizer):
    assert tokens(tokenizer, " \u3000 ") == []


def test_combining_voicing_marks_stay_with_their_letter():
    normalized = normalize_with_offsets("ｶﾞｲﾄﾞ")
    assert normalized.text == "ガイド"
    assert normalized.original_span(0, 1) == (0, 2)
    assert normalized.original_span(1, 3) == (2, 5)
