"""The test library (issue 15, item 3): kinds of test every chapter reuses, the automatic
"does not modify its inputs" check of every call, and a bug in test code reported as the
grader's error, not charged to the student."""
from __future__ import annotations

import json
import shutil
import types
from pathlib import Path

import numpy as np
import pytest

from autograder.engine import grading
from autograder.engine.grading import FunctionResult, _run_tests, grade_function
from autograder.engine.testing import (Failure, Suite, describe_call, expect_close,
                                       extreme_inputs, gradient_check, matches_reference,
                                       numerically_stable, same_as_reference)

REPO = Path(__file__).resolve().parents[1]


def _run(suite: Suite, function: str, student, ref) -> FunctionResult:
    """The suite's tests of ``function`` on ``student``, as ``grade_function`` runs them."""
    result = FunctionResult("library", function)
    _run_tests(result, suite.tests_for(function), function, student, ref, 7,
               suite.in_place.get(function, frozenset()))
    return result


# ------------------------------------------------------------------ does not modify its inputs

# writes its result into a float input (the values it returns are right)
IN_PLACE_SIGMOID = (
    "import numpy as np\n\n"
    "def sigmoid(z):\n"
    "    z = np.asarray(z)\n"
    "    x = z.astype(float)\n"
    "    e = np.exp(-np.abs(x))\n"
    "    out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n"
    "    if z.dtype.kind == 'f':\n"
    "        z[...] = out\n"
    "    return out\n")


def _in_place_sigmoid():
    namespace: dict = {}
    exec(IN_PLACE_SIGMOID, namespace)
    return namespace["sigmoid"]


def test_a_function_that_modifies_its_input_loses_its_does_not_modify_test_only():
    """Every call is watched, but one bug costs one test: the function's "does not modify"
    test; the other tests that saw the change check their values as usual."""
    res = grade_function("02-activations", "sigmoid", _in_place_sigmoid())
    failed = [r for r in res.results if not r.passed]
    assert [r.name for r in failed] == ["does not modify its input"], res.report()
    assert failed[0].message.startswith("sigmoid modified its input `z` in place; work on a copy")


def test_without_a_does_not_modify_test_the_first_test_that_saw_the_change_pays():
    suite = Suite("library")

    @suite.test("double")
    def small_vector(student, ref, rng):
        expect_close(student(np.ones(3)), 2 * np.ones(3), "double")

    @suite.test("double")
    def large_vector(student, ref, rng):
        expect_close(student(np.ones(30)), 2 * np.ones(30), "double")

    ref = types.SimpleNamespace(double=lambda x: 2 * x)

    def double_in_place(x):
        x *= 2
        return x.copy()

    res = _run(suite, "double", double_in_place, ref)
    assert [r.passed for r in res.results] == [False, True], res.report()
    assert "modified its input `x` in place" in res.results[0].message
    assert _run(suite, "double", lambda x: 2 * x, ref).points == 2


def _update_suite(allowed: tuple | None):
    """A graded ``update(params, grads)`` whose tests check only the returned value."""
    suite = Suite("library")
    if allowed is not None:
        suite.allow_in_place("update", *allowed)

    @suite.test("update")
    def returns_the_step(student, ref, rng):
        params, grads = {"W": np.ones((2, 2))}, [np.full(3, 0.5)]
        expect_close(student(params, grads)["W"], np.zeros((2, 2)), "update")

    ref = types.SimpleNamespace(update=lambda params, grads: {"W": params["W"] - 1})
    return suite, ref


def update_params_in_place(params, grads):
    params["W"] -= 1
    return params


def update_grads_in_place(params, grads):
    grads[0] *= 2
    return {"W": params["W"] - 1}


def test_arrays_inside_dicts_and_lists_are_named_by_the_reference_parameter():
    suite, ref = _update_suite(None)
    res = _run(suite, "update", update_params_in_place, ref)
    assert res.points == 0 and "modified its input `params['W']` in place" in res.report()
    res = _run(suite, "update", update_grads_in_place, ref)
    assert res.points == 0 and "modified its input `grads[0]` in place" in res.report()


def test_a_suite_can_allow_a_function_to_change_one_argument_and_still_checks_the_others():
    suite, ref = _update_suite(("params",))
    assert _run(suite, "update", update_params_in_place, ref).points == 1
    res = _run(suite, "update", update_grads_in_place, ref)
    assert res.points == 0 and "`grads[0]`" in res.report()
    suite, ref = _update_suite(())  # no argument named: every argument may change
    assert _run(suite, "update", update_grads_in_place, ref).points == 1


class Tricky:
    """Not an array: an object whose comparison and copy would fail."""

    def __eq__(self, other):
        raise RuntimeError("compared")

    def __deepcopy__(self, memo):
        raise RuntimeError("copied")


