"""The public surface: every ``__all__`` name imports, and ``import skmm`` stays light."""

import importlib
import subprocess
import sys

import pytest

SUBPACKAGES = [
    "skmm.base",
    "skmm.cluster",
    "skmm.compose",
    "skmm.cross_decomposition",
    "skmm.datasets",
    "skmm.feature_extraction",
    "skmm.fusion",
    "skmm.hashing",
    "skmm.metrics",
    "skmm.multioutput",
    "skmm.retrieval",
    "skmm.semi_supervised",
    "skmm.svm",
    "skmm.utils",
]


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_all_names_importable(name):
    module = importlib.import_module(name)
    assert module.__all__, f"{name} exports nothing"
    for attr in module.__all__:
        assert getattr(module, attr) is not None, f"{name}.{attr}"


def test_top_level_lists_subpackages():
    import skmm

    for name in SUBPACKAGES:
        assert name.split(".")[1] in skmm.__all__
        assert getattr(skmm, name.split(".")[1]).__name__ == name


@pytest.mark.parametrize("target", ["skmm", *SUBPACKAGES])
def test_import_is_light(target):
    # A fresh interpreter: other tests may already have imported cv2 or librosa.
    heavy = ["cv2", "cupy", "dask", "matplotlib", "librosa", "numba", "torch"]
    code = (
        f"import sys, {target}; "
        f"print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "", f"import {target} pulled in: {out.stdout.strip()}"


def test_import_optional_names_the_extra():
    from skmm.utils import import_optional

    with pytest.raises(ImportError, match=r'pip install "skmm\[gpu\]"'):
        import_optional("skmm_no_such_module", "gpu")
