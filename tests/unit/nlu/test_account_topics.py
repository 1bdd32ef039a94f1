"""bot.nlu.account_topics: an FAQ topic with a per-customer rule goes to the account answers;
every other message is left as the classifier made it."""
from bot.answers import FAQ_TOPICS
from bot.nlu.account_topics import ROUTED_INTENT, routed_intent


def _selector(key):
    return {"faq": {"response": {"intent_response_key": f"faq/{key}"}}}


def test_a_computable_faq_topic_is_routed_with_its_confidence():
    assert "cw_renewal_fee" in FAQ_TOPICS
    routed = routed_intent({"name": "faq", "confidence": 0.8}, _selector("cw_renewal_fee"))
    assert routed == {"name": ROUTED_INTENT, "confidence": 0.8}


def test_other_messages_are_left_alone():
    assert "rs_business_hours" not in FAQ_TOPICS       # the same answer for everyone
    assert routed_intent({"name": "faq", "confidence": 0.9}, _selector("rs_business_hours")) is None
    # a fallback, a generic question or an account intent keeps its intent
    for name in ("nlu_fallback", "generic_question", "account_cw_renewal_fee", "greet"):
        assert routed_intent({"name": name, "confidence": 0.9}, _selector("cw_renewal_fee")) is None
    assert routed_intent(None, None) is None
    assert routed_intent({"name": "faq"}, {}) is None
