"""The instructor's command line: release exercises, autograde a class, write reports.

    python -m autograder.engine.cli release [ASSIGNMENT ...]     solutions/ -> exercises/ (nbgrader)
    python -m autograder.engine.cli autograde [ASSIGNMENT ...]   grade submitted/<student>/<id>/
        --workers N          parallel sandboxes on this machine (default: number of CPUs)
        --scheduler ADDRESS  grade on a Dask distributed cluster instead
        --force              grade everything again (default: only new or changed submissions)
        --engine nbgrader    plain `nbgrader autograde`, one submission after another
        --db URL             gradebook (default sqlite:///<root>/gradebook.db)
        --limit NAME=VALUE   change a sandbox limit, e.g. --limit call_seconds=20
                             (names and defaults: autograder.engine.remote.Limits)
    python -m autograder.engine.cli report [ASSIGNMENT ...]      reports/: CSVs, histogram, feedback

Run from the course root (the repository root, an nbgrader course directory). An assignment
is one of the course's chapters or any other nbgrader assignment of the source directory
(an instructor's own homework). The default engine runs each submission's code in its own
sandboxed process: a chapter's hidden tests run outside it (see autograder/engine/hidden_tests.py), any
other assignment's test cells inside it, scored by nbgrader's own rules (see
autograder/engine/assignments.py); scores land in nbgrader's gradebook per grade cell.
Exit status is non-zero only when the grading infrastructure itself fails.
"""
from __future__ import annotations

import argparse
import csv
import html
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from autograder.engine import registry
from autograder.engine.layout import CourseLayout
from autograder.engine.result import SubmissionResult


def _nbgrader(args: list[str], root: Path, timeout: float | None = None):
    cmd = [sys.executable, "-m", "nbgrader", *args]
    env = dict(os.environ)
    # nbgrader runs the `alembic` script of its own environment: put that environment first.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=timeout, env=env)


def release(root: Path, chapters: list[str], db_url: str | None = None) -> int:
    """Generate the student version of each chapter into exercises/ with nbgrader."""
    failed = 0
    for ch in chapters:
        extra = [f"--db={db_url}"] if db_url else []
        proc = _nbgrader(["generate_assignment", ch, "--force", "--log-level=WARN", *extra], root)
        print(f"release {ch}: {'ok' if proc.returncode == 0 else 'FAILED'}")
        if proc.returncode:
            failed += 1
            print(proc.stdout[-2000:], proc.stderr[-2000:])
    return 1 if failed else 0


def submissions(root: Path, chapters: list[str]) -> list[tuple[str, str]]:
    """(student, chapter) pairs found under submitted/ (symlinks too: they are reported)."""
    from autograder.engine import files

    return [(student, ch) for student in files.student_folders(root) for ch in chapters
            if files.has_folder(root, student, ch)]


def autograde_nbgrader(root: Path, chapters: list[str], db_url: str | None = None,
                       per_submission_timeout: float = 1800) -> int:
    """Plain `nbgrader autograde`, one submission after another (the baseline)."""
    todo = submissions(root, chapters)
    problems = {}
    for i, (student, ch) in enumerate(todo, 1):
        start = time.perf_counter()
        extra = [f"--db={db_url}"] if db_url else []
        try:
            proc = _nbgrader(["autograde", ch, "--student", student, "--force", "--create",
                              "--log-level=WARN", *extra], root, timeout=per_submission_timeout)
            ok = proc.returncode == 0
            reason = "" if ok else _last_error(proc.stdout + proc.stderr)
        except subprocess.TimeoutExpired:
            ok, reason = False, f"grading took longer than {per_submission_timeout:.0f} s"
        if not ok:
            problems[f"{student}/{ch}"] = reason
        print(f"[{i}/{len(todo)}] {student} {ch}: {'graded' if ok else 'UNGRADABLE: ' + reason}"
              f" ({time.perf_counter() - start:.1f} s)")
    out = root / "reports"
    out.mkdir(exist_ok=True)
    (out / "ungradable-nbgrader.json").write_text(json.dumps(problems, indent=2))
    return 1 if todo and len(problems) == len(todo) else 0


def _last_error(log: str) -> str:
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "Error" in ln or "error" in ln]
    return (errors or lines or ["nbgrader failed without a message"])[-1][:300]


# ------------------------------------------------------------------ reports

