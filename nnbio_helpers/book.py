"""Numbers in the prose that come from the page's own run.

``glue(name, value)`` hands a computed value to the built book, where the text quotes it as
{glue:text}`name:.3f` (MyST-NB's glue), so the words cannot contradict the outputs. Outside a
book build (Jupyter, Colab, where MyST-NB may be missing) it does nothing: the reader sees the
value in the cell's own output.
"""
from __future__ import annotations


def glue(name: str, value) -> None:
    """Make ``value`` quotable as ``name`` in the page's text (no visible output)."""
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return
    myst_glue(name, value, display=False)
