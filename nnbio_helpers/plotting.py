"""Small plotting helpers shared by the book and the exercises."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from .style import CYCLE

MARKERS = "o^sDvP*X"


def plot_decision_boundary(ax, predict, X, y, resolution: int = 200, pad: float = 0.5):
    """Shade the 2-D plane by ``predict(points) -> labels`` and scatter ``X`` by ``y``, each
    class in its own Okabe-Ito colour and marker (readable without colour vision)."""
    x0, x1 = X[:, 0].min() - pad, X[:, 0].max() + pad
    y0, y1 = X[:, 1].min() - pad, X[:, 1].max() + pad
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    zz = np.asarray(predict(grid)).reshape(gx.shape)
    classes = np.unique(np.concatenate([np.unique(zz), np.unique(y)]))
    cmap = ListedColormap([CYCLE[i % len(CYCLE)] for i in range(len(classes))])
    index = {c: i for i, c in enumerate(classes)}
    ax.contourf(gx, gy, np.vectorize(index.get)(zz), alpha=0.2, cmap=cmap,
                levels=np.arange(len(classes) + 1) - 0.5)
    for c in classes:
        mine = np.asarray(y) == c
        ax.scatter(X[mine, 0], X[mine, 1], color=CYCLE[index[c] % len(CYCLE)],
                   marker=MARKERS[index[c] % len(MARKERS)], edgecolor="k", s=30, label=str(c))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return ax


def show_digits(images, labels=None, n: int = 10, ax_size: float = 1.0):
    """Show the first ``n`` 8x8 digit images (rows of 64 values) with their labels."""
    images = np.asarray(images)[:n].reshape(-1, 8, 8)
    fig, axes = plt.subplots(1, len(images), figsize=(ax_size * len(images), ax_size * 1.2))
    for i, ax in enumerate(np.atleast_1d(axes)):
        ax.imshow(images[i], cmap="gray_r")
        ax.set_xticks([])
        ax.set_yticks([])
        if labels is not None:
            ax.set_title(str(labels[i]), fontsize=9)
    return fig


def plot_curves(ax, curves: dict, xlabel: str = "epoch", ylabel: str = "loss"):
    """Plot named 1-D sequences (e.g. training and validation loss) on one Axes."""
    for name, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax
