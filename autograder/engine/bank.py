"""Banks of plausible buggy implementations (mutants) and different correct ones (alternatives).

The tests of the tests (``tests/test_grading_contract.py``) require every mutant to lose points
and every alternative to keep full marks, which is how we know the hidden tests can fail for the
right reasons and do not fail for the wrong ones. A chapter's bank lives in
``tests/<chapter-id>/bank.py``::

    BANK = Bank("02-activations")

    @BANK.mutant("softmax", "no max subtraction: overflows for large inputs",
                 diagnosis="you exponentiate z without subtracting its maximum first, so "
                           "large scores overflow to inf and nan",
                 section="Numbers that do not fit: overflow and the log-sum-exp trick")
    def softmax(z, axis=-1):
        e = np.exp(z)
        return e / e.sum(axis=axis, keepdims=True)

A mutant's ``diagnosis`` is what a student whose function behaves like it is told ("this looks
like: ..."; :mod:`autograder.engine.diagnosis`): the misconception in one sentence, addressed to
the student, that names the mistake without giving the code; ``section`` is the heading of the
chapter's book page that explains the idea (``book/<chapter-id>/index.md``). ``why`` is the
instructor's note on what the mutant does and is never shown to a student.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Entry:
    function: str
    why: str
    implementation: Callable
    diagnosis: str = ""   # for the student: the misconception, in one sentence
    section: str = ""     # the book page's heading that explains it


@dataclass
class Bank:
    chapter: str
    mutants: list[Entry] = field(default_factory=list)
    alternatives: list[Entry] = field(default_factory=list)

    def mutant(self, function: str, why: str, *, diagnosis: str = "", section: str = ""):
        def register(impl):
            self.mutants.append(Entry(function, why, impl, diagnosis, section))
            return impl
        return register

    def alternative(self, function: str, why: str):
        def register(impl):
            self.alternatives.append(Entry(function, why, impl))
            return impl
        return register


def load_bank(chapter: str) -> Bank | None:
    """``tests/<chapter>/bank.py``'s ``BANK`` (None when the chapter has none, or when the
    autograder is installed without the repository's tests)."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "tests" / chapter / "bank.py"
    if not path.exists():
        return None
    name = f"nnbio_bank_{chapter.replace('-', '_')}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name].BANK
