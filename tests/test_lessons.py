"""Every chapter page is a complete lesson in one template (checked on the MyST sources):

    # Title / intro / **After this chapter you can** (3-6 objectives) /
    **Reading time:** about N min · **Exercise:** about M min · **Prerequisites:** ... /
    the lesson / ## Summary (5-8 ideas) / ## Check your understanding (>= 5 questions with
    hidden answers) / ## References / ## Exercise

and the intro's table of times is the chapters' own; the notebooks in notebooks/ (what Colab
and Binder open) are the pages as they are now, in plain Jupyter markdown.

The chapters are the files of the numbered parts of book/_toc.yml. The unnumbered parts hold the
front pages (a PyTorch primer and a map of the field: notebooks too, but no exercise and no
number) and the reference pages (the glossary); tests on notebook pages cover both kinds.
"""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
TAIL = ["Summary", "Check your understanding", "References", "Exercise"]
TIMES = re.compile(r"^\*\*Reading time:\*\* about (?P<reading>\d+) min · \*\*Exercise:\*\* about "
                   r"(?P<exercise>\d+) min · \*\*Prerequisites:\*\* (?P<prerequisites>.+)$", re.M)
ANSWER = re.compile(r"^[ \t]*:::\{dropdown\} Answer[ \t]*\n(?P<body>.*?)^[ \t]*:::[ \t]*$",
                    re.M | re.S)


FRONT_TIMES = re.compile(r"^\*\*Reading time:\*\* about (?P<reading>\d+) min · "
                         r"\*\*Prerequisites:\*\* (?P<prerequisites>.+)$", re.M)


def _lesson_notebooks():
    spec = importlib.util.spec_from_file_location("lesson_notebooks",
                                                  BOOK / "_ext" / "lesson_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _toc() -> dict:
    return yaml.safe_load((BOOK / "_toc.yml").read_text())


def _chapters():
    """The numbered chapters (book/<NN-name>/index.md), in the book's order."""
    return [c["file"].split("/")[0] for part in _toc()["parts"] if part.get("numbered")
            for c in part["chapters"]]


def _unnumbered():
    """The files of the unnumbered parts (front matter and reference pages), in order."""
    return [c["file"] for part in _toc()["parts"] if not part.get("numbered")
            for c in part["chapters"]]


def _front_pages():
    """The unnumbered pages that are notebooks (book/<page>.md with a kernel): the primer,
    the map of the field."""
    return [f for f in _unnumbered() if _lesson_notebooks().is_notebook(BOOK / f"{f}.md")]


def _notebook_pages():
    """Every page that is also a notebook in notebooks/: front pages, then chapters."""
    return _front_pages() + _chapters()


def _source(page: str) -> Path:
    return BOOK / page / "index.md" if (BOOK / page / "index.md").exists() else BOOK / f"{page}.md"


def _prose(chapter: str) -> str:
    """The page without its code cells and its front matter."""
    text = _source(chapter).read_text()
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    return re.sub(r"^```\{code-cell\}.*?^```$", "", text, flags=re.M | re.S)


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2])}


def _bullets(text: str) -> list[str]:
    return re.findall(r"^- \S.*$", text, flags=re.M)


def lesson_template_problems(text: str) -> list[str]:
    """What a page's prose lacks of the template (an empty list when it follows it)."""
    problems = []
    if not re.match(r"\A\s*# \S", text):
        problems.append("the page does not start with its # title")
    head = re.split(r"^## ", text, maxsplit=1, flags=re.M)[0]
    objectives = re.search(r"^\*\*After this chapter you can\*\*\s*\n(?P<list>(?:\s*\n|- .*\n|  .*\n)+)",
                           head, flags=re.M)
    if not objectives:
        problems.append("no '**After this chapter you can**' list before the first section")
    elif not 3 <= len(_bullets(objectives["list"])) <= 6:
        problems.append(f"{len(_bullets(objectives['list']))} objectives (3-6 wanted)")
    times = TIMES.search(head)
    if not times:
        problems.append("no '**Reading time:** about N min · **Exercise:** about M min · "
                        "**Prerequisites:** ...' line before the first section")
    titles = re.findall(r"^## (.+)$", text, flags=re.M)
    if titles[-4:] != TAIL:
        problems.append(f"the page must end with the sections {TAIL}, not {titles[-4:]}")
    sections = _sections(text)
    summary = _bullets(sections.get("Summary", ""))
    if not 5 <= len(summary) <= 8:
        problems.append(f"{len(summary)} ideas in the Summary (5-8 wanted)")
    answers = list(ANSWER.finditer(sections.get("Check your understanding", "")))
    if len(answers) < 5:
        problems.append(f"{len(answers)} questions with answers in 'Check your understanding' "
                        "(at least 5 wanted)")
    for answer in answers:
        if len(answer["body"].split()) < 12:
            problems.append(f"an answer without its explanation: {answer['body'].strip()!r}")
    exercise_time = re.search(r"\*\*Time\.\*\* About (\d+) minutes", sections.get("Exercise", ""))
    if times and (not exercise_time or exercise_time.group(1) != times["exercise"]):
        problems.append("the Exercise section's '**Time.** About M minutes.' must match the "
                        "exercise time at the top")
    return problems


