"""The student-side helper package: loaders are seeded and documented, widgets work live
(an ipywidgets object) and statically (one panel per parameter set)."""
from __future__ import annotations

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from nnbio_helpers import data, plotting, style, widgets


def test_digits_split_is_seeded_disjoint_and_scaled():
    a = data.load_digits_split(seed=0)
    b = data.load_digits_split(seed=0)
    c = data.load_digits_split(seed=1)
    X_tr, y_tr, X_te, y_te = a
    assert X_tr.shape == (1347, 64) and X_te.shape == (450, 64)
    assert 0.0 <= X_tr.min() and X_tr.max() <= 1.0
    assert set(np.unique(y_tr)) == set(range(10))
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    # no image is in both parts
    train_rows = {row.tobytes() for row in X_tr}
    assert sum(row.tobytes() in train_rows for row in X_te) < 5  # a few digits are duplicates


def test_breast_cancer_is_standardised():
    X, y, names = data.load_breast_cancer_scaled()
    assert X.shape == (569, 30) and len(names) == 30
    np.testing.assert_allclose(X.mean(0), 0, atol=1e-10)
    np.testing.assert_allclose(X.std(0), 1, atol=1e-10)
    assert set(np.unique(y)) == {0, 1}


def _draw(ax, slope=1.0):
    x = np.linspace(-3, 3, 50)
    ax.plot(x, np.tanh(slope * x))


def test_explore_is_static_panels_in_the_book(monkeypatch):
    monkeypatch.setenv("NNBIO_STATIC_WIDGETS", "1")
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    out = widgets.explore(_draw, {"slope": (0.1, 5.0)}, static=[{"slope": 0.5}, {"slope": 4}])
    assert out is None  # shown once, not again as the cell's value
    (fig,) = shown
    assert len(fig.axes) == 2
    assert fig.axes[1].get_title() == "slope = 4"
    assert len(fig.axes[0].lines) == 1
    plt.close(fig)


def test_static_panels_are_at_most_two_per_row_and_fit_the_column(monkeypatch):
    monkeypatch.setenv("NNBIO_STATIC_WIDGETS", "1")
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    widgets.explore(_draw, {"slope": (0.1, 5.0)}, static=[{"slope": s} for s in (1, 2, 3, 4, 5)])
    (fig,) = shown
    assert len(fig.axes) == 5  # the unused sixth cell is removed
    columns = {round(ax.get_position().x0, 3) for ax in fig.axes}
    assert len(columns) == 2
    assert fig.get_size_inches()[0] <= style.MAX_WIDTH
    plt.close(fig)


def test_static_mode_creates_no_widget(monkeypatch):
    """A widget object in a built page makes the book load widget JavaScript from a CDN."""
    monkeypatch.setenv("NNBIO_STATIC_WIDGETS", "1")
    monkeypatch.setattr(plt, "show", lambda: None)
    from ipywidgets.widgets.widget import _instances

    before = len(_instances)
    widgets.explore(_draw, {"slope": widgets.choices((0.5, 1.0, 2.0))}, static=[{"slope": 1.0}])
    assert len(_instances) == before
    plt.close("all")


def _live_widget(monkeypatch, sliders):
    monkeypatch.delenv("NNBIO_STATIC_WIDGETS", raising=False)
    shown = []
    monkeypatch.setattr(widgets, "_display", shown.append)
    assert widgets.explore(_draw, sliders, static=[{"slope": 1.0}]) is None
    (w,) = shown  # displayed by explore itself: a trailing ";" in the cell cannot hide it
    assert isinstance(w, ipywidgets.interactive)
    return w


def test_explore_is_a_live_widget_in_jupyter(monkeypatch):
    w = _live_widget(monkeypatch, {"slope": (0.1, 5.0)})
    slider = w.children[0]
    slider.value = 2.0  # moving the slider redraws without error
    assert w.kwargs["slope"] == pytest.approx(2.0)
    plt.close("all")


def test_choices_become_a_selection_slider_when_live(monkeypatch):
    w = _live_widget(monkeypatch, {"slope": widgets.choices((0.5, 1.0, 2.0), "slope")})
    slider = w.children[0]
    assert isinstance(slider, ipywidgets.SelectionSlider)
    slider.value = 2.0
    assert w.kwargs["slope"] == 2.0
    plt.close("all")


def test_style_palette_is_okabe_ito_with_a_line_style_per_colour():
    import matplotlib as mpl

    style.use()
    cycle = list(mpl.rcParams["axes.prop_cycle"])
    assert cycle[0]["color"] == "#0072B2" and cycle[1]["color"] == "#E69F00"
    assert len({str(c["linestyle"]) for c in cycle}) == len(cycle)
    assert mpl.rcParams["font.size"] >= 10


def test_decision_boundary_plot_draws_the_data():
    X = np.array([[0, 0], [1, 1], [0, 1], [1, 0]], dtype=float)
    y = np.array([0, 1, 1, 0])
    fig, ax = plt.subplots()
    plotting.plot_decision_boundary(ax, lambda P: (P[:, 1] > 0.5).astype(int), X, y)
    assert len(ax.collections) >= 2
    plt.close(fig)
