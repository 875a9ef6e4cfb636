"""Student-side helpers for Neural Networks for Biologists: data loaders, plotting and widgets.

Nothing in this package solves an exercise: it loads (or simulates) data, draws figures and
builds interactive demos that also render as static figures in the book.
"""
__version__ = "0.1.0"
