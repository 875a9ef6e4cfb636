"""One look for every figure of the book: a colour-blind-safe palette and sizes a reader can read.

The palette is Okabe & Ito's (2008) eight colours, distinguishable with every common form of
colour blindness. Every line also gets its own line style from the property cycle, so a key
comparison survives a grey-scale print or a reader who cannot tell two hues apart.

Sizes: the book's text column is about 700 px wide and figures are shown at 100 dpi, so a
figure up to ``MAX_WIDTH`` inches is shown at its own size (fonts of 11 pt are about 15 px).
On a 390 px phone the same figure shrinks by about half, which is why multi-panel figures
use at most ``MAX_PER_ROW`` panels per row (see ``nnbio_helpers.widgets.panel_grid``).

Use it once per page, before the first figure::

    from nnbio_helpers import style
    style.use()
"""
from __future__ import annotations

import matplotlib as mpl
from cycler import cycler

#: Okabe & Ito (2008), "Color universal design", in the order used for successive lines.
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
#: Colours for successive lines (yellow is left out: it is too pale for a line on white).
CYCLE = [OKABE_ITO[k] for k in ("blue", "orange", "green", "vermillion", "sky", "purple", "black")]
#: A line style per colour, so lines differ in two ways, not only by hue.
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 2))]
#: Colour maps that are colour-blind safe and print in grey scale: ordered and diverging.
SEQUENTIAL_CMAP = "viridis"
DIVERGING_CMAP = "RdBu_r"
#: Two classes or groups (e.g. case and control, cell type A and B).
PAIR = (OKABE_ITO["blue"], OKABE_ITO["vermillion"])

MAX_WIDTH = 7.0  # inches at 100 dpi: the text column
MAX_PER_ROW = 2  # panels per row in a figure of small multiples
PANEL_SIZE = (3.4, 2.8)  # inches: one panel of such a grid

RC = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.figsize": (6.4, 3.6),
    "figure.constrained_layout.use": False,
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.framealpha": 0.9,
    "figure.titlesize": 12,
    "lines.linewidth": 2.0,
    "lines.markersize": 6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=CYCLE) + cycler(linestyle=LINESTYLES),
    "image.cmap": SEQUENTIAL_CMAP,
}


def use() -> None:
    """Apply the book's style to every figure drawn after this call."""
    mpl.rcParams.update(RC)


def color(name: str) -> str:
    """An Okabe-Ito colour by name (``blue``, ``orange``, ``green``, ``vermillion``, ``sky``,
    ``purple``, ``yellow``, ``black``)."""
    return OKABE_ITO[name]
