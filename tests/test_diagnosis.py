"""Feedback that names the mistake (autograder/engine/diagnosis.py): a failing function that
behaves like a bug of the chapter's bank is told that bug's diagnosis; correct code, the stub and
code the bank does not know are told nothing; the bank's code never reaches the feedback.

The share of each chapter's bugs diagnosed as themselves is the benchmark's
(benchmarks/diagnosis_benchmark.py); the slow test here holds every chapter to its target.
"""
from __future__ import annotations

import inspect
import textwrap

import numpy as np
import pytest
import torch

from autograder.engine import diagnosis, grading, registry, watch
from autograder.engine.bank import load_bank
from autograder.engine.grading import _fresh, grade_function
from benchmarks import diagnosis_benchmark

CHAPTER = "02-activations"


def _entry(function: str, why_starts: str):
    return next(e for e in load_bank(CHAPTER).mutants
                if e.function == function and e.why.startswith(why_starts))


def _graded(function: str, impl):
    result = grade_function(CHAPTER, function, _fresh(impl))
    diagnosis.annotate(result)
    return result


# ------------------------------------------------------------------ recorded behaviour

def test_a_tensor_and_the_array_the_wire_returns_for_it_behave_the_same():
    t = torch.tensor([[0.5, 1.0]], dtype=torch.float64)
    assert diagnosis.same_value(watch.behaviour(t), watch.behaviour(t.numpy().copy()))
    assert diagnosis.same_value(watch.behaviour((t, [1, 2.0])),
                                watch.behaviour((t.numpy(), [np.int64(1), np.float64(2.0)])))


def test_values_agree_within_tolerance_only_and_structure_counts():
    same = diagnosis.same_value
    b = watch.behaviour
    assert same(b(np.array([1.0, np.nan])), b(np.array([1.0 + 1e-9, np.nan])))
    assert not same(b(np.array([1.0, 2.0])), b(np.array([1.0, 2.01])))
    assert not same(b(np.zeros((2, 1))), b(np.zeros(2)))           # shape
    assert not same(b([1.0, 2.0]), b((1.0, 2.0)))                   # list or tuple
    assert not same(b({"a": 1.0}), b({"b": 1.0}))                   # keys
    assert same(b(torch.nn.Linear(1, 1)), b(object()))              # objects: type not compared
    assert not same(b(None), b(0.0))
    assert not same(watch.RAISED, b(0.0))


def test_messages_agree_up_to_rounding_and_where_the_error_was_raised():
    norm = diagnosis._normalise
    assert norm("expected 0.25, got 0.5000001") == norm("expected 0.2500004, got 0.5")
    assert norm("expected 0.25, got 0.5") != norm("expected 0.25, got 0.6")
    assert norm("softmax raised ValueError: bad axis (line 12: z.max(axis=3))") == \
        norm("softmax raised ValueError: bad axis (line 40: e = np.exp(z))")


# ------------------------------------------------------------------ what the student is told

def test_a_bug_of_the_bank_is_told_its_misconception_and_section_and_never_its_code():
    entry = _entry("softmax", "wrong axis")
    result = _graded("softmax", entry.implementation)
    assert result.points < result.max_points
    assert result.diagnosis is not None
    assert result.diagnosis.text == entry.diagnosis and result.diagnosis.section == entry.section
    report = result.report()
    assert f"this looks like: {entry.diagnosis}; see {CHAPTER} \u203a {entry.section}" in report
    assert result.to_json()["diagnosis"] == {"text": entry.diagnosis, "section": entry.section}
    body = textwrap.dedent(inspect.getsource(entry.implementation)).split("):\n", 1)[1]
    assert not [ln for ln in body.splitlines() if ln.strip() and ln.strip() in report]
    assert entry.why not in report  # the instructor's note is not the student's


def test_a_student_who_writes_the_same_mistake_differently_is_told_the_same():
    """The student's code is not the bank's: what counts is what it does on the hidden inputs."""
    def softmax(z, axis=-1):  # ignores `axis`: normalises over the first one
        m = np.max(z, axis=0, keepdims=True)
        e = np.exp(z - m)
        return e / np.sum(e, axis=0, keepdims=True)

    result = _graded("softmax", softmax)
    assert result.points < result.max_points
    assert result.diagnosis is not None
    assert result.diagnosis.text == _entry("softmax", "wrong axis").diagnosis, result.report()

    def cross_entropy_grad(logits, labels):  # the sum's gradient, not the mean's
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p = p / p.sum(axis=1, keepdims=True)
        p[np.arange(len(labels)), np.asarray(labels, dtype=int)] -= 1.0
        return p

    chapter = "03-backprop"
    forgot = next(e for e in load_bank(chapter).mutants if e.function == "cross_entropy_grad"
                  and "batch size" in e.why)
    result = grade_function(chapter, "cross_entropy_grad", _fresh(cross_entropy_grad))
    assert diagnosis.diagnose(result) == diagnosis.Diagnosis(forgot.diagnosis, forgot.section), \
        result.report()