def _nbgrader_outputs(nb_path: Path) -> dict[str, str]:
    """Feedback text of each grade cell of an nbgrader-autograded notebook: our printed
    report, or the error's name and message. Cell sources (hidden tests) are never included."""
    from autograder.engine import notebook, text

    try:
        with open(nb_path, "rb") as fh:
            nb = notebook.parse(fh.read(50_000_000))
    except (OSError, ValueError):
        return {}
    texts = {}
    for cell in nb["cells"]:
        if not notebook.cell_meta(cell).get("grade") or cell.get("cell_type") != "code":
            continue
        parts = []
        for out in cell.get("outputs", []) if isinstance(cell.get("outputs"), list) else []:
            if not isinstance(out, dict):
                continue
            if out.get("output_type") == "stream" and out.get("name") == "stdout":
                parts.append(notebook.cell_source({"source": out.get("text", "")}))
            elif out.get("output_type") == "error":
                parts.append(f"{out.get('ename')}: {out.get('evalue')}")
        texts[notebook.grade_id(cell)] = text.shorten("".join(parts).strip(), text.MAX_REPORT)
    return texts


TIMED_STAGES = ("read", "run", "test", "feedback", "record")  # seconds per stage, timings.csv


def report(root: Path, chapters: list[str], out: Path, db_url: str | None = None) -> int:
    """Grade table, per-test pass rates, histogram, ungradable list, timings, feedback, the
    instructor's dashboard (dashboard/, see autograder/engine/dashboard.py) and the grades for
    Canvas and Moodle (exports/, see autograder/engine/exports.py)."""
    from autograder.engine import dashboard, exports, gradebook, jobs

    db_url = db_url or gradebook.default_db_url(root)
    out.mkdir(parents=True, exist_ok=True)
    scores = gradebook.scores(db_url, chapters)
    graded = {(r["student"], r["chapter"]): r for r in scores}
    nbgrader_problems = {}
    legacy = root / "reports" / "ungradable-nbgrader.json"
    if legacy.exists():
        nbgrader_problems = json.loads(legacy.read_text())
    summary, grades, ungradable, timings, broken, board = [], [], [], [], [], []
    rates: defaultdict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for student, ch in submissions(root, chapters):
        state = jobs.load_state(root, student, ch)
        row = graded.get((student, ch))
        reason = (state.reason if state else "") or nbgrader_problems.get(f"{student}/{ch}", "")
        status = state.status if state else ("graded" if row and not reason else "ungradable")
        if row is None:
            status, reason = "ungradable", reason or "not graded yet"
        board.append(dashboard.submission_row(student, ch, status, reason, row, state))
        summary.append({"student": student, "chapter": ch, "score": row["score"] if row else 0.0,
                        "max_score": row["max_score"] if row else "", "status": status,
                        "reason": reason, "isolation": state.isolation if state else ""})
        if status != "graded":
            ungradable.append({"student": student, "chapter": ch, "reason": reason})
        for name, (score, max_score) in sorted((row or {}).get("grades", {}).items()):
            grades.append({"student": student, "chapter": ch, "test": name, "points": score,
                           "max_points": max_score})
        if state:
            timings.append({"student": student, "chapter": ch, "seconds": state.seconds,
                            "restarts": state.restarts, "isolation": state.isolation,
                            **{stage: state.stages.get(stage, "") for stage in TIMED_STAGES}})
            for f in state.functions:
                for t in f["tests"]:
                    key = (ch, f["function"], t["name"])
                    rates[key][0] += t["points"] == t["max_points"]
                    rates[key][1] += 1
                    if isinstance(t.get("grader_error"), dict):
                        broken.append({"student": student, "chapter": ch,
                                       "function": f["function"], "test": t["name"],
                                       **{k: t["grader_error"].get(k, "")
                                          for k in ("type", "message", "line")}})
        texts = _feedback_texts(root, student, ch, state)
        _write_feedback(out / "feedback" / student / f"{ch}.html", student, ch, row, texts,
                        state.notes if state else [], status, reason)
    _write_csv(out / "summary.csv", summary, ["student", "chapter", "score", "max_score",
                                               "status", "reason", "isolation"])
    weak = sorted({str(r["isolation"]) for r in summary if r["isolation"] not in ("", "full")})
    if weak:
        print(f"WARNING: some submissions were graded with weak isolation ({'; '.join(weak)}): "
              "see the isolation column of summary.csv")
    _write_csv(out / "grades.csv", grades, ["student", "chapter", "test", "points", "max_points"])
    _write_csv(out / "ungradable.csv", ungradable, ["student", "chapter", "reason"])
    _write_csv(out / "timings.csv", timings, ["student", "chapter", "seconds", "restarts",
                                               "isolation", *TIMED_STAGES])
    _write_csv(out / "grader_errors.csv", broken, ["student", "chapter", "function", "test",
                                                    "type", "message", "line"])
    if broken:
        print(f"WARNING: {len(broken)} hidden test runs raised an error in the test code itself "
              "(the students kept those points): see grader_errors.csv")
    _write_csv(out / "test_pass_rates.csv",
               [{"chapter": c, "function": f, "test": t, "passed": p, "submissions": n,
                 "pass_rate": round(p / n, 3)} for (c, f, t), (p, n) in sorted(rates.items())],
               ["chapter", "function", "test", "passed", "submissions", "pass_rate"])
    _histogram(out / "score_histogram.png", summary)
    dashboard.write(out / "dashboard", chapters, board, _rubrics(root, chapters))
    exports.write(out / "exports", db_url, chapters, scores)
    print(f"wrote {out}/: summary.csv, grades.csv, test_pass_rates.csv, ungradable.csv, "
          f"timings.csv, grader_errors.csv, score_histogram.png, feedback/, "
          f"dashboard/index.html (and one page per chapter), exports/canvas.csv, "
          f"exports/moodle.csv")
    return 0


