"""skmm: multimodal and cross-modal machine learning with classical methods.

Importing ``skmm`` loads NumPy, SciPy and scikit-learn only; OpenCV, CuPy, Dask
and plotting libraries are imported by the functions that need them.
"""

__version__ = "0.1.0.dev0"

__all__ = [
    "__version__",
    "base",
    "cluster",
    "compose",
    "cross_decomposition",
    "datasets",
    "feature_extraction",
    "fusion",
    "hashing",
    "metrics",
    "multioutput",
    "retrieval",
    "semi_supervised",
    "svm",
    "utils",
]


def __getattr__(name):
    # Subpackages load on first access so `import skmm` stays light.
    if name in __all__ and name != "__version__":
        import importlib

        return importlib.import_module(f"skmm.{name}")
    raise AttributeError(f"module 'skmm' has no attribute {name!r}")
