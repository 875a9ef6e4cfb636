"""The instructor's dashboard (autograder/engine/dashboard.py) and the grades for Canvas and
Moodle (autograder/engine/exports.py).

- The statistics on small hand-made rows: the point-biserial correlation against scipy's, "n/a"
  (never nan) where it is undefined, the flags and order of the tests, the diagnoses' shares;
  every string from a submission escaped.
- The exports on a gradebook made with nbgrader's own API: the final score is nbgrader's
  export's (raw score less the late penalty, at least 0), the platforms' headers, empty cells
  for missing work, no cell that starts a formula.
- End to end (slow): a small class of 01-neuron (a solution, a blank notebook, two with bugs,
  a broken file, a late solution under a one-point-per-started-hour penalty) graded with
  ``python -m autograder.engine.cli autograde``, then ``report``; the pages opened in headless
  Chromium with every request outside the file system refused: no error, no request outside,
  no sideways scrolling, and the numbers shown are the gradebook's. Screenshots (desktop
  1280 px, phone 390 px) go to /tmp/dashboard/.
"""
from __future__ import annotations

import csv
import datetime
import json
import math
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from autograder.engine import dashboard, exports, registry

REPO = Path(__file__).resolve().parents[1]
CH = "01-neuron"
SHOTS = Path("/tmp/dashboard")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTHS = {"desktop": 1280, "phone": 390}


# ------------------------------------------------------------------ hand-made rows

def _row(student, tests: dict, status="graded", reason="", diagnoses=None, seconds=1.0,
         seconds_late=0.0, penalty=0.0, max_score=None):
    """A dashboard row: ``tests`` = {function: [(test, points, max_points), ...]}."""
    functions = []
    for fn, ts in tests.items():
        f = {"function": fn, "points": float(sum(p for _, p, _ in ts)),
             "max_points": float(sum(m for _, _, m in ts)),
             "tests": [{"name": n, "points": float(p), "max_points": float(m), "message": ""}
                       for n, p, m in ts]}
        if diagnoses and fn in diagnoses:
            f["diagnosis"] = diagnoses[fn]
        functions.append(f)
    score = sum(f["points"] for f in functions)
    top = max_score if max_score is not None else sum(f["max_points"] for f in functions)
    return {"student": student, "chapter": CH, "status": status, "reason": reason,
            "score": score if status == "graded" else 0.0, "max_score": top,
            "final_score": max(0.0, score - penalty), "late_penalty": penalty,
            "seconds_late": seconds_late,
            "grades": {f"test_{f['function']}": (f["points"], f["max_points"]) for f in functions},
            "seconds": seconds, "stages": {"read": 0.1, "run": seconds - 0.2, "test": 0.1},
            "functions": functions if status == "graded" else []}


def test_point_biserial_is_scipys():
    from scipy.stats import pointbiserialr

    rng = np.random.default_rng(3)
    for n in (3, 7, 50):
        x = rng.integers(0, 2, n)
        x[0], x[1] = 0, 1  # both values present
        y = rng.normal(size=n) + x
        assert dashboard.point_biserial(x, y) == pytest.approx(pointbiserialr(x, y)[0], abs=1e-12)
    assert dashboard.point_biserial([0, 1, 1, 0], [1.0, 3.0, 4.0, 0.5]) == pytest.approx(
        pointbiserialr([0, 1, 1, 0], [1.0, 3.0, 4.0, 0.5])[0])


@pytest.mark.parametrize("x,y", [([1, 1, 1], [1.0, 2.0, 3.0]), ([0, 0], [1.0, 5.0]),
                                 ([0, 1, 0], [2.0, 2.0, 2.0]), ([1], [3.0]), ([], [])])
def test_a_constant_variable_has_no_discrimination(x, y):
    assert dashboard.point_biserial(x, y) is None


