"""bot.nlu.params: dates, counts and change targets in customer messages.

Every expected value is worked out by hand in the comment beside it (calendar facts: 2026-12-01 is a
Tuesday, 2026-11-20 a Friday, 2026 and 2027 are not leap years, 2028 is).
"""
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine.rental import Anshin, Payment
from bot.nlu.params import (
    CountMention,
    DateMention,
    Params,
    additional,
    anshin_change,
    mentioned_count,
    mentioned_date,
    parse_params,
    payment_change,
)

D = date
TUE = D(2026, 12, 1)      # a Tuesday, the 1st of the month
NOV20 = D(2026, 11, 20)   # a Friday
NYE = D(2026, 12, 31)     # year-end roll-over


def value(text, today):
    found = mentioned_date(text, today)
    return found.value if found else None


# ---- dates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, today, expected", [
    ("今日中にお願いします", TUE, D(2026, 12, 1)),     # today itself
    ("本日解約したい", TUE, D(2026, 12, 1)),
    ("きょうから使えますか", TUE, D(2026, 12, 1)),
    ("明日", TUE, D(2026, 12, 2)),                      # 1 + 1
    ("あしたでもいい？", TUE, D(2026, 12, 2)),
    ("あすの予定", TUE, D(2026, 12, 2)),
    ("明後日に変更", TUE, D(2026, 12, 3)),              # 1 + 2
    ("あさってに", TUE, D(2026, 12, 3)),
    ("昨日申し込みました", TUE, D(2026, 11, 30)),       # 1 - 1 -> last day of November
    ("きのう", TUE, D(2026, 11, 30)),
    ("一昨日のこと", TUE, D(2026, 11, 29)),             # 1 - 2, not "1" + 昨日
    ("明日", NYE, D(2027, 1, 1)),                       # 12-31 + 1 rolls into the new year
    ("3日後", TUE, D(2026, 12, 4)),                     # 1 + 3
    ("三日後", TUE, D(2026, 12, 4)),                    # kanji 三 = 3
    ("10日先", NOV20, D(2026, 11, 30)),                 # 20 + 10
    ("５日後", NYE, D(2027, 1, 5)),                     # full-width 5; 31 + 5 = Jan 5
    ("2週間後", TUE, D(2026, 12, 15)),                  # 1 + 14
    ("1週間後", NYE, D(2027, 1, 7)),                    # 31 + 7 = Jan 7
    ("3日前", TUE, D(2026, 11, 28)),                    # 1 - 3 = Nov 28
])
def test_relative_days(text, today, expected):
    found = mentioned_date(text, today)
    assert found is not None and found.value == expected and found.exact and found.problem is None


@pytest.mark.parametrize("text, today, expected", [
    ("来週の月曜", TUE, D(2026, 12, 7)),       # this week's Monday is Nov 30; next week's is Dec 7
    ("来週の月曜日に", TUE, D(2026, 12, 7)),
    ("来週月曜", TUE, D(2026, 12, 7)),
    ("来週の金曜", TUE, D(2026, 12, 11)),      # Dec 7 + 4
    ("今週の金曜", TUE, D(2026, 12, 4)),       # Nov 30 + 4
    ("今週の月曜", TUE, D(2026, 11, 30)),      # already past
    ("再来週の水曜", TUE, D(2026, 12, 16)),    # Nov 30 + 14 + 2
    ("来週の月曜", NOV20, D(2026, 11, 23)),    # Fri Nov 20: this week's Monday Nov 16, next Nov 23
    ("金曜日に", TUE, D(2026, 12, 4)),         # next Friday on or after Tue Dec 1
    ("火曜", TUE, D(2026, 12, 1)),             # today is a Tuesday: today
    ("月曜", TUE, D(2026, 12, 7)),             # next Monday
])
def test_weekdays(text, today, expected):
    assert value(text, today) == expected


