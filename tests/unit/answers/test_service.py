"""bot.answers.service with an in-memory repository: which contract, which date, which count.
Expected figures are worked out by hand from shared/spec/domain-rules.md in the comments."""
from __future__ import annotations

from datetime import date

from bot.answers import service
from bot.answers.reply import VERIFY_BUTTONS
from bot.nlu.params import parse_params

TODAY = date(2026, 11, 20)   # a Friday


def ask(repo, account, key, text="", today=TODAY, **kwargs):
    return service.answer(repo, account, key, today, params=parse_params(text, today), **kwargs)


def test_the_service_reads_the_account_through_the_repository_it_is_given(repo):
    reply = ask(repo, "F1", "rs_charges_to_date")
    assert repo.asked == ["F1"]
    # start 2026-04-10 → April … November = 8 months × 550円 = 4,400円(税込)
    assert "4,400円(税込)" in reply.text and "2026年11月20日" in reply.text


def test_an_unknown_account_gets_the_general_rule_and_no_figures(repo):
    reply = ask(repo, "nobody", "rs_charges_to_date")
    assert "見つかりませんでした" in reply.text and "4,400円" not in reply.text


def test_a_named_date_replaces_today_and_is_repeated(repo):
    # 明後日 from Fri 11-20 = Sun 11-22, after the 15th → the rental ends at the end of next month, 12-31.
    reply = ask(repo, "F1", "rt_cancel_end", "明後日解約したらいつ終わる？")
    assert "2026年11月22日" in reply.text and "2026年12月31日" in reply.text
    assert "2026年11月30日" not in reply.text


def test_the_15th_and_the_16th(repo):
    # applied 12-15 → ends 12-31; applied 12-16 → ends 2027-01-31
    assert "2026年12月31日でのご解約" in ask(repo, "F1", "rt_cancel_end", "12月15日に解約したら").text
    assert "2027年1月31日でのご解約" in ask(repo, "F1", "rt_cancel_end", "12月16日に解約したら").text


def test_a_date_that_does_not_exist_is_asked_again(repo):
    reply = ask(repo, "F1", "rt_cancel_end", "2月30日に解約したら")
    assert "存在しない日付" in reply.text and "RT-9001" not in reply.text
    assert reply.pending.startswith("rt_cancel_end|")


def test_a_past_date_for_an_application_is_asked_again(repo):
    # 「11月3日」 alone is the next occurrence (2027-11-03); with the year, or 昨日, it is in the past.
    for text in ("2026年11月3日に解約したら", "昨日解約していたら"):
        reply = ask(repo, "F1", "rt_cancel_end", text)
        assert "すでに過ぎた日付" in reply.text and "でのご解約" not in reply.text, text


def test_a_past_date_is_fine_when_asking_how_things_stood(repo):
    # maintenance S = 2026-05-20; on 2026-10-01 it was active (expiry 2027-05-20)
    reply = ask(repo, "F1", "cw_maintenance_status", "2026年10月1日時点で保守は有効でしたか")
    assert "保守期間中" in reply.text


def test_counts_as_totals(repo):
    # 3 licences now. 「5本にしたい」 = 2 more; S 2026-05-20 → 11-20 is 6 months → R = 90 %:
    # 2 × 120,000 + 10 % × 120,000 × 3 = 240,000 + 36,000 = 276,000円(税別) = 303,600円(税込)
    reply = ask(repo, "F1", "cw_add_licenses", "5本にしたらいくら")
    assert "2ライセンス追加" in reply.text and "276,000円(税別) = 303,600円(税込)" in reply.text
    # 「2本追加」 = 2 more, the same figure
    assert "276,000円(税別)" in ask(repo, "F1", "cw_add_licenses", "2本追加したら").text
    # 「3本にしたい」 = already 3: nothing to add, no price
    same = ask(repo, "F1", "cw_add_licenses", "3本にしたい")
    assert "追加はございません" in same.text and "円" not in same.text.split("】", 1)[1]


def test_kanji_counts(repo):
    # 十二本 = 12 in total → 9 more: 9 × 120,000 + 36,000 = 1,116,000円(税別)
    assert "1,116,000円(税別)" in ask(repo, "F1", "cw_add_licenses", "十二本に増やしたい").text


def test_numbers_as_totals(repo):
    # 1 lent number. 「3件に増やしたら」 = 2 more: 9,900 + 2 × 1,100 = 12,100円(税込)
    reply = ask(repo, "F1", "pa_add_number", "番号を3件に増やしたら")
    assert "2件追加" in reply.text and "12,100円(税込)" in reply.text


def test_anshin_target_named_after_ni_is_a_change_not_a_removal(repo):
    # Premium → 安心サポート on 12-03 (1st–15th): applies from 2027-01-01.
    reply = ask(repo, "F1", "rt_anshin_change", "Premiumをやめて普通の安心サポートにしたい", today=date(2026, 12, 3))
    assert "2027年1月1日から安心サポートが適用" in reply.text and "解除となります" not in reply.text


def test_payment_targets(repo):
    refused = ask(repo, "F1", "rt_payment_change", "カードから請求書払いに変えたい")
    assert "変更できません" in refused.text or "承っています" in refused.text
    allowed = ask(repo, "F2", "rt_payment_change", "コンビニ払いからカードに変えたい", contract_no="RT-9003")
    assert "マイページ" in allowed.text and "RT-9003" in allowed.text


def test_several_contracts_of_one_service_ask_which_one(repo):
    reply = ask(repo, "F2", "rt_cancel_end")
    assert [b.payload for b in reply.buttons] == ['/choose_contract{"contract_no":"RT-9002"}',
                                                  '/choose_contract{"contract_no":"RT-9003"}']
    assert "RT-9002" not in reply.text    # no contract picked silently
    chosen = ask(repo, "F2", "rt_cancel_end", contract_no="RT-9003")
    assert chosen.text.startswith("【RT-9003")


def test_another_accounts_contract_number_shows_nothing_of_it(repo):
    reply = ask(repo, "F2", "rt_cancel_end", contract_no="RT-9001")
    assert "見つかりませんでした" in reply.text and reply.buttons


def test_anonymous_general_answer_offers_verification_and_remembers_the_question():
    reply = service.general_answer("rt_cancel_end", TODAY, parse_params("明後日解約したら", TODAY))
    assert reply.buttons == VERIFY_BUTTONS
    key, params = service.split_pending(reply.pending)
    assert key == "rt_cancel_end" and params.on.value == date(2026, 11, 22)


def test_public_questions_are_computed_for_everyone():
    # Sat 2026-11-21 is not a 平日; the next 受付日 is Mon 11-23? No: 11-23 is 勤労感謝の日 → Tue 11-24.
    reply = service.public_answer("hx_support_hours", TODAY, parse_params("明日は電話受付してますか", TODAY))
    assert "2026年11月21日(土)は受付日ではありません" in reply.text and "2026年11月24日(火)" in reply.text
