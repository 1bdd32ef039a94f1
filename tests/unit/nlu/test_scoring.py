"""The fast per-message scorer gives scikit-learn's numbers (bot/nlu/scoring.py)."""
import numpy as np
import pytest
from sklearn.svm import LinearSVC

from bot.nlu.classifier import BLOCKS, BLOCK_WEIGHTS, LinearIntentClassifier, build_vectorizers, stack
from bot.nlu.features import message_blocks, words_of
from bot.nlu.scoring import FastScorer

TRAIN = [
    ("解約したいです", "cancel"), ("キャンセルの方法", "cancel"), ("やめたい", "cancel"),
    ("料金はいくら", "price"), ("月額いくらですか", "price"), ("値段を教えて", "price"),
    ("営業時間は？", "hours"), ("何時まで電話つながる", "hours"), ("土日もやってますか", "hours"),
]
UNSEEN = ["かいやく したい", "ｷｬﾝｾﾙ料金", "土日の料金は？", "🙂", "zzz", "解約解約解約 いくら"]


def blocks(text):
    return message_blocks(words_of(text), text)


@pytest.fixture(scope="module")
def model():
    model = build_vectorizers(LinearIntentClassifier.get_default_config())
    per_text = [blocks(t) for t, _ in TRAIN]
    x = stack(model, {name: [b[name] for b in per_text] for name in BLOCKS}, fit=True)
    model["classifier"] = LinearSVC(random_state=0).fit(x, [label for _, label in TRAIN])
    return model


def test_fast_scores_equal_sklearn_decision_function(model):
    expected = model["classifier"].decision_function(
        stack(model, {name: [blocks(t)[name] for t in UNSEEN] for name in BLOCKS})
    )
    scorer = FastScorer(model, BLOCKS, BLOCK_WEIGHTS)
    actual = np.vstack([scorer.scores(blocks(t)) for t in UNSEEN])
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-12)
    # the classifier still works (it now holds a view of the scorer's rows)
    again = model["classifier"].decision_function(
        stack(model, {name: [blocks(t)[name] for t in UNSEEN] for name in BLOCKS})
    )
    np.testing.assert_allclose(again, expected)


def test_message_with_no_known_feature_scores_the_intercepts(model):
    scorer = FastScorer(model, BLOCKS, BLOCK_WEIGHTS)
    empty = {"words": [], "chars": "", "reading": ""}
    np.testing.assert_allclose(scorer.scores(empty), model["classifier"].intercept_)


def test_mismatched_model_is_refused(model):
    broken = dict(model, reading=build_vectorizers(LinearIntentClassifier.get_default_config())["reading"])
    broken["reading"].fit(["ア イ ウ エ オ カ キ ク"])
    with pytest.raises(ValueError):
        FastScorer(broken, BLOCKS, BLOCK_WEIGHTS)