def _rubrics(root: Path, chapters: list[str]) -> dict[str, dict[str, str]]:
    """chapter -> each written answer's grade id -> its model answer and rubric: the
    solution region of the source notebook's manually graded Markdown answer cells."""
    from autograder.engine import notebook

    out: dict[str, dict[str, str]] = {}
    for ch in chapters:
        try:
            nb = json.loads(CourseLayout.of(root).source_notebook(ch).read_text())
        except (OSError, ValueError):
            continue
        for cell in nb.get("cells", []):
            meta, gid = notebook.cell_meta(cell), notebook.grade_id(cell)
            if meta.get("grade") and meta.get("solution") and cell.get("cell_type") == "markdown":
                lines = notebook.cell_source(cell).split("\n")
                out.setdefault(ch, {})[gid] = "\n".join(
                    ln for ln in lines if "### BEGIN SOLUTION" not in ln
                    and "### END SOLUTION" not in ln).strip()
    return out


def _feedback_texts(root: Path, student: str, chapter: str,
                    state: SubmissionResult | None) -> dict:
    if state:
        return state.reports_by_grade_id()
    return _nbgrader_outputs(CourseLayout.of(root).autograded_notebook(student, chapter, chapter))


def _histogram(path: Path, summary: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_chapter = defaultdict(list)
    for r in summary:
        if r["max_score"]:
            by_chapter[r["chapter"]].append(100.0 * float(r["score"]) / float(r["max_score"]))
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for ch, values in sorted(by_chapter.items()):
        ax.hist(values, bins=range(0, 105, 5), alpha=0.6, label=ch)
    ax.set_xlabel("score (% of maximum)")
    ax.set_ylabel("submissions")
    if by_chapter:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _write_csv(path: Path, rows: list[dict], fields: list[str]) -> None:
    """A CSV file in which no cell can start a spreadsheet formula (see text.cell), and names
    that are not UTF-8 are written with their bytes escaped."""
    from autograder.engine import text

    with path.open("w", newline="", encoding="utf-8", errors="backslashreplace") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows({k: text.cell(v) for k, v in row.items()} for row in rows)


def _write_feedback(path: Path, student: str, chapter: str, row, texts: dict, notes: list,
                    status: str, reason: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    items = []
    if status != "graded":
        items.append(f"<section class='fail'><h2>Could not be graded</h2><pre>"
                     f"{html.escape(reason)}</pre></section>")
    for note in notes:
        items.append(f"<p class='note'>{html.escape(note)}</p>")
    total = maximum = 0.0
    row = row or {}
    comments = row.get("comments", {})
    for name, (score, max_score) in sorted(row.get("grades", {}).items()):
        shown = name.removeprefix("test_")
        pending = name in row.get("pending", [])
        score = score or 0.0
        total, maximum = total + score, maximum + max_score
        text = texts.get(name) or ("your instructor grades this by hand" if pending
                                   else "(no output)")
        cls = "pending" if pending else "pass" if score == max_score else "fail"
        points = "not graded yet" if pending else f"{score:g} / {max_score:g}"
        parts = [f"<section class='{cls}'><h2>{html.escape(shown)}: {points}</h2>"]
        if name in row.get("overrides", {}):
            auto = row["overrides"][name]
            auto = "no score" if auto is None else f"{auto:g} / {max_score:g}"
            parts.append(f"<p class='override'>Your instructor set this score to {score:g} / "
                         f"{max_score:g}; the autograder's result, below, was {auto}.</p>")
        for cell in dict.fromkeys((name, shown)):  # the test cell's and the answer's
            if comments.get(cell):
                parts.append(f"<p class='comment'>Comment from your instructor: "
                             f"{html.escape(comments[cell])}</p>")
        parts.append(f"<pre>{html.escape(text)}</pre></section>")
        items.append("".join(parts))
    path.write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(chapter)}: feedback for {html.escape(student)}</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "section{border-left:4px solid #2a2;padding-left:1em}section.fail{border-color:#c22}"
        "section.pending{border-color:#888}.note{color:#a60}.override,.comment{font-weight:bold}"
        "pre{white-space:pre-wrap}</style></head><body>"
        f"<h1>{html.escape(chapter)}: {total:g} / {maximum:g} points</h1>"
        + "".join(items) + "</body></html>")


