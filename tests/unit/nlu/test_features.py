"""The classifier's feature views (bot/nlu/features.py) on real MeCab/UniDic output."""
from bot.nlu.features import reading_text, word_features
from bot.nlu.features import words_of as views


def test_reading_makes_hiragana_and_kanji_spellings_alike():
    assert "カイヤク" in reading_text(views("解約したい"))
    assert "カイヤク" in reading_text(views("かいやく したい")).replace(" ", "")
    # half-width katakana is NFKC-normalised before it is read
    assert "キャンセル" in reading_text(views("ｷｬﾝｾﾙしたい"))


def test_ordered_pairs_tell_the_direction_of_a_change_apart():
    to_card = set(word_features(views("コンビニ払いからカード払いに変更したい")))
    from_card = set(word_features(views("カード払いからコンビニ払いに変更したい")))
    assert "o:コンビニ>カード" in to_card and "o:コンビニ>カード" not in from_card
    assert "o:カード>コンビニ" in from_card and "o:カード>コンビニ" not in to_card


def test_word_features_keep_lemma_unigrams_and_bigrams():
    features = word_features(views("解約しました"))
    assert "解約" in features and "解約_為る" in features
