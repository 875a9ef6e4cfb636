"""Screenshot pages of the built book in headless Chromium with the network off (a developer
tool; the offline test in tests/test_book_browser.py uses the same launch settings).

Usage: .venv/bin/python tools/screenshot.py PAGE.html OUT.png [--width 1280|390] [--full]
"""
from __future__ import annotations

import argparse
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("page")
    parser.add_argument("out")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--full", action="store_true", help="the whole page, not one screen")
    parser.add_argument("--scroll-to", default=None, help="CSS selector to scroll into view")
    a = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": a.width, "height": a.height},
                                device_scale_factor=1)
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                   else route.abort())
        page.goto(Path(a.page).resolve().as_uri())
        page.wait_for_timeout(800)
        if a.scroll_to:
            page.locator(a.scroll_to).first.scroll_into_view_if_needed()
        page.screenshot(path=a.out, full_page=a.full)
        browser.close()


if __name__ == "__main__":
    main()
