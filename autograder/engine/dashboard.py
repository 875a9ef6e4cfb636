"""The instructor's dashboard: one static HTML page per chapter (``dashboard/<chapter>.html``) and
one for the course (``dashboard/index.html``), written by ``python -m autograder.engine.cli
report``. The pages need nothing but themselves: no script, no font, no request of any kind;
the plots are inline SVG made with matplotlib (text kept as text, drawn in the reader's own
sans-serif font), in the Okabe-Ito colours, which colour-blind readers can tell apart.

A chapter's page shows

- the scores: n, mean, median and a histogram of the score in % of the maximum (the
  gradebook's raw score, before late penalties);
- each hidden test (each ``tests`` entry of each function in ``grading.json``): its pass rate
  and its *discrimination*, the point-biserial correlation between passing it (0/1) and the
  rest of the submission's score (the submission's points less that test's points). A test
  that nobody or everybody passes, or whose discrimination is below ``WEAK`` or undefined, is
  flagged: it tells little about who understood the chapter, or it may be broken. The table
  lists the worst first;
- each function: mean points and the share of full marks (from the gradebook);
- the most frequent diagnoses (``diagnosis`` of a function's entry in ``grading.json``, when
  the grader recognised a known mistake): "38% (19 of 50): <text> (see <section>)";
- the submissions that could not be graded, and why;
- grading time per submission and per stage, and the slowest submissions;
- the late submissions: how late, the penalty and the final score;
- the written answers graded by hand (``written_<name>`` cells): how many wait for a grade
  in formgrader, the mean of those graded, and the rubric from the solution notebook.

The course page has one row per chapter (submissions, mean score, ungradable, late) and each
chapter's score histogram.

Everything is computed from plain rows, one per submission (:func:`submission_row`), by the
pure functions below, then rendered; every string that comes from a submission is escaped.
"""
from __future__ import annotations

import html
import io
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

WEAK = 0.2            # a test whose discrimination is below this is flagged
SLOWEST = 5           # the slowest submissions listed
STAGES = ("read", "run", "test", "feedback", "record")
# Okabe & Ito (2008), "Color universal design": distinguishable with any colour vision
BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE = ("#0072B2", "#E69F00", "#009E73", "#D55E00",
                                                "#56B4E9", "#CC79A7")
FIG_WIDTH = 6.4       # inches (100 px each), shown at most 700 px wide: text of 13-14 px


# ------------------------------------------------------------------ rows

def submission_row(student: str, chapter: str, status: str, reason: str,
                   gradebook_row: dict | None, state: Any | None) -> dict:
    """One submission as the dashboard reads it: the gradebook's scores (a row of
    :func:`autograder.engine.gradebook.scores`, None when the submission is not in the
    gradebook) and the stored result (a :class:`~autograder.engine.result.SubmissionResult`,
    None when there is none)."""
    g = gradebook_row or {}
    return {"student": student, "chapter": chapter, "status": status, "reason": reason,
            "score": g.get("score"), "max_score": g.get("max_score"),
            "final_score": g.get("final_score", g.get("score")),
            "late_penalty": float(g.get("late_submission_penalty") or 0.0),
            "seconds_late": float(g.get("seconds_late") or 0.0),
            "grades": dict(g.get("grades") or {}),
            "pending": set(g.get("pending") or ()),  # grades waiting for the instructor
            "seconds": state.seconds if state is not None else None,
            "stages": dict(state.stages) if state is not None else {},
            "functions": list(state.functions) if state is not None else []}


# ------------------------------------------------------------------ statistics

def summary(values) -> dict:
    """n, mean, median, min and max of ``values`` (None each when there are none)."""
    a = np.asarray([float(v) for v in values], dtype=float)
    if a.size == 0:
        return {"n": 0, "mean": None, "median": None, "min": None, "max": None}
    return {"n": int(a.size), "mean": float(a.mean()), "median": float(np.median(a)),
            "min": float(a.min()), "max": float(a.max())}


def point_biserial(passed, rest) -> float | None:
    """Pearson's correlation of a 0/1 variable with a continuous one (the point-biserial
    correlation); None when it is undefined: fewer than two values, or either is constant."""
    x = np.asarray(passed, dtype=float)
    y = np.asarray(rest, dtype=float)
    if x.size != y.size or x.size < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    r = float(np.corrcoef(x, y)[0, 1])
    return r if math.isfinite(r) else None


def scored(rows: list[dict]) -> list[dict]:
    """The submissions that have a score in the gradebook."""
    return [r for r in rows if r.get("score") is not None and r.get("max_score")]


