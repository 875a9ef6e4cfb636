"""Text that came from a student, made safe to show: short and escaped.

Anything a student's code can choose (an exception's message, a returned string, a file or
folder name) reaches feedback only through :func:`shorten`: control characters and
undecodable bytes escaped, at most ``limit`` characters, with the original length said.
:func:`cell` neutralises a CSV cell that a spreadsheet would run as a formula.
"""
from __future__ import annotations

import traceback
from collections.abc import Callable

MAX_MESSAGE = 600           # one test's message
MAX_REPORT = 6_000          # one function's feedback


def shorten(value, limit: int = MAX_MESSAGE) -> str:
    """``str(value)`` with non-printable characters escaped, cut to ``limit`` characters."""
    try:
        s = value if isinstance(value, str) else str(value)
    except Exception:  # a hostile __str__
        s = f"<{type(value).__name__}>"
    if len(s) > 4 * limit:
        s, total = s[:4 * limit], len(s)
    else:
        total = len(s)
    s = s.encode("utf-8", errors="backslashreplace").decode("utf-8", errors="replace")
    s = "".join(c if c.isprintable() or c in "\n\t" else repr(c)[1:-1] for c in s)
    if len(s) > limit or total > len(s):
        s = s[:max(0, limit - 40)].rstrip() + f" ... ({total:,} characters in all)"
    return s


def cap_list(lines: list[str], limit: int) -> list[str]:
    """As many of ``lines`` as fit in ``limit`` characters, then a line saying how many more."""
    out, used = [], 0
    for i, line in enumerate(lines):
        line = shorten(line)
        if used + len(line) > limit:
            out.append(f"... and {len(lines) - i} more notes")
            break
        out.append(line)
        used += len(line)
    return out


FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def cell(value):
    """A CSV cell: strings that start like a formula get a leading apostrophe (OWASP's advice
    against CSV injection); numbers are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def innermost_line(exc: BaseException, skip: Callable[[str], bool]) -> tuple[int, str] | None:
    """(line number, source line) of the innermost frame of ``exc``'s traceback that is the
    student's: not a library's (site-packages, the standard library) and not one of the files
    ``skip`` names. One rule for both sides of the sandbox (each skips its own files)."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        name = frame.filename
        if "site-packages" in name or "/lib/python3" in name or skip(name) or not frame.line:
            continue
        return frame.lineno or 0, frame.line.strip()
    return None