def _class():
    """Five graded submissions and one ungradable. `a/always` everybody passes; `a/hard`
    nobody; `b/good` is passed by the strong; `b/odd` by the weak (negative)."""
    def tests(good, odd, more):
        return {"a": [("always", 1, 1), ("hard", 0, 2)],
                "b": [("good", 2 * good, 2), ("odd", odd, 1), ("more", more, 3)]}
    return [_row("s1", tests(1, 0, 3)), _row("s2", tests(1, 0, 3)), _row("s3", tests(1, 1, 3)),
            _row("s4", tests(0, 1, 0)), _row("s5", tests(0, 1, 0)),
            _row("s6", {}, status="ungradable", reason="the notebook is not valid JSON",
                 max_score=9.0)]


def test_test_table_pass_rates_discrimination_flags_and_order():
    rows = _class()
    table = {(t["function"], t["test"]): t for t in dashboard.test_table(rows)}
    assert set(table) == {("a", "always"), ("a", "hard"), ("b", "good"), ("b", "odd"),
                          ("b", "more")}
    good = table[("b", "good")]
    assert (good["n"], good["passed"], good["pass_rate"]) == (5, 3, 0.6)
    # by hand: the rest of each score (the submission's points less this test's points)
    totals = [1 + 2 + 0 + 3, 1 + 2 + 0 + 3, 1 + 2 + 1 + 3, 1 + 0 + 1 + 0, 1 + 0 + 1 + 0]
    passed = [1, 1, 1, 0, 0]
    rest = [t - 2 * p for t, p in zip(totals, passed)]
    assert good["discrimination"] == pytest.approx(float(np.corrcoef(passed, rest)[0, 1]))
    assert good["flags"] == []
    assert table[("a", "always")]["flags"] == ["everybody passes"]
    assert table[("a", "always")]["discrimination"] is None
    assert table[("a", "hard")]["flags"] == ["nobody passes"]
    assert table[("b", "odd")]["discrimination"] < 0
    assert "negative discrimination" in table[("b", "odd")]["flags"][0]
    order = [(t["function"], t["test"]) for t in dashboard.test_table(rows)]
    # flagged first (undefined before negative), the informative ones last
    assert order[:2] == [("a", "always"), ("a", "hard")] and order[2] == ("b", "odd")
    assert set(order[3:]) == {("b", "good"), ("b", "more")}
    assert [t["rank"] for t in dashboard.test_table(rows)] == [1, 2, 3, 4, 5]


def test_weak_discrimination_and_a_constant_rest_are_flagged():
    passed = [1, 0] * 5
    rest = [0, 0, 0, 0, 0, 0, 2, 1, 2, 2]  # correlation 1/9 with `passed`
    rows = [_row(f"s{i}", {"f": [("t", p, 1)], "g": [("u", q, 2)]})
            for i, (p, q) in enumerate(zip(passed, rest))]
    t = {x["test"]: x for x in dashboard.test_table(rows)}
    assert t["t"]["discrimination"] == pytest.approx(1 / 9)
    assert t["t"]["flags"] == [f"weak discrimination (below {dashboard.WEAK:g})"]
    # the rest of the score is the same for everyone (0): undefined, not nan
    same_rest = [_row("a", {"f": [("t", 1, 1), ("u", 0, 1)]}),
                 _row("b", {"f": [("t", 0, 1), ("u", 0, 1)]})]
    t = {x["test"]: x for x in dashboard.test_table(same_rest)}
    assert t["t"]["discrimination"] is None
    assert t["t"]["flags"][0].startswith("discrimination undefined")
    page = dashboard.chapter_page(dashboard.chapter_stats(CH, same_rest))
    assert "nan" not in page.lower()


def test_scores_and_the_page_never_show_nan():
    rows = _class()
    s = dashboard.chapter_stats(CH, rows)
    assert s["submissions"] == 6 and s["graded"] == 5
    assert s["scores"]["points"]["n"] == 6  # the ungradable one is in the gradebook with 0
    assert s["scores"]["points"]["mean"] == pytest.approx(np.mean([r["score"] for r in rows]))
    page = dashboard.chapter_page(s)
    assert "nan" not in page.lower().replace("nano", "")
    assert "n/a" in page
    empty = dashboard.chapter_page(dashboard.chapter_stats("02-activations", rows))
    assert "nan" not in empty.lower() and "No submission" in empty