def score_stats(rows: list[dict]) -> dict:
    """The scores (points and % of the maximum) of the submissions in the gradebook."""
    have = scored(rows)
    pct = [100.0 * float(r["score"]) / float(r["max_score"]) for r in have]
    points = summary(float(r["score"]) for r in have)
    maxima = sorted({float(r["max_score"]) for r in have})
    return {"points": points, "percent": summary(pct), "percentages": pct,
            "max_score": maxima[-1] if maxima else None,
            "final": summary(float(r["final_score"]) for r in have
                             if r.get("final_score") is not None)}


def graded(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r.get("status") == "graded" and r.get("functions")]


def test_table(rows: list[dict]) -> list[dict]:
    """One entry per hidden test of the graded submissions: pass rate, discrimination and why
    it is flagged (``flags``, empty when it is not); the worst first."""
    runs: dict[tuple[str, str], list[tuple[int, float, bool]]] = {}
    order: list[tuple[str, str]] = []
    for r in graded(rows):
        total = sum(float(f.get("points", 0.0)) for f in r["functions"])
        for f in r["functions"]:
            for t in f.get("tests", []):
                key = (f["function"], t["name"])
                if key not in runs:
                    runs[key] = []
                    order.append(key)
                passed = int(t["points"] == t["max_points"])
                runs[key].append((passed, total - float(t["points"]),
                                  isinstance(t.get("grader_error"), dict)))
    table = []
    for index, key in enumerate(order):
        x = [p for p, _, _ in runs[key]]
        y = [rest for _, rest, _ in runs[key]]
        n, passed = len(x), sum(x)
        rate = passed / n
        disc = point_biserial(x, y)
        errors = sum(e for _, _, e in runs[key])
        flags = []
        if passed == 0:
            flags.append("nobody passes")
        elif passed == n:
            flags.append("everybody passes")
        elif disc is None:
            flags.append("discrimination undefined (the rest of the score is the same for all)")
        elif disc < 0:
            flags.append("negative discrimination: stronger submissions fail it more often")
        elif disc < WEAK:
            flags.append(f"weak discrimination (below {WEAK:g})")
        if errors:
            flags.append(f"the test itself raised an error {errors} time{'s' * (errors > 1)}")
        table.append({"function": key[0], "test": key[1], "n": n, "passed": passed,
                      "pass_rate": rate, "discrimination": disc, "grader_errors": errors,
                      "flags": flags, "order": index})
    table.sort(key=lambda t: (not t["flags"],
                              -2.0 if t["discrimination"] is None else t["discrimination"],
                              t["order"]))
    for rank, t in enumerate(table, 1):
        t["rank"] = rank
    return table


def function_table(rows: list[dict]) -> list[dict]:
    """Each graded cell of the gradebook (``test_<function>``): mean points, maximum and the
    share of submissions with full marks (over the submissions in the gradebook)."""
    cells: dict[str, list[tuple[float, float]]] = {}
    for r in scored(rows):
        for name, (score, max_score) in r["grades"].items():
            if name.startswith(WRITTEN):
                continue  # graded by hand: see written_table
            cells.setdefault(name, []).append((float(score or 0.0), float(max_score or 0.0)))
    out = []
    for name, values in cells.items():
        n = len(values)
        full = sum(1 for s, m in values if s == m)
        out.append({"cell": name, "function": name.removeprefix("test_"), "n": n,
                    "mean": sum(s for s, _ in values) / n, "max": max(m for _, m in values),
                    "full": full, "full_rate": full / n})
    order = [f["function"] for r in graded(rows) for f in r["functions"]]
    rank = {name: i for i, name in enumerate(dict.fromkeys(order))}
    out.sort(key=lambda f: (rank.get(f["function"], len(rank)), f["cell"]))
    return out


WRITTEN = "written_"  # the grade id of a written answer graded by hand starts so


def written_table(rows: list[dict], rubrics: dict[str, str] | None = None) -> list[dict]:
    """Each written answer (``written_<name>``): how many submissions have it, how many wait
    for a grade by hand (no score yet), the mean and maximum of those graded, and its rubric
    (the solution notebook's text, when given)."""
    cells: dict[str, list] = {}
    for r in scored(rows):
        for name, (score, max_score) in r["grades"].items():
            if name.startswith(WRITTEN):
                waiting = name in r.get("pending", ())
                cells.setdefault(name, []).append((None if waiting else score,
                                                   float(max_score or 0.0)))
    out = []
    for name, values in sorted(cells.items()):
        done = [float(v) for v, _ in values if v is not None]
        out.append({"cell": name, "n": len(values), "waiting": len(values) - len(done),
                    "graded": len(done), "mean": sum(done) / len(done) if done else None,
                    "max": max(m for _, m in values),
                    "rubric": (rubrics or {}).get(name, "")})
    return out


