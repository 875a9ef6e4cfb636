"""The trusted side of the trust boundary: start a sandboxed student process, run the
notebook in it, and call the student's functions and objects through proxies.

Only data crosses (see :mod:`autograder.engine.wire`), in the messages of
:mod:`autograder.engine.protocol`; replies are decoded as data, never unpickled. A call that
times out or kills the student process raises :class:`StudentTimeout` or
:class:`StudentCrashed` for that call only: the next request starts a new sandbox (running
the notebook again, skipping cells that hung or crashed it), so a dead process costs only the
tests it broke. Time is bounded at every level: per call, per top-level cell, per
notebook run and per submission; a function that hung once is not called again, so a
hanging submission costs one call limit per function, not one per test. When more than
``max_bad_cells`` top-level cells hang or crash (a broken function the notebook calls
everywhere), the notebook is run once more with only its imports, definitions and constants
(:func:`definitions_only`), so the other functions are still graded.

:class:`Sandbox` is a facade over four parts with one role each:

* :class:`SandboxProcess`: one sandboxed process under a :class:`~policy.SandboxPolicy`
  (start, check the isolation it reached, kill), talking through a :class:`Channel`
  (messages with deadlines for their header and body);
* :class:`NotebookRun`: running the notebook's cells, skipping cells that hung or crashed,
  and the definitions-only fallback;
* :func:`exchange` with :class:`CallbackAnswers`: one request and its reply within a
  deadline, answering the student's calls of graded functions the grader provides;
* :class:`CallRecord`: per function, the calls that hung or crashed (not run again after
  that) and the provided callees whose student's version had to run.
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
from multiprocessing.connection import wait
from typing import Any

import numpy as np

from autograder.engine import protocol, wire
from autograder.engine.policy import (
    PROPERTIES,
    UID_BASE,
    UID_RANGE,
    IsolationPolicy,
    Limits,
    SandboxPolicy,
    describe_isolation,
)

__all__ = ["PROPERTIES", "IsolationPolicy", "Limits", "describe_isolation", "Sandbox",
           "RemoteFunction", "RemoteObject", "StudentError", "StudentTimeout", "StudentCrashed",
           "IsolationRefused", "MessageTooLarge", "UidClaim", "definitions_only",
           "read_message"]

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


# ------------------------------------------------------------------ one process

class Channel:
    """The connection to one running sandbox process: protocol messages out, and messages
    in within a deadline for their header *and* body, refused above ``reply_bytes``."""

    def __init__(self, process, conn, reply_bytes: int):
        self.process, self.conn, self.reply_bytes = process, conn, reply_bytes

    def send(self, message) -> None:
        self.conn.send_bytes(wire.encode(message.to_wire()))

    def receive(self, timeout: float) -> tuple[Any, bytes]:
        """The next message, decoded as data, and its bytes (a callback is decoded again,
        tensors as tensors), within ``timeout`` seconds in all (a process that sends half a
        message and sleeps is timed out)."""
        deadline = time.monotonic() + max(0.0, timeout)
        ready = wait([self.conn, self.process.sentinel], timeout=max(0.0, timeout))
        if self.conn in ready:
            try:
                data = read_message(self.conn.fileno(), deadline, self.reply_bytes)
            except TimeoutError:
                raise StudentTimeout(f"did not finish within the time limit ({timeout:.0f} s)") \
                    from None
            except MessageTooLarge as exc:
                raise StudentCrashed(f"sent back {exc}") from None
            except (EOFError, OSError):
                data = None
            if data is not None:
                try:
                    return wire.decode(data), data
                except wire.WireError as exc:
                    raise StudentCrashed(f"sent back something that is not data ({exc})") \
                        from None
        if not ready:
            raise StudentTimeout(f"did not finish within the time limit ({timeout:.0f} s)")
        self.process.join(2)
        raise StudentCrashed(_death(self.process.exitcode))

    def close(self) -> None:
        self.conn.close()


class SandboxProcess:
    """Starts one sandboxed process under ``policy`` (sent to it as JSON data), refuses it
    when the isolation it reached falls short of ``required``, and kills it (with every
    process left under its uid)."""

    HELLO_SECONDS = 30.0

    def __init__(self, policy: SandboxPolicy, required: IsolationPolicy):
        self.policy, self.required = policy, required
        self.process: Any = None
        self.channel: Channel | None = None
        self.reached: dict = {}

    def start(self) -> Channel:
        from autograder.engine import sandbox  # the target must be importable here

        ctx = _context()
        parent, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=sandbox.student_main,
                                   args=(child, self.policy.to_json()), daemon=True)
        self.process.start()
        child.close()
        self.channel = Channel(self.process, parent, self.policy.reply_bytes)
        self._hello(self.channel)
        return self.channel

    def _hello(self, channel: Channel) -> dict:
        """What the new process reached; refused below the required isolation."""
        msg, _ = channel.receive(self.HELLO_SECONDS)
        try:
            hello = protocol.read(msg, protocol.Isolated, protocol.IsolationFailed)
        except protocol.ProtocolError:
            hello = protocol.Isolated({})  # nothing reached: the policy decides
        if isinstance(hello, protocol.IsolationFailed):
            raise RuntimeError(f"sandbox isolation failed: {hello.message}")
        self.reached = hello.reached
        refused = self.required.check(hello.reached)
        if refused:
            raise IsolationRefused(refused)
        return hello.reached

    def kill(self) -> None:
        process = self.process
        if process is not None and process.pid:
            for target in (lambda: os.killpg(process.pid, signal.SIGKILL), process.kill):
                try:
                    target()
                except (ProcessLookupError, PermissionError, OSError, ValueError):
                    pass
            process.join(5)
            _kill_uid(self.policy.uid)
        if self.channel is not None:
            self.channel.close()
        self.process, self.channel = None, None


# ------------------------------------------------------------------ the notebook's cells

class NotebookRun:
    """The notebook's code cells and what running them gave: the cells skipped because they
    hung or crashed the process (``bad_cells``), the definitions-only fallback after more
    than ``max_bad_cells`` of them, each cell's error and outputs, the names it defined."""

    def __init__(self, cells: list, limits: Limits):
        self.cells = cells  # [(index, source)]; (index, None, name): where name's tests sit
        self.limits = limits
        self.bad_cells: dict[int, str] = {}         # cells skipped after they hung or crashed
        self.definitions_only = False               # too many bad cells: definitions only
        self.bad_cells_before: dict[int, str] = {}  # the bad cells of the full runs
        self.cell_errors: dict[int, dict] = {}
        self.cell_outputs: dict[int, tuple[list, int | None]] = {}  # of the last run
        self.defined: set[str] = set()

    def before_start(self, restarts: int) -> None:
        """Before a fresh process runs the notebook: switch to definitions only after too
        many bad cells, and give up after too many starts or bad cells."""
        if len(self.bad_cells) > self.limits.max_bad_cells and not self.definitions_only:
            self.definitions_only = True
            self.bad_cells_before, self.bad_cells = self.bad_cells, {}
            cells = [c if c[1] is None else (c[0], definitions_only(c[1])) for c in self.cells]
            self.cells = [c for c in cells if c[1] is not None or len(c) > 2]
        if restarts >= self.limits.max_starts or len(self.bad_cells) > self.limits.max_bad_cells:
            raise StudentCrashed("your notebook crashed or hung too many times to be graded")

    def skip(self, cell: int, why: str) -> None:
        self.bad_cells[cell] = why

    def run(self, channel: Channel, remaining: float) -> None:
        """Run the cells (but the bad ones) in the process behind ``channel``, within the
        notebook's and each cell's time limit; a cell that hangs or crashes raises with
        ``exc.cell`` set. Events must come in the order the cells were sent."""
        cells = [c for c in self.cells if c[0] not in self.bad_cells or c[1] is None]
        channel.send(protocol.RunCells(tuple(cells)))
        budget = min(self.limits.notebook_seconds, remaining)
        end = time.monotonic() + budget
        self.cell_errors, self.cell_outputs = {}, {}
        expected = [c[0] for c in cells if c[1] is not None]  # the order the cells must run in
        current: int | None = None
        cell_end = end
        while True:
            try:
                msg, _ = channel.receive(max(0.01, min(end, cell_end) - time.monotonic()))
                event = _read_event(msg)
            except (StudentTimeout, StudentCrashed) as exc:
                raise self._blame(exc, current, cell_end < end, budget) from None
            if isinstance(event, protocol.IsolationFailed):  # the sandbox is broken, not the student
                raise RuntimeError(f"sandbox start-up failed: {event.message}")
            if isinstance(event, protocol.CellStart):
                current = self._started(event, expected)
                cell_end = min(end, time.monotonic() + self.limits.cell_seconds)
            elif isinstance(event, protocol.CellDone):
                self._done(event, current)
                current, cell_end = None, end
            elif isinstance(event, protocol.Ready):
                self.defined = set(event.defined)
                return

    def _started(self, event: protocol.CellStart, expected: list[int]) -> int:
        if not expected or event.index != expected[0]:  # only the next cell may start
            raise self._blame(_out_of_order(), None, False, 0)
        expected.pop(0)
        return event.index

    def _done(self, event: protocol.CellDone, current: int | None) -> None:
        if current is None or event.index != current:
            raise self._blame(_out_of_order(), current, False, 0)
        if event.error:
            self.cell_errors[current] = event.error
        self.cell_outputs[current] = (event.outputs, event.execution_count)

    def _blame(self, exc: StudentError, current: int | None, cell_limit: bool,
               budget: float) -> StudentError:
        """``exc`` as the fault of the cell that was running (when one was)."""
        exc.cell = current
        if isinstance(exc, StudentTimeout) and current is not None:
            limit = (f"{self.limits.cell_seconds:.0f} s per cell" if cell_limit
                     else f"{budget:.0f} s for the whole notebook")
            exc.feedback = (f"cell {current} of your notebook did not finish within the "
                            f"time limit ({limit}); it was skipped")
        elif current is not None:
            exc.feedback = f"cell {current} of your notebook {exc.feedback}; it was skipped"
        return exc


