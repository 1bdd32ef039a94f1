"""End-to-end: the chat page in headless Chromium against a real Rasa server and action server.

Needs a trained model (newest models/*.tar.gz, or MADOGUCHI_E2E_MODEL), Debian's chromium at
/usr/bin/chromium and the `playwright` Python package (its bundled browsers are not used).
The servers run on free ports with their own secret, accounts database and tracker store.
"""
from __future__ import annotations

import json
import re
import time
import urllib.parse

import pytest

from tests.support.webchat import (
    CHROMIUM, PROJECT_ROOT, HostSite, RasaStack, find_model, free_port, http, launch_chromium,
)

pytestmark = pytest.mark.slow

FAQ_QUESTION = "リモートサポートの月額料金は？"
FAQ_ANSWER = "550円"
ACCOUNT_QUESTION = "私の契約内容を教えてください"
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    model = find_model()
    if model is None:
        pytest.skip("no trained model in models/ (run `make run` or `rasa train` first)")
    if not CHROMIUM.exists():
        pytest.skip("chromium is missing: apt-get install -y chromium chromium-driver")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright (no `playwright install`)")
    running = RasaStack(tmp_path_factory.mktemp("rasa_stack"), model).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser(stack):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


class Chat:
    """The chat page of one browser tab."""

    def __init__(self, page, url: str):
        self.page = page
        self.url = url
        self.dialogs = []
        self.errors = []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.set_default_timeout(TIMEOUT_MS)

    def open(self) -> "Chat":
        self.page.goto(self.url)
        self.wait_online()
        return self

    def wait_online(self) -> None:
        self.page.locator("#status[data-state=online]").wait_for()

    def bot_count(self) -> int:
        return self.page.locator(".message-bot").count()

    def send(self, text: str) -> None:
        """Types into the message box and presses Enter (the keyboard path)."""
        before = self.bot_count()
        box = self.page.locator("#input")
        box.focus()
        box.fill(text)
        self.page.keyboard.press("Enter")
        self.page.locator(".message-user .bubble", has_text=text).last.wait_for()
        self.wait_bot(before)

    def wait_bot(self, before: int) -> None:
        self.page.locator(".message-bot").nth(before).wait_for()
        self.page.locator("#typing").wait_for(state="hidden")

    def bot_texts(self) -> list:
        return self.page.locator(".message-bot .bubble").all_inner_texts()

    def user_texts(self) -> list:
        return self.page.locator(".message-user .bubble").all_inner_texts()

    def session_key(self) -> str:
        return self.page.evaluate("() => sessionStorage.getItem('madoguchi.session')")

    def sender_id(self) -> str:
        return self.session_key().split(".")[0]


@pytest.fixture
def chat(browser, stack):
    context = browser.new_context(viewport={"width": 1100, "height": 820}, locale="ja-JP",
                                  timezone_id="Asia/Tokyo")
    page = context.new_page()
    yield Chat(page, stack.chat_url)
    context.close()


def _wait_for_text(chat: Chat, needle: str) -> str:
    chat.page.locator(".message-bot .bubble", has_text=needle).first.wait_for()
    return next(t for t in chat.bot_texts() if needle in t)


def test_faq_question_answered_keyboard_only(chat):
    chat.open()
    page = chat.page
    # The composer is reachable with Tab from the top of the page, in a sensible order.
    page.locator("body").focus()
    order = []
    for _ in range(12):
        page.keyboard.press("Tab")
        order.append(page.evaluate("() => document.activeElement.id || document.activeElement.className"))
        if order[-1] == "input":
            break
    assert "input" in order, order
    assert order.index("log") < order.index("input"), order
    page.keyboard.type(FAQ_QUESTION)
    page.keyboard.press("Enter")
    answer = _wait_for_text(chat, FAQ_ANSWER)
    assert FAQ_ANSWER in answer
    assert chat.user_texts()[-1] == FAQ_QUESTION
    # timestamps on every message, focus stays in the message box, no script errors
    assert page.locator(".message time").count() == page.locator(".message").count()
    assert page.evaluate("() => document.activeElement.id") == "input"
    assert page.locator("#log").get_attribute("aria-live") == "polite"
    assert not chat.errors, chat.errors


