# Neural Networks for Biologists: one entry point for students, instructors and CI.
#   make book   - set up .venv (pinned) and build the book; prints where the HTML is
#   make test   - set up .venv and run every test (what .ci/run runs)
# Both are idempotent: the venv is rebuilt only when requirements.txt or pyproject.toml change.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: all setup book book-clean exercises notebooks chapter test test-fast benchmark grading-benchmark diagnosis-benchmark lock clean

all: book

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (the course needs Python 3.11)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq -r requirements.txt
	$(BIN)/python -m pip install -qq --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (nnbio)" >/dev/null
	@touch $(STAMP)

setup: $(STAMP)

# Build the book (notebooks executed at build time, cached in book/_build/.jupyter_cache).
book: $(STAMP)
	NNBIO_STATIC_WIDGETS=1 $(BIN)/jupyter-book build book --warningiserror --nitpick --keep-going
	@echo "The book is at file://$(CURDIR)/book/_build/html/index.html"

book-clean:
	rm -rf book/_build

# Regenerate the student notebooks from solutions/ with nbgrader.
exercises: $(STAMP)
	$(BIN)/python -m autograder.engine.cli release

# Scaffold chapter N+1 in every part of the repository: make chapter TITLE="Gene regulatory networks"
chapter: $(STAMP)
	$(BIN)/python tools/scaffold_chapter.py "$(TITLE)"

# Regenerate notebooks/ (the chapter pages as plain notebooks, for Colab and Binder).
notebooks: $(STAMP)
	$(BIN)/python book/_ext/lesson_notebooks.py

# Every test: builds the book first (the leak tests read the built HTML).
test: book
	$(BIN)/python -m pytest -n 2 --dist loadfile

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run_benchmarks.py

grading-benchmark: $(STAMP)
	$(BIN)/python benchmarks/grading_benchmark.py

diagnosis-benchmark: $(STAMP)
	$(BIN)/python benchmarks/diagnosis_benchmark.py

# Re-resolve the full lock file from requirements.in (needs network access to the registry).
lock:
	rm -rf /tmp/nnbio-lock && $(PYTHON) -m venv /tmp/nnbio-lock
	/tmp/nnbio-lock/bin/pip install -qq -r requirements.in
	/tmp/nnbio-lock/bin/pip freeze | sed 's/+cpu//' > requirements.txt

clean: book-clean
	rm -rf $(VENV) .pytest_cache
