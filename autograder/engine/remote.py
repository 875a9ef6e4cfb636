"""The trusted side of the trust boundary: start a sandboxed student process, run the
notebook in it, and call the student's functions and objects through proxies.

Only data crosses (see :mod:`autograder.engine.wire`); replies are decoded as data, never unpickled.
A call that times out or kills the student process raises :class:`StudentTimeout` or
:class:`StudentCrashed` for that call only: the next request starts a new sandbox (running
the notebook again, skipping cells that hung or crashed it), so a dead process costs only the
tests it broke. Time is bounded at every level: per call, per top-level cell, per
notebook run and per submission; a function that hung once is not called again, so a
hanging submission costs one call limit per function, not one per test. When more than
``max_bad_cells`` top-level cells hang or crash (a broken function the notebook calls
everywhere), the notebook is run once more with only its imports, definitions and constants
(:func:`definitions_only`), so the other functions are still graded.
"""
from __future__ import annotations

import ast
import multiprocessing as mp
import os
import random
import select
import signal
import struct
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from multiprocessing.connection import wait

import numpy as np

from autograder.engine import wire

PRELOAD = ["autograder.engine.sandbox"]


class StudentError(Exception):
    """The student's code raised; ``feedback`` says what and where."""

    def __init__(self, feedback: str):
        super().__init__(feedback)
        self.feedback = feedback
        self.cell: int | None = None  # the notebook cell that was running, when known


class StudentTimeout(StudentError):
    pass


class StudentCrashed(StudentError):
    pass


class IsolationRefused(RuntimeError):
    """The sandbox could not reach the isolation the policy requires: nothing is graded."""


@dataclass
class Limits:
    call_seconds: float = 60.0          # one call of a student function
    cell_seconds: float = 60.0          # one top-level cell of the notebook
    notebook_seconds: float = 300.0     # running the notebook's cells, in all
    submission_seconds: float = 600.0   # everything for one submission
    memory_mb: int = 3072               # address space (torch alone maps ~0.8 GB)
    file_mb: int = 64                   # largest file, including captured output
    scratch_mb: int = 256               # the submission's private file system
    cpu_seconds: int = 900
    max_processes: int = 32
    max_bad_cells: int = 5              # top-level cells skipped after they hung or crashed
    max_starts: int = 40                # fresh processes per submission, in all
    crashes_per_function: int = 2       # then that function's remaining tests are not run
    hangs_per_function: int = 1         # a call that ran out of time: the same (one hang
                                        # costs call_seconds once, not once per test)
    reply_mb: int = 64                  # largest message the student process may send back
    grader_memory_mb: int = 8192        # address space of each trusted grading worker


PROPERTIES = ("filesystem", "network", "pid", "ipc", "uid", "seccomp")


@dataclass(frozen=True)
class IsolationPolicy:
    """What the sandbox must reach before any student code runs (failing closed).

    The sandbox reports which isolation properties it reached:

    * ``filesystem``: its own root file system (chroot into a tmpfs): the course directory,
      hidden tests, gradebook and other submissions do not exist in there;
    * ``network``: a network namespace of its own, with no interface up;
    * ``pid``: a PID namespace of its own (it sees no other process; when its first process
      dies, the kernel kills every process it started) and a fresh ``/proc``;
    * ``ipc``: an IPC namespace of its own (System V shared memory dies with it);
    * ``uid``: an unprivileged uid that no other sandbox uses;
    * ``seccomp``: a system-call filter (no ``memfd_create``, SysV ``shmget``, ``ptrace``...).

    A sandbox below ``required`` is refused unless ``allow_weak`` (the instructor's explicit
    ``--allow-weak-isolation``), which every report then shows.
    """

    required: tuple[str, ...] = PROPERTIES
    allow_weak: bool = False

    def check(self, reached: dict) -> str:
        """'' when ``reached`` satisfies the policy, else the refusal's reason."""
        missing = [p for p in self.required if not reached.get(p)]
        if not missing or self.allow_weak:
            return ""
        return (f"the sandbox could not reach the minimum isolation (missing: "
                f"{', '.join(missing)}); nothing was graded. Run as root (or where "
                "unprivileged user namespaces are allowed), or pass --allow-weak-isolation "
                "to grade with weaker isolation (every report will say so)")

    def to_json(self) -> dict:
        return {"required": list(self.required), "allow_weak": self.allow_weak}

    @classmethod
    def from_json(cls, data: dict | None) -> IsolationPolicy:
        data = data or {}
        return cls(tuple(data.get("required", PROPERTIES)), bool(data.get("allow_weak")))


