"""The course directory, as nbgrader lays it out: one object that reads the course's
``nbgrader_config.py`` and owns every path the engine reads or writes, so no other module
spells ``submitted/`` or ``autograded/``.

    <root>/<source>/<assignment>/<notebook>.ipynb         instructor notebooks (ours: solutions/)
    <root>/<release>/<assignment>/                        student notebooks (ours: exercises/)
    <root>/<submitted>/<student>/<assignment>/            collected submissions
    <root>/<autograded>/<student>/<assignment>/           autograded notebooks, grading.json
    <root>/<feedback>/<student>/<assignment>/             nbgrader's feedback

The directory names and the course id are nbgrader's ``CourseDirectory`` settings; where the
configuration does not set one, nbgrader's default applies (and this course's id, ``nnbio``,
for the gradebook). Student and assignment names are single path components: a name with a
separator or ``..`` is refused, so nothing a submission names can point outside its folder.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

STATE_FILE = "grading.json"
DEFAULT_COURSE_ID = "nnbio"


@dataclass(frozen=True)
class CourseLayout:
    root: Path
    course_id: str = DEFAULT_COURSE_ID
    source: str = "source"
    release: str = "release"
    submitted: str = "submitted"
    autograded: str = "autograded"
    feedback: str = "feedback"

    @classmethod
    def of(cls, root: Path | str) -> CourseLayout:
        """The layout of the course at ``root``, from its ``nbgrader_config.py``."""
        root = Path(root)
        config = root / "nbgrader_config.py"
        try:
            stamp = config.stat().st_mtime_ns
        except OSError:
            stamp = None
        return _read(root, stamp)

    def submission(self, student: str, assignment: str) -> Path:
        return self.root / self.submitted / _part(student) / _part(assignment)

    def autograded_folder(self, student: str, assignment: str) -> Path:
        return self.root / self.autograded / _part(student) / _part(assignment)

    def state_file(self, student: str, assignment: str) -> Path:
        return self.autograded_folder(student, assignment) / STATE_FILE

    def autograded_notebook(self, student: str, assignment: str, name: str) -> Path:
        return self.autograded_folder(student, assignment) / f"{_part(name)}.ipynb"

    def source_folder(self, assignment: str | None = None) -> Path:
        folder = self.root / self.source
        return folder / _part(assignment) if assignment else folder

    def source_notebook(self, assignment: str, name: str | None = None) -> Path:
        return self.source_folder(assignment) / f"{_part(name or assignment)}.ipynb"


def _part(name: str) -> str:
    """``name`` if it is one path component (not empty, no separator, not ``.`` or ``..``)."""
    if not name or name in (".", "..") or os.sep in name or (os.altsep and os.altsep in name):
        raise ValueError(f"not a file or folder name: {name!r}")
    return name


@lru_cache(maxsize=64)
def _read(root: Path, stamp: int | None) -> CourseLayout:
    directory: dict = {}
    if stamp is not None:
        directory = dict(course_config(root).get("CourseDirectory", {}))
    names = {field: str(directory[key]) for field, key in (
        ("course_id", "course_id"), ("source", "source_directory"),
        ("release", "release_directory"), ("submitted", "submitted_directory"),
        ("autograded", "autograded_directory"), ("feedback", "feedback_directory"))
        if directory.get(key)}
    return CourseLayout(root, **names)


def course_config(root: Path):
    """The traitlets configuration of the course's ``nbgrader_config.py`` (nbgrader's
    defaults when it is absent or broken)."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    if root is not None and (Path(root) / "nbgrader_config.py").exists():
        try:
            return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        except Exception:  # a broken config: nbgrader's defaults
            pass
    return Config()
