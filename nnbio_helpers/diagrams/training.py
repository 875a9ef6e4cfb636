"""Diagrams of chapter 4 (training practice and regularisation).

- ``data_split(n_train, n_val, n_test)``: the data cut into a training, a validation and a test
  set, drawn as three bars whose lengths are proportional to the set sizes, with what each set
  is used for.
- ``early_stopping(training, validation, patience)``: training and validation curves (the
  page passes its real ones) with the minimum of the validation curve, the epoch where a
  patience rule stops, the epochs waited in between, and the weights that are restored.
- ``thinned_network(p, seed)``: the same small network twice, complete (as used for
  prediction) and thinned by one random dropout mask (as in one training step): dropped units
  are dashed and lose all their connections.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..style import OKABE_ITO
from . import draw


def data_split(n_train: int = 80, n_val: int = 160, n_test: int = 329):
    """Training, validation and test set as bars proportional to their sizes, each with what
    it is used for (narrow, so it stays legible on a phone)."""
    fig, ax = draw.canvas(5.3, 2.25)
    parts = [("training", n_train, "input", "fits the weights\n(gradient descent)"),
             ("validation", n_val, "hidden", "chooses when to stop,\ndropout, weight decay"),
             ("test", n_test, "output", "used once, at the end:\nthe honest estimate")]
    longest, x_bar = max(n for _, n, _, _ in parts), 1.05
    for (name, n, kind, use), y in zip(parts, (1.85, 1.12, 0.39)):
        w = 2.0 * n / longest
        draw.box(ax, (x_bar + w / 2, y), w, 0.46, kind=kind, rounded=False)
        draw.text(ax, (0.03, y), name, fontsize=11, ha="left")
        draw.text(ax, (x_bar + w + 0.07, y), str(n), fontsize=11, ha="left")
        draw.text(ax, (3.6, y), use, fontsize=10, ha="left", linespacing=1.1)
    return fig


def early_stopping(training, validation, patience: int = 20):
    """Learning curves with the validation minimum, the stopping epoch of a patience rule and
    the restored weights marked. ``training``/``validation`` are per-epoch losses."""
    training, validation = np.asarray(training, float), np.asarray(validation, float)
    epochs = np.arange(1, len(validation) + 1)
    best = int(np.argmin(validation))
    stop = min(best + patience, len(validation) - 1)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.plot(epochs, training, color=OKABE_ITO["blue"], ls="-", label="training loss")
    ax.plot(epochs, validation, color=OKABE_ITO["orange"], ls="--", label="validation loss")
    ax.axvspan(best + 1, stop + 1, color=OKABE_ITO["sky"], alpha=0.2, lw=0,
               label=f"waiting: {patience} epochs without improvement")
    ax.plot(best + 1, validation[best], "o", color=OKABE_ITO["vermillion"], ms=9, zorder=5,
            label=f"minimum (epoch {best + 1}): weights restored")
    ax.axvline(stop + 1, color=OKABE_ITO["black"], ls=":", lw=1.5)
    ax.annotate(f"stop\n(epoch {stop + 1})", (stop + 1, validation[stop]),
                xytext=(stop + 1 + 0.06 * len(epochs), validation[stop] * 1.6), fontsize=10,
                arrowprops=dict(arrowstyle="->", color=OKABE_ITO["black"]))
    ax.set_yscale("log")
    ax.set(xlabel="epoch", ylabel="cross-entropy")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=10)
    return fig


def thinned_network(p: float = 0.5, seed: int = 1, sizes=(3, 5, 5, 2)):
    """The full network next to the same network thinned by one random dropout mask.

    Each hidden unit is dropped with probability ``p`` (at least one unit per layer stays);
    input and output units are never dropped."""
    rng = np.random.default_rng(seed)
    dropped = set()
    for layer in range(1, len(sizes) - 1):
        off = np.flatnonzero(rng.random(sizes[layer]) < p)
        if len(off) == sizes[layer]:
            off = off[1:]
        dropped |= {(layer, int(u)) for u in off}
    fig, ax = draw.canvas(6.8, 3.75)
    dx, dy, y_mid = 0.85, 0.6, 1.6
    for x0, title, drop in ((0.35, "full network\n(prediction)", set()),
                            (3.9, f"thinned, p = {p:g}\n(one training step)", dropped)):
        draw.network(ax, sizes, dropped=drop, x0=x0, dx=dx, y_mid=y_mid, dy=dy, radius=0.2)
        draw.text(ax, (x0 + dx * (len(sizes) - 1) / 2, 3.4), title, fontsize=13)
    draw.arrow(ax, (3.15, y_mid), (3.65, y_mid), lw=1.6)
    return fig
