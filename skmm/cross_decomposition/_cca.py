"""Canonical correlation analysis in closed form, from mergeable moments.

The solver whitens each view with the Cholesky factor of its regularised
covariance and takes the SVD of the whitened cross-covariance. Its cost is
the covariance product (``n (d1 + d2)^2`` flops, done once, as SYRK) plus
``O(d^3)`` on the small matrices, against scikit-learn's iterative NIPALS,
which runs one power iteration per component over the data.

The regularisation is a shrinkage towards a scaled identity, scale-free:
``C_reg = (1 - r) C + r trace(C)/d I`` with ``r`` in [0, 1]; ``r = 0`` is plain
CCA, ``r = 1`` whitens nothing (PLS-SVD directions), and ``r = "ledoit-wolf"``
takes the Ledoit-Wolf estimate of ``r`` from the data of each view.
"""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from ..utils._array_api import (
    cholesky,
    device,
    eigh_top,
    get_namespace,
    small_solve_context,
    solve_triangular,
    to_numpy,
)
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context, check_is_fitted
from ._base import MultiViewEmbedderMixin
from ._moments import Moments

__all__ = ["CCA"]


def _check_finite(moments):
    """Raise if the rows had NaN or inf: they make ``diag(M2)`` or the mean non-finite."""
    xp = get_namespace(moments.m2)
    diag = xp.linalg.diagonal(moments.m2)
    if not (bool(xp.all(xp.isfinite(diag))) and bool(xp.all(xp.isfinite(moments.mean)))):
        raise ValueError("Input X contains NaN or infinity.")


def _shrink(xp, C, r):
    d = C.shape[0]
    mu = xp.linalg.trace(C) / d
    return (1 - r) * C + (r * mu) * xp.eye(d, dtype=C.dtype, device=device(C))


def _view_regs(reg, moments, views):
    """One shrinkage intensity per view, in [0, 1]."""
    if isinstance(reg, str):  # "ledoit-wolf"
        return [moments.ledoit_wolf_shrinkage(i, cols) for i, (_, cols) in enumerate(views)]
    if isinstance(reg, Real):
        return [float(reg)] * len(views)
    regs = [float(r) for r in reg]
    if len(regs) != len(views) or any(not 0 <= r <= 1 for r in regs):
        raise ValueError(
            f"`reg` given per view must hold {len(views)} numbers in [0, 1], got {list(reg)}."
        )
    return regs


def _whitening_factors(moments, views, regs):
    """Lower Cholesky factor of each view's regularised covariance (float64)."""
    xp = get_namespace(moments.m2)
    n = moments.n
    factors = []
    for (name, cols), r in zip(views, regs):
        C = moments.block(cols) / (n - 1)
        if float(xp.linalg.trace(C)) <= 0:
            raise ValueError(
                f"View {name!r} has zero variance (all its columns are constant): "
                "it cannot be correlated with anything."
            )
        try:
            factors.append(cholesky(xp, _shrink(xp, C, r)))
        except np.linalg.LinAlgError:
            raise ValueError(
                f"The covariance of view {name!r} is singular (rank-deficient, e.g. "
                f"constant or collinear columns, or fewer samples than features) "
                f"with reg={r:g}; use reg > 0 or reg='ledoit-wolf'."
            ) from None
    return factors


def _top_singular_vectors(xp, K, k):
    """Leading ``k`` left and right singular vectors of ``K``.

    Through the eigenvectors of the smaller Gram matrix (half the time of a
    full SVD for the shapes CCA meets); falls back to the SVD when a wanted
    singular value is too small for that route to be accurate.
    """
    transpose = K.shape[0] < K.shape[1]
    A = K.T if transpose else K  # tall: A = U S V^T with V from eigh(A^T A)
    top, evecs = eigh_top(xp, A.T @ A, k)
    if float(xp.min(top)) > 1e-8 * max(float(top[-1]), 1e-300):
        V = xp.flip(evecs, axis=1)
        U = (A @ V) / xp.sqrt(xp.flip(top))
        return (V, U) if transpose else (U, V)
    U, _, Vt = xp.linalg.svd(K, full_matrices=False)
    return U[:, :k], Vt[:k, :].T


def _sign_flip(weights):
    # Deterministic signs: the largest loading of view 0 is positive; the
    # other views follow so that paired correlations stay positive.
    idx = np.argmax(np.abs(weights[0]), axis=0)
    signs = np.sign(weights[0][idx, np.arange(weights[0].shape[1])])
    signs[signs == 0] = 1
    return [W * signs for W in weights]


def _check_n_components(k, widths, names):
    if k > min(widths):
        raise ValueError(
            f"n_components={k} must be <= the smallest view width, "
            f"min({dict(zip(names, widths))}) = {min(widths)}; at most "
            "min(n_samples - 1, view widths) canonical correlations (the rank of "
            "the cross-covariance) can be nonzero."
        )


def _diag_of_product(A, C, B):
    """``diag(A^T C B)`` as a column sum: one GEMM, where einsum would loop."""
    return np.sum(A * (C @ B), axis=0)


