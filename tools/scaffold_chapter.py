"""Create chapter N+1 in every part of the course repository, ready to be filled in.

    .venv/bin/python tools/scaffold_chapter.py "Gene regulatory networks" [--id 12-grn]

A chapter is one id, ``NN-short-name``, used as a folder name everywhere (CONTRIBUTING.md):
the command writes, for the next number N+1 (N = the highest chapter number found in any
part of the repository),

    book/<id>/index.md, references.bib    the page in the lesson template, with TODO markers
    solutions/<id>/<id>.ipynb             nbgrader source notebook: one worked graded function
    autograder/<id>/reference.py          its reference implementation
    autograder/<id>/tests.py              its hidden tests (the public API of testing.py only)
    tests/<id>/bank.py                    one plausible bug and one other correct version
    tests/<id>/test_reference.py          the reference checked against an independent oracle

and adds the chapter to the three shared files that list chapters: the table of contents
(``book/_toc.yml``, after the last chapter), the book's bibliography files
(``book/_config.yml``) and the intro's table of times (``book/intro.md``). ``exercises/`` and
``notebooks/`` are generated (``release``, ``make notebooks``), so they are left to those.

The worked example is ``standardize(X)``, the column-wise z-score, small enough to read at a
glance and with one real pitfall (a constant column). Every file is first *planned* in
memory and the plan is checked; a malformed id, an id that exists, a number that is not
N+1 or a shared file without its chapter list is refused before anything is written. If
writing fails half-way, what was written is undone.

This tool knows the course repository's layout (it is a developer command, which is why it
lives in tools/ and not in the grading engine, which knows no chapter). Solution cells are made with the repository's own
``tools/nbsource.py``, so the notebook has exactly the structure ``nbsource.lint`` and the
notebook tests check.
"""
from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # run as a script: this repository's autograder package

from autograder.engine.layout import CourseLayout  # noqa: E402
from autograder.engine.registry import CHAPTER_ID

# Stricter than the registry's pattern: words of lowercase letters and digits joined by "-".
WELL_FORMED_ID = re.compile(r"^\d\d-[a-z0-9]+(?:-[a-z0-9]+)*$")
EXAMPLE = "standardize"
EXAMPLE_POINTS = 4  # the sum of the points of the hidden tests below
READING_MINUTES, EXERCISE_MINUTES = 60, 30  # placeholders, in the page and the intro's table
SMALL_WORDS = {"a", "an", "and", "for", "in", "of", "on", "the", "to", "with"}
PLACEHOLDER = re.compile(r"__[A-Z]+__")


class ScaffoldError(ValueError):
    """The command refused: the message says why; nothing was written."""


@dataclass(frozen=True)
class Chapter:
    id: str
    title: str
    previous: str  # the id of chapter N, linked as the page's prerequisite

    @property
    def number(self) -> int:
        return int(self.id[:2])


@dataclass(frozen=True)
class Write:
    """One file of the plan: its new text, and its old text when it exists (an edit)."""

    path: Path
    text: str
    old: str | None = None


# ------------------------------------------------------------------ the chapter to create

def existing_chapters(root: Path) -> list[str]:
    """Chapter ids that have a folder in any part of the repository, in order."""
    layout = CourseLayout.of(root)
    parts = [root / "book", root / "autograder", layout.source_folder(), root / "tests",
             root / layout.release]
    return sorted({p.name for part in parts if part.is_dir() for p in part.iterdir()
                   if p.is_dir() and CHAPTER_ID.match(p.name)})


def default_id(number: int, title: str) -> str:
    """``12-gene-regulatory-networks`` for chapter 12 "Gene regulatory networks": the title's
    first three words that are not small words, lowercase, joined by "-"."""
    words = [w for w in re.findall(r"[a-z0-9]+", title.lower()) if w not in SMALL_WORDS]
    return f"{number:02d}-{'-'.join(words[:3]) or 'chapter'}"


def next_chapter(root: Path, title: str, chapter_id: str | None = None) -> Chapter:
    """The chapter N+1 to create, or :class:`ScaffoldError` saying why it cannot be."""
    title = " ".join(title.split())
    if not title:
        raise ScaffoldError("the chapter needs a title")
    existing = existing_chapters(root)
    if not existing:
        raise ScaffoldError(f"no chapter found under {root}: run from the course repository "
                            "(or pass --root)")
    number = max(int(c[:2]) for c in existing) + 1
    chapter_id = chapter_id or default_id(number, title)
    _check_id(chapter_id, number, existing)
    return Chapter(chapter_id, title, existing[-1])