def test_objects_that_are_not_arrays_are_passed_through_untouched():
    torch = pytest.importorskip("torch")
    suite = Suite("library")

    @suite.test("apply")
    def uses_objects(student, ref, rng):
        out = student(torch.nn.Linear(2, 1), [Tricky()], lambda v: v, torch.zeros(2))
        expect_close(out, 1.0, "apply")

    def apply(module, tricky, fn, tensor):
        with torch.no_grad():
            module.weight.fill_(3.0)  # a module's state is the function's business
        tensor += 1.0  # torch tensors are not snapshotted
        return 1.0

    ref = types.SimpleNamespace(apply=apply)
    res = _run(suite, "apply", apply, ref)
    assert res.points == 1, res.report()


def test_the_watcher_keeps_what_tests_read_from_the_students_function():
    """A sandbox proxy's attributes and a function's globals (``testing.companion``) are read
    through the watcher."""
    from autograder.engine import watch

    def fn(z):
        return z

    fn.marker = "mine"
    watched = watch.watched(fn, "fn", fn, frozenset())
    assert watched.marker == "mine" and watched.__globals__ is fn.__globals__
    assert watch.unwrapped(watched) is fn


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


@pytest.mark.slow
def test_through_the_sandbox_an_in_place_change_fails_the_test_too(tmp_path):
    """In the sandbox, in-place changes to array arguments are copied back, so the watcher
    sees them as in one process; the honest functions keep full marks."""
    from autograder.engine.jobs import load_state
    from autograder.engine.scheduler import grade_class

    ch = "02-activations"
    root = _course(tmp_path, ch)
    _submit(root, "in_place", ch, {"sigmoid": IN_PLACE_SIGMOID})
    grade_class(root, [ch], workers=1, progress=False)
    state = {f["function"]: f for f in load_state(root, "in_place", ch).functions}
    sigmoid = state["sigmoid"]
    in_one_process = grade_function(ch, "sigmoid", _in_place_sigmoid()).to_json()["tests"]
    assert [(t["name"], t["points"]) for t in sigmoid["tests"]] == \
        [(t["name"], t["points"]) for t in in_one_process]
    assert 0 < sigmoid["points"] < sigmoid["max_points"]  # integer inputs are left alone
    assert "sigmoid modified its input `z` in place; work on a copy" in sigmoid["report"]
    for fn, f in state.items():
        if fn != "sigmoid":
            assert f["points"] == f["max_points"], f["report"]


# ------------------------------------------------------------------ a bug in test code

def _suite_with_a_broken_test():
    suite = Suite("library")

    @suite.test("double", points=2)
    def broken(student, ref, rng):
        x = rng.normal(size=3)
        expect_close(student(x), 2 * x, "double", undefined_name)  # the bug: no such name

    @suite.test("double", points=1)
    def works(student, ref, rng):
        x = rng.normal(size=3)
        expect_close(student(x), ref.double(x), "double")

    return suite, types.SimpleNamespace(double=lambda x: 2 * np.asarray(x))


def test_a_broken_test_keeps_the_students_points_and_is_flagged_for_the_instructor():
    suite, ref = _suite_with_a_broken_test()
    res = _run(suite, "double", lambda x: 2 * x, ref)
    assert res.points == res.max_points == 3, res.report()
    broken = res.results[0]
    assert broken.grader_error is not None and broken.grader_error.type == "NameError"
    assert "undefined_name" in broken.grader_error.line  # the line of test code
    report = res.report()
    assert ("this check could not run because of an error in the grader; it does not count "
            "against you") in report
    assert "undefined_name" not in report and "NameError" not in report  # never test code
    data = res.to_json()
    assert data["grader_errors"] == ["broken"]
    assert data["tests"][0]["grader_error"]["type"] == "NameError"
    assert "grader_error" not in data["tests"][1]


def test_a_broken_test_is_not_a_free_pass_for_the_tests_that_work():
    suite, ref = _suite_with_a_broken_test()
    res = _run(suite, "double", lambda x: 3 * x, ref)
    assert [r.points for r in res.results] == [2, 0]


def test_an_exception_of_the_students_code_still_costs_the_points():
    suite, ref = _suite_with_a_broken_test()

    def raises(x):
        raise ValueError("mine")

    res = _run(suite, "double", raises, ref)
    works = res.results[1]
    assert works.points == 0 and works.grader_error is None
    assert "raised ValueError: mine" in works.message
    assert "grader_errors" not in _run(Suite("library"), "double", raises, ref).to_json()


def test_a_test_that_raises_with_the_students_code_only_is_the_students():
    """The test's own code raises (here: it indexes what the student returned), but with the
    reference it passes: the student's code caused it."""
    suite = Suite("library")

    @suite.test("pair")
    def first_of_pair(student, ref, rng):
        out = student(1.0)
        expect_close(out[0], 1.0, "pair")

    ref = types.SimpleNamespace(pair=lambda x: (x, x))
    res = _run(suite, "pair", lambda x: None, ref)
    assert res.points == 0 and res.results[0].grader_error is None
    assert "TypeError" in res.results[0].message


