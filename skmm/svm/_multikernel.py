"""Support vector classification with one kernel per view.

Each view gets its own kernel (see :mod:`skmm.utils._kernel_spec`), each
kernel is scaled to a unit mean diagonal, and the weighted sum
``K = sum_v w_v K_v`` is handed to scikit-learn's ``SVC(kernel="precomputed")``.
The weights are given, uniform, or learned by centred kernel alignment
(``alignf`` of Cortes, Mohri & Rostamizadeh, JMLR 2012: the non-negative
combination of centred kernels closest to the centred target kernel).
"""

import time
import warnings
from numbers import Integral, Real

import numpy as np
from scipy.linalg import cholesky, solve_triangular
from scipy.optimize import nnls
from scipy.sparse.linalg import eigsh
from sklearn.base import ClassifierMixin
from sklearn.svm import SVC
from sklearn.utils import assert_all_finite
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, column_or_1d

from ..base import MultiViewMixin
from ..utils._array_api import get_namespace
from ..utils._kernel_spec import (
    VIEW_KERNELS,
    ViewKernel,
    _ViewKernelComposition,
    fit_view_kernel,
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

__all__ = ["MultiKernelSVC", "ViewKernel"]


def _centre(K):
    """``H K H`` with ``H = I - 11^T / n``."""
    row = K.mean(axis=1, keepdims=True)
    return K - row - row.T + row.mean()


def alignment_weights(grams, y):
    """Centred-alignment kernel weights (alignf), their per-view alignments.

    Minimises ``||sum_v c_v Kc_v - Kc_y||_F`` over ``c >= 0`` (``Kc`` centred
    kernels, ``K_y[i, j] = [y_i == y_j]``), which is the alignf quadratic
    program of Cortes et al. (2012) up to the norm of ``c``.

    Returns
    -------
    weights : ndarray of shape (n_views,)
        Non-negative, not normalised (all zero when no kernel aligns with y).
    alignments : ndarray of shape (n_views,)
        Centred alignment ``<Kc_v, Kc_y> / (||Kc_v|| ||Kc_y||)`` of each view alone.
    """
    _, codes = np.unique(y, return_inverse=True)
    Y = np.eye(codes.max() + 1)[codes]
    Yc = Y - Y.mean(axis=0)
    # <Kc, Y Y^T> = trace(Yc^T Kc Yc) and ||Kc_y||_F = ||Yc^T Yc||_F: no n x n target.
    target_norm = np.linalg.norm(Yc.T @ Yc)
    centred = [_centre(K) for K in grams]
    a = np.array([np.sum(Yc * (Kc @ Yc)) for Kc in centred])
    M = np.array([[np.sum(Ki * Kj) for Kj in centred] for Ki in centred])
    norms = np.sqrt(np.maximum(np.diag(M), 0))
    alignments = np.divide(a, norms * target_norm, out=np.zeros_like(a),
                           where=norms * target_norm > 0)
    # min c^T M c - 2 c^T a over c >= 0, as NNLS on the Cholesky factor of M
    # (a tiny ridge keeps it defined when two views give the same kernel).
    if not np.trace(M) > 0:  # every centred kernel is zero (constant kernels)
        return np.zeros(len(grams)), alignments
    L = cholesky(M + 1e-10 * np.trace(M) * np.eye(len(M)) / len(M), lower=True)
    weights, _ = nnls(L.T, solve_triangular(L, a, lower=True))
    return weights, alignments


def _project_simplex(v):
    """Euclidean projection of ``v`` onto ``{x >= 0, sum(x) = 1}`` (sort-based)."""
    u = np.sort(v)[::-1]
    excess = np.cumsum(u) - 1.0
    k = np.arange(1, v.size + 1)
    rho = np.flatnonzero(u - excess / k > 0)[-1]
    return np.maximum(v - excess[rho] / (rho + 1), 0.0)


def _easymkl_margin(K, s, lam, max_iter, tol, top_eig=None):
    """EasyMKL's distribution ``gamma`` for labels ``s`` in {-1, +1}.

    Minimises ``(1 - lam) g^T Y K Y g + lam ||g||^2`` over ``g >= 0`` summing
    to 1 on each class (the min-distance between the convex hulls), by
    accelerated projected gradient (FISTA). ``top_eig`` is the largest
    eigenvalue of ``K`` (also that of ``Y K Y``, a sign-flip similarity), for
    the step size; computed when not given.
    """
    Q = (1.0 - lam) * (s[:, None] * K * s[None, :])
    Q[np.diag_indices_from(Q)] += lam
    if top_eig is None:
        top_eig = float(np.linalg.eigvalsh(K)[-1])
    L = 2.0 * ((1.0 - lam) * top_eig + lam)
    pos = s > 0
    g = np.where(pos, 1.0 / pos.sum(), 1.0 / (~pos).sum())
    z, t = g.copy(), 1.0
    for _ in range(max_iter):
        w = z - (2.0 / L) * (Q @ z)
        g_new = np.empty_like(g)
        g_new[pos], g_new[~pos] = _project_simplex(w[pos]), _project_simplex(w[~pos])
        step = g_new - g
        if np.dot(z - g_new, step) > 0:  # adaptive restart (O'Donoghue & Candes 2015)
            t = 1.0
        t_new = (1.0 + np.sqrt(1.0 + 4.0 * t * t)) / 2.0
        z = g_new + ((t - 1.0) / t_new) * step
        g, t = g_new, t_new
        if np.max(np.abs(step)) < tol:
            break
    return g


def easymkl_weights(grams, y, lam=0.1, max_iter=5000, tol=1e-6):
    """Kernel weights of EasyMKL (Aiolli & Donini, Neurocomputing 2015).

    For each binary problem (one-vs-rest for more than two classes) the margin
    distribution ``gamma`` is found on the average kernel, and view ``r``
    gets ``(Y gamma)^T K_r (Y gamma)``, normalised to sum to 1; the multiclass
    weights are the mean over the one-vs-rest problems.
    """
    classes = np.unique(y)
    K = sum(grams) / len(grams)
    targets = classes[1:] if classes.size == 2 else classes
    top_eig = float(eigsh(K, k=1, which="LA", return_eigenvectors=False)[0]) \
        if K.shape[0] > 200 else float(np.linalg.eigvalsh(K)[-1])
    weights = np.zeros(len(grams))
    for c in targets:
        s = np.where(y == c, 1.0, -1.0)
        sg = s * _easymkl_margin(K, s, lam, max_iter, tol, top_eig)
        d = np.array([sg @ G @ sg for G in grams])
        weights += d / d.sum() if d.sum() > 0 else 1.0 / len(grams)
    return weights / len(targets)


class MultiKernelSVC(ClassifierMixin, MultiViewMixin, _ViewKernelComposition):
    """SVM classifier on a weighted sum of per-view kernels (multiple kernel learning).

    Takes one 2-D ``X`` with the views side by side (as
    :class:`skmm.compose.MultiModalTransformer` with ``embedder=None``
    produces), computes one kernel per view, combines them with given, uniform
    or learned weights and trains :class:`sklearn.svm.SVC` on the combined
    precomputed kernel. Multiclass as ``SVC`` (one-vs-one, ``ovr`` decision
    shape). For probabilities wrap it in
    :class:`sklearn.calibration.CalibratedClassifierCV`.

    Parameters
    ----------
    kernel : str, ViewKernel or list of (str, str or ViewKernel), default="rbf"
        Kernel per view: one name or :class:`ViewKernel` for every view, or a
        list of ``(view_name, kernel)`` pairs, one per view. Kernels:
        ``"rbf"``, ``"linear"``, ``"poly"``, ``"chi2"``, ``"additive_chi2"``,
        ``"intersection"`` (histogram intersection) and ``"precomputed"``.
        With the list form, ``GridSearchCV`` reaches each view's parameters as
        ``<view>__gamma`` (``"mksvc__image__gamma"`` in a Pipeline) and can swap
        a view's whole kernel as ``<view>``.
    views : None, sequence of int, sequence of column selections, or dict, default=None
        Which columns of ``X`` form each view (see
        :func:`skmm.utils.resolve_views`); None splits them in two halves.
    gamma : float, {"scale", "auto"}, default="scale"
        Kernel coefficient of views whose kernel does not set its own (see
        :class:`ViewKernel`); ``"scale"`` is computed per view.
    degree : int, default=3
        Degree of ``"poly"`` kernels that do not set their own.
    coef0 : float, default=0.0
        Constant of ``"poly"`` kernels that do not set their own.
    weights : {"uniform", "alignment", "easymkl"} or array-like of shape (n_views,), \
            default="uniform"
        Kernel weights. ``"uniform"``: all 1 (the plain sum of the kernels).
        ``"alignment"``: centred kernel alignment (alignf, Cortes et al. 2012);
        ``"easymkl"``: EasyMKL (Aiolli & Donini 2015; one-vs-rest weights
        averaged for more than two classes). Learned weights are rescaled to
        sum to ``n_views``, so that ``C`` keeps the meaning it has with
        uniform weights. An array: the weights as given (non-negative, not
        all zero).
    easymkl_lambda : float in [0, 1], default=0.1
        EasyMKL's regularisation (1: uniform-like weights, 0: hard margin);
        used only with ``weights="easymkl"``.
    normalize : {"trace"} or None, default="trace"
        ``"trace"`` divides each view's kernel by its mean training diagonal
        (the same factor at predict), so views with large feature values do
        not swamp the others; it leaves rbf and chi2 kernels unchanged.
    C : float, default=1.0
        Regularisation of :class:`~sklearn.svm.SVC`.
    class_weight : dict, "balanced" or None, default=None
        As in :class:`~sklearn.svm.SVC`.
    tol : float, default=1e-3
        Stopping tolerance of the SVM solver.
    max_iter : int, default=-1
        Iteration limit of the SVM solver (-1: none).
    decision_function_shape : {"ovr", "ovo"}, default="ovr"
        As in :class:`~sklearn.svm.SVC`.
    break_ties : bool, default=False
        As in :class:`~sklearn.svm.SVC`.
    cache_size : float, default=200
        Kernel cache of the solver in MB.
    verbose : int, default=0
        Print the time taken by each view's kernel and by the SVM.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    svc_ : sklearn.svm.SVC
        The SVM fitted on the combined training kernel.
    kernel_weights_ : ndarray of shape (n_views,)
        Weight of each view's (normalised) kernel.
    kernel_params_ : list of dict
        Per view, the kernel and its resolved parameters (numeric ``gamma``).
    kernel_scales_ : ndarray of shape (n_views,)
        Each view's normalising factor (mean training diagonal, or 1).
    alignments_ : ndarray of shape (n_views,)
        Centred alignment of each view's kernel with the labels (a measure of
        how informative each view is alone), computed when ``weights="alignment"``.
    n_iter_ : ndarray of shape (n_classes * (n_classes - 1) // 2,)
        Solver iterations per one-vs-one problem (``SVC.n_iter_``).
    X_fit_ : ndarray of shape (n_samples, n_features)
        The training rows, needed to build kernels of new rows.
    views_ : list of (str, slice or ndarray)
        The resolved views.
    n_views_ : int
        Number of views.
    n_features_in_ : int
        Number of columns of ``X``.

    See Also
    --------
    sklearn.svm.SVC : the solver, here with ``kernel="precomputed"``.
    skmm.fusion.LateFusionClassifier : one classifier per view, fused afterwards.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.svm import MultiKernelSVC, ViewKernel
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1, 2], 20)
    >>> image = rng.random((60, 5)) + 0.5 * np.eye(5)[y]        # histograms
    >>> text = rng.normal(size=(60, 3)) + y[:, None]
    >>> X = np.hstack([image, text])
    >>> clf = MultiKernelSVC(
    ...     kernel=[("image", ViewKernel("chi2", gamma=0.5)), ("text", "rbf")],
    ...     views={"image": 5, "text": 3}, weights="alignment").fit(X, y)
    >>> clf.kernel_weights_.round(2).tolist()
    [0.98, 1.02]
    >>> round(float(clf.score(X, y)), 2)
    0.93
    >>> clf.set_params(image__gamma=2.0).kernel[0]
    ('image', ViewKernel('chi2', gamma=2.0))
    """

    _parameter_constraints: dict = {
        **MultiViewMixin._parameter_constraints,
        "kernel": [StrOptions(set(VIEW_KERNELS)), HasMethods(["get_params", "set_params"]),
                   list, tuple],
        "gamma": [StrOptions({"scale", "auto"}), Interval(Real, 0, None, closed="neither")],
        "degree": [Interval(Integral, 1, None, closed="left")],
        "coef0": [Real],
        "weights": [StrOptions({"uniform", "alignment", "easymkl"}), "array-like"],
        "easymkl_lambda": [Interval(Real, 0, 1, closed="both")],
        "normalize": [StrOptions({"trace"}), None],
        "C": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, -1, None, closed="left")],
        "decision_function_shape": [StrOptions({"ovr", "ovo"})],
        "break_ties": ["boolean"],
        "cache_size": [Interval(Real, 0, None, closed="neither")],
        "verbose": ["verbose"],
    }

    def __init__(self, kernel="rbf", *, views=None, gamma="scale", degree=3, coef0=0.0,
                 weights="uniform", easymkl_lambda=0.1, normalize="trace", C=1.0,
                 class_weight=None, tol=1e-3, max_iter=-1, decision_function_shape="ovr",
                 break_ties=False, cache_size=200, verbose=0):
        self.kernel = kernel
        self.views = views
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.weights = weights
        self.easymkl_lambda = easymkl_lambda
        self.normalize = normalize
        self.C = C
        self.class_weight = class_weight
        self.tol = tol
        self.max_iter = max_iter
        self.decision_function_shape = decision_function_shape
        self.break_ties = break_ties
        self.cache_size = cache_size
        self.verbose = verbose

    # ------------------------------------------------------------ fit
    def _given_weights(self):
        w = np.asarray(self.weights, dtype=np.float64)
        names = self.view_names_
        if w.shape != (self.n_views_,):
            raise ValueError(f"weights has shape {w.shape}, but X has {self.n_views_} views "
                             f"{names}: give one weight per view.")
        bad = [n for n, v in zip(names, w) if not (np.isfinite(v) and v >= 0)]
        if bad:
            raise ValueError(f"weights must be finite and non-negative; view(s) {bad} have "
                             f"{[float(v) for n, v in zip(names, w) if n in bad]}.")
        if not np.any(w > 0):
            raise ValueError(f"weights are all zero for views {names}.")
        return w

    def _learn_weights(self, grams, y):
        w, self.alignments_ = alignment_weights(grams, y)
        if not np.any(w > 0):
            warnings.warn(f"No view's kernel aligns with the labels (alignments "
                          f"{np.round(self.alignments_, 4).tolist()} for views "
                          f"{self.view_names_}); using uniform weights.", UserWarning)
            return np.ones(self.n_views_)
        return w * (self.n_views_ / w.sum())

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Compute the per-view kernels, their weights, and fit the SVM.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            All views side by side.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        name = type(self).__name__
        X = self._validate_multiview(X, reset=True)
        y = column_or_1d(y, warn=True)
        assert_all_finite(y, input_name="y")
        check_consistent_length(X, y)
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(f"{name} needs at least two classes in y; got one class "
                             f"({classes[0]!r}).")
        names = self.view_names_
        for view in names:
            if "__" in view or view in self._get_param_names():
                raise ValueError(f"{name}: view name {view!r} cannot be used with per-view "
                                 "parameters (it contains '__' or is a parameter name).")
        specs = resolve_view_kernels(self.kernel, names, gamma=self.gamma,
                                     degree=self.degree, coef0=self.coef0, owner=name)
        xp = get_namespace(X)
        grams, self.kernel_params_, scales = [], [], []
        for view, spec, Xv in zip(names, specs, self._view_blocks(X)):
            t0 = time.perf_counter()
            K, params = fit_view_kernel(xp, Xv, spec, view)
            K = np.asarray(K, dtype=np.float64)
            scale = 1.0
            if self.normalize == "trace":
                scale = float(np.mean(np.diag(K)))
                if not scale > 0:
                    raise ValueError(
                        f"{name}: the {params['kernel']!r} kernel of view {view!r} has a "
                        f"non-positive mean diagonal ({scale:.3g}), so normalize='trace' "
                        "cannot scale it; use normalize=None or another kernel.")
            grams.append(K / scale if scale != 1.0 else K)
            self.kernel_params_.append(params)
            scales.append(scale)
            if self.verbose:
                print(f"[{name}] view {view!r}: {params} kernel "
                      f"{K.shape[0]}x{K.shape[1]} in {time.perf_counter() - t0:.2f} s")
        self.kernel_scales_ = np.asarray(scales)
        if isinstance(self.weights, str) and self.weights == "alignment":
            self.kernel_weights_ = self._learn_weights(grams, y)
        elif isinstance(self.weights, str) and self.weights == "easymkl":
            w = easymkl_weights(grams, y, lam=self.easymkl_lambda)
            self.kernel_weights_ = w * (self.n_views_ / w.sum())
        elif isinstance(self.weights, str):
            self.kernel_weights_ = np.ones(self.n_views_)
        else:
            self.kernel_weights_ = self._given_weights()
        K = sum(w * G for w, G in zip(self.kernel_weights_, grams) if w > 0)
        t0 = time.perf_counter()
        self.svc_ = SVC(kernel="precomputed", C=self.C, class_weight=self.class_weight,
                        tol=self.tol, max_iter=self.max_iter,
                        decision_function_shape=self.decision_function_shape,
                        break_ties=self.break_ties, cache_size=self.cache_size).fit(K, y)
        if self.verbose:
            print(f"[{name}] SVC on the combined kernel in {time.perf_counter() - t0:.2f} s "
                  f"({self.svc_.support_.size} support vectors)")
        self.classes_ = self.svc_.classes_
        self.n_iter_ = self.svc_.n_iter_
        self.X_fit_ = np.asarray(X)
        return self

    # ------------------------------------------------------------ predict
    def _test_kernel(self, X):
        """Combined kernel of ``X`` against the training rows (support vectors only)."""
        X = self._validate_multiview(X, reset=False)
        xp = get_namespace(X)
        sv = self.svc_.support_
        K = np.zeros((X.shape[0], self.X_fit_.shape[0]))
        for (view, cols), params, w, s in zip(self.views_, self.kernel_params_,
                                              self.kernel_weights_, self.kernel_scales_):
            if w == 0:
                continue
            Xv = X[:, cols]
            if params["kernel"] == "precomputed":
                Kv = np.asarray(Xv)[:, sv]
            else:
                Kv = np.asarray(view_kernel(xp, Xv, self.X_fit_[sv][:, cols], params, view))
            K[:, sv] += (w / s) * Kv
        return K

    def decision_function(self, X):
        """Decision values of :class:`~sklearn.svm.SVC` on the combined kernel.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            All views side by side.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            As ``SVC.decision_function`` (shape ``(n_samples,)`` for two classes).
        """
        check_is_fitted(self)
        return self.svc_.decision_function(self._test_kernel(X))

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            All views side by side.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.svc_.predict(self._test_kernel(X))