@pytest.mark.parametrize("text, today, expected, exact", [
    ("今月末で解約", TUE, D(2026, 12, 31), True),
    ("今月末", D(2026, 2, 10), D(2026, 2, 28), True),      # 2026 is not a leap year
    ("月末に", NOV20, D(2026, 11, 30), True),
    ("今月中に", NOV20, D(2026, 11, 30), True),            # 今月中 = by the month end
    ("今月いっぱい", NOV20, D(2026, 11, 30), True),
    ("来月末", NOV20, D(2026, 12, 31), True),
    ("来月末", NYE, D(2027, 1, 31), True),
    ("来月末", D(2027, 1, 29), D(2027, 2, 28), True),      # 2027 is not a leap year
    ("来月", NOV20, D(2026, 12, 1), False),                # a month: its 1st, inexact
    ("来月から", NYE, D(2027, 1, 1), False),
    ("再来月から", NOV20, D(2027, 1, 1), False),           # Nov + 2 = Jan
    ("来月1日", NOV20, D(2026, 12, 1), True),
    ("来月一日から", NOV20, D(2026, 12, 1), True),         # kanji 一 = 1
    ("来月の20日", TUE, D(2027, 1, 20), True),
    ("来月20日", NYE, D(2027, 1, 20), True),
    ("今月の25日", TUE, D(2026, 12, 25), True),
    ("月初に", NOV20, D(2026, 12, 1), False),              # the next 1st
    ("月初", TUE, D(2026, 12, 1), False),                  # today is the 1st
    ("来月頭", NOV20, D(2026, 12, 1), False),
    ("8月の頭", NOV20, D(2027, 8, 1), False),              # August 2026 has passed
    ("12月の頭", NOV20, D(2026, 12, 1), False),
    ("8月末", NOV20, D(2027, 8, 31), True),
    ("12月中旬", NOV20, D(2026, 12, 11), False),
    ("12月下旬", NOV20, D(2026, 12, 21), False),
    ("12月中", NOV20, D(2026, 12, 31), True),
    ("3月", NOV20, D(2027, 3, 1), False),                  # March is past in 2026: next year's
    ("11月", NOV20, D(2026, 11, 1), False),                # this month: this year's (its 1st is past)
    ("年末", NOV20, D(2026, 12, 31), True),
    ("年末", NYE, D(2026, 12, 31), True),
    ("年内に", NOV20, D(2026, 12, 31), True),
    ("年明け", NOV20, D(2027, 1, 1), False),
    ("年明けに", NYE, D(2027, 1, 1), False),
    ("来週", TUE, D(2026, 12, 7), False),                  # next week: its Monday, inexact
    ("3か月後", TUE, D(2027, 3, 1), True),                 # Dec + 3 = March, same day
    ("1ヶ月後", D(2027, 1, 31), D(2027, 2, 28), True),     # Feb has no 31st: its last day
])
def test_month_and_period_words(text, today, expected, exact):
    found = mentioned_date(text, today)
    assert found is not None and (found.value, found.exact) == (expected, exact)


@pytest.mark.parametrize("text, today, expected", [
    ("20日", D(2026, 12, 20), D(2026, 12, 20)),     # today is the 20th: today
    ("20日に", D(2026, 12, 21), D(2027, 1, 20)),    # the 20th has passed: next month's
    ("20日に", NOV20, D(2026, 11, 20)),
    ("二十日", TUE, D(2026, 12, 20)),               # 二十 = 20, the 20th
    ("5日", NYE, D(2027, 1, 5)),                    # passed this month: January
    ("31日", NOV20, D(2026, 12, 31)),               # November has no 31st: December's
    ("30日", D(2027, 1, 31), D(2027, 3, 30)),       # Jan 30 passed, February has no 30th: March
    ("12月18日", NOV20, D(2026, 12, 18)),
    ("十二月十八日", NOV20, D(2026, 12, 18)),       # 十二 = 12, not 2
    ("１２月１８日", NOV20, D(2026, 12, 18)),       # full-width digits
    ("2月3日", NOV20, D(2027, 2, 3)),               # Feb 3 2026 has passed: 2027
    ("2月3日", D(2027, 1, 29), D(2027, 2, 3)),
    ("1月5日", NYE, D(2027, 1, 5)),                 # year-end roll-over
    ("12月31日", NYE, D(2026, 12, 31)),             # today
    ("11月20日", NOV20, D(2026, 11, 20)),           # today, not next year
    ("11月19日", NOV20, D(2027, 11, 19)),           # yesterday's date: next year
    ("2027年2月3日", NOV20, D(2027, 2, 3)),
    ("2025年2月3日", NOV20, D(2025, 2, 3)),         # an explicit year is kept even when past
    ("来年の2月3日", NOV20, D(2027, 2, 3)),
    ("2027/2/3", NOV20, D(2027, 2, 3)),
    ("2027-02-03", NOV20, D(2027, 2, 3)),
    ("2/3", NOV20, D(2027, 2, 3)),                  # M/D, next occurrence
    ("12/25に", NOV20, D(2026, 12, 25)),
    ("12月の25日", NOV20, D(2026, 12, 25)),
    ("2月29日", D(2027, 6, 1), D(2028, 2, 29)),     # next occurrence is in 2028, a leap year
])
def test_days_of_month_and_calendar_dates(text, today, expected):
    found = mentioned_date(text, today)
    assert found is not None and found.value == expected and found.exact


