"""The built book in a real browser with the network off: every page loads everything it
needs from the book itself (no CDN, no font or script from outside), throws no JavaScript
error, and shows its figures at their own size in the desktop text column (a figure wider
than the column is shrunk, and its labels with it).

Headless Chromium (Debian's ``chromium``) driven by Playwright; CI installs both (.ci/run).
Without a Chromium binary the test is skipped, except under CI, where it fails.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HTML = REPO / "book" / "_build" / "html"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTHS = {"desktop": 1280, "phone": 390}
MIN_FIGURE_SCALE = 0.9  # a figure shown at less than 90 % of its size in the desktop column

pytestmark = pytest.mark.slow


def _pages():
    if not HTML.exists():
        return []
    return sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
                  if "_static" not in p.parts and p.name != "genindex.html")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's chromium")
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    assert (HTML / "index.html").exists(), "build the book first (`make book`; `make test` does)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def visit(browser, path: Path, width: int) -> dict:
    """Load ``path`` with every request outside the file system refused; returns what went
    wrong (outside requests, failed requests, console errors, page errors) and the figures'
    displayed and natural widths."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    found = {"outside": [], "failed": [], "console": [], "errors": []}

    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:", "about:")):
            r.continue_()
        else:
            found["outside"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda r: found["failed"].append(r.url))
    page.on("console", lambda m: found["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: found["errors"].append(str(e)))
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_timeout(300)
    found["figures"] = page.eval_on_selector_all(
        "figure img", "imgs => imgs.map(i => [i.getAttribute('src'), i.clientWidth, i.naturalWidth])")
    found["overflow"] = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.close()
    # outside requests were refused by us: they appear as failed too
    found["failed"] = [u for u in found["failed"] if u not in found["outside"]]
    found["console"] = [m for m in found["console"] if "net::ERR_FAILED" not in m
                        or not found["outside"]]
    return found


@pytest.mark.parametrize("width", WIDTHS, ids=list(WIDTHS))
@pytest.mark.parametrize("page", _pages() or ["index.html"])
def test_page_loads_offline_without_errors(browser, page, width):
    found = visit(browser, HTML / page, WIDTHS[width])
    assert found["outside"] == [], "requests outside the book"
    assert found["failed"] == [], "requests that failed"
    assert found["console"] == [] and found["errors"] == [], "JavaScript errors"
    assert found["overflow"] <= 1, "the page scrolls sideways"
    if width == "desktop":
        shrunk = [(src, shown, natural) for src, shown, natural in found["figures"]
                  if natural and shown < MIN_FIGURE_SCALE * natural]
        assert shrunk == [], "figures wider than the text column (shown, natural px)"


def test_offline_check_sees_an_outside_request_and_a_script_error(browser, tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<html><body><img src="https://example.org/x.png">'
                    "<script>const a = 1;</script><script>const a = 2;</script></body></html>")
    found = visit(browser, page, 1280)
    assert found["outside"] == ["https://example.org/x.png"]
    assert found["errors"], "the redeclared constant is reported"


def test_chinese_renders_in_the_font_the_book_ships(browser):
    """The glossary's Chinese terms are drawn with the book's own font (Noto Sans CJK SC cut
    down to the book's characters, book/_ext/fonts/), which loads from the book itself: a
    reader without Chinese fonts sees characters, not empty boxes."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page.goto((HTML / "glossary.html").resolve().as_uri(), wait_until="load")
    term = page.locator("dl.glossary dt", has_text="过拟合").first
    family = term.evaluate("e => getComputedStyle(e).fontFamily")
    loaded = page.evaluate("""async () => {
        await document.fonts.ready;
        const faces = await document.fonts.load('700 16px "NNBio CJK"', '过拟合');
        return faces.map(f => f.status);
    }""")
    page.close()
    assert "NNBio CJK" in family
    assert loaded and set(loaded) == {"loaded"}