def diagnosis_table(rows: list[dict]) -> list[dict]:
    """Per function (in the chapter's order), the diagnoses said to the graded submissions,
    the most frequent first: ``{"function", "n", "diagnoses": [{"text", "section", "count",
    "share"}]}``; ``n`` is the number of graded submissions with that function. Functions
    without any diagnosis are left out; an entry without one (older files) counts in ``n``."""
    counts: dict[str, Counter] = {}
    n: Counter = Counter()
    for r in graded(rows):
        for f in r["functions"]:
            name = f["function"]
            n[name] += 1
            counts.setdefault(name, Counter())
            d = f.get("diagnosis")
            if isinstance(d, dict) and isinstance(d.get("text"), str) and d["text"].strip():
                section = d.get("section")
                section = section.strip() if isinstance(section, str) else ""
                counts[name][(d["text"].strip(), section)] += 1
    out = []
    for name, c in counts.items():
        if not c:
            continue
        items = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))
        out.append({"function": name, "n": n[name],
                    "diagnoses": [{"text": t, "section": s, "count": k, "share": k / n[name]}
                                  for (t, s), k in items]})
    return out


def ungradable(rows: list[dict]) -> list[dict]:
    return sorted(({"student": r["student"], "reason": r.get("reason") or "no reason given"}
                   for r in rows if r.get("status") != "graded"), key=lambda r: r["student"])


def timing(rows: list[dict], slowest: int = SLOWEST) -> dict:
    """Seconds per submission (summary and the slowest) and per stage."""
    timed = [r for r in rows if r.get("seconds") is not None]
    stages = list(STAGES) + sorted({s for r in timed for s in r["stages"]} - set(STAGES))
    per_stage = []
    for stage in stages:
        values = [float(r["stages"][stage]) for r in timed
                  if isinstance(r["stages"].get(stage), (int, float))]
        if values:
            per_stage.append({"stage": stage, **summary(values)})
    worst = sorted(timed, key=lambda r: -float(r["seconds"]))[:slowest]
    return {"seconds": [float(r["seconds"]) for r in timed],
            "summary": summary(float(r["seconds"]) for r in timed), "stages": per_stage,
            "slowest": [{"student": r["student"], "seconds": float(r["seconds"]),
                         "status": r.get("status", ""),
                         "stages": {s: r["stages"][s] for s in stages if s in r["stages"]}}
                        for r in worst]}


def late(rows: list[dict]) -> list[dict]:
    """The late submissions, latest first: how late, penalty, raw and final score."""
    out = [{"student": r["student"], "seconds_late": float(r["seconds_late"]),
            "penalty": float(r.get("late_penalty") or 0.0), "score": r.get("score"),
            "final_score": r.get("final_score"), "max_score": r.get("max_score")}
           for r in rows if float(r.get("seconds_late") or 0.0) > 0]
    return sorted(out, key=lambda r: (-r["seconds_late"], r["student"]))


def chapter_stats(chapter: str, rows: list[dict], rubrics: dict[str, str] | None = None) -> dict:
    """Everything a chapter's page shows, from its submissions' rows (and the rubrics of its
    written answers: grade id -> text)."""
    rows = [r for r in rows if r["chapter"] == chapter]
    return {"chapter": chapter, "submissions": len(rows), "graded": len(graded(rows)),
            "scores": score_stats(rows), "tests": test_table(rows),
            "functions": function_table(rows), "diagnoses": diagnosis_table(rows),
            "written": written_table(rows, rubrics),
            "ungradable": ungradable(rows), "timing": timing(rows), "late": late(rows)}


# ------------------------------------------------------------------ formatting

def number(value, digits: int = 1) -> str:
    """A number for the page: ``digits`` decimals, trailing zeros dropped; "n/a" when there
    is none (never "nan")."""
    if value is None:
        return "n/a"
    x = float(value)
    if not math.isfinite(x):
        return "n/a"
    text = f"{x:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def percent(share: float | None) -> str:
    return "n/a" if share is None else f"{100.0 * share:.0f}%"


