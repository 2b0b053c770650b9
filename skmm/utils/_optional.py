"""Import optional dependencies where they are used, naming the extra to install."""

import importlib

__all__ = ["import_optional"]


def import_optional(module, extra):
    """Import ``module`` or raise an ImportError that says how to get it.

    Parameters
    ----------
    module : str
        Dotted module name, e.g. ``"cv2"`` or ``"cupy"``.
    extra : str
        The skmm extra (``pip install "skmm[extra]"``) or package that provides it.

    Returns
    -------
    module : module
        The imported module.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{module!r} is needed for this feature but could not be imported "
            f"({exc}). Install it with: pip install \"skmm[{extra}]\""
        ) from exc
