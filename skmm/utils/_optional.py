"""Import optional dependencies where they are used, naming the extra to install."""

import importlib
import importlib.util

__all__ = ["import_optional", "module_available"]

# Top-level module -> how to get it: an extra of setup.cfg's
# [options.extras_require], or None when the module comes with skmm's own
# requirements (then the message names the distribution to reinstall).
# The single place that knows these names, so call sites cannot name an
# extra that does not exist.
_EXTRAS = {
    "cupy": "gpu",
    "cupyx": "gpu",
    "numba": "fast",
    "dask": "dask",
    "distributed": "dask",
    "librosa": "test",
    "soundfile": "test",
    "array_api_strict": "test",
    "polars": "test",
    "pandas": "examples",
    "matplotlib": "examples",
    "skops": "examples",
}
_REQUIRED = {"cv2": "opencv-contrib-python-headless"}


def _install_hint(module, extra):
    top = module.split(".", 1)[0]
    if top in _REQUIRED:
        # A core requirement that failed to import: a broken or missing wheel.
        return f"pip install --force-reinstall {_REQUIRED[top]}"
    extra = _EXTRAS.get(top, extra)
    return f'pip install "skmm[{extra}]"' if extra else f"pip install {top}"


def import_optional(module, extra=None):
    """Import ``module`` or raise an ImportError that says how to get it.

    Parameters
    ----------
    module : str
        Dotted module name, e.g. ``"cv2"`` or ``"cupy"``.
    extra : str or None, default=None
        The skmm extra (``pip install "skmm[extra]"``) that provides it. Only
        used for modules skmm does not know; for known modules (cupy, dask,
        librosa, pandas, matplotlib, cv2, ...) the extra comes from skmm's
        own table, so the message always names a real extra.

    Returns
    -------
    module : module
        The imported module.

    Examples
    --------
    >>> from skmm.utils import import_optional
    >>> import_optional("numpy").__name__
    'numpy'
    >>> try:
    ...     import_optional("cupy.no_such_module")
    ... except ImportError as exc:
    ...     print(str(exc).split("Install it with: ")[1])
    pip install "skmm[gpu]"
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{module!r} is needed for this feature but could not be imported "
            f"({exc}). Install it with: {_install_hint(module, extra)}"
        ) from exc


def module_available(module):
    """Whether ``module`` can be imported, without importing it.

    For optional accelerators (Numba) that a code path uses when present and
    replaces by a NumPy path otherwise.

    Examples
    --------
    >>> from skmm.utils._optional import module_available
    >>> module_available("numpy"), module_available("no_such_module_skmm")
    (True, False)
    """
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