def _check_id(chapter_id: str, number: int, existing: list[str]) -> None:
    if not WELL_FORMED_ID.match(chapter_id):
        raise ScaffoldError(f"malformed chapter id {chapter_id!r}: expected NN-short-name, two "
                            "digits then lowercase words joined by '-' (e.g. 12-gene-networks)")
    if chapter_id in existing:
        raise ScaffoldError(f"chapter {chapter_id} exists")
    if int(chapter_id[:2]) != number:
        raise ScaffoldError(f"chapter {chapter_id} would leave the numbers out of order: the "
                            f"chapters are numbered without gaps and the next one is {number:02d}")


# ------------------------------------------------------------------ the plan

def plan(root: Path, chapter: Chapter) -> list[Write]:
    """Every file to write for ``chapter``: the new ones, then the edits of shared files."""
    new = {f"book/{chapter.id}/index.md": BOOK_PAGE,
           f"book/{chapter.id}/references.bib": REFERENCES,
           f"autograder/{chapter.id}/reference.py": REFERENCE,
           f"autograder/{chapter.id}/tests.py": HIDDEN_TESTS,
           f"tests/{chapter.id}/bank.py": BANK,
           f"tests/{chapter.id}/test_reference.py": REFERENCE_TESTS}
    writes = [Write(root / path, fill(template, chapter)) for path, template in new.items()]
    layout = CourseLayout.of(root)
    writes.insert(2, Write(layout.source_notebook(chapter.id), solution_notebook(root, chapter)))
    generated = [root / layout.release / chapter.id,
                 root / "notebooks" / f"{chapter.id}.ipynb"]
    for path in [w.path.parent for w in writes] + generated:
        if path.exists():
            raise ScaffoldError(f"chapter {chapter.id} exists: {path.relative_to(root)}")
    return writes + [_edit(root / "book" / "_toc.yml", chapter, _add_to_toc),
                     _edit(root / "book" / "_config.yml", chapter, _add_bibliography),
                     _edit(root / "book" / "intro.md", chapter, _add_times_row)]


def fill(template: str, chapter: Chapter) -> str:
    """A template with its ``__NAME__`` placeholders replaced by the chapter's values."""
    values = {"__CHAPTER__": chapter.id, "__TITLE__": chapter.title,
              "__NUMBER__": str(chapter.number), "__PREVIOUS__": chapter.previous,
              "__PREVIOUSNUMBER__": str(int(chapter.previous[:2])),
              "__READING__": str(READING_MINUTES), "__EXERCISE__": str(EXERCISE_MINUTES),
              "__POINTS__": str(EXAMPLE_POINTS), "__EXAMPLE__": EXAMPLE}
    unknown = sorted(set(PLACEHOLDER.findall(template)) - values.keys())
    if unknown:
        raise AssertionError(f"unknown placeholders in a template: {unknown}")
    return PLACEHOLDER.sub(lambda m: values[m.group()], template)


Change = Callable[[str, Chapter, str], str]  # (old text, chapter, file name) -> new text


def _edit(path: Path, chapter: Chapter, change: Change) -> Write:
    if not path.is_file():
        raise ScaffoldError(f"{path} is missing: run from the course repository")
    old = path.read_text()
    return Write(path, change(old, chapter, path.name), old)


def _insert_after_last(text: str, pattern: str, line_for: Callable[[Chapter], str],
                       chapter: Chapter, name: str) -> str:
    """``text`` with a line for ``chapter`` after the last line matching ``pattern`` (a chapter
    entry, whose ``indent`` the new line keeps); refused when none matches or the chapter is
    listed already."""
    lines = text.splitlines(keepends=True)
    found = [(i, m) for i, line in enumerate(lines) if (m := re.match(pattern, line.rstrip("\n")))]
    if not found:
        raise ScaffoldError(f"book/{name} lists no chapter: cannot add {chapter.id} to it")
    if any(chapter.id in line for line in lines):
        raise ScaffoldError(f"chapter {chapter.id} exists: book/{name} lists it")
    at, match = found[-1]
    lines.insert(at + 1, f"{match['indent']}{line_for(chapter)}\n")
    return "".join(lines)


