"""Make the book's Chinese font: Noto Sans CJK SC (SIL Open Font License), cut down to the
Chinese characters the book uses, so the glossary and every Chinese term render on any
machine, offline, with no font downloaded (a developer tool; the built book copies the files
from book/_ext/fonts/).

Needs Debian's fonts-noto-cjk (`apt-get install fonts-noto-cjk`) on the machine that runs it,
not on the readers' or CI's. Run it again after adding Chinese text to the book:
tests/test_glossary.py fails when a character of the book is missing from the font.

Usage: .venv/bin/python tools/cjk_font.py
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
OUT = BOOK / "_ext" / "fonts"
SOURCE = Path("/usr/share/fonts/opentype/noto")
WEIGHTS = {"Regular": "nnbio-cjk-regular.woff", "Bold": "nnbio-cjk-bold.woff"}
# CJK symbols and punctuation, CJK ideographs (extension A and the unified block), full-width forms
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
UNICODE_RANGE = "U+3000-303F, U+3400-4DBF, U+4E00-9FFF, U+FF00-FFEF"


def book_characters(book: Path = BOOK) -> set[str]:
    """Every CJK character in the book's pages."""
    chars: set[str] = set()
    for page in book.rglob("*.md"):
        if "_build" not in page.parts:
            chars |= set(CJK.findall(page.read_text(encoding="utf-8")))
    return chars


def simplified_chinese(weight: str):
    collection = TTCollection(str(SOURCE / f"NotoSansCJK-{weight}.ttc"))
    for font in collection.fonts:
        if font["name"].getDebugName(1) == "Noto Sans CJK SC":
            return font
    raise SystemExit(f"no Noto Sans CJK SC in NotoSansCJK-{weight}.ttc")


def main() -> int:
    if not SOURCE.is_dir():
        print("error: install Debian's fonts-noto-cjk first", file=sys.stderr)
        return 1
    chars = book_characters()
    OUT.mkdir(parents=True, exist_ok=True)
    for weight, name in WEIGHTS.items():
        font = simplified_chinese(weight)
        options = subset.Options()
        options.flavor = "woff"
        options.layout_features = ["*"]
        options.name_IDs = ["*"]      # keep the copyright and licence names
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(text="".join(sorted(chars)))
        subsetter.subset(font)
        font.flavor = "woff"
        font.save(OUT / name)
        print(f"{name}: {len(chars)} characters, {(OUT / name).stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
