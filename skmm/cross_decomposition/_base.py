"""What every multi-view embedder shares: the views contract and per-view output.

An embedder learns one projection per view. ``transform(X)`` maps full rows
(all views side by side) to the shared space; ``transform_view(X_view, view)``
maps one view alone, which is what cross-modal retrieval needs (a text query
against image items). Subclasses implement ``_transform_one(X_view, i)`` and
may override ``transform`` when the views are combined jointly (e.g. NMF, PCCA).
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

from ..utils._array_api import get_namespace, is_numpy_namespace
from ..utils._sklearn_compat import check_is_fitted, validate_data
from ..utils._views import resolve_views

__all__ = ["MultiViewEmbedderMixin"]


class MultiViewEmbedderMixin:
    """Mixin for embedders taking one 2-D ``X`` split into views by ``views``.

    Expects the parameters ``views`` and ``combine`` (``"concat"`` or
    ``"mean"``) and sets the fitted attributes ``views_`` (list of
    ``(name, columns)``) and ``n_views_``.
    """

    def _set_views(self, n_features):
        self.views_ = resolve_views(self.views, n_features)
        self.n_views_ = len(self.views_)
        return self.views_

    def _view_blocks(self, X):
        if sp.issparse(X) or isinstance(X, np.ndarray):
            return [X[:, cols] for _, cols in self.views_]
        xp = get_namespace(X)
        return [X[:, cols] if isinstance(cols, slice) else xp.take(X, xp.asarray(cols), axis=1)
                for _, cols in self.views_]

    def _validate_X(self, X, *, reset, ensure_min_samples=1, allow_nan=False,
                    ensure_finite=True):
        """``validate_data`` for NumPy/SciPy input; array-API arrays (CuPy,
        array_api_strict) keep their namespace and device and get the same checks.

        ``ensure_finite=False`` skips the NaN/inf scan for callers that detect
        them for free later (the diagonal of ``X^T X`` in a CCA fit)."""
        accept_sparse = self._accept_sparse()
        # CuPy arrays may lack ``__array_namespace__``: ask array-api-compat.
        if sp.issparse(X) or is_numpy_namespace(get_namespace(X)):
            return validate_data(
                self, X, reset=reset, accept_sparse=accept_sparse,
                dtype=[np.float64, np.float32], ensure_min_samples=ensure_min_samples,
                ensure_all_finite=("allow-nan" if allow_nan else True) if ensure_finite else False,
            )
        xp = get_namespace(X)
        if X.ndim != 2:
            raise ValueError(f"Expected a 2-D array, got {X.ndim}-D input.")
        if X.dtype not in (xp.float32, xp.float64):
            X = xp.astype(X, xp.float64)
        if X.shape[0] < ensure_min_samples:
            raise ValueError(
                f"Found array with {X.shape[0]} sample(s) while a minimum of "
                f"{ensure_min_samples} is required."
            )
        if ensure_finite and not allow_nan and not bool(xp.all(xp.isfinite(X))):
            raise ValueError("Input X contains NaN or infinity.")
        if reset:
            self.n_features_in_ = X.shape[1]
        elif X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return X

    def _view_width(self, i):
        cols = self.views_[i][1]
        return cols.stop - cols.start if isinstance(cols, slice) else len(cols)

    def _view_index(self, view):
        names = [name for name, _ in self.views_]
        if isinstance(view, str):
            if view not in names:
                raise ValueError(f"Unknown view {view!r}; the fitted views are {names}.")
            return names.index(view)
        if isinstance(view, (int, np.integer)) and 0 <= view < len(names):
            return int(view)
        raise ValueError(f"`view` must be one of {names} or an index below {len(names)}, got {view!r}.")

    def transform_view(self, X, view):
        """Project one view alone into the shared space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_of_view)
            The columns of that single view.
        view : str or int
            The view's name (see ``views_``) or position.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            The view's coordinates in the shared space.
        """
        check_is_fitted(self)
        i = self._view_index(view)
        X = self._check_view_input(X, i)
        return self._transform_one(X, i)

    def _accept_sparse(self):
        return "csr" if self.__sklearn_tags__().input_tags.sparse else False

    def _check_view_input(self, X, i):
        # CuPy arrays may lack ``__array_namespace__``: ask array-api-compat.
        if sp.issparse(X) or is_numpy_namespace(get_namespace(X)):
            X = check_array(X, accept_sparse=self._accept_sparse(),
                            dtype=[np.float64, np.float32])
        width = self._view_width(i)
        if X.shape[1] != width:
            raise ValueError(
                f"View {self.views_[i][0]!r} has {width} features, but X has {X.shape[1]}."
            )
        return X

    def transform(self, X, y=None):
        """Map rows with all views to the shared space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            All views side by side, as in ``fit``.
        y : None
            Ignored (accepted because scikit-learn's checks pass ``y`` to
            estimators named like its cross-decomposition classes).

        Returns
        -------
        Z : ndarray of shape (n_samples, n_views_ * n_components) or (n_samples, n_components)
            The per-view projections side by side (``combine="concat"``) or
            their average (``combine="mean"``).
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        Z = [self._transform_one(Xv, i) for i, Xv in enumerate(self._view_blocks(X))]
        if self.combine == "mean":
            return sum(Z) / len(Z)
        return get_namespace(*Z).concat(Z, axis=1)

    def get_feature_names_out(self, input_features=None):
        """Output feature names: ``<class><view>_<j>`` (concat) or ``<class><j>`` (mean)."""
        check_is_fitted(self)
        prefix = type(self).__name__.lower()
        k = self.n_components
        if self.combine == "mean":
            return np.asarray([f"{prefix}{j}" for j in range(k)], dtype=object)
        return np.asarray(
            [f"{prefix}_{name}_{j}" for name, _ in self.views_ for j in range(k)], dtype=object
        )
