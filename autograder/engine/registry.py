"""Find a chapter's reference implementation and hidden tests by chapter id.

Chapter folders are named by chapter id (``autograder/03-backprop/``), which is not a Python
identifier, so the modules are loaded from their files.
"""
from __future__ import annotations

import importlib.util
import re
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]  # the course content package: autograder/<chapter-id>/
CHAPTER_ID = re.compile(r"^\d\d-[a-z0-9-]+$")


def chapters() -> list[str]:
    """All chapter ids that have hidden tests, in course order."""
    return sorted(p.name for p in ROOT.iterdir()
                  if p.is_dir() and CHAPTER_ID.match(p.name) and (p / "tests.py").exists())


def _load(chapter: str, part: str) -> ModuleType:
    if not CHAPTER_ID.match(chapter) or not (ROOT / chapter / f"{part}.py").exists():
        raise KeyError(f"unknown chapter {chapter!r}; known: {', '.join(chapters())}")
    name = f"autograder._chapters.ch{chapter[:2]}_{part}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / chapter / f"{part}.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {chapter}/{part}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@cache
def reference(chapter: str) -> ModuleType:
    """The reference implementation module of a chapter."""
    return _load(chapter, "reference")


@cache
def suite(chapter: str):
    """The hidden-test :class:`~autograder.engine.testing.Suite` of a chapter."""
    return _load(chapter, "tests").SUITE
