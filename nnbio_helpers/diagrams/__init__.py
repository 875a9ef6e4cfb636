"""Schematic diagrams drawn with matplotlib when the book is built (no binary image files).

``nnbio_helpers.diagrams.draw`` holds the few shapes every diagram is made of (nodes, boxes,
arrows, a layered network, a grid of cells, a pipeline of layers); one module per chapter
(``diagrams.neuron``, ``diagrams.rnn``, ...) composes them into the pictures a textbook would
draw. Each public function of a chapter module returns a matplotlib Figure, so a page shows a
diagram with one call in a cell whose input is hidden; its caption and alt text are set in the
cell's ``mystnb`` metadata.
"""
