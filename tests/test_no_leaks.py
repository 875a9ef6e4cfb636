"""Students never see what they should not: no solution code, reference code or hidden test
in exercises/, the student-side package nnbio_helpers, the book sources or the built book.

A "secret" is any line of code at least 20 characters long (whitespace folded) from
  * the solution regions (### BEGIN/END SOLUTION) of solutions/*/*.ipynb,
  * the hidden-test regions (### BEGIN/END HIDDEN TESTS) of the same notebooks,
  * the function bodies of autograder/<chapter>/reference.py and tests.py (docstrings and
    comments excluded: the math they state is what the book teaches).
"""
from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MIN_LEN = 24
# Lines of this length that are generic enough to appear anywhere.
ALLOWED = {
    "import numpy as np", "import matplotlib.pyplot as plt", "raise NotImplementedError()",
    "from autograder import grade", "with torch.no_grad():", "except NotImplementedError:",
    "import torch.nn.functional as F", "import torch.nn as nn", "model.train()", "model.eval()",
    "optimizer.zero_grad()", "optimizer.step()", "loss.backward()", "super().__init__()",
    "def forward(self, x):", "return self.net(x)", "for epoch in range(epochs):",
    "torch.manual_seed(seed)", "rng = np.random.default_rng(seed)", "torch.manual_seed(0)",
    "start = time.perf_counter()", "import torch.nn as nn", "rng = np.random.default_rng(0)",
    "optimizer.zero_grad()", "optimiser.zero_grad()", "torch.manual_seed(1)",
    "opt = torch.optim.Adam(model.parameters(), lr=lr)", "import networkx as nx",
    "elapsed = time.perf_counter() - start", "with warnings.catch_warnings():",
    'warnings.simplefilter("ignore", ConvergenceWarning)', "gen = torch.Generator().manual_seed(seed)",
    'warnings.simplefilter("ignore")',
}


def _norm(line: str) -> str:
    return " ".join(line.strip().split())


def _region(source: str, begin: str, end: str) -> list[str]:
    out, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            out.append(line)
    return out


def _code_lines_of_functions(path: Path) -> list[str]:
    src = path.read_text()
    lines = src.splitlines()
    out = []
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                body = body[1:]
            for stmt in body:
                out.extend(lines[stmt.lineno - 1:stmt.end_lineno])
    return out


def _keep(lines, public=frozenset()) -> set[str]:
    normed = {_norm(s) for s in lines}
    return {s for s in normed if len(s) >= MIN_LEN and not s.startswith("#") and s not in ALLOWED
            and s not in public}


def solution_lines() -> set[str]:
    """Lines of the solution and hidden-test regions of the solution notebooks."""
    found: list[str] = []
    for nb_path in sorted((REPO / "solutions").glob("*/*.ipynb")):
        for cell in json.loads(nb_path.read_text())["cells"]:
            src = "".join(cell["source"])
            found += _region(src, "### BEGIN SOLUTION", "### END SOLUTION")
            found += _region(src, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
    return _keep(found)


def _public_lines() -> frozenset:
    """Lines students see anyway: the helper package and the student notebooks (whose
    solution regions are checked separately, below)."""
    lines = [line for py in (REPO / "nnbio_helpers").rglob("*.py")
             for line in py.read_text().splitlines()]
    for nb in (REPO / "exercises").glob("*/*.ipynb"):
        for cell in json.loads(nb.read_text())["cells"]:
            lines += "".join(cell["source"]).splitlines()
    return frozenset(_norm(line) for line in lines)


def secrets() -> set[str]:
    """Solution and hidden-test lines, plus the reference's and hidden tests' code lines that
    students cannot already see in their own material."""
    found: list[str] = []
    for py in sorted((REPO / "autograder").glob("[0-9][0-9]-*/*.py")):
        found += _code_lines_of_functions(py)
    return solution_lines() | _keep(found, _public_lines())


def _leaks(text: str, secret_lines: set[str]) -> list[str]:
    present = {_norm(line) for line in text.splitlines()}
    return sorted(secret_lines & present)


def test_there_are_secrets_to_look_for():
    # guards against a silently empty check (e.g. a renamed marker)
    assert len(secrets()) > 20


@pytest.mark.parametrize("nb_path", sorted((REPO / "exercises").glob("*/*.ipynb")),
                         ids=lambda p: p.parent.name)
def test_exercises_have_no_solutions_hidden_tests_or_outputs(nb_path):
    nb = json.loads(nb_path.read_text())
    text = "\n".join("".join(c["source"]) for c in nb["cells"])
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "from autograder",
                   "**Rubric", "**Model answer"):
        assert marker not in text, f"{marker!r} in {nb_path}"
    assert not any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")
    assert _leaks(text, solution_lines()) == []


