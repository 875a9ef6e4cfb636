"""The instructor's whole workflow with the real tools (issue 13, part 6).

A temporary course directory (the course's ``nbgrader_config.py`` with a "zero" late penalty
and a temporary exchange; ``solutions/01-neuron``) goes through stock nbgrader from release to
feedback, with the project's engine in place of ``nbgrader autograde``:

    nbgrader db student import / db assignment add --duedate / generate_assignment /
    release_assignment                                                    (instructor)
    nbgrader fetch_assignment / submit                                    (each student)
    nbgrader collect; python -m autograder.engine.cli autograde; nbgrader export  (instructor)
    formgrader in headless Chromium: scores, the grading page, a manual grade
    nbgrader generate_feedback / release_feedback                         (instructor)
    nbgrader fetch_feedback                                               (each student)

Students: ``ontime`` (the solution's code pasted into the answer cells), ``late`` (the same,
two hours after the due date) and ``blank`` (the untouched notebook).

How nbgrader 0.9 names the student in the exchange: ``submit`` writes
``inbound/<student>+<assignment>+<timestamp>+<random>``, <student> being ``--student``
(``CourseDirectory.student_id``) when given, else the name of the process's uid in the password
database (``nbgrader.utils.get_username``: ``pwd.getpwuid(os.getuid())``; JUPYTERHUB_USER only
when that name is ``jovyan``); USER and LOGNAME are never read. ``collect`` takes the student
from that name (and only warns when the folder's owner differs). The tests run as one OS user,
so each student passes ``--student`` (nbgrader's documented option for scripted use) and has
a home of their own: nbgrader keeps the student's submissions in ``$HOME/.local/share/jupyter/
nbgrader_cache``, where ``fetch_feedback`` looks for the student's own submissions, and reads
the student's ``~/.jupyter/nbgrader_config.py`` (course id, exchange).

The late submission: the due date is set before release (an hour from now); ``late``'s
``timestamp.txt`` in the exchange inbox is then moved to two hours after it, as if it had been
submitted then (nbgrader only reads that file for the submission's time).

formgrader runs in a Jupyter server with only nbgrader's formgrader extension and no Jupyter
configuration of the machine (JUPYTER_NO_CONFIG), in the course directory, on a free port; the
instructor logs in with the token on Jupyter's login page. Headless Chromium (Debian's
``chromium``) through Playwright, as in tests/test_book_browser.py: without it the browser
tests are skipped, except under CI, where they fail. Requests outside the server are refused
(the grading page's MathJax from a CDN). Screenshots go to the test's temporary directory and
to /tmp/formgrader-shots/ (with the students' feedback pages and the refused requests).
"""
from __future__ import annotations

import csv
import datetime
import html.parser
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from autograder.engine import registry

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
CH = "01-neuron"
# the points of 01-neuron: graded by the hidden tests, and in all (its written answers are graded
# by hand: a student who wrote one waits for that grade, counted as 0 until then)
AUTO = sum(registry.suite(CH).max_points(f) for f in registry.suite(CH).functions())
FULL = AUTO + sum(registry.suite(CH).written_answers.values())
STUDENTS = {"ontime": ("Ontime", "Olga"), "late": ("Late", "Lars"), "blank": ("Blank", "Bea")}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path("/tmp/formgrader-shots")
TOKEN = "instructor-workflow-token"
COMMENT = "Start from np.where(z >= 0, 1.0, 0.0)."
MANUAL_STEP_SCORE = 2.0
TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f UTC"  # nbgrader's Exchange.timestamp_format
NBGRADER_TIMEOUT = 300  # seconds, each nbgrader command
SERVER_START_TIMEOUT = 60


# ------------------------------------------------------------------ running the tools