def _training_correlations(moments, views, weights):
    """Mean over view pairs of the correlation of paired training projections.

    Computed from the (unregularised) covariances, so it is a true correlation
    in [-1, 1] whatever the shrinkage.
    """
    blocks = {}

    def cov(a, b):
        if (a, b) not in blocks:
            blocks[a, b] = to_numpy(moments.block(views[a][1], views[b][1]))
        return blocks[a, b]

    var = [_diag_of_product(W, cov(a, a), W) for a, W in enumerate(weights)]
    total, pairs = 0.0, 0
    for a in range(len(weights)):
        for b in range(a + 1, len(weights)):
            num = _diag_of_product(weights[a], cov(a, b), weights[b])
            den = np.sqrt(var[a] * var[b])
            total = total + np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)
            pairs += 1
    return total / pairs


def _corr_columns(xp, A, B):
    """Pearson correlation of matching columns of A and B (0 when constant)."""
    A = A - xp.mean(A, axis=0)
    B = B - xp.mean(B, axis=0)
    num = xp.sum(A * B, axis=0)
    den = xp.sqrt(xp.sum(A * A, axis=0) * xp.sum(B * B, axis=0))
    safe = xp.where(den > 0, den, xp.ones_like(den))
    return xp.where(den > 0, num / safe, xp.zeros_like(num))


def _paired_correlation_score(Z):
    """Sum over components of the correlation of paired projections ``Z[a]``,
    ``Z[b]``, averaged over view pairs (the ``score`` of the CCA family)."""
    xp = get_namespace(*Z)
    total, pairs = 0.0, 0
    for a in range(len(Z)):
        for b in range(a + 1, len(Z)):
            total += float(xp.sum(_corr_columns(xp, Z[a], Z[b])))
            pairs += 1
    return total / pairs


