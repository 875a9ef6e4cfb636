"""Interactive demos that work live in Jupyter and as static figures in the built book.

``explore(draw, sliders, static)`` returns an ipywidgets ``interactive`` in a live notebook.
When the book is built (``make book`` sets ``NNBIO_STATIC_WIDGETS=1``), or when ipywidgets is
missing, it instead draws a row of panels, one per parameter set in ``static``, so the reader of
the HTML sees what moving the sliders would show.

``draw(ax, **params)`` must draw one panel on a matplotlib Axes.
"""
from __future__ import annotations

import os
from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt


def static_mode() -> bool:
    """True when widgets should render as static figures (book build, CI, no ipywidgets)."""
    if os.environ.get("NNBIO_STATIC_WIDGETS", "") not in ("", "0"):
        return True
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return True
    return False


def static_panels(draw: Callable, static: Sequence[Mapping], titles: Sequence[str] | None = None,
                  panel_size: tuple[float, float] = (3.4, 3.0)):
    """Draw ``draw(ax, **params)`` once per parameter set, side by side; returns the figure."""
    n = len(static)
    fig, axes = plt.subplots(1, n, figsize=(panel_size[0] * n, panel_size[1]), squeeze=False)
    for i, (ax, params) in enumerate(zip(axes[0], static)):
        draw(ax, **params)
        label = titles[i] if titles else ", ".join(f"{k}={v}" for k, v in params.items())
        ax.set_title(label, fontsize=9)
    fig.tight_layout()
    return fig


def explore(draw: Callable, sliders: Mapping, static: Sequence[Mapping],
            titles: Sequence[str] | None = None, figsize=(5, 3.5)):
    """A live widget (``sliders`` as for ``ipywidgets.interactive``) or static panels.

    In static mode the panels are shown and None is returned (so a cell ending with this call
    does not show them twice)."""
    if static_mode():
        static_panels(draw, static, titles)
        plt.show()
        return None
    import ipywidgets as widgets

    def update(**params):
        fig, ax = plt.subplots(figsize=figsize)
        draw(ax, **params)
        plt.show()

    return widgets.interactive(update, **sliders)
