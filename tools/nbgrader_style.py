"""Assignments written in plain nbgrader style, as an instructor adds them next to the
course's chapters: ``assert`` test cells with hidden sections, ``### AUTOTEST``, partial
credit, a manually graded answer, a task, locked cells, a data file and two notebooks.

``build_course(root)`` writes them into a course directory (source folder ``solutions/``, as
the course's ``nbgrader_config.py`` says); ``submission(...)`` makes a student's version of a
released notebook with answers filled in, wrong, tampered with, hanging or crashing.
"""
from __future__ import annotations

import copy
import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parents[1]


def _meta(grade_id, *, grade=False, solution=False, locked=False, task=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": task}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def code(src, **meta):
    return new_code_cell(src, metadata=_meta(**meta) if meta else {})


def md(src, **meta):
    return new_markdown_cell(src, metadata=_meta(**meta) if meta else {})


HW1 = [
    md("# Homework 1: gene expression basics"),
    code("import numpy as np\nTHRESHOLD = 2.0", grade_id="setup", locked=True),
    code("def squares(n):\n    \"\"\"[0, 1, 4, ...] of length n.\"\"\"\n"
         "    ### BEGIN SOLUTION\n    return [i * i for i in range(n)]\n    ### END SOLUTION",
         grade_id="squares", solution=True),
    code("assert squares(3) == [0, 1, 4]\n### BEGIN HIDDEN TESTS\n"
         "assert squares(5) == [0, 1, 4, 9, 16]\nassert squares(0) == []\n### END HIDDEN TESTS",
         grade_id="test_squares", grade=True, locked=True, points=2),
    code("def mean_expression(path):\n    \"\"\"Mean of each column of a CSV file of expression values.\"\"\"\n"
         "    ### BEGIN SOLUTION\n    return np.loadtxt(path, delimiter=',').mean(axis=0)\n"
         "    ### END SOLUTION", grade_id="mean_expression", solution=True),
    code("m = mean_expression('data/expr.csv')\nprint('means:', m)\n"
         "assert np.allclose(m, [2.0, 5.0])\n### BEGIN HIDDEN TESTS\n"
         "assert (m > THRESHOLD).tolist() == [False, True]\n### END HIDDEN TESTS",
         grade_id="test_mean_expression", grade=True, locked=True, points=3),
    code("# partial credit: the cell's value is the score\nscore = 0\n"
         "score += 1 if squares(1) == [0] else 0\nscore += 1 if squares(2) == [0, 1] else 0\n"
         "### BEGIN HIDDEN TESTS\nscore += 2 if squares(4) == [0, 1, 4, 9] else 0\n"
         "### END HIDDEN TESTS\nscore", grade_id="test_partial", grade=True, locked=True, points=4),
    code("def fold_change(a, b):\n    ### BEGIN SOLUTION\n    return b / a\n    ### END SOLUTION",
         grade_id="fold_change", solution=True),
    code("### AUTOTEST fold_change(2.0, 8.0)", grade_id="test_fold_change", grade=True,
         locked=True, points=2),
    md("Why is a log scale used for fold changes?", grade_id="why_log_q", locked=True),
    md("### BEGIN SOLUTION\nBecause doubling and halving become symmetric.\n### END SOLUTION",
       grade_id="why_log", grade=True, solution=True, points=2),
    md("Task: plot the expression of both genes.", grade_id="plot_task", task=True, locked=True, points=1),
    code("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [2, 5, 3])\nplt.title('genes')"),
]

PART1 = [
    code("def gc_content(seq):\n    ### BEGIN SOLUTION\n"
         "    return (seq.count('G') + seq.count('C')) / len(seq)\n    ### END SOLUTION",
         grade_id="gc_content", solution=True),
    code("assert gc_content('GGCC') == 1.0\n### BEGIN HIDDEN TESTS\n"
         "assert gc_content('ATGC') == 0.5\n### END HIDDEN TESTS",
         grade_id="test_gc", grade=True, locked=True, points=3),
]
PART2 = [
    code("def revcomp(seq):\n    ### BEGIN SOLUTION\n"
         "    return seq[::-1].translate(str.maketrans('ACGT', 'TGCA'))\n    ### END SOLUTION",
         grade_id="revcomp", solution=True),
    code("assert revcomp('AAC') == 'GTT'\n### BEGIN HIDDEN TESTS\n"
         "assert revcomp('ATGC') == 'GCAT'\n### END HIDDEN TESTS",
         grade_id="test_revcomp", grade=True, locked=True, points=3),
]

AUTOTESTS = """python3:
    setup: "from hashlib import sha1"
    hash: 'sha1({{snippet}}.encode("utf-8")+b"{{salt}}").hexdigest()'
    dispatch: "type({{snippet}})"
    normalize: "str({{snippet}})"
    check: 'assert {{snippet}} == \"\"\"{{value}}\"\"\", \"\"\"{{message}}\"\"\"'
    success: "print('Success!')"
    templates:
        default:
            - test: "type({{snippet}})"
              fail: "type of {{snippet}} is not correct"
            - test: "{{snippet}}"
              fail: "value of {{snippet}} is not correct"
        float:
            - test: "type({{snippet}})"
              fail: "type of {{snippet}} is not float"
            - test: "round({{snippet}}, 2)"
              fail: "value of {{snippet}} is not correct (rounded to 2 decimal places)"
"""


def _notebook(cells):
    nb = new_notebook(cells=[copy.deepcopy(c) for c in cells])
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def build_course(root: Path) -> Path:
    """A course directory with the course's nbgrader_config.py and two plain-nbgrader
    assignments: hw1 (one notebook, data file, AUTOTEST) and hw2 (two notebooks)."""
    root = Path(root)
    shutil.copy(REPO / "nbgrader_config.py", root)
    src = root / "solutions"
    (src / "hw1" / "data").mkdir(parents=True)
    nbformat.write(_notebook(HW1), str(src / "hw1" / "hw1.ipynb"))
    (src / "hw1" / "data" / "expr.csv").write_text("1,4\n3,6\n")
    (src / "hw1" / "autotests.yml").write_text(AUTOTESTS)
    (src / "hw2").mkdir()
    nbformat.write(_notebook(PART1), str(src / "hw2" / "part1.ipynb"))
    nbformat.write(_notebook(PART2), str(src / "hw2" / "part2.ipynb"))
    return root


def released(root: Path, assignment: str, name: str):
    return nbformat.read(str(Path(root) / "exercises" / assignment / f"{name}.ipynb"),
                         as_version=4)


def set_cell(nb, grade_id: str, source: str):
    """The notebook with the cell ``grade_id``'s source replaced (a student's edit)."""
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
            return nb
    raise KeyError(grade_id)


def answer(nb, **answers):
    for grade_id, source in answers.items():
        set_cell(nb, grade_id, source)
    return nb


def delete_cell(nb, grade_id: str):
    nb.cells = [c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id]
    return nb


HW1_RIGHT = {
    "squares": "def squares(n):\n    return [k ** 2 for k in range(n)]",
    "mean_expression": "def mean_expression(path):\n    return np.genfromtxt(path, delimiter=',').mean(0)",
    "fold_change": "def fold_change(a, b):\n    return float(b) / a",
    "why_log": "A log scale makes a doubling and a halving the same distance from 1.",
}
HW1_WRONG = dict(HW1_RIGHT, squares="def squares(n):\n    return [k ** 2 for k in range(1, n + 1)]")
HW2_RIGHT = {
    "part1": {"gc_content": "def gc_content(seq):\n    return sum(b in 'GC' for b in seq) / len(seq)"},
    "part2": {"revcomp": "def revcomp(seq):\n    return ''.join({'A': 'T', 'C': 'G', 'G': 'C', 'T': 'A'}[b] for b in reversed(seq))"},
}


def submit(root: Path, student: str, assignment: str, notebooks: dict, timestamp: str | None = None,
           files: dict | None = None) -> Path:
    """Write ``submitted/<student>/<assignment>/`` (notebooks: name -> notebook)."""
    folder = Path(root) / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, str(folder / f"{name}.ipynb"))
    if timestamp:
        (folder / "timestamp.txt").write_text(timestamp)
    for name, data in (files or {}).items():
        (folder / name).write_text(data)
    return folder
