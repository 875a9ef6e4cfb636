"""Diagrams and plot helpers for chapter 2 (activation functions).

- ``shapes_and_derivatives(curves=None)``: the four hidden-layer activations (sigmoid, tanh,
  ReLU, leaky ReLU), one row each, with the function on the left and its derivative on the
  right on the same z axis. The derivative panels mark the largest slope and shade where a
  saturating function's slope has fallen below 5 % of its maximum. The page passes the curves
  it computed (with autograd); called without them, the closed forms are used.
- ``softmax_examples(images, probs, titles)``: test digits, one per row, each beside the
  bar chart of its ten softmax probabilities.
"""
from __future__ import annotations

import numpy as np

from ..style import OKABE_ITO
from ..widgets import panel_grid

SHADE = "#E8E8E8"


def _closed_forms(z, alpha=0.1):
    sig = 1 / (1 + np.exp(-z))
    tanh = np.tanh(z)
    return {
        "sigmoid": (sig, sig * (1 - sig)),
        "tanh": (tanh, 1 - tanh ** 2),
        "ReLU": (np.maximum(z, 0), (z > 0).astype(float)),
        f"leaky ReLU ({alpha:g})": (np.where(z > 0, z, alpha * z), np.where(z > 0, 1.0, alpha)),
    }


def shapes_and_derivatives(z=None, curves=None, saturation=0.05):
    """A 4 x 2 grid: each activation f(z) (left) beside its derivative f'(z) (right).

    ``curves`` maps a name to ``(f(z), f'(z))`` arrays on the grid ``z``; by default the
    closed forms of sigmoid, tanh, ReLU and leaky ReLU (slope 0.1) on z in [-6, 6]. Where the
    derivative of a saturating function is below ``saturation`` times its maximum, both panels
    of its row are shaded grey and labelled "saturated"."""
    if z is None:
        z = np.linspace(-6, 6, 601)
    z = np.asarray(z, dtype=float)
    curves = curves or _closed_forms(z)
    colours = [OKABE_ITO[c] for c in ("blue", "orange", "green", "vermillion")]
    fig, axes = panel_grid(2 * len(curves), panel_size=(3.4, 2.1), sharex=True)
    for row, (name, (f, df)) in enumerate(curves.items()):
        f, df = np.asarray(f, float), np.asarray(df, float)
        ax_f, ax_d = axes[2 * row], axes[2 * row + 1]
        colour = colours[row % len(colours)]
        ax_f.plot(z, f, color=colour, ls="-")
        ax_d.plot(z, df, color=colour, ls="--")
        peak = float(df.max())
        saturating = df.min() < saturation * peak and df[0] < saturation * peak \
            and df[-1] < saturation * peak and f.max() - f.min() < 5
        if saturating:
            low = z[df < saturation * peak]
            left, right = low[low < 0].max(), low[low > 0].min()
            for ax in (ax_f, ax_d):
                ax.axvspan(z[0], left, color=SHADE, zorder=0, lw=0)
                ax.axvspan(right, z[-1], color=SHADE, zorder=0, lw=0)
            ax_d.text(z[0] + 0.3, 0.75 * 1.25 * peak, "saturated", fontsize=10, color="#444444",
                      va="top")
        i_peak = int(np.argmax(df))
        if saturating:
            ax_d.plot([z[i_peak]], [peak], "o", color="k", ms=4)
            ax_d.annotate(f"max {peak:.2g}", (z[i_peak], peak),
                          xytext=(8, -2), textcoords="offset points", fontsize=10, va="top")
        for ax in (ax_f, ax_d):
            ax.locator_params(axis="y", nbins=3)
            ax.tick_params(labelsize=11)
            ax.axhline(0, color="grey", lw=0.6, ls="-", zorder=1)
            ax.axvline(0, color="grey", lw=0.6, ls="-", zorder=1)
        ax_f.set_ylabel(name)
        ax_d.set_ylim(-0.1 * peak, 1.25 * peak)
        if not saturating:  # ReLU and leaky ReLU: label the two slopes
            neg = float(df[0])
            ax_d.text(z[0] + 0.3, neg + 0.08 * peak, f"slope {neg:g}", fontsize=10, va="bottom")
            ax_d.text(z[-1] - 0.3, peak - 0.08 * peak, f"slope {peak:g}", fontsize=10, va="top",
                      ha="right")
            ax_f.set_ylim(min(-1.0, f.min() - 0.3), f.max() + 0.5)
        if row == 0:
            ax_f.set_title("function f(z)")
            ax_d.set_title("derivative f'(z)")
    for ax in axes[-2:]:
        ax.set_xlabel("z")
        ax.set_xticks([-5, 0, 5])
    fig.tight_layout(h_pad=0.6)
    return fig


def softmax_examples(images, probs, titles, bar_colour=OKABE_ITO["blue"]):
    """One row per example: the 8x8 digit image (left) and its ten softmax probabilities."""
    import matplotlib.pyplot as plt

    n = len(images)
    fig, axes = plt.subplots(n, 2, figsize=(6.4, 2.2 * n),
                             gridspec_kw={"width_ratios": [1, 2.4]})
    axes = np.atleast_2d(axes)
    for row in range(n):
        ax_img, ax_bar = axes[row]
        ax_img.imshow(np.asarray(images[row]).reshape(8, 8), cmap="gray_r")
        ax_img.set_xticks([])
        ax_img.set_yticks([])
        ax_img.set_title(titles[row], fontsize=10)
        ax_bar.bar(range(10), np.asarray(probs[row]), color=bar_colour)
        ax_bar.set_xticks(range(10))
        ax_bar.set_ylim(0, 1)
        ax_bar.set_ylabel("probability")
    axes[-1, 1].set_xlabel("class (digit)")
    fig.tight_layout()
    return fig
