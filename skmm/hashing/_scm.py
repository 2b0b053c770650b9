"""Semantic correlation maximisation hashing (Zhang & Li, AAAI 2014), sequential variant.

Supervised: the pairwise label similarity ``S = 2 L~ L~^T - 1`` (``L~`` the
L2-normalised label rows; 1 for the same label set, -1 for disjoint ones)
should be reproduced by the inner products of the two views' codes. Bits are
learnt one at a time: bit ``t`` maximises ``w_x^T X^T R_t Y w_y`` under
``w_x^T C_xx w_x = w_y^T C_yy w_y = 1`` (a CCA-like problem with ``X^T R_t Y``
in place of the cross-covariance), and the residual ``R_{t+1} = R_t - b_x
b_y^T`` removes what the bit explains. ``S`` (n x n) is never formed: with
centred views ``X^T S Y = 2 (X^T L~)(L~^T Y)``, and each residual update is
``X^T b_x b_y^T Y``, so a fit costs ``O(n d c + n d n_bits)``.
"""

from numbers import Real

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from ..utils._sklearn_compat import Interval, _fit_context
from ._base import _BaseHasher

__all__ = ["SemanticCorrelationHashing"]


def _label_matrix(y, n, name):
    """Labels -> row-normalised indicator matrix ``L~`` (n, n_labels)."""
    if y is None:
        raise ValueError(
            f"{name} requires y to be passed, but the target y is None: supervised "
            "hashing needs labels (class labels, or a 0/1 label-indicator matrix for "
            "multi-label data)."
        )
    if sp.issparse(y):
        y = y.toarray()
    y = np.asarray(y)
    if y.shape[0] != n:
        raise ValueError(f"{name}: y has {y.shape[0]} rows but X has {n}.")
    if y.ndim == 1:
        if y.dtype.kind == "f" and np.isnan(y).any():
            raise ValueError(f"{name}: y has a missing (NaN) label at row "
                             f"{int(np.flatnonzero(np.isnan(y))[0])}.")
        if y.dtype.kind == "O" and any(v is None for v in y):
            raise ValueError(f"{name}: y has a missing (None) label at row "
                             f"{[i for i, v in enumerate(y) if v is None][0]}.")
        _, codes = np.unique(y, return_inverse=True)
        L = np.zeros((n, codes.max() + 1))
        L[np.arange(n), codes] = 1.0
    elif y.ndim == 2:
        if y.dtype.kind not in "biuf" or not np.isin(y, (0, 1)).all():
            raise ValueError(f"{name}: a 2-D y must be a 0/1 label-indicator matrix.")
        L = y.astype(np.float64)
        empty = np.flatnonzero(L.sum(axis=1) == 0)
        if empty.size:
            raise ValueError(f"{name}: row {int(empty[0])} of y has no label "
                             f"({empty.size} such rows); every training row needs one.")
    else:
        raise ValueError(f"{name}: y must be 1-D labels or a 2-D indicator matrix, got "
                         f"shape {y.shape}.")
    return L / np.linalg.norm(L, axis=1, keepdims=True)


class SemanticCorrelationHashing(_BaseHasher):
    """Supervised cross-modal hashing by semantic correlation maximisation (SCM-Seq).

    Parameters
    ----------
    n_bits : int, default=16
        Code length, a multiple of 8.
    views : None, sequence of int, sequence of column selections, or dict, default=None
        Which columns of ``X`` form each view (two views).
    reg : float, default=1e-3
        Ridge added to each view's covariance, relative to its mean variance
        (``C + reg * trace(C) / d * I``), so it is scale-free.

    Attributes
    ----------
    projections_ : list of ndarray of shape (n_features_of_view, n_bits)
    means_ : list of ndarray
        Per-view training means.
    bit_correlations_ : ndarray of shape (n_bits,)
        The objective value of each bit when it was learnt (decreasing as the
        residual shrinks).
    views_ : list of (str, slice or ndarray)

    References
    ----------
    D. Zhang and W.-J. Li. Large-scale supervised multimodal hashing with
    semantic correlation maximization. AAAI 2014. (The residual update here
    uses the bits themselves where the paper smooths the sign.)

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.hashing import SemanticCorrelationHashing
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1, 2, 3], 25)
    >>> X = np.hstack([np.eye(4)[y] + 0.3 * rng.standard_normal((100, 4)),
    ...                np.eye(4)[y] @ rng.standard_normal((4, 6))
    ...                + 0.3 * rng.standard_normal((100, 6))])
    >>> h = SemanticCorrelationHashing(n_bits=8, views=[4, 6]).fit(X, y)
    >>> h.transform(X).shape
    (100, 2)
    """

    _parameter_constraints: dict = {
        **_BaseHasher._parameter_constraints,
        "reg": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, n_bits=16, *, views=None, reg=1e-3):
        self.n_bits = n_bits
        self.views = views
        self.reg = reg

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the hash functions of both views from labelled pairs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Both views side by side.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 label-indicator matrix (multi-label).

        Returns
        -------
        self : object
        """
        X = self._start_fit(X)
        if self.n_views_ != 2:
            raise ValueError(f"SemanticCorrelationHashing takes exactly two views, got "
                             f"{self.n_views_} ({self.view_names_}).")
        n = X.shape[0]
        Lt = _label_matrix(y, n, type(self).__name__)
        blocks = [b.toarray() if sp.issparse(b) else np.asarray(b)
                  for b in self._view_blocks(X)]
        self.means_ = [b.mean(axis=0) for b in blocks]
        Xs = [b - m for b, m in zip(blocks, self.means_)]
        # Whitening factors of the regularised covariances: w = L^-T u.
        chol = []
        for B in Xs:
            C = B.T @ B / n
            d = C.shape[0]
            C[np.diag_indices(d)] += self.reg * max(np.trace(C) / d, 1e-12) + 1e-12
            chol.append(np.linalg.cholesky(C))
        XL, YL = Xs[0].T @ Lt, Xs[1].T @ Lt
        # Residual cross-moment X^T R_t Y / n, starting from the code length times S.
        M = self.n_bits * 2.0 * (XL @ YL.T) / n
        W = [np.zeros((B.shape[1], self.n_bits)) for B in Xs]
        corr = np.zeros(self.n_bits)
        for t in range(self.n_bits):
            A = sla.solve_triangular(chol[0], sla.solve_triangular(chol[1], M.T, lower=True).T,
                                     lower=True)
            U, s, Vt = np.linalg.svd(A, full_matrices=False)
            wx = sla.solve_triangular(chol[0].T, U[:, 0], lower=False)
            wy = sla.solve_triangular(chol[1].T, Vt[0], lower=False)
            bx = np.where(Xs[0] @ wx >= 0, 1.0, -1.0)
            by = np.where(Xs[1] @ wy >= 0, 1.0, -1.0)
            W[0][:, t], W[1][:, t], corr[t] = wx, wy, s[0]
            M -= np.outer(Xs[0].T @ bx, Xs[1].T @ by) / n
        self.projections_ = W
        self.bit_correlations_ = corr
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = True
        return tags