@pytest.mark.parametrize("chapter", _chapters())
def test_chapter_follows_the_lesson_template(chapter):
    assert lesson_template_problems(_prose(chapter)) == []


def test_the_template_check_catches_a_departure():
    page = _prose("01-neuron")
    assert lesson_template_problems(page) == []
    without_summary = re.sub(r"^## Summary$", "## What to remember", page, flags=re.M)
    assert any("end with the sections" in p for p in lesson_template_problems(without_summary))
    few_questions = page.replace(":::{dropdown} Answer", ":::{note}")
    assert any("questions" in p for p in lesson_template_problems(few_questions))
    no_times = TIMES.sub("Reading time: a while.", page)
    assert any("Reading time" in p for p in lesson_template_problems(no_times))


def test_intro_table_of_times_is_the_chapters_own():
    table = re.findall(r"^\| (\d+)\. .*? \| (\d+) min \| (\d+) min \|$",
                       (BOOK / "intro.md").read_text(), flags=re.M)
    chapters = _chapters()
    assert len(table) == len(chapters), "one row per chapter in the intro's table"
    for (number, reading, exercise), chapter in zip(table, chapters):
        times = TIMES.search(_prose(chapter))
        assert int(number) == int(chapter[:2])
        assert (reading, exercise) == (times["reading"], times["exercise"]), chapter


def test_the_book_is_front_pages_then_numbered_chapters_then_reference():
    """The chapters are numbered 1-11 without a gap, in one run of numbered parts; the front
    pages come before them and the glossary after them, in unnumbered parts, so neither
    shifts a chapter's (or a figure's) number."""
    parts = _toc()["parts"]
    numbered = [bool(part.get("numbered")) for part in parts]
    first, last = numbered.index(True), len(numbered) - 1 - numbered[::-1].index(True)
    assert all(numbered[first:last + 1]), "an unnumbered part between the chapters"
    assert [int(c[:2]) for c in _chapters()] == list(range(1, len(_chapters()) + 1))
    assert all((BOOK / c / "index.md").exists() for c in _chapters())
    front = [c["file"] for part in parts[:first] for c in part["chapters"]]
    back = [c["file"] for part in parts[last + 1:] for c in part["chapters"]]
    assert front == ["pytorch-primer", "map-of-the-field"]
    assert back == ["glossary"]


@pytest.mark.parametrize("page", _front_pages() or ["pytorch-primer"])
def test_front_page_follows_its_template(page):
    """A front page: a title, an introduction, its reading time and prerequisites, the lesson,
    a Summary and its References; no exercise, as it is not a chapter."""
    assert page in _front_pages(), f"book/{page}.md is not a notebook page in an unnumbered part"
    text = _prose(page)
    assert re.match(r"\A\s*# \S", text), "the page does not start with its # title"
    head = re.split(r"^## ", text, maxsplit=1, flags=re.M)[0]
    assert FRONT_TIMES.search(head), ("no '**Reading time:** about N min · **Prerequisites:** "
                                      "...' line before the first section")
    titles = re.findall(r"^## (.+)$", text, flags=re.M)
    assert titles[-2:] == ["Summary", "References"]
    assert "Exercise" not in titles
    assert 5 <= len(_bullets(_sections(text)["Summary"])) <= 8


def test_questions_inline_and_at_the_end_all_have_answers():
    for chapter in _notebook_pages():
        prose = _prose(chapter)
        assert prose.count(":::{dropdown}") == len(ANSWER.findall(prose)), chapter


def test_committed_lesson_notebooks_are_up_to_date():
    """Colab and Binder open notebooks/<page>.ipynb from the repository: `make notebooks`
    regenerates them from the pages."""
    assert _lesson_notebooks().main(["--check"]) == 0


def test_every_notebook_page_has_a_committed_notebook():
    """The converter and the table of contents agree on which pages are notebooks, and each
    has its notebooks/<page>.ipynb (the launch links of the book open it)."""
    assert sorted(_lesson_notebooks().pages()) == sorted(_notebook_pages())
    for page in _notebook_pages():
        assert (REPO / "notebooks" / f"{page}.ipynb").is_file(), page