@pytest.mark.parametrize("text, today", [
    ("2月30日", NOV20),          # February never has a 30th
    ("２月３０日に解約", NOV20),
    ("13月1日", NOV20),          # there is no 13th month
    ("2027年2月29日", NOV20),    # 2027 is not a leap year
    ("2/30", NOV20),
    ("来月30日", D(2027, 1, 10)),  # next month is February 2027: no 30th
    ("2月29日", NOV20),          # next occurrence of Feb 29 from Nov 2026 is Feb 2027: none
])
def test_nonexistent_dates(text, today):
    found = mentioned_date(text, today)
    assert found is not None and found.value is None and found.problem == "nonexistent"
    assert not found.is_past(today)


@pytest.mark.parametrize("text", [
    "ライセンスを2本追加したい", "3件に増やしたい", "料金は1,500円ですか", "契約番号はRT-0001です",
    "CW-0001の件で", "10日間の無料お試し", "3か月使う予定", "2週間くらいかかる", "こんにちは", "", "   ",
    "0120-123-456に電話", "毎日使っています", "日本語で", "番号を2つ",
])
def test_no_date(text):
    assert mentioned_date(text, NOV20) is None


@pytest.mark.parametrize("text, today, expected, exact", [
    ("2026年12月", NOV20, D(2026, 12, 1), False),        # a month: its 1st
    ("2026年の5月5日", NOV20, D(2026, 5, 5), True),      # explicit year, even in the past
    ("２０２７／２／３", NOV20, D(2027, 2, 3), True),      # full-width digits and slashes
    ("今月", NOV20, D(2026, 11, 20), False),             # the rest of this month, from today
    ("先月", NOV20, D(2026, 10, 1), False),
    ("来月上旬", NOV20, D(2026, 12, 1), False),
    ("45日後", NOV20, D(2027, 1, 4), True),              # 10 days to Nov 30, 31 to Dec 31, 4 more
    ("明日から3日間", NOV20, D(2026, 11, 21), True),     # 3日間 is a duration
    ("20日前後", NOV20, D(2026, 11, 20), True),          # around the 20th, not 20 days ago
])
def test_more_dates(text, today, expected, exact):
    found = mentioned_date(text, today)
    assert found is not None and (found.value, found.exact) == (expected, exact)


@pytest.mark.parametrize("text", ["45日", "0日", "1日1回", "1日あたり3本", "毎週月曜に", "今年", "2時間"])
def test_more_non_dates(text):
    assert mentioned_date(text, NOV20) is None


def test_zero_day_does_not_exist():
    # 来月0日 is no day at all (and must not be read as the month's end)
    assert mentioned_date("来月0日", NOV20).problem == "nonexistent"


def test_duration_is_not_the_10th_but_a_date_beside_it_is_found():
    # 10日間 is a duration; the 20th named later is the date (Nov 20 is today)
    assert value("10日間のトライアルを20日から", NOV20) == D(2026, 11, 20)


def test_the_first_date_named_wins_and_text_is_what_was_typed():
    found = mentioned_date("十二月十八日か19日に", NOV20)
    assert found == DateMention("十二月十八日", D(2026, 12, 18), True, None)
    assert mentioned_date("来月の２０日でお願いします", TUE).text == "来月の２０日"


def test_is_past():
    assert mentioned_date("昨日", TUE).is_past(TUE)          # Nov 30 < Dec 1
    assert not mentioned_date("今日", TUE).is_past(TUE)      # equal is not past
    assert not mentioned_date("明日", TUE).is_past(TUE)
    assert DateMention("2月30日", None, problem="nonexistent").is_past(TUE) is False


