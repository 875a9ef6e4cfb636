"""Diagrams for chapter 9 (vanishing and exploding gradients).

* ``plain_vs_residual()``: gradient flow through two stacks side by side. On the left, a plain
  stack of three layers: the backward signal (downward arrows) is multiplied by each layer's
  Jacobian J_k in turn, so dL/dx is a product of Jacobians. On the right, three residual blocks
  h <- h + F(h): each skip connection gives the backward signal an identity path, so every
  factor of the product is (I + J_k).
"""
from __future__ import annotations

from matplotlib.patches import Circle

from ..style import OKABE_ITO
from . import draw

BACK = OKABE_ITO["vermillion"]


def plain_vs_residual(n_layers: int = 3):
    """Two stacks, plain layers (gradient = product of J_k) and residual blocks (gradient =
    product of (I + J_k)), forward upward in black, backward downward in vermillion (dashed).
    Returns the Figure."""
    step = 1.15
    y0 = 1.45  # centre of the input x
    height = y0 + (n_layers + 1) * step + 1.25
    fig, ax = draw.canvas(7.0, height)
    def stack(cx, residual):
        ys = [y0 + i * step for i in range(n_layers + 2)]  # x, layers..., loss
        draw.box(ax, (cx, ys[0]), 1.3, 0.48, "input x", kind="input", fontsize=10)
        draw.box(ax, (cx, ys[-1]), 1.3, 0.48, r"loss $\mathcal{L}$", kind="output", fontsize=10)
        for k in range(1, n_layers + 1):
            label = f"block {k}: F$_{k}$" if residual else f"layer {k}"
            draw.box(ax, (cx, ys[k]), 1.3, 0.48, label, kind="hidden", fontsize=10)
        for k in range(n_layers + 1):  # forward arrows between boxes
            draw.arrow(ax, (cx, ys[k] + 0.26), (cx, ys[k + 1] - 0.26), lw=1.3)
        # backward signal on the right of the stack
        bx = cx + 0.95
        for k in range(n_layers + 1, 0, -1):
            factor = "" if k == n_layers + 1 else (
                f"$\\times (I + J_{k})$" if residual else f"$\\times J_{k}$")
            draw.arrow(ax, (bx, ys[k] - 0.05), (bx, ys[k - 1] + 0.05), color=BACK, lw=2.0,
                       ls="--")
            if factor:
                draw.text(ax, (bx + 0.12, ys[k] - 0.02), factor, fontsize=10, color=BACK,
                          ha="left")
        if residual:  # skip connections: a bypass on the left of every block, joined by a +
            blue = OKABE_ITO["blue"]
            for k in range(1, n_layers + 1):
                ya, yb = ys[k] - 0.38, ys[k] + step / 2
                ax.add_patch(Circle(
                    (cx, yb), 0.14, facecolor="white", edgecolor=blue, lw=1.6, zorder=4))
                draw.text(ax, (cx, yb), "+", fontsize=11, color=blue, zorder=5)
                sx = cx - 0.85
                ax.plot([cx, sx, sx], [ya, ya, yb], color=blue, lw=1.6, ls="-", zorder=1,
                        solid_joinstyle="round")
                draw.arrow(ax, (sx, yb), (cx - 0.14, yb), color=blue, lw=1.6)
            draw.text(ax, (cx - 1.4, ys[1]), "skip\n(identity)", fontsize=9, color=blue)
        return ys

    left, right = 1.35, 4.75
    ys = stack(left, residual=False)
    stack(right, residual=True)
    top = ys[-1] + 0.55
    draw.text(ax, (left + 0.3, top), "plain stack", fontsize=11, weight="bold")
    draw.text(ax, (right + 0.3, top), "residual stack", fontsize=11, weight="bold")
    formula_y = 0.45
    draw.text(ax, (left + 0.3, formula_y),
              r"$\dfrac{\partial\mathcal{L}}{\partial x} = \dfrac{\partial\mathcal{L}}{\partial h_3}"
              r"\,J_3 J_2 J_1$", fontsize=11)
    draw.text(ax, (right + 0.3, formula_y),
              r"$\dfrac{\partial\mathcal{L}}{\partial x} = \dfrac{\partial\mathcal{L}}{\partial h_3}"
              r"\,(I + J_3)(I + J_2)(I + J_1)$", fontsize=11)
    draw.text(ax, (3.5, top + 0.45), "forward pass: solid, upward;  backward gradient: "
              "dashed, downward", fontsize=9, color="#444444")
    return fig
