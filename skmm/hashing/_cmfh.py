"""Collective matrix factorisation hashing (Ding, Guo & Zhou, CVPR 2014).

Both views of a pair share one latent code ``V``: each view is factorised as
``X_v ~ V U_v^T`` (collective matrix factorisation), and a linear hash function
per view ``V ~ X_v P_v`` carries new items into it::

    min  sum_v lambda_v ||X_v - V U_v^T||^2 + mu sum_v ||V - X_v P_v||^2
         + gamma (sum_v ||U_v||^2 + ||P_v||^2 + ||V||^2)

Every block has a closed-form update (a ridge regression), alternated until
the objective settles. Codes are the signs of ``X_v P_v`` (views centred, so
the threshold is the training mean). Each view is centred and divided by its
root-mean-square row norm first, so ``mu`` and ``gamma`` do not depend on the
units of the features.
"""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from ..utils._sklearn_compat import Interval, _fit_context
from ._base import _BaseHasher

__all__ = ["CMFH"]


class CMFH(_BaseHasher):
    """Cross-modal hashing by collective matrix factorisation (CMFH), unsupervised.

    Parameters
    ----------
    n_bits : int, default=16
        Code length (the latent dimension), a multiple of 8.
    views : None, sequence of int, sequence of column selections, or dict, default=None
        Which columns of ``X`` form each view (two or more).
    view_weights : array-like of shape (n_views,) or None, default=None
        ``lambda_v`` of each view's factorisation; None: equal weights summing
        to 1 (the paper's ``lambda = 0.5`` for two views).
    mu : float, default=100.0
        Weight of the hash-function fit ``||V - X_v P_v||^2`` (the paper's
        value).
    gamma : float, default=0.01
        Ridge on all blocks (the paper's value).
    max_iter : int, default=100
    tol : float, default=1e-4
        Stop when an iteration lowers the objective by less than ``tol`` times
        the objective after the first iteration.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial latent codes.
    verbose : int, default=0
        Print the objective at each iteration.

    Attributes
    ----------
    projections_ : list of ndarray of shape (n_features_of_view, n_bits)
        ``P_v / scale_v``: the hash function of each view on raw features.
    means_ : list of ndarray
        Per-view training means.
    scales_ : ndarray of shape (n_views,)
        Root-mean-square norm of each centred view.
    n_iter_ : int
    objective_ : float
    views_ : list of (str, slice or ndarray)

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.hashing import CMFH
    >>> rng = np.random.default_rng(0)
    >>> Z = rng.standard_normal((100, 4))
    >>> X = np.hstack([Z @ rng.standard_normal((4, 6)), Z @ rng.standard_normal((4, 5))])
    >>> h = CMFH(n_bits=8, views=[6, 5], random_state=0).fit(X)
    >>> h.transform_view(X[:, 6:], 1).shape
    (100, 1)
    """

    _parameter_constraints: dict = {
        **_BaseHasher._parameter_constraints,
        "view_weights": ["array-like", None],
        "mu": [Interval(Real, 0, None, closed="neither")],
        "gamma": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, n_bits=16, *, views=None, view_weights=None, mu=100.0, gamma=0.01,
                 max_iter=100, tol=1e-4, random_state=None, verbose=0):
        self.n_bits = n_bits
        self.views = views
        self.view_weights = view_weights
        self.mu = mu
        self.gamma = gamma
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    def _weights(self):
        if self.view_weights is None:
            return np.full(self.n_views_, 1.0 / self.n_views_)
        lam = np.asarray(self.view_weights, dtype=np.float64)
        if lam.shape != (self.n_views_,) or (lam <= 0).any():
            raise ValueError(f"CMFH: view_weights must hold {self.n_views_} positive "
                             f"numbers (one per view {self.view_names_}), got "
                             f"{self.view_weights!r}.")
        return lam

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the unified latent codes and one hash function per view.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All views side by side.
        y : None
            Ignored (unsupervised).

        Returns
        -------
        self : object
        """
        X = self._start_fit(X)
        lam = self._weights()
        mu, gamma, k = float(self.mu), float(self.gamma), self.n_bits
        Xs, self.means_, scales = [], [], []
        for B in self._view_blocks(X):
            B = B.toarray() if sp.issparse(B) else np.asarray(B, dtype=np.float64)
            m = B.mean(axis=0)
            B = B - m
            s = np.sqrt((B * B).sum() / B.shape[0])
            s = s if s > 0 else 1.0
            Xs.append(B / s)
            self.means_.append(m)
            scales.append(s)
        self.scales_ = np.asarray(scales)
        # P_v = G_v V with G_v = (X_v^T X_v + gamma/mu I)^-1 X_v^T, fixed.
        G = [np.linalg.solve(B.T @ B + (gamma / mu) * np.eye(B.shape[1]), B.T) for B in Xs]
        rng = check_random_state(self.random_state)
        V = rng.standard_normal((X.shape[0], k)) / np.sqrt(k)
        eye = np.eye(k)
        prev = np.inf
        for it in range(1, self.max_iter + 1):
            VtV = V.T @ V
            U = [np.linalg.solve(VtV + (gamma / l) * eye, V.T @ B).T for B, l in zip(Xs, lam)]
            P = [g @ V for g in G]
            lhs = sum(l * u.T @ u for l, u in zip(lam, U)) + (len(Xs) * mu + gamma) * eye
            rhs = sum(l * B @ u for l, B, u in zip(lam, Xs, U)) \
                + mu * sum(B @ p for B, p in zip(Xs, P))
            V = np.linalg.solve(lhs, rhs.T).T
            obj = (sum(l * ((B - V @ u.T) ** 2).sum() for l, B, u in zip(lam, Xs, U))
                   + mu * sum(((V - B @ p) ** 2).sum() for B, p in zip(Xs, P))
                   + gamma * (sum((u ** 2).sum() + (p ** 2).sum() for u, p in zip(U, P))
                              + (V ** 2).sum()))
            if self.verbose:
                print(f"[CMFH] iteration {it}: objective {obj:.6g}")
            if it == 1:
                first = obj
            # Decrease measured against the first objective: near a low-rank fit
            # the objective itself approaches 0 and a relative rule never stops.
            elif prev - obj <= self.tol * first:
                break
            prev = obj
        else:
            warnings.warn(f"CMFH did not converge in {self.max_iter} iterations (objective "
                          f"decrease above tol={self.tol} of the first); raise max_iter.",
                          ConvergenceWarning, stacklevel=2)
        P = [g @ V for g in G]
        self.projections_ = [p / s for p, s in zip(P, self.scales_)]
        self.n_iter_, self.objective_ = it, float(obj)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
