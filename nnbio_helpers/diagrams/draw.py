"""The shapes diagrams are made of. Coordinates are in data units on an equal-aspect canvas.

Every function takes the Axes first and returns the artist (or artists) it added, so a
diagram can be adjusted afterwards. Colours come from the book's Okabe-Ito palette.
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle

from ..style import OKABE_ITO

INK = "#222222"
FILL = {
    "input": "#D6EAF8",     # pale sky: data going in
    "hidden": "#FDEBD0",    # pale orange: computed inside
    "output": "#D5F5E3",    # pale green: what comes out
    "weight": "#F5E1EC",    # pale purple: parameters
    "neutral": "#F2F2F2",
    "off": "#FFFFFF",
}
EDGE = {"input": OKABE_ITO["blue"], "hidden": OKABE_ITO["orange"], "output": OKABE_ITO["green"],
        "weight": OKABE_ITO["purple"], "neutral": "#777777", "off": "#BBBBBB"}


def canvas(width: float, height: float, xlim: tuple[float, float] | None = None,
           ylim: tuple[float, float] | None = None):
    """A blank figure ``width`` x ``height`` inches with an equal-aspect, axis-free Axes.

    ``xlim``/``ylim`` default to (0, width) and (0, height), so one data unit is one inch."""
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_xlim(*(xlim or (0, width)))
    ax.set_ylim(*(ylim or (0, height)))
    ax.set_aspect("equal")
    ax.axis("off")
    fig.subplots_adjust(0.01, 0.01, 0.99, 0.99)
    return fig, ax


def node(ax, xy, label: str = "", kind: str = "hidden", radius: float = 0.28, fontsize=11,
         dashed: bool = False):
    """A circle (a neuron, a graph node) centred at ``xy`` with ``label`` inside."""
    circle = Circle(xy, radius, facecolor=FILL[kind], edgecolor=EDGE[kind], lw=1.6,
                    ls="--" if dashed else "-", zorder=3)
    ax.add_patch(circle)
    if label:
        ax.text(*xy, label, ha="center", va="center", fontsize=fontsize, color=INK, zorder=4)
    return circle


def box(ax, xy, width: float, height: float, label: str = "", kind: str = "neutral", fontsize=10,
        rounded: bool = True, dashed: bool = False):
    """A box centred at ``xy`` with a (multi-line) ``label``."""
    x, y = xy
    style = "round,pad=0.02,rounding_size=0.08" if rounded else "square,pad=0"
    patch = FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle=style,
                           facecolor=FILL[kind], edgecolor=EDGE[kind], lw=1.5,
                           ls="--" if dashed else "-", zorder=2)
    ax.add_patch(patch)
    if label:
        ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, color=INK, zorder=4)
    return patch


def arrow(ax, start, end, label: str = "", color: str = INK, lw: float = 1.4, shrink: float = 0.0,
          fontsize=9, label_offset=(0.0, 0.12), style: str = "-|>", connection: str = "arc3",
          ls: str = "-"):
    """An arrow from ``start`` to ``end``, shortened by ``shrink`` at both ends, with a label
    at its middle (moved by ``label_offset``)."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    direction = end - start
    length = np.hypot(*direction)
    if shrink and length > 2 * shrink:
        unit = direction / length
        start, end = start + unit * shrink, end - unit * shrink
    patch = FancyArrowPatch(tuple(start), tuple(end), arrowstyle=style, mutation_scale=12,
                            color=color, lw=lw, connectionstyle=connection, ls=ls, zorder=1)
    ax.add_patch(patch)
    if label:
        mid = (start + end) / 2 + np.asarray(label_offset)
        ax.text(*mid, label, ha="center", va="center", fontsize=fontsize, color=color, zorder=5,
                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.85))
    return patch


def text(ax, xy, label: str, fontsize=10, color: str = INK, **kw):
    """Plain text centred at ``xy``."""
    kw.setdefault("ha", "center")
    kw.setdefault("va", "center")
    return ax.text(*xy, label, fontsize=fontsize, color=color, **kw)