def _add_to_toc(text: str, chapter: Chapter, name: str) -> str:
    """The chapter's page after the last chapter of the table of contents (its part)."""
    return _insert_after_last(text, r"^(?P<indent>\s*)- file: \d\d-[a-z0-9-]+/index\s*$",
                              lambda c: f"- file: {c.id}/index", chapter, name)


def _add_bibliography(text: str, chapter: Chapter, name: str) -> str:
    return _insert_after_last(text, r"^(?P<indent>\s*)- \d\d-[a-z0-9-]+/references\.bib\s*$",
                              lambda c: f"- {c.id}/references.bib", chapter, name)


def _add_times_row(text: str, chapter: Chapter, name: str) -> str:
    """A row ``| 12. Title | 60 min | 30 min |`` after the last chapter's (the page's times)."""
    title = chapter.title.replace("|", r"\|")
    return _insert_after_last(
        text, r"^(?P<indent>)\| \d+\. .* \| \d+ min \| \d+ min \|$",
        lambda c: f"| {c.number}. {title} | {READING_MINUTES} min | {EXERCISE_MINUTES} min |",
        chapter, name)


# ------------------------------------------------------------------ the solution notebook

def nbsource(root: Path) -> ModuleType:
    """The repository's notebook authoring helpers, ``tools/nbsource.py``."""
    path = root / "tools" / "nbsource.py"
    spec = importlib.util.spec_from_file_location("nnbio_scaffold_nbsource", path)
    if not path.is_file() or spec is None or spec.loader is None:
        raise ScaffoldError(f"{path} is missing: run from the course repository")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def solution_notebook(root: Path, chapter: Chapter) -> str:
    """The source notebook: introduction, setup, then the worked graded function (what to do,
    answer cell, visible checks, hidden-test cell with its points), then a TODO."""
    import nbformat

    nb = nbsource(root)
    cells = [nb.markdown(fill(NOTEBOOK_INTRO, chapter)),
             nb.setup("import numpy as np\n\nnp.set_printoptions(precision=4, suppress=True)"),
             nb.markdown(fill(NOTEBOOK_TASK, chapter)),
             nb.solution(EXAMPLE, fill(NOTEBOOK_SOLUTION, chapter)),
             nb.visible_checks(EXAMPLE, fill(NOTEBOOK_CHECKS, chapter)),
             nb.hidden_tests(chapter.id, EXAMPLE, EXAMPLE_POINTS),
             nb.markdown(fill(NOTEBOOK_MORE, chapter))]
    notebook = nb.notebook(cells)
    nbformat.validate(notebook)
    text = nbformat.writes(notebook)
    return text if text.endswith("\n") else text + "\n"


# ------------------------------------------------------------------ writing

def apply(writes: list[Write]) -> None:
    """Write the plan; if a write fails, undo the ones before it and re-raise."""
    done: list[Write] = []
    made: list[Path] = []
    try:
        for write in writes:
            made += _make_parents(write.path)
            write.path.write_text(write.text)
            done.append(write)
    except OSError:
        _undo(done, made)
        raise


