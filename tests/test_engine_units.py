"""Unit tests of the engine's defensive parts: safe reading of submissions, bounded messages,
the worker pool that survives a dying worker, text made safe to show, the uid claims and
the system-call filter. Fast: no notebook is graded here."""
from __future__ import annotations

import json
import os
import socket
import struct
import time
from pathlib import Path

import numpy as np
import pytest

from autograder.engine import files, notebook, pool, seccomp, text
from autograder.engine.remote import (
    IsolationPolicy,
    MessageTooLarge,
    UidClaim,
    describe_isolation,
    read_message,
)
from autograder.engine.testing import Failure, to_array

# ------------------------------------------------------------ files

def _course(tmp_path, student="s", chapter="01-x"):
    d = tmp_path / "submitted" / student / chapter
    d.mkdir(parents=True)
    return d


def test_scan_reads_regular_files_and_refuses_the_rest(tmp_path):
    d = _course(tmp_path)
    (d / "01-x.ipynb").write_text('{"cells": []}')
    (d / "data.csv").write_text("a,b\n")
    os.symlink("/etc/passwd", d / "link.txt")
    os.mkfifo(d / "pipe")
    with open(os.path.join(os.fsencode(d), b"caf\xe9.txt"), "wb") as fh:
        fh.write(b"x")
    with open(d / "sparse.bin", "wb") as fh:
        fh.truncate(1 << 40)
    staged = tmp_path / "staged"
    staged.mkdir()
    snap = files.scan(tmp_path, "s", "01-x", copy_to=staged)
    assert snap.notebook == b'{"cells": []}' and not snap.problem
    assert sorted(p.name for p in staged.iterdir()) == sorted(
        ["01-x.ipynb", "data.csv", os.fsdecode(b"caf\xe9.txt")])
    assert set(snap.skipped) == {"link.txt", "pipe", "sparse.bin"}
    assert "symbolic link" in snap.skipped["link.txt"] and "named pipe" in snap.skipped["pipe"]
    assert files.display_name(os.fsdecode(b"caf\xe9.txt")) == "caf\\xe9.txt"


def test_scan_digest_follows_content_and_submission_time(tmp_path):
    d = _course(tmp_path)
    (d / "01-x.ipynb").write_text("{}")
    first = files.scan(tmp_path, "s", "01-x").digest
    os.utime(d / "01-x.ipynb", (0, 0))
    assert files.scan(tmp_path, "s", "01-x").digest == first
    (d / "timestamp.txt").write_text("2026-01-01 00:00:00 UTC")  # a resubmission, later
    second = files.scan(tmp_path, "s", "01-x")
    assert second.digest != first and second.timestamp == "2026-01-01 00:00:00 UTC"
    (d / "01-x.ipynb").write_text("{ }")
    assert files.scan(tmp_path, "s", "01-x").digest != second.digest


@pytest.mark.parametrize("make", ["notebook_symlink", "notebook_fifo", "folder_symlink",
                                  "student_symlink"])
def test_scan_refuses_links_and_pipes_for_the_notebook_and_folders(tmp_path, make):
    target = tmp_path / "solutions" / "01-x"
    target.mkdir(parents=True)
    (target / "01-x.ipynb").write_text("SECRET")
    sub = tmp_path / "submitted"
    if make == "notebook_symlink":
        d = _course(tmp_path)
        os.symlink(target / "01-x.ipynb", d / "01-x.ipynb")
    elif make == "notebook_fifo":
        d = _course(tmp_path)
        os.mkfifo(d / "01-x.ipynb")
    elif make == "folder_symlink":
        (sub / "s").mkdir(parents=True)
        os.symlink(target, sub / "s" / "01-x")
    else:
        sub.mkdir()
        (tmp_path / "elsewhere" / "01-x").mkdir(parents=True)
        os.symlink(tmp_path / "elsewhere", sub / "s")
    assert files.has_folder(tmp_path, "s", "01-x")
    start = time.monotonic()
    try:
        snap = files.scan(tmp_path, "s", "01-x")
    except files.Unreadable as exc:
        assert "not followed" in str(exc)
    else:
        assert snap.problem and snap.notebook is None, snap
    assert time.monotonic() - start < 5  # a FIFO is never waited on


