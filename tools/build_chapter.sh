#!/usr/bin/env bash
# Build one chapter of the book in isolation (a developer tool), with the same settings as
# `make book` (warnings are errors). Usage: tools/build_chapter.sh 02-activations
# Output: /tmp/nnbio-book-<chapter>/book/_build/html/<chapter>/index.html
set -euo pipefail
ch=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
work=/tmp/nnbio-book-$ch
mkdir -p "$work/book"
# keep the previous build's execution cache, replace the sources
find "$work/book" -mindepth 1 -maxdepth 1 ! -name _build -exec rm -rf {} +
(cd "$repo/book" && tar cf - --exclude=_build .) | (cd "$work/book" && tar xf -)
rm -rf "$work/exercises" && cp -r "$repo/exercises" "$work/exercises"
cat > "$work/book/_toc.yml" <<TOC
format: jb-book
root: intro
chapters:
  - file: $ch/index
TOC
# the chapter's own bibliography, if the shared config does not list it yet
grep -q "$ch/references.bib" "$work/book/_config.yml" || \
  sed -i "s|^  - references.bib$|  - references.bib\n  - $ch/references.bib|" "$work/book/_config.yml"
# links to the other chapters cannot resolve in a one-chapter book: don't fail on them here
# (the full build, `make book`, checks them)
sed -i 's|suppress_warnings: \["myst.footnote"\]|suppress_warnings: ["myst.footnote", "myst.xref_missing"]|' \
  "$work/book/_config.yml"
cd "$work"
NNBIO_STATIC_WIDGETS=1 "$repo/.venv/bin/jupyter-book" build book --warningiserror --nitpick --keep-going
echo "built: $work/book/_build/html/$ch/index.html"