def _out_of_order() -> StudentCrashed:
    return StudentCrashed("sent back events out of order (not run by the grader's protocol)")


def _read_event(msg: Any):
    """An event of the notebook's run; an error reply (a cell's event that could not be
    encoded) is passed over as before; anything else breaks the protocol."""
    try:
        return protocol.read(msg, protocol.CellStart, protocol.CellDone, protocol.Ready,
                             protocol.IsolationFailed, protocol.ErrorReply)
    except protocol.ProtocolError as exc:
        raise StudentCrashed(f"sent back a message outside the grader's protocol ({exc})") \
            from None


# ------------------------------------------------------------------ one request

class CallbackAnswers:
    """Answers, during one call, the student's calls of graded functions the grader
    provides (``callbacks``: name -> the correct version)."""

    def __init__(self, callbacks: dict | None):
        self.callbacks = dict(callbacks or {})

    def answer(self, raw: bytes) -> protocol.CallbackResult | protocol.CallbackFallback:
        """Run the grader's correct version on the callback's arguments (decoded as data,
        tensors as tensors) and reply with the result and the arguments as the function left
        them; or tell the student's process to use its own version (unknown name, an error,
        a result that is not data)."""
        try:
            msg = protocol.read(wire.decode(raw, tensors=True), protocol.Callback)
            fn = self.callbacks.get(msg.name)
            if fn is None:
                return protocol.CallbackFallback()
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                value = fn(*msg.args, **msg.kwargs)
            result = protocol.CallbackResult(value, msg.args, msg.kwargs)
            wire.encode(result.to_wire())  # can it cross?
            return result
        except Exception:  # the student's code called it with bad input
            return protocol.CallbackFallback()