def layer_positions(sizes: Sequence[int], x0: float = 0.5, dx: float = 1.6, y_mid: float = 1.5,
                    dy: float = 0.8):
    """Centres of the nodes of a layered network: one column per layer, centred on ``y_mid``."""
    return [[(x0 + i * dx, y_mid + (n - 1) / 2 * dy - j * dy) for j in range(n)]
            for i, n in enumerate(sizes)]


def network(ax, sizes: Sequence[int], labels: Sequence[Sequence[str]] | None = None,
            dropped: set[tuple[int, int]] = frozenset(), x0: float = 0.5, dx: float = 1.6,
            y_mid: float = 1.5, dy: float = 0.8, radius: float = 0.28, edge_labels=None):
    """A fully connected layered network; ``dropped`` holds (layer, unit) pairs drawn as
    switched off (dashed, with their connections removed), as dropout does.

    ``edge_labels`` maps (layer, from_unit, to_unit) to a label for that connection.
    Returns the node centres, a list per layer."""
    pos = layer_positions(sizes, x0, dx, y_mid, dy)
    last = len(sizes) - 1
    for i in range(last):
        for a, pa in enumerate(pos[i]):
            for b, pb in enumerate(pos[i + 1]):
                if (i, a) in dropped or (i + 1, b) in dropped:
                    continue
                label = (edge_labels or {}).get((i, a, b), "")
                arrow(ax, pa, pb, label=label, shrink=radius + 0.02, color="#555555", lw=1.1,
                      label_offset=(0, 0.0))
    for i, layer in enumerate(pos):
        kind = "input" if i == 0 else "output" if i == last else "hidden"
        for j, xy in enumerate(layer):
            off = (i, j) in dropped
            node(ax, xy, labels[i][j] if labels else "", kind="off" if off else kind,
                 radius=radius, dashed=off)
    return pos


def cells(ax, origin, values, size: float = 0.4, highlight=None, kind: str = "neutral",
          fontsize=9, fmt: str = "{:g}", show_values: bool = True):
    """A matrix drawn as a grid of square cells, row 0 at the top, lower-left corner of the
    grid at ``origin``. ``highlight`` = (row, col, n_rows, n_cols) outlines a window of cells.
    Returns a function mapping (row, col) to the centre of that cell."""
    values = np.atleast_2d(np.asarray(values, dtype=object))
    rows, cols = values.shape
    ox, oy = origin

    def centre(r, c):
        return ox + (c + 0.5) * size, oy + (rows - r - 0.5) * size

    for r in range(rows):
        for c in range(cols):
            value = values[r, c]
            blank = value is None
            ax.add_patch(Rectangle((ox + c * size, oy + (rows - r - 1) * size), size, size,
                                   facecolor=FILL["off" if blank else kind], edgecolor="#888888",
                                   lw=0.8, ls=":" if blank else "-", zorder=2))
            if show_values and not blank:
                label = fmt.format(value) if not isinstance(value, str) else value
                ax.text(*centre(r, c), label, ha="center", va="center", fontsize=fontsize,
                        zorder=4)
    if highlight is not None:
        r, c, nr, nc = highlight
        ax.add_patch(Rectangle((ox + c * size, oy + (rows - r - nr) * size), nc * size, nr * size,
                               fill=False, edgecolor=OKABE_ITO["vermillion"], lw=2.4, zorder=5))
    return centre


def pipeline(ax, labels: Sequence[str], y: float = 0.6, x0: float = 0.1, width: float = 1.25,
             gap: float = 0.35, height: float = 0.9, kinds: Sequence[str] | None = None,
             arrow_labels: Sequence[str] | None = None, fontsize=9):
    """Boxes in a row joined by arrows (a layer diagram or a workflow); returns box centres."""
    centres = []
    for i, label in enumerate(labels):
        x = x0 + width / 2 + i * (width + gap)
        kind = kinds[i] if kinds else "input" if i == 0 else "output" if i == len(labels) - 1 \
            else "hidden"
        box(ax, (x, y), width, height, label, kind=kind, fontsize=fontsize)
        centres.append((x, y))
    for i in range(len(centres) - 1):
        (xa, ya), (xb, yb) = centres[i], centres[i + 1]
        arrow(ax, (xa + width / 2, ya), (xb - width / 2, yb),
              label=arrow_labels[i] if arrow_labels else "", label_offset=(0, 0.18), fontsize=9)
    return centres
