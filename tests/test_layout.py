"""The course directory (autograder/engine/layout.py): the paths come from the course's
nbgrader_config.py, nbgrader's defaults apply without one, and no name can leave its folder."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder.engine.layout import CourseLayout

REPO = Path(__file__).resolve().parents[1]


def test_this_course_reads_its_own_nbgrader_config():
    layout = CourseLayout.of(REPO)
    assert (layout.course_id, layout.source, layout.release) == ("nnbio", "solutions", "exercises")
    assert layout.source_notebook("05-cnn") == REPO / "solutions" / "05-cnn" / "05-cnn.ipynb"
    assert layout.source_notebook("05-cnn").is_file()
    assert layout.state_file("alice", "05-cnn") == REPO / "autograded" / "alice" / "05-cnn" / "grading.json"


def test_another_course_with_its_own_directories(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        'c = get_config()\nc.CourseDirectory.course_id = "bio101"\n'
        'c.CourseDirectory.submitted_directory = "handed_in"\n')
    layout = CourseLayout.of(tmp_path)
    assert layout.course_id == "bio101" and layout.source == "source"
    assert layout.submission("bob", "hw1") == tmp_path / "handed_in" / "bob" / "hw1"


def test_a_changed_config_is_read_again(tmp_path):
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    assert CourseLayout.of(tmp_path).source == "solutions"
    config = tmp_path / "nbgrader_config.py"
    config.write_text(config.read_text() + '\nc.CourseDirectory.source_directory = "src"\n')
    assert CourseLayout.of(tmp_path).source == "src"


def test_without_a_config_nbgrader_defaults_apply(tmp_path):
    layout = CourseLayout.of(tmp_path)
    assert (layout.source, layout.submitted, layout.autograded) == ("source", "submitted", "autograded")


@pytest.mark.parametrize("name", ["..", ".", "", "a/b", "../../etc"])
def test_a_name_that_is_not_one_path_component_is_refused(tmp_path, name):
    with pytest.raises(ValueError):
        CourseLayout.of(tmp_path).autograded_folder(name, "hw1")
