"""Diagrams for chapter 8 (autoencoders on single-cell data).

* ``bottleneck()``: the autoencoder of the chapter, drawn as layers whose height shows their
  size: the input profile of 765 genes, an encoder layer of 64 units, the latent code z
  (2 or 10 numbers), a decoder layer of 64 units and the reconstruction of 765 genes, with the
  reconstruction loss ||x - x_hat||^2 that compares the two ends.
"""
from __future__ import annotations

from matplotlib.patches import Polygon

from . import draw


def _funnel(ax, left, right, kind):
    """A pale band joining the right edge of one layer to the left edge of the next."""
    (xa, ya, ha), (xb, yb, hb) = left, right
    ax.add_patch(Polygon([(xa, ya - ha / 2), (xb, yb - hb / 2), (xb, yb + hb / 2),
                          (xa, ya + ha / 2)], closed=True, facecolor=draw.FILL[kind],
                         edgecolor="none", alpha=0.7, zorder=0))


def bottleneck(n_genes: int = 765, width: int = 64, latent: str = "2 or 10"):
    """Encoder layers narrowing from ``n_genes`` to the code z, decoder layers widening back,
    and the loss ||x - x_hat||^2 between input and reconstruction. Returns the Figure."""
    fig, ax = draw.canvas(7.0, 4.45)
    y = 2.1
    xs = [0.65, 2.15, 3.5, 4.85, 6.35]
    heights = [2.2, 1.4, 0.65, 1.4, 2.2]
    kinds = ["input", "hidden", "weight", "hidden", "output"]
    sizes = [f"{n_genes}", f"{width}", latent, f"{width}", f"{n_genes}"]
    names = ["input x\n(genes)", "encoder\nlayer", "code z", "decoder\nlayer",
             "reconstruction\n" r"$\hat{x}$ (genes)"]
    box_w = 0.62
    for i in range(4):
        _funnel(ax, (xs[i] + box_w / 2, y, heights[i]), (xs[i + 1] - box_w / 2, y, heights[i + 1]),
                "neutral")
    for x, h, kind, size, name in zip(xs, heights, kinds, sizes, names):
        draw.box(ax, (x, y), box_w, h, size.replace(" or ", "\nor\n"), kind=kind, fontsize=10)
        draw.text(ax, (x, y + 1.2), name, fontsize=10, va="bottom")
    labels = ["Linear\n+ ReLU", "Linear", "Linear\n+ ReLU", "Linear"]
    for i in range(4):
        draw.arrow(ax, (xs[i] + box_w / 2 + 0.05, y), (xs[i + 1] - box_w / 2 - 0.05, y),
                   label=labels[i], fontsize=9, label_offset=(0, -0.38))
    # encoder / decoder brackets above
    top = y + 1.85
    for (xa, xb), name in (((xs[0] + 0.1, xs[2] - 0.05), "encoder f: compresses"),
                           ((xs[2] + 0.05, xs[4] - 0.1), "decoder g: expands")):
        ax.plot([xa, xa, xb, xb], [top - 0.1, top, top, top - 0.1], color=draw.INK, lw=1.2,
                ls="-")
        draw.text(ax, ((xa + xb) / 2, top + 0.2), name, fontsize=10)
    # the loss compares the two ends
    loss_y = 0.32
    draw.box(ax, (3.5, loss_y), 4.2, 0.42,
             r"loss $\mathcal{L} = \|x - \hat{x}\|^2$ (mean over cells and genes)",
             kind="neutral", fontsize=10)
    for x in (xs[0], xs[4]):
        draw.arrow(ax, (x, y - 1.12), (3.5 + (2.12 if x > 3.5 else -2.12), loss_y),
                   connection=f"arc3,rad={0.35 if x > 3.5 else -0.35}", color="#555555")
    return fig
