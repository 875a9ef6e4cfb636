"""The instructor's command line: release exercises, autograde a class, write reports.

    python -m autograder.cli release [CHAPTER ...]     solutions/ -> exercises/ (nbgrader)
    python -m autograder.cli autograde [CHAPTER ...]   grade submitted/<student>/<chapter>/
    python -m autograder.cli report [--out reports]    grades.csv, summary.csv, feedback HTML

Run from the course root (the repository root, an nbgrader course directory). Grading uses
nbgrader's own commands and SQLite gradebook (``gradebook.db``), so ``nbgrader export`` and
formgrader keep working. Each submission is graded in its own nbgrader process: a submission
that breaks nbgrader is reported and the rest of the class is still graded.
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
from pathlib import Path

from autograder import registry


def _nbgrader(args: list[str], root: Path, timeout: float | None = None):
    cmd = [sys.executable, "-m", "nbgrader", *args]
    env = dict(os.environ)
    # nbgrader runs the `alembic` script of its own environment: put that environment first.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=timeout, env=env)


def release(root: Path, chapters: list[str]) -> int:
    """Generate the student version of each chapter into exercises/ with nbgrader."""
    failed = 0
    for ch in chapters:
        proc = _nbgrader(["generate_assignment", ch, "--force", "--log-level=WARN"], root)
        status = "ok" if proc.returncode == 0 else "FAILED"
        print(f"release {ch}: {status}")
        if proc.returncode:
            failed += 1
            print(proc.stdout[-2000:], proc.stderr[-2000:])
    return 1 if failed else 0


def submissions(root: Path, chapters: list[str]) -> list[tuple[str, str]]:
    """(student, chapter) pairs found under submitted/."""
    found = []
    for student_dir in sorted((root / "submitted").glob("*")):
        for ch in chapters:
            if (student_dir / ch).is_dir():
                found.append((student_dir.name, ch))
    return found


def autograde(root: Path, chapters: list[str], per_submission_timeout: float = 1800) -> int:
    """Autograde every submission; returns non-zero only when nothing could be graded at all."""
    todo = submissions(root, chapters)
    problems = {}
    for i, (student, ch) in enumerate(todo, 1):
        start = time.perf_counter()
        try:
            proc = _nbgrader(["autograde", ch, "--student", student, "--force", "--create",
                              "--log-level=WARN"], root, timeout=per_submission_timeout)
            ok = proc.returncode == 0
            reason = "" if ok else _last_error(proc.stdout + proc.stderr)
        except subprocess.TimeoutExpired:
            ok, reason = False, f"grading took longer than {per_submission_timeout:.0f} s"
        if not ok:
            problems[f"{student}/{ch}"] = reason
        print(f"[{i}/{len(todo)}] {student} {ch}: {'graded' if ok else 'UNGRADABLE: ' + reason}"
              f" ({time.perf_counter() - start:.1f} s)")
    if problems:
        out = root / "reports"
        out.mkdir(exist_ok=True)
        (out / "ungradable.json").write_text(json.dumps(problems, indent=2))
    return 1 if todo and len(problems) == len(todo) else 0


def _last_error(log: str) -> str:
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "Error" in ln or "error" in ln]
    return (errors or lines or ["nbgrader failed without a message"])[-1][:300]


def _test_outputs(nb_path: Path) -> dict[str, str]:
    """Feedback text of each grade cell: our printed report, or the error's name and message.
    Cell sources (hidden test code) are never included."""
    nb = json.loads(nb_path.read_text())
    texts = {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade") or cell["cell_type"] != "code":
            continue
        parts = []
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream" and out.get("name") == "stdout":
                parts.append("".join(out["text"]))
            elif out["output_type"] == "error":
                parts.append(f"{out['ename']}: {out['evalue']}")
        texts[meta["grade_id"]] = "".join(parts).strip()
    return texts


def report(root: Path, chapters: list[str], out: Path) -> int:
    """grades.csv (one row per graded function), summary.csv and per-student feedback HTML."""
    from nbgrader.api import Gradebook, MissingEntry

    out.mkdir(parents=True, exist_ok=True)
    rows, summary = [], []
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    with Gradebook(db_url, course_id="nnbio") as gb:
        for student, ch in submissions(root, chapters):
            try:
                nb = gb.find_submission_notebook(ch, ch, student)
            except MissingEntry:
                summary.append({"student": student, "chapter": ch, "score": 0.0,
                                "max_score": "", "status": "ungradable: not autograded"})
                continue
            nb_path = root / "autograded" / student / ch / f"{ch}.ipynb"
            texts = _test_outputs(nb_path) if nb_path.exists() else {}
            grades = sorted(nb.grades, key=lambda g: g.name)
            for g in grades:
                rows.append({"student": student, "chapter": ch, "test": g.name,
                             "points": g.score, "max_points": g.max_score})
            summary.append({"student": student, "chapter": ch, "score": nb.score,
                            "max_score": nb.max_score, "status": "graded"})
            _write_feedback(out / "feedback" / student / f"{ch}.html", student, ch, grades, texts)
    _write_csv(out / "grades.csv", rows, ["student", "chapter", "test", "points", "max_points"])
    _write_csv(out / "summary.csv", summary, ["student", "chapter", "score", "max_score", "status"])
    print(f"wrote {out / 'summary.csv'}, {out / 'grades.csv'} and {out / 'feedback'}/")
    return 0


def _write_csv(path: Path, rows: list[dict], fields: list[str]) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _write_feedback(path: Path, student: str, chapter: str, grades, texts: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    total = sum(g.score for g in grades)
    maximum = sum(g.max_score for g in grades)
    items = []
    for g in grades:
        text = texts.get(g.name) or "(no output)"
        cls = "pass" if g.score == g.max_score else "fail"
        items.append(f"<section class='{cls}'><h2>{html.escape(g.name)}: {g.score:g} / "
                     f"{g.max_score:g}</h2><pre>{html.escape(text)}</pre></section>")
    path.write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(chapter)}: feedback for {html.escape(student)}</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "section{border-left:4px solid #2a2;padding-left:1em}section.fail{border-color:#c22}"
        "pre{white-space:pre-wrap}</style></head><body>"
        f"<h1>{html.escape(chapter)}: {total:g} / {maximum:g} points</h1>"
        + "".join(items) + "</body></html>")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="course root (default: .)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("release", "autograde", "report"):
        p = sub.add_parser(name)
        p.add_argument("chapters", nargs="*", help="chapter ids (default: all)")
        if name == "report":
            p.add_argument("--out", type=Path, default=None, help="default: <root>/reports")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    chapters = args.chapters or registry.chapters()
    unknown = [c for c in chapters if c not in registry.chapters()]
    if unknown:
        parser.error(f"unknown chapter(s) {unknown}; known: {registry.chapters()}")
    if args.command == "release":
        return release(root, chapters)
    if args.command == "autograde":
        return autograde(root, chapters)
    return report(root, chapters, args.out or root / "reports")


if __name__ == "__main__":
    sys.exit(main())