def test_diagnosis_shares_most_frequent_first():
    axis = {"text": "you normalise over the first axis instead of the one you were given",
            "section": "Softmax: probabilities for several classes"}
    overflow = {"text": "you exponentiate without subtracting the maximum first",
                "section": "Numbers that do not fit"}
    rows = []
    for i in range(50):
        d = {"softmax": axis} if i < 19 else {"softmax": overflow} if i < 23 else None
        rows.append(_row(f"s{i}", {"softmax": [("t", 0 if d else 1, 1)], "relu": [("r", 1, 1)]},
                         diagnoses=d))
    rows[30]["functions"][0]["diagnosis"] = {"text": 7}  # not a diagnosis: ignored
    table = dashboard.diagnosis_table(rows)
    assert [d["function"] for d in table] == ["softmax"]  # relu: no diagnosis, left out
    first, second = table[0]["diagnoses"]
    assert (first["count"], table[0]["n"], second["count"]) == (19, 50, 4)
    assert first["share"] == pytest.approx(0.38)
    page = dashboard.chapter_page(dashboard.chapter_stats(CH, rows))
    assert ("38% (19 of 50)</b>: you normalise over the first axis instead of the one you "
            "were given (see Softmax: probabilities for several classes)") in page
    assert "8% (4 of 50)</b>: you exponentiate" in page
    assert page.index("38% (19 of 50)") < page.index("8% (4 of 50)")


def test_every_string_from_a_submission_is_escaped():
    evil = "<img src=x onerror=alert(1)>"
    rows = [_row(evil, {"f": [("t", 1, 1)]}, seconds=9.0, seconds_late=3600.0, penalty=1.0),
            _row("<script>x</script>", {}, status="ungradable", reason=f"broke: {evil}",
                 max_score=1.0),
            _row("ok", {"f": [("t", 0, 1)]},
                 diagnoses={"f": {"text": evil, "section": "<b>Exercise</b>"}})]
    for page in (dashboard.chapter_page(dashboard.chapter_stats(CH, rows)),
                 dashboard.course_page([dashboard.chapter_stats(CH, rows)])):
        assert "<img" not in page and "<script" not in page and "<b>Exercise" not in page
    page = dashboard.chapter_page(dashboard.chapter_stats(CH, rows))
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def test_pages_are_self_contained():
    pages = [dashboard.chapter_page(dashboard.chapter_stats(CH, _class())),
             dashboard.course_page([dashboard.chapter_stats(CH, _class())])]
    for page in pages:
        lowered = page.lower()
        for needle in ("<script", "<link", "<img", "@import", "url(http", "src="):
            assert needle not in lowered, needle
        # the only addresses are the SVG namespaces, which are names, not requests
        import re
        urls = set(re.findall(r"https?://[^\"' )]+", page))
        assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
        assert page.count("<svg") >= 1 and "<figcaption>" in page


def test_late_and_timing():
    rows = [_row("a", {"f": [("t", 1, 1)]}, seconds=3.0),
            _row("b", {"f": [("t", 1, 1)]}, seconds=9.0, seconds_late=2 * 3600 + 60,
                 penalty=1.0),
            _row("c", {"f": [("t", 0, 1)]}, seconds=1.0, seconds_late=30.0, penalty=0.0)]
    late = dashboard.late(rows)
    assert [r["student"] for r in late] == ["b", "c"]
    assert (late[0]["penalty"], late[0]["final_score"]) == (1.0, 0.0)
    assert dashboard.duration(2 * 3600 + 60) == "2 h 01 min"
    assert dashboard.duration(30) == "30 s" and dashboard.duration(2 * 86400 + 7200) == "2 d 2 h"
    t = dashboard.timing(rows, slowest=2)
    assert [r["student"] for r in t["slowest"]] == ["b", "a"]
    assert t["summary"]["median"] == 3.0
    assert {s["stage"] for s in t["stages"]} == {"read", "run", "test"}


