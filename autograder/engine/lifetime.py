"""Processes that die with their parent (Linux's PR_SET_PDEATHSIG), so that no grading
worker or sandbox outlives the command that started it, however that command ends."""
from __future__ import annotations

import ctypes
import os

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int, parent: int | None = None) -> None:
    """Ask Linux to send this process `sig` when its parent dies; exit at once if the parent
    (pid `parent`, default: the current one) is already gone. A change of uid clears the
    setting: call it after."""
    parent = os.getppid() if parent is None else parent
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)