def exchange(channel: Channel, message, deadline: float,
             answers: CallbackAnswers) -> protocol.Reply:
    """Send one request and wait for its reply until ``deadline``, answering callbacks
    meanwhile; what the student's code raised comes back as :class:`StudentError`."""
    channel.send(message)
    while True:
        msg, raw = channel.receive(max(0.0, deadline - time.monotonic()))
        if not (answers.callbacks and protocol.is_callback(msg)):
            break
        channel.send(answers.answer(raw))
    try:
        reply = protocol.read(msg, protocol.Reply, protocol.ErrorReply)
    except protocol.ProtocolError:
        raise StudentError("the process running your code sent an unexpected reply") from None
    if isinstance(reply, protocol.ErrorReply):
        where = f" ({reply.where})" if reply.where else ""
        raise StudentError(f"raised {reply.type}: {reply.message}{where}")
    return reply


class CallRecord:
    """Per function: calls that ran out of time or crashed the process (after
    ``hangs_per_function`` or ``crashes_per_function`` it is not run again), and the provided
    callees whose own (student's) version had to run instead."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.hangs: dict[str, int] = {}
        self.crashes: dict[str, int] = {}
        self.own_callees: dict[str, set] = {}

    def check(self, name: str) -> None:
        """Raise when ``name`` is not to be run again."""
        if self.hangs.get(name, 0) >= self.limits.hangs_per_function:
            raise StudentTimeout(f"was not run again: it ran out of time on an earlier test "
                                 f"(time limit per call: {self.limits.call_seconds:.0f} s)")
        if self.crashes.get(name, 0) >= self.limits.crashes_per_function:
            raise StudentCrashed(f"was not run again: it crashed the process "
                                 f"{self.crashes[name]} times already")

    def failed(self, name: str, exc: StudentError) -> None:
        counts = self.hangs if isinstance(exc, StudentTimeout) else self.crashes
        counts[name] = counts.get(name, 0) + 1

    def fell_back(self, name: str, own: tuple[str, ...], provided: dict) -> None:
        self.own_callees.setdefault(name, set()).update(n for n in own if n in provided)


# ------------------------------------------------------------------ the facade

class Sandbox:
    """One submission's sandboxed process (restarted on demand)."""

    def __init__(self, cells: list, files_dir: str | None, limits: Limits | None = None,
                 extra_readonly: list | None = None, policy: dict | None = None,
                 env: dict | None = None):
        self.files_dir = files_dir             # the submission's files (copied in)
        self.limits = limits or Limits()
        self.extra_readonly = list(extra_readonly or [])
        self.policy = policy  # IsolationPolicy.to_json(); default: the full policy
        self.env = dict(env or {})  # extra environment variables of the process
        self.restarts = -1
        self.isolation = ""
        self.deadline = time.monotonic() + self.limits.submission_seconds
        self._root_dir = tempfile.mkdtemp(prefix="nnbio-sandbox-root-")
        self._uid = UidClaim()  # one fresh uid for this submission, released at close
        self.uid = self._uid.uid
        self._notebook = NotebookRun(list(cells), self.limits)
        self._record = CallRecord(self.limits)
        self._process = SandboxProcess(
            SandboxPolicy.from_limits(self.limits, root_dir=self._root_dir, files_dir=files_dir,
                                      uid=self.uid, extra_readonly=self.extra_readonly,
                                      env=self.env),
            IsolationPolicy.from_json(policy))

    # what the notebook's runs, the process and the calls left (read-only)
    cells = property(lambda self: self._notebook.cells)
    bad_cells = property(lambda self: self._notebook.bad_cells)
    bad_cells_before = property(lambda self: self._notebook.bad_cells_before)
    definitions_only = property(lambda self: self._notebook.definitions_only)
    cell_errors = property(lambda self: self._notebook.cell_errors)
    cell_outputs = property(lambda self: self._notebook.cell_outputs)
    defined = property(lambda self: self._notebook.defined)
    process = property(lambda self: self._process.process)
    reached = property(lambda self: self._process.reached)
    sandbox_policy = property(lambda self: self._process.policy)
    own_callees = property(lambda self: self._record.own_callees)
    crashes = property(lambda self: self._record.crashes)
    hangs = property(lambda self: self._record.hangs)

    def _remaining(self) -> float:
        return self.deadline - time.monotonic()

    # -------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Start a fresh process and run the notebook in it (skipping bad cells)."""
        while True:
            self.restarts += 1
            self._notebook.before_start(self.restarts)
            if self._remaining() <= 0:
                raise StudentTimeout("the time limit for grading this submission was used up")
            try:
                channel = self._process.start()
                self.isolation = describe_isolation(self._process.reached)
                self._notebook.run(channel, self._remaining())
                return
            except (StudentTimeout, StudentCrashed) as exc:
                self.kill()
                if exc.cell is None:
                    raise
                self._notebook.skip(exc.cell, exc.feedback)  # skip it and try again

    def kill(self) -> None:
        self._process.kill()

    def close(self) -> None:
        self.kill()
        self._uid.release()
        try:
            os.rmdir(self._root_dir)
        except OSError:
            pass

    # -------------------------------------------------------------- messaging
    def request(self, message, timeout: float | None = None, callbacks: dict | None = None):
        """Send one request (a :mod:`protocol` request, or its ``to_wire()`` dict) and return
        its reply as a dict. While a call runs, the student's code may call back a graded
        function the grader provides (``callbacks``: name -> the correct version, run here
        on data); the time limit covers all of it."""
        return self._exchange(message, timeout, callbacks).to_wire()

    def _exchange(self, message, timeout: float | None = None,
                  callbacks: dict | None = None) -> protocol.Reply:
        if isinstance(message, dict):
            message = protocol.read(message, *protocol.REQUESTS.values())
        if self._process.channel is None:
            self.start()
        timeout = min(timeout or self.limits.call_seconds, self._remaining())
        if timeout <= 0:
            raise StudentTimeout("the time limit for grading this submission was used up")
        channel = self._process.channel
        assert channel is not None
        try:
            return exchange(channel, message, time.monotonic() + timeout,
                            CallbackAnswers(callbacks))
        except (StudentTimeout, StudentCrashed):
            self.kill()  # the next request starts a fresh process
            raise
        except (OSError, ValueError) as exc:
            self.kill()
            raise StudentCrashed(f"the process running your code stopped answering ({exc})") \
                from None

    # -------------------------------------------------------------- operations
    def call(self, target: dict, args, kwargs, method: str | None = None, timeout=None,
             provide: dict | None = None):
        """Call the student's function or object; ``provide`` (name -> correct version)
        replaces the graded functions it calls by the grader's correct ones for this call."""
        name = target.get("global") or f"object {target.get('handle')}"
        self._record.check(name)
        args, kwargs = list(args), dict(kwargs)
        try:
            reply = self._exchange(protocol.Call(protocol.check_target(target), args, kwargs,
                                                 method, tuple(sorted(provide or {}))),
                                   timeout, provide)
        except (StudentTimeout, StudentCrashed) as exc:
            self._record.failed(name, exc)
            raise
        self._record.fell_back(name, reply.own, provide or {})
        wire.write_back(args, reply.args)
        wire.write_back(kwargs, reply.kwargs)
        for message in reply.warnings:  # re-emitted here, as if in one process
            warnings.warn(message, RuntimeWarning, stacklevel=2)
        return self.wrap(reply.value)

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
        return self.wrap(self._exchange(protocol.Make(source)).value)

    def parameters(self, obj) -> list:
        return [np.asarray(a, dtype=np.float64) for a in
                self._exchange(protocol.Parameters(obj._target)).value]

    def n_trainable(self, obj) -> int:
        return int(self._exchange(protocol.NTrainable(obj._target)).value)

    def set_parameters(self, obj, arrays) -> bool:
        return bool(self._exchange(protocol.SetParameters(obj._target, list(arrays))).value)

    def get_attribute(self, obj: RemoteObject, name: str):
        """An attribute of a student object: its data, or a method to call."""
        reply = self._exchange(protocol.GetAttr(obj._target, name))
        return _RemoteMethod(obj, name) if reply.is_callable else self.wrap(reply.value)


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
        return self._sandbox.call(protocol.global_target(self._name), args, kwargs,
                                  timeout=self._timeout, provide=self.provide)

    def __repr__(self):
        return f"<student's {self._name}>"


class RemoteObject:
    """Stands in for an object that lives in the student's process (a torch module, a
    trained classifier, an EarlyStopping...): call it, call its methods, read attributes."""

    def __init__(self, sandbox: Sandbox, handle: wire.Handle):
        self._sandbox, self._handle = sandbox, handle
        self._target = protocol.handle_target(handle.id)
        self._remote_type = handle.type_name

    def __call__(self, *args, **kwargs):
        return self._sandbox.call(self._target, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._sandbox.get_attribute(self, name)

    def __repr__(self):
        return f"<{self._remote_type} object in the student's process>"


class _RemoteMethod:
    def __init__(self, obj: RemoteObject, name: str):
        self._obj, self._name = obj, name

    def __call__(self, *args, **kwargs):
        return self._obj._sandbox.call(self._obj._target, args, kwargs, method=self._name)
