"""Reading a submission's files without trusting them.

A submission folder ``submitted/<student>/<chapter>/`` is whatever a student (or an unzip of
their upload) left there: names that are not UTF-8, symlinks to the solutions or to
``/proc/self/mem``, named pipes, sparse files of a terabyte. Everything here

* opens without following symlinks (``O_NOFOLLOW`` on every path component below
  ``submitted/``, directories opened with ``O_DIRECTORY`` and read through their descriptor);
* accepts regular files only (checked with ``fstat`` on the open descriptor, so a FIFO is
  refused before anything waits on it: it is opened with ``O_NONBLOCK``);
* checks the size before reading and never reads more than the bound;
* handles names as the file system gives them (``surrogateescape``), hashing their bytes.

:func:`scan` walks one submission and returns a :class:`Snapshot`: the digest that keys the
submission, the notebook's bytes, the other files it copied into a private staging folder
(what the sandbox sees), and a reason for every entry it left out.
"""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

MAX_NOTEBOOK_BYTES = 50_000_000     # a notebook larger than this is not graded
MAX_FILE_BYTES = 50_000_000         # a larger data file is not copied into the sandbox
MAX_TOTAL_BYTES = 200_000_000       # all copied files together (the sandbox's scratch is 256 MB)
MAX_ENTRIES = 1000                  # entries of a submission folder that are looked at
MAX_TIMESTAMP_BYTES = 1000
CHUNK = 1 << 20
NOT_HASHED = ("submission_secret.txt",)  # written by nbgrader; not the student's work
# nbgrader's own files of a submission, kept beside the autograded notebook as stock
# `nbgrader autograde` keeps them (generate_feedback and release_feedback read them there)
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class Unreadable(ValueError):
    """The submission (or one of its files) cannot be read safely; the message says why."""