def test_a_test_the_reference_fails_is_broken_too():
    suite = Suite("library")

    @suite.test("square")
    def wrong_expectation(student, ref, rng):
        out = student(np.array([2.0]))
        if not isinstance(out, np.ndarray):
            raise AttributeError("the test assumed an array")
        expect_close(out, [5.0], "square")  # wrong: 2 ** 2 is 4

    ref = types.SimpleNamespace(square=lambda x: np.asarray(x) ** 2)
    res = _run(suite, "square", lambda x: [float(v) ** 2 for v in x], ref)
    assert res.points == 1 and res.results[0].grader_error.type == "AttributeError"


def test_an_untouched_stub_costs_the_points_without_running_the_reference(monkeypatch):
    suite, ref = _suite_with_a_broken_test()

    def stub(x):
        raise NotImplementedError

    monkeypatch.setattr(grading, "_reference_passes", lambda *a: pytest.fail("reference run"))
    res = _run(suite, "double", stub, ref)
    assert res.points == 0 and "not implemented" in res.report()


# ------------------------------------------------------------------ the kinds

def test_matches_reference_draws_several_inputs_and_describes_them():
    ref = types.SimpleNamespace(scale=lambda z, factor=2.0: factor * np.asarray(z))
    draws = []

    def inputs(rng):
        z = rng.normal(size=(2, 3))
        draws.append(z)
        return (z,), {"factor": 3.0}

    matches_reference(lambda z, factor=2.0: factor * z, ref.scale, inputs,
                      np.random.default_rng(0), what="scale", draws=4)
    assert len(draws) == 4
    with pytest.raises(Failure) as info:
        matches_reference(lambda z, factor=2.0: 2.0 * z, ref.scale, inputs,
                          np.random.default_rng(0), what="scale")
    message = str(info.value)
    assert message.startswith("scale with z with shape (2, 3) (float64, values in [")
    assert "factor=3.0" in message and "values differ" in message


def test_each_call_gets_its_own_copies_of_the_inputs():
    z = np.arange(3.0)
    same_as_reference(lambda v: v.__iadd__(1) - 1, lambda v: v, (z,), what="f")
    assert np.array_equal(z, np.arange(3.0))


def test_describe_call_never_prints_an_array():
    z = np.full(50, 123.456)
    text = describe_call(lambda z, axis=-1: z, (z,), {"axis": 0})
    assert text == "z with shape (50,) (float64, values in [123, 123]), axis=0"
    assert "123.456" not in text


def test_numerically_stable_rejects_warnings_and_overflow():
    def stable(z):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))

    z = extreme_inputs(np.random.default_rng(1))
    assert z.size == 27 and np.abs(z).max() == 1e4
    numerically_stable(stable, stable, (z,), what="sigmoid")
    with np.errstate(all="warn"), pytest.raises(Failure, match="emitted a warning"):
        numerically_stable(lambda z: 1 / (1 + np.exp(-z)), stable, (z,), what="sigmoid")
    with pytest.raises(Failure, match="inf or NaN"):
        numerically_stable(lambda z: np.full_like(z, np.inf), lambda z: np.full_like(z, np.inf),
                           (z,), what="f")


def _loss_and_gradient(rng):
    """f(W) = sum(tanh(X W) * U): a smooth scalar function with a known gradient."""
    X, U = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    forward = lambda W: float(np.sum(np.tanh(X @ W) * U))
    gradient = lambda W: X.T @ ((1 - np.tanh(X @ W) ** 2) * U)
    return forward, gradient


def test_gradient_check_accepts_the_right_gradient_and_rejects_a_wrong_one():
    rng = np.random.default_rng(3)
    forward, gradient = _loss_and_gradient(rng)
    W = rng.normal(size=(4, 3))
    gradient_check(gradient(W), forward, W, rng, what="backward", coordinates=12)
    gradient_check(gradient(W).astype(np.float32), forward, W, rng, what="backward")
    with pytest.raises(Failure, match="disagrees with finite differences"):
        gradient_check(2 * gradient(W), forward, W, rng, what="backward")
    with pytest.raises(Failure, match="disagrees"):
        gradient_check(-gradient(W), forward, W, rng, what="backward", coordinates=12)
    with pytest.raises(Failure, match="expected shape"):
        gradient_check(gradient(W).T, forward, W, rng, what="backward")


def test_gradient_check_accepts_a_zero_gradient_where_the_function_is_flat():
    rng = np.random.default_rng(4)
    x = rng.normal(size=6) + 10.0
    forward = lambda v: 1e3 + float(np.sum(np.maximum(v, 0.0) * 0.0))
    gradient_check(np.zeros(6), forward, x, rng, what="flat")