def test_plain_nbgrader_grading_prints_the_diagnosis(capsys):
    entry = _entry("softmax", "wrong axis")
    grading.grade(CHAPTER, "softmax", {"softmax": entry.implementation})
    assert f"this looks like: {entry.diagnosis}" in capsys.readouterr().out


def test_correct_code_the_stub_and_a_missing_function_are_told_nothing():
    ref = registry.reference(CHAPTER)
    for function in registry.suite(CHAPTER).functions():
        assert _graded(function, getattr(ref, function)).diagnosis is None

    def softmax(z, axis=-1):
        raise NotImplementedError

    stub = _graded("softmax", softmax)
    assert stub.points == 0 and stub.diagnosis is None
    missing = _graded("softmax", None)
    assert missing.points == 0 and missing.diagnosis is None
    assert "this looks like" not in stub.report() + missing.report()


def test_a_mistake_the_bank_does_not_know_is_told_nothing():
    def softmax(z, axis=-1):  # not a misconception of the bank: no guess
        z = np.asarray(z, dtype=float)
        return np.full_like(z, 0.37)

    result = _graded("softmax", softmax)
    assert result.points < result.max_points and result.diagnosis is None


def test_of_two_matching_bugs_the_one_that_agrees_on_every_test_is_said():
    fail = {"t1"}
    calls = {"t1": [watch.behaviour(1.0)], "t2": [watch.behaviour(2.0)]}
    mine = diagnosis.Behaviour(frozenset(fail), calls, {"t1": "m"})
    close = diagnosis.Behaviour(frozenset(fail), calls, {"t1": "m"})
    loose = diagnosis.Behaviour(frozenset(fail), {**calls, "t2": [watch.behaviour(2.5)]},
                                {"t1": "m"})
    other = diagnosis.Behaviour(frozenset({"t1", "t2"}), calls, {"t1": "m", "t2": "n"})
    assert diagnosis.matches(mine, close) == 4
    assert diagnosis.matches(mine, loose) == 3
    assert diagnosis.matches(mine, other) == 0
    random = diagnosis.Behaviour(frozenset(fail), {**calls, "t1": [watch.behaviour(9.0)]},
                                 {"t1": "m"}, random=frozenset(fail))
    assert diagnosis.matches(mine, random) == 2  # loose: below every exact match
    assert diagnosis.matches(mine, diagnosis.Behaviour(
        frozenset(fail), {"t1": [watch.behaviour([9.0])]}, {"t1": "m"}, frozenset(fail))) == 0
    passing = diagnosis.Behaviour(frozenset(), calls, {})
    assert diagnosis.matches(passing, passing) == 0  # nothing failed: nothing to diagnose


def test_a_bug_that_draws_from_the_global_generator_is_recognised_whatever_its_state():
    """In the sandbox, numpy's global generator is in another state than here: a student who
    ignores the generator they were given gets other numbers than the bank's bug did, and is
    still told what the bug means."""
    chapter = "04-training"
    entry = next(e for e in load_bank(chapter).mutants
                 if e.function == "dropout" and "global np.random" in e.why)
    for state in (1, 2):
        np.random.seed(state)
        result = grade_function(chapter, "dropout", _fresh(entry.implementation))
        found = diagnosis.recognise(result)
        assert found is not None and found[0] is entry, result.report()


def test_a_broken_diagnosis_costs_no_points_and_says_nothing(monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("bug in the diagnosis")

    monkeypatch.setattr(diagnosis, "bug_behaviour", broken)
    entry = _entry("softmax", "wrong axis")
    expected = grade_function(CHAPTER, "softmax", entry.implementation).points
    points = grading.grade(CHAPTER, "softmax", {"softmax": entry.implementation})
    assert points == expected
    assert "this looks like" not in capsys.readouterr().out


# ------------------------------------------------------------------ every chapter's bank

@pytest.mark.slow
@pytest.mark.parametrize("chapter", [c for c in registry.chapters() if load_bank(c)])
def test_each_chapter_names_its_bugs_and_never_diagnoses_correct_code(chapter):
    row = diagnosis_benchmark.measure(chapter)
    assert row["false"] == 0, "\n".join(m for m in row["misses"] if m.startswith("false"))
    assert row["self_or_equivalent"] >= diagnosis_benchmark.TARGET, "\n".join(row["misses"])
    assert row["other"] == 0, "\n".join(m for m in row["misses"] if m.startswith("other"))