def display_name(name: str) -> str:
    """A file name as it can be shown: undecodable bytes as \\xNN, control characters escaped."""
    raw = os.fsencode(name)
    text = raw.decode("utf-8", errors="backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)[:200]


def _kind(mode: int) -> str:
    for test, what in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return what
    return "not a regular file"


def open_folder(root: Path, *parts: str) -> int:
    """A descriptor of ``root/parts...``, refusing a symlink at any of ``parts`` (``root``
    itself is the instructor's and may be a link). The caller closes it."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    for depth, part in enumerate(parts):
        try:
            new = os.open(part, _DIR_FLAGS, dir_fd=fd)
        except OSError as exc:
            shown = "/".join(display_name(p) for p in parts[:depth + 1])
            try:
                mode = os.lstat(part, dir_fd=fd).st_mode
                what = _kind(mode)
            except OSError:
                what = f"unreadable ({exc.strerror})"
            os.close(fd)
            raise Unreadable(f"{shown} is {what}, not a folder; it is not followed") from None
        os.close(fd)
        fd = new
    return fd


def read_file(dir_fd: int, name: str, max_bytes: int) -> bytes:
    """The bytes of the regular file ``name`` in the folder ``dir_fd``, at most ``max_bytes``."""
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        try:
            what = _kind(os.lstat(name, dir_fd=dir_fd).st_mode)
        except OSError:
            what = f"unreadable ({exc.strerror})"
        raise Unreadable(f"{display_name(name)} is {what}; it was not read") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable(f"{display_name(name)} is {_kind(st.st_mode)}; it was not read")
        if st.st_size > max_bytes:
            raise Unreadable(f"{display_name(name)} is larger than {max_bytes / 1e6:.0f} MB "
                             f"({st.st_size / 1e6:.0f} MB)")
        chunks, total = [], 0
        while total <= max_bytes:
            chunk = os.read(fd, min(CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            raise Unreadable(f"{display_name(name)} is larger than {max_bytes / 1e6:.0f} MB")
        return b"".join(chunks)
    finally:
        os.close(fd)


@dataclass
class Snapshot:
    """What was read of one submission folder."""

    digest: str                                 # content of every regular file, by name
    notebook_name: str | None = None            # the notebook graded (None: none found)
    notebook: bytes | None = None
    notebooks: dict[str, bytes] = field(default_factory=dict)  # by name, when asked for
    staged: list[str] = field(default_factory=list)      # files copied for the sandbox
    skipped: dict[str, str] = field(default_factory=dict)  # shown name -> why left out
    timestamp: str | None = None                # nbgrader's timestamp.txt, if any
    nbgrader_files: dict[str, bytes] = field(default_factory=dict)  # NBGRADER_FILES found
    problem: str = ""                           # why the notebook itself cannot be graded

    def notes(self) -> list[str]:
        return [f"{name} was left out: {why}" for name, why in sorted(self.skipped.items())]


def scan(root: Path, student: str, chapter: str, copy_to: Path | None = None,
         notebooks: list[str] | None = None) -> Snapshot:
    """Walk ``root/submitted/<student>/<chapter>/`` safely; with ``copy_to``, copy the regular
    files (bounded) into that private folder. Raises :class:`Unreadable` when the folder itself
    cannot be read (a symlink, not a folder); a notebook that cannot be read is reported in
    ``problem`` so the submission is ungradable with that reason.

    A chapter has one notebook, ``<chapter>.ipynb`` (or the only notebook there, renamed).
    With ``notebooks`` (file names: an assignment of several notebooks), each of those found
    is read into ``Snapshot.notebooks`` instead, and a missing one is not a ``problem``."""
    fd = open_folder(Path(root), _submitted(root), student, chapter)
    digest = hashlib.sha256()
    snap = Snapshot(digest="")
    out_fd = os.open(copy_to, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC) if copy_to else None
    try:
        entries = sorted(os.scandir(fd), key=lambda e: os.fsencode(e.name))
        if len(entries) > MAX_ENTRIES:
            snap.skipped["(folder)"] = f"only the first {MAX_ENTRIES} of {len(entries)} entries"
            entries = entries[:MAX_ENTRIES]
        names = [e.name for e in entries]
        wanted = f"{chapter}.ipynb"
        wanted_notebooks = notebooks
        notebooks = [n for n in names if n.endswith(".ipynb")]
        snap.notebook_name = wanted if wanted in names else (
            notebooks[0] if len(notebooks) == 1 else None)
        if wanted_notebooks is not None:
            snap.notebook_name = None
        elif snap.notebook_name is None:
            snap.problem = f"missing notebook {wanted}" + (
                f" (found {', '.join(display_name(n) for n in notebooks)})" if notebooks else "")
        copied = 0
        for name in names:
            digest.update(os.fsencode(name) + b"\0")
            if name == "timestamp.txt":  # part of the key: a late resubmission is graded again
                try:
                    raw = read_file(fd, name, MAX_TIMESTAMP_BYTES)
                    digest.update(raw + b"\0")
                    snap.timestamp = raw.decode("utf-8", errors="replace").strip()
                    snap.nbgrader_files[name] = raw
                except Unreadable as exc:
                    snap.skipped[display_name(name)] = str(exc)
                continue
            if name in NOT_HASHED:
                try:
                    snap.nbgrader_files[name] = read_file(fd, name, MAX_TIMESTAMP_BYTES)
                except Unreadable as exc:
                    snap.skipped[display_name(name)] = str(exc)
                continue
            is_notebook = name == snap.notebook_name or name in (wanted_notebooks or ())
            limit = MAX_NOTEBOOK_BYTES if is_notebook else MAX_FILE_BYTES
            try:
                data = read_file(fd, name, limit)
            except Unreadable as exc:
                digest.update(b"unread:" + str(exc).encode() + b"\0")
                if name == snap.notebook_name:
                    snap.problem = f"the notebook {exc}"
                else:
                    snap.skipped[display_name(name)] = str(exc)
                continue
            digest.update(hashlib.sha256(data).digest())
            if name == snap.notebook_name:
                snap.notebook = data
            if name in (wanted_notebooks or ()):
                snap.notebooks[name] = data
            if out_fd is not None:
                if copied + len(data) > MAX_TOTAL_BYTES:
                    snap.skipped[display_name(name)] = (
                        f"the submission's files exceed {MAX_TOTAL_BYTES / 1e6:.0f} MB in all")
                    continue
                _write(out_fd, name, data)
                copied += len(data)
                snap.staged.append(name)
    finally:
        os.close(fd)
        if out_fd is not None:
            os.close(out_fd)
    snap.digest = digest.hexdigest()
    return snap


def _write(dir_fd: int, name: str, data: bytes) -> None:
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o644, dir_fd=dir_fd)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _submitted(root: Path) -> str:
    """The course's submitted directory (nbgrader's ``submitted_directory``)."""
    from autograder.engine.layout import CourseLayout

    return CourseLayout.of(root).submitted


def student_folders(root: Path) -> list[str]:
    """Names under ``submitted/`` (as the file system gives them), sorted by their bytes;
    symlinks are listed too, and refused later, per submission, with a reason."""
    try:
        fd = open_folder(Path(root), _submitted(root))
    except (OSError, Unreadable):
        return []
    try:
        return sorted((e.name for e in os.scandir(fd)), key=os.fsencode)
    finally:
        os.close(fd)


def has_folder(root: Path, student: str, chapter: str) -> bool:
    """Whether ``submitted/<student>/<chapter>`` exists as any kind of entry (a symlink too:
    it is then graded as ungradable, with the reason, rather than ignored)."""
    try:
        fd = open_folder(Path(root), _submitted(root), student)
    except Unreadable:
        # the student's folder itself is a link: list it if it points at a chapter folder
        folder = Path(root) / _submitted(root) / student
        return os.path.lexists(folder) and os.path.isdir(folder / chapter)
    try:
        os.lstat(chapter, dir_fd=fd)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
