"""The ``views`` contract: which columns of one 2-D ``X`` belong to which view.

Every multi-view estimator in skmm takes a single 2-D ``X`` with the views side
by side, plus a ``views`` parameter resolved here. Keeping one ``X`` lets
cross-validation slice rows, lets ``Pipeline`` and ``GridSearchCV`` work
unchanged, and keeps the estimators inside scikit-learn's common checks.
"""

from numbers import Integral

import numpy as np

__all__ = ["resolve_views"]


def _as_columns(spec, n_features, name):
    """One view's spec (slice or integer indices) -> slice or index array."""
    if isinstance(spec, slice):
        idx = np.arange(n_features)[spec]
    else:
        idx = np.asarray(spec)
        if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(
                f"View {name!r}: columns must be a slice or a non-empty 1-D sequence "
                f"of integer column indices, got {spec!r}."
            )
        if idx.min() < 0 or idx.max() >= n_features:
            raise ValueError(
                f"View {name!r}: column indices must lie in [0, {n_features - 1}] "
                f"for X with {n_features} features, got {idx.min()}..{idx.max()}."
            )
    if idx.size == 0:
        raise ValueError(f"View {name!r} selects no column of X ({n_features} features).")
    if np.all(np.diff(idx) == 1):
        return slice(int(idx[0]), int(idx[-1]) + 1)  # a view, not a copy, when sliced
    return idx


def resolve_views(views, n_features):
    """Turn a ``views`` parameter into named column selections.

    Parameters
    ----------
    views : None, sequence of int, sequence of (slice or index array), \
            dict or sequence of (name, spec) pairs
        - ``None``: two views, the first ``ceil(n_features / 2)`` columns and
          the rest (valid for any X with at least 2 features).
        - a sequence of ints: consecutive block widths, summing to
          ``n_features``.
        - a sequence of slices / integer index arrays: the columns of each view.
        - a dict ``{name: spec}`` or a list of ``(name, spec)`` pairs, where
          ``spec`` is a width (int), a slice or an index array. Widths are
          laid out consecutively, as :mod:`skmm.compose` produces them.
    n_features : int
        Number of columns of X.

    Returns
    -------
    views : list of (str, slice or ndarray)
        One entry per view, in order. Every column belongs to exactly one view.

    Raises
    ------
    ValueError
        If the views overlap, leave a column out, fall outside X, or there
        are fewer than two of them.
    """
    if views is None:
        if n_features < 2:
            raise ValueError(
                f"Two views need at least 2 features; got {n_features} feature(s). "
                "Pass `views` to say which columns form each view."
            )
        half = (n_features + 1) // 2
        return [("view0", slice(0, half)), ("view1", slice(half, n_features))]

    if isinstance(views, dict):
        items = list(views.items())
    elif isinstance(views, (list, tuple)) and all(
        isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in views
    ) and len(views) > 0:
        items = list(views)
    elif isinstance(views, (list, tuple, np.ndarray)):
        items = [(f"view{i}", v) for i, v in enumerate(views)]
    else:
        raise TypeError(
            "`views` must be None, a sequence of block widths, a sequence of "
            f"column selections, or named blocks; got {type(views).__name__}."
        )
    if len(items) < 2:
        raise ValueError(f"At least two views are needed, got {len(items)}.")
    names = [name for name, _ in items]
    if len(set(names)) != len(names):
        raise ValueError(f"View names must be unique, got {names}.")

    resolved, start = [], 0
    widths_only = all(isinstance(s, Integral) and not isinstance(s, bool) for _, s in items)
    for name, spec in items:
        if isinstance(spec, Integral) and not isinstance(spec, bool):
            if spec < 1:
                raise ValueError(f"View {name!r}: width must be >= 1, got {spec}.")
            spec = slice(start, start + int(spec))
            start = spec.stop
        resolved.append((name, _as_columns(spec, n_features, name)))

    if widths_only and start != n_features:
        widths = [int(s) for _, s in items]
        raise ValueError(
            f"View widths {widths} sum to {start}, but X has {n_features} features."
        )
    counts = np.zeros(n_features, dtype=int)
    for _, cols in resolved:
        np.add.at(counts, cols, 1)  # a column repeated within a view counts twice
    if np.any(counts > 1):
        raise ValueError(
            f"Views overlap: columns {np.flatnonzero(counts > 1)[:10].tolist()} belong "
            "to more than one view (or repeat within one)."
        )
    if np.any(counts == 0):
        raise ValueError(
            f"Columns {np.flatnonzero(counts == 0)[:10].tolist()} belong to no view; "
            "every column of X must be assigned to exactly one view."
        )
    return resolved
