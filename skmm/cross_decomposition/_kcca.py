"""Kernel CCA: exact (small n) or through an explicit kernel approximation.

Regularised kernel CCA (Hardoon, Szedmak and Shawe-Taylor 2004) maximises
``a^T K1 K2 b / sqrt(a^T (K1^2 + k1 K1) a  b^T (K2^2 + k2 K2) b)`` over dual
weights. With ``K_i = F_i F_i^T`` (``F_i`` the centred kernel PCA features,
all non-null ones), and ``w_i = F_i^T a_i``, this is exactly linear CCA on
``F_i`` with a ridge on their covariance. So the exact solver is: kernel
PCA features per view (an ``n x n`` eigendecomposition, hence small ``n``),
then the linear CCA solver of ``_cca_core``. The approximate solvers swap the features for Nystroem
or random Fourier features (``O(n m^2)``), then the same linear solver.
"""

from numbers import Integral, Real

import numpy as np
from scipy.linalg import svd
from sklearn.utils import check_random_state

from ..base import MultiViewEmbedderMixin
from ..utils._array_api import (
    device,
    get_namespace,
    small_solve_context,
    to_device,
    to_numpy,
)
from ..utils._kernel_spec import (
    _ViewKernelComposition,
    fit_view_kernel,
    resolve_gamma,
    resolve_view_kernels,
    view_kernel,
)
from ..utils._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
)
from ._cca_core import (
    cca_directions,
    check_n_components,
    paired_correlation_score,
    project,
    training_correlations,
    view_regs,
)
from ._moments import Moments

__all__ = ["KernelCCA"]


# Kernels KernelCCA computes itself (a precomputed Gram matrix has no
# out-of-sample rows to map).
_KCCA_KERNELS = ("linear", "rbf", "poly", "chi2", "additive_chi2", "intersection")


class _KernelPCAMap:
    """Centred kernel PCA features keeping every non-null eigenvalue.

    Computes in the namespace of its input (on its device); the fitted
    state is NumPy. Centring is :class:`sklearn.preprocessing.KernelCenterer`'s.
    """

    def __init__(self, spec, view):
        self.spec = spec
        self.view = view

    def fit_transform(self, X):
        xp = get_namespace(X)
        K, self.params_ = fit_view_kernel(xp, X, self.spec, self.view)
        col_means = xp.mean(K, axis=0)
        self.K_fit_rows_ = to_numpy(col_means)
        self.K_fit_all_ = float(xp.mean(col_means))
        Kc = self._center(xp, K, col_means)
        evals, evecs = xp.linalg.eigh((Kc + Kc.T) / 2)
        evals, evecs = to_numpy(evals), to_numpy(evecs)
        # relative threshold: "zero" eigenvalues of a rank-r Gram matrix are
        # rounding noise, keeping them would add n - r meaningless features
        keep = evals > max(evals[-1], 0) * X.shape[0] * np.finfo(np.float64).eps * 10
        evals, evecs = evals[keep][::-1], evecs[:, keep][:, ::-1]
        self.X_fit_ = to_numpy(X)
        self.alphas_ = evecs / np.sqrt(evals)
        return to_device(evecs * np.sqrt(evals), _where(X))

    def _center(self, xp, K, row_means):
        dev = device(K)
        fit_rows = xp.asarray(self.K_fit_rows_, device=dev)
        return K - fit_rows - row_means[:, None] + self.K_fit_all_

    def transform(self, X):
        xp, dev = _where(X)
        K = view_kernel(xp, X, to_device(self.X_fit_, (xp, dev)), self.params_, self.view)
        return self._center(xp, K, xp.mean(K, axis=1)) @ xp.asarray(self.alphas_, device=dev)


