"""CCA-ITQ: canonical correlation analysis, then an iterative-quantisation rotation.

Gong & Lazebnik (CVPR 2011; Gong et al., TPAMI 2013): both views are projected
by CCA, each canonical direction scaled by its correlation to the power
``p``, and one orthogonal rotation, learnt by ITQ on the projections of both
views, makes the signs lose as little as possible.
"""

import warnings
from numbers import Integral, Real

import numpy as np

from ..cross_decomposition import CCA
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ._base import _BaseHasher, itq_rotation

__all__ = ["CCAITQ"]


class CCAITQ(_BaseHasher):
    """Cross-modal hashing by CCA and iterative quantisation (CCA-ITQ).

    Parameters
    ----------
    n_bits : int, default=16
        Code length, a multiple of 8. When it exceeds the number of
        canonical directions (the smallest view width), the projections are
        padded with zero columns before the rotation: the extra bits are
        further hyperplanes through the canonical subspace, chosen by ITQ.
    views : None, sequence of int, sequence of column selections, or dict, default=None
        Which columns of ``X`` form each view (two views).
    reg : float in [0, 1] or "ledoit-wolf", default=1e-3
        CCA shrinkage (see :class:`~skmm.cross_decomposition.CCA`).
    power : float, default=4.0
        Each canonical direction is scaled by its correlation to this power
        (Gong et al. use 4), so weakly correlated directions weigh less in
        the rotation.
    n_iter : int, default=50
        ITQ iterations.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial rotation.

    Attributes
    ----------
    cca_ : CCA
        The fitted CCA.
    projections_ : list of ndarray of shape (n_features_of_view, n_bits)
        Per view: CCA weights, scaled, padded and rotated.
    means_ : list of ndarray
        Per-view training means.
    rotation_ : ndarray of shape (n_bits, n_bits)
    quantization_loss_ : float
    views_ : list of (str, slice or ndarray)

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.hashing import CCAITQ
    >>> rng = np.random.default_rng(0)
    >>> Z = rng.standard_normal((200, 8))
    >>> X = np.hstack([Z + 0.1 * rng.standard_normal((200, 8)),
    ...                Z @ rng.standard_normal((8, 10))])
    >>> h = CCAITQ(n_bits=8, views=[8, 10], random_state=0).fit(X)
    >>> codes = h.transform_view(X[:, 8:], 1)
    >>> codes.shape, codes.dtype
    ((200, 1), dtype('uint8'))
    """

    _parameter_constraints: dict = {
        **_BaseHasher._parameter_constraints,
        "reg": [Interval(Real, 0, 1, closed="both"), StrOptions({"ledoit-wolf"})],
        "power": [Interval(Real, 0, None, closed="left")],
        "n_iter": [Interval(Integral, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, n_bits=16, *, views=None, reg=1e-3, power=4.0, n_iter=50,
                 random_state=None):
        self.n_bits = n_bits
        self.views = views
        self.reg = reg
        self.power = power
        self.n_iter = n_iter
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit CCA on the two views, then the ITQ rotation on both projections.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Both views side by side.
        y : None
            Ignored (unsupervised).

        Returns
        -------
        self : object
        """
        X = self._start_fit(X)
        if self.n_views_ != 2:
            raise ValueError(f"CCAITQ takes exactly two views, got {self.n_views_} "
                             f"({self.view_names_}).")
        r = min(self.n_bits, *self._view_widths())
        with warnings.catch_warnings():
            # Components beyond a view's rank have zero correlation, hence zero
            # weight after the scaling below: harmless here, unlike in plain CCA.
            warnings.filterwarnings("ignore", message=".*exceeds the rank", category=UserWarning)
            self.cca_ = CCA(n_components=r, views=self.views_, reg=self.reg).fit(X)
        scale = np.asarray(self.cca_.canonical_correlations_) ** self.power
        pad = self.n_bits - r
        W = [np.hstack([np.asarray(w) * scale, np.zeros((w.shape[0], pad))])
             for w in self.cca_.weights_]
        self.means_ = [np.asarray(m).ravel() for m in self.cca_.means_]
        V = np.vstack([np.asarray(Xv @ w) - m @ w
                       for Xv, w, m in zip(self._view_blocks(X), W, self.means_)])
        self.rotation_, self.quantization_loss_ = itq_rotation(
            V, n_iter=self.n_iter, random_state=self.random_state)
        self.projections_ = [w @ self.rotation_ for w in W]
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
