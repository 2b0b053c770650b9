"""Canonical correlation analysis in closed form, from mergeable moments.

The solver whitens each view with the Cholesky factor of its regularised
covariance and takes the SVD of the whitened cross-covariance (see
``_cca_core``). Its cost is the covariance product (``n (d1 + d2)^2`` flops,
done once, as SYRK) plus ``O(d^3)`` on the small matrices, against
scikit-learn's iterative NIPALS, which runs one power iteration per component
over the data. ``_BaseCCA`` holds what the linear members share: fit from
moments, ``partial_fit``, projection and the held-out score.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator

from ..base import MultiViewEmbedderMixin
from ..utils._array_api import get_namespace, small_solve_context, to_numpy
from ..utils._dask import (
    check_dask_2d,
    check_dask_output,
    is_dask_array,
    map_row_blocks,
    transform_block,
    transform_view_block,
)
from ..utils._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
)
from ._cca_core import (
    cca_directions,
    check_finite_moments,
    check_n_components,
    paired_correlation_score,
    project,
    training_correlations,
    view_regs,
    warn_if_degenerate,
)
from ._moments import Moments

__all__ = ["CCA"]


class _BaseCCA(MultiViewEmbedderMixin, BaseEstimator):
    """Shared fit / partial_fit / transform / score of the linear CCA family.

    Subclasses set ``_n_views`` (``None``: any number) and implement
    ``_solve(moments)``, which sets the fitted attributes from the moments
    with the functions of ``_cca_core``.
    """

    _parameter_constraints: dict = {
        **MultiViewEmbedderMixin._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "reg": [Interval(Real, 0, 1, closed="both"), StrOptions({"ledoit-wolf"}), "array-like"],
        "combine": [StrOptions({"concat", "mean"})],
        "device": "no_validation",  # resolved (and checked) by skmm.utils.resolve_device
    }
    _n_views = None

    def _moments_of(self, X):
        views = self.views_ if isinstance(self.reg, str) else None
        if is_dask_array(X):  # per row block on the workers, tree-merged
            return Moments.from_dask(X, views)
        return Moments.from_array(X, views)

    def _check_views(self):
        if self._n_views is not None and self.n_views_ != self._n_views:
            raise ValueError(
                f"{type(self).__name__} takes exactly "
                f"{'two' if self._n_views == 2 else self._n_views} views, got "
                f"{self.n_views_} ({self.view_names_}); use MCCA for more."
            )
        check_n_components(self.n_components, self._view_widths(), self.view_names_)

    def _solve_small(self, moments):
        # The small solves run on one BLAS thread (faster on few cores).
        with small_solve_context(get_namespace(moments.m2)):
            self._solve(moments)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the projections from the views of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All views side by side (see ``views``). NumPy, SciPy sparse (never
            densified) or any array-API array (CuPy on GPU).
        y : None
            Ignored. A 2-D ``y`` (scikit-learn's ``CCA.fit(X, Y)``) is an
            error: put the views side by side in ``X``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._check_no_second_array(y)
        # NaN or inf in X shows on the diagonal of X^T X: checked there, which
        # spares a full pass over X.
        if is_dask_array(X):
            X = self._validate_multiview_dask(X, reset=True)
        else:
            X = self._validate_multiview(X, reset=True, ensure_min_samples=2,
                                         ensure_finite=False)
        self._check_views()
        with np.errstate(invalid="ignore", over="ignore"):  # inf - inf, reported below
            moments = self._moments_of(X)
        check_finite_moments(moments)
        if moments.n < 2:  # a dask array's row count is known only now
            raise ValueError(f"Found array with {moments.n} sample(s) while a minimum of 2 "
                             f"is required by {type(self).__name__}.")
        self._solve_small(moments)  # on the input's device
        warn_if_degenerate(type(self).__name__, moments, self.views_,
                           self.canonical_correlations_)
        # Fitted state is NumPy, so a model fitted on a GPU unpickles anywhere.
        self._moments = moments.to_numpy()
        return self

    @_fit_context(prefer_skip_nested_validation=True)
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
        self._check_no_second_array(y)
        first = not hasattr(self, "_moments")
        if not first and isinstance(self.reg, str) and self._moments.quartic is None:
            raise ValueError(
                "reg was changed to 'ledoit-wolf' between partial_fit calls; the moments "
                "seen so far lack its statistics. Call fit (or start partial_fit afresh)."
            )
        X = self._validate_multiview(X, reset=first, ensure_min_samples=2 if first else 1)
        if first:
            self._check_views()
            self._moments = self._moments_of(X).to_numpy()
        else:
            self._moments = self._moments.merge(self._moments_of(X).to_numpy(), self.views_)
        self._solve_small(self._moments)
        return self

    def _transform_one(self, X_view, i):
        return project(X_view, self.weights_[i], self.means_[i])

    def transform(self, X, y=None):
        if is_dask_array(X):  # lazy: the NumPy transform on every row block
            check_is_fitted(self)
            check_dask_output(self)
            X = self._validate_multiview_dask(X, reset=False)
            n_out = len(self.get_feature_names_out())
            return map_row_blocks(transform_block, X, n_out, self)
        return super().transform(X, y)

    transform.__doc__ = MultiViewEmbedderMixin.transform.__doc__

    def transform_view(self, X, view):
        if is_dask_array(X):
            check_is_fitted(self)
            check_dask_output(self)
            i = self._view_index(view)
            X = check_dask_2d(X, f"{type(self).__name__} (view {self.views_[i][0]!r})",
                              n_features=self._view_width(i))
            return map_row_blocks(transform_view_block, X, self._n_shared_components(),
                                  self, view)
        return super().transform_view(X, view)

    transform_view.__doc__ = MultiViewEmbedderMixin.transform_view.__doc__

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
        X = self._validate_multiview(X, reset=False)
        return paired_correlation_score(
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
    device : None, "cpu", "gpu", "auto" or a device object, default=None
        Where to compute (see :mod:`skmm.base`): ``None`` where the input
        lives (NumPy on the CPU, CuPy on its GPU), ``"cpu"``, ``"gpu"`` (CuPy;
        an ImportError naming the extra to install when it is missing) or
        ``"auto"`` (the GPU when CuPy finds one, else the CPU). The input is
        moved once; outputs stay on that device; fitted attributes are NumPy.
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

    Notes
    -----
    With ``reg=0`` a rank-deficient view (a constant or collinear column,
    fewer samples than columns) has a singular covariance and ``fit`` raises,
    naming the view; scikit-learn's and cca-zoo's iterative solvers fit such
    data, but their directions in the null space are arbitrary. Any
    ``reg > 0`` (the default ``1e-3``) or ``"ledoit-wolf"`` fits it.
    ``fit`` warns when the training correlations cannot be trusted (fewer
    samples than columns in the two views together) and when
    ``n_components`` exceeds the rank of a view (the extra components have
    zero correlation).

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

    _n_views = 2
    array_api_support = True

    def __init__(self, n_components=1, *, views=None, reg=1e-3, combine="concat",
                 device=None):
        self.n_components = n_components
        self.views = views
        self.reg = reg
        self.combine = combine
        self.device = device

    def _solve(self, moments):
        regs = view_regs(self.reg, moments, self.views_)
        self.weights_ = cca_directions(moments, self.views_, regs, self.n_components)
        self.canonical_correlations_ = training_correlations(moments, self.views_, self.weights_)
        self.means_ = [to_numpy(moments.mean)[cols] for _, cols in self.views_]
        self.reg_ = np.asarray(regs)
