"""Writes docs/screenshot-chat.png: the chat page in use at desktop and phone width.

    .venv/bin/python tests/e2e/web/make_screenshot.py                       # starts Rasa on models/
    .venv/bin/python tests/e2e/web/make_screenshot.py --url http://localhost:5005/chat/

The phone shot resumes the desktop conversation (same session key), as after a reload.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the project root, for tests.support

from tests.support.webchat import PROJECT_ROOT, RasaStack, find_model, launch_chromium  # noqa: E402

OUT = PROJECT_ROOT / "docs" / "screenshot-chat.png"
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
DESKTOP = {"width": 1100, "height": 860}
PHONE = {"width": 390, "height": 844}


def converse(page, messages) -> None:
    for text in messages:
        before = page.locator(".message-bot").count()
        page.locator("#input").fill(text)
        page.keyboard.press("Enter")
        page.locator(".message-bot").nth(before).wait_for(timeout=30000)
        page.locator("#typing").wait_for(state="hidden", timeout=30000)
        page.wait_for_timeout(300)


def shoot(url: str, messages, login: bool, out: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp())
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        desktop = browser.new_context(viewport=DESKTOP, locale="ja-JP", timezone_id="Asia/Tokyo")
        page = desktop.new_page()
        page.goto(url)
        page.locator("#status[data-state=online]").wait_for(timeout=30000)
        if login and page.locator("#demo-select option").count():
            page.locator("#demo-submit").click()
            page.locator("#login-state").wait_for()
        converse(page, messages)
        page.locator("#input").focus()
        page.screenshot(path=str(tmp / "desktop.png"))
        session = page.evaluate("() => JSON.stringify(Object.assign({}, sessionStorage))")

        phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                    device_scale_factor=1, locale="ja-JP", timezone_id="Asia/Tokyo")
        phone.add_init_script(
            "(() => { const s = %s; for (const k in s) sessionStorage.setItem(k, s[k]); })()" % session)
        mobile = phone.new_page()
        mobile.goto(url)
        mobile.locator("#status[data-state=online]").wait_for(timeout=30000)
        mobile.locator(".message-user").first.wait_for(timeout=30000)
        mobile.wait_for_timeout(500)
        mobile.screenshot(path=str(tmp / "phone.png"))
        browser.close()

    shots = [Image.open(tmp / "desktop.png"), Image.open(tmp / "phone.png")]
    pad, label_h = 32, 44
    width = sum(s.width for s in shots) + pad * (len(shots) + 1)
    height = max(s.height for s in shots) + pad * 2 + label_h
    canvas = Image.new("RGB", (width, height), (226, 231, 238))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.truetype(str(FONT), 20) if FONT.exists() else ImageFont.load_default()
    x = pad
    for shot, label in zip(shots, ("デスクトップ（1100px）", "スマートフォン（390px）")):
        draw.text((x, pad - 6), label, fill=(60, 72, 88), font=font)
        canvas.paste(shot, (x, pad + label_h - 12))
        draw.rectangle([x - 1, pad + label_h - 13, x + shot.width, pad + label_h - 12 + shot.height],
                       outline=(190, 198, 210))
        x += shot.width + pad
    out.parent.mkdir(parents=True, exist_ok=True)
    canvas.save(out, optimize=True)
    print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="chat page of a running server (default: start one on models/)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-login", action="store_true", help="do not log in as a demo customer")
    parser.add_argument("messages", nargs="*",
                        default=["私の契約内容を教えてください", "解約したいです"])
    args = parser.parse_args()
    if args.url:
        shoot(args.url, args.messages, not args.no_login, args.out)
        return
    model = find_model()
    if model is None:
        sys.exit("no trained model in models/ (or set MADOGUCHI_E2E_MODEL)")
    stack = RasaStack(Path(tempfile.mkdtemp()), model).start()
    try:
        shoot(stack.chat_url, args.messages, not args.no_login, args.out)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