def _make_parents(path: Path) -> list[Path]:
    """Create the missing folders above ``path``; the ones created."""
    missing = [p for p in path.parents if not p.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    return missing


def _undo(done: list[Write], made: list[Path]) -> None:
    for write in reversed(done):
        if write.old is None:
            write.path.unlink(missing_ok=True)
        else:
            write.path.write_text(write.old)
    for folder in sorted(made, key=lambda p: len(p.parts), reverse=True):  # deepest first
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def create(root: Path, title: str, chapter_id: str | None = None) -> tuple[Chapter, list[Write]]:
    """Plan chapter N+1, check the plan, write it: the chapter and what was written."""
    root = Path(root).resolve()
    chapter = next_chapter(root, title, chapter_id)
    writes = plan(root, chapter)
    apply(writes)
    return chapter, writes


def main(root: Path, title: str, chapter_id: str | None = None) -> int:
    """The ``scaffold`` command: create the chapter, print its files and the next steps."""
    try:
        chapter, writes = create(root, title, chapter_id)
    except ScaffoldError as exc:
        print(f"scaffold refused, nothing written: {exc}", file=sys.stderr)
        return 2
    root = Path(root).resolve()
    print(f"chapter {chapter.number}, {chapter.id}: {chapter.title}")
    for write in writes:
        print(f"  {'edited ' if write.old is not None else 'created'} {write.path.relative_to(root)}")
    print(fill(NEXT_STEPS, chapter))
    return 0


# ------------------------------------------------------------------ templates
# Placeholders: __CHAPTER__ (the id), __TITLE__, __NUMBER__, __PREVIOUS__ (chapter N's id),
# __PREVIOUSNUMBER__, __READING__ and __EXERCISE__ (minutes), __EXAMPLE__, __POINTS__.

NEXT_STEPS = """\
next steps:
  1. fill in the TODOs: grep -rn TODO */__CHAPTER__
     replace the worked example `__EXAMPLE__` by the chapter's graded functions, add plausible
     bugs to tests/__CHAPTER__/bank.py (at least five a chapter: tests/test_grading_contract.py),
     set the reading and exercise times in the page and in book/intro.md, and move the
     chapter's entry in book/_toc.yml to another part if it belongs there
  2. python -m autograder.engine.cli release __CHAPTER__
     generates exercises/__CHAPTER__/__CHAPTER__.ipynb with nbgrader
  3. make notebooks
     generates notebooks/__CHAPTER__.ipynb, which Colab and Binder open
  4. python -m pytest tests -k __CHAPTER__
     the chapter's tests"""

BOOK_PAGE = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
    jupytext_version: 1.16.0
kernelspec:
  display_name: Python 3 (nnbio)
  language: python
  name: python3
---

# __TITLE__

TODO: the introduction. What question from biology does this chapter answer, what does it build
on from the previous chapters, and what will the reader be able to do at the end?

**After this chapter you can**

- TODO: a testable objective, starting with a verb (compute, explain, predict, interpret);
- TODO: a second objective, one the exercise checks;
- TODO: a third objective, one the questions at the end check.

**Reading time:** about __READING__ min · **Exercise:** about __EXERCISE__ min · **Prerequisites:** \
[chapter __PREVIOUSNUMBER__](../__PREVIOUS__/index.md) (TODO: what from it); TODO: the skills it needs.

```{code-cell} ipython3
import matplotlib.pyplot as plt
import numpy as np

from nnbio_helpers import style

style.use()
rng = np.random.default_rng(0)
```

## TODO: the first idea

TODO: the lesson in sections: the idea with its math, worked code (library equivalents, never
the exercise's solution), at least one diagram drawn by a function of
`nnbio_helpers/diagrams/`, figures on real or simulated biological data with numbered captions
and alt text, a widget made with `nnbio_helpers.widgets.explore`, numbers in the text from
`nnbio_helpers.book.glue`. Terms the page defines: bold, linked to the glossary.

## Where this is used in biology

TODO: two or three studies that use the method, cited with `{footcite:p}` (entries in
`book/__CHAPTER__/references.bib`).

## Summary

- TODO: the first idea to remember.
- TODO: the second idea to remember.
- TODO: the third idea to remember.
- TODO: the fourth idea to remember.
- TODO: the fifth idea to remember.

## Check your understanding

**1. Concept.** TODO: a question on the chapter's central idea.

:::{dropdown} Answer
TODO: the answer, with the explanation of why it holds and where in the chapter the reader sees it.
:::

**2. Predict.** TODO: what happens if the reader changes one cell of this page?

:::{dropdown} Answer
TODO: the answer, with the explanation of why it holds and where in the chapter the reader sees it.
:::

**3. Interpret.** TODO: a question on a figure of the chapter.

:::{dropdown} Answer
TODO: the answer, with the explanation of why it holds and where in the chapter the reader sees it.
:::

**4. Interpret.** TODO: a question on a result on the chapter's data.

:::{dropdown} Answer
TODO: the answer, with the explanation of why it holds and where in the chapter the reader sees it.
:::

**5. Concept.** TODO: a question that links this chapter to an earlier one.

:::{dropdown} Answer
TODO: the answer, with the explanation of why it holds and where in the chapter the reader sees it.
:::

## References

```{footbibliography}
```

## Exercise

In the exercise notebook you implement, in numpy, TODO: the graded functions (for now the worked
example `__EXAMPLE__(X)`).

**Objectives.** TODO: what the exercise trains.

**Time.** About __EXERCISE__ minutes.

**What is graded.** TODO: what the hidden tests check, and the points in all (__POINTS__ for now).
Visible checks in the notebook let you test your work before submitting.

{download}`Download the exercise notebook <../../exercises/__CHAPTER__/__CHAPTER__.ipynb>`
"""

REFERENCES = """\
% BibTeX entries cited only in chapter __CHAPTER__ (keys unique across the book)
% TODO: the chapter's references, with keys starting c__NUMBER___ (e.g. c__NUMBER___smith2024)
"""

NOTEBOOK_INTRO = """\
# Exercise __NUMBER__: __TITLE__

TODO: what the reader implements here and why.

**Learning objectives.** After this exercise you can

- TODO: an objective;
- standardise measurements column by column, as a first step before training a network.

**Time.** About __EXERCISE__ minutes.

**Prerequisites.** The chapter *__TITLE__* of the book; numpy arrays and the `axis` argument.

**How to run this notebook.**

- *Jupyter on your laptop:* in the course repository run `make setup` once, then
  `.venv/bin/jupyter lab` and open this file.
- *Google Colab:* File → Upload notebook. Only numpy is used, which is preinstalled.
- *A JupyterHub* (if your course has one): fetch the assignment from the *Assignments* tab and
  submit it there when you are done.

**How grading works.** Replace every `raise NotImplementedError()` with your code. After each
function, a cell of visible checks (plain `assert`s) tells you at once whether the basics are
right; run it as often as you like. When your instructor grades the notebook, hidden tests run
in the cells marked *Hidden tests*: each behaviour is worth points, so a partly correct function
earns partial credit, and the feedback names what failed and why. Do not rename the functions or
change their arguments, and do not delete or edit the read-only cells."""

NOTEBOOK_TASK = """\
## 1. `__EXAMPLE__(X)` (__POINTS__ points)

TODO: this worked example shows the shape of a graded function; replace it by the chapter's own.

Measurements on different scales (the expression of a gene in counts, a metabolite in µM) are
put on one scale by their z-score: in each column $j$ of $X$ (samples are rows),

$$z_{ij} = \\frac{x_{ij} - \\bar x_j}{s_j}, \\qquad
\\bar x_j = \\frac1n \\sum_i x_{ij}, \\qquad s_j = \\sqrt{\\frac1n \\sum_i (x_{ij} - \\bar x_j)^2}.$$

**Pitfall.** A column that never changes has $s_j = 0$: return 0 there, not `nan`.

<details><summary>Hint 1</summary>

`X.mean(axis=0)` and `X.std(axis=0)` give one value per column, and broadcasting subtracts and
divides each column by its own.
</details>

<details><summary>Hint 2</summary>

Divide by 1 where the spread is 0 (`np.where`); the difference from the mean is already 0 there.
</details>"""

NOTEBOOK_SOLUTION = '''\
def __EXAMPLE__(X):
    """Z-score each column of X (n samples, d measurements): (X - mean) / std, with the
    population standard deviation; a constant column becomes 0. Returns a new float array."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=float)
    spread = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    ### END SOLUTION'''

NOTEBOOK_CHECKS = """\
X = np.array([[1.0, 5.0], [3.0, 5.0]])
assert np.allclose(__EXAMPLE__(X), [[-1.0, 0.0], [1.0, 0.0]]), \\
    "__EXAMPLE__([[1, 5], [3, 5]]) should be [[-1, 0], [1, 0]]"
assert np.array_equal(X, [[1.0, 5.0], [3.0, 5.0]]), "__EXAMPLE__ must not modify its input"
Z = __EXAMPLE__(np.arange(12.0).reshape(4, 3) ** 2)
assert np.allclose(Z.mean(axis=0), 0) and np.allclose(Z.std(axis=0), 1), \\
    "each column should have mean 0 and standard deviation 1"
print("__EXAMPLE__: visible checks passed")"""

NOTEBOOK_MORE = """\
TODO: the chapter's other graded functions, each as a markdown cell (what to implement, the
math, pitfalls, hints), an answer cell, a cell of visible checks and a hidden-test cell
(`tools/nbsource.py` makes them), in the order of the course specification."""

REFERENCE = '''\
"""Reference implementations for chapter __CHAPTER__ (instructor only).

TODO: the chapter's graded functions, with their math in the docstrings. No function modifies
its inputs.
"""
import numpy as np


def __EXAMPLE__(X):
    """Z-score each column of X (n samples as rows, d measurements as columns):

        z_ij = (x_ij - mean_j) / s_j,   s_j = sqrt(mean_i (x_ij - mean_j)^2)

    (the population standard deviation). A constant column (s_j = 0) becomes 0. Returns a
    new float array of the shape of X.
    """
    X = np.asarray(X, dtype=float)
    spread = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
'''

HIDDEN_TESTS = '''\
"""Hidden tests for chapter __CHAPTER__.

Each test gets (student, ref, rng): the student's function, the reference module and a
generator seeded by the test's name. TODO: the tests of the chapter's graded functions, one
per behaviour (values on random inputs, shapes and arguments, edge cases, stability, inputs
left unchanged); the points of a function's tests are its points in the notebook.
"""
import numpy as np

from autograder.engine.testing import Suite, describe, expect_close, expect_unchanged

SUITE = Suite("__CHAPTER__")


# ------------------------------------------------------------------ __EXAMPLE__
@SUITE.test("__EXAMPLE__", points=2,
            hint="subtract each column's mean and divide by its standard deviation (axis=0)")
def values_on_random_inputs(student, ref, rng):
    X = rng.normal(3.0, 2.0, size=(20, 5))
    expect_close(student(X.copy()), ref.__EXAMPLE__(X), "__EXAMPLE__", f"X {describe(X)}")


@SUITE.test("__EXAMPLE__", points=1,
            hint="a constant column has standard deviation 0: return 0 there, not nan")
def constant_column_becomes_zero(student, ref, rng):
    X = rng.normal(size=(8, 3))
    X[:, 1] = 2.5
    expect_close(student(X.copy()), ref.__EXAMPLE__(X), "__EXAMPLE__",
                 f"X with a constant column {describe(X)}")


@SUITE.test("__EXAMPLE__", points=1, hint="compute a new array instead of changing X in place")
def does_not_modify_x(student, ref, rng):
    X = rng.normal(size=(6, 4))
    before = X.copy()
    student(X)
    expect_unchanged(before, X, "__EXAMPLE__", "X")
'''

BANK = '''\
"""Mutants and alternative implementations for __CHAPTER__ (see autograder/engine/bank.py).

TODO: at least five plausible bugs per chapter (tests/test_grading_contract.py), and other
correct implementations (loops or vectorised, float32 or float64, numpy or torch inside).
"""
import numpy as np

from autograder.engine.bank import Bank

BANK = Bank("__CHAPTER__")


# ------------------------------------------------------------------ __EXAMPLE__
@BANK.mutant("__EXAMPLE__", "standardises each row (axis=1) instead of each column")
def __EXAMPLE___rows(X):
    X = np.asarray(X, dtype=float)
    spread = X.std(axis=1, keepdims=True)
    return (X - X.mean(axis=1, keepdims=True)) / np.where(spread > 0, spread, 1.0)


@BANK.alternative("__EXAMPLE__", "one column at a time, in float32")
def __EXAMPLE___loop(X):
    X = np.asarray(X, dtype=np.float32)
    out = np.zeros_like(X)
    for j in range(X.shape[1]):
        column = X[:, j]
        if column.std() > 0:
            out[:, j] = (column - column.mean()) / column.std()
    return out
'''

REFERENCE_TESTS = '''\
"""The __CHAPTER__ reference implementation checked against an independent oracle:
TODO: torch, scipy or scikit-learn for each graded function (here scikit-learn's
StandardScaler)."""
import numpy as np
from sklearn.preprocessing import StandardScaler

from autograder.engine import registry

ref = registry.reference("__CHAPTER__")


def test___EXAMPLE___matches_sklearn_standard_scaler():
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(30, 4))
    X[:, 2] = 2.5  # a constant column: StandardScaler leaves it at 0
    np.testing.assert_allclose(ref.__EXAMPLE__(X), StandardScaler().fit_transform(X),
                               rtol=1e-12, atol=1e-12)


def test___EXAMPLE___leaves_its_input_unchanged():
    X = np.arange(12.0).reshape(4, 3)
    before = X.copy()
    ref.__EXAMPLE__(X)
    np.testing.assert_array_equal(X, before)
'''


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("title", help="the chapter's title")
    parser.add_argument("--id", dest="chapter_id", default=None,
                        help="NN-short-name (default: from the title)")
    parser.add_argument("--root", type=Path, default=REPO, help="the repository (default: this one)")
    args = parser.parse_args(argv)
    return main(args.root, args.title, args.chapter_id)


if __name__ == "__main__":
    sys.exit(cli())
