"""Diagrams of chapter 3 (losses, gradient descent and backpropagation).

- ``graph_values()``: the numbers of a tiny scalar network x -> linear -> ReLU -> linear ->
  squared-error loss, forward values and backward gradients, computed (not typed in).
- ``computational_graph()``: that network drawn as a computational graph from top (input) to
  bottom (loss), with the forward values on the solid black arrows running down and the
  gradients of the loss on the dashed vermillion arrows running back up; the parameters sit to
  the left of the two linear nodes with their gradients next to them.
"""
from __future__ import annotations

from ..style import OKABE_ITO
from . import draw

#: The inputs of the example: input, target and the four parameters.
EXAMPLE = dict(x=2.0, t=2.0, w1=0.5, b1=-0.2, w2=1.5, b2=0.1)


def graph_values(x=EXAMPLE["x"], t=EXAMPLE["t"], w1=EXAMPLE["w1"], b1=EXAMPLE["b1"],
                 w2=EXAMPLE["w2"], b2=EXAMPLE["b2"]) -> dict:
    """Forward values and gradients of z1 = w1 x + b1, h = relu(z1), z2 = w2 h + b2,
    L = (z2 - t)^2, by the chain rule (one backward sweep, every gradient reused)."""
    z1 = w1 * x + b1
    h = max(0.0, z1)
    z2 = w2 * h + b2
    loss = (z2 - t) ** 2
    d_z2 = 2 * (z2 - t)                  # dL/dz2
    d_w2, d_b2, d_h = d_z2 * h, d_z2, d_z2 * w2
    d_z1 = d_h * (1.0 if z1 > 0 else 0.0)  # the ReLU passes the gradient where it was active
    d_w1, d_b1, d_x = d_z1 * x, d_z1, d_z1 * w1
    return dict(x=x, t=t, w1=w1, b1=b1, w2=w2, b2=b2, z1=z1, h=h, z2=z2, L=loss, d_z2=d_z2,
                d_w2=d_w2, d_b2=d_b2, d_h=d_h, d_z1=d_z1, d_w1=d_w1, d_b1=d_b1, d_x=d_x)


def _num(value: float) -> str:
    return f"{value + 0.0:.2f}".replace("-", "\N{MINUS SIGN}")  # + 0.0: no "-0.00"


def computational_graph(**example):
    """The computational graph of x -> linear -> ReLU -> linear -> loss with its numbers.

    Drawn top to bottom (narrow, so it stays legible on a phone). Forward: solid black arrows
    labelled (left) with the value they carry. Backward: dashed vermillion arrows labelled
    (right) with the gradient of the loss with respect to that value. Parameters sit to the
    left of the linear nodes, their gradients next to them. ``example`` overrides entries of
    ``EXAMPLE`` (e.g. ``b1=-1.2``)."""
    v = graph_values(**example)
    back = OKABE_ITO["vermillion"]
    fig, ax = draw.canvas(5.8, 6.7)
    cx, bw, bh = 3.45, 1.8, 0.62
    ys = [6.15, 4.9, 3.65, 2.4, 1.15]
    draw.node(ax, (cx, ys[0]), "$x$", kind="input", radius=0.3)
    labels = ["linear: $z_1 = w_1x + b_1$", "ReLU: $h = \\max(0, z_1)$",
              "linear: $z_2 = w_2h + b_2$", "loss: $L = (z_2 - t)^2$"]
    for yc, label, kind in zip(ys[1:], labels, ["hidden"] * 3 + ["output"]):
        draw.box(ax, (cx, yc), bw, bh, label, kind=kind, fontsize=10)
    forward = [f"$x$ = {_num(v['x'])}", f"$z_1$ = {_num(v['z1'])}", f"$h$ = {_num(v['h'])}",
               f"$z_2$ = {_num(v['z2'])}"]
    backward = [f"$\\partial L/\\partial x$ = {_num(v['d_x'])}",
                f"$\\partial L/\\partial z_1$ = {_num(v['d_z1'])}",
                f"$\\partial L/\\partial h$ = {_num(v['d_h'])}",
                f"$\\partial L/\\partial z_2$ = {_num(v['d_z2'])}"]
    for i in range(4):
        top = ys[i] - (0.3 if i == 0 else bh / 2)
        bottom = ys[i + 1] + bh / 2
        mid = (top + bottom) / 2
        draw.arrow(ax, (cx - 0.15, top), (cx - 0.15, bottom))
        draw.text(ax, (cx - 0.3, mid), forward[i], fontsize=10, ha="right")
        draw.arrow(ax, (cx + 0.15, bottom), (cx + 0.15, top), color=back, ls="--", lw=1.6)
        draw.text(ax, (cx + 0.3, mid), backward[i], fontsize=10, ha="left", color=back)
    right = cx + bw / 2 + 0.12
    draw.text(ax, (right, ys[4] + 0.2), f"$L$ = {_num(v['L'])}", fontsize=10, ha="left")
    draw.text(ax, (right, ys[4] - 0.2), f"$t$ = {_num(v['t'])}", fontsize=10, ha="left")
    draw.text(ax, (cx, ys[4] - 0.58), "backward pass starts with $\\partial L/\\partial L = 1$",
              fontsize=10, color=back)
    # parameters to the left of the linear nodes, with their gradients
    px, pw = 1.55, 1.0
    for yc, names in ((ys[1], ("w1", "b1")), (ys[3], ("w2", "b2"))):
        for dy, name in ((0.24, names[0]), (-0.24, names[1])):
            sym = f"{name[0]}_{name[1]}"
            py = yc + dy
            draw.box(ax, (px, py), pw, 0.36, f"${sym}$ = {_num(v[name])}", kind="weight",
                     fontsize=10)
            edge = cx - bw / 2
            draw.arrow(ax, (px + pw / 2, py + 0.06), (edge, yc + dy * 0.5 + 0.06), lw=1.1)
            draw.arrow(ax, (edge, yc + dy * 0.5 - 0.06), (px + pw / 2, py - 0.06), color=back,
                       ls="--", lw=1.3)
            draw.text(ax, (px - pw / 2 - 0.08, py),
                      f"$\\partial L/\\partial {sym}$\n= {_num(v['d_' + name])}", fontsize=10,
                      ha="right", color=back, linespacing=1.1)
    # key
    draw.arrow(ax, (0.2, 0.3), (0.7, 0.3))
    draw.text(ax, (0.78, 0.3), "forward: values", fontsize=10, ha="left")
    draw.arrow(ax, (3.05, 0.3), (2.55, 0.3), color=back, ls="--", lw=1.6)
    draw.text(ax, (3.13, 0.3), "backward: gradients of $L$", fontsize=10, ha="left", color=back)
    return fig