def describe_isolation(reached: dict) -> str:
    """'full' when every property was reached, else what was (for timings.csv, reports)."""
    if all(reached.get(p) for p in PROPERTIES):
        return "full"
    got = [p for p in PROPERTIES if reached.get(p)]
    return "weak: " + (", ".join(got) if got else "limits only")


UID_BASE, UID_RANGE = 200_000, 1 << 22


class UidClaim:
    """An unprivileged uid that no other sandbox on this machine uses while it is held:
    picked at random from a large range and claimed by creating a lock file exclusively."""

    def __init__(self):
        self.folder = os.path.join(os.environ.get("NNBIO_UID_DIR") or "/dev/shm"
                                   if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir(),
                                   "nnbio-sandbox-uids")
        os.makedirs(self.folder, mode=0o700, exist_ok=True)
        rng = random.SystemRandom()
        for _ in range(1000):
            uid = UID_BASE + rng.randrange(UID_RANGE)
            path = os.path.join(self.folder, str(uid))
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except FileExistsError:
                continue
            self.uid, self.path = uid, path
            return
        raise RuntimeError("no free sandbox uid could be claimed")

    def release(self) -> None:
        try:
            os.unlink(self.path)
        except OSError:
            pass


_SIGNALS = {signal.SIGSEGV: "a segmentation fault", signal.SIGKILL: "being killed",
            signal.SIGABRT: "an abort", signal.SIGXCPU: "using up its CPU time",
            signal.SIGBUS: "a bus error", signal.SIGFPE: "a floating-point exception"}


def _context():
    # one BLAS/OpenMP thread per sandbox (the pool provides the parallelism); read by numpy
    # and torch when the template imports them
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _is_constant(node) -> bool:
    value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
    if value is None:
        return False
    try:
        ast.literal_eval(value)
        return True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def definitions_only(source: str) -> str | None:
    """The imports, function and class definitions and literal constants of a cell, without
    the rest of its top-level code (which may call a function that hangs or crashes).

    The source is only parsed here, never run. IPython magics (``%...``, ``!...``) are
    dropped. Returns None when nothing is left or the cell cannot be parsed."""
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
        keep = [n for n in tree.body if isinstance(n, _DEFINITIONS) or _is_constant(n)]
        return ast.unparse(ast.Module(body=keep, type_ignores=[])) if keep else None
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


