"""Small plotting helpers shared by the book and the exercises."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_decision_boundary(ax, predict, X, y, resolution: int = 200, pad: float = 0.5):
    """Shade the 2-D plane by ``predict(points) -> labels`` and scatter ``X`` coloured by ``y``."""
    x0, x1 = X[:, 0].min() - pad, X[:, 0].max() + pad
    y0, y1 = X[:, 1].min() - pad, X[:, 1].max() + pad
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    zz = np.asarray(predict(grid)).reshape(gx.shape)
    ax.contourf(gx, gy, zz, alpha=0.25, cmap="coolwarm", levels=np.unique(zz).size)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolor="k", s=30)
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
