"""The second red team: submissions that tried to stop, hang, fool or read the grader.

One course holds innocent students (full solutions, a blank notebook) beside every attack an
independent red team found. The class is graded by the instructor's command, in a separate
process with a deadline (an attack that hangs the grader fails here instead of hanging the
suite), with a gradebook URL that holds a secret. Every test names the attack it holds.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.engine import registry
from autograder.engine.jobs import load_state

REPO = Path(__file__).resolve().parents[1]
CH = "02-activations"
SECRET = "s3cretPASSWORDmarker"
NBGRADER_SECRET = "3f6a9c0e-submission-secret"
LIMITS = ["call_seconds=10", "cell_seconds=15", "notebook_seconds=40",
          "submission_seconds=120", "memory_mb=2048"]
pytestmark = pytest.mark.slow
INNOCENT = ("innocent_a", "innocent_b", "innocent_c", "innocent_d", "innocent_e", "innocent_f")


def _solution():
    return json.loads((REPO / "solutions" / CH / f"{CH}.ipynb").read_text())


def _with_softmax(code: str, nb=None):
    """The solution with a cell redefining softmax just before softmax's hidden-test cell."""
    nb = nb or _solution()
    ids = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
    nb["cells"].insert(ids.index("test_softmax"), {
        "cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
        "source": code})
    return nb


SOFTMAX_ATTACKS = {
    # writes a message header and one byte on the pipe to the grader, then sleeps
    "half_message": """
import os, stat, struct, time
def softmax(z, axis=-1):
    for fd in range(3, 256):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.write(fd, struct.pack("!i", 1000) + b"x")
        except OSError:
            pass
    time.sleep(10 ** 6)
""",
    # 300 M booleans: inside the sandbox's memory, 2.4 GB as float64 on the grader's side
    "huge_bool_array": """
import numpy as np
def softmax(z, axis=-1):
    return np.ones(300_000_000, dtype=bool)
""",
    "huge_string": """
def softmax(z, axis=-1):
    return ["A" * 8_000_000]
""",
    # the hidden input, as a string: feedback must not show it
    "returns_hidden_input": """
def softmax(z, axis=-1):
    return ["LEAK" + repr(z.tolist())]
""",
    # every other process's command line (the grader's gradebook URL holds a password)
    "reads_other_processes": """
import os
def softmax(z, axis=-1):
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    found.append(fh.read().replace(b"\\0", b" ").decode(errors="replace"))
            except OSError:
                pass
    raise RuntimeError(f"PIDS={len(found)} " + " | ".join(found))
""",
    # the grader's own files: the bank of bugs (run on the trusted side for the diagnosis),
    # the hidden tests and the reference, by path and by import
    "reads_the_grader": f"""
def softmax(z, axis=-1):
    read = []
    for path in {[str(REPO / "tests" / CH / "bank.py"), str(REPO / "autograder" / CH / "tests.py"),
                  str(REPO / "autograder" / CH / "reference.py")]!r}:
        try:
            with open(path) as fh:
                read.append(fh.read(200))
        except OSError:
            pass
    try:
        from autograder.engine.bank import load_bank
        read.append(str(len(load_bank({CH!r}).mutants)))
    except Exception:
        pass
    raise RuntimeError(f"READ={{len(read)}} " + " | ".join(read))
""",
    # processes that fork and exit (changing pid), leave the session, and grow shared memory
    "escaping_processes": """
import os, time
def _wander():
    start = time.time()
    for i in range(10 ** 7):
        if time.time() - start > 300:
            break
        try:
            if os.fork():
                os._exit(0)
        except OSError:
            time.sleep(0.01)
            continue
        try:
            os.setsid()
        except OSError:
            pass
        if i % 200 == 0:
            try:
                with open(f"/dev/shm/grow-{os.getpid()}", "wb") as fh:
                    fh.write(b"x" * (1 << 20))
            except OSError:
                pass
def softmax(z, axis=-1):
    for _ in range(2):
        if os.fork() == 0:
            try:
                _wander()
            finally:
                os._exit(0)
    import numpy as np
    return np.zeros_like(z)
""",
    # files in every writable place: shared memory and scratch files count in one budget
    "fills_scratch": """
import os
def softmax(z, axis=-1):
    total, chunk = 0, b"x" * (1 << 20)
    for folder in ("/dev/shm", "/tmp", "."):
        try:
            for i in range(200):  # files of 32 MB (each file is also limited in size)
                with open(os.path.join(folder, f"fill-{i}.bin"), "wb") as fh:
                    for _ in range(32):
                        fh.write(chunk)
                        fh.flush()
                        total += 1
        except OSError:
            pass
    raise RuntimeError(f"WROTE {total} MB")
""",
    # anonymous memory outside the address-space limit
    "memfd_and_sysv_shm": """
import os, ctypes
def softmax(z, axis=-1):
    made = []
    try:
        made.append(os.memfd_create("hog"))
    except OSError as exc:
        made.append(f"memfd refused: {exc.errno}")
    libc = ctypes.CDLL(None, use_errno=True)
    made.append(f"shmget {libc.shmget(0, 1 << 30, 0o1600)}")
    raise RuntimeError(f"RESULT {made}")
""",
}


