"""Attack (shared computer): the previous customer logged in on the chat page and pressed ログアウト;
the next person asks an account question. The login token the socket was opened with used to stay
on the server and answer for the old customer. Chromium (Debian's, driven by Playwright) against the
live bot: log in, reload, log out, ask -> no account data; reload again, ask -> still none."""
from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUESTION = "私の契約内容を教えてください"
ACCOUNT_DATA = ("山田", "RS-0001", "CW-0001", "LM-0001")      # A1001 (fixtures/demo_accounts.yml)
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def page(bot):
    if not CHROMIUM.exists():
        pytest.skip("chromium is missing: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        yield tab
        context.close()
        browser.close()


def _online(page) -> None:
    page.locator("#status[data-state=online]").wait_for()


def _ask(page, text: str) -> str:
    before = page.locator(".message-bot").count()
    page.locator("#input").fill(text)
    page.keyboard.press("Enter")
    page.locator(".message-bot").nth(before).wait_for()
    page.locator("#typing").wait_for(state="hidden")
    page.wait_for_timeout(500)          # a second bot message of the same turn
    return "\n".join(page.locator(".message-bot .bubble").all_inner_texts()[before:])


def test_logout_after_reload_leaves_no_login_on_the_server(bot, page):
    token = bot.token("A1001")
    page.goto(bot.url + "/chat/")
    _online(page)
    # logged in: what the page keeps after a login (demo login / the company site's postMessage)
    page.evaluate("""([token]) => { sessionStorage.setItem('madoguchi.token', token);
                                    sessionStorage.setItem('madoguchi.account', '山田 太郎 様'); }""", [token])
    page.reload()                           # the socket now connects with the token in its auth
    _online(page)
    assert page.locator("#logout").is_visible()
    logged_in = _ask(page, QUESTION)
    assert any(value in logged_in for value in ACCOUNT_DATA), logged_in   # the login works

    page.locator("#logout").click()
    _online(page)
    assert page.evaluate("() => sessionStorage.getItem('madoguchi.token')") is None
    after = _ask(page, QUESTION)
    assert not any(value in after for value in ACCOUNT_DATA), after
    assert "本人確認" in after or "ログイン" in after, after

    page.reload()                           # a reconnect must not revive the login either
    _online(page)
    again = _ask(page, QUESTION)
    assert not any(value in again for value in ACCOUNT_DATA), again