# ---- counts ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, n, total", [
    ("ライセンスを2本追加したい", 2, False),
    ("2つ増やしたい", 2, False),
    ("もう1本ほしい", 1, False),
    ("あと3つ追加", 3, False),
    ("3件に増やしたい", 3, True),
    ("5本にしたい", 5, True),
    ("3本にする", 3, True),
    ("合計4本", 4, True),
    ("全部で3件", 3, True),
    ("4本まで増やしたい", 4, True),
    ("十二本追加", 12, False),        # 十二 = 12, not 2
    ("二十本にしたい", 20, True),     # 二十 = 20
    ("二本", 2, False),
    ("ふたつ追加", 2, False),
    ("ひとつ", 1, False),
    ("みっつにしたい", 3, True),
    ("よっつ", 4, False),
    ("いつつ", 5, False),
    ("２ライセンス追加", 2, False),    # full-width
    ("番号を2つ追加", 2, False),
    ("3回線", 3, False),
    ("2台", 2, False),
    ("1口追加", 1, False),
    ("5個", 5, False),
    ("今2本ですが5本にしたい", 5, True),   # the total wanted, not what they have now
    ("2本を4本に増やしたい", 4, True),
    ("12本", 12, False),
    ("もうひとつ", 1, False),
    ("百本", 100, False),
    ("千二百ライセンスにしたい", 1200, True),   # 千二百 = 1000 + 200
])
def test_counts(text, n, total):
    assert mentioned_count(text) == CountMention(n, total)


@pytest.mark.parametrize("text", [
    "ライセンスを追加したい", "12月18日に", "料金は1,500円", "RT-0001", "CW-0001", "10日間", "3か月",
    "2月3日から", "今2本です", "", "2027/2/3",
])
def test_no_count(text):
    assert mentioned_count(text) is None


@pytest.mark.parametrize("count, current, expected", [
    (None, 3, 1),                        # nothing said: one more
    (CountMention(2, False), 3, 2),      # add 2
    (CountMention(5, True), 3, 2),       # 5 - 3
    (CountMention(3, True), 3, 0),       # already there
    (CountMention(2, True), 3, -1),      # fewer than now: the caller says so
])
def test_additional(count, current, expected):
    assert additional(count, current) == expected


# ---- 安心サポート -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, current, target", [
    ("Premiumをやめて普通の安心サポートに", Anshin.PREMIUM, Anshin.STANDARD),   # a change, not a removal
    ("安心サポートPremiumから安心サポートfor SIMに変更したい", Anshin.PREMIUM, Anshin.SIM),
    ("安心サポートを解除したい", None, Anshin.NONE),
    ("安心サポートを外したい", None, Anshin.NONE),
    ("安心サポートをやめたい", None, Anshin.NONE),
    ("Premiumを解約したい", Anshin.PREMIUM, Anshin.NONE),
    ("安心サポートプレミアムいらなくなったので外したい", Anshin.PREMIUM, Anshin.NONE),
    ("Premiumにしたい", None, Anshin.PREMIUM),
    ("安心サポートPremiumに変えたいです", None, Anshin.PREMIUM),
    ("ＰＲＥＭＩＵＭにしたい", None, Anshin.PREMIUM),             # full-width, upper case
    ("プレミアムにしたい", None, Anshin.PREMIUM),
    ("Premium for SIMに", None, Anshin.PREMIUM_SIM),
    ("安心サポートPremium for SIMへ変更", None, Anshin.PREMIUM_SIM),
    ("for SIMに", None, Anshin.SIM),
    ("SIM用にしたい", None, Anshin.SIM),
    ("標準に戻したい", None, Anshin.STANDARD),
    ("スタンダードにしたい", None, Anshin.STANDARD),
    ("普通のにしたい", None, Anshin.STANDARD),
    ("安心サポートに入りたい", None, Anshin.STANDARD),
    ("PremiumからPremium for SIMに", Anshin.PREMIUM, Anshin.PREMIUM_SIM),
    ("今はPremiumですがfor SIMにしたい", Anshin.PREMIUM, Anshin.SIM),
    ("安心サポートについて教えて", None, None),
    ("通常コースに変更したい", None, None),      # 通常コース is a rental course, not 安心サポート
    ("レンタル端末を解約したい", None, None),    # a removal word without 安心サポート
    ("海外でもPremiumは使えますか", None, Anshin.PREMIUM),   # 海外 is not 外す: no removal
    ("Premiumは問題なく使える？", None, Anshin.PREMIUM),     # 問題なく is not なくす
    ("安心サポートPremiumの解除", Anshin.PREMIUM, Anshin.NONE),
    ("Premiumへの変更", None, Anshin.PREMIUM),
    ("安心サポートなしにしたい", None, Anshin.NONE),
    ("自分のPremiumの盗難補償の開始日を教えて", Anshin.PREMIUM, None),   # the one they have
    ("うちの安心サポートをPremiumに変えられる？", None, Anshin.PREMIUM),
    ("私の安心サポートを普通のに戻せますか", None, Anshin.STANDARD),
    ("本人確認は不要です、普通の説明で十分", None, None),   # 普通の説明 is no 安心サポート, 不要 no removal
    ("こんにちは", None, None),
])
def test_anshin_change(text, current, target):
    assert anshin_change(text) == (current, target)


