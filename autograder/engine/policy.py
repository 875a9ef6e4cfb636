"""What a sandbox is allowed and must reach, as data.

* :class:`Limits`: the budgets an instructor changes with ``autograde --limit NAME=VALUE``
  (time per call, cell, notebook and submission; memory, files, processes...);
* :class:`IsolationPolicy`: the isolation properties a sandbox must reach before any student
  code runs (``--allow-weak-isolation`` relaxes it, and every report says so);
* :class:`SandboxPolicy`: everything the sandbox does to isolate itself, in the order it does
  it: the namespaces it enters, the mounts of its new root, its resource limits, its uid,
  the system calls it denies, its environment. The grader builds it from :class:`Limits`
  (:meth:`SandboxPolicy.from_limits`) and sends it to the child as JSON data; the child
  (:func:`autograder.engine.sandbox.isolate`) applies whatever it says and fails closed when
  a step fails, in the spirit of nsjail's configuration files.

Only the standard library (and :mod:`autograder.engine.seccomp`) is imported here: the
sandbox imports this module before it chroots.
"""
from __future__ import annotations

import os
import sys
from dataclasses import asdict, dataclass, field

from autograder.engine import seccomp

MB = 1024 * 1024


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


# ------------------------------------------------------------------ the sandbox's policy

UID_BASE, UID_RANGE = 200_000, 1 << 22  # a sandbox's uid is drawn from this range

NAMESPACES = ("mount", "network", "pid", "ipc")
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
RLIMITS = ("RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_CPU", "RLIMIT_NOFILE", "RLIMIT_CORE",
           "RLIMIT_NPROC")
MOUNT_KINDS = ("tmpfs", "folder", "device", "proc", "readonly")
BASE_ENV = {"TMPDIR": "/tmp", "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/matplotlib",
            "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin", "IPYTHONDIR": "/tmp/ipython"}


@dataclass(frozen=True)
class Mount:
    """One mount of the sandbox's new root, ``target`` a path inside it:

    * ``tmpfs``: a fresh tmpfs of ``size_mb`` with permissions ``mode``;
    * ``folder``: a new folder ``source`` of the new root (mode ``mode``), bound at ``target``
      (so several places share the budget of the tmpfs that holds ``source``);
    * ``device``: the host's device file ``target`` (``/dev/null``...), bound;
    * ``proc``: a fresh ``/proc`` of the sandbox's PID namespace;
    * ``readonly``: the host's ``target`` bound read-only, no setuid (skipped if missing).
    """

    kind: str
    target: str
    source: str = ""
    size_mb: int = 0
    mode: int = 0o755

    def __post_init__(self):
        if self.kind not in MOUNT_KINDS:
            raise ValueError(f"unknown kind of mount {self.kind!r}")
        if not self.target.startswith("/") or (self.kind == "folder"
                                                and not self.source.startswith("/")):
            raise ValueError(f"a mount's paths must be absolute ({self.target!r})")


