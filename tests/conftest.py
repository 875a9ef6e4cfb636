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


@pytest.fixture
def dask_cluster():
    """A local Dask cluster of two worker processes that may start processes (the sandboxes),
    as the README tells instructors to start theirs: ``distributed.worker.daemon = False``."""
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.worker.daemon": False}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                         dashboard_address=None) as cluster:
        yield cluster