def test_student_helper_package_implements_no_graded_function():
    """nnbio_helpers is public: it must not define any graded function of any chapter."""
    import ast as _ast

    from autograder.engine import registry

    graded = {fn for ch in registry.chapters() for fn in registry.suite(ch).functions()}
    for py in sorted((REPO / "nnbio_helpers").rglob("*.py")):
        defined = {n.name for n in _ast.walk(_ast.parse(py.read_text()))
                   if isinstance(n, (_ast.FunctionDef, _ast.ClassDef))}
        assert not defined & graded, f"{py} defines graded {sorted(defined & graded)}"


def test_book_sources_have_no_solution_code():
    pages = [p for p in (REPO / "book").rglob("*.md") if "_build" not in p.parts]
    assert pages
    for page in pages:
        assert _leaks(page.read_text(), secrets()) == [], page


def _html_text(path: Path) -> str:
    raw = path.read_text(errors="replace")
    raw = re.sub(r"<(script|style)\b.*?</\1>", "", raw, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def test_built_book_has_no_solution_code():
    built = REPO / "book" / "_build" / "html"
    assert (built / "index.html").exists(), "build the book first (`make book`; `make test` does)"
    secret_lines = secrets()
    pages = sorted(built.rglob("*.html"))
    for page in pages:
        assert _leaks(_html_text(page), secret_lines) == [], page
    for nb in built.rglob("*.ipynb"):  # downloadable notebooks must be the student versions
        assert "BEGIN SOLUTION" not in nb.read_text(), nb


HINT_MIN_LEN = 20
# converting the input is a step every exercise states in its text; it gives nothing away
GENERIC = re.compile(r"^(\w+) = np\.asarray\(\1(, dtype=float)?\)$")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
# an expression or a statement, not a name or a call with keyword arguments
COMPUTES = re.compile(r"[-+*/@]| = |\breturn\b|\bfor\b")


def _code_lines() -> set[str]:
    """Solution and reference lines of at least HINT_MIN_LEN characters, with no exception for
    lines students already see in code cells: a markdown cell has no reason to repeat them."""
    found: list[str] = []
    for nb_path in sorted((REPO / "solutions").glob("*/*.ipynb")):
        for cell in json.loads(nb_path.read_text())["cells"]:
            found += _region("".join(cell["source"]), "### BEGIN SOLUTION", "### END SOLUTION")
    for py in sorted((REPO / "autograder").glob("[0-9][0-9]-*/reference.py")):
        found += _code_lines_of_functions(py)
    normed = {_norm(s) for s in found}
    return {s for s in normed if len(s) >= HINT_MIN_LEN and not s.startswith("#")
            and s not in ALLOWED and not GENERIC.match(s)}


def markdown_leaks(markdown: str, code_lines: set[str]) -> list[str]:
    """Lines of ``markdown`` that are a solution or reference line, and inline code spans of
    at least HINT_MIN_LEN characters that compute something and are part of one (a hint that
    hands over code). Naming a function to look up (`np.asarray(z, dtype=float)`) is allowed."""
    found = set()
    for line in markdown.splitlines():
        line = _norm(line.strip("`"))
        if line in code_lines:
            found.add(line)
    for span in CODE_SPAN.findall(markdown):
        span = _norm(span)
        if len(span) >= HINT_MIN_LEN and COMPUTES.search(span) \
                and any(span in line for line in code_lines):
            found.add(span)
    return sorted(found)


@pytest.mark.parametrize("nb_path", sorted((REPO / "exercises").glob("*/*.ipynb")),
                         ids=lambda p: p.parent.name)
def test_exercise_markdown_gives_no_code(nb_path):
    """No hint or other markdown cell of an exercise contains a line of the solution or of the
    reference implementation, or a code span taken from one."""
    code_lines = _code_lines()
    cells = json.loads(nb_path.read_text())["cells"]
    leaks = {i: markdown_leaks("".join(c["source"]), code_lines)
             for i, c in enumerate(cells) if c["cell_type"] == "markdown"}
    assert {i: found for i, found in leaks.items() if found} == {}


def test_markdown_leak_check_catches_a_hint_that_hands_over_code():
    code_lines = _code_lines()
    line = sorted(code_lines)[0]
    assert markdown_leaks(f"<details><summary>Hint 2</summary>\n\n    {line}\n</details>",
                          code_lines) == [line]
    statement = next(s for s in sorted(code_lines) if " = " in s[:HINT_MIN_LEN])
    span = statement[:HINT_MIN_LEN + 2]
    assert markdown_leaks(f"Try `{span}` here.", code_lines) == [_norm(span)]
    assert markdown_leaks("Look up `np.cumsum` and think about the shapes.", code_lines) == []


def test_leak_check_catches_a_copied_line(tmp_path):
    secret = sorted(secrets())[0]
    page = tmp_path / "page.md"
    page.write_text(f"Some text\n```python\n    {secret}\n```\n")
    assert _leaks(page.read_text(), secrets()) == [secret]