def test_notebook_parse_converts_nbformat_3_and_cleans_outputs():
    import nbformat

    nb4 = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nb4.cells[0].outputs = [nbformat.v4.new_output("display_data", {"text/html": "<script>"})]
    v3 = nbformat.writes(nbformat.convert(nb4, 3), version=3).encode()
    parsed = notebook.parse(v3)
    assert parsed["nbformat"] == 4 and notebook.cell_source(parsed["cells"][0]) == "x = 1"
    cleaned = notebook.clean(parsed)
    assert cleaned["cells"][0]["outputs"] == [] and "<script>" not in json.dumps(cleaned)
    odd = {"cells": [{"cell_type": "code", "metadata": "oops", "source": ["a", 1]}, "junk"]}
    assert notebook.cell_meta(odd["cells"][0]) == {} and notebook.grade_id(odd["cells"][1]) == ""
    assert notebook.clean(odd)["cells"][0]["metadata"] == {}
    for bad in (b"\xff", b"[1]", b"{not json"):
        with pytest.raises(notebook.NotANotebook):
            notebook.parse(bad)


# ------------------------------------------------------------ messages with deadlines

def test_read_message_times_out_on_half_a_message():
    a, b = socket.socketpair()
    a.sendall(struct.pack("!i", 1000) + b"x")
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        read_message(b.fileno(), time.monotonic() + 0.5, 10_000)
    assert time.monotonic() - start < 2


def test_read_message_refuses_an_oversized_message_before_reading_it():
    a, b = socket.socketpair()
    a.sendall(struct.pack("!i", 50_000_000))
    with pytest.raises(MessageTooLarge):
        read_message(b.fileno(), time.monotonic() + 1, 1_000_000)
    a.sendall(struct.pack("!i", 3) + b"abc")
    assert read_message(b.fileno(), time.monotonic() + 1, 10) == b"abc"


def test_to_array_never_converts_a_value_far_larger_than_expected():
    big = np.ones(50_000_000, dtype=bool)
    with pytest.raises(Failure, match="expected shape"):
        to_array(big, "softmax", (3, 4))
    with pytest.raises(Failure) as info:
        to_array(["LEAK[1.5, 2.5]"], "softmax")
    assert "LEAK" not in str(info.value)


# ------------------------------------------------------------ text

def test_shorten_escapes_and_caps():
    s = text.shorten("A" * 100_000 + "\x1b[31m", 200)
    assert len(s) <= 200 and "100,005 characters" in s
    assert text.shorten("bell\x07") == "bell\\x07"
    assert text.cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and text.cell(-1.5) == -1.5
    assert text.cell("@SUM") == "'@SUM" and text.cell("alice") == "alice"


# ------------------------------------------------------------ the pool

def _task(job):
    name, marker = job
    if name == "dies_once" and not os.path.exists(marker):
        Path(marker).write_text("died")
        os._exit(9)
    if name == "always_dies":
        os.kill(os.getpid(), 9)
    if name == "hangs":
        time.sleep(60)
    if name == "raises":
        raise ValueError("boom")
    return f"ok {name}"


def test_a_dying_worker_costs_only_its_job_which_is_retried_once(tmp_path):
    marker = str(tmp_path / "marker")
    jobs = [(n, marker) for n in ("a", "dies_once", "b", "always_dies", "c", "hangs", "raises")]
    seconds = {"hangs": 3.0}
    out = dict((job[0], res) for job, res in pool.run(
        jobs, _task, 2, lambda job: seconds.get(job[0], 60.0)))
    assert out["a"] == "ok a" and out["b"] == "ok b" and out["c"] == "ok c"
    assert out["dies_once"] == "ok dies_once"
    assert isinstance(out["always_dies"], pool.WorkerDied) and "SIGKILL" in str(out["always_dies"])
    assert isinstance(out["hangs"], pool.WorkerDied) and "3 s" in str(out["hangs"])
    assert isinstance(out["raises"], ValueError)


# ------------------------------------------------------------ isolation policy, uids, seccomp

def test_policy_fails_closed_unless_weak_isolation_is_allowed():
    full = dict.fromkeys(("filesystem", "network", "pid", "ipc", "uid", "seccomp"), True)
    assert IsolationPolicy().check(full) == "" and describe_isolation(full) == "full"
    weak = dict(full, pid=False, uid=False)
    assert "missing: pid, uid" in IsolationPolicy().check(weak)
    assert IsolationPolicy(allow_weak=True).check(weak) == ""
    assert describe_isolation(weak).startswith("weak:")