# ------------------------------------------------------------------ entry point

def parse_limits(items: list[str]) -> dict:
    """``["call_seconds=20", ...]`` -> ``{"call_seconds": 20.0}``, checked against Limits."""
    from dataclasses import fields

    from autograder.engine.remote import Limits

    kinds = {f.name: f.type for f in fields(Limits)}
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in kinds:
            raise ValueError(f"--limit {item!r}: expected NAME=VALUE with NAME one of {sorted(kinds)}")
        try:
            number = (int if kinds[name] in (int, "int") else float)(value)
        except ValueError:
            raise ValueError(f"--limit {item!r}: {value!r} is not a number") from None
        if number <= 0:
            raise ValueError(f"--limit {item!r}: must be positive")
        out[name] = number
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.engine.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="course root (default: .)")
    parser.add_argument("--db", default=None, help="gradebook URL (default: SQLite in the root)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("release", "autograde", "report"):
        p = sub.add_parser(name)
        p.add_argument("chapters", nargs="*", metavar="ASSIGNMENT",
                       help="chapter ids or other nbgrader assignments of the source "
                            "directory (default: all)")
        if name == "autograde":
            p.add_argument("--engine", choices=["sandbox", "nbgrader"], default="sandbox")
            p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
            p.add_argument("--scheduler", default=None, help="Dask scheduler address")
            p.add_argument("--force", action="store_true")
            p.add_argument("--no-progress", action="store_true")
            p.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                           help="change a sandbox limit (see autograder.engine.remote.Limits)")
            p.add_argument("--allow-weak-isolation", action="store_true",
                           help="grade even where the sandbox cannot reach the minimum "
                                "isolation (see autograder.engine.remote.IsolationPolicy); every "
                                "report says so")
        if name == "report":
            p.add_argument("--out", type=Path, default=None, help="default: <root>/reports")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    from autograder.engine.assignments import source_assignments

    known = registry.chapters() + source_assignments(root)
    chapters = args.chapters or known
    unknown = [c for c in chapters if c not in known]
    if unknown:
        parser.error(f"unknown assignment(s) {unknown}: not a chapter of the course and not a "
                     f"folder with notebooks in the source directory; known: {known}")
    if args.command == "release":
        return release(root, chapters, args.db)
    if args.command == "report":
        return report(root, chapters, args.out or root / "reports", args.db)
    if args.engine == "nbgrader":
        return autograde_nbgrader(root, chapters, args.db)
    from autograder.engine.scheduler import grade_class

    try:
        limits = parse_limits(args.limit)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        summary = grade_class(root, chapters, workers=args.workers, scheduler=args.scheduler,
                              force=args.force, progress=not args.no_progress, db_url=args.db,
                              limits=limits or None,
                              allow_weak_isolation=args.allow_weak_isolation)
    except Exception as exc:  # the infrastructure failed: say so, exit non-zero
        print(f"grading failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(f"{summary['submissions']} submissions: {summary['graded_now']} graded now, "
          f"{summary['reused']} unchanged (kept), {summary['ungradable']} ungradable, "
          f"{summary['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
