"""Every bug in a chapter's bank tells a student what it means (``diagnosis=``) and where the book
explains it (``section=``): what the feedback says when a student's function behaves like it
(:mod:`autograder.engine.diagnosis`).

A diagnosis is one sentence addressed to the student ("you ..."), short enough to read in a
feedback line, and names the misconception, not the code: no code of the bank's implementation
appears in it. A section is a heading (``##`` or ``###``) of the chapter's book page.
"""
from __future__ import annotations

import inspect
import re
import textwrap
from pathlib import Path

import pytest

from autograder.engine import registry
from autograder.engine.bank import load_bank

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = [c for c in registry.chapters() if load_bank(c) is not None]
MAX_DIAGNOSIS = 200


def headings(chapter: str) -> set[str]:
    """The ``##`` and ``###`` headings of ``book/<chapter>/index.md``, as written."""
    page = (REPO / "book" / chapter / "index.md").read_text()
    return {m.group(1).strip() for m in re.finditer(r"^#{2,3} (.+)$", page, re.M)}


def _body_lines(entry) -> set[str]:
    """The bank implementation's statements (not its def line or decorator), as written."""
    src = textwrap.dedent(inspect.getsource(entry.implementation))
    body = src.split("):\n", 1)[-1]
    return {ln.strip() for ln in body.splitlines() if len(ln.strip()) > 12}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_bug_has_a_diagnosis_and_a_section_of_its_chapter(chapter):
    bank, found = load_bank(chapter), headings(chapter)
    problems = []
    for m in bank.mutants:
        where = f"{m.function} / {m.why!r}"
        d = m.diagnosis
        if not d:
            problems.append(f"{where}: no diagnosis")
            continue
        if len(d) > MAX_DIAGNOSIS:
            problems.append(f"{where}: diagnosis longer than {MAX_DIAGNOSIS} characters")
        if not d.startswith("you ") and not d.startswith("your "):
            problems.append(f"{where}: a diagnosis speaks to the student: 'you ...'")
        if d.rstrip().endswith(".") or "\n" in d:
            problems.append(f"{where}: one sentence, no final full stop (it is quoted in a line)")
        if any(line in d for line in _body_lines(m)):
            problems.append(f"{where}: the diagnosis quotes the bank's code")
        if m.section not in found:
            problems.append(f"{where}: section {m.section!r} is not a heading of "
                            f"book/{chapter}/index.md")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_alternatives_carry_no_diagnosis(chapter):
    """Alternatives are correct code: they are never diagnosed, so they have nothing to say."""
    assert all(not a.diagnosis and not a.section for a in load_bank(chapter).alternatives)
