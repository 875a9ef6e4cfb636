"""The instructor's autograder for Neural Networks for Biologists.

Layout (one folder per chapter id, the same id as in book/, solutions/ and exercises/):

    autograder/<chapter-id>/reference.py   reference implementation of every graded function
    autograder/<chapter-id>/tests.py        hidden tests: a :class:`~autograder.engine.testing.Suite`
    autograder/engine/                      the grading engine, which knows no chapter

Hidden tests only *call* the student's function and compare the returned values with the
reference (as plain float arrays), so the same tests run whether the student's code is in this
process (a notebook graded by plain nbgrader) or in a sandboxed process (autograder.engine.scheduler).

In a graded notebook the hidden-test cell is one line::

    grade("02-activations", "softmax", globals())

which runs every hidden test of ``softmax``, prints feedback (never test code) and evaluates
to the points earned, which nbgrader records as partial credit.
"""


def grade(chapter, function, namespace):
    """See :func:`autograder.engine.grading.grade` (imported lazily: the sandbox template imports this
    package and must not load any grading code it does not need)."""
    from autograder.engine.grading import grade as _grade

    return _grade(chapter, function, namespace)


def grade_function(chapter, function, student_fn, seed=None):
    from autograder.engine.grading import BASE_SEED
    from autograder.engine.grading import grade_function as _grade_function

    return _grade_function(chapter, function, student_fn, BASE_SEED if seed is None else seed)


__all__ = ["grade", "grade_function"]
