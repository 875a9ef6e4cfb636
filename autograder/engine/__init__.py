"""The grading engine: generic, it knows nbgrader's course layout and formats but none of this
course's chapters. It grades any assignment of an nbgrader course directory, and finds a
course's hidden tests by folder (:mod:`autograder.engine.registry`): ``<package>/<id>/tests.py``
beside this package, written against the public test API :mod:`autograder.engine.testing`.

Nothing is imported here: the sandbox template imports :mod:`autograder.engine.sandbox` and
must load nothing it does not need. The design is in ``autograder/ARCHITECTURE.md``.
"""
