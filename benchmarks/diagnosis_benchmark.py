"""How often the feedback names the right mistake: every bug of every chapter's bank, graded as a
student's function would be (in one process, as plain nbgrader grades it), then diagnosed
(autograder/engine/diagnosis.py). A script that reports figures, not a timed test.

    .venv/bin/python benchmarks/diagnosis_benchmark.py [--chapters 01-neuron,02-activations]

Per chapter:
  * self       share of bugs diagnosed as themselves
  * equivalent share diagnosed as another bug that behaves the same on every hidden test (the
               hidden inputs cannot tell the two apart: the same feedback is right for both)
  * other      share diagnosed as a bug that behaves differently (a wrong diagnosis)
  * none       share with no diagnosis
  * false      alternatives (correct code) or the reference that got a diagnosis: must be 0
Target: self + equivalent >= 90 % per chapter. Writes benchmarks/results/diagnosis.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
TARGET = 0.90


def measure(chapter: str) -> dict:
    """The figures of one chapter (see the module docstring), and the misses by name."""
    import torch

    from autograder.engine import diagnosis, registry
    from autograder.engine.bank import load_bank
    from autograder.engine.grading import BASE_SEED, _fresh, grade_function

    torch.set_num_threads(1)
    bank = load_bank(chapter)
    start = time.perf_counter()
    counts = {"self": 0, "equivalent": 0, "other": 0, "none": 0, "false": 0}
    misses = []
    for entry in bank.mutants:
        # a fresh copy, as a student's function is a new object: expensive runs are cached
        # per function object (testing.once_per_student), and a cached run records no calls
        student = _fresh(entry.implementation)
        found = diagnosis.recognise(grade_function(chapter, entry.function, student))
        if found is None:
            counts["none"] += 1
            misses.append(f"none: {entry.function}: {entry.why}")
        elif found[0] is entry:
            counts["self"] += 1
        elif _equivalent(chapter, entry, found[0], BASE_SEED):
            counts["equivalent"] += 1
        else:
            counts["other"] += 1
            misses.append(f"other: {entry.function}: {entry.why} -> {found[0].why}")
    ref = registry.reference(chapter)
    correct = [(a.function, a.implementation) for a in bank.alternatives]
    correct += [(f, getattr(ref, f)) for f in registry.suite(chapter).functions()]
    for function, impl in correct:
        result = grade_function(chapter, function, _fresh(impl))
        diagnosis.annotate(result)
        if result.diagnosis is not None:
            counts["false"] += 1
            misses.append(f"false: {function} diagnosed as {result.diagnosis.text}")
    n = len(bank.mutants)
    return {"chapter": chapter, "bugs": n, "correct_implementations": len(correct),
            **{k: v for k, v in counts.items()},
            "self_or_equivalent": round((counts["self"] + counts["equivalent"]) / n, 3),
            "seconds": round(time.perf_counter() - start, 1), "misses": misses}


def _equivalent(chapter: str, a, b, seed: int) -> bool:
    """Two bugs that behave the same on every hidden test (both ways)."""
    from autograder.engine import diagnosis

    x, y = diagnosis.bug_behaviour(chapter, a, seed), diagnosis.bug_behaviour(chapter, b, seed)
    def on_every_test(a, b) -> bool:  # an even level of diagnosis.matches
        level = diagnosis.matches(a, b)
        return level > 0 and level % 2 == 0

    return x is not None and y is not None and on_every_test(x, y) and on_every_test(y, x)


def main() -> int:
    from autograder.engine import registry

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", default="", help="comma-separated chapter ids (default: all)")
    args = parser.parse_args()
    chapters = args.chapters.split(",") if args.chapters else registry.chapters()
    rows = []
    print(f"{'chapter':24} {'bugs':>4} {'self':>5} {'equiv':>5} {'other':>5} {'none':>5} "
          f"{'false':>5} {'self+eq':>7} {'s':>6}")
    for ch in chapters:
        row = measure(ch)
        rows.append(row)
        print(f"{ch:24} {row['bugs']:4d} {row['self']:5d} {row['equivalent']:5d} "
              f"{row['other']:5d} {row['none']:5d} {row['false']:5d} "
              f"{100 * row['self_or_equivalent']:6.1f}% {row['seconds']:6.1f}", flush=True)
        for miss in row["misses"]:
            print(f"    {miss}")
    out = REPO / "benchmarks" / "results" / "diagnosis.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"target": TARGET, "chapters": rows}, indent=2))
    print(f"wrote {out.relative_to(REPO)}")
    short = [r["chapter"] for r in rows if r["self_or_equivalent"] < TARGET or r["false"]]
    print("below target or with false diagnoses: " + (", ".join(short) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
