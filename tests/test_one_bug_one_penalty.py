"""One bug, one penalty (issue 13, part 5): a graded function that calls another graded
function is tested with the grader's correct version of the callee, so a bug planted in
`step` costs `step`'s points only, not also those of `perceptron_update` and
`train_perceptron`, which call it. Where the grader cannot stand in (the call's arguments are
not data), the student's own callee runs and the feedback names it as the possible cause.
"""
from __future__ import annotations

import ast
import json
import shutil
import types
from pathlib import Path

import pytest

from autograder.engine import registry
from autograder.engine.bank import load_bank
from autograder.engine.grading import grade_function

REPO = Path(__file__).resolve().parents[1]


def _callers():
    """(chapter, caller, callee, mutant of the callee) for every graded function whose
    reference calls another graded function that has a bug in the bank."""
    out = []
    for ch in registry.chapters():
        ref, bank = registry.reference(ch), load_bank(ch)
        graded = set(registry.suite(ch).functions())
        mutants = {}
        for m in (bank.mutants if bank else []):
            mutants.setdefault(m.function, m)
        for fn in sorted(graded):
            obj = getattr(ref, fn, None)
            if not isinstance(obj, types.FunctionType):
                continue
            import inspect

            names = {n.id for n in ast.walk(ast.parse(inspect.getsource(obj)))
                     if isinstance(n, ast.Name)}
            for callee in sorted((names & graded) - {fn}):
                if callee in mutants and isinstance(getattr(ref, callee), types.FunctionType):
                    out.append(pytest.param(ch, fn, callee, mutants[callee],
                                            id=f"{ch}:{fn}<-{callee}"))
    return out


CALLERS = _callers()


def test_there_are_callers_to_check():
    assert len(CALLERS) >= 8


@pytest.mark.parametrize("chapter,caller,callee,mutant", CALLERS)
def test_a_bug_in_the_callee_costs_nothing_in_the_caller(chapter, caller, callee, mutant):
    """The reference caller, in a namespace where the callee is the bank's bug (as in a
    notebook where the student got the callee wrong and the caller right)."""
    ref = registry.reference(chapter)
    namespace = dict(vars(ref))
    namespace[callee] = mutant.implementation
    original = getattr(ref, caller)
    student_caller = types.FunctionType(original.__code__, namespace, caller,
                                        original.__defaults__, original.__closure__)
    result = grade_function(chapter, caller, student_caller)
    assert result.points == result.max_points, result.report()
    assert namespace[callee] is mutant.implementation  # put back after the tests


def _solution_source(chapter: str, name: str) -> str | None:
    """The solution notebook's answer cell for ``name`` (the code a student would write)."""
    nb = json.loads((REPO / "solutions" / chapter / f"{chapter}.ipynb").read_text())
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id") == name:
            source = "".join(cell["source"])
            return "\n".join(line for line in source.splitlines()
                             if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    return None


def _class_callers():
    """(chapter, class, its solution source, callee, mutant of the callee) for every graded
    class whose solution calls a graded function that has a bug in the bank (05-cnn's DeepGS
    sizes its layers with conv_output_size)."""
    out = []
    for ch in registry.chapters():
        ref, bank = registry.reference(ch), load_bank(ch)
        graded = set(registry.suite(ch).functions())
        mutants = {}
        for m in (bank.mutants if bank else []):
            mutants.setdefault(m.function, m)
        for name in sorted(graded):
            source = _solution_source(ch, name)
            if not isinstance(getattr(ref, name, None), type) or source is None:
                continue
            names = {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
            for callee in sorted((names & graded) - {name}):
                if callee in mutants and isinstance(getattr(ref, callee), types.FunctionType):
                    out.append(pytest.param(ch, name, source, callee, mutants[callee],
                                            id=f"{ch}:{name}<-{callee}"))
    return out


CLASS_CALLERS = _class_callers()


def test_there_are_class_callers_to_check():
    assert any(p.values[1] == "DeepGS" for p in CLASS_CALLERS)


@pytest.mark.parametrize("chapter,cls,source,callee,mutant", CLASS_CALLERS)
def test_a_bug_in_the_callee_costs_nothing_in_a_class_that_calls_it(chapter, cls, source,
                                                                     callee, mutant):
    """As for functions, in one process as through the sandbox (where the stand-ins are in
    place while the class is called): the class's methods find the correct callee."""
    namespace = dict(vars(registry.reference(chapter)))
    namespace[callee] = mutant.implementation
    exec(compile(source, f"<{cls}>", "exec"), namespace)
    result = grade_function(chapter, cls, namespace[cls])
    assert result.points == result.max_points, result.report()
    assert namespace[callee] is mutant.implementation  # put back after the tests


def _course(tmp_path: Path, chapter: str) -> Path:
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    shutil.copytree(REPO / "solutions" / chapter, tmp_path / "solutions" / chapter)
    return tmp_path


def _submit(root: Path, student: str, chapter: str, sources: dict) -> None:
    nb = json.loads((REPO / "solutions" / chapter / f"{chapter}.ipynb").read_text())
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if gid in sources:
            cell["source"] = sources[gid]
    folder = root / "submitted" / student / chapter
    folder.mkdir(parents=True)
    (folder / f"{chapter}.ipynb").write_text(json.dumps(nb))


STRICT_STEP = "def step(z, *how):\n    return (np.asarray(z, dtype=float) > 0).astype(float)\n"


@pytest.mark.slow
def test_through_the_sandbox_a_bug_in_step_costs_only_step(tmp_path):
    from autograder.engine.jobs import load_state
    from autograder.engine.scheduler import grade_class

    ch = "01-neuron"
    root = _course(tmp_path, ch)
    _submit(root, "bug_in_step", ch, {"step": STRICT_STEP})
    # the caller passes something that is not data (a lambda): the grader cannot stand in
    # for `step` there, the student's own (buggy) step runs, and the feedback says so
    _submit(root, "not_data", ch, {"step": STRICT_STEP, "perceptron_update": (
        "def perceptron_update(w, b, x, t, lr):\n"
        "    o = step(np.dot(x, w) + b, lambda v: v)\n"
        "    w_new = np.asarray(w, dtype=float) + lr * (t - o) * np.asarray(x, dtype=float)\n"
        "    return w_new, b + lr * (t - o)\n")})
    grade_class(root, [ch], workers=1, progress=False)
    points = {f["function"]: (f["points"], f["max_points"])
              for f in load_state(root, "bug_in_step", ch).functions}
    assert points["step"][0] < points["step"][1]
    for fn in ("neuron", "perceptron_update", "train_perceptron", "xor_network"):
        assert points[fn][0] == points[fn][1], (fn, points)
    state = {f["function"]: f for f in load_state(root, "not_data", ch).functions}
    lost = state["perceptron_update"]
    assert lost["points"] < lost["max_points"]
    assert "tested with your own `step`" in lost["report"] and "fix `step` first" in lost["report"]
    assert state["train_perceptron"]["points"] == state["train_perceptron"]["max_points"]
