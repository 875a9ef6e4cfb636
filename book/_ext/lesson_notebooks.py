"""Chapter pages as notebooks a reader can open anywhere: MyST markdown -> plain Jupyter.

The book's pages are MyST notebooks: the chapters (``book/<chapter>/index.md``) and the
unnumbered top-level pages before them (``book/pytorch-primer.md``, ``book/map-of-the-field.md``:
any ``book/<page>.md`` whose front matter names a Jupyter kernel). Jupyter, Colab and a
JupyterHub read ``.ipynb`` files whose markdown is plain CommonMark, so this module turns a
page into one with jupytext and rewrites the MyST-only parts of its text:

* ``:::{dropdown} Answer`` blocks (the answers to the questions) -> ``<details>`` blocks,
  collapsed until the reader opens them, as in the book;
* ``{footcite:t}`key``` / ``{footcite:p}`key``` -> "Author et al. (Year)" / "(Author et al.,
  Year)", and ``{footbibliography}`` -> the list of the page's references;
* ``{numref}`fig-...``` -> "Figure C.N" (numbered as in the book: chapter C, N-th figure; on
  an unnumbered page "Figure N"), and each captioned figure's caption is placed under its cell
  as "Figure C.N. ...";
* ``{term}`text <target>``` (a link to the glossary) -> its text;
* ``{glue:text}`name:fmt``` (a number from the page's own run) -> a note that the value is
  printed by the cells above;
* links to other chapters and pages -> the sibling notebooks (a link to a page that is no
  notebook, such as the glossary, keeps only its text); ``{download}`` links -> relative paths.

A first cell installs the course's helper package when it is missing (Colab, a bare hub).

``python book/_ext/lesson_notebooks.py`` (``make notebooks``) writes ``notebooks/<page>.ipynb``
for every chapter and top-level notebook page (committed, so Colab and Binder can open them
from the repository; a test checks they are up to date); the book build converts the same pages
for its download buttons.
"""
from __future__ import annotations

import argparse
import re
import sys
from functools import lru_cache
from pathlib import Path

import jupytext
import nbformat

BOOK = Path(__file__).resolve().parents[1]
OUT = BOOK.parent / "notebooks"

