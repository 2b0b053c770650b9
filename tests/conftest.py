"""Shared test fixtures."""

import os
from pathlib import Path

import pytest


@pytest.fixture
def full_dataset():
    """Folder of a full data set under ``SKMM_DATA_HOME``; skip the test without it.

    Use in tests marked ``@pytest.mark.data_home``::

        def test_x(full_dataset):
            root = full_dataset("fsdd")   # Path("$SKMM_DATA_HOME/fsdd")
            load_fsdd(root.parent)        # loaders take the data home itself
    """

    def get(name):
        home = os.environ.get("SKMM_DATA_HOME")
        if not home or not (Path(home) / name).is_dir():
            pytest.skip(f"SKMM_DATA_HOME/{name} not available")
        return Path(home) / name

    return get
