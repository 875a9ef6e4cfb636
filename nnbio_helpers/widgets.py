"""Interactive demos that work live in Jupyter and as static figures in the built book.

``explore(draw, sliders, static)`` shows an ipywidgets ``interactive`` in a live notebook.
When the book is built (``make book`` sets ``NNBIO_STATIC_WIDGETS=1``), or when ipywidgets is
missing, it instead draws a grid of panels (at most two per row, so they stay legible on a
phone), one per parameter set in ``static``, so the reader of the HTML sees what moving the
sliders would show. No widget object is created in static mode, so the built page needs no
widget JavaScript (which would come from a CDN).

``explore`` displays what it makes and returns None, so a cell may end with it or with a ``;``.

``draw(ax, **params)`` must draw one panel on a matplotlib Axes.

Slider values follow ``ipywidgets.interactive``'s abbreviations: ``(min, max, step)`` for a
slider, a list for a drop-down, and ``choices(options)`` for a slider over a few fixed values.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt

from .style import MAX_PER_ROW, PANEL_SIZE


def static_mode() -> bool:
    """True when widgets should render as static figures (book build, CI, no ipywidgets)."""
    if os.environ.get("NNBIO_STATIC_WIDGETS", "") not in ("", "0"):
        return True
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return True
    return False


@dataclass(frozen=True)
class choices:
    """A slider over a few fixed values (ipywidgets' ``SelectionSlider``), made only when live."""

    options: Sequence
    description: str = ""

    def widget(self, name: str):
        from ipywidgets import SelectionSlider

        return SelectionSlider(options=list(self.options), description=self.description or name)


def panel_grid(n: int, per_row: int = MAX_PER_ROW, panel_size: tuple[float, float] = PANEL_SIZE,
               **subplot_kw):
    """A figure with ``n`` panels laid out ``per_row`` to a row; returns (fig, flat list of axes).

    Unused cells of the last row are removed."""
    cols = max(1, min(per_row, n))
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(panel_size[0] * cols, panel_size[1] * rows),
                             squeeze=False, **subplot_kw)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.remove()
    return fig, flat[:n]


def static_panels(draw: Callable, static: Sequence[Mapping], titles: Sequence[str] | None = None,
                  panel_size: tuple[float, float] = PANEL_SIZE, per_row: int = MAX_PER_ROW):
    """Draw ``draw(ax, **params)`` once per parameter set, in a grid; returns the figure."""
    fig, axes = panel_grid(len(static), per_row=per_row, panel_size=panel_size)
    for i, (ax, params) in enumerate(zip(axes, static)):
        draw(ax, **params)
        label = titles[i] if titles else ", ".join(f"{k} = {v}" for k, v in params.items())
        ax.set_title(label)
    fig.tight_layout()
    return fig


def _live_abbreviations(sliders: Mapping) -> dict:
    return {name: (value.widget(name) if isinstance(value, choices) else value)
            for name, value in sliders.items()}


def explore(draw: Callable, sliders: Mapping, static: Sequence[Mapping],
            titles: Sequence[str] | None = None, figsize=(5.5, 3.8), per_row: int = MAX_PER_ROW):
    """Show a live widget (``sliders`` as for ``ipywidgets.interactive``) or static panels.

    Returns None in both cases: the widget is displayed here, so nothing shows twice."""
    if static_mode():
        static_panels(draw, static, titles, per_row=per_row)
        plt.show()
        return None
    import ipywidgets as widgets

    def update(**params):
        fig, ax = plt.subplots(figsize=figsize)
        draw(ax, **params)
        plt.show()

    _display(widgets.interactive(update, **_live_abbreviations(sliders)))
    return None


def _display(widget) -> None:
    from IPython.display import display

    display(widget)
