"""The built book as a reader gets it (run after `make book`; `make test` builds it first):
every chapter of the table of contents is there with figures and its exercise download, keeps
its number (chapter 5, Fig. 5.2) behind the unnumbered front pages, the front pages (the PyTorch
primer, the map of the field) open as notebooks too, and formulas render offline (MathJax is
shipped with the book, not fetched from a CDN)."""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
HTML = REPO / "book" / "_build" / "html"


def _toc() -> dict:
    return yaml.safe_load((REPO / "book" / "_toc.yml").read_text())


def _chapters():
    """The numbered chapters, in the book's order."""
    return [c["file"].split("/")[0] for part in _toc()["parts"] if part.get("numbered")
            for c in part["chapters"]]


def _front_pages():
    """The unnumbered top-level pages that are notebooks (front matter names a kernel)."""
    pages = [c["file"] for part in _toc()["parts"] if not part.get("numbered")
             for c in part["chapters"]]
    return [p for p in pages if (REPO / "book" / f"{p}.md").is_file()
            and re.match(r"\A---\n(?:.*\n)*?kernelspec:", (REPO / "book" / f"{p}.md").read_text())]


@pytest.fixture(scope="module")
def built():
    assert (HTML / "index.html").exists(), "build the book first (`make book`; `make test` does)"
    return HTML


def test_every_chapter_with_an_exercise_is_in_the_book():
    from autograder.engine import registry

    assert sorted(_chapters()) == registry.chapters()


@pytest.mark.parametrize("chapter", _chapters())
def test_chapter_page_has_figures_and_its_exercise(built, chapter):
    page = (built / chapter / "index.html").read_text()
    assert len(re.findall(r"<img[^>]+src=\"[^\"]+\.png\"", page)) >= 2, "figures missing"
    link = re.search(rf'href="(?!https?:)([^"]*_downloads[^"]*{re.escape(chapter)}\.ipynb)"', page)
    assert link, "no download link to the exercise notebook"
    notebook = (built / chapter / link.group(1)).resolve()
    assert notebook.exists() and "BEGIN SOLUTION" not in notebook.read_text()
    assert "Exercise" in page and "References" in page


def test_math_renders_offline(built):
    assert (built / "_static" / "mathjax" / "tex-chtml.js").exists()
    page = (built / "02-activations" / "index.html").read_text()
    assert "_static/mathjax/tex-chtml.js" in page
    assert "cdn.jsdelivr.net/npm/mathjax" not in page


IMG = re.compile(r"<img\b[^>]*>")
FIGURE = re.compile(r"<figure\b.*?</figure>", re.S)


def _attribute(tag: str, name: str) -> str | None:
    match = re.search(rf'\b{name}="([^"]*)"', tag)
    return None if match is None else match.group(1)


def figure_problems(page: str) -> list[str]:
    """Images of a built page without a caption or without real alt text (not empty, not a
    file name)."""
    problems = []
    in_figures = {img for fig in FIGURE.findall(page) if "<figcaption" in fig
                  for img in IMG.findall(fig)}
    for img in IMG.findall(page):
        src, alt = _attribute(img, "src") or "", _attribute(img, "alt")
        if "_static/" in src:  # the theme's logos and icons
            continue
        if not alt or re.search(r"\.(png|svg|jpe?g)$", alt) or alt.startswith("_images"):
            problems.append(f"{src}: alt text {alt!r}")
        if img not in in_figures:
            problems.append(f"{src}: no numbered caption")
    return problems


@pytest.mark.parametrize("chapter", _chapters())
def test_every_figure_has_a_caption_and_alt_text(built, chapter):
    page = (built / chapter / "index.html").read_text()
    assert figure_problems(page) == []
    assert re.search(r"<span class=\"caption-number\">Fig\. \d+\.\d+ </span>", page)  # Fig. 3.2


@pytest.mark.parametrize("chapter", _chapters())
def test_chapter_keeps_its_number_behind_the_front_pages(built, chapter):
    """Chapter 5 is "5." in its title and its figures are Fig. 5.1, 5.2, ...: the unnumbered
    front pages shift nothing."""
    page = (built / chapter / "index.html").read_text()
    number = int(chapter[:2])
    titles = re.findall(r"<h1>(.*?)</h1>", page, flags=re.S)  # the print header's, the page's
    assert any(f'<span class="section-number">{number}. </span>' in t for t in titles)
    figures = re.findall(r'<span class="caption-number">Fig\. (\d+)\.(\d+) </span>', page)
    assert figures and {int(c) for c, _ in figures} == {number}
    assert [int(n) for _, n in figures] == list(range(1, len(figures) + 1))


