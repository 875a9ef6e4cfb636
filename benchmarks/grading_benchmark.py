"""Grade a few hundred synthetic submissions with the sandboxed engine and with serial
`nbgrader autograde` on the same machine, check the scores agree where they should, and
report the speed ratio (a script, not a test).

    .venv/bin/python benchmarks/grading_benchmark.py [--per-chapter 27] [--chapters 01-neuron ...]
        [--workers 2] [--hostile-limit call_seconds=60 ...]

Submissions per chapter, cycling through: the solution (correct), the untouched student
notebook (blank), and the solution with one function replaced by a bug from the chapter's
bank (buggy). Honest submissions must get identical per-cell scores from both graders.

The engine also grades four hostile submissions per chapter, timed separately with the
default sandbox limits unless --hostile-limit says otherwise: an infinite loop, os._exit, a
memory bomb (each in the first graded function), and a bug hidden behind patched numpy
comparisons and a patched grader. Each must lose points. Plain nbgrader is given only the
two it can survive (os._exit, patch; it has no memory limit and a hang costs it its cell
timeout), and its scores are reported next to the engine's. Writes
benchmarks/results/grading.json.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

HOSTILE = {
    "hang": "def {fn}(*args, **kwargs):\n    while True:\n        pass\n",
    "exit": "import os\ndef {fn}(*args, **kwargs):\n    os._exit(0)\n",
    "bomb": "import numpy as np\ndef {fn}(*args, **kwargs):\n    return [np.ones(10**8) for _ in range(100)]\n",
    # a wrong answer (the bank's first bug) plus patched comparisons and grader
    "patch": ("import numpy as np\nnp.allclose = lambda *a, **k: True\n"
              "np.testing.assert_allclose = lambda *a, **k: None\n"
              "try:\n    import autograder.engine.testing as _t\n"
              "    _t.expect_close = lambda actual, expected, *a, **k: np.asarray(expected, float)\n"
              "except Exception:\n    pass\n"),
}
NBGRADER_SAFE = ("exit", "patch")  # hostile submissions plain nbgrader can be given safely
BANK_STUB = ("class Bank:\n    def __init__(self, chapter):\n        pass\n"
             "    def mutant(self, function, why):\n        return lambda f: f\n"
             "    alternative = mutant\n")


def build(root: Path, chapters: list[str], per_chapter: int, hostile: bool | str) -> dict:
    from autograder.engine import registry
    from autograder.engine.bank import load_bank

    shutil.copy(REPO / "nbgrader_config.py", root)
    kinds = {}
    for ch in chapters:
        shutil.copytree(REPO / "solutions" / ch, root / "solutions" / ch)
        solution = json.loads((REPO / "solutions" / ch / f"{ch}.ipynb").read_text())
        blank = json.loads((REPO / "exercises" / ch / f"{ch}.ipynb").read_text())
        bank = load_bank(ch)
        bank_src = re.sub(r"^from autograder\.engine\.bank import Bank\s*$", BANK_STUB,
                          (REPO / "tests" / ch / "bank.py").read_text(), flags=re.M)
        fn0 = registry.suite(ch).functions()[0]
        for i in range(per_chapter):
            kind = ("correct", "blank", "buggy")[i % 3]
            nb = json.loads(json.dumps(blank if kind == "blank" else solution))
            if kind == "buggy":
                m = bank.mutants[(i // 3) % len(bank.mutants)]
                _insert_before_test(nb, m.function,
                                    _cell(f"{bank_src}\n{m.function} = {m.implementation.__name__}\n"))
            _submit(root, f"s{i:04d}", ch, nb)
            kinds[(f"s{i:04d}", ch)] = kind
        for name, code in HOSTILE.items():
            if not hostile or (hostile == "nbgrader-safe" and name not in NBGRADER_SAFE):
                continue
            nb = json.loads(json.dumps(solution))
            if name == "patch":
                m = next((m for m in bank.mutants if m.function == fn0), bank.mutants[0])
                code = f"{bank_src}\n{m.function} = {m.implementation.__name__}\n{code}"
                _insert_before_test(nb, m.function, _cell(code))
            else:
                _insert_before_test(nb, fn0, _cell(code.format(fn=fn0)))
            _submit(root, f"hostile_{name}", ch, nb)
            kinds[(f"hostile_{name}", ch)] = "hostile"
    return kinds


def _insert_before_test(nb, function, cell):
    ids = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
    nb["cells"].insert(ids.index(f"test_{function}"), cell)


def _cell(source):
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": source}


def _submit(root, student, ch, nb):
    d = root / "submitted" / student / ch
    d.mkdir(parents=True)
    (d / f"{ch}.ipynb").write_text(json.dumps(nb))


def cell_scores(root: Path, chapters):
    from autograder.engine import gradebook

    return {(r["student"], r["chapter"]): {k: v[0] for k, v in r["grades"].items()}
            for r in gradebook.scores(gradebook.default_db_url(root), chapters)}


def stage_seconds(root: Path, submissions) -> dict:
    """The worker time of the honest class, summed per pipeline stage (``record`` runs in the
    main process, beside the workers)."""
    from autograder.engine.jobs import load_state

    total: dict[str, float] = {}
    for student, chapter in submissions:
        state = load_state(root, student, chapter)
        for stage, seconds in (state.stages if state else {}).items():
            total[stage] = round(total.get(stage, 0.0) + seconds, 2)
    return total


def release_into_gradebook(root: Path, chapters) -> float:
    """Seconds to put the chapters and their grade cells into a fresh gradebook (nbgrader's
    ``generate_assignment``, once per chapter): what ``release`` does before any grading."""
    from autograder.engine import gradebook

    start = time.perf_counter()
    gradebook.ensure_assignments(root, chapters, gradebook.default_db_url(root))
    return round(time.perf_counter() - start, 1)


def pool_startup_seconds(workers: int) -> float:
    """Wall time until a fresh pool of warm workers (torch imported, sandbox template
    started) has answered one trivial job per worker: the start-up a class pays once."""
    from autograder.engine import pool, scheduler

    start = time.perf_counter()
    executor = pool.GraderPool(workers, lambda fn, args: 120.0, initializer=scheduler._warm)
    try:
        for future in [executor.submit(os.getpid) for _ in range(workers)]:
            future.result()
    finally:
        executor.terminate()
    return round(time.perf_counter() - start, 2)


def dask_seconds(root: Path, chapters, per_chapter: int, workers: int) -> float:
    """Wall time of the honest class on a local Dask cluster of ``workers`` worker processes
    (one thread each, allowed to start the sandboxes), cluster start excluded."""
    import dask
    from distributed import LocalCluster

    from autograder.engine.scheduler import grade_class

    root.mkdir()
    build(root, chapters, per_chapter, hostile=False)
    release_into_gradebook(root, chapters)
    with dask.config.set({"distributed.worker.daemon": False}), \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                         dashboard_address=None) as cluster:
        start = time.perf_counter()
        grade_class(root, chapters, scheduler=cluster.scheduler_address, progress=False)
        return round(time.perf_counter() - start, 1)


def main() -> int:
    from autograder.engine import cli, registry
    from autograder.engine.jobs import load_state
    from autograder.engine.scheduler import grade_class

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", nargs="*", default=None)
    parser.add_argument("--per-chapter", type=int, default=27)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--hostile-limit", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--no-hostile", action="store_true")
    parser.add_argument("--no-nbgrader", action="store_true",
                        help="skip serial nbgrader (no speed-up, no score comparison)")
    parser.add_argument("--dask-workers", type=int, nargs="*", default=[], metavar="N",
                        help="also grade the honest class on a local Dask cluster of N workers")
    args = parser.parse_args()
    hostile_limits = cli.parse_limits(args.hostile_limit)
    load_before = os.getloadavg()
    chapters = args.chapters or registry.chapters()
    with tempfile.TemporaryDirectory() as tmp:
        eng_root, nbg_root = Path(tmp) / "engine", Path(tmp) / "nbgrader"
        eng_root.mkdir()
        nbg_root.mkdir()
        kinds = build(eng_root, chapters, args.per_chapter, hostile=False)
        build(nbg_root, chapters, args.per_chapter, hostile=False)
        honest = list(kinds)

        # the assignments into the gradebook first, as the instructor's `release` does and as
        # nbgrader's run below gets it: the same start for both graders, timed apart
        release_s = release_into_gradebook(eng_root, chapters)
        start = time.perf_counter()  # the honest class first, timed on its own
        grade_class(eng_root, chapters, workers=args.workers, progress=True)
        engine_all = time.perf_counter() - start
        stages = stage_seconds(eng_root, honest)
        startup = pool_startup_seconds(args.workers)
        dask = {n: dask_seconds(Path(tmp) / f"dask-{n}", chapters, args.per_chapter, n)
                for n in args.dask_workers}
        hostile_root = Path(tmp) / "hostile"
        hostile_root.mkdir()
        hostile_kinds = {} if args.no_hostile else build(hostile_root, chapters, 0, hostile=True)
        start = time.perf_counter()
        if hostile_kinds:
            grade_class(hostile_root, chapters, workers=args.workers, progress=True,
                        limits=hostile_limits or None)
        hostile_s = time.perf_counter() - start
        hostile_states = {k: load_state(hostile_root, *k) for k in hostile_kinds}

        assert cli.release(nbg_root, chapters) == 0
        start = time.perf_counter()
        if not args.no_nbgrader:
            cli.autograde_nbgrader(nbg_root, chapters)
        nbgrader_s = time.perf_counter() - start

        # the hostile submissions plain nbgrader can survive, graded by it for comparison
        nbg_hostile_root = Path(tmp) / "nbgrader-hostile"
        nbg_hostile_root.mkdir()
        nbg_hostile = [] if args.no_hostile or args.no_nbgrader else list(
            build(nbg_hostile_root, chapters, 0, hostile="nbgrader-safe"))
        if nbg_hostile:
            assert cli.release(nbg_hostile_root, chapters) == 0
            cli.autograde_nbgrader(nbg_hostile_root, chapters)
        nbg_hostile_scores = cell_scores(nbg_hostile_root, chapters)

        eng, nbg = cell_scores(eng_root, chapters), cell_scores(nbg_root, chapters)
        disagree = [] if args.no_nbgrader else [k for k in honest if eng.get(k) != nbg.get(k)]
        hostile_scores = cell_scores(hostile_root, chapters)
        hostile_total = {k: sum((hostile_scores.get(k) or {}).values()) for k in hostile_kinds}
        full = {c: sum(eng[(s, c)].values()) for (s, c), kind in kinds.items() if kind == "correct"}
        # a hang, exit, memory bomb or a bug hidden behind patched comparisons must lose points
        hostile_wrong = [f"{s}/{c}" for (s, c), total in hostile_total.items()
                         if total >= full.get(c, 0)]
        nbg_hostile_total = {k: (sum(nbg_hostile_scores[k].values()) if k in nbg_hostile_scores
                                 else "not graded") for k in nbg_hostile}
    figures = {
        "machine": {"cpus": os.cpu_count(), "load_average_before": [round(x, 2) for x in load_before]},
        "workers": args.workers,
        "chapters": chapters, "honest_submissions": len(honest),
        "kinds": {k: sum(v == k for v in kinds.values()) for k in ("correct", "blank", "buggy")},
        "hostile_submissions": len(hostile_kinds),
        "engine_seconds_honest": round(engine_all, 1),
        "engine_seconds_hostile": round(hostile_s, 1),
        "nbgrader_serial_seconds_honest": round(nbgrader_s, 1),
        "engine_per_submission_s": round(engine_all / len(honest), 3),
        "nbgrader_per_submission_s": round(nbgrader_s / len(honest), 3),
        "speedup": None if args.no_nbgrader else round(nbgrader_s / engine_all, 2),
        "engine_worker_seconds_by_stage": stages,
        "engine_pool_startup_seconds": startup,
        "gradebook_release_seconds_not_timed": release_s,
        "dask_seconds_honest_by_workers": dask,
        "dask_throughput_relative_to_one_worker": (
            {n: round(dask[1] / dask[n], 2) for n in dask} if 1 in dask else None),
        "scores_disagree_on_honest": [f"{s}/{c}" for s, c in disagree],
        "hostile_limits": hostile_limits or "defaults (autograder.engine.remote.Limits)",
        "hostile_scored_wrongly": hostile_wrong,
        "hostile_scores": {f"{s}/{c}": v for (s, c), v in hostile_total.items()},
        "full_marks": full,
        "plain_nbgrader_on_hostile": {f"{s}/{c}": v for (s, c), v in nbg_hostile_total.items()},
        "hostile_seconds_each": {f"{s}/{c}": st.seconds if st else None for (s, c), st in hostile_states.items()},
    }
    out = REPO / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "grading.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))
    return 0 if not disagree and not hostile_wrong else 1


if __name__ == "__main__":
    sys.exit(main())
