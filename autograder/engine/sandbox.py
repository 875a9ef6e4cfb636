"""The student side of the trust boundary: runs in a throw-away process forked from a warm
template (multiprocessing's forkserver with numpy, torch, IPython and matplotlib preloaded).

The process first isolates itself, while it is still root, applying the
:class:`~autograder.engine.policy.SandboxPolicy` the grader sent it as data (:func:`isolate`;
a step that fails stops the sandbox):

1. every file descriptor it inherited but its connection points at /dev/null (the
   forkserver's and the resource tracker's pipes among them);
2. a new session (its own process group), new mount, network, PID and IPC namespaces: no
   network (only a loopback interface that is down), a minimal init as PID 1;
3. a new root file system (chroot into a tmpfs) holding only the policy's mounts: read-only
   binds of the system and Python directories it needs, a private /tmp, and /submission
   with a copy of the submission's files, all writable places in one size-limited tmpfs.
   The course directory, hidden tests, reference code, gradebook and other submissions do
   not exist in there;
4. resource limits: address space, processes, file size (bounds output too), CPU time,
   open files, no core dumps;
5. drops to an unprivileged user id of its own (one per submission), then installs the
   system-call filter.

Without root it tries the same inside a user namespace, and otherwise runs with resource
limits only, reporting the weaker isolation level to the grader.

Then it executes the notebook's code cells in an IPython shell and serves requests from the
grader: call a function/object, read an attribute, create an object from trusted source,
read or set a module's parameters. Every request and reply is a message of
:mod:`autograder.engine.protocol`, as data in the format of :mod:`autograder.engine.wire`.
"""
from __future__ import annotations

import ctypes
import os
import resource
import shutil
import signal
import sys
import traceback
from typing import NoReturn

import matplotlib
import numpy as np  # preloaded into the template
import torch  # preloaded into the template

matplotlib.use("Agg")
import matplotlib.pyplot  # preloaded
from IPython.core.interactiveshell import InteractiveShell

from autograder.engine import capture, protocol, seccomp, text, wire
from autograder.engine.lifetime import die_with_parent
from autograder.engine.policy import Mount, SandboxPolicy

CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWUSER = 0x00020000, 0x40000000, 0x10000000
CLONE_NEWPID, CLONE_NEWIPC = 0x20000000, 0x08000000
MS_NOEXEC = 8
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1, 2, 4, 32, 4096, 16384, 1 << 18)


# ------------------------------------------------------------------ isolation

NAMESPACE_FLAGS = {"mount": CLONE_NEWNS, "network": CLONE_NEWNET, "pid": CLONE_NEWPID,
                   "ipc": CLONE_NEWIPC}


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(libc, source, target, fstype, flags, data=None):
    _check(libc.mount(source.encode() if source else None, target.encode(),
                      fstype.encode() if fstype else None, flags,
                      data.encode() if data else None), f"mount {target}")


def _bind_ro(libc, path, new_root):
    if not os.path.exists(path):
        return
    target = new_root + path
    if os.path.isdir(path):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    _mount(libc, path, target, None, MS_BIND | MS_REC)
    _mount(libc, None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_REC)


