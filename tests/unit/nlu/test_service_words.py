"""Service from content (issue #14): the words of bot/support/service_words.yml, and how the classifier's
decision uses them (restriction to the named/implied service; service-dependent topics asked without
a service become generic_question)."""
import collections

import numpy as np
import pytest
import yaml

from bot.devtools.evaluation import TRAIN_DIR, read_examples
from bot.faq.catalog import SERVICE_OF_PREFIX
from bot.nlu.decision import GENERIC_INTENT, decide
from bot.nlu.normalize import normalize
from bot.support import service_words


@pytest.mark.parametrize("text, service", [
    ("プリンタが印刷できない", "remote_support"),
    ("無線LANの設定を手伝ってほしい", "remote_support"),
    ("ワンタイムパスワードって何？", "remote_support"),
    ("WindowsじゃなくてMacなんですが", "remote_support"),
    ("サーバプログラムが更新できない", "license_maintenance"),
    ("ライセンスキーが届かない", "license_maintenance"),
    ("会員IDを忘れました", "license_maintenance"),
    ("インシデントの残りは？", "license_maintenance"),
    ("TeamViewerのIDを伝えればいい？", "haas"),
    ("保証書番号が分からない", "haas"),
    ("交換したパーツは返送？", "haas"),
    ("マイページに入れない", "rental"),
    ("デポコミの途中でやめたら", "rental"),
    ("おまとめコースの変更", "rental"),
    ("端末を替えたい", "rental"),
    ("SIMだけ解約できる？", "rental"),
    ("転送の料金は？", "phone_answering"),
    ("表記利用って何", "phone_answering"),
    ("オペレーターの対応時間", "phone_answering"),
    ("お試しは何日？", "phone_answering"),
    # spellings: half-width, hiragana for katakana, kana for kanji
    ("ﾌﾟﾘﾝﾀが動かない", "remote_support"),
    ("ぷりんたが うごかない", "remote_support"),
    ("てんそうの りょうきん", "phone_answering"),
    ("たんまつを かえたい", "rental"),
])
def test_a_word_only_one_service_uses_counts_as_that_service(text, service):
    assert service_words.services_in(text) == (service,)


def test_a_named_service_wins_over_another_services_words():
    # プリンタ is a remote-support word, but the customer names Linuxmania's ハンズオン
    assert service_words.services_in("ハンズオンでプリンタの設定をお願いできる？") == ("haas",)
    assert set(service_words.services_in("リモサポとマイページの解約")) == {"remote_support", "rental"}


def test_latin_words_match_as_whole_words_only_and_mentions_point_into_the_text():
    assert service_words.services_in("simpleな質問です") == ()
    text = "あの、ﾌﾟﾘﾝﾀが"
    (mention,) = service_words.mentions(text)
    assert text[mention.start:mention.end] == "ﾌﾟﾘﾝﾀ" and mention.service == "remote_support"


def test_the_data_file_lists_only_known_services_and_words_not_used_by_other_services():
    """A word the support team adds must mostly appear in its own service's training examples."""
    raw = yaml.safe_load(service_words.DATA_FILE.read_text(encoding="utf-8"))
    assert set(raw) == set(SERVICE_OF_PREFIX.values())
    examples = [(normalize(t).lower(), SERVICE_OF_PREFIX[l[4:6]]) for t, l in read_examples(TRAIN_DIR) if l.startswith("faq/")]
    for service, entry in raw.items():
        for word in (entry.get("names") or []) + (entry.get("words") or []):
            form = normalize(str(word)).lower()
            counts = collections.Counter(s for t, s in examples if form in t)
            total = sum(counts.values())
            assert not total or counts[service] / total >= 0.8, (service, word, dict(counts))


LABELS = ["faq/rs_business_hours", "faq/hx_support_hours", "faq/rs_supported_devices", "faq/hx_handson_overview",
          "faq/hx_support_contact", "faq/pa_start_date", "faq/rs_start_timing", "generic_question", "out_of_scope"]


def _row(**weights):
    row = np.array([weights.get(label.replace("/", "_"), 0.001) for label in LABELS])
    return row / row.sum()


def test_the_faq_answers_are_restricted_to_the_service_the_content_implies():
    d = decide(LABELS, _row(faq_hx_handson_overview=0.6, faq_rs_supported_devices=0.3), "プリンタが印刷できない")
    assert d.services == ("remote_support",)
    assert d.faq[0][0] == "faq/rs_supported_devices" and d.intent["name"] == "faq"
    assert d.intent["confidence"] > 0.9  # renormalised among remote support's answers


def test_a_topic_several_services_answer_asked_without_a_service_becomes_generic_question():
    d = decide(LABELS, _row(faq_hx_support_hours=0.5, faq_rs_business_hours=0.4), "営業時間は？")
    assert d.intent["name"] == GENERIC_INTENT and d.topic == "hours"
    assert d.intent["confidence"] == pytest.approx(0.9 / 0.907, abs=0.01)  # the topic's mass, not one service's
    # the same topic with the service named is answered directly
    d = decide(LABELS, _row(faq_hx_support_hours=0.5, faq_rs_business_hours=0.4), "リモサポの営業時間は？")
    assert d.intent["name"] == "faq" and d.faq[0][0] == "faq/rs_business_hours"


def test_a_topic_of_one_service_is_answered_directly_and_out_of_scope_stays_out_of_scope():
    d = decide(LABELS, _row(faq_pa_start_date=0.7, faq_rs_start_timing=0.2), "8月の頭あたりから使いたい")
    assert d.intent["name"] == "faq" and d.faq[0][0] == "faq/pa_start_date"
    d = decide(LABELS, _row(out_of_scope=0.8, faq_rs_business_hours=0.1), "明日の天気は？")
    assert d.intent["name"] == "out_of_scope"


def test_a_topic_only_one_service_has_asked_without_a_service_lets_the_dialogue_see_the_conversation():
    # the e-mail address exists for Linuxmania only: the dialogue answers it from there, and says so
    # when the conversation is about another service (actions.general.ActionDisambiguateService)
    d = decide(LABELS, _row(faq_hx_support_contact=0.8), "サポートのメールアドレスを教えて")
    assert d.intent["name"] == GENERIC_INTENT and d.topic == "mail_address"
    # the same answer for a message without the topic's words, or naming the service, stays an FAQ answer
    assert decide(LABELS, _row(faq_hx_support_contact=0.8), "問い合わせの方法を知りたい").intent["name"] == "faq"
    assert decide(LABELS, _row(faq_hx_support_contact=0.8), "Linuxmaniaのメールアドレスは？").intent["name"] == "faq"
