"""The engine on a PostgreSQL gradebook (a real server: .ci/run installs and starts one and
sets NNBIO_POSTGRES_URL) and on a Dask distributed cluster (a local one)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.engine import gradebook, registry
from autograder.engine.scheduler import grade_class

REPO = Path(__file__).resolve().parents[1]
CH = "02-activations"
pytestmark = pytest.mark.slow


def _course(root: Path, students: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "solutions" / CH, root / "solutions" / CH)
    for student, source in students.items():
        d = root / "submitted" / student / CH
        d.mkdir(parents=True)
        shutil.copy(REPO / source / CH / f"{CH}.ipynb", d)
    return root


def _expected(student):
    return registry.suite(CH).max_points if student.startswith("sol") else (lambda fn: 0.0)


@pytest.fixture
def postgres_url():
    url = os.environ.get("NNBIO_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must provide a PostgreSQL server (NNBIO_POSTGRES_URL, see .ci/run)")
        pytest.skip("set NNBIO_POSTGRES_URL (bash .ci/postgres.sh prints one) to run")
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    with engine.begin() as con:  # a fresh schema for every run
        con.execute(sqlalchemy.text("drop schema public cascade; create schema public"))
    engine.dispose()
    return url


def test_postgres_gradebook_with_two_graders(tmp_path, postgres_url):
    a = _course(tmp_path / "grader_a", {"sol_ana": "solutions", "blank_ben": "exercises"})
    b = _course(tmp_path / "grader_b", {"sol_carl": "solutions"})
    grade_class(a, [CH], workers=2, progress=False, db_url=postgres_url)
    grade_class(b, [CH], workers=1, progress=False, db_url=postgres_url)
    rows = {r["student"]: r for r in gradebook.scores(postgres_url, [CH])}
    total = sum(registry.suite(CH).max_points(f) for f in registry.suite(CH).functions())
    assert rows["sol_ana"]["score"] == total == rows["sol_carl"]["score"]
    assert rows["blank_ben"]["score"] == 0
    # instructors keep nbgrader's own tools: export reads the same database
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    out = tmp_path / "grades.csv"
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "export", f"--db={postgres_url}",
                           f"--to={out}"], cwd=a, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text()
    assert "sol_ana" in text and "sol_carl" in text and "blank_ben" in text


def test_dask_cluster_gives_the_same_scores_as_the_local_pool(tmp_path, dask_cluster):
    students = {"sol_dora": "solutions", "blank_eve": "exercises"}
    local = _course(tmp_path / "local", students)
    remote = _course(tmp_path / "dask", students)
    grade_class(local, [CH], workers=2, progress=False)
    summary = grade_class(remote, [CH], scheduler=dask_cluster.scheduler_address, progress=False)
    assert summary["graded_now"] == 2
    for student in students:
        a = json.loads((local / "autograded" / student / CH / "grading.json").read_text())
        b = json.loads((remote / "autograded" / student / CH / "grading.json").read_text())
        assert [(f["function"], f["points"]) for f in a["functions"]] == \
               [(f["function"], f["points"]) for f in b["functions"]]


def test_a_dask_cluster_of_daemonic_workers_is_refused_with_the_fix(tmp_path):
    """Dask's workers are daemonic by default, and a daemonic process cannot start the
    sandbox's: the command stops before grading anything and says which setting to change."""
    from distributed import LocalCluster

    course = _course(tmp_path / "dask", {"sol_dora": "solutions"})
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        with pytest.raises(RuntimeError, match="distributed.worker.daemon"):
            grade_class(course, [CH], scheduler=cluster.scheduler_address, progress=False)
    assert not (course / "autograded").exists()
