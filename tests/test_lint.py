"""The grading engine (autograder/engine/*.py and autograder/__init__.py) is linted with ruff and type-checked with mypy, both
configured in pyproject.toml: a finding fails the suite, with the tool's own report."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing_in_the_engine():
    done = _run(str(BIN / "ruff"), "check", "--no-cache", "autograder")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_nothing_in_the_engine():
    done = _run(str(BIN / "mypy"), "--no-incremental")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_engine_needs_no_noqa_comments():
    """Exceptions to the rules are configuration (pyproject.toml), not comments."""
    found = [f"{p.name}:{i}" for p in sorted([*(REPO / "autograder").glob("*.py"), *(REPO / "autograder" / "engine").glob("*.py")])
             for i, line in enumerate(p.read_text().splitlines(), 1) if "noqa" in line]
    assert found == []


def test_the_checks_see_a_finding(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n\n\ndef f(x: int) -> str:\n    return x\n")
    assert _run(str(BIN / "ruff"), "check", "--no-cache", "--isolated", str(bad)).returncode != 0
    assert _run(str(BIN / "mypy"), "--no-incremental", str(bad)).returncode != 0
