"""Probabilistic CCA (Bach and Jordan 2005): a latent Gaussian model of two views.

``z ~ N(0, I_k)``, ``x_i | z ~ N(W_i z + mu_i, Psi_i)``. Its maximum-likelihood
estimate is read off CCA in closed form (Bach & Jordan, Theorem 2):
``W_i = Sigma_ii U_i M_i`` with ``U_i`` the canonical directions
(``U_i^T Sigma_ii U_i = I``), ``M_1 = M_2 = diag(sqrt(rho))`` and
``Psi_i = Sigma_ii - W_i W_i^T``, where ``Sigma`` is the ML (divide-by-n)
covariance. Being a density, it scores samples, gives the posterior mean of
the latent variable from whichever views a row has, and predicts a missing
view from the others.
"""

import warnings

import numpy as np
import scipy.linalg
from sklearn.utils import check_array

from ..utils._array_api import to_numpy
from ..utils._dask import is_dask_array
from ..utils._sklearn_compat import check_is_fitted
from ._cca import _BaseCCA
from ._cca_core import cca_directions, diag_of_product, shrink, view_regs

__all__ = ["ProbabilisticCCA"]


class ProbabilisticCCA(_BaseCCA):
    """Probabilistic CCA of two views, maximum likelihood in closed form.

    Parameters
    ----------
    n_components : int, default=1
        Dimension ``k`` of the shared latent variable; at most the smallest
        view width.
    views : None, sequence of int, sequence of column selections, or dict, default=None
        Which columns of ``X`` form each view (exactly two). ``None`` splits
        the columns into two halves.
    reg : float in [0, 1], "ledoit-wolf" or sequence of two floats, default=1e-3
        Shrinkage of each view's covariance, as in :class:`CCA`; ``reg=0``
        gives the exact maximum-likelihood estimate.
    Notes
    -----
    ``fit`` uses the complete rows: rows with a NaN are left out, with a
    warning naming them. At predict
    time a view holding any NaN in a row is treated as missing for that row
    and marginalised out.

    Attributes
    ----------
    weights_ : list of ndarray of shape (n_features_of_view, n_components)
        Canonical directions ``U_i`` (unit ML variance).
    loadings_ : list of ndarray of shape (n_features_of_view, n_components)
        ``W_i = Sigma_ii U_i diag(sqrt(rho))``.
    noise_covariances_ : list of ndarray of shape (n_features_of_view, n_features_of_view)
        ``Psi_i = Sigma_ii - W_i W_i^T``.
    canonical_correlations_ : ndarray of shape (n_components,)
        The canonical correlations ``rho``.
    means_ : list of ndarray of shape (n_features_of_view,)
        Training means of each view.
    covariance_ : ndarray of shape (n_features, n_features)
        Model covariance ``W W^T + Psi`` of the columns in view order
        (``np.concatenate`` of the view columns).
    views_ : list of (str, slice or ndarray)
        The resolved views.
    n_views_ : int
        Number of views (2).
    n_features_in_ : int
        Number of columns of ``X`` seen in ``fit``.

    See Also
    --------
    CCA : the deterministic solution this model is built from.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.cross_decomposition import ProbabilisticCCA
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(500, 1))
    >>> X = np.hstack([z + 0.5 * rng.normal(size=(500, 2)), z + 0.5 * rng.normal(size=(500, 2))])
    >>> pcca = ProbabilisticCCA(views=[2, 2]).fit(X)
    >>> X_miss = X[:3].copy()
    >>> X_miss[:, 2:] = np.nan            # second view missing
    >>> pcca.predict_view(X_miss, 1).shape  # E[x_2 | x_1]
    (3, 2)
    >>> pcca.transform(X_miss).shape        # E[z | x_1]
    (3, 1)
    """

    _parameter_constraints: dict = {
        key: value for key, value in _BaseCCA._parameter_constraints.items()
        if key not in ("combine", "device")  # one joint point; NumPy only
    }
    _n_views = 2

    def __init__(self, n_components=1, *, views=None, reg=1e-3):
        self.n_components = n_components
        self.views = views
        self.reg = reg

    def _validate_multiview(self, X, *, reset, accept_sparse=None, ensure_min_samples=1,
                            allow_nan=False, ensure_finite=True):
        X = super()._validate_multiview(X, reset=reset, accept_sparse=accept_sparse,
                                        ensure_min_samples=ensure_min_samples, allow_nan=True,
                                        ensure_finite=ensure_finite)
        if allow_nan:
            return X
        # fitting: complete cases only (rows with a NaN are dropped)
        complete = ~np.isnan(X).any(axis=1)
        if complete.sum() < ensure_min_samples:
            raise ValueError(
                f"Found {int(complete.sum())} complete row(s) (without NaN) while a minimum "
                f"of {ensure_min_samples} is required to fit."
            )
        if complete.all():
            return X
        dropped = np.flatnonzero(~complete)
        warnings.warn(
            f"{type(self).__name__}: {dropped.size} row(s) with NaN left out of the fit "
            f"(rows {dropped[:10].tolist()}{' ...' if dropped.size > 10 else ''}); the model "
            "is fitted on the complete rows.", UserWarning, stacklevel=3,
        )
        return X[complete]

    def _solve(self, moments):
        views, n = self.views_, moments.n
        regs = view_regs(self.reg, moments, views)
        weights = cca_directions(moments, views, regs, self.n_components)
        sig = [[to_numpy(moments.block(views[a][1], views[b][1])) / n for b in range(2)]
               for a in range(2)]
        sig[0][0] = to_numpy(shrink(np, sig[0][0], regs[0]))
        sig[1][1] = to_numpy(shrink(np, sig[1][1], regs[1]))
        U = []
        for i, W in enumerate(weights):
            var = diag_of_product(W, sig[i][i], W)
            U.append(W / np.sqrt(var))
        rho = np.clip(diag_of_product(U[0], sig[0][1], U[1]), 0.0, 1 - 1e-12)
        M = np.sqrt(rho)
        self.weights_ = U
        self.means_ = [to_numpy(moments.mean)[cols] for _, cols in views]
        self.reg_ = np.asarray(regs)
        self.canonical_correlations_ = rho
        self.loadings_ = [sig[i][i] @ U[i] * M for i in range(2)]
        self.noise_covariances_ = [sig[i][i] - L @ L.T for i, L in enumerate(self.loadings_)]
        W = np.vstack(self.loadings_)
        cov = W @ W.T
        d1 = self.loadings_[0].shape[0]
        cov[:d1, :d1] += self.noise_covariances_[0]
        cov[d1:, d1:] += self.noise_covariances_[1]
        self.covariance_ = cov
        return self

    # ------------------------------------------------------------ helpers
    def _view_slices(self):
        edges = np.cumsum([0] + [self._view_width(i) for i in range(self.n_views_)])
        return [slice(a, b) for a, b in zip(edges[:-1], edges[1:])]

    def _ordered(self, X):
        """Validate X (NaN allowed), put columns in view order, find missing views."""
        check_is_fitted(self)
        X = self._validate_multiview(X, reset=False, allow_nan=True)
        X = np.hstack(self._view_blocks(X))
        slices = self._view_slices()
        observed = np.zeros((X.shape[0], self.n_views_), dtype=bool)
        for i, s in enumerate(slices):
            # a view with any NaN counts as missing: the model marginalises it out
            observed[:, i] = ~np.isnan(X[:, s]).any(axis=1)
        return X, observed, slices

    def _groups(self, observed):
        patterns, inverse = np.unique(observed, axis=0, return_inverse=True)
        for p, pattern in enumerate(patterns):
            yield pattern, np.flatnonzero(inverse.ravel() == p)

    def _cols(self, pattern, slices):
        return np.concatenate([np.arange(s.start, s.stop) for s, o in zip(slices, pattern) if o])

    # ------------------------------------------------------------ model outputs
    def _transform_one(self, X_view, i):
        # E[z | x_i] = W_i^T Sigma_ii^{-1} (x_i - mu_i) = M U_i^T (x_i - mu_i)
        M = np.sqrt(self.canonical_correlations_)
        return ((X_view - self.means_[i]) @ self.weights_[i] * M).astype(X_view.dtype,
                                                                         copy=False)

    def transform(self, X, y=None):
        """Posterior mean ``E[z | observed views]`` of the latent variable.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Both views side by side; a row may have one whole view NaN (missing),
            then only the other view is used.
        y : None
            Ignored.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
        """
        if is_dask_array(X):  # lazy, block by block (the rows are independent)
            return super().transform(X)
        X, observed, slices = self._ordered(X)
        X = np.nan_to_num(X)  # missing entries are never read, keep them finite
        mu = np.concatenate(self.means_)
        W = np.vstack(self.loadings_)
        Z = np.zeros((X.shape[0], self.n_components), dtype=X.dtype)
        for pattern, rows in self._groups(observed):
            if not pattern.any():
                raise ValueError(f"Row {int(rows[0])} has every view missing (all NaN).")
            o = self._cols(pattern, slices)
            C = self.covariance_[np.ix_(o, o)]
            R = X[np.ix_(rows, o)] - mu[o]
            Z[rows] = scipy.linalg.solve(C, R.T, assume_a="pos").T @ W[o]
        return Z

    def predict_view(self, X, view):
        """Predict one view from the others: ``E[x_view | other observed views]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            All views side by side; the columns of ``view`` are ignored (they
            may be NaN). Rows with every other view missing get the mean.
        view : str or int
            The view to predict (name in ``views_`` or position).

        Returns
        -------
        X_view : ndarray of shape (n_samples, n_features_of_view)
        """
        check_is_fitted(self)
        j = self._view_index(view)
        X = check_array(X, dtype=[np.float64, np.float32], ensure_all_finite="allow-nan")
        X = X.copy()
        cols = self.views_[j][1]
        X[:, cols] = np.nan
        X, observed, slices = self._ordered(X)
        mu = np.concatenate(self.means_)
        t = np.arange(slices[j].start, slices[j].stop)
        out = np.tile(mu[t], (X.shape[0], 1)).astype(X.dtype)
        for pattern, rows in self._groups(observed):
            if not pattern.any():
                continue
            o = self._cols(pattern, slices)
            C = self.covariance_
            R = X[np.ix_(rows, o)] - mu[o]
            out[rows] += scipy.linalg.solve(C[np.ix_(o, o)], R.T, assume_a="pos").T @ C[
                np.ix_(o, t)]
        return out

    def score_samples(self, X):
        """Log-likelihood of each row under the model (marginal over missing views).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Both views side by side; whole views may be NaN.

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
        """
        X, observed, slices = self._ordered(X)
        mu = np.concatenate(self.means_)
        out = np.empty(X.shape[0])
        for pattern, rows in self._groups(observed):
            if not pattern.any():
                raise ValueError(f"Row {int(rows[0])} has every view missing (all NaN).")
            o = self._cols(pattern, slices)
            L = np.linalg.cholesky(self.covariance_[np.ix_(o, o)])
            Y = scipy.linalg.solve_triangular(L, (X[np.ix_(rows, o)] - mu[o]).T, lower=True)
            out[rows] = (-0.5 * (np.sum(Y * Y, axis=0) + len(o) * np.log(2 * np.pi))
                         - np.sum(np.log(np.diag(L))))
        return out

    def score(self, X, y=None):
        """Average log-likelihood of the rows of ``X`` (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Both views side by side.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = True
        return tags