def test_uid_claims_are_exclusive_and_released():
    claims = [UidClaim() for _ in range(50)]
    assert len({c.uid for c in claims}) == 50
    for c in claims:
        assert os.path.exists(c.path)
        c.release()
        assert not os.path.exists(c.path)


def test_seccomp_program_denies_the_listed_calls():
    for machine, (arch, numbers) in seccomp.TABLES.items():
        prog = seccomp.program(machine)
        assert set(numbers) == set(seccomp.DENIED)
        denied = {ins[3] for ins in prog if ins[0] == seccomp.JEQ_K} - {arch}
        assert denied == set(numbers.values()), machine
        assert prog[-1] == (seccomp.RET_K, 0, 0, seccomp.RET_ALLOW)


def test_a_tests_random_inputs_do_not_depend_on_its_position():
    """Seeds come from the test's name: inserting a test before another leaves the inputs
    (and so the grade) of the other unchanged."""
    from autograder.engine.grading import FunctionResult, _run_tests
    from autograder.engine.testing import Test

    seen = {}

    def draws(name):
        def run(student, ref, rng):
            seen.setdefault(name, []).append(rng.random(3).tolist())
        return Test("f", name, 1.0, run)

    _run_tests(FunctionResult("ch", "f"), [draws("a"), draws("b")], "f", None, None, 7)
    _run_tests(FunctionResult("ch", "f"), [draws("new"), draws("a"), draws("b")], "f", None, None, 7)
    assert seen["a"][0] == seen["a"][1] and seen["b"][0] == seen["b"][1]
    assert seen["a"][0] != seen["b"][0] != seen["new"][0]


def test_a_shared_run_happens_once_per_student_function_and_key():
    from autograder.engine.grading import _fresh
    from autograder.engine.testing import once_per_student

    calls = []

    @once_per_student
    def run(student, seed=0):
        calls.append((student.__name__, seed))
        return student(seed)

    def alice(seed):
        return seed * 2

    assert run(alice) == run(alice) == 0 and run(alice, 3) == run(alice, 3) == 6
    assert len(calls) == 2
    other = _fresh(alice)  # the grader's fresh copy, to test again with other callees
    run(other)
    assert len(calls) == 3

    @once_per_student
    def size(student):
        calls.append("size")
        return student([1, 2])

    class Slotted:  # no __weakref__: cannot be held weakly, so it is not cached
        __slots__ = ()

        def __call__(self, values):
            return len(values)

    slotted = Slotted()
    assert size(slotted) == size(slotted) == 2 and calls.count("size") == 2


CHAPTER_TESTS = sorted((Path(__file__).resolve().parents[1] / "autograder").glob("[0-9][0-9]-*/tests.py"))


@pytest.mark.parametrize("source", CHAPTER_TESTS, ids=[p.parent.name for p in CHAPTER_TESTS])
def test_chapter_tests_use_only_the_public_test_api(source):
    """A chapter's hidden tests import from autograder.engine.testing only and touch no private
    attribute: the engine can change behind that API without breaking a chapter."""
    import ast

    tree = ast.parse(source.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autograder"):
            if node.module != "autograder.engine.testing":
                found.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.startswith("autograder")]
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") \
                and not node.attr.startswith("__"):
            found.append(f".{node.attr} (line {node.lineno})")
    assert found == []


def test_the_innermost_student_line_skips_libraries_and_the_given_files():
    import json as stdlib_json

    def student_code():
        return stdlib_json.loads("{not json")  # the student's line

    try:
        student_code()
    except ValueError as exc:
        line, source = text.innermost_line(exc, skip=lambda name: False)
        assert "the student's line" in source and line > 0  # json's own frames are skipped
        assert text.innermost_line(exc, skip=lambda name: name == __file__) is None


def test_runtime_warnings_are_recorded_with_numpys_default_rules():
    import numpy as np

    from autograder.engine.capture import runtime_warnings

    with runtime_warnings() as caught:
        np.log(np.zeros(2))            # divide by zero: recorded
        np.exp(np.array([-1000.0]))    # underflow to 0: harmless, silent
    assert len(caught) == 1 and "divide" in str(caught[0].message)