def test_quick_reply_button_sends_payload_and_shows_title(chat, stack):
    chat.open()
    chat.send("こんにちは")
    # The bot offers buttons: pushed into this conversation through the channel by Rasa's HTTP API
    # (a bot event with buttons, forwarded to the output channel `madoguchi`).
    title = "料金を確認する"
    event = {"event": "bot", "text": "どちらについてお調べしますか？",
             "data": {"buttons": [{"title": title, "payload": FAQ_QUESTION},
                                  {"title": "ほかの質問", "payload": "/greet"}]}}
    before = chat.bot_count()
    sender = urllib.parse.quote(chat.sender_id(), safe="")
    status, _, body = http(
        "POST", f"{stack.url}/conversations/{sender}/tracker/events?output_channel=madoguchi&execute_side_effects=true",
        json.dumps([event]).encode(), {"Content-Type": "application/json"})
    assert status == 200, body[:300]
    buttons = chat.page.locator(".quick-reply")
    buttons.first.wait_for()
    assert buttons.all_inner_texts() == [title, "ほかの質問"]
    # keyboard: Tab from the message box backwards reaches the buttons; Enter activates one
    chat.page.locator("#input").focus()
    chat.page.keyboard.press("Shift+Tab")
    chat.page.keyboard.press("Shift+Tab")
    assert chat.page.evaluate("() => document.activeElement.textContent") == title
    chat.page.keyboard.press("Enter")
    chat.page.locator(".message-user .bubble", has_text=title).last.wait_for()
    assert chat.user_texts()[-1] == title  # the title is shown, not the payload
    # used up: the offered buttons are gone (the answer may bring its own, e.g. the offer to verify)
    assert chat.page.locator(".quick-reply", has_text=title).count() == 0
    assert chat.page.locator(".quick-reply", has_text="ほかの質問").count() == 0
    answer = _wait_for_text(chat, FAQ_ANSWER)  # the payload reached the bot
    assert chat.bot_count() > before + 1 and FAQ_ANSWER in answer


def test_reload_keeps_the_conversation(chat):
    chat.open()
    chat.send(FAQ_QUESTION)
    _wait_for_text(chat, FAQ_ANSWER)
    key_before = chat.session_key()
    chat.page.reload()
    chat.wait_online()
    chat.page.locator(".message-user .bubble", has_text=FAQ_QUESTION).first.wait_for()
    assert FAQ_QUESTION in chat.user_texts()
    assert any(FAQ_ANSWER in t for t in chat.bot_texts())
    assert chat.session_key().split(".")[0] == key_before.split(".")[0]
    # and the conversation goes on in the same session
    chat.send(FAQ_QUESTION)
    assert chat.sender_id() == key_before.split(".")[0]


def test_user_html_is_shown_as_text_and_not_executed(chat):
    chat.open()
    for text in ("<script>alert(1)</script>", '<img src=x onerror="alert(2)">'):
        chat.send(text)
        assert chat.user_texts()[-1] == text
    assert chat.page.locator("#log script, #log img").count() == 0
    chat.page.wait_for_timeout(500)
    assert chat.dialogs == [], chat.dialogs
    # also after a reload, when the history comes back from the tracker store
    chat.page.reload()
    chat.wait_online()
    chat.page.locator(".message-user .bubble", has_text="<script>alert(1)</script>").first.wait_for()
    assert chat.page.locator("#log script, #log img").count() == 0
    assert chat.dialogs == []


def test_links_are_safe_anchors(chat):
    chat.open()
    chat.send(FAQ_QUESTION)
    for link in chat.page.locator("#log a").all():
        assert re.match(r"https?://", link.get_attribute("href"))
        assert "noopener" in link.get_attribute("rel")


@pytest.mark.parametrize("width,height", [(390, 844), (320, 568)])
def test_phone_width_layout(browser, stack, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2, locale="ja-JP")
    try:
        chat = Chat(context.new_page(), stack.chat_url).open()
        chat.send(FAQ_QUESTION)
        page = chat.page
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        box = page.locator("#composer").bounding_box()
        assert box["y"] + box["height"] <= height + 1 and box["width"] <= width
        assert page.locator("#send").is_visible()
        assert page.locator("#new-conversation").is_visible()
    finally:
        context.close()


def _demo_login(chat: Chat) -> str:
    if chat.page.locator("#demo-select option").count() == 0:
        pytest.skip("no demo accounts (fixtures/demo_accounts.yml)")
    account_id = chat.page.locator("#demo-select").input_value()
    chat.page.locator("#demo-submit").click()
    chat.page.locator("#login-state").wait_for()
    return account_id