class _BaseCCA(MultiViewEmbedderMixin, TransformerMixin, BaseEstimator):
    """Shared fit / partial_fit / transform / score of the linear CCA family."""

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "views": ["array-like", dict, None],
        "reg": [Interval(Real, 0, 1, closed="both"), StrOptions({"ledoit-wolf"}), "array-like"],
        "combine": [StrOptions({"concat", "mean"})],
        "copy": ["boolean"],
    }

    def _moments_of(self, X):
        views = self.views_ if isinstance(self.reg, str) else None
        return Moments.from_array(X, views)

    def _check_views(self):
        widths = [self._view_width(i) for i in range(self.n_views_)]
        _check_n_components(self.n_components, widths, [n for n, _ in self.views_])

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the projections from the views of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All views side by side (see ``views``). NumPy, SciPy sparse (never
            densified) or any array-API array (CuPy on GPU).
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        # NaN or inf in X shows on the diagonal of X^T X: checked there, which
        # spares a full pass over X.
        X = self._validate_X(X, reset=True, ensure_min_samples=2, ensure_finite=False)
        self._set_views(X.shape[1])
        self._check_views()
        with np.errstate(invalid="ignore", over="ignore"):  # inf - inf, reported below
            moments = self._moments_of(X)
        _check_finite(moments)
        with small_solve_context(get_namespace(moments.m2)):
            self._solve(moments)  # on the input's device
        # Fitted state is NumPy, so a model fitted on a GPU unpickles anywhere.
        self._moments = moments.to_numpy()
        return self

    def partial_fit(self, X, y=None):
        """Update the moments with a block of rows and refit.

        The result equals ``fit`` on all the rows seen so far (up to rounding).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A block of rows.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The updated estimator.
        """
        first = not hasattr(self, "_moments")
        self._validate_params()
        if not first and isinstance(self.reg, str) and self._moments.quartic is None:
            raise ValueError(
                "reg was changed to 'ledoit-wolf' between partial_fit calls; the moments "
                "seen so far lack its statistics. Call fit (or start partial_fit afresh)."
            )
        X = self._validate_X(X, reset=first, ensure_min_samples=2 if first else 1)
        if first:
            self._set_views(X.shape[1])
            self._check_views()
            self._moments = self._moments_of(X).to_numpy()
        else:
            self._moments = self._moments.merge(self._moments_of(X).to_numpy(), self.views_)
        with small_solve_context(get_namespace(self._moments.m2)):
            return self._solve(self._moments)

    def _project(self, X_view, W, mean):
        if sp.issparse(X_view):
            W = W.astype(X_view.dtype, copy=False)
            return np.asarray(X_view @ W) - mean.astype(X_view.dtype) @ W
        xp = get_namespace(X_view)
        dev = device(X_view)
        W = xp.asarray(W, dtype=X_view.dtype, device=dev)
        mean = xp.asarray(mean, dtype=X_view.dtype, device=dev)
        return (X_view - mean) @ W

    def _transform_one(self, X_view, i):
        return self._project(X_view, self.weights_[i], self.means_[i])

    def score(self, X, y=None):
        """Sum over components of the held-out canonical correlations.

        Each view of ``X`` is projected; the score is the sum over the
        ``n_components`` of the correlation between paired projections (the
        mean over view pairs when there are more than two views). Higher is
        better, so it can drive ``GridSearchCV`` over ``reg``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Held-out rows, all views side by side.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return _paired_correlation_score(
            [self._transform_one(Xv, i) for i, Xv in enumerate(self._view_blocks(X))]
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class CCA(_BaseCCA):
    """Canonical correlation analysis of two views, regularised, in closed form.

    Finds directions ``w_1``, ``w_2`` maximising the correlation of
    ``X_1 w_1`` and ``X_2 w_2``, then the next pair uncorrelated with the
    first, and so on. Solved exactly (no iterations): each view is whitened by
    the Cholesky factor of its regularised covariance and the whitened
    cross-covariance is decomposed by SVD. The covariances come from mergeable
    moments, so ``partial_fit`` over row blocks equals ``fit`` on all rows.

    Parameters
    ----------
    n_components : int, default=1
        Number of canonical pairs; at most the smallest view width.
    views : None, sequence of int, sequence of column selections, or dict, default=None
        Which columns of ``X`` form each view (see
        :func:`skmm.utils.resolve_views`); exactly two views. ``None`` splits
        the columns into two halves.
    reg : float in [0, 1], "ledoit-wolf" or sequence of two floats, default=1e-3
        Shrinkage of each view's covariance towards a scaled identity,
        ``(1 - reg) C + reg trace(C)/d I``. Scale-free: the same value means
        the same thing whatever the units of a view. ``0`` is plain CCA
        (needs full-rank covariances), ``1`` gives PLS-SVD directions.
        ``"ledoit-wolf"`` takes the Ledoit-Wolf estimate per view from the data.
    combine : {"concat", "mean"}, default="concat"
        How ``transform`` combines the two projections: side by side, or
        their average (one point per sample in the shared space).
    copy : bool, default=True
        Kept for scikit-learn's API; the input is never modified.

    Attributes
    ----------
    weights_ : list of ndarray of shape (n_features_of_view, n_components)
        Canonical directions per view, scaled so that each projection has
        unit (regularised) variance on the training data.
    means_ : list of ndarray of shape (n_features_of_view,)
        Training means of each view; ``transform`` centres with these.
    canonical_correlations_ : ndarray of shape (n_components,)
        Correlation of each pair of training projections. With ``reg=0`` these
        are the canonical correlations, in decreasing order; with shrinkage
        they are the (smaller) correlations the regularised directions reach.
    reg_ : ndarray of shape (2,)
        The shrinkage used per view (the Ledoit-Wolf estimates when asked).
    views_ : list of (str, slice or ndarray)
        The resolved views.
    n_views_ : int
        Number of views (2).
    n_features_in_ : int
        Number of columns of ``X`` seen in ``fit``.

    See Also
    --------
    MCCA : more than two views.
    sklearn.cross_decomposition.CCA : the iterative (NIPALS) two-block CCA.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.cross_decomposition import CCA
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(500, 1))
    >>> X = np.hstack([z + rng.normal(size=(500, 3)), -z + rng.normal(size=(500, 2))])
    >>> cca = CCA(n_components=1, views=[3, 2]).fit(X)
    >>> cca.canonical_correlations_.round(1)
    array([0.7])
    >>> cca.transform(X).shape
    (500, 2)
    >>> cca.transform_view(X[:, 3:], "view1").shape
    (500, 1)
    """

    def __init__(self, n_components=1, *, views=None, reg=1e-3, combine="concat", copy=True):
        self.n_components = n_components
        self.views = views
        self.reg = reg
        self.combine = combine
        self.copy = copy

    def _check_views(self):
        if self.n_views_ != 2:
            raise ValueError(
                f"CCA takes exactly two views, got {self.n_views_}; use MCCA for more."
            )
        _BaseCCA._check_views(self)

    def _solve(self, moments):
        views = self.views_
        regs = _view_regs(self.reg, moments, views)
        L1, L2 = _whitening_factors(moments, views, regs)
        xp = get_namespace(moments.m2)
        C12 = moments.block(views[0][1], views[1][1]) / (moments.n - 1)
        # K = L1^{-1} C12 L2^{-T}: the cross-covariance of the whitened views.
        K = solve_triangular(xp, L1, C12, lower=True)
        K = solve_triangular(xp, L2, K.T, lower=True).T
        k = self.n_components
        U, V = _top_singular_vectors(xp, K, k)
        W1 = solve_triangular(xp, L1.T, U, lower=False)
        W2 = solve_triangular(xp, L2.T, V, lower=False)
        self.weights_ = _sign_flip([to_numpy(W1), to_numpy(W2)])
        self.canonical_correlations_ = _training_correlations(moments, views, self.weights_)
        self.means_ = [to_numpy(moments.mean)[cols] for _, cols in views]
        self.reg_ = np.asarray(regs)
        return self
