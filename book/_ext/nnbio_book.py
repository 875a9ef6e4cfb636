"""The book's own Sphinx extension: "open this chapter anywhere".

For every chapter page (``NN-name/index``) it

* converts the page to a plain Jupyter notebook (``lesson_notebooks.py`` beside this file) and ships it
  beside the page as ``NN-name/NN-name-lesson.ipynb``;
* keeps figures legible on a phone (``JS`` below);
* puts a bar under the chapter title: download the chapter and the exercise as notebooks, or
  open either in Colab, Binder or a JupyterHub (through nbgitpuller).

The unnumbered top-level pages that are notebooks (the PyTorch primer, the map of the field:
``book/<page>.md``) get the same bar without the exercise row, and ship as ``<page>.ipynb``
beside ``<page>.html``. Their figures are numbered per page (Fig. 1, 2, ...): Sphinx would
count the figures of all unnumbered pages together.

The links are built from the ``repository`` setting of ``book/_config.yml`` (url, branch):
a fork changes that one place. ``nnbio_launch`` (in ``sphinx.config``) names the services;
an empty URL leaves that button out. Colab and Binder open the committed copies in
``notebooks/`` and ``exercises/``, which therefore must exist in the repository.
"""
from __future__ import annotations

import html
import shutil
import re
import sys
from pathlib import Path
from urllib.parse import quote, urlencode

from docutils import nodes

BOOK = Path(__file__).resolve().parents[1]
REPO = BOOK.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import lesson_notebooks  # noqa: E402

CHAPTER = re.compile(r"^(?P<chapter>\d\d-[\w-]+)/index$")
DEFAULTS = {"colab_url": "https://colab.research.google.com", "binderhub_url": "https://mybinder.org",
            "jupyterhub_url": "", "notebook_interface": "lab"}


def repository(config) -> tuple[str, str, str, str]:
    """(url, owner, name, branch) of the book's repository setting."""
    options = config.html_theme_options
    url = options.get("repository_url", "").rstrip("/")
    match = re.match(r"https://github\.com/(?P<owner>[^/]+)/(?P<name>[^/]+)$", url)
    if not match:
        raise ValueError(f"repository.url in book/_config.yml must be a GitHub URL, not {url!r}")
    return url, match["owner"], match["name"], options.get("repository_branch", "main")


def launch_links(config, path: str) -> list[tuple[str, str]]:
    """(label, URL) pairs that open ``path`` (a file of the repository) in each service."""
    url, owner, name, branch = repository(config)
    services = {**DEFAULTS, **(config.nnbio_launch or {})}
    links = []
    if services["colab_url"]:
        links.append(("Colab", f"{services['colab_url'].rstrip('/')}/github/{owner}/{name}/blob/"
                               f"{branch}/{path}"))
    if services["binderhub_url"]:
        ui = "labpath" if services["notebook_interface"] == "lab" else "filepath"
        links.append(("Binder", f"{services['binderhub_url'].rstrip('/')}/v2/gh/{owner}/{name}/"
                                f"{branch}?{ui}={quote(path)}"))
    if services["jupyterhub_url"]:
        query = urlencode({"repo": url, "branch": branch,
                           "urlpath": f"{services['notebook_interface']}/tree/{name}/{path}"})
        links.append(("JupyterHub", f"{services['jupyterhub_url'].rstrip('/')}/hub/"
                                    f"user-redirect/git-pull?{query}"))
    links.append(("GitHub", f"{url}/blob/{branch}/{path}"))
    return links


def _row(config, what: str, download: str, path: str) -> str:
    items = [f'<a class="nnbio-download" href="{html.escape(download)}" download>'
             f"Download .ipynb</a>"]
    items += [f'<a class="nnbio-launch" href="{html.escape(link)}">{label}</a>'
              for label, link in launch_links(config, path)]
    return f'<span class="nnbio-what">{what}</span> ' + " · ".join(items)


def _bar(config, chapter: str) -> str:
    lesson = _row(config, "This chapter as a notebook:", f"{chapter}-lesson.ipynb",
                  f"notebooks/{chapter}.ipynb")
    exercise = _row(config, "The exercise:", f"{chapter}-exercise.ipynb",
                    f"exercises/{chapter}/{chapter}.ipynb")
    return (f'<div class="nnbio-open-anywhere" role="navigation" aria-label="Open this chapter">'
            f"<div>{lesson}</div><div>{exercise}</div></div>")