class _NystroemMap:
    """Nystroem features (Williams & Seeger 2001) for any kernel of the shared spec.

    ``K(X, basis) @ K_bb^{-1/2}`` over ``n_components`` random training rows,
    the basis drawn as :class:`sklearn.kernel_approximation.Nystroem` draws it
    (same seed, same rows, same features for its kernels). Kernels run in the
    input's namespace; the small ``K_bb`` SVD and the fitted state are NumPy.
    """

    def __init__(self, spec, view, n_components, seed):
        self.spec = spec
        self.view = view
        self.n_components = n_components
        self.seed = seed

    def fit_transform(self, X):
        xp, dev = _where(X)
        rows = check_random_state(self.seed).permutation(X.shape[0])[:self.n_components]
        basis = xp.take(X, xp.asarray(rows, device=dev), axis=0)
        K_bb, self.params_ = fit_view_kernel(xp, basis, self.spec, self.view)
        U, S, Vt = svd(to_numpy(K_bb))
        self.basis_ = to_numpy(basis)
        # a floor on the spectrum keeps rank-deficient bases finite
        self.normalization_ = (U / np.sqrt(np.maximum(S, 1e-12))) @ Vt
        return self.transform(X)

    def transform(self, X):
        xp, dev = _where(X)
        K = view_kernel(xp, X, xp.asarray(self.basis_, device=dev), self.params_, self.view)
        return K @ xp.asarray(self.normalization_.T, device=dev)


class _RFFMap:
    """Random Fourier features of the rbf kernel, drawn exactly as
    :class:`sklearn.kernel_approximation.RBFSampler` draws them (same seed,
    same features), computed in the input's namespace."""

    def __init__(self, gamma, n_components, seed):
        self.gamma = gamma
        self.n_components = n_components
        self.seed = seed

    def fit_transform(self, X):
        rng = check_random_state(self.seed)
        self.random_weights_ = (2.0 * self.gamma) ** 0.5 * rng.normal(
            size=(X.shape[1], self.n_components))
        self.random_offset_ = rng.uniform(0, 2 * np.pi, size=self.n_components)
        return self.transform(X)

    def transform(self, X):
        xp, dev = _where(X)
        proj = (X @ xp.asarray(self.random_weights_, device=dev)
                + xp.asarray(self.random_offset_, device=dev))
        return xp.cos(proj) * (2.0 / self.n_components) ** 0.5


def _where(X):
    """``(namespace, device)`` of ``X``, the ``target`` form of ``to_device``."""
    return get_namespace(X), device(X)