def _write(d: Path, nb) -> None:
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{CH}.ipynb").write_text(json.dumps(nb))


@pytest.fixture(scope="module")
def hardened(tmp_path_factory):
    root = tmp_path_factory.mktemp("hardening")
    shutil.copy(REPO / "nbgrader_config.py", root)
    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write("\nc.LateSubmissionPlugin.penalty_method = 'zero'\n")
    shutil.copytree(REPO / "solutions" / CH, root / "solutions" / CH)
    sub = root / "submitted"
    for student in INNOCENT:
        _write(sub / student / CH, _solution())
    _write(sub / "blank" / CH, json.loads((REPO / "exercises" / CH / f"{CH}.ipynb").read_text()))
    for name, code in SOFTMAX_ATTACKS.items():
        _write(sub / f"attack_{name}" / CH, _with_softmax(code))

    # --- files that stopped the whole class before any submission was graded
    d = sub / "non_utf8_name" / CH
    _write(d, _solution())
    with open(os.path.join(os.fsencode(d), b"notes-caf\xe9.txt"), "wb") as fh:
        fh.write(b"unzip left a Windows name")
    d = sub / "sparse_terabyte" / CH
    _write(d, _solution())
    with open(d / "data.bin", "wb") as fh:
        fh.truncate(1 << 40)
    d = sub / "link_to_proc_mem" / CH
    _write(d, _solution())
    os.symlink("/proc/self/mem", d / "memory.bin")
    nb = _solution()
    next(c for c in nb["cells"] if c["cell_type"] == "markdown")["metadata"] = "oops"
    _write(sub / "string_metadata" / CH, nb)

    # --- the notebook itself is not a regular file of the submission
    d = sub / "notebook_fifo" / CH
    d.mkdir(parents=True)
    os.mkfifo(d / f"{CH}.ipynb")
    d = sub / "notebook_dev_zero" / CH
    d.mkdir(parents=True)
    os.symlink("/dev/zero", d / f"{CH}.ipynb")
    d = sub / "notebook_links_solution" / CH
    d.mkdir(parents=True)
    os.symlink(f"../../../solutions/{CH}/{CH}.ipynb", d / f"{CH}.ipynb")
    (sub / "folder_links_solution").mkdir()
    os.symlink(f"../../solutions/{CH}", sub / "folder_links_solution" / CH)

    # --- injection
    nb = _solution()
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    cell["outputs"] = [{"output_type": "display_data", "metadata": {},
                        "data": {"text/html": "<script>alert('forged')</script>"}}]
    _write(sub / "forged_html_output" / CH, nb)
    _write(sub / '=HYPERLINK("evil.example","x")' / CH, _solution())

    # --- honest work in an unusual form, and late work
    import nbformat

    v3 = nbformat.writes(nbformat.convert(nbformat.reads(json.dumps(_solution()), as_version=4),
                                          3), version=3)
    (sub / "nbformat3" / CH).mkdir(parents=True)
    (sub / "nbformat3" / CH / f"{CH}.ipynb").write_text(v3)
    d = sub / "late" / CH
    _write(d, _solution())
    (d / "timestamp.txt").write_text("2026-01-10 13:00:00.000000 UTC")
    (d / "submission_secret.txt").write_text(NBGRADER_SECRET)  # as nbgrader collect leaves it

    # the chapter is due an hour before `late` submitted
    from autograder.engine import gradebook

    db_url = f"sqlite:///{root / ('gradebook-' + SECRET + '.db')}"
    gradebook.ensure_assignments(root, [CH], db_url)
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id="nnbio") as gb:
        gb.update_or_create_assignment(CH, duedate="2026-01-10 12:00:00 UTC")

    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="nnbio-h-", dir="/tmp"))  # short: a socket lives below
    env = dict(os.environ, TMPDIR=str(tmp))
    cmd = [sys.executable, "-m", "autograder.engine.cli", "--root", str(root), "--db", db_url,
           "autograde", CH, "--workers", "2", "--no-progress"]
    for limit in LIMITS:
        cmd += ["--limit", limit]
    try:
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=900)
        out = {"rc": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}
    except subprocess.TimeoutExpired as exc:
        out = {"rc": "timeout", "stdout": str(exc.stdout), "stderr": str(exc.stderr)}
    uids = set()
    for state_file in (root / "autograded").rglob("grading.json"):
        uids.add(json.loads(state_file.read_text()).get("uid"))
    after = _sandbox_processes(uids - {None})
    report = subprocess.run([sys.executable, "-m", "autograder.engine.cli", "--root", str(root), "--db",
                             db_url, "report", CH], cwd=REPO, capture_output=True, text=True,
                            timeout=300)
    return {"root": root, "run": out, "tmp": tmp, "db_url": db_url, "left": after,
            "report": report}


