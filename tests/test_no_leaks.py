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
MIN_LEN = 20
# Lines of this length that are generic enough to appear anywhere.
ALLOWED = {
    "import numpy as np", "import matplotlib.pyplot as plt", "raise NotImplementedError()",
    "from autograder import grade", "with torch.no_grad():", "except NotImplementedError:",
    "import torch.nn.functional as F", "import torch.nn as nn", "model.train()", "model.eval()",
    "optimizer.zero_grad()", "optimizer.step()", "loss.backward()", "super().__init__()",
    "def forward(self, x):", "return self.net(x)", "for epoch in range(epochs):",
    "torch.manual_seed(seed)", "rng = np.random.default_rng(seed)", "torch.manual_seed(0)",
    "start = time.perf_counter()", "import torch.nn as nn", "rng = np.random.default_rng(0)",
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


def secrets() -> set[str]:
    found: list[str] = []
    for nb_path in sorted((REPO / "solutions").glob("*/*.ipynb")):
        for cell in json.loads(nb_path.read_text())["cells"]:
            src = "".join(cell["source"])
            found += _region(src, "### BEGIN SOLUTION", "### END SOLUTION")
            found += _region(src, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
    for py in sorted((REPO / "autograder").glob("[0-9][0-9]-*/*.py")):
        found += _code_lines_of_functions(py)
    normed = {_norm(s) for s in found}
    return {s for s in normed if len(s) >= MIN_LEN and not s.startswith("#") and s not in ALLOWED}


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
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "from autograder"):
        assert marker not in text, f"{marker!r} in {nb_path}"
    assert not any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")
    assert _leaks(text, secrets()) == []


def test_student_helper_package_has_no_solution_code():
    for py in sorted((REPO / "nnbio_helpers").rglob("*.py")):
        assert _leaks(py.read_text(), secrets()) == [], py


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


def test_leak_check_catches_a_copied_line(tmp_path):
    secret = sorted(secrets())[0]
    page = tmp_path / "page.md"
    page.write_text(f"Some text\n```python\n    {secret}\n```\n")
    assert _leaks(page.read_text(), secrets()) == [secret]