def test_submission_row_reads_the_gradebook_and_the_stored_result():
    from autograder.engine.result import SubmissionResult

    state = SubmissionResult("s", CH, "k", functions=[{"function": "f", "points": 1.0,
                                                       "max_points": 2.0, "tests": []}],
                             seconds=2.5, stages={"run": 2.0})
    g = {"score": 1.0, "max_score": 2.0, "late_submission_penalty": 0.5, "final_score": 0.5,
         "seconds_late": 10.0, "grades": {"test_f": (1.0, 2.0)}}
    row = dashboard.submission_row("s", CH, "graded", "", g, state)
    assert (row["score"], row["final_score"], row["late_penalty"], row["seconds"]) == \
        (1.0, 0.5, 0.5, 2.5)
    missing = dashboard.submission_row("s", CH, "ungradable", "not graded yet", None, None)
    assert missing["score"] is None and missing["functions"] == [] and missing["seconds"] is None


# ------------------------------------------------------------------ exports

def _gradebook(tmp_path: Path) -> str:
    """A gradebook made with nbgrader's API: two assignments, four students (one with a
    formula for a name, one without any name), one late submission, one missing."""
    from autograder.engine.gradebook import _gradebook

    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    due = datetime.datetime(2024, 5, 1, 12, 0, 0)
    with _gradebook(db_url) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy's autoflush notes inside nbgrader
        gb.add_student("ada", first_name="Ada", last_name="Lovelace", email="ada@example.org",
                       lms_user_id="1001")
        gb.add_student("bob", first_name="=HYPERLINK(\"x\")", last_name="Builder")
        gb.add_student("cy")
        gb.add_student("dee", first_name="Dee", last_name="Dee", email="dee@example.org")
        for a, cells in (("01-neuron", {"test_step": 5.0, "test_neuron": 5.0}),
                         ("02-activations", {"test_softmax": 4.0})):
            gb.add_assignment(a, duedate=due)
            gb.add_notebook(a, a)
            for name, top in cells.items():
                gb.add_grade_cell(name, a, a, max_score=top, cell_type="code")
        given = {("ada", "01-neuron"): ({"test_step": 5.0, "test_neuron": 2.5}, 0, None),
                 ("bob", "01-neuron"): ({"test_step": 5.0, "test_neuron": 5.0}, 3 * 3600, 2.0),
                 ("cy", "01-neuron"): ({"test_step": 1.0, "test_neuron": 0.0}, 600, 4.0),
                 ("ada", "02-activations"): ({"test_softmax": 4.0 / 3}, 0, None),
                 ("dee", "02-activations"): ({"test_softmax": 0.0}, 0, None)}
        for (student, a), (points, late, penalty) in given.items():
            gb.add_submission(a, student,
                              timestamp=due + datetime.timedelta(seconds=late or -60))
            nb = gb.find_submission_notebook(a, a, student)
            for grade in nb.grades:
                grade.auto_score = points[grade.name]
            nb.late_submission_penalty = penalty
            gb.db.commit()
    return db_url


def _nbgrader_export(db_url: str, path: Path) -> dict:
    """nbgrader's own CSV export of the gradebook: (student, assignment) -> row."""
    from nbgrader.plugins.export import CsvExportPlugin

    from autograder.engine.gradebook import _gradebook

    with _gradebook(db_url) as gb:
        CsvExportPlugin(to=str(path)).export(gb)
    with open(path, newline="") as fh:
        return {(r["student_id"], r["assignment"]): r for r in csv.DictReader(fh)}