class KernelCCA(MultiViewEmbedderMixin, _ViewKernelComposition):
    """Regularised kernel CCA of two views, exact or approximate.

    Parameters
    ----------
    n_components : int, default=1
        Number of canonical pairs.
    views : None, sequence of int, sequence of column selections, or dict, default=None
        Which columns of ``X`` form each view (exactly two). ``None`` splits
        the columns into two halves.
    kernel : str, ViewKernel or list of (str, str or ViewKernel), default="rbf"
        Kernel per view, as in :class:`skmm.svm.MultiKernelSVC`: one name
        (``"rbf"``, ``"poly"``, ``"linear"``, ``"chi2"``, ``"additive_chi2"``,
        ``"intersection"``) or :class:`~skmm.svm.ViewKernel` for both views,
        or one ``(view_name, kernel)`` pair per view, e.g.
        ``[("image", ViewKernel("chi2", gamma=0.5)), ("text", "linear")]``;
        ``GridSearchCV`` then reaches ``image__gamma``.
    gamma : float, {"scale", "auto"} or None, default=None
        Kernel coefficient of "rbf", "poly" and "chi2" for views whose kernel
        does not set its own; ``None`` means ``1 / n_features_of_view`` (rbf,
        poly) and 1 (chi2). See :class:`~skmm.svm.ViewKernel` for "scale"
        (with "nystroem", the chi2 scale is taken on the basis rows).
    degree : int, default=3
        Degree of "poly" kernels that do not set their own.
    coef0 : float, default=1.0
        Constant of "poly" kernels that do not set their own.
    reg : float in [0, 1] or sequence of two floats, default=0.1
        Shrinkage of each view's feature covariance, as in :class:`CCA`
        (equivalent to Hardoon's ``K^2 + kappa K`` regularisation). Plain kernel
        CCA (``reg=0``) overfits to correlation 1 whenever the kernel is rich.
    approximation : {"exact", "nystroem", "rff"}, default="exact"
        "exact" uses all kernel PCA features (``O(n^3)``: small ``n`` only);
        "nystroem" uses Nystroem features (as
        :class:`~sklearn.kernel_approximation.Nystroem`, for every kernel) and
        "rff" random Fourier features
        (:class:`~sklearn.kernel_approximation.RBFSampler`, rbf kernel only).
    n_approx_components : int, default=100
        Number of features per view of the approximations.
    combine : {"concat", "mean"}, default="concat"
        How ``transform`` combines the two projections.
    random_state : int, RandomState instance or None, default=None
        Seed of the approximations.
    device : None, "cpu", "gpu", "auto" or a device object, default=None
        Where to compute, as for :class:`CCA`: ``None`` where the input lives
        (NumPy on the CPU, CuPy on its GPU), ``"cpu"``, ``"gpu"`` (CuPy; an
        ImportError naming the extra to install when it is missing) or
        ``"auto"`` (the GPU when CuPy finds one, else the CPU). Kernel
        matrices, kernel PCA eigendecomposition, Nystroem and random Fourier
        features and the CCA moments are computed there; the input is moved
        once, outputs stay on that device, fitted attributes are NumPy.

    Notes
    -----
    Kernel matrices and features are computed in float64 whatever the input
    dtype (a float32 Gram matrix loses small eigenvalues, hence kernel
    features); the output is cast back to the input dtype.

    Attributes
    ----------
    feature_maps_ : list
        The fitted per-view feature map (kernel PCA, Nystroem or random Fourier
        features drawn as :class:`~sklearn.kernel_approximation.RBFSampler` does).
    kernel_params_ : list of dict
        Per view, the kernel and its resolved parameters (numeric ``gamma``).
    weights_ : list of ndarray of shape (n_kernel_features_of_view, n_components)
        Canonical directions in each view's kernel feature space.
    means_ : list of ndarray of shape (n_kernel_features_of_view,)
        Training means of each view's kernel features.
    reg_ : ndarray of shape (2,)
        The shrinkage used per view.
    canonical_correlations_ : ndarray of shape (n_components,)
        Correlations of the paired training projections.
    views_ : list of (str, slice or ndarray)
        The resolved views.
    n_views_ : int
        Number of views (2).
    n_features_in_ : int
        Number of columns of ``X`` seen in ``fit``.

    See Also
    --------
    CCA : the linear solver used on the kernel features.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.cross_decomposition import KernelCCA
    >>> rng = np.random.default_rng(0)
    >>> t = rng.uniform(-1, 1, size=(200, 1))
    >>> X = np.hstack([t, t**2 + 0.05 * rng.normal(size=(200, 1))])
    >>> kcca = KernelCCA(n_components=1, views=[1, 1], gamma=2.0).fit(X)
    >>> bool(kcca.canonical_correlations_[0] > 0.9)
    True
    >>> kcca.transform(X[:3]).shape
    (3, 2)
    """

    _parameter_constraints: dict = {
        **MultiViewEmbedderMixin._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "kernel": [StrOptions(set(_KCCA_KERNELS)), HasMethods(["get_params", "set_params"]),
                   list, tuple],
        "gamma": [Interval(Real, 0, None, closed="neither"), StrOptions({"scale", "auto"}),
                  None],
        "degree": [Interval(Integral, 1, None, closed="left")],
        "coef0": [Real],
        "reg": [Interval(Real, 0, 1, closed="both"), "array-like"],
        "approximation": [StrOptions({"exact", "nystroem", "rff"})],
        "n_approx_components": [Interval(Integral, 1, None, closed="left")],
        "combine": [StrOptions({"concat", "mean"})],
        "random_state": ["random_state"],
        "device": "no_validation",  # resolved (and checked) by skmm.utils.resolve_device
    }
    array_api_support = True

    def __init__(self, n_components=1, *, views=None, kernel="rbf", gamma=None, degree=3,
                 coef0=1.0, reg=0.1, approximation="exact", n_approx_components=100,
                 combine="concat", random_state=None, device=None):
        self.n_components = n_components
        self.views = views
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.reg = reg
        self.approximation = approximation
        self.n_approx_components = n_approx_components
        self.combine = combine
        self.random_state = random_state
        self.device = device

    def _make_map(self, spec, view, Xv, seed):
        # gamma="scale" reads the values of the view (on the host).
        Xg = to_numpy(Xv) if spec["gamma"] == "scale" else Xv
        if self.approximation == "exact":
            return _KernelPCAMap(resolve_gamma(spec, Xg), view)
        if self.approximation == "nystroem":
            return _NystroemMap(resolve_gamma(spec, Xg), view,
                                min(self.n_approx_components, Xv.shape[0]), seed)
        if spec["kernel"] != "rbf":
            raise ValueError(
                f"approximation='rff' needs kernel='rbf', got kernel={spec['kernel']!r} for "
                f"view {view!r}; use approximation='nystroem' for other kernels."
            )
        gamma = resolve_gamma(spec, Xg)["gamma"]
        return _RFFMap(gamma, self.n_approx_components, seed)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the feature maps and the canonical directions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Both views side by side.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._check_no_second_array(y)
        X = self._validate_multiview(X, reset=True, ensure_min_samples=2)
        if self.n_views_ != 2:
            raise ValueError(f"KernelCCA takes exactly two views, got {self.n_views_}.")
        specs = resolve_view_kernels(self.kernel, self.view_names_, gamma=self.gamma,
                                     degree=self.degree, coef0=self.coef0,
                                     owner="KernelCCA", allowed=_KCCA_KERNELS)
        rng = check_random_state(self.random_state)
        self.feature_maps_, self.kernel_params_, feats = [], [], []
        xp = get_namespace(X)
        for view, spec, Xv in zip(self.view_names_, specs, self._view_blocks(X)):
            Xv = xp.astype(Xv, xp.float64)
            fmap = self._make_map(spec, view, Xv, rng.randint(2**31))
            feats.append(fmap.fit_transform(Xv))
            self.feature_maps_.append(fmap)
            self.kernel_params_.append(fmap.params_ if hasattr(fmap, "params_")
                                       else {"kernel": "rbf", "gamma": fmap.gamma})
        widths = [F.shape[1] for F in feats]
        names = self.view_names_
        for name, w in zip(names, widths):
            if self.n_components > w:
                raise ValueError(
                    f"n_components={self.n_components} exceeds the {w} kernel feature(s) of "
                    f"view {name!r} (the rank of its centred kernel matrix, or "
                    "n_approx_components)."
                )
        check_n_components(self.n_components, widths, names)
        F = xp.concat(feats, axis=1)
        feature_views = [(name, slice(a, a + w))
                         for name, a, w in zip(names, np.cumsum([0] + widths[:-1]), widths)]
        moments = Moments.from_array(F)
        regs = view_regs(self.reg, moments, feature_views)
        with small_solve_context(xp):
            self.weights_ = cca_directions(moments, feature_views, regs, self.n_components)
        self.means_ = [to_numpy(moments.mean)[cols] for _, cols in feature_views]
        self.reg_ = np.asarray(regs)
        self.canonical_correlations_ = training_correlations(moments, feature_views,
                                                             self.weights_)
        return self

    def _transform_one(self, X_view, i):
        xp = get_namespace(X_view)
        F = self.feature_maps_[i].transform(xp.astype(X_view, xp.float64))
        return xp.astype(project(F, self.weights_[i], self.means_[i]), X_view.dtype,
                         copy=False)

    def score(self, X, y=None):
        """Sum over components of the held-out canonical correlations.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Held-out rows, both views side by side.
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
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