@pytest.mark.parametrize("chapter", _notebook_pages())
def test_lesson_notebook_is_plain_jupyter_markdown(chapter):
    import json

    nb = json.loads((REPO / "notebooks" / f"{chapter}.ipynb").read_text())
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    for myst in ("{footcite", "{dropdown}", "{numref}", "{glue", "{download}", "{footbibliography}",
                 "{term}", "\n:::"):
        assert myst not in markdown, f"MyST {myst!r} left in the notebook"
    assert not re.search(r"\]\([^)]*\.md(?:#[^)]*)?\)", markdown), "a link to a .md page"
    page = _source(chapter).read_text()
    assert markdown.count("<details><summary>Answer</summary>") == page.count(":::{dropdown} Answer")
    assert "%pip install" in "".join(nb["cells"][0]["source"])  # Colab: the helper package
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(code) == page.count("```{code-cell}") + 1


def test_converter_turns_glossary_links_and_page_links_into_plain_jupyter():
    converter = _lesson_notebooks()
    text = ("A **{term}`tensor`** and **{term}`data types <dtype>`**; see [the primer]"
            "(../pytorch-primer.md), [chapter 3](../03-backprop/index.md#x) and the "
            "[glossary](glossary.md).")
    assert converter._markdown(text, {}) == (
        "A **tensor** and **data types**; see [the primer](pytorch-primer.ipynb), "
        "[chapter 3](03-backprop.ipynb#x) and the glossary.")


@pytest.mark.parametrize("chapter", _notebook_pages())
def test_widgets_are_left_to_explore(chapter):
    """explore() makes and displays the live widget itself; a page that builds ipywidgets
    objects makes the built book load widget JavaScript from a CDN, and a widget returned as
    the value of a cell ending in ";" is never shown."""
    page = _source(chapter).read_text()
    assert "ipywidgets" not in page
    assert not re.search(r"^\w+ = explore\(", page, flags=re.M)
    assert "display(demo)" not in page


def test_lesson_notebooks_install_what_colab_lacks():
    """A chapter that needs msprime, RDKit or scanpy (itself or through nnbio_helpers) installs
    it, pinned, in its first cell when it is missing."""
    import json

    converter = _lesson_notebooks()
    wanted = {"05-cnn": ["msprime"], "07-gcn": ["rdkit"], "08-autoencoder": ["scanpy"]}
    pins = converter._pins()
    for chapter in _notebook_pages():
        page = _source(chapter).read_text()
        assert converter.extras(page) == wanted.get(chapter, []), chapter
        setup = "".join(json.loads((REPO / "notebooks" / f"{chapter}.ipynb").read_text())
                        ["cells"][0]["source"])
        for package in wanted.get(chapter, []):
            assert pins[package] in setup and f", {package}" in setup, chapter


def accidental_lists(text: str) -> list[str]:
    """Lines where a wrapped sentence starts with "1. ", which Markdown turns into a list
    that cuts the paragraph in two."""
    lines = text.splitlines()
    return [f"{a!r} / {b!r}" for a, b in zip(lines, lines[1:])
            if re.match(r"^\s*1\. ", b) and a.strip()
            and not re.match(r"^\s*([-*+]|\d+\.|#|\||:::|```|\$\$)", a)
            and len(re.match(r"^\s*", a).group()) >= len(re.match(r"^\s*", b).group())]


def test_no_wrapped_line_starts_an_accidental_list():
    for chapter in _notebook_pages():
        assert accidental_lists(_prose(chapter)) == [], chapter
    assert accidental_lists("depends on step\n1. Gradient descent") != []
    assert accidental_lists("A list:\n\n1. first\n2. second") == []


@pytest.mark.parametrize("chapter", _notebook_pages())
def test_pages_print_no_timings(chapter):
    """Build timings in a page's outputs differ on every machine and teach nothing."""
    page = _source(chapter).read_text()
    for clock in ("perf_counter", "time.time()", "import time", "timeit"):
        assert clock not in page, f"{chapter} measures time ({clock})"


STATED_TIME = re.compile(r"\*\*Time\.\*\* About (\d+) minutes")


@pytest.mark.parametrize("chapter", _chapters())
def test_the_exercise_time_is_one_number_in_the_notebook_the_page_and_the_intro(chapter):
    """The exercise notebook's stated time is the chapter page's (at its top and in its
    Exercise section), which the intro's table repeats (checked above)."""
    import json

    page = _prose(chapter)
    top = int(TIMES.search(page)["exercise"])
    exercise = page.split("\n## Exercise", 1)[1]
    stated = STATED_TIME.search(exercise)
    assert stated and int(stated[1]) == top, f"{chapter}: the Exercise section says {stated}"
    nb = json.loads((REPO / "solutions" / chapter / f"{chapter}.ipynb").read_text())
    intro = "".join(nb["cells"][0]["source"])
    stated = STATED_TIME.search(intro)
    assert stated and int(stated[1]) == top, f"{chapter}: the notebook says {stated}"