def _read(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_exports_subtract_the_late_penalty_as_nbgrader_does(tmp_path):
    from autograder.engine import gradebook

    db_url = _gradebook(tmp_path)
    chapters = ["01-neuron", "02-activations"]
    scores = gradebook.scores(db_url, chapters)
    bob = next(r for r in scores if r["student"] == "bob")
    assert (bob["score"], bob["late_submission_penalty"], bob["final_score"],
            bob["seconds_late"]) == (10.0, 2.0, 8.0, 3 * 3600)
    cy = next(r for r in scores if r["student"] == "cy")
    assert (cy["score"], cy["late_submission_penalty"], cy["final_score"]) == (1.0, 4.0, 0.0)
    assert {r["student"]: r["lms_user_id"] for r in scores}["ada"] == "1001"
    paths = exports.write(tmp_path / "exports", db_url, chapters, scores)
    assert [p.name for p in paths] == ["canvas.csv", "moodle.csv"]
    theirs = _nbgrader_export(db_url, tmp_path / "nbgrader.csv")
    canvas, moodle = _read(paths[0]), _read(paths[1])
    canvas_by = {r[3]: dict(zip(canvas[0], r)) for r in canvas[2:]}
    moodle_by = {r[2]: dict(zip(moodle[0], r)) for r in moodle[1:]}
    assert set(canvas_by) == set(moodle_by) == {"ada", "bob", "cy", "dee"}
    for (student, a), row in theirs.items():
        ours = {canvas_by[student][a], moodle_by[student][a]}
        if row["timestamp"]:  # submitted: nbgrader's final score, to 4 decimals
            assert len(ours) == 1
            assert float(ours.pop()) == pytest.approx(float(row["score"]), abs=5e-5), \
                (student, a, row)
        else:  # nothing submitted: nbgrader writes 0, the platforms get "no grade"
            assert float(row["score"]) == 0.0 and ours == {""}, (student, a)
    assert canvas_by["ada"]["02-activations"] == "1.3333"


def test_export_formats(tmp_path):
    from autograder.engine import gradebook

    db_url = _gradebook(tmp_path)
    chapters = ["01-neuron", "02-activations", "not-in-the-gradebook"]
    exports.write(tmp_path, db_url, chapters, gradebook.scores(db_url, chapters))
    canvas, moodle = _read(tmp_path / "canvas.csv"), _read(tmp_path / "moodle.csv")
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                         "01-neuron", "02-activations"]
    assert canvas[1] == ["Points Possible", "", "", "", "", "10", "4"]
    assert canvas[2] == ["Lovelace, Ada", "1001", "", "ada", "", "7.5", "1.3333"]
    assert canvas[4] == ["cy", "", "", "cy", "", "0", ""]  # no name: the id; late to 0
    assert moodle[0] == ["First name", "Last name", "ID number", "Email address",
                         "01-neuron", "02-activations"]
    assert moodle[1] == ["Ada", "Lovelace", "ada", "ada@example.org", "7.5", "1.3333"]
    assert moodle[4] == ["Dee", "Dee", "dee", "dee@example.org", "", "0"]
    # a name that a spreadsheet would run as a formula is neutralised
    assert canvas[3][0] == "Builder, =HYPERLINK(\"x\")" and moodle[2][0] == "'=HYPERLINK(\"x\")"
    for rows in (canvas, moodle):
        for row in rows:
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row


def test_points_are_plain_numbers():
    assert [exports.points(v) for v in (27.0, 13.5, 1 / 3, 0.0, None, "")] == \
        [27, 13.5, 0.3333, 0, "", ""]


# ------------------------------------------------------------------ end to end

LATE_PLUGIN = '''
# the dashboard test's course: one point per started hour late
import math
from nbgrader.plugins import LateSubmissionPlugin

class PointPerHour(LateSubmissionPlugin):
    def late_submission_penalty(self, student_id, score, total_seconds):
        return min(score, float(math.ceil(total_seconds / 3600)))

c.AssignLatePenalties.plugin_class = PointPerHour
'''
STUDENTS = {"ada": ("Ada", "Lovelace"), "bea": ("Bea", "Blank"), "cem": ("Cem", "Strict"),
            "dan": ("Dan", "Nobias"), "eve": ("Eve", "Broken"), "fay": ("Fay", "Late")}
STRICT_STEP = "def step(z):\n    return np.where(np.asarray(z, dtype=float) > 0, 1.0, 0.0)\n"
NO_BIAS = ("def neuron(x, w, b, activation):\n"
           "    return activation(np.dot(np.asarray(x, dtype=float), np.asarray(w, dtype=float)))\n")
TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f UTC"  # nbgrader's


def _notebook(path: Path, answers: dict | None = None) -> dict:
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if answers and gid in answers:
            cell["source"] = answers[gid]
    return nb


def _submit(root: Path, student: str, nb: dict | None = None, raw: str | None = None,
            timestamp: datetime.datetime | None = None) -> None:
    folder = root / "submitted" / student / CH
    folder.mkdir(parents=True)
    (folder / f"{CH}.ipynb").write_text(raw if raw is not None else json.dumps(nb))
    if timestamp is not None:
        (folder / "timestamp.txt").write_text(timestamp.strftime(TIMESTAMP))


