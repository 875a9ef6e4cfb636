"""Diagrams for chapter 7 (graph convolutional networks).

* :func:`message_passing`: one round of message passing on the heavy atoms of glycine
  (N, C-alpha, the carboxyl C and its two O). Top: every atom's feature vector (a one-hot
  element, columns C, N, O), the degrees with self-loops, and the messages along the bonds into
  the highlighted carboxyl carbon, each with its weight 1 / sqrt(d_i d_j). Bottom: that atom's
  updated feature, the weighted sum of the messages, and the rule that computes it. The figure
  is narrow and tall so that it stays legible on a phone.
"""
from __future__ import annotations

import numpy as np

from ..style import OKABE_ITO
from .draw import INK, arrow, canvas, cells, node, text

#: Glycine's heavy atoms: name, position (inches), one-hot element (C, N, O).
ATOMS = {
    "N": ((0.4, 2.1), (0, 1, 0)),
    "Cα": ((1.35, 2.7), (1, 0, 0)),
    "C": ((2.3, 2.1), (1, 0, 0)),
    "O": ((2.3, 0.95), (0, 0, 1)),
    "OH": ((3.25, 2.7), (0, 0, 1)),
}
BONDS = [("N", "Cα"), ("Cα", "C"), ("C", "O"), ("C", "OH")]
TARGET = "C"
#: Lower-left corner of each atom's feature vector, relative to the atom.
VECTOR_OFFSET = {"N": (-0.33, 0.35), "Cα": (-0.33, 0.35), "C": (-1.0, -0.55),
                 "O": (0.32, -0.11), "OH": (-0.33, 0.35)}
RADIUS = 0.24


def _degrees():
    """Degree of every atom with a self-loop added (the d-tilde of the GCN)."""
    deg = {name: 1 for name in ATOMS}
    for a, b in BONDS:
        deg[a] += 1
        deg[b] += 1
    return deg


def _vector(ax, origin, values, highlight=False, size=0.22, fmt="{:g}", fontsize=9):
    """A feature vector as a row of cells with the column names C, N, O above it."""
    centre = cells(ax, origin, [list(values)], size=size, kind="output" if highlight else "input",
                   fontsize=fontsize, fmt=fmt)
    for k, name in enumerate("CNO"):
        text(ax, (centre(0, k)[0], origin[1] + size + 0.1), name, fontsize=9, color="#555555")


def _label(name):
    return {"Cα": "C$_\\alpha$", "OH": "O"}.get(name, name)


def message_passing():
    """One graph convolution on glycine's heavy atoms, seen from the carboxyl carbon: the
    features and messages before (top), the updated feature and the rule after (bottom).

    The figure is narrow and tall, so that it stays legible on a phone."""
    fig, ax = canvas(4.3, 6.9)
    verm = OKABE_ITO["vermillion"]
    deg = _degrees()
    shift = np.array([0.3, 2.85])  # where the molecule of the top part sits
    at = {name: np.array(xy) + shift for name, (xy, _) in ATOMS.items()}

    # top: features before, and the messages into the target atom
    text(ax, (2.15, 6.7), "before: features $x_j$, messages into C", fontsize=11)
    for a, b in BONDS:
        ax.plot(*zip(at[a], at[b]), color="#777777", lw=2.5, ls="-", zorder=1)
    for name, (_, onehot) in ATOMS.items():
        node(ax, at[name], _label(name), kind="output" if name == TARGET else "input",
             radius=RADIUS)
        _vector(ax, at[name] + VECTOR_OFFSET[name], onehot)
    target = at[TARGET]
    for name in ("Cα", "O", "OH"):
        source = at[name]
        along = (target - source) / np.linalg.norm(target - source)
        side = np.array([along[1], -along[0]]) * 0.15
        arrow(ax, source + side, target + side, color=verm, lw=2.2, shrink=RADIUS + 0.08)
        mid = (source + target) / 2 + side * 3.0
        text(ax, mid, f"1/√{deg[TARGET] * deg[name]}", fontsize=10, color=verm)
    text(ax, target + (0.3, -0.32), "self: 1/4", fontsize=10, color=verm, ha="left")
    degree_text = ", ".join(f"{_label(n)} {deg[n]}" for n in ATOMS)
    text(ax, (2.15, 3.2), f"degrees $\\tilde d$ with self-loop:\n{degree_text}", fontsize=10)

    # bottom: the updated feature of the target atom and the rule
    arrow(ax, (2.15, 2.85), (2.15, 2.5), color=INK, lw=2.0)
    text(ax, (2.15, 2.3), "after: the new feature of C", fontsize=11)
    node(ax, (0.75, 1.6), "C", kind="output", radius=RADIUS)
    weights = {n: 1 / np.sqrt(deg[TARGET] * deg[n]) for n in ATOMS}
    updated = sum(weights[n] * np.array(ATOMS[n][1]) for n in ("C", "Cα", "O", "OH"))
    _vector(ax, (1.3, 1.35), np.round(updated, 2), highlight=True, size=0.5, fmt="{:.2f}",
            fontsize=11)
    text(ax, (2.15, 0.95), "$= \\dfrac{1}{4}x_{C} + \\dfrac{1}{\\sqrt{12}}x_{C_\\alpha}"
         " + \\dfrac{1}{\\sqrt{8}}(x_{O} + x_{O})$", fontsize=11)
    text(ax, (2.15, 0.35),
         "rule: $h'_i = \\sum_{j \\in N(i) \\cup \\{i\\}}"
         " \\dfrac{x_j}{\\sqrt{\\tilde d_i\\,\\tilde d_j}}$, then $\\sigma(h'_i W)$",
         fontsize=11)
    return fig