@pytest.mark.parametrize("page", _front_pages())
def test_front_page_figures_are_numbered_on_the_page(built, page):
    """An unnumbered page's figures have captions and alt text and count from Fig. 1 (Sphinx
    would continue the previous unnumbered page's count; book/_ext/nnbio_book.py renumbers)."""
    text = (built / f"{page}.html").read_text()
    assert figure_problems(text) == []
    numbers = re.findall(r'<span class="caption-number">Fig\. (\d+) </span>', text)
    assert numbers and [int(n) for n in numbers] == list(range(1, len(numbers) + 1))
    titles = re.findall(r"<h1>(.*?)</h1>", text, flags=re.S)
    assert titles and not any("section-number" in t for t in titles)


def test_figure_check_catches_a_bare_image():
    bare = '<img alt="_images/abc.png" src="../_images/abc.png" />'
    assert len(figure_problems(bare)) == 2
    good = ('<figure class="align-default" id="fig-x"><img alt="A line rising." '
            'src="../_images/abc.png" /><figcaption><p><span class="caption-number">Fig. 1 '
            '</span>A line.</p></figcaption></figure>')
    assert figure_problems(good) == []


LAUNCH = re.compile(r'href="(https://(?:colab\.research\.google\.com/github|mybinder\.org/v2/gh|'
                    r'github\.com)/[^"]+)"')


@functools.lru_cache(maxsize=None)
def _link_prefixes() -> tuple[tuple[str, bool], ...]:
    """(prefix, quoted) of the links that open a file of this repository, from the one
    repository setting of book/_config.yml."""
    config = yaml.safe_load((REPO / "book" / "_config.yml").read_text())["repository"]
    owner_name = config["url"].removeprefix("https://github.com/").rstrip("/")
    branch = config.get("branch", "main")
    return ((f"https://colab.research.google.com/github/{owner_name}/blob/{branch}/", False),
            (f"https://github.com/{owner_name}/blob/{branch}/", False),
            (f"https://mybinder.org/v2/gh/{owner_name}/{branch}?labpath=", True))


def _repository_file(url: str) -> str | None:
    """The repository path a launch link opens, or None for a link to another repository."""
    from urllib.parse import unquote

    for prefix, quoted in _link_prefixes():
        if url.startswith(prefix):
            path = url.removeprefix(prefix)
            return unquote(path) if quoted else path
    return None


@pytest.mark.parametrize("chapter", _chapters())
def test_open_anywhere_links_point_at_files_in_the_repository(built, chapter):
    """Download, Colab, Binder and GitHub links for the chapter and its exercise: the files
    they open exist in this repository (Colab and Binder read them from its default branch)."""
    page = (built / chapter / "index.html").read_text()
    opened = [_repository_file(u.replace("&amp;", "&")) for u in LAUNCH.findall(page)]
    opened = [p for p in opened if p is not None]
    assert {f"notebooks/{chapter}.ipynb", f"exercises/{chapter}/{chapter}.ipynb"} <= set(opened)
    for path in opened:
        assert (REPO / path).is_file(), f"a launch link opens {path}, which is not in the repository"
    for download in (f"{chapter}-lesson.ipynb", f"{chapter}-exercise.ipynb"):
        assert f'href="{download}"' in page
        notebook = json.loads((built / chapter / download).read_text())
        assert notebook["cells"] and "BEGIN SOLUTION" not in (built / chapter / download).read_text()


@pytest.mark.parametrize("page", _front_pages())
def test_front_page_opens_as_a_notebook(built, page):
    """The primer and the map: a download of the page as a notebook, and Colab, Binder and
    GitHub links to notebooks/<page>.ipynb, which exists in the repository; no exercise row."""
    text = (built / f"{page}.html").read_text()
    opened = [_repository_file(u.replace("&amp;", "&")) for u in LAUNCH.findall(text)]
    opened = [p for p in opened if p is not None]
    assert f"notebooks/{page}.ipynb" in opened
    assert opened.count(f"notebooks/{page}.ipynb") >= 3  # Colab, Binder, GitHub
    for path in opened:
        assert (REPO / path).is_file(), f"a launch link opens {path}, which is not in the repository"
    assert f'href="{page}.ipynb"' in text and "The exercise:" not in text
    notebook = json.loads((built / f"{page}.ipynb").read_text())
    assert notebook["cells"] and "%pip install" in "".join(notebook["cells"][0]["source"])


def test_glossary_is_in_the_book(built):
    text = (built / "glossary.html").read_text()
    assert re.search(r'<dl class="[^"]*\bglossary\b', text), "no glossary on the glossary page"


def test_pages_load_no_widget_javascript_from_a_cdn(built):
    for page in sorted(built.rglob("*.html")):
        text = page.read_text()
        for needle in ("require.min.js", "@jupyter-widgets/html-manager", "unpkg.com/@jupyter"):
            assert needle not in text, f"{page.relative_to(built)} loads {needle}"
        assert len(re.findall(r"const THEBE_JS_URL", text)) <= 1, "a script included twice"