def _page_bar(config, page: str) -> str:
    """The bar of a top-level notebook page (no exercise)."""
    lesson = _row(config, "This page as a notebook:", f"{page}.ipynb", f"notebooks/{page}.ipynb")
    return (f'<div class="nnbio-open-anywhere" role="navigation" aria-label="Open this page">'
            f"<div>{lesson}</div></div>")


def front_pages(app) -> set[str]:
    """Docnames of the top-level pages that are notebooks (``pytorch-primer``, ...)."""
    return set(lesson_notebooks.top_level_pages(Path(app.srcdir)))


def add_bar(app, doctree, docname):
    if app.builder.format != "html":
        return
    match = CHAPTER.match(docname)
    if match:
        bar = _bar(app.config, match["chapter"])
    elif docname in front_pages(app):
        bar = _page_bar(app.config, docname)
    else:
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    title = next(iter(section.findall(nodes.title)))
    title.parent.insert(title.parent.index(title) + 1, nodes.raw("", bar, format="html"))


def number_figures_per_page(app, env):
    """On an unnumbered page, number figures (and tables, code blocks) 1, 2, ... per page.
    Sphinx gives figures outside numbered sections one counter shared by all such pages, so
    the map of the field would start at the primer's last figure plus one. Runs after Sphinx
    has numbered everything (``env-get-updated``); returns the pages it renumbered."""
    changed = []
    for docname, kinds in env.toc_fignumbers.items():
        for kind, numbers in kinds.items():
            if not numbers or any(len(number) != 1 for number in numbers.values()):
                continue  # a numbered chapter (Fig. 3.2), or nothing to number
            ordered = sorted(numbers, key=numbers.get)
            renumbered = {name: (i + 1,) for i, name in enumerate(ordered)}
            if renumbered != numbers:
                kinds[kind] = renumbered
                changed.append(docname)
    return sorted(set(changed))


