"""Tests of the tests: for every chapter and graded function,

* the reference implementation earns full marks,
* an untouched stub (raises NotImplementedError) earns 0,
* every plausible bug in tests/<chapter>/bank.py loses points,
* every different but correct implementation in the bank keeps full marks.
"""
from __future__ import annotations

import pytest

from autograder.engine import registry
from autograder.engine.bank import load_bank
from autograder.engine.grading import grade_function

CASES = [(ch, fn) for ch in registry.chapters() for fn in registry.suite(ch).functions()]
MIN_MUTANTS_PER_CHAPTER = 5


def _stub(*args, **kwargs):
    raise NotImplementedError()


def _entries(kind):
    out = []
    for ch in registry.chapters():
        bank = load_bank(ch)
        for e in (getattr(bank, kind) if bank else []):
            out.append(pytest.param(ch, e, id=f"{ch}:{e.function}:{e.implementation.__name__}"))
    return out


@pytest.mark.parametrize("chapter,function", CASES, ids=[f"{c}:{f}" for c, f in CASES])
def test_reference_earns_full_marks(chapter, function):
    ref = getattr(registry.reference(chapter), function)
    res = grade_function(chapter, function, ref)
    assert res.points == res.max_points > 0, res.report()


@pytest.mark.parametrize("chapter,function", CASES, ids=[f"{c}:{f}" for c, f in CASES])
def test_untouched_stub_earns_zero(chapter, function):
    res = grade_function(chapter, function, _stub)
    assert res.points == 0, res.report()
    assert "not implemented" in res.report()


@pytest.mark.parametrize("chapter,entry", _entries("mutants"))
def test_plausible_bug_loses_points(chapter, entry):
    res = grade_function(chapter, entry.function, entry.implementation)
    assert res.points < res.max_points, (
        f"mutant survived ({entry.why}):\n{res.report()}")


@pytest.mark.parametrize("chapter,entry", _entries("alternatives"))
def test_different_correct_implementation_keeps_full_marks(chapter, entry):
    res = grade_function(chapter, entry.function, entry.implementation)
    assert res.points == res.max_points, f"correct alternative ({entry.why}) lost points:\n{res.report()}"


@pytest.mark.parametrize("chapter", registry.chapters())
def test_every_chapter_has_a_bank_of_bugs(chapter):
    bank = load_bank(chapter)
    assert bank is not None, f"tests/{chapter}/bank.py is missing"
    assert len(bank.mutants) >= MIN_MUTANTS_PER_CHAPTER
    assert bank.alternatives, "at least one different correct implementation"
    graded = set(registry.suite(chapter).functions())
    unknown = {e.function for e in bank.mutants + bank.alternatives} - graded
    assert not unknown, f"bank names functions that are not graded: {unknown}"


@pytest.mark.parametrize("chapter,function", CASES, ids=[f"{c}:{f}" for c, f in CASES])
def test_grading_is_deterministic(chapter, function):
    ref = getattr(registry.reference(chapter), function)
    a = grade_function(chapter, function, ref).report()
    b = grade_function(chapter, function, ref).report()
    assert a == b


def test_feedback_names_function_input_and_expected_vs_actual():
    bank = load_bank("02-activations")
    unstable = next(e for e in bank.mutants if e.implementation.__name__ == "softmax_unstable")
    report = grade_function("02-activations", "softmax", unstable.implementation).report()
    assert "softmax" in report and "shape (4, 8)" in report
    assert "hint:" in report
    # never reveals test code
    assert "def " not in report and "rng." not in report


def test_rigged_return_values_cannot_pass():
    class AlwaysEqual:
        def __eq__(self, other):
            return True
        __array_priority__ = 1000

    res = grade_function("02-activations", "softmax", lambda z, axis=-1: AlwaysEqual())
    assert res.points == 0, res.report()