@dataclass(frozen=True)
class SandboxPolicy:
    """Everything one sandbox does to isolate itself (applied in this order by
    :func:`autograder.engine.sandbox.isolate`, each step failing closed):

    1. ``namespaces``: new mount, network, PID and IPC namespaces (as root; else inside a user
       namespace when ``user_namespace_fallback``, mapping ``uid`` to the grader's uid);
    2. ``mounts``, in order, into a new root at ``root_dir`` (the writable tmpfs at ``/tmp``
       comes before the read-only binds, which may lie below ``/tmp``); then the staged
       files of ``files_dir`` (each under ``max_file_bytes``) are copied to ``workdir``,
       owned by ``uid``, and the process chroots and enters ``workdir``;
    3. ``rlimits``: (name of a ``resource.RLIMIT_*``, value) pairs;
    4. ``uid``: the unprivileged uid it drops to (claimed for this submission alone);
    5. ``output_file``: where stdout and stderr go (bounded by ``RLIMIT_FSIZE``);
       ``env``: the whole environment (``HOME`` is ``workdir``);
    6. ``denied_syscalls``: the system-call filter (:mod:`autograder.engine.seccomp`).

    ``reply_bytes`` bounds what it may send back (the grader refuses more).
    """

    root_dir: str
    files_dir: str | None
    uid: int
    namespaces: tuple[str, ...] = NAMESPACES
    user_namespace_fallback: bool = True
    mounts: tuple[Mount, ...] = ()
    workdir: str = "/submission"
    max_file_bytes: int = 50_000_000
    rlimits: tuple[tuple[str, int], ...] = ()
    output_file: str = "/tmp/output.txt"
    env: dict[str, str] = field(default_factory=dict)
    denied_syscalls: tuple[str, ...] = seccomp.DENIED
    reply_bytes: int = 64 * MB

    def __post_init__(self):
        unknown = [n for n in self.namespaces if n not in NAMESPACES] + \
                  [r for r, _ in self.rlimits if r not in RLIMITS] + \
                  [s for s in self.denied_syscalls if s not in seccomp.DENIED]
        if unknown:
            raise ValueError(f"not part of a sandbox policy: {', '.join(map(str, unknown))}")

    @classmethod
    def from_limits(cls, limits: Limits, *, root_dir: str, files_dir: str | None, uid: int,
                    extra_readonly: list | tuple = (), env: dict | None = None) -> SandboxPolicy:
        """The policy of one submission's sandbox under ``limits``."""
        readonly = [*SYSTEM_DIRS, *python_dirs(), *extra_readonly]
        mounts = (Mount("tmpfs", "/", size_mb=16, mode=0o755),
                  Mount("tmpfs", "/tmp", size_mb=limits.scratch_mb, mode=0o1777),
                  Mount("folder", "/dev/shm", source="/tmp/.shm", mode=0o1777),
                  *(Mount("device", dev) for dev in DEVICES),
                  Mount("proc", "/proc"),
                  *(Mount("readonly", str(path)) for path in readonly),
                  Mount("folder", "/submission", source="/tmp/.submission", mode=0o755))
        rlimits = (("RLIMIT_AS", limits.memory_mb * MB), ("RLIMIT_FSIZE", limits.file_mb * MB),
                   ("RLIMIT_CPU", limits.cpu_seconds), ("RLIMIT_NOFILE", 256),
                   ("RLIMIT_CORE", 0), ("RLIMIT_NPROC", limits.max_processes))
        return cls(root_dir=root_dir, files_dir=files_dir, uid=uid, mounts=mounts,
                   rlimits=rlimits, env={**BASE_ENV, **{str(k): str(v) for k, v in
                                                        (env or {}).items()}},
                   reply_bytes=limits.reply_mb * MB)

    def rlimit(self, name: str) -> int | None:
        return dict(self.rlimits).get(name)

    def to_json(self) -> dict:
        data = asdict(self)
        data["mounts"] = [asdict(m) for m in self.mounts]
        data["rlimits"] = [list(r) for r in self.rlimits]
        return data

    @classmethod
    def from_json(cls, data: dict) -> SandboxPolicy:
        """The policy back from :meth:`to_json` (ValueError when a field is missing or of
        the wrong type: the sandbox then refuses to start)."""
        try:
            return cls(root_dir=str(data["root_dir"]),
                       files_dir=None if data["files_dir"] is None else str(data["files_dir"]),
                       uid=int(data["uid"]), namespaces=tuple(data["namespaces"]),
                       user_namespace_fallback=bool(data["user_namespace_fallback"]),
                       mounts=tuple(Mount(**m) for m in data["mounts"]),
                       workdir=str(data["workdir"]), max_file_bytes=int(data["max_file_bytes"]),
                       rlimits=tuple((str(n), int(v)) for n, v in data["rlimits"]),
                       output_file=str(data["output_file"]),
                       env={str(k): str(v) for k, v in data["env"].items()},
                       denied_syscalls=tuple(data["denied_syscalls"]),
                       reply_bytes=int(data["reply_bytes"]))
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a sandbox policy ({type(exc).__name__}: {exc})") from None


def python_dirs() -> list[str]:
    """Directories the running interpreter may still read from (stdlib, site-packages)."""
    dirs = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    for p in sys.path:
        if p and os.path.isdir(p) and "site-packages" in p:
            dirs.add(os.path.realpath(p))
    return sorted(dirs)
