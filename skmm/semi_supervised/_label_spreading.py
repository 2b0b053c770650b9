"""Label spreading (Zhou et al., NIPS 2003) on a graph fused from the views."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.multiclass import check_classification_targets

from ..base import MultiViewMixin
from ..utils._graph import (
    AFFINITIES,
    BANDWIDTHS,
    FUSIONS,
    affinity_graph,
    affinity_to,
    normalized_affinity,
    standardize_columns,
    view_scales,
)
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context, check_is_fitted

__all__ = ["MultiViewLabelSpreading", "spread_labels"]


def spread_labels(S, Y, *, alpha=0.2, max_iter=30, tol=1e-3):
    """Iterate ``F <- alpha S F + (1 - alpha) Y`` from ``F = Y``, then normalise rows.

    The iteration, stopping rule and normalisation of scikit-learn's
    ``LabelSpreading``: it stops when the summed absolute change is below
    ``tol``; rows left at zero stay zero.

    Parameters
    ----------
    S : sparse matrix or ndarray of shape (n, n)
        Normalised affinity (:func:`skmm.utils._graph.normalized_affinity`).
    Y : ndarray of shape (n, n_classes)
        One-hot rows for labelled samples, zero rows for unlabelled ones.
    alpha : float in (0, 1)
        Weight of the neighbours against the initial labels.
    max_iter : int
    tol : float

    Returns
    -------
    F : ndarray of shape (n, n_classes)
        Row-normalised label distributions.
    n_iter : int
    converged : bool

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.semi_supervised import spread_labels
    >>> S = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> F, n_iter, converged = spread_labels(S, np.array([[1.0, 0.0], [0.0, 0.0]]))
    >>> F.tolist(), converged
    ([[1.0, 0.0], [1.0, 0.0]], True)
    """
    F = np.array(Y, dtype=np.float64)
    static = (1.0 - alpha) * F
    previous = np.zeros_like(F)
    converged = False
    n_iter = 0
    for n_iter in range(max_iter):
        if np.abs(F - previous).sum() < tol:
            converged = True
            break
        previous = F
        F = alpha * np.asarray(S @ F) + static
    else:
        n_iter = max_iter
    norm = F.sum(axis=1, keepdims=True)
    return F / np.where(norm == 0, 1.0, norm), n_iter, converged


class MultiViewLabelSpreading(MultiViewMixin, ClassifierMixin, BaseEstimator):
    """Label spreading on one graph fused from the views' affinity graphs.

    Spreads the few known labels (``-1`` marks an unlabelled row, as in
    :class:`sklearn.semi_supervised.LabelSpreading`) over a graph of all
    rows built from the views: each view's squared distance is normalised by
    its mean over all pairs, and the views are fused by ``fusion``
    (``"product"``: one graph on the sum of the normalised distances, i.e.
    the product of per-view Gaussian affinities; ``"mean"``: the average of
    per-view graphs). The spreading itself is scikit-learn's: on the same
    graph both give the same label distributions.

    Parameters
    ----------
    views : None, sequence of int, dict or sequence of column selections, default=None
        Which columns of ``X`` form each view (see
        :func:`skmm.utils.resolve_views`); None splits the columns in two halves.
    affinity : {"nearest_neighbors", "rbf"}, default="nearest_neighbors"
        A sparse kNN graph or a dense RBF kernel.
    n_neighbors : int, default=10
        Neighbours per row (at most ``n_samples - 1``).
    bandwidth : {"self_tuning", "global"} or None, default="self_tuning"
        kNN edge weights (see :class:`skmm.cluster.MultiViewSpectralClustering`);
        None for 0/1 edges.
    gamma : float, default=1.0
        RBF coefficient on the normalised distance (its mean over pairs is 1
        per view).
    fusion : {"product", "mean"}, default="product"
        How the views' graphs are fused.
    view_weights : array-like of shape (n_views,) or None, default=None
        Weight of each view in the fusion; None: equal.
    standardize : bool, default=True
        Scale every column to zero mean and unit variance before the
        distances.
    alpha : float, default=0.2
        Clamping factor in (0, 1): the share of a row's label that comes from
        its neighbours.
    max_iter : int, default=30
        Spreading iterations.
    tol : float, default=1e-3
        Stop when the summed absolute change of the distributions is below it.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen (without -1).
    label_distributions_ : ndarray of shape (n_samples, n_classes)
        Spread label distribution of each training row.
    transduction_ : ndarray of shape (n_samples,)
        Label given to each training row.
    n_iter_ : int
        Spreading iterations run.
    X_ : ndarray of shape (n_samples, `n_features_in_`)
        The training rows, standardised (kept for :meth:`predict`).
    mean_, scale_ : ndarray of shape (`n_features_in_`,)
        Column standardisation learned on the training rows.
    view_scales_ : ndarray of shape (`n_views_`,)
        Mean squared distance between training rows in each view.
    views_ : list of (str, slice or ndarray)
    n_views_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined when ``X`` has string column names.

    See Also
    --------
    sklearn.semi_supervised.LabelSpreading : the same spreading on one graph
        of all columns.
    skmm.cluster.MultiViewSpectralClustering : clusters of the same graph.

    Notes
    -----
    New rows are predicted as scikit-learn does: from their affinities to the
    training rows (their ``n_neighbors`` nearest, weight 1 each, for the kNN
    graph) times the training distributions.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.semi_supervised import MultiViewLabelSpreading
    >>> rng = np.random.RandomState(0)
    >>> y = np.repeat([0, 1], 20)
    >>> X = np.hstack([y[:, None] * 4.0 + rng.normal(size=(40, 2)),
    ...                y[:, None] * 4.0 + rng.normal(size=(40, 2))])
    >>> y_partial = np.full(40, -1)
    >>> y_partial[[0, 20]] = [0, 1]                       # one label per class
    >>> ls = MultiViewLabelSpreading(views=[2, 2], n_neighbors=5).fit(X, y_partial)
    >>> float(np.mean(ls.transduction_ == y))
    1.0
    """

    _parameter_constraints: dict = {
        **MultiViewMixin._parameter_constraints,
        "affinity": [StrOptions(set(AFFINITIES))],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "bandwidth": [StrOptions(set(BANDWIDTHS)), None],
        "gamma": [Interval(Real, 0, None, closed="neither")],
        "fusion": [StrOptions(set(FUSIONS))],
        "view_weights": ["array-like", None],
        "standardize": ["boolean"],
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, *, views=None, affinity="nearest_neighbors", n_neighbors=10,
                 bandwidth="self_tuning", gamma=1.0, fusion="product", view_weights=None,
                 standardize=True, alpha=0.2, max_iter=30, tol=1e-3):
        self.views = views
        self.affinity = affinity
        self.n_neighbors = n_neighbors
        self.bandwidth = bandwidth
        self.gamma = gamma
        self.fusion = fusion
        self.view_weights = view_weights
        self.standardize = standardize
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Spread the labels of ``y`` over the fused graph of the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            All views side by side.
        y : array-like of shape (n_samples,)
            Class of each row, ``-1`` for unlabelled rows.

        Returns
        -------
        self : object
        """
        X = self._validate_multiview(X, reset=True, ensure_min_samples=2)
        y = check_array(column_or_1d(y, warn=True), ensure_2d=False, dtype=None,
                        input_name="y")
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"y has {y.shape[0]} labels for {X.shape[0]} rows of X.")
        check_classification_targets(y)
        labelled = y != -1
        classes = np.unique(y[labelled])
        if classes.size == 0:
            raise ValueError("Every label in y is -1 (unlabelled): label spreading needs "
                             "at least one labelled row per class.")
        if classes.size == 1:
            raise ValueError(f"y has a single class ({classes[0]!r}) besides -1: label "
                             "spreading needs labelled rows of at least two classes.")
        X = np.asarray(X, dtype=np.float64)
        if self.standardize:
            self.mean_, self.scale_ = standardize_columns(X)
        else:
            self.mean_, self.scale_ = np.zeros(X.shape[1]), np.ones(X.shape[1])
        self.X_ = (X - self.mean_) / self.scale_
        blocks = self._view_blocks(self.X_)
        self.view_scales_ = view_scales(blocks, self.view_names_)
        W = affinity_graph(blocks, affinity=self.affinity, fusion=self.fusion,
                           n_neighbors=self.n_neighbors, bandwidth=self.bandwidth,
                           gamma=self.gamma, weights=self.view_weights,
                           scales=self.view_scales_, names=self.view_names_)
        Y = (y[:, None] == classes[None, :]).astype(np.float64)
        F, self.n_iter_, converged = spread_labels(
            normalized_affinity(W), Y, alpha=self.alpha, max_iter=self.max_iter, tol=self.tol)
        if not converged:
            warnings.warn(f"max_iter={self.max_iter} was reached without convergence.",
                          ConvergenceWarning, stacklevel=2)
        self.classes_ = classes
        self.label_distributions_ = F
        self.transduction_ = classes[np.argmax(F, axis=1)]
        return self

    def predict_proba(self, X):
        """Label distribution of new rows, from their affinities to the training rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            All views side by side.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1 (a row with no affinity to any training row gets
            a uniform distribution).
        """
        check_is_fitted(self)
        X = self._validate_multiview(X, reset=False)
        Z = (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_
        K = affinity_to(self._view_blocks(Z), self._view_blocks(self.X_),
                        affinity=self.affinity, fusion=self.fusion,
                        n_neighbors=self.n_neighbors, gamma=self.gamma,
                        weights=self.view_weights, scales=self.view_scales_,
                        names=self.view_names_)
        P = K @ self.label_distributions_
        norm = P.sum(axis=1, keepdims=True)
        uniform = np.full_like(P, 1.0 / P.shape[1])
        return np.where(norm > 0, P / np.where(norm > 0, norm, 1.0), uniform)

    def predict(self, X):
        """Most probable class of new rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            All views side by side.

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags
