#!/usr/bin/env bash
# Build one chapter or one top-level page of the book in isolation (a developer tool), with the
# same settings as `make book` (warnings are errors).
# Usage: tools/build_chapter.sh 02-activations      (a chapter: book/02-activations/index.md)
#        tools/build_chapter.sh pytorch-primer      (a top-level page: book/pytorch-primer.md)
# Output: /tmp/nnbio-book-<chapter>/book/_build/html/<chapter>/index.html
#     or  /tmp/nnbio-book-<page>/book/_build/html/<page>.html
# The one-page book includes book/glossary.md when it exists, so {term} links resolve.
set -euo pipefail
ch=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$repo/book/$ch/index.md" ]; then
  file="$ch/index"
elif [ -f "$repo/book/$ch.md" ]; then
  file="$ch"
else
  echo "no page book/$ch/index.md or book/$ch.md" >&2
  exit 2
fi
work=/tmp/nnbio-book-$ch
mkdir -p "$work/book"
# keep the previous build's execution cache, replace the sources
find "$work/book" -mindepth 1 -maxdepth 1 ! -name _build -exec rm -rf {} +
(cd "$repo/book" && tar cf - --exclude=_build .) | (cd "$work/book" && tar xf -)
rm -rf "$work/exercises" && cp -r "$repo/exercises" "$work/exercises"
# the notebook converter (book/_ext/lesson_notebooks.py) pins packages from requirements.txt
cp "$repo/requirements.txt" "$work/requirements.txt"
{
  printf 'format: jb-book\nroot: intro\nchapters:\n  - file: %s\n' "$file"
  if [ -f "$repo/book/glossary.md" ]; then printf '  - file: glossary\n'; fi
} > "$work/book/_toc.yml"
# the chapter's own bibliography, if the shared config does not list it yet
if [ -f "$repo/book/$ch/references.bib" ]; then
  grep -q "$ch/references.bib" "$work/book/_config.yml" || \
    sed -i "s|^  - references.bib$|  - references.bib\n  - $ch/references.bib|" "$work/book/_config.yml"
fi
# links to the other chapters cannot resolve in a one-chapter book: don't fail on them here
# (the full build, `make book`, checks them)
sed -i 's|suppress_warnings: \["myst.footnote"\]|suppress_warnings: ["myst.footnote", "myst.xref_missing"]|' \
  "$work/book/_config.yml"
cd "$work"
NNBIO_STATIC_WIDGETS=1 "$repo/.venv/bin/jupyter-book" build book --warningiserror --nitpick --keep-going
echo "built: $work/book/_build/html/${file}.html"
