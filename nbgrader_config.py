"""nbgrader configuration: the repository root is the nbgrader course directory.

    solutions/<chapter-id>/<chapter-id>.ipynb   instructor source notebooks  (nbgrader "source")
    exercises/<chapter-id>/<chapter-id>.ipynb   student notebooks, generated (nbgrader "release")
    submitted/<student>/<chapter-id>/            collected submissions
    autograded/, feedback/, gradebook.db         grading state (not committed)
"""
c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "nnbio"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# Student stubs: a clear marker and an error that the hidden tests report as "not implemented".
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Autograding: generous per-cell limit, never let a hung kernel look like a pass,
# restore grade cells a student deleted.
c.Execute.timeout = 300
c.Execute.interrupt_on_timeout = True
c.Execute.raise_on_iopub_timeout = True
c.OverwriteCells.add_missing_cells = True
# Library warnings on stderr must not cost points (nbgrader gives 0 to any cell with stderr).
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r".*(Warning|warn)"
