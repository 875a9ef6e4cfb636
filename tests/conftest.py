"""Shared setup for the course's test suite."""
from __future__ import annotations

import sys
from pathlib import Path

import matplotlib
import pytest
import torch

matplotlib.use("Agg")  # tests never open windows
torch.set_num_threads(1)  # two test workers on two cores: no oversubscription
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # tools/ and benchmarks/ for the tests


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