def duration(seconds: float) -> str:
    """``2 d 3 h``, ``1 h 05 min``, ``4 min 10 s``, ``12 s``"""
    s = int(round(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def _value(key: str, value, shown: str, tag: str = "td", cls: str = "num",
           extra: str = "") -> str:
    """A cell whose shown text is ``shown`` (then the HTML ``extra``) and whose exact value is
    in ``data-v`` (the tests read both)."""
    v = "" if value is None else repr(float(value)) if isinstance(value, (int, float)) else value
    return (f"<{tag} class='{cls}' data-k='{esc(key)}' data-v='{esc(v)}'><span class='v'>"
            f"{esc(shown)}</span>{extra}</{tag}>")


# ------------------------------------------------------------------ plots

def svg(fig, name: str) -> str:
    """``fig`` (a matplotlib Figure) as inline SVG: text as text, no XML prolog or metadata,
    ids made unique to ``name`` (several plots share a page), scaled to the page's width."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": name}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", name)
    text = re.sub(r'\bid="', f'id="{prefix}-', text)
    text = re.sub(r"url\(#", f"url(#{prefix}-", text)
    text = re.sub(r'href="#', f'href="#{prefix}-', text)
    text = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"', r'<svg \1', text, count=1)
    return text.replace("<svg ", "<svg role='img' focusable='false' ", 1)


def _figure(height: float, width: float = FIG_WIDTH):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    return fig, fig.subplots()


def _style(ax, size: float = 13) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=size)
    ax.xaxis.label.set_size(size + 1)
    ax.yaxis.label.set_size(size + 1)


def plot_scores(percentages: list[float], name: str, height: float = 3.0,
                width: float = FIG_WIDTH, size: float = 13) -> str:
    """Histogram of the scores in % of the maximum, bins of 10 % (100 % in the last), with
    the mean and the median marked."""
    fig, ax = _figure(height, width)
    ax.hist(np.clip(percentages, 0, 100), bins=np.arange(0, 101, 10), color=BLUE,
            edgecolor="white", linewidth=1)
    if percentages:
        ax.axvline(float(np.mean(percentages)), color=ORANGE, linewidth=2.5,
                   label=f"mean {np.mean(percentages):.0f}%")
        ax.axvline(float(np.median(percentages)), color=VERMILLION, linewidth=2.5,
                   linestyle="--", label=f"median {np.median(percentages):.0f}%")
        ax.legend(fontsize=size, frameon=False, loc="lower left", bbox_to_anchor=(0, 1),
                  ncol=2, borderaxespad=0.2)
    ax.set_xlim(0, 100)
    ax.set_xlabel("score (% of maximum)")
    ax.set_ylabel("submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    _style(ax, size)
    fig.tight_layout()
    return svg(fig, name)


def plot_tests(tests: list[dict], name: str) -> str:
    """Pass rate (x) against discrimination (y), one point per test whose discrimination is
    defined; the weak zone shaded; flagged points numbered as in the table."""
    fig, ax = _figure(3.6)
    ax.axhspan(-1.05, WEAK, color=ORANGE, alpha=0.15, linewidth=0)
    ax.axhline(WEAK, color=ORANGE, linewidth=1)
    shown = [t for t in tests if t["discrimination"] is not None]
    labelled: list[tuple[float, float]] = []
    for flagged, colour, marker, label, base in ((False, BLUE, "o", "informative", 40),
                                                 (True, VERMILLION, "^", "flagged", 70)):
        # tests at the same place (a small class gives many) are one point, its size and
        # label saying how many
        places: dict[tuple[float, float], list[dict]] = {}
        for t in shown:
            if bool(t["flags"]) == flagged:
                places.setdefault((round(t["pass_rate"] * 100, 1),
                                   round(t["discrimination"], 2)), []).append(t)
        if not places:
            continue
        xy = list(places)
        ax.scatter([x for x, _ in xy], [y for _, y in xy], label=label, zorder=3,
                   s=[base + 14 * (len(places[p]) - 1) for p in xy], color=colour, marker=marker,
                   alpha=0.9, edgecolor="white", linewidth=0.8)
        for place, group in places.items():
            text = ", ".join(f"#{t['rank']}" for t in group[:4]) + (" …" if len(group) > 4
                                                                     else "")
            if not flagged:
                text = f"{len(group)} tests" if len(group) > 1 else ""
            if text:  # to the left of a label nearby, else to the right
                near = any(abs(x - place[0]) < 12 and abs(y - place[1]) < 0.15
                           for x, y in labelled)
                labelled.append(place)
                gap = 5 + math.sqrt(base + 14 * (len(group) - 1)) / 2  # the marker's radius
                ax.annotate(text, place, textcoords="offset points",
                            xytext=(-gap if near else gap, 0), ha="right" if near else "left",
                            va="center", fontsize=11)
    ax.set_xlim(-3, 103)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel("pass rate (% of graded submissions)")
    ax.set_ylabel("discrimination")
    if shown:
        legend = ax.legend(fontsize=12, frameon=False, loc="lower left")
        for handle, size in zip(legend.legend_handles, (40, 70)):
            handle.set_sizes([size])
    _style(ax)
    fig.tight_layout()
    return svg(fig, name)


def plot_times(seconds: list[float], name: str) -> str:
    """Histogram of the seconds each submission took to grade."""
    fig, ax = _figure(2.6)
    top = max(seconds) if seconds else 1.0
    ax.hist(seconds, bins=min(20, max(5, len(seconds))), range=(0, top * 1.02 or 1.0),
            color=GREEN, edgecolor="white", linewidth=1)
    ax.set_xlabel("seconds to grade one submission")
    ax.set_ylabel("submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    _style(ax)
    fig.tight_layout()
    return svg(fig, name)


# ------------------------------------------------------------------ pages

CSS = """
:root{color-scheme:light}
pre.rubric{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;padding:.6rem .8rem;
 font-size:.9rem}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
 max-width:60rem;margin:0 auto;padding:1rem 1rem 3rem;color:#1b1b1b;line-height:1.45;
 background:#fff}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.25rem;margin-top:2.2rem;
 border-bottom:2px solid #0072B2;padding-bottom:.2rem}
nav a,a{color:#005b8f}
.lead{font-size:1.05rem;margin:.4rem 0 1rem}
.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:1rem 0}
.card{border:1px solid #c9d6e3;border-radius:6px;padding:.5rem .8rem;min-width:7.5rem;
 background:#f5f9fc}
.card .big{display:block;font-size:1.5rem;font-weight:600}
.card .what{font-size:.85rem;color:#444}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.6rem 0;font-size:.95rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .55rem;text-align:left;vertical-align:top}
th{background:#eef3f7}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.text{overflow-wrap:break-word;min-width:7rem;max-width:36rem}
td.reason{overflow-wrap:anywhere;min-width:12rem;max-width:36rem}
td code,.nowrap{white-space:nowrap}
tr.flagged td{background:#fdf1e6}
.flag{color:#8a3b00;font-weight:600}
small{color:#444}
@media (max-width:600px){body{padding:.6rem}table{font-size:.85rem}
 th,td{padding:.25rem .35rem}td.text{min-width:5rem}}
figure{margin:1rem 0}
figure svg{display:block;width:100%;max-width:700px;height:auto}

figcaption{font-size:.9rem;color:#333;max-width:700px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,24rem),1fr));
 gap:1rem 2rem}
.none{color:#555;font-style:italic}
code{font-size:.92em;overflow-wrap:anywhere}
"""


def _page(title: str, body: str) -> str:
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>{body}</body></html>")


def _card(key: str, value, shown: str, what: str) -> str:
    return (f"<div class='card'>{_value(key, value, shown, tag='span', cls='big')}"
            f"<span class='what'>{esc(what)}</span></div>")


def _figure_html(svg_text: str, caption: str) -> str:
    return f"<figure>{svg_text}<figcaption>{caption}</figcaption></figure>"


def _table(head: list[str], rows: list[str], numeric: frozenset[int] | set[int] = frozenset()
           ) -> str:
    ths = "".join(f"<th class='num'>{esc(h)}</th>" if i in numeric else f"<th>{esc(h)}</th>"
                  for i, h in enumerate(head))
    return f"<div class='scroll'><table><thead><tr>{ths}</tr></thead><tbody>" \
           f"{''.join(rows)}</tbody></table></div>"


def _scores_section(s: dict, chapter: str) -> str:
    sc = s["scores"]
    pts, pct = sc["points"], sc["percent"]
    if not pts["n"]:
        return "<h2>Scores</h2><p class='none'>No submission of this chapter is in the " \
               "gradebook yet.</p>"
    top = number(sc["max_score"])
    caption = (f"Scores of the {pts['n']} submission{'s' * (pts['n'] != 1)} in the gradebook, "
               f"in % of the maximum ({esc(top)} points), before late penalties; bars of 10 "
               f"percentage points (the last one includes 100%). Mean {number(pct['mean'])}%, "
               f"median {number(pct['median'])}%.")
    parts = ["<h2 id='scores'>Scores</h2>",
             _figure_html(plot_scores(sc["percentages"], f"scores-{chapter}"), caption)]
    fin = sc["final"]
    if s["late"] and fin["n"]:
        mean = _value("mean_final", fin["mean"], number(fin["mean"]), tag="span", cls="num")
        parts.append(f"<p>After late penalties the mean is {mean} of {esc(top)} points.</p>")
    return "".join(parts)


def _tests_section(s: dict, chapter: str) -> str:
    tests = s["tests"]
    if not tests:
        return "<h2 id='tests'>Hidden tests</h2><p class='none'>No graded submission yet.</p>"
    flagged = [t for t in tests if t["flags"]]
    rows = []
    for t in tests:
        flags = "".join(f"<br><span class='flag'>{esc(f)}</span>" for f in t["flags"])
        rows.append(
            f"<tr class='{'flagged' if t['flags'] else ''}' data-test='{esc(t['function'])}/"
            f"{esc(t['test'])}'><td class='num'>{t['rank']}</td>"
            f"<td class='text'><code>{esc(t['function'])}</code><br>{esc(t['test'])}{flags}"
            "</td>"
            + _value("pass_rate", t["pass_rate"], percent(t["pass_rate"]),
                     extra=f"<br><small>{t['passed']} of {t['n']}</small>")
            + _value("discrimination", t["discrimination"], number(t["discrimination"], 2))
            + "</tr>")
    undefined = sum(1 for t in tests if t["discrimination"] is None)
    caption = (f"Each hidden test with a defined discrimination: its pass rate against its "
               f"discrimination (the correlation between passing it and the rest of the "
               f"score). Tests in the shaded band (below {WEAK:g}) barely separate stronger "
               f"from weaker submissions; flagged points carry their row numbers in the "
               f"table, and tests that fall on the same place are one larger point."
               + (f" {undefined} test{'s' * (undefined != 1)} with an undefined discrimination "
                  f"(everyone or no one passed) {'are' if undefined != 1 else 'is'} not drawn."
                  if undefined else ""))
    return ("<h2 id='tests'>Hidden tests</h2>"
            f"<p>{len(flagged)} of {len(tests)} tests are flagged. <b>Pass rate</b>: the share "
            "of graded submissions that got the test's full points. <b>Discrimination</b>: the "
            "point-biserial correlation between passing the test and the rest of the "
            "submission's score; near 1, the test is passed by the submissions that do well "
            f"elsewhere; below {WEAK:g}, zero or negative, it tells little or the opposite "
            "(a test that checks something else, or is broken). Worst first.</p>"
            + _table(["#", "function, test (why flagged)", "pass rate", "discrimi\u00adnation"],
                     rows, {0, 2, 3})
            + _figure_html(plot_tests(tests, f"tests-{chapter}"), caption))


def _functions_section(s: dict) -> str:
    funcs = s["functions"]
    if not funcs:
        return ""
    rows = [f"<tr data-function='{esc(f['function'])}'><td><code>{esc(f['function'])}</code></td>"
            + _value("function_mean", f["mean"], f"{number(f['mean'], 2)} / {number(f['max'], 2)}")
            + _value("full_rate", f["full_rate"], percent(f["full_rate"]),
                     extra=f" <small>({f['full']} of {f['n']})</small>") + "</tr>"
            for f in funcs]
    return ("<h2 id='functions'>Functions</h2><p>Points per graded function, from the "
            "gradebook (an instructor's manual grade included).</p>"
            + _table(["function", "mean points", "full marks"], rows, {1, 2}))


def _written_section(s: dict) -> str:
    items = s.get("written") or []
    if not items:
        return ""
    rows = [f"<tr data-written='{esc(w['cell'])}'><td><code>{esc(w['cell'])}</code></td>"
            + _value("written_waiting", w["waiting"], f"{w['waiting']} of {w['n']}")
            + _value("written_mean", w["mean"] if w["mean"] is not None else -1,
                     f"{number(w['mean'], 2)} / {number(w['max'], 2)}"
                     if w["mean"] is not None else "n/a") + "</tr>"
            for w in items]
    rubrics = "".join(f"<h3><code>{esc(w['cell'])}</code></h3><pre class='rubric'>"
                      f"{esc(w['rubric'])}</pre>" for w in items if w["rubric"])
    return ("<h2 id='written'>Written answers</h2><p>Graded by hand in formgrader; a "
            "submission whose answer cell is untouched scores 0 and needs no grade. The rubric "
            "is the solution notebook's (students never see it).</p>"
            + _table(["answer", "waiting for a grade", "mean of those graded"], rows, {1, 2})
            + rubrics)


def _diagnoses_section(s: dict) -> str:
    diags = s["diagnoses"]
    head = "<h2 id='diagnoses'>Most frequent mistakes</h2>"
    if not diags:
        return head + ("<p class='none'>No known mistake was recognised in the graded "
                       "submissions (or they were graded before the grader named mistakes)."
                       "</p>")
    parts = [head, "<p>What the grader recognised in failing functions (a known mistake of "
             "the chapter's bank), most frequent first; the share is of the graded "
             "submissions.</p>"]
    for d in diags:
        items = []
        for x in d["diagnoses"]:
            see = f" (see {esc(x['section'])})" if x["section"] else ""
            items.append(f"<li data-k='diagnosis' data-v='{x['count']}'><b>{percent(x['share'])}"
                         f" ({x['count']} of {d['n']})</b>: {esc(x['text'])}{see}</li>")
        parts.append(f"<h3><code>{esc(d['function'])}</code></h3><ul>{''.join(items)}</ul>")
    return "".join(parts)


def _ungradable_section(s: dict) -> str:
    bad = s["ungradable"]
    head = f"<h2 id='ungradable'>Could not be graded ({len(bad)})</h2>"
    if not bad:
        return head + "<p class='none'>Every submission was graded.</p>"
    rows = [f"<tr><td class='text'>{esc(b['student'])}</td><td class='reason'>{esc(b['reason'])}"
            "</td></tr>" for b in bad]
    return head + _table(["student", "reason"], rows)


def _timing_section(s: dict, chapter: str) -> str:
    t = s["timing"]
    head = "<h2 id='time'>Grading time</h2>"
    if not t["summary"]["n"]:
        return head + "<p class='none'>No stored result has timings.</p>"
    sm = t["summary"]
    caption = (f"Seconds the engine took for each of the {sm['n']} submissions (reading, "
               f"running the notebook in its sandbox, the hidden tests, the feedback and the "
               f"gradebook). Median {number(sm['median'])} s, slowest {number(sm['max'])} s.")
    stage_rows = [f"<tr><td>{esc(x['stage'])}</td><td class='num'>{number(x['mean'], 2)}</td>"
                  f"<td class='num'>{number(x['median'], 2)}</td>"
                  f"<td class='num'>{number(x['max'], 2)}</td></tr>" for x in t["stages"]]
    slow_rows = []
    for r in t["slowest"]:
        stages = ", ".join(f"{esc(k)} {number(v)}" for k, v in r["stages"].items()
                           if isinstance(v, (int, float)))
        slow_rows.append(f"<tr><td class='text'>{esc(r['student'])}</td>"
                         f"<td class='num'>{number(r['seconds'])}</td><td>{esc(r['status'])}</td>"
                         f"<td class='text'>{stages}</td></tr>")
    return (head + _figure_html(plot_times(t["seconds"], f"times-{chapter}"), caption)
            + "<h3>Seconds per stage</h3>"
            + _table(["stage", "mean", "median", "max"], stage_rows, {1, 2, 3})
            + f"<h3>The slowest {len(slow_rows)}</h3>"
            + _table(["student", "seconds", "status", "stages (s)"], slow_rows, {1}))


def _late_section(s: dict) -> str:
    rows_in = s["late"]
    head = f"<h2 id='late'>Late submissions ({len(rows_in)})</h2>"
    if not rows_in:
        return head + "<p class='none'>No submission came after its due date.</p>"
    rows = [f"<tr><td class='text'>{esc(r['student'])}</td>"
            f"<td class='num'>{esc(duration(r['seconds_late']))}</td>"
            + _value("late_penalty", r["penalty"], number(r["penalty"], 2))
            + f"<td class='num'>{number(r['score'], 2)}</td>"
            + _value("final_score", r["final_score"], number(r["final_score"], 2))
            + f"<td class='num'>{number(r['max_score'], 2)}</td></tr>" for r in rows_in]
    return (head + "<p>From the gradebook: the time after the due date (the student's "
            "extension included) and the penalty the course's late-submission rule gave; "
            "final score = score − penalty, as nbgrader exports it.</p>"
            + _table(["student", "late by", "penalty", "score", "final score", "maximum"],
                     rows, {1, 2, 3, 4, 5}))


def chapter_page(s: dict) -> str:
    ch = s["chapter"]
    sc = s["scores"]
    pts, pct = sc["points"], sc["percent"]
    top = number(sc["max_score"])
    flagged = sum(1 for t in s["tests"] if t["flags"])
    cards = "".join([
        _card("submissions", s["submissions"], str(s["submissions"]), "submissions"),
        _card("mean_score", pts["mean"], f"{number(pts['mean'])} / {top}",
              f"mean points ({number(pct['mean'])}%)"),
        _card("median_score", pts["median"], f"{number(pts['median'])} / {top}",
              "median points"),
        _card("ungradable", len(s["ungradable"]), str(len(s["ungradable"])), "ungradable"),
        _card("late", len(s["late"]), str(len(s["late"])), "late"),
        _card("flagged_tests", flagged, f"{flagged} of {len(s['tests'])}", "tests flagged"),
    ])
    nav = ("<nav><a href='index.html'>← the course</a> · <a href='#scores'>scores</a> · "
           "<a href='#tests'>tests</a> · <a href='#diagnoses'>mistakes</a> · "
           "<a href='#ungradable'>ungradable</a> · <a href='#time'>time</a> · "
           "<a href='#late'>late</a></nav>")
    body = (nav + f"<h1>{esc(ch)}</h1><p class='lead'>{s['submissions']} submissions, "
            f"{s['graded']} graded by the hidden tests.</p><div class='cards'>{cards}</div>"
            + _scores_section(s, ch) + _tests_section(s, ch) + _functions_section(s)
            + _written_section(s)
            + _diagnoses_section(s) + _ungradable_section(s) + _timing_section(s, ch)
            + _late_section(s))
    return _page(f"{ch}: dashboard", body)


def course_page(stats: list[dict]) -> str:
    rows, plots = [], []
    for s in stats:
        ch, sc = s["chapter"], s["scores"]
        pts, pct = sc["points"], sc["percent"]
        rows.append(
            f"<tr data-chapter='{esc(ch)}'><td class='nowrap'><a href='{esc(_file(ch))}'>"
            f"{esc(ch)}</a></td>"
            + _value("submissions", s["submissions"], str(s["submissions"]))
            + _value("mean_score", pts["mean"],
                     f"{number(pts['mean'])} / {number(sc['max_score'])}" if pts["n"] else "n/a",
                     extra=f"<br><small>{number(pct['mean'])}%</small>" if pct["n"] else "")
            + _value("ungradable", len(s["ungradable"]), str(len(s["ungradable"])))
            + _value("late", len(s["late"]), str(len(s["late"])))
            + f"<td class='num'>{sum(1 for t in s['tests'] if t['flags'])}</td></tr>")
        if pts["n"]:
            caption = (f"<a href='{esc(_file(ch))}'>{esc(ch)}</a>: {pts['n']} scores, mean "
                       f"{number(pct['mean'])}%, median {number(pct['median'])}% of the maximum "
                       f"({number(sc['max_score'])} points), before late penalties.")
            plots.append(_figure_html(plot_scores(sc["percentages"], f"course-{ch}",
                                                  height=2.6, width=4.6, size=11), caption))
    total = sum(s["submissions"] for s in stats)
    body = ("<h1>Course dashboard</h1>"
            f"<p class='lead'>{total} submission{'s' * (total != 1)} in {len(stats)} "
            f"chapter{'s' * (len(stats) != 1)}. Each chapter's "
            "page has its hidden tests, the most frequent mistakes, the submissions that "
            "could not be graded, grading times and late submissions.</p>"
            + _table(["chapter", "submis\u00adsions", "mean points", "ungrad\u00adable", "late",
                      "tests flagged"], rows, {1, 2, 3, 4, 5})
            + "<h2>Scores per chapter</h2>"
            + (f"<div class='grid'>{''.join(plots)}</div>" if plots
               else "<p class='none'>No scores in the gradebook yet.</p>"))
    return _page("Course dashboard", body)


def _file(chapter: str) -> str:
    """The chapter page's file name (a chapter id is a folder name: no slash)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", chapter) + ".html"


def write(out: Path, chapters: list[str], rows: list[dict],
          rubrics: dict[str, dict[str, str]] | None = None) -> list[Path]:
    """``out/<chapter>.html`` for each chapter and ``out/index.html``; returns their paths.
    ``rubrics``: chapter -> written answer's grade id -> its rubric."""
    out.mkdir(parents=True, exist_ok=True)
    stats = [chapter_stats(ch, rows, (rubrics or {}).get(ch)) for ch in chapters]
    written = []
    for s in stats:
        path = out / _file(s["chapter"])
        path.write_text(chapter_page(s), encoding="utf-8")
        written.append(path)
    index = out / "index.html"
    index.write_text(course_page(stats), encoding="utf-8")
    return [index, *written]
