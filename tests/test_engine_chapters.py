"""Every chapter through the sandboxed engine: the solution notebook earns full marks, the
untouched student notebook 0, a submission carrying a plausible bug loses points and one
carrying a different correct implementation keeps full marks (the hidden tests work across
the process boundary, not only in one process).

NNBIO_CHAPTERS="05-cnn,06-rnn" restricts the run to some chapters.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from autograder.engine import registry
from autograder.engine.bank import load_bank
from autograder.engine.jobs import load_state
from autograder.engine.scheduler import grade_class

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = [c for c in registry.chapters()
            if not os.environ.get("NNBIO_CHAPTERS") or c in os.environ["NNBIO_CHAPTERS"].split(",")]
pytestmark = pytest.mark.slow

BANK_STUB = '''
class Bank:  # stands in for autograder.engine.bank.Bank, which is not available to student code
    def __init__(self, chapter):
        pass
    def mutant(self, function, why, **diagnosis):
        return lambda implementation: implementation
    alternative = mutant
'''


def _bank_cell(chapter: str, entry) -> str:
    source = (REPO / "tests" / chapter / "bank.py").read_text()
    source = re.sub(r"^from autograder\.engine\.bank import Bank\s*$", BANK_STUB, source, flags=re.M)
    return f"{source}\n\n{entry.function} = {entry.implementation.__name__}\n"


def _spread(entries, k):
    """Up to k entries for different graded functions, spread over the chapter."""
    by_function = {}
    for e in entries:
        by_function.setdefault(e.function, e)
    firsts = list(by_function.values())
    if len(firsts) <= k:
        return firsts
    step = (len(firsts) - 1) / (k - 1)
    return [firsts[round(i * step)] for i in range(k)]


def _picked(chapter):
    """Three mutants and two alternatives, each for a different graded function."""
    bank = load_bank(chapter)
    return _spread(bank.mutants, 3), _spread(bank.alternatives, 2)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("engine-course")
    shutil.copy(REPO / "nbgrader_config.py", root)
    plan = {}
    for ch in CHAPTERS:
        shutil.copytree(REPO / "solutions" / ch, root / "solutions" / ch)
        solution = json.loads((REPO / "solutions" / ch / f"{ch}.ipynb").read_text())
        blank = json.loads((REPO / "exercises" / ch / f"{ch}.ipynb").read_text())
        subs = {"solution": solution, "blank": blank}
        mutants, alternatives = _picked(ch)
        for kind, entries in (("mutant", mutants), ("alternative", alternatives)):
            for i, entry in enumerate(entries):
                nb = json.loads(json.dumps(solution))
                ids = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
                nb["cells"].insert(ids.index(f"test_{entry.function}"),  # the student's answer
                                   {"cell_type": "code", "execution_count": None, "metadata": {},
                                    "outputs": [], "source": _bank_cell(ch, entry)})
                subs[f"{kind}{i}"] = nb
                plan[(ch, f"{kind}{i}")] = entry
        for student, nb in subs.items():
            d = root / "submitted" / student / ch
            d.mkdir(parents=True)
            (d / f"{ch}.ipynb").write_text(json.dumps(nb))
    grade_class(root, CHAPTERS, workers=2, progress=False)
    return root, plan


def _points(root, student, chapter):
    state = load_state(root, student, chapter)
    assert state and state.status == "graded", state
    return {f["function"]: (f["points"], f["max_points"], f["report"]) for f in state.functions}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_full_marks_in_the_sandbox(graded, chapter):
    pts = _points(graded[0], "solution", chapter)
    bad = {fn: rep for fn, (p, m, rep) in pts.items() if p != m}
    assert not bad, "\n".join(bad.values())


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_blank_zero_in_the_sandbox(graded, chapter):
    pts = _points(graded[0], "blank", chapter)
    assert all(p == 0 for p, _, _ in pts.values()), pts


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_bank_entries_behave_the_same_in_the_sandbox(graded, chapter):
    root, plan = graded
    for (ch, student), entry in plan.items():
        if ch != chapter:
            continue
        p, m, rep = _points(root, student, ch)[entry.function]
        if student.startswith("mutant"):
            assert p < m, f"mutant survived in the sandbox ({entry.why}):\n{rep}"
        else:
            assert p == m, f"alternative lost points in the sandbox ({entry.why}):\n{rep}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_bank_bugs_get_the_same_diagnosis_in_the_sandbox_as_in_one_process(graded, chapter):
    """The student's function runs in the sandbox, the bank's bugs on the trusted side: a bug
    pasted into a notebook is told what plain nbgrader's grading in one process tells it, and
    an alternative is told nothing."""
    from autograder.engine import diagnosis
    from autograder.engine.grading import _fresh, grade_function

    root, plan = graded
    for (ch, student), entry in plan.items():
        if ch != chapter:
            continue
        state = load_state(root, student, ch)
        told = next(f for f in state.functions if f["function"] == entry.function)
        if student.startswith("alternative"):
            assert "diagnosis" not in told, told["report"]
            continue
        # a fresh copy: other tests of this process graded the bank's function object, and
        # its expensive runs are cached per object (testing.once_per_student)
        here = diagnosis.diagnose(grade_function(ch, entry.function, _fresh(entry.implementation)))
        assert told.get("diagnosis") == (here.to_json() if here else None), \
            f"{entry.why}:\n{told['report']}"
