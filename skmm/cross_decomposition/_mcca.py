"""Multi-set CCA for any number of views (SUMCOR generalized eigenproblem).

Kettenring's SUMCOR criterion: maximise the sum over all pairs of views of
the covariances of the projections, under a unit (regularised) variance
constraint on the sum of the per-view variances. It is the generalized
eigenproblem ``A w = lambda B w`` with ``A`` the block covariance of all the
views (the diagonal blocks regularised) and ``B`` its block diagonal. Whitening
each view with the Cholesky factor of its block turns it into an ordinary
symmetric eigenproblem whose diagonal blocks are identities and whose
off-diagonal blocks are the whitened cross-covariances. With two views the
eigenvalues are ``1 + rho_j`` and the solution is exactly CCA's.
"""

import numpy as np

from ..utils._array_api import to_numpy
from ._cca import _BaseCCA
from ._cca_core import mcca_directions, training_correlations, view_regs

__all__ = ["MCCA"]


class MCCA(_BaseCCA):
    """Multi-set canonical correlation analysis (SUMCOR), regularised, closed form.

    Generalises :class:`CCA` to two or more views: one direction per view and
    component, maximising the sum of pairwise covariances of the whitened
    projections (Kettenring 1971, SUMCOR; solved as a generalized symmetric
    eigenproblem, not iteratively). With two views it returns CCA's solution.

    Parameters
    ----------
    n_components : int, default=1
        Number of components; at most the smallest view width.
    views : None, sequence of int, sequence of column selections, or dict, default=None
        Which columns of ``X`` form each view (two or more). ``None`` splits
        the columns into two halves.
    reg : float in [0, 1], "ledoit-wolf" or sequence of floats, default=1e-3
        Per-view shrinkage ``(1 - reg) C + reg trace(C)/d I`` (see :class:`CCA`).
    combine : {"concat", "mean"}, default="concat"
        How ``transform`` combines the per-view projections.
    device : None, "cpu", "gpu", "auto" or a device object, default=None
        Where to compute (see :mod:`skmm.base`): ``None`` where the input
        lives (NumPy on the CPU, CuPy on its GPU), ``"cpu"``, ``"gpu"`` (CuPy;
        an ImportError naming the extra to install when it is missing) or
        ``"auto"`` (the GPU when CuPy finds one, else the CPU). The input is
        moved once; outputs stay on that device; fitted attributes are NumPy.
    Attributes
    ----------
    weights_ : list of ndarray of shape (n_features_of_view, n_components)
        Directions per view, scaled to unit (regularised) training variance.
    means_ : list of ndarray of shape (n_features_of_view,)
        Training means of each view.
    eigenvalues_ : ndarray of shape (n_components,)
        Top eigenvalues ``lambda`` of the whitened block covariance.
    canonical_correlations_ : ndarray of shape (n_components,)
        Mean over view pairs of the correlation of the paired training
        projections; with two views exactly CCA's ``canonical_correlations_``.
    reg_ : ndarray of shape (`n_views_`,)
        The shrinkage used per view.
    views_ : list of (str, slice or ndarray)
        The resolved views.
    n_views_ : int
        Number of views.
    n_features_in_ : int
        Number of columns of ``X`` seen in ``fit``.

    See Also
    --------
    CCA : two views.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.cross_decomposition import MCCA
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(500, 1))
    >>> X = np.hstack([z + rng.normal(size=(500, 3)) for _ in range(3)])
    >>> mcca = MCCA(n_components=1, views=[3, 3, 3]).fit(X)
    >>> mcca.transform(X).shape
    (500, 3)
    >>> round(mcca.score(X), 2)
    0.76
    """

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
        self.weights_, self.eigenvalues_ = mcca_directions(moments, self.views_, regs,
                                                           self.n_components)
        self.canonical_correlations_ = training_correlations(moments, self.views_, self.weights_)
        self.means_ = [to_numpy(moments.mean)[cols] for _, cols in self.views_]
        self.reg_ = np.asarray(regs)
