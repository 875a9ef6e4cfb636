"""The built book as a reader gets it (run after `make book`; `make test` builds it first):
every chapter of the table of contents is there with figures and its exercise download, and
formulas render offline (MathJax is shipped with the book, not fetched from a CDN)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
HTML = REPO / "book" / "_build" / "html"


def _chapters():
    toc = yaml.safe_load((REPO / "book" / "_toc.yml").read_text())
    return [c["file"].split("/")[0] for part in toc["parts"] for c in part["chapters"]]


@pytest.fixture(scope="module")
def built():
    assert (HTML / "index.html").exists(), "build the book first (`make book`; `make test` does)"
    return HTML


def test_every_chapter_with_an_exercise_is_in_the_book():
    from autograder import registry

    assert sorted(_chapters()) == registry.chapters()


@pytest.mark.parametrize("chapter", _chapters())
def test_chapter_page_has_figures_and_its_exercise(built, chapter):
    page = (built / chapter / "index.html").read_text()
    assert len(re.findall(r"<img[^>]+src=\"[^\"]+\.png\"", page)) >= 2, "figures missing"
    link = re.search(rf'href="([^"]*{re.escape(chapter)}\.ipynb)"', page)
    assert link, "no download link to the exercise notebook"
    notebook = (built / chapter / link.group(1)).resolve()
    assert notebook.exists() and "BEGIN SOLUTION" not in notebook.read_text()
    assert "Exercise" in page and "References" in page


def test_math_renders_offline(built):
    assert (built / "_static" / "mathjax" / "tex-chtml.js").exists()
    page = (built / "02-activations" / "index.html").read_text()
    assert "_static/mathjax/tex-chtml.js" in page
    assert "cdn.jsdelivr.net/npm/mathjax" not in page