def _env(home: Path, **extra) -> dict:
    """The environment of a user whose home is ``home``: nothing from the machine's own
    Jupyter configuration; the virtual environment's scripts first (nbgrader runs ``alembic``)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("JUPYTER") and k not in ("XDG_DATA_HOME", "XDG_CONFIG_HOME")}
    env["HOME"] = str(home)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(extra)
    return env


class Log:
    """Every command run, its exit status and duration (written beside the screenshots)."""

    def __init__(self, path: Path):
        self.path = path
        self.lines: list[str] = []

    def add(self, cmd: list[str], cwd: Path, rc, seconds: float) -> None:
        self.lines.append(f"[{seconds:5.1f} s] rc={rc} (cwd {cwd.name}) {' '.join(cmd)}")
        for path in (self.path, SHOTS / self.path.name):
            path.write_text("\n".join(self.lines) + "\n")


def _nbgrader(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "nbgrader", *args]


def _run(log: Log, cmd: list[str], cwd: Path, env: dict, timeout=NBGRADER_TIMEOUT):
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    log.add(cmd, cwd, proc.returncode, time.perf_counter() - start)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _run_students(log: Log, students: dict, make_cmd) -> dict:
    """One command per student, the students at the same time (``make_cmd(student)`` ->
    the command; each in the student's working directory with the student's home)."""
    procs, start = {}, time.perf_counter()
    for student, work in students.items():
        procs[student] = subprocess.Popen(make_cmd(student), cwd=work, env=_env(work / "home"),
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True)
    out = {}
    try:
        for student, proc in procs.items():
            left = max(1.0, NBGRADER_TIMEOUT - (time.perf_counter() - start))
            stdout, stderr = proc.communicate(timeout=left)
            log.add(make_cmd(student), students[student], proc.returncode,
                    time.perf_counter() - start)
            out[student] = (proc.returncode, stdout, stderr)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    for student, (rc, stdout, stderr) in out.items():
        assert rc == 0, \
            f"{student}: {make_cmd(student)} failed:\n{stdout[-3000:]}\n{stderr[-3000:]}"
    return out


# ------------------------------------------------------------------ notebooks

def _grade_id(cell: dict) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def _solution_answers() -> dict[str, str]:
    """grade_id -> the solution cell's code without the ### BEGIN/END SOLUTION lines."""
    nb = json.loads((REPO / "solutions" / CH / f"{CH}.ipynb").read_text())
    out = {}
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution"):
            lines = "".join(cell["source"]).split("\n")
            out[_grade_id(cell)] = "\n".join(
                ln for ln in lines if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    return out


def _paste_solution(path: Path) -> None:
    """What a student who solved everything leaves in the fetched notebook."""
    nb = json.loads(path.read_text())
    answers = _solution_answers()
    pasted = 0
    for cell in nb["cells"]:
        if _grade_id(cell) in answers:
            assert cell["metadata"]["nbgrader"].get("solution"), _grade_id(cell)
            cell["source"] = answers[_grade_id(cell)]
            pasted += 1
    assert pasted == len(answers) == len(registry.suite(CH).functions())
    path.write_text(json.dumps(nb, indent=1))


def _hidden_test_lines() -> set[str]:
    """The code lines of the hidden parts of the source's test cells that the released
    notebook does not show anyway (it starts with ``_checks_passed = {}``, for one)."""
    nb = json.loads((REPO / "solutions" / CH / f"{CH}.ipynb").read_text())
    released = json.loads((REPO / "exercises" / CH / f"{CH}.ipynb").read_text())
    public = "\n".join("".join(c["source"]) for c in released["cells"])
    found, inside = set(), False
    for cell in nb["cells"]:
        for line in "".join(cell["source"]).split("\n"):
            if line.strip() == "### BEGIN HIDDEN TESTS":
                inside = True
            elif line.strip() == "### END HIDDEN TESTS":
                inside = False
            elif inside and len(line.strip()) > 12 and line.strip() not in public:
                found.add(line.strip())
    assert len(found) >= 10, found
    return found


class _Text(html.parser.HTMLParser):
    """The text an HTML page shows (scripts and styles left out), and apart from it the text
    of the cells' outputs (nbconvert's ``div.output_subarea``)."""

    def __init__(self):
        super().__init__()
        self.parts, self.outputs, self._skip, self._divs, self._output_at = [], [], 0, 0, None

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "div":
            self._divs += 1
            if self._output_at is None and "output_subarea" in (dict(attrs).get("class") or ""):
                self._output_at = self._divs

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag == "div":
            if self._output_at == self._divs:
                self._output_at = None
                self.outputs.append("\n")
            self._divs -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)
            if self._output_at is not None:
                self.outputs.append(data)


def _html_text(page: str) -> tuple[str, str]:
    """(all the text of ``page``, the text of its cells' outputs)"""
    parser = _Text()
    parser.feed(page)
    return "".join(parser.parts), "".join(parser.outputs)


# ------------------------------------------------------------------ the course