def write_notebooks(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    url, _, _, branch = repository(app.config)
    out = Path(app.outdir)
    for docname in sorted(front_pages(app) & set(app.env.found_docs)):
        page = Path(app.srcdir) / f"{docname}.md"
        (out / f"{docname}.ipynb").write_text(
            lesson_notebooks.text_of(lesson_notebooks.convert(page, url, branch)))
    for docname in app.env.found_docs:
        match = CHAPTER.match(docname)
        if not match:
            continue
        chapter = match["chapter"]
        page = Path(app.srcdir) / chapter / "index.md"
        (out / chapter).mkdir(parents=True, exist_ok=True)
        (out / chapter / f"{chapter}-lesson.ipynb").write_text(
            lesson_notebooks.text_of(lesson_notebooks.convert(page, url, branch)))
        exercise = REPO / "exercises" / chapter / f"{chapter}.ipynb"
        if not exercise.exists():  # a one-chapter developer build keeps exercises/ beside book/
            exercise = Path(app.srcdir).parent / "exercises" / chapter / f"{chapter}.ipynb"
        (out / chapter / f"{chapter}-exercise.ipynb").write_bytes(exercise.read_bytes())


# On a phone a figure drawn for the ~700 px column would shrink to half its size, and its text
# to 6-8 px. There, figures keep at least PHONE_SCALE of their size inside a box that scrolls
# sideways (the page itself does not), so their labels stay readable; tap-and-swipe shows the
# rest. On wider screens nothing changes.
PHONE_SCALE = 0.75
JS = """
(function () {
  const PHONE = window.matchMedia("(max-width: 640px)");
  function fit(img) {
    const box = img.closest(".nnbio-figure-scroll");
    if (!box || !img.naturalWidth) return;
    const room = box.clientWidth;
    const wanted = Math.round(img.naturalWidth * %(scale)s);
    img.style.maxWidth = "none";
    img.style.width = (PHONE.matches && wanted > room) ? wanted + "px" : "";
    if (!PHONE.matches) img.style.maxWidth = "";
  }
  function setup() {
    document.querySelectorAll("figure img, .cell_output img").forEach(function (img) {
      if (!img.parentElement.classList.contains("nnbio-figure-scroll")) {
        const box = document.createElement("div");
        box.className = "nnbio-figure-scroll";
        img.parentElement.insertBefore(box, img);
        box.appendChild(img);
      }
      if (img.complete) fit(img); else img.addEventListener("load", function () { fit(img); });
    });
  }
  function refit() { document.querySelectorAll(".nnbio-figure-scroll img").forEach(fit); }
  document.addEventListener("DOMContentLoaded", setup);
  PHONE.addEventListener("change", refit);
  window.addEventListener("resize", refit);
})();
""".replace("%(scale)s", str(PHONE_SCALE))

# The book's Chinese (the glossary, Chinese terms) in a font shipped with it: Noto Sans CJK SC
# cut down to the characters the book uses (tools/cjk_font.py), so that it renders on a
# machine without Chinese fonts, offline. Named last in each font list, it is used only for
# characters that the fonts before it lack (and unicode-range keeps it to Chinese).
FONTS = Path(__file__).parent / "fonts"
CJK_RANGE = "U+3000-303F, U+3400-4DBF, U+4E00-9FFF, U+FF00-FFEF"
CJK_FONT_CSS = "".join(
    f'@font-face {{ font-family: "NNBio CJK"; font-weight: {weight}; font-display: swap; '
    f'src: url("fonts/nnbio-cjk-{name}.woff") format("woff"); unicode-range: {CJK_RANGE}; }}\n'
    for weight, name in ((400, "regular"), (700, "bold"))) + """
:root { --pst-font-family-base: var(--pst-font-family-base-system), "NNBio CJK";
  --pst-font-family-heading: var(--pst-font-family-base-system), "NNBio CJK";
  --pst-font-family-monospace: var(--pst-font-family-monospace-system), "NNBio CJK"; }
"""

CSS = CJK_FONT_CSS + """
.nnbio-open-anywhere { font-size: 0.9em; margin: 0.2em 0 1.2em; padding: 0.5em 0.8em;
  border-left: 3px solid #0072B2; background: #f3f8fc; line-height: 1.8; }
.nnbio-open-anywhere .nnbio-what { font-weight: 600; }
html[data-theme="dark"] .nnbio-open-anywhere { background: #1d2a33; }
.nnbio-figure-scroll { overflow-x: auto; max-width: 100%; }
.bd-article h1, .bd-article h2, .bd-article h3 { overflow-wrap: anywhere; hyphens: auto; }
/* a phone has no hover, and the heading's "#" link would stick out past the screen's edge */
@media (max-width: 640px) { .bd-article a.headerlink { display: none; } }
"""


def write_static(app, exception):
    if exception is None and app.builder.format == "html":
        (Path(app.outdir) / "_static" / "nnbio.css").write_text(CSS)
        (Path(app.outdir) / "_static" / "nnbio.js").write_text(JS)
        fonts = Path(app.outdir) / "_static" / "fonts"
        fonts.mkdir(exist_ok=True)
        for font in FONTS.iterdir():
            shutil.copyfile(font, fonts / font.name)


def theme_options(app, config):
    """One search field (the sidebar's; the theme's header would show a second one) and a
    named colour mode (with none, the theme's script logs an error on every page; light
    because the figures are drawn on white)."""
    config.html_theme_options.setdefault("navbar_persistent", [])
    config.html_context.setdefault("default_mode", "light")


def dedupe_scripts(app, pagename, templatename, context, doctree):
    """Include each script once: extensions that register the same inline script twice
    (sphinx-thebe's configuration, once with filename None and once with '') make the browser
    throw on the second declaration of its constants."""
    seen, kept = set(), []
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", {})
        key = (str(getattr(script, "filename", script) or ""), attributes.get("body", ""))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("config-inited", theme_options)
    app.connect("html-page-context", dedupe_scripts, priority=900)
    app.add_config_value("nnbio_launch", {}, "html")
    app.connect("env-get-updated", number_figures_per_page, priority=900)
    app.connect("doctree-resolved", add_bar)
    app.connect("build-finished", write_notebooks)
    app.connect("build-finished", write_static)
    app.add_css_file("nnbio.css")
    app.add_js_file("nnbio.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