def test_demo_login_token_travels_in_message_metadata(chat, stack):
    chat.open()
    account_id = _demo_login(chat)
    assert account_id in chat.page.locator("#login-text").inner_text()
    token = chat.page.evaluate("() => sessionStorage.getItem('madoguchi.token')")
    assert token
    chat.send(FAQ_QUESTION)
    sender = urllib.parse.quote(chat.sender_id(), safe="")
    status, _, body = http("GET", f"{stack.url}/conversations/{sender}/tracker")
    assert status == 200
    stored = json.loads(body)["latest_message"]["metadata"]["token"]
    if stored != token:  # the channel's guard replaces the token by a signed conversation claim
        from bot.identity import claims

        secret = stack.env["MADOGUCHI_SECRET"].encode()
        assert claims.check_claim(stored, chat.sender_id(), time.time(), secret=secret) == account_id
    # logging out forgets the token and starts a new conversation (shared computers)
    sender_before = chat.sender_id()
    chat.page.locator("#logout").click()
    chat.page.locator("#demo-form").wait_for()
    chat.page.locator(".message-note").first.wait_for()
    assert chat.sender_id() != sender_before
    assert FAQ_QUESTION not in chat.user_texts()
    assert chat.page.evaluate("() => sessionStorage.getItem('madoguchi.token')") is None


def test_embedded_in_a_listed_site_with_its_login_token(browser, stack):
    """A company site frames the page and hands over its customer's token; other sites cannot frame it."""
    context = browser.new_context(locale="ja-JP")
    try:
        with HostSite(stack.company_port, stack.chat_url) as site:
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(site.url)
            frame = page.frame_locator("#chat")
            frame.locator("#status[data-state=online]").wait_for()
            status, body = _demo_login_http(stack, "A1001")
            if status != 200:
                pytest.skip(f"demo login unavailable ({status})")
            # the listed company site can log its customer in
            page.evaluate(
                "([token, origin]) => document.getElementById('chat').contentWindow.postMessage("
                "{type: 'madoguchi:login', token, label: '山田 太郎 様'}, origin)",
                [body["token"], stack.url])
            frame.locator("#login-state").wait_for()
            assert "山田 太郎 様" in frame.locator("#login-text").inner_text()

        with HostSite(free_port(), stack.chat_url) as other_site:  # not in embed_origins
            other = context.new_page()
            other.goto(other_site.url)
            other.wait_for_timeout(2000)
            assert other.frame_locator("#chat").locator("#status").count() == 0
            # nor can it log a customer in by opening the page in a window and posting a token
            with context.expect_page() as popup_info:
                other.evaluate("(url) => { window.chatWindow = window.open(url); }", stack.chat_url)
            popup = popup_info.value
            popup.locator("#status[data-state=online]").wait_for(timeout=TIMEOUT_MS)
            other.evaluate(
                "([token, origin]) => window.chatWindow.postMessage("
                "{type: 'madoguchi:login', token, label: 'attacker'}, origin)",
                [body["token"], stack.url])
            popup.wait_for_timeout(1000)
            assert popup.locator("#login-state").is_hidden()
            assert popup.evaluate("() => sessionStorage.getItem('madoguchi.token')") is None
    finally:
        context.close()


def _demo_login_http(stack: RasaStack, account_id: str):
    status, _, body = http("POST", stack.url + "/chat/api/demo-login",
                           json.dumps({"account_id": account_id}).encode(),
                           {"Content-Type": "application/json"})
    return status, json.loads(body or b"{}")


def test_demo_customer_gets_account_specific_answer(chat, stack):
    import yaml

    fixture = yaml.safe_load((PROJECT_ROOT / "fixtures" / "demo_accounts.yml").read_text())
    chat.open()
    account_id = _demo_login(chat)
    account = next(a for a in fixture["accounts"] if str(a["id"]) == account_id)
    contract_nos = [c["contract_no"] for c in account.get("contracts") or []]
    assert stack.demo_accounts_loaded, "python -m bot accounts import failed"
    chat.send(ACCOUNT_QUESTION)
    chat.page.wait_for_timeout(1000)
    answer = "\n".join(chat.bot_texts()[-3:])
    assert any(no in answer for no in contract_nos), answer
