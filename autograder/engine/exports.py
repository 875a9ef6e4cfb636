"""Grades for the learning platform: ``exports/canvas.csv`` and ``exports/moodle.csv``, written by
``python -m autograder.engine.cli report`` from nbgrader's gradebook (the same one that
``nbgrader export`` reads), one column per assignment (chapter).

Scores are nbgrader's: every student of the gradebook, and for each assignment the final score
as nbgrader's own CSV export computes it (``nbgrader/plugins/export.py``)::

    final score = max(0, raw score - late_submission_penalty)

the penalty being the one the course's late-submission plugin gave (see
:func:`autograder.engine.gradebook.record`). A score is written with at most 4 decimals.

A student who submitted nothing for an assignment gets an EMPTY cell, not 0 (nbgrader's own
export writes 0 there): both platforms read an empty cell as "no grade", so the platform's own
rules for missing work apply and a real 0 stays distinguishable from "did not hand in". Both
importers replace a grade already on the platform with the file's, an empty cell included
(Canvas clears the score; Moodle sets "no grade"): leave the column out, or edit the cell, for
a student whose grade was changed on the platform.

Canvas (gradebook import, Grades > Import): the header ``Student, ID, SIS User ID, SIS Login
ID, Section, <assignments>``, then a ``Points Possible`` row (each assignment's maximum), then
one row per student. Canvas finds the student by ``ID`` (its numeric user id: nbgrader's
``lms_user_id`` when set), else by ``SIS User ID`` (left empty: nbgrader does not know it),
else by ``SIS Login ID`` (nbgrader's student id), else by name (``Last, First``, as Canvas
exports it). An assignment column whose title matches a Canvas assignment fills it; any other
becomes a new assignment (with the Points Possible row's maximum).

Moodle (Grade administration > Import > CSV file): the header ``First name, Last name, ID
number, Email address, <assignments>`` and one row per student, no points row (Moodle refuses
a grade that is not a number). On the import page, map "ID number" (nbgrader's student id; a
Moodle user's "ID number" profile field) or "Email address" to the user field of the same
name, and each assignment column to its grade item (or a new one). Moodle stops the whole
import at a row whose identifier is empty or unknown, so map the email address only when every
student has one.

No cell can start a spreadsheet formula (:func:`autograder.engine.text.cell`).
"""
from __future__ import annotations

import csv
from pathlib import Path

CANVAS_STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_STUDENT_COLUMNS = ["First name", "Last name", "ID number", "Email address"]
DECIMALS = 4


def points(value) -> int | float | str:
    """A score as the platforms read it: a number with at most 4 decimals (an integer when it
    is one); empty when there is none."""
    if value is None or value == "":
        return ""
    x = round(float(value), DECIMALS)
    return int(x) if x == int(x) else x


def final_scores(scores: list[dict]) -> dict[tuple[str, str], float]:
    """(student, assignment) -> final score, as nbgrader's export: the raw score less the late
    penalty, at least 0 (rows of :func:`autograder.engine.gradebook.scores`)."""
    out = {}
    for r in scores:
        penalty = float(r.get("late_submission_penalty") or 0.0)
        out[(r["student"], r["chapter"])] = max(0.0, float(r["score"] or 0.0) - penalty)
    return out


def _name(student: dict) -> str:
    last, first = student.get("last_name") or "", student.get("first_name") or ""
    if last and first:
        return f"{last}, {first}"
    return last or first or student["id"]


def canvas_rows(students: list[dict], assignments: dict[str, float],
                scores: list[dict]) -> list[list]:
    """The Canvas file's rows (header, Points Possible, one per student). ``students``: dicts
    with ``id``, ``first_name``, ``last_name``, ``email``, ``lms_user_id``; ``assignments``:
    name -> maximum, in column order."""
    final = final_scores(scores)
    rows: list[list] = [CANVAS_STUDENT_COLUMNS + list(assignments),
                        ["Points Possible", "", "", "", ""]
                        + [points(m) for m in assignments.values()]]
    for s in students:
        rows.append([_name(s), s.get("lms_user_id") or "", "", s["id"], ""]
                    + [points(final.get((s["id"], a))) for a in assignments])
    return rows


def moodle_rows(students: list[dict], assignments: dict[str, float],
                scores: list[dict]) -> list[list]:
    """The Moodle file's rows (header, one per student)."""
    final = final_scores(scores)
    rows: list[list] = [MOODLE_STUDENT_COLUMNS + list(assignments)]
    for s in students:
        rows.append([s.get("first_name") or "", s.get("last_name") or "", s["id"],
                     s.get("email") or ""]
                    + [points(final.get((s["id"], a))) for a in assignments])
    return rows


def roster(db_url: str, chapters: list[str]) -> tuple[list[dict], dict[str, float]]:
    """Every student of the gradebook (sorted by id, as dicts) and each of ``chapters`` that
    the gradebook has, with its maximum score."""
    from nbgrader.api import MissingEntry

    from autograder.engine.gradebook import _gradebook

    with _gradebook(db_url) as gb:
        students = [{"id": s.id, "first_name": s.first_name, "last_name": s.last_name,
                     "email": s.email, "lms_user_id": s.lms_user_id}
                    for s in sorted(gb.students, key=lambda s: s.id)]
        assignments = {}
        for ch in chapters:
            try:
                assignments[ch] = float(gb.find_assignment(ch).max_score or 0.0)
            except MissingEntry:
                continue
    return students, assignments


def write_rows(path: Path, rows: list[list]) -> None:
    """A CSV file (UTF-8) in which no cell, the header's included, can start a formula."""
    from autograder.engine import text

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8", errors="backslashreplace") as fh:
        writer = csv.writer(fh)
        writer.writerows([text.cell(v) for v in row] for row in rows)


def write(out: Path, db_url: str, chapters: list[str], scores: list[dict]) -> list[Path]:
    """``out/canvas.csv`` and ``out/moodle.csv`` from the gradebook; returns their paths.
    ``scores``: :func:`autograder.engine.gradebook.scores` of the same gradebook."""
    students, assignments = roster(db_url, chapters)
    written = []
    for name, make in (("canvas.csv", canvas_rows), ("moodle.csv", moodle_rows)):
        write_rows(out / name, make(students, assignments, scores))
        written.append(out / name)
    return written