# ---- payment -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, current, target", [
    ("カードから請求書に", Payment.CARD, Payment.INVOICE),
    ("コンビニ払いをカードに", Payment.KONBINI, Payment.CARD),
    ("クレカにしたい", None, Payment.CARD),
    ("クレジットカード払いに変更", None, Payment.CARD),
    ("クレジットにしたい", None, Payment.CARD),
    ("atoneからカードへ", Payment.KONBINI, Payment.CARD),
    ("コンビニ払い(atone)からクレジットカードに", Payment.KONBINI, Payment.CARD),
    ("請求書払い(NP)にしたい", None, Payment.INVOICE),
    ("NP後払いにできますか", None, Payment.INVOICE),
    ("後払いにしたい", None, Payment.INVOICE),
    ("今はコンビニ払いです。カードにしたい", Payment.KONBINI, Payment.CARD),
    ("SIMカードを交換したい", None, None),        # SIMカード is a device, not a card payment
    ("支払い方法を変えたい", None, None),
    ("カード情報を変更したい", None, None),         # the card's details, not the payment method
    ("クレジットカード情報の変更", None, None),
    ("カードの有効期限が切れた", None, None),
    ("カード払いをやめたい", Payment.CARD, None),   # a current one, no target named
    ("ｺﾝﾋﾞﾆ払い ｸﾚｶ払い 変更", Payment.KONBINI, Payment.CARD),   # half-width; the last named is the target
    ("ｺﾝﾋﾞﾆ払い→ｸﾚｼﾞｯﾄｶｰﾄﾞ払い 変更", Payment.KONBINI, Payment.CARD),
    ("毎月コンビニで払うのが面倒なのでカード払いにしたいです", Payment.KONBINI, Payment.CARD),
    ("うちはカード払いだけど請求書払いにできる？", Payment.CARD, Payment.INVOICE),
    ("支払い方法をクレカ以外にできますか", Payment.CARD, None),   # anything but the card: no target named
    ("クレジットカードでお願いします", None, Payment.CARD),
])
def test_payment_change(text, current, target):
    assert payment_change(text) == (current, target)


# ---- everything at once ------------------------------------------------------------------------

def test_parse_params_reads_everything():
    got = parse_params("来月の20日からPremiumをやめて普通の安心サポートに、支払いはカードから請求書に", TUE)
    assert got == Params(
        count=None,
        on=DateMention("来月の20日", D(2027, 1, 20), True, None),   # Dec + 1 = January, the 20th
        anshin_from=Anshin.PREMIUM, anshin_to=Anshin.STANDARD,
        payment_from=Payment.CARD, payment_to=Payment.INVOICE,
    )


def test_parse_params_count_and_date_apart():
    # 2本 is the count, 12月18日 the date: neither is read as the other
    got = parse_params("12月18日にライセンスを2本追加", NOV20)
    assert got.count == CountMention(2, False) and got.on.value == D(2026, 12, 18)
    assert parse_params("", NOV20) == Params()


@settings(max_examples=300, deadline=None)
@given(st.text(), st.dates())
def test_any_text_never_raises(text, today):
    parse_params(text, today)
    additional(mentioned_count(text), 3)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789０１２３〇一二三四五六七八九十百千年月日/-週間後先前のに本つ件か末頭中曜来今再明昨", max_size=30),
       st.dates())
def test_numeral_and_date_soup_never_raises(text, today):
    found = mentioned_date(text, today)
    if found is not None:
        assert found.text and (found.value is None) == (found.problem == "nonexistent")
    mentioned_count(text)


def test_the_day_of_an_application_wins_over_a_wished_for_end():
    # 「今月末で解約したい…今日申請すれば」: the rules count from the application day (today, 11-20).
    today = date(2026, 11, 20)
    said = mentioned_date("今月末で解約したいのですが、今日申請すれば間に合いますか", today)
    assert said.value == date(2026, 11, 20) and said.text == "今日"
    # 来週の月曜 (11-23) is the application; 今月末 is what they hope for
    assert mentioned_date("来週の月曜に申し込んだら今月末で終わる？", today).value == date(2026, 11, 23)
    # one date only: that one, whatever follows
    assert mentioned_date("今月末で解約したい", today).value == date(2026, 11, 30)