def _utc(t: datetime.datetime) -> str:
    return t.strftime(TIMESTAMP)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Release, submissions through the exchange, collect, the engine, export."""
    base = tmp_path_factory.mktemp("workflow")
    SHOTS.mkdir(parents=True, exist_ok=True)
    log = Log(base / "commands.log")
    root, exchange, instructor = base / "course", base / "exchange", base / "instructor-home"
    for d in (root, exchange, instructor):
        d.mkdir()
    exchange.chmod(0o777)  # nbgrader's exchange: shared by instructor and students
    shutil.copy(REPO / "nbgrader_config.py", root)
    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write("\n# the workflow test's course\n"
                 'c.LateSubmissionPlugin.penalty_method = "zero"\n'
                 f"c.Exchange.root = {str(exchange)!r}\n")
    shutil.copytree(REPO / "solutions" / CH, root / "solutions" / CH)
    env = _env(instructor)

    # --- the instructor: students, due date, release
    with open(root / "students.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "last_name", "first_name"])
        for student, (last, first) in STUDENTS.items():
            writer.writerow([student, last, first])
    _run(log, _nbgrader(["db", "student", "import", "students.csv"]), root, env)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    due = now + datetime.timedelta(hours=1)
    _run(log, _nbgrader(["db", "assignment", "add", CH,
                         f"--duedate={due.strftime('%Y-%m-%d %H:%M:%S UTC')}"]), root, env)
    _run(log, _nbgrader(["generate_assignment", CH]), root, env)
    _run(log, _nbgrader(["release_assignment", CH]), root, env)
    assert (exchange / "nnbio" / "outbound" / CH / f"{CH}.ipynb").exists()

    # --- the students: fetch, work, submit
    students = {}
    for student in STUDENTS:
        work = base / "students" / student
        (work / "home" / ".jupyter").mkdir(parents=True)
        (work / "home" / ".jupyter" / "nbgrader_config.py").write_text(
            f'c = get_config()\nc.CourseDirectory.course_id = "nnbio"\n'
            f"c.Exchange.root = {str(exchange)!r}\n")
        students[student] = work
    _run_students(log, students, lambda s: _nbgrader(["fetch_assignment", CH]))
    for student in ("ontime", "late"):
        _paste_solution(students[student] / CH / f"{CH}.ipynb")
    _run_students(log, students, lambda s: _nbgrader(["submit", CH, f"--student={s}"]))
    inbound = exchange / "nnbio" / "inbound"
    folders = {s: list(inbound.glob(f"{s}+{CH}+*")) for s in STUDENTS}
    assert all(len(f) == 1 for f in folders.values()), folders
    submitted_at = {s: (f[0] / "timestamp.txt").read_text().strip() for s, f in folders.items()}
    assert all(datetime.datetime.strptime(t, TIMESTAMP) < due.replace(tzinfo=None)
               for t in submitted_at.values()), (submitted_at, due)
    late_at = _utc(due + datetime.timedelta(hours=2))
    (folders["late"][0] / "timestamp.txt").write_text(late_at)
    submitted_at["late"] = late_at

    # --- the instructor: collect, grade with the engine, export
    proc = _run(log, _nbgrader(["collect", CH]), root, env)
    for student in STUDENTS:
        assert (root / "submitted" / student / CH / f"{CH}.ipynb").exists(), proc.stderr[-3000:]
        assert (root / "submitted" / student / CH / "timestamp.txt").read_text().strip() == \
            submitted_at[student]
    cmd = [sys.executable, "-m", "autograder.engine.cli", "--root", str(root), "autograde", CH,
           "--no-progress"]
    if os.geteuid() != 0:  # the sandbox reaches full isolation only as root (CI runs as root)
        cmd.append("--allow-weak-isolation")
    engine = _run(log, cmd, REPO, dict(os.environ, PATH=env["PATH"]), timeout=900)
    assert "3 submissions: 3 graded now" in engine.stdout, engine.stdout + engine.stderr
    _run(log, _nbgrader(["export"]), root, env)
    with open(root / "grades.csv", newline="") as fh:
        grades = {row["student_id"]: row for row in csv.DictReader(fh)}
    return {"base": base, "root": root, "exchange": exchange, "env": env, "log": log,
            "students": students, "due": due, "submitted_at": submitted_at, "grades": grades,
            "engine": engine.stdout + engine.stderr}


def test_the_export_has_every_timestamp_the_late_penalty_and_the_scores(course):
    """`nbgrader export` (CSV) after the engine, as after a stock autograde."""
    grades = course["grades"]
    assert set(grades) == set(STUDENTS), grades
    for student, row in grades.items():
        assert row["assignment"] == CH and float(row["max_score"]) == FULL, row
        # the submission's timestamp.txt, as nbgrader writes a datetime (UTC, no zone)
        submitted = datetime.datetime.strptime(course["submitted_at"][student], TIMESTAMP)
        assert row["timestamp"] and datetime.datetime.fromisoformat(row["timestamp"]) == \
            submitted, row
    ontime, late, blank = grades["ontime"], grades["late"], grades["blank"]
    assert (float(ontime["raw_score"]), float(ontime["late_submission_penalty"]),
            float(ontime["score"])) == (AUTO, 0.0, AUTO), ontime
    assert (float(late["raw_score"]), float(late["late_submission_penalty"]),
            float(late["score"])) == (AUTO, AUTO, 0.0), late
    assert (float(blank["raw_score"]), float(blank["late_submission_penalty"]),
            float(blank["score"])) == (0.0, 0.0, 0.0), blank


# ------------------------------------------------------------------ formgrader

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def formgrader(course):
    """A Jupyter server with nbgrader's formgrader for the course (only that extension;
    nothing from the machine's Jupyter configuration), stopped at the end."""
    root, base = course["root"], course["base"]
    port = _free_port()
    cmd = [sys.executable, "-m", "jupyter", "server", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
           f"--ServerApp.root_dir={root}",
           "--ServerApp.jpserver_extensions={'nbgrader.server_extensions.formgrader': True}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    env = _env(base / "instructor-home", JUPYTER_NO_CONFIG="1",
               JUPYTER_RUNTIME_DIR=str(base / "jupyter-runtime"),
               JUPYTER_DATA_DIR=str(base / "jupyter-data"))
    server_log = open(base / "jupyter-server.log", "w")
    # formgrader reads the course's nbgrader_config.py from its working directory
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=server_log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline, ready = time.monotonic() + SERVER_START_TIMEOUT, False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                req = urllib.request.Request(url + "/formgrader/api/status",
                                             headers={"Authorization": f"token {TOKEN}"})
                with urllib.request.urlopen(req, timeout=5) as resp:
                    ready = resp.status == 200
            except (urllib.error.URLError, OSError):
                pass
            if ready:
                break
            time.sleep(0.5)
        assert ready, (f"formgrader did not answer within {SERVER_START_TIMEOUT} s (exit "
                       f"{proc.poll()}):\n{(base / 'jupyter-server.log').read_text()[-3000:]}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        server_log.close()


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


class Formgrader:
    """One logged-in instructor's browser tab on formgrader; requests outside the server are
    refused (formgrader's grading page asks for MathJax from a CDN) and recorded."""

    def __init__(self, browser, url: str, shots: Path):
        self.url, self.shots = url, shots
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.outside, self.errors = [], []
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda e: self.errors.append(f"{self.page.url}: {e}"))
        self.page.set_default_timeout(30_000)
        # the token through Jupyter's login form: its cookie is valid for every path (a
        # ?token= on a formgrader page gives a cookie for that page's folder only, and the
        # page's own API requests are then sent to the login page)
        self.page.goto(f"{url}/login?next=/formgrader")
        self.page.fill("#password_input", TOKEN)
        with self.page.expect_navigation():
            self.page.press("#password_input", "Enter")

    def _route(self, route):
        if route.request.url.startswith(self.url + "/"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def open_table(self, path: str) -> list[dict]:
        """A formgrader page with a table filled by its script: the rows, cell class -> text."""
        self.page.goto(self.url + path)
        self.page.wait_for_function("typeof models !== 'undefined' && models.loaded === true")
        self.page.wait_for_timeout(300)  # DataTables redraws after the models load
        return self.page.eval_on_selector_all("#main-table tr", """rows => rows.map(r =>
            Object.fromEntries(Array.from(r.cells).map(c => [c.className.replace(
                /\\b(text-center|sorting_\\d)\\b/g, '').trim(), c.innerText.trim()])))""")

    def shot(self, name: str, full_page=True) -> None:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        shutil.copy(path, SHOTS / path.name)


@pytest.fixture(scope="module")
def fg(course, browser, formgrader, tmp_path_factory):  # no server without a browser
    tab = Formgrader(browser, formgrader, tmp_path_factory.mktemp("shots"))
    yield tab
    (SHOTS / "outside-requests.json").write_text(json.dumps(
        {"refused": sorted(set(tab.outside)), "page_errors": tab.errors}, indent=1))
    tab.page.close()


def _page_errors(fg) -> list[str]:
    # MathJax (from a CDN, refused here) is missing: the grading page's script stops after
    # loading the grades and comments, before its keyboard shortcuts (stock nbgrader offline)
    return [e for e in fg.errors if "MathJax" not in e]


def test_manage_submissions_lists_every_student_with_a_score(course, fg):
    rows = {r["student-id"]: r for r in fg.open_table(f"/formgrader/manage_submissions/{CH}")}
    fg.shot("1-manage-submissions")
    assert set(rows) == set(STUDENTS), rows
    for student, row in rows.items():
        assert row["status"] == "graded", row  # not "needs autograding"
        assert row["timestamp"] not in ("", "None"), row
    # formgrader shows the score before the late penalty (the export subtracts it)
    assert rows["ontime"]["score"] == rows["late"]["score"] == f"{AUTO:g} / {FULL:g}", rows
    assert rows["blank"]["score"] == f"0 / {FULL:g}", rows
    assert _page_errors(fg) == []


@pytest.mark.parametrize("student,score", [("ontime", f"{AUTO:g} / {FULL:g}"),
                                           ("late", f"{AUTO:g} / {FULL:g}"),
                                           ("blank", f"0 / {FULL:g}")])
def test_a_students_page_shows_the_score(course, fg, student, score):
    rows = fg.open_table(f"/formgrader/manage_students/{student}")
    fg.shot(f"2-student-{student}")
    assert len(rows) == 1 and rows[0]["name"] == CH, rows  # not "01-neuron (not autograded)"
    assert rows[0]["score"] == score, rows
    rows = fg.open_table(f"/formgrader/manage_students/{student}/{CH}")
    fg.shot(f"3-student-{student}-notebooks")
    assert len(rows) == 1 and rows[0]["name"] == CH and rows[0]["score"] == score, rows
    assert _page_errors(fg) == []


def _open_grading_page(fg, student: str) -> None:
    """From the student's notebook list to the grading page of the submission, as a click."""
    fg.open_table(f"/formgrader/manage_students/{student}/{CH}")
    with fg.page.expect_navigation():
        fg.page.click(f"#main-table a:text-is('{CH}')")
    assert "/formgrader/submissions/" in fg.page.url, fg.page.url
    fg.page.wait_for_function("formgrader.grades && formgrader.grades.loaded === true && "
                              "formgrader.comments && formgrader.comments.loaded === true")


def test_the_grading_page_shows_the_autograded_notebook(course, fg):
    _open_grading_page(fg, "ontime")
    fg.shot("4-grading-page-ontime")
    fg.page.locator("input.score#test_step").scroll_into_view_if_needed()
    fg.shot("4b-grading-page-ontime-step", full_page=False)
    text = fg.page.inner_text("body")
    assert "step: visible checks passed" in text  # the cell's output when the sandbox ran it
    for function, points in (("step", 5), ("neuron", 5), ("perceptron_update", 6),
                             ("train_perceptron", 8), ("xor_network", 3)):
        assert f"{function}: {points} / {points} points" in text, function
        # the test cell's score box shows the autograded score (its placeholder)
        assert fg.page.get_attribute(f"input.score#test_{function}", "placeholder") == \
            f"{points}", function
    assert _page_errors(fg) == []


@pytest.fixture(scope="module")
def hand_graded(course, fg):
    """The instructor gives ``blank`` 2 points on test_step and a comment on the answer cell
    ``step``, typed into formgrader's grading page."""
    _open_grading_page(fg, "blank")
    page = fg.page
    grade_id = page.evaluate("formgrader.grades.findWhere({name: 'test_step'}).id")
    with page.expect_response(lambda r: r.request.method == "PUT"
                              and r.url.endswith(f"/formgrader/api/grade/{grade_id}")) as put:
        page.fill("input.score#test_step", str(int(MANUAL_STEP_SCORE)))
        page.locator("input.score#test_step").blur()  # formgrader saves on change
    assert put.value.status == 200, put.value.text()
    with page.expect_response(lambda r: r.request.method == "PUT"
                              and "/formgrader/api/comment/" in r.url) as put_comment:
        page.fill("textarea#step-comment", COMMENT)
        page.locator("textarea#step-comment").blur()
    assert put_comment.value.status == 200, put_comment.value.text()
    page.reload()
    page.wait_for_function("formgrader.grades && formgrader.grades.loaded === true && "
                           "formgrader.comments && formgrader.comments.loaded === true")
    page.locator("textarea#step-comment").scroll_into_view_if_needed()
    fg.shot("5-grading-page-blank-comment-after-reload", full_page=False)
    page.locator("input.score#test_step").scroll_into_view_if_needed()
    fg.shot("5b-grading-page-blank-manual-score-after-reload", full_page=False)
    after = {"score": page.input_value("input.score#test_step"),
             "comment": page.input_value("textarea#step-comment")}
    rows = {r["student-id"]: r for r in fg.open_table(f"/formgrader/manage_submissions/{CH}")}
    fg.shot("6-manage-submissions-after-manual-grade")
    return {"after_reload": after, "rows": rows}


def test_a_manual_grade_entered_in_formgrader_persists(course, hand_graded):
    from nbgrader.api import Gradebook

    assert hand_graded["after_reload"] == {"score": "2", "comment": COMMENT}, hand_graded
    assert hand_graded["rows"]["blank"]["score"] == f"2 / {FULL:g}", hand_graded["rows"]
    assert hand_graded["rows"]["ontime"]["score"] == f"{AUTO:g} / {FULL:g}", hand_graded["rows"]
    with Gradebook(f"sqlite:///{course['root'] / 'gradebook.db'}", course_id="nnbio") as gb:
        grade = gb.find_grade("test_step", CH, CH, "blank")
        assert (grade.auto_score, grade.manual_score, grade.score) == \
            (0.0, MANUAL_STEP_SCORE, MANUAL_STEP_SCORE)
        assert gb.find_comment("step", CH, CH, "blank").manual_comment == COMMENT
        assert gb.find_submission(CH, "blank").score == MANUAL_STEP_SCORE


# ------------------------------------------------------------------ feedback

def _screenshot_feedback(browser, page_path: Path, out: Path) -> None:
    """The student's feedback page as the student's browser shows it (files only)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
               else r.abort())
    page.goto(page_path.resolve().as_uri())
    page.get_by_text(COMMENT).first.scroll_into_view_if_needed()
    page.screenshot(path=str(out))
    page.close()


def _chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def test_students_fetch_feedback_with_what_ran_and_no_hidden_tests(course, request):
    """`nbgrader generate_feedback`, `release_feedback`, then each student's
    `fetch_feedback`: the student's own HTML with the outputs of the cells that ran and the
    hidden tests' feedback, not their source (after the manual grade, when there is a
    browser: the instructor's comment reaches ``blank``)."""
    hand = None
    if _chromium_available():
        try:
            hand = request.getfixturevalue("hand_graded")
        except Exception:  # noqa: BLE001 - the manual-grade test reports it; go on without
            hand = None
    root, env, log, students = course["root"], course["env"], course["log"], course["students"]
    _run(log, _nbgrader(["generate_feedback", CH]), root, env)
    _run(log, _nbgrader(["release_feedback", CH]), root, env)
    assert len(list((course["exchange"] / "nnbio" / "feedback").glob("*.html"))) == 3
    _run_students(log, students, lambda s: _nbgrader(["fetch_feedback", CH, f"--student={s}"]))
    hidden = _hidden_test_lines()
    texts, outputs = {}, {}
    for student, work in students.items():
        found = list((work / CH / "feedback").glob(f"*/{CH}.html"))
        assert len(found) == 1, (student, found)  # the student's own feedback, once
        shutil.copy(found[0], SHOTS / f"feedback-{student}.html")
        text, outputs[student] = _html_text(found[0].read_text())
        texts[student] = text
        for marker in ("from autograder", "BEGIN HIDDEN", "END HIDDEN", "BEGIN SOLUTION"):
            assert marker not in text, (student, marker)
        assert sorted(ln for ln in hidden if ln in text) == [], student
    for student in ("ontime", "late"):
        for function, points in (("step", 5), ("neuron", 5), ("perceptron_update", 6),
                                 ("train_perceptron", 8), ("xor_network", 3)):
            # what the checks cell printed when the sandbox ran it; the hidden tests' verdict
            assert f"{function}: visible checks passed" in outputs[student], (student, function)
            assert f"{function}: {points} / {points} points" in outputs[student], \
                (student, function)
    assert "step: 0 / 5 points" in outputs["blank"]
    assert "NotImplementedError" in outputs["blank"]
    assert "visible checks passed" not in outputs["blank"]
    if hand is not None:
        _screenshot_feedback(request.getfixturevalue("browser"), SHOTS / "feedback-blank.html",
                             SHOTS / "7-feedback-blank.png")
        assert COMMENT in texts["blank"]
        assert COMMENT not in texts["ontime"] + texts["late"]
