"""Diagrams of chapter 11 (attention, GANs).

- ``attention_lookup()``: attention as a weighted lookup. One query is compared with four keys
  by scaled dot products; a softmax turns the scores into weights that sum to one; the output is
  the weighted sum of the values. The small numbers in the picture are computed in the function,
  so the drawing cannot disagree with the formula.
- ``gan_loop()``: the GAN training loop. Noise ``z`` goes through the generator to fake samples;
  the discriminator sees fake and real samples and outputs real/fake logits; the discriminator
  loss updates D, the generator loss sends its gradient back through D (held fixed) to G.
"""
from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from ..style import OKABE_ITO
from . import draw

#: The toy numbers of ``attention_lookup``: a query, four keys and four (scalar) values.
QUERY = np.array([1.0, 1.0])
KEYS = np.array([[2.0, 1.0], [0.0, 1.0], [1.0, -1.0], [-1.0, 0.0]])
VALUES = np.array([5.0, 1.0, 2.0, 0.0])


def attention_numbers(query=QUERY, keys=KEYS, values=VALUES):
    """Scores ``q.k_j / sqrt(d)``, softmax weights and the output ``sum_j a_j v_j``."""
    scores = keys @ query / np.sqrt(query.size)
    weights = np.exp(scores - scores.max())
    weights /= weights.sum()
    return scores, weights, float(weights @ values)


def _vec(v):
    return "(" + ", ".join(f"{x:g}" for x in v) + ")"


def attention_lookup():
    """One query looks up four key/value pairs: scores, softmax weights (drawn as bars) and the
    weighted sum of the values, with the numbers computed here. About 5.4 in wide, so it stays
    legible on a phone."""
    scores, weights, out = attention_numbers()
    fig, ax = draw.canvas(5.4, 3.8)
    rows = [2.75, 2.1, 1.45, 0.8]
    for x, label in ((1.7, "keys\n$k_j$"), (2.62, "score\n$q\\cdot k_j/\\sqrt{d}$"),
                     (3.45, "weight\n$a_j$"), (4.12, "values\n$v_j$")):
        draw.text(ax, (x, 3.45), label, fontsize=10)
    draw.box(ax, (0.45, 1.78), 0.8, 0.9, f"query\n$q$ =\n{_vec(QUERY)}", kind="input", fontsize=10)
    bar = OKABE_ITO["orange"]
    for j, y in enumerate(rows):
        draw.box(ax, (1.7, y), 0.95, 0.45, f"$k_{j + 1}$={_vec(KEYS[j])}", kind="weight",
                 fontsize=10)
        draw.arrow(ax, (0.87, 1.78), (1.2, y), color="#555555", lw=1.1)
        draw.text(ax, (2.62, y), f"{scores[j]:.2f}", fontsize=10)
        width = 0.5 * weights[j]
        ax.add_patch(Rectangle((3.05, y - 0.14), width, 0.28, facecolor=bar, edgecolor="none",
                               zorder=2))
        draw.text(ax, (3.05 + width + 0.04, y), f"{weights[j]:.2f}", fontsize=10, ha="left")
        draw.box(ax, (4.12, y), 0.4, 0.45, f"{VALUES[j]:g}", kind="hidden", fontsize=10)
        draw.arrow(ax, (4.33, y), (4.62, 1.78), color=bar, lw=0.6 + 4 * weights[j])
    draw.box(ax, (5.0, 1.78), 0.72, 1.0, f"output\n$\\Sigma_j a_j v_j$\n= {out:.2f}",
             kind="output", fontsize=10)
    draw.text(ax, (2.7, 0.22), f"weights sum to 1; $d$ = {QUERY.size}; the best match, $k_1$, "
              f"gets {weights[0]:.0%}", fontsize=10)
    return fig


def gan_loop():
    """The GAN loop: z -> G -> fake samples; real samples; both -> D -> real/fake; the
    discriminator loss updates D, the generator loss flows back through D to G."""
    fig, ax = draw.canvas(5.6, 4.0)
    red = OKABE_ITO["vermillion"]
    draw.box(ax, (0.5, 2.6), 0.9, 0.75, "noise\n$z \\sim N(0, I)$", kind="input", fontsize=10)
    draw.box(ax, (1.65, 2.6), 0.85, 0.75, "generator\n$G$", kind="weight", fontsize=10)
    draw.box(ax, (2.8, 2.6), 0.9, 0.75, "fake cells\n$G(z)$", kind="hidden", fontsize=10)
    draw.box(ax, (2.8, 1.15), 0.9, 0.75, "real cells\n$x$ (data)", kind="input", fontsize=10)
    draw.box(ax, (4.0, 1.9), 1.1, 0.75, "discriminator\n$D$", kind="weight", fontsize=10)
    draw.box(ax, (5.1, 1.9), 0.8, 0.95, "real or\nfake?\n$\\sigma(\\ell)$", kind="output",
             fontsize=10)
    draw.arrow(ax, (0.95, 2.6), (1.22, 2.6))
    draw.arrow(ax, (2.08, 2.6), (2.35, 2.6))
    draw.arrow(ax, (3.25, 2.45), (3.5, 2.15))
    draw.arrow(ax, (3.25, 1.35), (3.5, 1.65))
    draw.arrow(ax, (4.55, 1.9), (4.7, 1.9))
    # losses and the gradients they send back
    draw.box(ax, (3.95, 3.6), 2.4, 0.5, "$L_G$ = BCE(fake, 1)", kind="neutral", fontsize=10)
    draw.box(ax, (3.95, 0.3), 3.1, 0.5, "$L_D$ = BCE(real, 1) + BCE(fake, 0)", kind="neutral",
             fontsize=10)
    draw.arrow(ax, (5.1, 2.38), (4.95, 3.34))
    draw.arrow(ax, (5.1, 1.42), (5.0, 0.56))
    draw.arrow(ax, (2.75, 3.6), (1.65, 2.99), color=red, ls="--",
               label="gradient to $G$\n(through $D$, not updating $D$)", fontsize=10,
               label_offset=(-0.6, 0.3))
    draw.arrow(ax, (3.7, 0.56), (3.85, 1.51), color=red, ls="--", label="gradient\nto $D$",
               fontsize=10, label_offset=(0.5, 0.0))
    return fig