def _cli(root: Path, *args: str, timeout=900) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autograder.engine.cli", "--root", str(root), *args]
    if args[0] == "autograde" and os.geteuid() != 0:
        cmd.append("--allow-weak-isolation")  # full isolation only as root (CI runs as root)
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    from autograder.engine.gradebook import _gradebook, default_db_url

    root = tmp_path_factory.mktemp("dashboard") / "course"
    (root / "solutions").mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", root)
    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write(LATE_PLUGIN)
    shutil.copytree(REPO / "solutions" / CH, root / "solutions" / CH)
    due = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
    due -= datetime.timedelta(days=1)
    db_url = default_db_url(root)
    with _gradebook(db_url) as gb:
        for i, (student, (first, last)) in enumerate(STUDENTS.items()):
            gb.add_student(student, first_name=first, last_name=last,
                           email=f"{student}@example.org", lms_user_id=str(1000 + i))
        gb.add_student("gus", first_name="Gus", last_name="Absent")  # submits nothing
        gb.add_assignment(CH, duedate=due)
    solution = REPO / "solutions" / CH / f"{CH}.ipynb"
    _submit(root, "ada", _notebook(solution), timestamp=due - datetime.timedelta(hours=1))
    _submit(root, "bea", _notebook(REPO / "exercises" / CH / f"{CH}.ipynb"))
    _submit(root, "cem", _notebook(solution, {"step": STRICT_STEP}))
    _submit(root, "dan", _notebook(solution, {"neuron": NO_BIAS}))
    _submit(root, "eve", raw="{not json")
    _submit(root, "fay", _notebook(solution),
            timestamp=due + datetime.timedelta(hours=2, minutes=30))
    graded = _cli(root, "autograde", CH, "--workers", "2", "--no-progress")
    assert "6 submissions: 6 graded now" in graded.stdout, graded.stdout + graded.stderr
    report = _cli(root, "report", CH)
    assert "dashboard/index.html" in report.stdout and "exports/canvas.csv" in report.stdout
    return {"root": root, "db_url": db_url, "out": root / "reports", "due": due}


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's chromium")
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def _visit(browser, path: Path, width: int, shot: Path):
    """Open ``path`` with every request outside the file system refused; returns the page
    (the caller closes it) and what went wrong."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    found = {"outside": [], "failed": [], "console": [], "errors": []}

    def route(r):
        if r.request.url.startswith(("file:", "data:", "about:")):
            r.continue_()
        else:
            found["outside"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda r: found["failed"].append(r.url))
    page.on("console", lambda m: found["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: found["errors"].append(str(e)))
    page.goto(path.resolve().as_uri(), wait_until="load")
    found["overflow"] = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    return page, found


def _value(page, selector: str) -> float:
    return float(page.locator(selector).first.get_attribute("data-v"))


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS)
def test_dashboard_in_a_browser_offline_shows_the_gradebooks_numbers(course, browser, width):
    from autograder.engine import gradebook
    from autograder.engine.jobs import load_state

    rows = gradebook.scores(course["db_url"], [CH])
    assert len(rows) == 6
    board = course["out"] / "dashboard"
    assert sorted(p.name for p in board.iterdir()) == [f"{CH}.html", "index.html"]

    # the course page
    page, found = _visit(browser, board / "index.html", WIDTHS[width],
                         SHOTS / f"index-{width}.png")
    try:
        row = f"tr[data-chapter='{CH}']"
        assert _value(page, f"{row} [data-k=submissions]") == len(rows)
        assert _value(page, f"{row} [data-k=mean_score]") == pytest.approx(
            np.mean([r["score"] for r in rows]))
        assert _value(page, f"{row} [data-k=ungradable]") == sum(r["flagged"] for r in rows) == 1
        assert _value(page, f"{row} [data-k=late]") == 1
        page.click(f"{row} a")
        assert page.url.endswith(f"/{CH}.html")
    finally:
        page.close()
    assert found["outside"] == [] and found["failed"] == [], found
    assert found["console"] == [] and found["errors"] == [], found
    assert found["overflow"] <= 1, "the course page scrolls sideways"

    # the chapter's page
    page, found = _visit(browser, board / f"{CH}.html", WIDTHS[width],
                         SHOTS / f"{CH}-{width}.png")
    try:
        mean = float(np.mean([r["score"] for r in rows]))
        assert _value(page, "[data-k=submissions]") == len(rows)
        assert _value(page, "[data-k=mean_score]") == pytest.approx(mean)
        top = rows[0]["max_score"]
        assert page.locator("[data-k=mean_score]").first.inner_text() == \
            f"{dashboard.number(mean)} / {dashboard.number(top)}"
        assert _value(page, "[data-k=ungradable]") == sum(r["flagged"] for r in rows)
        assert "eve" in page.locator("#ungradable + div").inner_text()

        # each function's share of full marks, from the gradebook's grade cells
        for fn in ("step", "neuron"):
            cells = [r["grades"][f"test_{fn}"] for r in rows]
            full = sum(1 for s, m in cells if s == m) / len(cells)
            assert _value(page, f"tr[data-function='{fn}'] [data-k=full_rate]") == \
                pytest.approx(full)

        # a hidden test's pass rate, from the stored results of the graded submissions
        states = [load_state(course["root"], r["student"], CH) for r in rows]
        graded = [s for s in states if s is not None and s.graded]
        assert len(graded) == 5
        step = next(f for f in graded[0].functions if f["function"] == "step")
        for test in step["tests"]:
            passed = sum(1 for s in graded for f in s.functions if f["function"] == "step"
                         for t in f["tests"] if t["name"] == test["name"]
                         and t["points"] == t["max_points"])
            selector = f"tr[data-test='step/{test['name']}'] [data-k=pass_rate]"
            assert _value(page, selector) == pytest.approx(passed / len(graded)), test["name"]

        # the late submission: the gradebook's penalty (2 h 30 min: 3 points)
        fay = next(r for r in rows if r["student"] == "fay")
        assert fay["seconds_late"] == pytest.approx(2.5 * 3600, abs=1)
        assert fay["late_submission_penalty"] == 3.0 and fay["final_score"] == fay["score"] - 3
        assert _value(page, "[data-k=late_penalty]") == 3.0
        assert _value(page, "[data-k=final_score]") == fay["final_score"]
        text = page.inner_text("body")
        assert "nan" not in text.replace("nano", "").lower().split()
        assert page.locator("figure svg").count() >= 3
        assert page.locator("figcaption").count() == page.locator("figure").count()
    finally:
        page.close()
    assert found["outside"] == [] and found["failed"] == [], found
    assert found["console"] == [] and found["errors"] == [], found
    assert found["overflow"] <= 1, "the chapter page scrolls sideways"


@pytest.mark.slow
def test_exports_of_the_class_are_nbgraders_scores(course):
    """The report's exports against `nbgrader export` of the same gradebook."""
    root = course["root"]
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent),
                                                 os.environ.get("PATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "export", "--to=nbgrader.csv"],
                          cwd=root, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(root / "nbgrader.csv", newline="") as fh:
        theirs = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert set(theirs) == set(STUDENTS) | {"gus"}
    canvas = _read(course["out"] / "exports" / "canvas.csv")
    moodle = _read(course["out"] / "exports" / "moodle.csv")
    suite = registry.suite(CH)
    top = sum(suite.max_points(f) for f in suite.functions()) + sum(suite.written_answers.values())
    assert canvas[0][-1] == CH and canvas[1][-1] == f"{top:g}"
    ours_canvas = {r[3]: r[-1] for r in canvas[2:]}
    ours_moodle = {r[2]: r[-1] for r in moodle[1:]}
    for student, row in theirs.items():
        if student == "gus":
            assert row["timestamp"] == "" and ours_canvas[student] == ours_moodle[student] == ""
            continue
        assert float(ours_canvas[student]) == float(ours_moodle[student]) == pytest.approx(
            float(row["score"]), abs=5e-5), (student, row)
    assert float(theirs["fay"]["late_submission_penalty"]) == 3.0
    assert math.isclose(float(ours_canvas["fay"]), float(theirs["fay"]["raw_score"]) - 3.0)
