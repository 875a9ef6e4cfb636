"""Speed figures for the course, measured on this machine (a script, not a timed test).

    .venv/bin/python benchmarks/run_benchmarks.py [--skip-book]

Reports, next to their targets (2-core CPU):
  * clean book build (fresh execution cache) < 300 s, and a no-op rebuild;
  * execution time of each solution notebook (every cell, hidden tests included) < 60 s;
  * train_mlp (the reference) held-out accuracy >= 0.95 in < 30 s;
  * autograding time per submission with the instructor CLI (nbgrader underneath).
Writes benchmarks/results/latest.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _env():
    env = dict(os.environ, NNBIO_STATIC_WIDGETS="1")
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    return env


def _timed(cmd, cwd) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=_env())
    if proc.returncode:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return time.perf_counter() - start


def book_build(work: Path) -> dict:
    shutil.copytree(REPO / "book", work / "book", ignore=shutil.ignore_patterns("_build"))
    shutil.copytree(REPO / "exercises", work / "exercises")
    cmd = [BIN / "jupyter-book", "build", "book", "--warningiserror", "--nitpick", "--keep-going"]
    clean = _timed(cmd, work)
    noop = _timed(cmd, work)
    return {"clean_build_s": round(clean, 1), "noop_build_s": round(noop, 1)}


def solution_notebooks() -> dict:
    import nbformat
    from nbclient import NotebookClient

    times = {}
    for path in sorted((REPO / "solutions").glob("*/*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        with tempfile.TemporaryDirectory() as cwd:
            start = time.perf_counter()
            NotebookClient(nb, timeout=600, kernel_name="python3",
                           resources={"metadata": {"path": cwd}}).execute()
            times[path.parent.name] = round(time.perf_counter() - start, 1)
    return times


def train_mlp_figure() -> dict:
    import numpy as np

    from autograder.engine import registry
    from nnbio_helpers.data import load_digits_split

    ref = registry.reference("03-backprop")
    X_tr, y_tr, X_te, y_te = load_digits_split(seed=0)
    start = time.perf_counter()
    params = ref.train_mlp(X_tr, y_tr)
    seconds = time.perf_counter() - start
    logits, _ = ref.mlp_forward(params, X_te)
    return {"train_mlp_s": round(seconds, 2),
            "train_mlp_heldout_accuracy": round(float(np.mean(logits.argmax(1) == y_te)), 4)}


def autograding(work: Path) -> dict:
    from autograder.engine import registry

    root = work / "course"
    root.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "solutions", root / "solutions")
    cli = [sys.executable, "-m", "autograder.engine.cli", "--root", str(root)]
    _timed(cli + ["release"], root)
    n = 0
    for ch in registry.chapters():
        for student, src in (("solution", "solutions"), ("blank", "exercises")):
            dest = root / "submitted" / student / ch
            dest.mkdir(parents=True)
            shutil.copy(root / src / ch / f"{ch}.ipynb", dest)
            n += 1
    seconds = _timed(cli + ["autograde"], root)
    return {"submissions": n, "autograde_total_s": round(seconds, 1),
            "autograde_per_submission_s": round(seconds / n, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-book", action="store_true")
    args = parser.parse_args()
    figures = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if not args.skip_book:
            figures["book"] = book_build(work)
        figures["solution_notebook_s"] = solution_notebooks()
        figures["train_mlp"] = train_mlp_figure()
        figures["autograde"] = autograding(work)
    checks = {
        "each solution notebook < 60 s": all(v < 60 for v in figures["solution_notebook_s"].values()),
        "train_mlp >= 0.95 in < 30 s": figures["train_mlp"]["train_mlp_heldout_accuracy"] >= 0.95
        and figures["train_mlp"]["train_mlp_s"] < 30,
    }
    if "book" in figures:
        checks["clean book build < 300 s"] = figures["book"]["clean_build_s"] < 300
    figures["targets"] = checks
    out = REPO / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
