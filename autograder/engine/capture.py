"""What a cell shows, recorded as nbformat outputs: the student side of "feedback shows
what ran".

Inside the sandbox there is no Jupyter kernel, only an IPython shell. :func:`install` wires
that shell so each cell's outputs are recorded the way ipykernel would send them:

* ``print`` and warnings -> ``stream`` outputs (``stdout`` / ``stderr``);
* the value of a cell's last expression -> ``execute_result`` (``text/plain``, and whatever
  else IPython's formatters give);
* ``display(...)`` and matplotlib figures (the inline backend, as in a notebook: a figure is
  shown when the cell ends or at ``plt.show()``) -> ``display_data`` with ``image/png``;
* an exception or syntax error -> an ``error`` output (name, message, traceback).

nbgrader grades a test cell from exactly these outputs (an ``error`` or ``stderr`` output
costs the cell's points; an ``execute_result`` number is partial credit), so the shape must
match a kernel's. Sizes are bounded here only so a message stays small; the grader does not
trust any of it and keeps only text and PNG images (:func:`autograder.engine.notebook.safe_outputs`).
"""
from __future__ import annotations

import base64
import contextlib
import io
import sys
import warnings

# bound when the sandbox template starts, before any student code: a notebook that replaces
# sys.modules["numpy"] cannot change what runtime_warnings uses
import numpy as np

MAX_TEXT_CHARS = 200_000      # of one cell's streams, in all
MAX_OUTPUTS = 200             # outputs of one cell
MAX_IMAGE_BYTES = 2_000_000   # one image (base64)
MAX_TRACEBACK_LINES = 100
MAX_CELL_BYTES = 8_000_000    # of one cell's outputs, in all


class Recorder:
    """The outputs of the cell being run."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.outputs: list[dict] = []
        self.text_chars = self.data_bytes = 0

    def add(self, output: dict) -> None:
        size = sum(len(v) for v in output.get("data", {}).values()) + \
            sum(len(line) for line in output.get("traceback", []))
        if len(self.outputs) < MAX_OUTPUTS and self.data_bytes + size <= MAX_CELL_BYTES:
            self.data_bytes += size
            self.outputs.append(output)

    def stream(self, name: str, text: str) -> None:
        room = MAX_TEXT_CHARS - self.text_chars
        if room <= 0 or not text:
            return
        if len(text) > room:
            text = text[:room] + "\n[... output truncated ...]\n"
        self.text_chars += len(text)
        last = self.outputs[-1] if self.outputs else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.add({"output_type": "stream", "name": name, "text": text})


class _Stream(io.TextIOBase):
    def __init__(self, recorder: Recorder, name: str):
        self._recorder, self.name = recorder, name

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        self._recorder.stream(self.name, text)
        return len(text)

    def isatty(self) -> bool:
        return False


def _data(data) -> dict:
    """A mime bundle with strings only (PNG bytes as base64, as a kernel sends them)."""
    out = {}
    for mime, value in (data or {}).items():
        if isinstance(value, (bytes, bytearray)):
            value = base64.b64encode(bytes(value)).decode("ascii")
        if isinstance(value, str) and (not mime.startswith("image/") or
                                       len(value) <= MAX_IMAGE_BYTES):
            out[str(mime)] = value
    return out


def install(shell, recorder: Recorder) -> None:
    """Make ``shell`` record every cell's outputs into ``recorder``."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher

    class Hook(DisplayHook):
        def start_displayhook(self):
            pass

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            recorder.add({"output_type": "execute_result", "data": _data(format_dict),
                          "metadata": {}, "execution_count": self.shell.execution_count})

        def finish_displayhook(self):
            pass

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False,
                    **kwargs):
            recorder.add({"output_type": "display_data", "data": _data(data), "metadata": {}})

        def clear_output(self, wait=False):
            recorder.reset()

    def show_traceback(etype, evalue, stb):
        lines = [str(line)[:2000] for line in (stb or [])][-MAX_TRACEBACK_LINES:]
        recorder.add({"output_type": "error", "ename": getattr(etype, "__name__", "Error")[:100],
                      "evalue": str(evalue)[:2000], "traceback": lines})

    shell.display_pub = Publisher(shell=shell)
    shell.displayhook = Hook(shell=shell)
    shell.display_trap.hook = shell.displayhook
    shell._showtraceback = show_traceback
    try:
        shell.colors = "nocolor"  # tracebacks as plain text (IPython >= 9 theme names)
    except Exception:  # an older IPython: coloured tracebacks are fine too
        pass
    shell.enable_gui = lambda gui=None: None  # no event loop: "inline" needs none
    try:
        shell.enable_matplotlib("inline")    # figures shown as PNG when a cell ends
    except Exception:  # matplotlib_inline missing: no figures, still graded
        pass


class capturing:
    """``with capturing(recorder):`` sends ``print`` (and warnings) to the recorder."""

    def __init__(self, recorder: Recorder):
        self.recorder = recorder

    def __enter__(self):
        self.saved = sys.stdout, sys.stderr
        sys.stdout = _Stream(self.recorder, "stdout")
        sys.stderr = _Stream(self.recorder, "stderr")
        return self.recorder

    def __exit__(self, *exc):
        sys.stdout, sys.stderr = self.saved
        return False


@contextlib.contextmanager
def runtime_warnings():
    """numpy's default error handling (overflow, division by zero and invalid values warn;
    underflow to 0 is harmless and silent), with every ``RuntimeWarning`` the block emits
    recorded: yields the list they are added to when the block ends. One rule for a student's
    function called in the sandbox and one called in the grader's process."""
    found: list[warnings.WarningMessage] = []
    with warnings.catch_warnings(record=True) as caught, \
            np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            yield found
        finally:
            found.extend(w for w in caught if issubclass(w.category, RuntimeWarning))
