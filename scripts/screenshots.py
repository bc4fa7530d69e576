"""Retake the README screenshots (docs/screenshots/*.png) against the shipped models in a real Chromium.

Usage: python scripts/screenshots.py   (needs Debian's /usr/bin/chromium and `pip install playwright`)"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.browser_server import CHROMIUM, REPO, go_to, streamlit_server, wait_idle  # noqa: E402

OUT = REPO / "docs" / "screenshots"
REVIEW = "I expected to hate it, but the acting was wonderful and the story moved me. Not bad at all!"


def main() -> int:
    """Start the app, visit every page as a student would, save one screenshot per page."""
    OUT.mkdir(parents=True, exist_ok=True)
    with streamlit_server({}) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        wait_idle(page)
        page.screenshot(path=str(OUT / "home.png"))

        go_to(page, url, "/concepts")
        page.screenshot(path=str(OUT / "concepts.png"))

        go_to(page, url, "/sequence_lab")
        page.get_by_role("button", name="Train", exact=True).click()
        expect(page.get_by_text("Run took")).to_be_visible(timeout=120_000)
        page.get_by_text("Run #").scroll_into_view_if_needed()
        page.screenshot(path=str(OUT / "sequence-lab.png"))

        go_to(page, url, "/predict")
        box = page.locator("input.stkeyup__input")
        box.fill(REVIEW)
        expect(page.get_by_text("Word by word")).to_be_visible(timeout=60_000)
        page.wait_for_timeout(2_000)
        page.locator("input.stkeyup__input").scroll_into_view_if_needed()
        page.screenshot(path=str(OUT / "predict.png"))

        go_to(page, url, "/generate")
        page.get_by_role("button", name="Generate", exact=True).click()
        expect(page.get_by_text("What the model was choosing from")).to_be_visible(timeout=60_000)
        page.locator("h1").first.scroll_into_view_if_needed()
        page.screenshot(path=str(OUT / "generate.png"))

        go_to(page, url, "/train")
        page.screenshot(path=str(OUT / "train-form.png"))
        browser.close()
    print("\n".join(str(path.relative_to(REPO)) for path in sorted(OUT.glob("*.png"))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