def _apply_mount(libc, mount: Mount, new_root: str) -> None:
    """One mount of the policy (see :class:`autograder.engine.policy.Mount`) below ``new_root``."""
    target = new_root + mount.target.rstrip("/")  # the root itself for "/"
    if mount.kind == "tmpfs":
        os.makedirs(target, exist_ok=True)
        _mount(libc, "tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV,
               f"size={mount.size_mb}m,mode={mount.mode:04o}")
    elif mount.kind == "folder":  # a folder of the new root, bound elsewhere in it
        source = new_root + mount.source
        os.makedirs(source, mode=mount.mode)
        os.chmod(source, mount.mode)
        os.makedirs(target, exist_ok=True)
        _mount(libc, source, target, None, MS_BIND)
    elif mount.kind == "device":
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
        _mount(libc, mount.target, target, None, MS_BIND)
    elif mount.kind == "proc":  # this PID namespace's own processes only
        os.makedirs(target, exist_ok=True)
        _mount(libc, "proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    elif mount.kind == "readonly":
        _bind_ro(libc, mount.target, new_root)
    else:  # the policy checks its kinds; an unknown one here fails closed
        raise OSError(f"unknown kind of mount {mount.kind!r}")


def _build_root(libc, policy: SandboxPolicy) -> None:
    """chroot into a fresh root holding the policy's mounts, in order, and a copy of the
    staged submission in ``policy.workdir``. With the default policy everything the student's
    code can write (/tmp, /dev/shm and /submission) lies in one tmpfs of ``scratch_mb``, so
    files and POSIX shared memory share one budget."""
    new_root = policy.root_dir
    os.makedirs(new_root, exist_ok=True)
    _mount(libc, "none", "/", None, MS_REC | MS_PRIVATE)
    for mount in policy.mounts:
        _apply_mount(libc, mount, new_root)
    # the submission's files (a staged copy the grader made of its regular files only)
    work = new_root + policy.workdir
    os.makedirs(work, exist_ok=True)
    if policy.files_dir and os.path.isdir(policy.files_dir):
        _copy_tree(policy.files_dir, work, policy.max_file_bytes)
    for dirpath, _dirnames, filenames in os.walk(work):
        os.chown(dirpath, policy.uid, policy.uid)
        for name in filenames:
            os.chown(os.path.join(dirpath, name), policy.uid, policy.uid)
    os.chroot(new_root)
    os.chdir(policy.workdir)


def _copy_tree(src: str, dest: str, max_bytes: int) -> None:
    """Copy the staged files (the grader's own copy: regular files and folders, no links)
    into the sandbox; when its scratch space is full, the rest is left out."""
    for dirpath, dirnames, filenames in os.walk(src):  # never follows links
        rel = os.path.relpath(dirpath, src)
        target = dest if rel == "." else os.path.join(dest, rel)
        os.makedirs(target, exist_ok=True)
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.isfile(path) and not os.path.islink(path) and \
                    os.path.getsize(path) < max_bytes:
                try:
                    shutil.copyfile(path, os.path.join(target, name))
                except OSError:
                    return


def _apply_rlimits(policy: SandboxPolicy, extra_processes: int = 0) -> None:
    """The policy's resource limits, hard and soft; ``extra_processes`` raises
    ``RLIMIT_NPROC`` by the processes the uid already runs (without root the sandbox keeps
    the grader's uid, whose other processes count too)."""
    for name, value in policy.rlimits:
        if name == "RLIMIT_NPROC":
            value += extra_processes
        resource.setrlimit(getattr(resource, name), (value, value))


def _drop_inherited_fds(keep: tuple[int, ...]) -> None:
    """Point every file descriptor this process inherited, other than stdio and ``keep``
    (its connection to the grader), at /dev/null.

    multiprocessing hands each forked child the forkserver's "alive" pipe (held here, it
    would keep the forkserver, and so this process, running after the grader died), the
    root-owned resource tracker's pipe (which unlinks whatever names it is sent) and the
    parent's sentinel. ``dup2`` closes each of them and keeps its number taken, so a module
    that still names such a number (multiprocessing's state does) reaches /dev/null, never a
    file opened later under the same number. Only public APIs: the numbers come from
    ``/proc/self/fd``, not from multiprocessing's internals."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in _open_fds():
        if fd > 2 and fd != null and fd not in keep:
            try:
                os.dup2(null, fd)
            except OSError:
                pass
    os.close(null)


def _open_fds() -> list[int]:
    try:
        return sorted(int(name) for name in os.listdir("/proc/self/fd"))
    except OSError:  # no /proc: every number below the usual limit
        return list(range(3, 1024))


def _mirror_exit(status: int) -> None:
    """End this process the way a child with wait status ``status`` ended (a signal death
    as that signal, so the grader can say "segmentation fault")."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def _close_other_fds(keep: int) -> None:
    for fd in range(3, 1024):
        if fd != keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _enter_pid_namespace() -> None:
    """After ``unshare(CLONE_NEWPID)``: fork twice so that the student's code runs as PID 2
    under a minimal init (PID 1) of a PID namespace of its own.

    * the process the grader started stays outside, waits and ends the way init reports the
      student's process ended (through a pipe: an init cannot kill itself with a signal);
    * PID 1 reaps every orphan and, when the student's process ends, exits: the kernel then
      kills every process left in the namespace, however it forked, setsid'ed or hid, and
      that is certain. It dies with the outer process too (PR_SET_PDEATHSIG), so the grader's
      ``kill`` of the one process it started ends the whole sandbox;
    * the student's process (PID 2) returns from here and goes on isolating itself.
    """
    report_r, report_w = os.pipe()
    outer = os.getpid()
    init = os.fork()
    if init:  # the outer process
        os.close(report_w)
        _close_other_fds(report_r)
        die_with_parent(signal.SIGKILL)  # the forkserver (and so the grader) is gone: end
        while True:
            try:
                os.waitpid(init, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:
                break
        data = os.read(report_r, 16)
        _mirror_exit(int(data) if data.strip().lstrip(b"-").isdigit() else 9)
    os.close(report_r)
    die_with_parent(signal.SIGKILL, outer if os.getppid() == outer else 0)
    student = os.fork()
    if student:  # PID 1: reap until the student's process ends
        _close_other_fds(report_w)
        while True:
            try:
                pid, status = os.wait()
            except InterruptedError:
                continue
            except ChildProcessError:
                status = 9
                break
            if pid == student:
                break
        os.write(report_w, str(status).encode())
        os._exit(0)
    os.close(report_w)
    die_with_parent(signal.SIGKILL, 1)


def _enter_namespaces(libc, policy: SandboxPolicy, root: bool) -> bool:
    """Unshare the policy's namespaces (without root: inside a user namespace mapping the
    policy's uid to ours, when the policy allows that fallback). As root a failure raises
    (failing closed); without root it returns False and the sandbox reports less."""
    flags = 0
    for name in policy.namespaces:
        flags |= NAMESPACE_FLAGS[name]
    if root:
        _check(libc.unshare(flags), "unshare")
        return True
    if not policy.user_namespace_fallback:
        return False
    uid, gid = os.getuid(), os.getgid()
    try:
        _check(libc.unshare(CLONE_NEWUSER | flags), "unshare")
        with open("/proc/self/setgroups", "w") as fh:
            fh.write("deny")
        with open("/proc/self/uid_map", "w") as fh:
            fh.write(f"{policy.uid} {uid} 1")
        with open("/proc/self/gid_map", "w") as fh:
            fh.write(f"{policy.uid} {gid} 1")
        return True
    except OSError:
        return False


def _redirect_stdio(policy: SandboxPolicy) -> None:
    """Output goes to the policy's bounded file; stdin is empty."""
    out = os.open(policy.output_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)


def _set_environment(policy: SandboxPolicy) -> None:
    os.environ.clear()
    os.environ.update({"HOME": os.getcwd(), **policy.env})
    torch.set_num_threads(1)
    sys.path.insert(0, os.getcwd())


def isolate(policy: SandboxPolicy, keep_fds: tuple[int, ...] = ()) -> dict:
    """Apply the sandbox's policy, step by step (see
    :class:`autograder.engine.policy.SandboxPolicy`); returns which isolation properties it
    reached (see :class:`autograder.engine.policy.IsolationPolicy`): the grader refuses what
    falls short. As root every step must succeed (an error raises: the sandbox does not
    start); without root it reaches what this machine allows."""
    _drop_inherited_fds(keep_fds)
    os.setsid()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # over-long output fails the write instead
    libc = _libc()
    reached: dict[str, bool] = {}
    root = os.geteuid() == 0
    grader_uid = os.getuid()
    entered = _enter_namespaces(libc, policy, root)
    if entered:
        if "pid" in policy.namespaces:
            _enter_pid_namespace()
        reached.update({p: True for p in ("network", "pid", "ipc") if p in policy.namespaces})
    if entered and "mount" in policy.namespaces:
        try:
            _build_root(libc, policy)
            reached["filesystem"] = True
        except OSError:
            if root:
                raise
            os.chdir(policy.files_dir or "/")
    else:
        os.chdir(policy.files_dir or "/")
    if root:
        _apply_rlimits(policy)
        os.setgroups([])
        os.setgid(policy.uid)
        os.setuid(policy.uid)
        reached["uid"] = True
    else:
        _apply_rlimits(policy, extra_processes=_process_count(grader_uid))
    _redirect_stdio(policy)
    _set_environment(policy)
    # again: setuid cleared it
    die_with_parent(signal.SIGKILL, 1 if entered and "pid" in policy.namespaces else None)
    reached["seccomp"] = seccomp.install(policy.denied_syscalls)
    return reached


def _process_count(uid: int) -> int:
    count = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/status") as fh:
                    if any(ln.startswith("Uid:") and ln.split()[1] == str(uid) for ln in fh):
                        count += 1
            except OSError:
                pass
    return count


# ------------------------------------------------------------------ serving

class Server:
    """Executes the notebook, then answers the grader's requests (the messages of
    :mod:`autograder.engine.protocol`)."""

    def __init__(self, conn):
        self.conn = conn
        self.objects: dict[int, object] = {}
        self.captured: dict[str, object] = {}  # graded names as they were at their test cell
        self.ids: dict[int, int] = {}  # id(obj) -> handle, so one object keeps one handle
        self.shell = InteractiveShell.instance(history_length=0)
        self.shell.history_manager.enabled = False
        self.recorder = capture.Recorder()
        capture.install(self.shell, self.recorder)

    def send(self, message) -> None:
        """Send one protocol message; a value that cannot cross becomes an error reply."""
        try:
            data = wire.encode(message.to_wire(), objects=self.to_handle)
        except (wire.WireError, TypeError, ValueError, MemoryError, RecursionError) as exc:
            what = str(exc)[:500] if not isinstance(exc, MemoryError) else \
                "the value was too large to send back (out of memory while encoding it)"
            data = wire.encode(protocol.ErrorReply("WireError", what).to_wire())
        self.conn.send_bytes(data)

    def to_handle(self, obj) -> wire.Handle:
        key = id(obj)
        if key not in self.ids:
            self.ids[key] = len(self.objects) + 1
            self.objects[self.ids[key]] = obj
        return wire.Handle(self.ids[key], type(obj).__name__, callable(obj))

    def run_cells(self, cells) -> None:
        for index, source, *marker in cells:
            if source is None:  # a hidden-test cell's place: the test sees this version
                name = marker[0] if marker else None
                if isinstance(name, str) and name in self.shell.user_ns:
                    self.captured[name] = self.shell.user_ns[name]
                continue
            self.send(protocol.CellStart(index))
            self.recorder.reset()
            with capture.capturing(self.recorder):
                result = self.shell.run_cell(source, store_history=True)
            err = result.error_before_exec or result.error_in_exec
            self.send(protocol.CellDone(index, _describe(err).info() if err else None,
                                        self.recorder.outputs, result.execution_count))
        defined = sorted({k for k, v in self.shell.user_ns.items()
                          if not k.startswith("_") and callable(v)} | set(self.captured))[:2000]
        self.send(protocol.Ready(tuple(defined)))

    def resolve(self, target: dict):
        if "handle" in target:
            return self.objects[target["handle"]]
        name = target["global"]
        if name in self.captured:
            return self.captured[name]
        if name not in self.shell.user_ns:
            raise NameError(f"name {name!r} is not defined")
        return self.shell.user_ns[name]

    def handle(self, req) -> protocol.Reply:
        """The reply to one request (other than RunCells)."""
        if isinstance(req, protocol.Call):
            return self.call(req)
        if isinstance(req, protocol.GetAttr):
            value = getattr(self.resolve(req.target), req.name)
            if callable(value) and not isinstance(value, (np.ndarray, torch.Tensor)):
                return protocol.Reply(None, is_callable=True)
            return protocol.Reply(value)
        if isinstance(req, protocol.Make):
            return protocol.Reply(self.to_handle(wire.evaluate_source(req.source)))
        if isinstance(req, protocol.Parameters):
            obj = self.resolve(req.target)
            return protocol.Reply([p.detach().cpu().double().numpy() for p in obj.parameters()])
        if isinstance(req, protocol.NTrainable):
            obj = self.resolve(req.target)
            return protocol.Reply(int(sum(p.numel() for p in obj.parameters() if p.requires_grad)))
        if isinstance(req, protocol.SetParameters):
            return protocol.Reply(self.set_parameters(self.resolve(req.target), req.arrays))
        raise ValueError(f"unknown request {type(req).__name__}")

    def call(self, req: protocol.Call) -> protocol.Reply:
        fn = self.resolve(req.target)
        if req.method:
            fn = getattr(fn, req.method)
        provided = self.provide(req.provide)
        try:
            # numpy's default error handling, recorded so the grader can judge warnings
            with capture.runtime_warnings() as caught:
                value = fn(*req.args, **req.kwargs)
        finally:
            own = self.unprovide(provided)
        emitted = [str(w.message)[:200] for w in caught][:20]
        return protocol.Reply(value, _data_only(req.args), _data_only(req.kwargs),
                              tuple(emitted), tuple(own))

    @staticmethod
    def set_parameters(obj, arrays) -> bool:
        params = list(obj.parameters())
        if len(params) != len(arrays) or any(tuple(p.shape) != getattr(a, "shape", None)
                                             for p, a in zip(params, arrays)):
            return False
        with torch.no_grad():
            for p, a in zip(params, arrays):
                p.copy_(torch.as_tensor(a, dtype=p.dtype))
        return True

    def provide(self, names) -> dict:
        """For one call: the graded functions ``names`` in the notebook's namespace become
        the grader's correct versions (:class:`Provided`), so a bug in one of them does not
        cost points in the function under test that calls it."""
        provided = {}
        for name in names:
            original = self.shell.user_ns.get(name) if isinstance(name, str) else None
            if callable(original) and not isinstance(original, type):
                provided[name] = (original, Provided(self, name, original))
                self.shell.user_ns[name] = provided[name][1]
        return provided

    def unprovide(self, provided) -> list:
        """Put the student's own functions back; the names whose own version had to run."""
        own = []
        for name, (original, proxy) in provided.items():
            if self.shell.user_ns.get(name) is proxy:
                self.shell.user_ns[name] = original
            if proxy.fell_back:
                own.append(name)
        return sorted(own)

    def serve(self) -> None:
        while True:
            try:
                data = self.conn.recv_bytes()
            except (EOFError, OSError):
                os._exit(0)
            try:
                req = protocol.read(wire.decode(data, handles=self.objects.__getitem__,
                                                tensors=True), *protocol.REQUESTS.values())
                if isinstance(req, protocol.RunCells):
                    self.run_cells(req.cells)
                    continue
                reply: protocol.Reply | protocol.ErrorReply = self.handle(req)
            except BaseException as exc:  # student code may raise anything
                if isinstance(exc, (KeyboardInterrupt, SystemExit)) and not isinstance(exc, SystemExit):
                    raise
                reply = _describe(exc)
            self.send(reply)


class Provided:
    """Stands in, during one call, for a graded function the function under test calls: the
    call is sent to the grader, which runs its correct version on the (data) arguments and
    sends back the result and any in-place changes. Arguments that are not data (a lambda,
    a torch module), a result that cannot cross, or an error on the grader's side: the
    student's own version runs instead, and the grader is told (its feedback then says the
    failure may come from that function)."""

    MAX_CALLS = 20_000  # per call under test; then the student's own version

    def __init__(self, server: Server, name: str, original):
        self.server, self.name, self.original = server, name, original
        self.calls, self.fell_back = 0, False
        self.__name__ = getattr(original, "__name__", name)
        self.__doc__ = getattr(original, "__doc__", None)

    def _own(self, args, kwargs):
        self.fell_back = True
        return self.original(*args, **kwargs)

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls > self.MAX_CALLS:
            return self._own(args, kwargs)
        try:
            data = wire.encode(protocol.Callback(self.name, list(args), dict(kwargs)).to_wire())
        except (wire.WireError, TypeError, ValueError, RecursionError):
            return self._own(args, kwargs)
        self.server.conn.send_bytes(data)
        try:
            answer = protocol.read(wire.decode(self.server.conn.recv_bytes(), tensors=True),
                                   protocol.CallbackResult, protocol.CallbackFallback)
        except protocol.ProtocolError:
            return self._own(args, kwargs)
        if not isinstance(answer, protocol.CallbackResult):
            return self._own(args, kwargs)
        wire.write_back(list(args), answer.args)
        wire.write_back(dict(kwargs), answer.kwargs)
        return answer.value


def _data_only(value, depth=0):
    """The arguments as they are after a call, for the grader to mirror in-place changes:
    arrays and containers of them; anything else (callables, objects) becomes None."""
    if depth > 20:
        return None
    if isinstance(value, (np.ndarray, torch.Tensor, np.generic, bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_data_only(v, depth + 1) for v in value) if type(value) in (list, tuple) \
            else [_data_only(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: _data_only(v, depth + 1) for k, v in value.items() if isinstance(k, str)}
    return None


def _describe(exc: BaseException) -> protocol.ErrorReply:
    """Type, message and the innermost line of the student's own code."""
    found = text.innermost_line(exc, skip=lambda name: name.endswith(("sandbox.py", "wire.py")))
    where = f"line {found[0]}: {found[1]}"[:300] if found else ""
    return protocol.ErrorReply(type(exc).__name__[:100], str(exc)[:1000], where)


def _refuse(conn, what: str) -> NoReturn:
    """Tell the grader this sandbox could not start (isolation or serving), and end."""
    conn.send_bytes(wire.encode(protocol.IsolationFailed(what).to_wire()))
    os._exit(3)


def student_main(conn, policy_json: dict) -> None:
    """Entry point of the sandboxed process (multiprocessing target); ``policy_json`` is a
    :meth:`SandboxPolicy.to_json`."""
    try:
        policy = SandboxPolicy.from_json(policy_json)
        reached = isolate(policy, keep_fds=(conn.fileno(),))
    except BaseException as exc:
        where = traceback.format_exc(limit=3)[-600:]
        _refuse(conn, f"{type(exc).__name__}: {exc} | {where}")
    wire.MAX_SEND_BYTES = policy.reply_bytes  # the grader's bound
    conn.send_bytes(wire.encode(protocol.Isolated(reached).to_wire()))
    try:
        server = Server(conn)
    except BaseException as exc:  # e.g. a library not visible in the sandbox
        _refuse(conn, f"{type(exc).__name__}: {exc}"[:500])
    server.serve()
