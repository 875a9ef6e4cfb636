"""The instructor's autograder for Neural Networks for Biologists.

Layout (one folder per chapter id, the same id as in book/, solutions/ and exercises/):

    autograder/<chapter-id>/reference.py   reference implementation of every graded function
    autograder/<chapter-id>/tests.py        hidden tests: a :class:`~autograder.testing.Suite`

Hidden tests only *call* the student's function and compare the returned values with the
reference (as plain float arrays), so the student's code can later run in another process.

In a graded notebook the hidden-test cell is one line::

    grade("02-activations", "softmax", globals())

which runs every hidden test of ``softmax``, prints feedback (never test code) and evaluates
to the points earned, which nbgrader records as partial credit.
"""
from autograder.grading import grade, grade_function

__all__ = ["grade", "grade_function"]