def _sandbox_processes(uids: set[int]) -> list[tuple[int, int]]:
    """Live processes running under one of this run's sandbox uids (``uids``; before uids
    were recorded, the old fixed range). Other test files' sandboxes may run meanwhile."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        uid = int(next(ln for ln in status.splitlines() if ln.startswith("Uid:")).split()[1])
        state = next(ln for ln in status.splitlines() if ln.startswith("State:")).split()[1]
        if (uid in uids if uids else 61000 <= uid < 81000) and state != "Z":
            found.append((int(pid), uid))
    return found


def _state(course, student):
    state = load_state(course["root"], student, CH)
    assert state is not None, f"{student}: no result stored; run: {course['run']}"
    return state


def _points(state):
    return {f["function"]: f["points"] for f in state.functions}


def _full(state) -> bool:
    return state.status == "graded" and all(f["points"] == f["max_points"]
                                               for f in state.functions)


def _report(state, fn="softmax"):
    return next(f["report"] for f in state.functions if f["function"] == fn)


FULL = registry.suite(CH).max_points


# ------------------------------------------------------------ the class is always graded

def test_the_command_finishes_and_grades_everyone(hardened):
    assert hardened["run"]["rc"] == 0, hardened["run"]


@pytest.mark.parametrize("student", INNOCENT + ("non_utf8_name", "sparse_terabyte",
                                                "link_to_proc_mem", "string_metadata"))
def test_innocent_and_odd_but_honest_submissions_get_full_marks(hardened, student):
    state = _state(hardened, student)
    assert _full(state), state


@pytest.mark.parametrize("student,shown", [("sparse_terabyte", "data.bin"),
                                           ("link_to_proc_mem", "memory.bin")])
def test_files_left_out_are_named_with_the_reason(hardened, student, shown):
    notes = " ".join(_state(hardened, student).notes)
    assert shown in notes and "left out" in notes, notes


# ------------------------------------------------------------ every wait has a deadline

def test_half_a_message_times_out_and_costs_only_softmax(hardened):
    state = _state(hardened, "attack_half_message")
    pts = _points(state)
    assert pts["softmax"] == 0 and "time limit" in _report(state), _report(state)
    assert all(p == FULL(fn) for fn, p in pts.items() if fn != "softmax"), pts


@pytest.mark.parametrize("student,reason", [
    ("notebook_fifo", "named pipe"), ("notebook_dev_zero", "symbolic link"),
    ("notebook_links_solution", "symbolic link"), ("folder_links_solution", "not followed")])
def test_a_notebook_or_folder_that_is_not_a_regular_file_is_ungradable(hardened, student, reason):
    state = _state(hardened, student)
    assert state.status == "ungradable" and reason in state.reason, state
    assert sum(_points(state).values()) == 0


# ------------------------------------------------------------ the trusted side has budgets

def test_a_huge_array_is_refused_before_it_is_converted(hardened):
    state = _state(hardened, "attack_huge_bool_array")
    pts = _points(state)
    assert pts["softmax"] == 0 and "MB" in _report(state), _report(state)
    assert all(p == FULL(fn) for fn, p in pts.items() if fn != "softmax"), pts


def test_a_huge_string_does_not_make_huge_files(hardened):
    root = hardened["root"]
    folder = root / "autograded" / "attack_huge_string" / CH
    for name in ("grading.json", f"{CH}.ipynb"):
        assert (folder / name).stat().st_size < 500_000, name
    page = root / "reports" / "feedback" / "attack_huge_string" / f"{CH}.html"
    assert page.stat().st_size < 200_000
    assert _points(_state(hardened, "attack_huge_string"))["softmax"] == 0


# ------------------------------------------------------------ nothing leaks

def test_solutions_never_reach_a_students_files(hardened):
    for student in ("notebook_links_solution", "folder_links_solution"):
        for path in (hardened["root"] / "autograded" / student).rglob("*"):
            if path.is_file():
                assert "BEGIN SOLUTION" not in path.read_text(errors="replace"), path
        page = hardened["root"] / "reports" / "feedback" / student / f"{CH}.html"
        assert "BEGIN SOLUTION" not in page.read_text()


def test_the_sandbox_sees_no_other_process_and_no_secret(hardened):
    state = _state(hardened, "attack_reads_other_processes")
    text = json.dumps(state.to_json())
    assert SECRET not in text
    seen = int(_report(state).split("PIDS=")[1].split()[0])
    assert seen <= 3, _report(state)  # its init, itself, maybe a child


def test_the_sandbox_cannot_read_the_bank_the_hidden_tests_or_the_reference(hardened):
    report = _report(_state(hardened, "attack_reads_the_grader"))
    assert "READ=0 " in report, report


def test_feedback_does_not_print_a_hidden_input(hardened):
    state = _state(hardened, "attack_returns_hidden_input")
    assert "LEAK" not in json.dumps(state.to_json())
    page = hardened["root"] / "reports" / "feedback" / "attack_returns_hidden_input" / f"{CH}.html"
    assert "LEAK" not in page.read_text()


def test_no_process_outlives_grading_and_uids_are_fresh(hardened):
    assert hardened["left"] == [], hardened["left"]
    states = [_state(hardened, s) for s in INNOCENT + ("attack_escaping_processes",)]
    assert len({s.uid for s in states}) == len(states)  # one uid per submission
    isolation = {_state(hardened, s).isolation for s in INNOCENT}
    assert isolation == {"full"}, isolation
    # the escaping processes cost the attacker nothing else and the innocent nothing at all
    assert all(_full(_state(hardened, s)) for s in INNOCENT)


def test_shared_memory_and_scratch_files_share_one_budget(hardened):
    rep = _report(_state(hardened, "attack_fills_scratch"))
    wrote = int(rep.split("WROTE ")[1].split()[0])
    assert 0 < wrote <= 256 + 16, rep  # scratch_mb (default 256), not one budget per folder


def test_anonymous_shared_memory_is_refused(hardened):
    rep = _report(_state(hardened, "attack_memfd_and_sysv_shm"))
    assert "memfd refused" in rep and "shmget -1" in rep, rep


def test_temporary_folders_are_cleaned_up(hardened):
    left = sorted(p.name for p in hardened["tmp"].iterdir())
    shutil.rmtree(hardened["tmp"], ignore_errors=True)
    assert left == []


# ------------------------------------------------------------ injection

def test_forged_outputs_are_cleared(hardened):
    nb = (hardened["root"] / "autograded" / "forged_html_output" / CH / f"{CH}.ipynb").read_text()
    assert "<script>" not in nb and "forged" not in nb
    assert _full(_state(hardened, "forged_html_output"))


def test_csv_cells_never_start_a_formula(hardened):
    import csv

    assert "HYPERLINK" in (hardened["root"] / "reports" / "summary.csv").read_text()
    for name in ("summary.csv", "grades.csv", "timings.csv"):
        with open(hardened["root"] / "reports" / name, newline="") as fh:
            for row in csv.reader(fh):
                assert not any(cell.startswith(("=", "+", "@")) for cell in row), (name, row)
    assert hardened["report"].returncode == 0, hardened["report"].stderr


# ------------------------------------------------------------ honest work in odd forms

def test_an_nbformat_3_notebook_is_converted_and_graded(hardened):
    assert _full(_state(hardened, "nbformat3"))


def test_late_work_gets_the_configured_penalty(hardened):
    con = sqlite3.connect(hardened["db_url"].removeprefix("sqlite:///"))
    rows = dict(con.execute(
        "select student.id, submitted_notebook.late_submission_penalty from submitted_notebook "
        "join submitted_assignment on submitted_notebook.assignment_id = submitted_assignment.id "
        "join student on submitted_assignment.student_id = student.id").fetchall())
    timestamp = con.execute(
        "select timestamp from submitted_assignment join student on student_id = student.id "
        "where student.id = 'late'").fetchone()[0]
    con.close()
    assert timestamp and timestamp.startswith("2026-01-10 13:00"), timestamp
    assert rows["late"] == sum(FULL(f) for f in registry.suite(CH).functions())  # 'zero'
    assert _full(_state(hardened, "late"))  # the points themselves are kept
    assert not rows.get("innocent_a")


def test_nbgrader_feedback_tools_work_after_the_engine(hardened, tmp_path):
    """Stock `nbgrader generate_feedback` and `release_feedback` read timestamp.txt and
    submission_secret.txt beside the autograded notebook: the engine keeps them there, as
    `nbgrader autograde` does (before, release_feedback failed with FileNotFoundError)."""
    root, late = hardened["root"], Path("late") / CH
    assert (root / "autograded" / late / "timestamp.txt").read_text() == \
        (root / "submitted" / late / "timestamp.txt").read_text()
    assert (root / "autograded" / late / "submission_secret.txt").read_text() == NBGRADER_SECRET
    assert not (root / "autograded" / "innocent_a" / CH / "timestamp.txt").exists()
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)  # nbgrader's exchange: shared by instructor and students
    common = [f"--CourseDirectory.db_url={hardened['db_url']}", "--CourseDirectory.course_id=nnbio",
              f"--Exchange.root={exchange}", "--student=late"]
    nbgrader = [sys.executable, "-m", "nbgrader"]
    for command in ("generate_feedback", "release_feedback"):
        proc = subprocess.run(nbgrader + [command, CH, *common], cwd=root, capture_output=True,
                              text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    page = (root / "feedback" / late / f"{CH}.html").read_text()
    # what the sandbox ran shows: the visible checks' output, next to the hidden-test feedback
    shown = page.count("visible checks passed") - page.count('visible checks passed"')  # not source
    assert shown >= 3 and "[PASS]" in page, page[-3000:]
    released = list((exchange / "nnbio" / "feedback").glob("*.html"))
    assert len(released) == 1


# ------------------------------------------------------------ failing closed

def test_a_sandbox_below_the_policy_is_refused_unless_the_instructor_allows_it(tmp_path):
    """A property no sandbox here reaches stands in for a machine without namespaces."""
    from autograder.engine.scheduler import grade_class

    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    shutil.copytree(REPO / "solutions" / CH, tmp_path / "solutions" / CH)
    _write(tmp_path / "submitted" / "alice" / CH, _solution())
    with pytest.raises(RuntimeError, match="minimum isolation.*cgroup.*--allow-weak-isolation"):
        grade_class(tmp_path, [CH], workers=1, progress=False, require=("pid", "cgroup"))
    state = load_state(tmp_path, "alice", CH)
    assert state.status == "ungradable" and state.key is None  # graded again next time
    summary = grade_class(tmp_path, [CH], workers=1, progress=False, require=("pid", "cgroup"),
                          allow_weak_isolation=True)
    assert summary["graded_now"] == 1 and summary["weak_isolation"]
    assert _full(load_state(tmp_path, "alice", CH))


# ------------------------------------------------------------ a dying grading worker

def test_a_submission_whose_worker_died_is_stored_with_the_reason_and_graded_next_run(tmp_path):
    """Workers that cannot even start (an address-space limit too small for torch) die on
    every attempt: the submission is stored with the reason and no key, the command says the
    grader failed, and the next run, with a sane limit, grades it."""
    from autograder.engine.scheduler import grade_class

    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    shutil.copytree(REPO / "solutions" / CH, tmp_path / "solutions" / CH)
    _write(tmp_path / "submitted" / "alice" / CH, _solution())
    with pytest.raises(RuntimeError, match="every submission failed inside the grader"):
        grade_class(tmp_path, [CH], workers=1, progress=False,
                    limits={"grader_memory_mb": 300})
    state = load_state(tmp_path, "alice", CH)
    assert state.status == "ungradable" and state.key is None, state
    assert "worker process" in state.reason and "2 attempts" in state.reason, state
    summary = grade_class(tmp_path, [CH], workers=1, progress=False)
    assert summary["graded_now"] == 1 and _full(load_state(tmp_path, "alice", CH))