DROPDOWN = re.compile(r"^(?P<indent>[ \t]*):::\{dropdown\}[ \t]*(?P<title>.*)$")
FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>:::+|```+)\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*)$")
CITE = re.compile(r"\{footcite:(?P<kind>[pt])\}`(?P<keys>[^`]+)`")
NUMREF = re.compile(r"\{numref\}`(?P<text>[^`<]*?)(?:<(?P<target>[^`>]+)>)?`")
GLUE = re.compile(r"\{glue:text\}`(?P<name>[^`:]+)(?::[^`]*)?`")
DOWNLOAD = re.compile(r"\{download\}`(?P<text>[^`<]+?)\s*<(?P<target>[^`>]+)>`")
CHAPTER_LINK = re.compile(r"\]\((?:\.\./)?(?P<chapter>\d\d-[\w-]+)/index(?:\.md)?(?P<anchor>#[^)]*)?\)")
PAGE_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?:\.\./)?(?P<page>[\w-]+)\.md(?P<anchor>#[^)]*)?\)")
TERM = re.compile(r"\{term\}`(?P<text>[^`<]+?)\s*(?:<[^`>]+>)?`")
FRONT_MATTER = re.compile(r"\A---\n(?P<yaml>.*?)\n---\n", re.S)
CHAPTER_ID = re.compile(r"^\d\d-[\w-]+$")
LABEL_LINE = re.compile(r"^\([\w-]+\)=\s*$")
ADMONITIONS = {"note": "Note", "tip": "Tip", "important": "Important", "warning": "Warning",
               "caution": "Caution", "seealso": "See also", "hint": "Hint"}


def chapters(book: Path = BOOK) -> list[str]:
    return sorted(p.parent.name for p in book.glob("[0-9][0-9]-*/index.md"))


def is_notebook(page: Path) -> bool:
    """Whether a MyST page is a notebook (its front matter names a Jupyter kernel), as the
    chapters and the primer are, not a plain page such as the intro or the glossary."""
    match = FRONT_MATTER.match(page.read_text()) if page.is_file() else None
    return bool(match and re.search(r"^kernelspec:", match["yaml"], re.M))


def top_level_pages(book: Path = BOOK) -> list[str]:
    """The notebook pages beside the chapters, book/<page>.md (e.g. ``pytorch-primer``)."""
    return sorted(p.stem for p in book.glob("*.md") if is_notebook(p))


def pages(book: Path = BOOK) -> list[str]:
    """Every page that has a notebook: the top-level notebook pages, then the chapters."""
    return top_level_pages(book) + chapters(book)


def source(page: str, book: Path = BOOK) -> Path:
    """The MyST source of a page id: book/<chapter>/index.md or book/<page>.md."""
    return book / page / "index.md" if CHAPTER_ID.match(page) else book / f"{page}.md"


@lru_cache(maxsize=None)
def bibliography():
    """All entries of the book's .bib files, by key."""
    from pybtex.database import parse_file

    entries = {}
    for bib in sorted(BOOK.rglob("*.bib")):
        if "_build" not in bib.parts:
            entries.update(parse_file(str(bib)).entries)
    return entries


def _surnames(entry) -> list[str]:
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    return [" ".join(p.last_names).replace("{", "").replace("}", "") for p in people]


def _author_year(key: str) -> tuple[str, str]:
    entry = bibliography().get(key.strip())
    if entry is None:
        return key.strip(), ""
    names = _surnames(entry)
    who = (names[0] if len(names) == 1 else f"{names[0]} & {names[1]}" if len(names) == 2
           else f"{names[0]} et al." if names else entry.fields.get("title", key))
    return who, entry.fields.get("year", "")


def _cite(match: re.Match) -> str:
    parts = [_author_year(k) for k in match["keys"].split(",")]
    if match["kind"] == "t":
        return "; ".join(f"{who} ({year})" for who, year in parts)
    return "(" + "; ".join(f"{who}, {year}" for who, year in parts) + ")"


def _reference_list(keys: list[str]) -> str:
    lines = []
    for key in dict.fromkeys(keys):
        entry = bibliography().get(key)
        if entry is None:
            continue
        who, year = _author_year(key)
        f = entry.fields
        venue = f.get("journal") or f.get("booktitle") or f.get("publisher") or ""
        title = f.get("title", "").replace("{", "").replace("}", "")
        link = f" https://doi.org/{f['doi']}" if "doi" in f else (f" {f['url']}" if "url" in f else "")
        lines.append(f"- {who} ({year}). {title}. *{venue}*.{link}".replace(". *.*", ""))
    return "\n".join(lines)


def _blocks(text: str) -> str:
    """Rewrite fenced directives: dropdowns to <details>, admonitions to block quotes,
    {footbibliography} to a marker filled in later, others to their plain body."""
    out: list[str] = []
    stack: list[tuple[str, str, str]] = []  # (fence, kind, indent) of the open directives
    options_allowed = False
    for line in text.splitlines():
        quote = "> " * sum(kind == "quote" for _, kind, _ in stack)
        if stack and line.strip() == stack[-1][0]:
            fence, kind, indent = stack.pop()
            if kind == "details":
                out += ["", indent + "</details>"]
            options_allowed = False
            continue
        opened = FENCE_OPEN.match(line)
        if opened and opened["name"] != "code-cell":
            indent, name, arg = opened["indent"], opened["name"], opened["arg"].strip()
            if name == "dropdown":
                out += [f"{indent}{quote}<details><summary>{arg or 'Details'}</summary>", ""]
                kind = "details"
            elif name in ADMONITIONS or name == "admonition":
                out.append(f"{indent}{quote}> **{arg or ADMONITIONS.get(name, '')}**")
                out.append(f"{indent}{quote}>")
                kind = "quote"
            elif name == "footbibliography":
                out.append("<!-- references -->")
                kind = "drop"
            else:
                kind = "plain"
            stack.append((opened["fence"], kind, indent))
            options_allowed = True
            continue
        if options_allowed and re.match(r"^\s*:[\w-]+:", line):
            continue  # directive options (:open:, :class: ...)
        options_allowed = False
        if LABEL_LINE.match(line) or (stack and stack[-1][1] == "drop"):
            continue
        if quote:
            indent = stack[-1][2]
            body = line[len(indent):] if line.startswith(indent) else line.lstrip()
            out.append(f"{indent}{quote}{body}".rstrip())
        else:
            out.append(line)
    return "\n".join(out)


def _markdown(text: str, figures: dict[str, str]) -> str:
    text = _blocks(text)
    text = CITE.sub(_cite, text)
    text = NUMREF.sub(lambda m: f"Figure {figures.get((m['target'] or m['text']).strip(), '?')}",
                      text)
    text = GLUE.sub("(the value printed by the cells above)", text)
    text = DOWNLOAD.sub(lambda m: f"[{m['text'].strip()}]({m['target'].replace('../../', '../')})",
                        text)
    text = CHAPTER_LINK.sub(lambda m: f"]({m['chapter']}.ipynb{m['anchor'] or ''})", text)
    text = PAGE_LINK.sub(_page_link, text)
    text = TERM.sub(lambda m: m["text"].strip(), text)
    return text


def _page_link(match: re.Match) -> str:
    if match["page"] in top_level_pages():
        return f"[{match['text']}]({match['page']}.ipynb{match['anchor'] or ''})"
    return match["text"]  # the intro, the glossary: pages of the book, not notebooks


# Packages a page may need (directly or through nnbio_helpers) that a stock Colab lacks.
NOT_ON_COLAB = ("msprime", "rdkit", "scanpy")
IMPORT = re.compile(r"^\s*(?:import|from)\s+([\w.]+)", re.M)
HELPER_IMPORT = re.compile(r"^[ \t]*from[ \t]+nnbio_helpers[ \t]+import[ \t]+(?:\(([^)]*)\)|([\w, \t]+))",
                           re.M)


def _pins() -> dict[str, str]:
    pins = {}
    for line in (BOOK.parent / "requirements.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        if version:
            pins[name.strip().lower()] = f"{name.strip()}=={version.strip()}"
    return pins


def extras(code: str) -> list[str]:
    """The NOT_ON_COLAB packages that ``code`` imports, itself or through the helper modules
    it imports (read from nnbio_helpers/<module>.py)."""
    modules = set(IMPORT.findall(code))
    modules |= {f"nnbio_helpers.{name.split(' as ')[0].strip()}"
                for groups in HELPER_IMPORT.findall(code) for name in "".join(groups).split(",")
                if name.strip()}
    seen = set()
    for module in sorted(modules):
        if module.startswith("nnbio_helpers.") and module not in seen:
            seen.add(module)
            path = BOOK.parent / (module.replace(".", "/") + ".py")
            if path.exists():
                modules |= set(IMPORT.findall(path.read_text()))
    tops = {m.split(".")[0] for m in modules}
    return [p for p in NOT_ON_COLAB if p in tops]


def setup_cell(repo_url: str, branch: str, needs: list[str] = ()) -> nbformat.NotebookNode:
    pins = _pins()
    packages = " ".join(pins.get(p, p) for p in needs)
    imports = ", ".join(["nnbio_helpers", *needs])
    source = (
        "# Colab, Binder or a bare JupyterHub: install what this chapter needs if it is\n"
        "# missing (does nothing where the course environment is set up).\n"
        "try:\n"
        f"    import {imports}  # noqa: F401\n"
        "except ImportError:\n"
        f'    %pip install -q "nnbio @ git+{repo_url}@{branch}"{" " + packages if packages else ""}\n')
    return nbformat.v4.new_code_cell(source, metadata={"tags": ["setup"]})


def page_id(page: Path) -> str:
    """``01-neuron`` for book/01-neuron/index.md, ``pytorch-primer`` for book/pytorch-primer.md."""
    return page.parent.name if page.name == "index.md" else page.stem


def convert(page: Path, repo_url: str, branch: str = "main") -> nbformat.NotebookNode:
    """The notebook a reader opens for ``page`` (a book/<chapter>/index.md, or a top-level
    notebook page book/<page>.md)."""
    nb = jupytext.read(page, fmt="md:myst")
    name_of_page = page_id(page)
    # numbered as in the book: Figure <chapter>.<n>; the unnumbered pages count their own
    # figures from 1 (book/_ext/nnbio_book.py numbers them so)
    prefix = f"{int(name_of_page[:2])}." if CHAPTER_ID.match(name_of_page) else ""
    figures: dict[str, str] = {}
    for cell in nb.cells:
        name = cell.metadata.get("mystnb", {}).get("figure", {}).get("name")
        if cell.cell_type == "code" and name:
            figures[name] = f"{prefix}{len(figures) + 1}"
    cited = [k.strip() for m in CITE.finditer(page.read_text()) for k in m["keys"].split(",")]
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    cells = [setup_cell(repo_url, branch, extras(code))]
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text = _markdown(cell.source, figures)
            text = text.replace("<!-- references -->", _reference_list(cited))
            cells.append(nbformat.v4.new_markdown_cell(text))
            continue
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("mystnb", {})
        tags = [t for t in cell.metadata.get("tags", []) if t != "remove-input"]
        new = nbformat.v4.new_code_cell(cell.source, metadata={"tags": tags} if tags else {})
        cells.append(new)
        figure = meta.get("figure", {})
        if figure.get("caption"):
            number = figures.get(figure.get("name"), "")
            caption = _markdown(figure["caption"].strip(), figures)
            cells.append(nbformat.v4.new_markdown_cell(f"*Figure {number}.* {caption}"))
    out = nbformat.v4.new_notebook(cells=cells)
    out.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python",
                                   "name": "python3"},
                    "language_info": {"name": "python"}}
    for i, cell in enumerate(out.cells):
        cell["id"] = f"{name_of_page}-{i}"
    return out


def text_of(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def repository_setting() -> tuple[str, str]:
    """The repository URL and branch of book/_config.yml (the one place a fork changes)."""
    import yaml

    config = yaml.safe_load((BOOK / "_config.yml").read_text())
    repo = config.get("repository", {})
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if notebooks/ is out of date")
    args = parser.parse_args(argv)
    url, branch = repository_setting()
    stale = []
    OUT.mkdir(exist_ok=True)
    for page in pages():
        target = OUT / f"{page}.ipynb"
        text = text_of(convert(source(page), url, branch))
        if not target.exists() or target.read_text() != text:
            stale.append(target.name)
            if not args.check:
                target.write_text(text)
    if args.check and stale:
        print("out of date (run `make notebooks`):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
