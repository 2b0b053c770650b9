"""Find every public skmm estimator (used by the common tests and the docs)."""

import importlib
import inspect
import pkgutil

from sklearn.base import BaseEstimator

__all__ = ["all_estimators"]

_TYPE_MIXINS = {
    "classifier": "ClassifierMixin",
    "regressor": "RegressorMixin",
    "transformer": "TransformerMixin",
    "cluster": "ClusterMixin",
}


def all_estimators(type_filter=None):
    """List the public estimators defined in skmm.

    Parameters
    ----------
    type_filter : {"classifier", "regressor", "transformer", "cluster"}, \
            list of those, or None
        Keep only estimators of these kinds.

    Returns
    -------
    estimators : list of (str, type)
        ``(class name, class)`` pairs sorted by name.
    """
    import skmm

    found = {}
    for mod in pkgutil.walk_packages(skmm.__path__, prefix="skmm."):
        parts = mod.name.split(".")
        if any(p.startswith("_") for p in parts[1:-1]) or "tests" in parts:
            continue
        module = importlib.import_module(mod.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, BaseEstimator)
                and not name.startswith("_")
                and cls.__module__.startswith("skmm.")
                and not inspect.isabstract(cls)
            ):
                found[name] = cls
    estimators = sorted(found.items())
    if type_filter is not None:
        kinds = [type_filter] if isinstance(type_filter, str) else list(type_filter)
        unknown = set(kinds) - set(_TYPE_MIXINS)
        if unknown:
            raise ValueError(f"Unknown type_filter {sorted(unknown)}; use {sorted(_TYPE_MIXINS)}.")
        wanted = {_TYPE_MIXINS[k] for k in kinds}
        estimators = [
            (n, c) for n, c in estimators if wanted & {b.__name__ for b in c.__mro__}
        ]
    return estimators