@dataclass
class Sandbox:
    """One submission's sandboxed process (restarted on demand)."""

    cells: list            # [(index, source)] code cells to run; (index, None, name) marks
                           # where the hidden tests of `name` sit in the notebook
    files_dir: str | None  # the submission's other files (copied into the sandbox)
    limits: Limits = field(default_factory=Limits)
    extra_readonly: list = field(default_factory=list)
    policy: dict | None = None  # IsolationPolicy.to_json(); default: the full policy
    env: dict = field(default_factory=dict)  # extra environment variables of the process

    def __post_init__(self):
        self.process = None
        self.conn = None
        self.bad_cells: dict[int, str] = {}   # cells skipped after they hung or crashed
        self.definitions_only = False         # too many bad cells: run definitions only
        self.bad_cells_before: dict[int, str] = {}  # the bad cells of the full runs
        self.cell_errors: dict[int, dict] = {}
        self.cell_outputs: dict[int, tuple[list, int | None]] = {}  # of the last run
        self.defined: set[str] = set()
        self.isolation = ""
        self.restarts = -1
        self._last_message = b""
        self.own_callees: dict[str, set] = {}  # per function: provided callees whose own
                                               # (student's) version had to run instead
        self.crashes: dict[str, int] = {}  # per function: calls that crashed the process
        self.hangs: dict[str, int] = {}    # per function: calls that ran out of time
        self.deadline = time.monotonic() + self.limits.submission_seconds
        self._root_dir = tempfile.mkdtemp(prefix="nnbio-sandbox-root-")
        self._uid = UidClaim()  # one fresh uid for this submission, released at close
        self.uid = self._uid.uid
        self._policy = IsolationPolicy.from_json(self.policy)
        self.reached: dict = {}

    # -------------------------------------------------------------- lifecycle
    def _spec(self) -> dict:
        lim = self.limits
        return {"root_dir": self._root_dir, "files_dir": self.files_dir, "uid": self.uid,
                "memory_mb": lim.memory_mb, "file_mb": lim.file_mb, "scratch_mb": lim.scratch_mb,
                "cpu_seconds": lim.cpu_seconds, "max_processes": lim.max_processes,
                "reply_bytes": lim.reply_mb * 1024 * 1024,
                "extra_readonly": list(self.extra_readonly), "env": dict(self.env)}

    def _remaining(self) -> float:
        return self.deadline - time.monotonic()

    def start(self) -> None:
        """Start a fresh process and run the notebook in it (skipping bad cells)."""
        from autograder.engine import sandbox  # the target must be importable here

        while True:
            self.restarts += 1
            if len(self.bad_cells) > self.limits.max_bad_cells and not self.definitions_only:
                self.definitions_only = True
                self.bad_cells_before, self.bad_cells = self.bad_cells, {}
                self.cells = [c if c[1] is None else (c[0], definitions_only(c[1]))
                              for c in self.cells]
                self.cells = [c for c in self.cells if c[1] is not None or len(c) > 2]
            if self.restarts >= self.limits.max_starts or len(self.bad_cells) > self.limits.max_bad_cells:
                raise StudentCrashed("your notebook crashed or hung too many times to be graded")
            if self._remaining() <= 0:
                raise StudentTimeout("the time limit for grading this submission was used up")
            ctx = _context()
            parent, child = ctx.Pipe(duplex=True)
            self.process = ctx.Process(target=sandbox.student_main, args=(child, self._spec()),
                                       daemon=True)
            self.process.start()
            child.close()
            self.conn = parent
            try:
                hello = self._receive(30.0)
                if hello.get("event") == "isolation_failed":
                    raise RuntimeError(f"sandbox isolation failed: {hello.get('message')}")
                self.reached = hello.get("reached") if isinstance(hello.get("reached"), dict) else {}
                refused = self._policy.check(self.reached)
                if refused:
                    raise IsolationRefused(refused)
                self.isolation = describe_isolation(self.reached)
                self._run_notebook()
                return
            except (StudentTimeout, StudentCrashed) as exc:
                self.kill()
                if exc.cell is None:
                    raise
                self.bad_cells[exc.cell] = exc.feedback  # skip it and try again

    def _run_notebook(self) -> None:
        cells = [c for c in self.cells if c[0] not in self.bad_cells or c[1] is None]
        self._send({"op": "run_cells", "cells": cells})
        budget = min(self.limits.notebook_seconds, self._remaining())
        end = time.monotonic() + budget
        current, cell_end = None, end
        self.cell_errors, self.cell_outputs = {}, {}
        expected = [c[0] for c in cells if c[1] is not None]  # the order the cells must run in
        while True:
            try:
                msg = self._receive(max(0.01, min(end, cell_end) - time.monotonic()))
            except (StudentTimeout, StudentCrashed) as exc:
                exc.cell = current
                if isinstance(exc, StudentTimeout) and current is not None:
                    if cell_end < end:
                        limit = f"{self.limits.cell_seconds:.0f} s per cell"
                    else:
                        limit = f"{budget:.0f} s for the whole notebook"
                    exc.feedback = (f"cell {current} of your notebook did not finish within the "
                                    f"time limit ({limit}); it was skipped")
                elif current is not None:
                    exc.feedback = f"cell {current} of your notebook {exc.feedback}; it was skipped"
                raise
            event = msg.get("event") if isinstance(msg, dict) else None
            if event == "isolation_failed":  # the sandbox itself is broken, not the student
                raise RuntimeError(f"sandbox start-up failed: {msg.get('message')}")
            if event == "cell_start":
                current = msg.get("index")
                if not expected or current != expected[0]:  # only the next cell may start
                    raise StudentCrashed("sent back events out of order (not run by the grader's "
                                         "protocol)")
                expected.pop(0)
                cell_end = min(end, time.monotonic() + self.limits.cell_seconds)
            elif event == "cell_done":
                if current is None or msg.get("index") != current:
                    raise StudentCrashed("sent back events out of order (not run by the grader's "
                                         "protocol)")
                if msg.get("error"):
                    self.cell_errors[current] = msg["error"]
                outputs = msg.get("outputs")
                count = msg.get("execution_count")
                self.cell_outputs[current] = (outputs if isinstance(outputs, list) else [],
                                              count if isinstance(count, int) else None)
                current, cell_end = None, end
            elif event == "ready":
                self.defined = set(msg.get("defined") or [])
                return

    def kill(self) -> None:
        if self.process is not None and self.process.pid:
            for target in (lambda: os.killpg(self.process.pid, signal.SIGKILL),
                           lambda: self.process.kill()):
                try:
                    target()
                except (ProcessLookupError, PermissionError, OSError, ValueError):
                    pass
            self.process.join(5)
            _kill_uid(self.uid)
        if self.conn is not None:
            self.conn.close()
        self.process, self.conn = None, None

    def close(self) -> None:
        self.kill()
        self._uid.release()
        try:
            os.rmdir(self._root_dir)
        except OSError:
            pass

    # -------------------------------------------------------------- messaging
    def _send(self, message) -> None:
        self.conn.send_bytes(wire.encode(message))

    def _receive(self, timeout: float):
        """The next message from the student process, within ``timeout`` seconds in all
        (header and body: a process that sends half a message and sleeps is timed out)."""
        deadline = time.monotonic() + max(0.0, timeout)
        ready = wait([self.conn, self.process.sentinel], timeout=max(0.0, timeout))
        if self.conn in ready:
            try:
                data = read_message(self.conn.fileno(), deadline,
                                    self.limits.reply_mb * 1024 * 1024)
            except TimeoutError:
                raise StudentTimeout(f"did not finish within the time limit ({timeout:.0f} s)") \
                    from None
            except MessageTooLarge as exc:
                raise StudentCrashed(f"sent back {exc}") from None
            except (EOFError, OSError):
                data = None
            if data is not None:
                self._last_message = data  # a callback is decoded again, tensors as tensors
                try:
                    return wire.decode(data)
                except wire.WireError as exc:
                    raise StudentCrashed(f"sent back something that is not data ({exc})") \
                        from None
        if not ready:
            raise StudentTimeout(f"did not finish within the time limit ({timeout:.0f} s)")
        self.process.join(2)
        raise StudentCrashed(_death(self.process.exitcode))

    def request(self, message: dict, timeout: float | None = None, callbacks: dict | None = None):
        """Send one request and wait for its reply. While a call runs, the student's code may
        call back a graded function the grader provides (``callbacks``: name -> the correct
        version, run here on data); the time limit covers all of it."""
        if self.process is None:
            self.start()
        timeout = min(timeout or self.limits.call_seconds, self._remaining())
        if timeout <= 0:
            raise StudentTimeout("the time limit for grading this submission was used up")
        deadline = time.monotonic() + timeout
        try:
            self._send(message)
            while True:
                reply = self._receive(max(0.0, deadline - time.monotonic()))
                if not (callbacks and isinstance(reply, dict) and reply.get("event") == "callback"):
                    break
                self._send(self._answer_callback(callbacks))
        except (StudentTimeout, StudentCrashed):
            self.kill()  # the next request starts a fresh process
            raise
        except (OSError, ValueError) as exc:
            self.kill()
            raise StudentCrashed(f"the process running your code stopped answering ({exc})") from None
        if not isinstance(reply, dict) or ("ok" not in reply and "error" not in reply):
            raise StudentError("the process running your code sent an unexpected reply")
        if "error" in reply:
            err = reply["error"] if isinstance(reply["error"], dict) else {}
            where = f" ({err.get('where')})" if err.get("where") else ""
            raise StudentError(f"raised {err.get('type', 'an error')}: {err.get('message', '')}{where}")
        return reply

    def _answer_callback(self, callbacks: dict) -> dict:
        """Run the grader's correct version of a function the student's code called (its
        arguments decoded as data, tensors as tensors) and reply with the result and the
        arguments as the function left them; or tell the student's process to use its own
        version (unknown name, an error, a result that is not data)."""
        try:
            msg = wire.decode(self._last_message, tensors=True)
            fn = callbacks.get(msg.get("name")) if isinstance(msg.get("name"), str) else None
            args, kwargs = msg.get("args"), msg.get("kwargs")
            if fn is None or not isinstance(args, list) or not isinstance(kwargs, dict):
                return {"callback_fallback": True}
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                value = fn(*args, **kwargs)
            wire.encode({"callback_ok": value, "args": args, "kwargs": kwargs})  # can it cross?
            return {"callback_ok": value, "args": args, "kwargs": kwargs}
        except Exception:  # the student's code called it with bad input
            return {"callback_fallback": True}

    # -------------------------------------------------------------- operations
    def call(self, target: dict, args, kwargs, method: str | None = None, timeout=None,
             provide: dict | None = None):
        """Call the student's function or object; ``provide`` (name -> correct version)
        replaces the graded functions it calls by the grader's correct ones for this call."""
        name = target.get("global") or f"object {target.get('handle')}"
        if self.hangs.get(name, 0) >= self.limits.hangs_per_function:
            raise StudentTimeout(f"was not run again: it ran out of time on an earlier test "
                                 f"(time limit per call: {self.limits.call_seconds:.0f} s)")
        if self.crashes.get(name, 0) >= self.limits.crashes_per_function:
            raise StudentCrashed(f"was not run again: it crashed the process "
                                 f"{self.crashes[name]} times already")
        try:
            reply = self.request({"op": "call", "target": target, "method": method,
                                  "args": list(args), "kwargs": dict(kwargs),
                                  "provide": sorted(provide or {})}, timeout, provide)
        except StudentTimeout:
            self.hangs[name] = self.hangs.get(name, 0) + 1
            raise
        except StudentCrashed:
            self.crashes[name] = self.crashes.get(name, 0) + 1
            raise
        own = reply.get("own") if isinstance(reply.get("own"), list) else []
        self.own_callees.setdefault(name, set()).update(
            n for n in own if isinstance(n, str) and n in (provide or {}))
        wire.write_back(list(args), reply.get("args"))
        wire.write_back(dict(kwargs), reply.get("kwargs"))
        for message in reply.get("warnings") or []:  # re-emitted here, as if in one process
            warnings.warn(str(message), RuntimeWarning, stacklevel=2)
        return self.wrap(reply["ok"])

    def wrap(self, value):
        if isinstance(value, wire.Handle):
            return RemoteObject(self, value)
        if isinstance(value, list):
            return [self.wrap(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.wrap(v) for v in value)
        if isinstance(value, dict):
            return {k: self.wrap(v) for k, v in value.items()}
        return value

    def make(self, source: str):
        return self.wrap(self.request({"op": "make", "source": source})["ok"])

    def parameters(self, obj) -> list:
        return [np.asarray(a, dtype=np.float64) for a in
                self.request({"op": "parameters", "target": obj._target})["ok"]]

    def n_trainable(self, obj) -> int:
        return int(self.request({"op": "n_trainable", "target": obj._target})["ok"])

    def set_parameters(self, obj, arrays) -> bool:
        return bool(self.request({"op": "set_parameters", "target": obj._target,
                                  "arrays": list(arrays)})["ok"])


class MessageTooLarge(ValueError):
    pass


def _read_exactly(fd: int, n: int, deadline: float) -> bytes:
    chunks, got = [], 0
    while got < n:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError("no complete message before the deadline")
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("the student process closed its end")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_message(fd: int, deadline: float, max_bytes: int) -> bytes:
    """One message in multiprocessing's framing (a 4-byte big-endian length, or -1 and an
    8-byte length), read with a deadline for the header *and* the body and a bound on its
    size checked before the body is read. (``Connection.recv_bytes`` blocks without a deadline
    once the header has arrived.)"""
    (size,) = struct.unpack("!i", _read_exactly(fd, 4, deadline))
    if size == -1:
        (size,) = struct.unpack("!Q", _read_exactly(fd, 8, deadline))
    if size < 0 or size > max_bytes:
        raise MessageTooLarge(f"a value of {size / 1e6:.0f} MB (at most "
                              f"{max_bytes / 1e6:.0f} MB may cross the sandbox boundary)")
    return _read_exactly(fd, size, deadline)


def _death(exitcode) -> str:
    if exitcode is None:
        return "stopped answering"
    if exitcode < 0:
        sig = -exitcode
        what = _SIGNALS.get(sig, f"signal {sig}")
        hint = " (often: too much memory or a runaway loop)" if sig == signal.SIGKILL else ""
        return f"crashed the process running your code through {what}{hint}"
    return f"made the process running your code exit (status {exitcode}: sys.exit or os._exit?)"


def _kill_uid(uid: int) -> None:
    """Kill every process left running under a sandbox's uid (e.g. from a fork bomb)."""
    if os.geteuid() != 0:
        return
    for _ in range(3):
        found = False
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/status") as fh:
                    if any(ln.startswith("Uid:") and ln.split()[1] == str(uid) for ln in fh):
                        os.kill(int(pid), signal.SIGKILL)
                        found = True
            except (OSError, ValueError):
                pass
        if not found:
            return
        time.sleep(0.05)


class RemoteFunction:
    """Stands in for a function defined in the student's notebook."""

    def __init__(self, sandbox: Sandbox, name: str, timeout: float | None = None,
                 provide: dict | None = None):
        self._sandbox, self._name, self._timeout = sandbox, name, timeout
        self.provide = dict(provide or {})  # graded callees: name -> the correct version

    def __call__(self, *args, **kwargs):
        return self._sandbox.call({"global": self._name}, args, kwargs, timeout=self._timeout,
                                  provide=self.provide)

    def __repr__(self):
        return f"<student's {self._name}>"


class RemoteObject:
    """Stands in for an object that lives in the student's process (a torch module, a
    trained classifier, an EarlyStopping...): call it, call its methods, read attributes."""

    def __init__(self, sandbox: Sandbox, handle: wire.Handle):
        self._sandbox, self._handle = sandbox, handle
        self._target = {"handle": handle.id}
        self._remote_type = handle.type_name

    def __call__(self, *args, **kwargs):
        return self._sandbox.call(self._target, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        reply = self._sandbox.request({"op": "getattr", "target": self._target, "name": name})
        if reply.get("callable"):
            return _RemoteMethod(self, name)
        return self._sandbox.wrap(reply["ok"])

    def __repr__(self):
        return f"<{self._remote_type} object in the student's process>"


class _RemoteMethod:
    def __init__(self, obj: RemoteObject, name: str):
        self._obj, self._name = obj, name

    def __call__(self, *args, **kwargs):
        return self._obj._sandbox.call(self._obj._target, args, kwargs, method=self._name)
