"""Collective (multi-view) non-negative matrix factorization.

Every view is factorized with one coefficient matrix ``W`` shared by all views
and one basis ``H_v`` per view::

    min_{W >= 0, H_v >= 0}  sum_v  lambda_v * D(X_v, W H_v)

with ``D`` half the squared Frobenius norm or the generalized
Kullback-Leibler divergence. Because each column of ``X`` belongs to exactly
one view, the problem is an ordinary NMF of the concatenation ``X`` under a
*column-weighted* loss (weight ``lambda_v`` on the columns of view ``v``):
the update of ``H`` does not see the weights at all (each column is its own
least-squares problem) and the update of ``W`` uses ``X diag(c) H^T`` and
``H diag(c) H^T``. With all weights equal to 1 the objective, the updates and
the initialization are exactly those of :class:`sklearn.decomposition.NMF` on
the concatenated views, which the tests check to rounding accuracy.
"""

import time
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array, check_random_state
from sklearn import config_context
from sklearn.utils.extmath import randomized_svd

from ..base import MultiViewEmbedderMixin
from ..utils._array_api import device, get_namespace, is_numpy_namespace, to_device, to_numpy
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context, check_is_fitted

__all__ = ["CollectiveNMF"]

# The same floors as scikit-learn's NMF, so that equal weights reproduce it.
EPSILON = float(np.finfo(np.float32).eps)


def _init_factors(Xt, n_components, init, random_state, eps=1e-6):
    """NNDSVD(a) or random init of ``Xt ~ W H`` exactly as scikit-learn does it.

    ``Xt`` is the weighted concatenation ``X diag(sqrt(c))`` restricted to the
    columns of views with a positive weight.
    """
    n_samples, n_features = Xt.shape
    if init == "random":
        avg = np.sqrt(Xt.mean() / n_components)
        rng = check_random_state(random_state)
        H = avg * rng.standard_normal(size=(n_components, n_features)).astype(Xt.dtype, copy=False)
        W = avg * rng.standard_normal(size=(n_samples, n_components)).astype(Xt.dtype, copy=False)
        np.abs(H, out=H)
        np.abs(W, out=W)
        return W, H

    # NumPy-only code: keep sklearn's array-API dispatch (if a caller enabled
    # it) out of randomized_svd, which would switch its normaliser and warn.
    with config_context(array_api_dispatch=False):
        U, S, V = randomized_svd(Xt, n_components, random_state=random_state)
    W = np.zeros_like(U)
    H = np.zeros_like(V)
    # The leading singular pair of a non-negative matrix is non-negative.
    W[:, 0] = np.sqrt(S[0]) * np.abs(U[:, 0])
    H[0, :] = np.sqrt(S[0]) * np.abs(V[0, :])
    for j in range(1, n_components):
        x, y = U[:, j], V[j, :]
        x_p, y_p = np.maximum(x, 0), np.maximum(y, 0)
        x_n, y_n = np.abs(np.minimum(x, 0)), np.abs(np.minimum(y, 0))
        x_p_nrm, y_p_nrm = np.linalg.norm(x_p), np.linalg.norm(y_p)
        x_n_nrm, y_n_nrm = np.linalg.norm(x_n), np.linalg.norm(y_n)
        m_p, m_n = x_p_nrm * y_p_nrm, x_n_nrm * y_n_nrm
        # Keep the dominant sign part of the singular pair.
        if m_p > m_n:
            u, v, sigma = x_p / x_p_nrm, y_p / y_p_nrm, m_p
        else:
            u, v, sigma = x_n / x_n_nrm, y_n / y_n_nrm, m_n
        lbd = np.sqrt(S[j] * sigma)
        W[:, j] = lbd * u
        H[j, :] = lbd * v
    W[W < eps] = 0
    H[H < eps] = 0
    if init == "nndsvda":
        avg = Xt.mean()
        W[W == 0] = avg
        H[H == 0] = avg
    return W, H


def _numpy_dtype(X):
    """NumPy dtype matching the (float32 or float64) dtype of ``X`` in any namespace."""
    if sp.issparse(X) or isinstance(X, np.ndarray):
        return X.dtype
    return np.float32 if X.dtype == get_namespace(X).float32 else np.float64


def _take_columns(X, cols):
    """``X[:, cols]`` for an integer NumPy index in any namespace (or sparse)."""
    if sp.issparse(X) or isinstance(X, np.ndarray):
        return X[:, cols]
    xp = get_namespace(X)
    return xp.take(X, xp.asarray(cols, device=device(X)), axis=1)


def _like(a, X):
    """NumPy array ``a`` moved to the namespace and device of ``X`` (one copy)."""
    return to_device(a, (get_namespace(X), device(X)))


def _scalar(xp, value, like):
    """A 0-d array of ``like``'s dtype and device (the standard's binary
    functions take arrays, not Python scalars, before its 2024 revision)."""
    return xp.asarray(value, dtype=like.dtype, device=device(like))


def _vdot(a, b):
    """``sum(a * b)`` as a Python float: one dot product of the flattened arrays."""
    xp = get_namespace(a)
    return float(xp.reshape(a, (-1,)) @ xp.reshape(b, (-1,)))


def _dot(X, M):
    """``X @ M`` for dense (any namespace) or SciPy sparse ``X`` and dense ``M``."""
    if sp.issparse(X):
        return np.asarray(X @ M)
    return X @ M


def _wh_at(W, H, X):
    """``(W @ H)`` at the stored entries of CSR ``X`` (dense ``W @ H`` otherwise)."""
    if not sp.issparse(X):
        return W @ H
    ii = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    jj = X.indices
    out = np.empty(X.nnz, dtype=W.dtype)
    # Batched so that the (batch, k) temporaries stay small.
    batch = max(4096, X.nnz // 64)
    for start in range(0, X.nnz, batch):
        s = slice(start, start + batch)
        out[s] = np.einsum("ij,ij->i", W[ii[s]], H.T[jj[s]])
    return out


def _kl_ratio(xp, X, WH):
    """``X / max(WH, eps)`` (a CSR matrix with ``X``'s pattern for sparse ``X``).

    ``WH`` must already be floored at eps when it comes from :func:`_kl_loss`;
    flooring again is harmless.
    """
    WH = xp.maximum(WH, _scalar(xp, EPSILON, WH))
    if sp.issparse(X):
        return sp.csr_matrix((X.data / WH, X.indices, X.indptr), shape=X.shape)
    return X / WH


def _kl_constants(xp, X, c):
    """Weighted data ``c X`` (0 where ``X <= eps``, as scikit-learn) and the loss constant."""
    if sp.issparse(X):
        cX = X.data * c[X.indices]
        keep = X.data > EPSILON
        logX = np.log(np.where(keep, X.data, 1.0))
        cX = np.where(keep, cX, 0.0).astype(X.dtype, copy=False)
    else:
        keep = X > EPSILON
        logX = xp.log(xp.where(keep, X, _scalar(xp, 1.0, X)))
        cX = xp.where(keep, X * c, _scalar(xp, 0.0, X))
    return cX, _vdot(cX, logX) - float(xp.sum(cX))


def _kl_loss(xp, cX, const, WH, W, H, c):
    """Column-weighted generalized KL divergence, one log of ``WH`` per call.

    ``sum c (X log(X / WH) - X + WH)`` = ``const - sum cX log WH + sum c WH``.
    Returns the loss and ``WH`` floored at eps (the ratio needs that too).
    """
    sum_WH = float(xp.sum(W, axis=0) @ (H @ c))
    WH = xp.maximum(WH, _scalar(xp, EPSILON, WH))
    return const - _vdot(cX, xp.log(WH)) + sum_WH, WH


def _frob_loss(norm_X, W, XCHt, HCHt):
    """Half the column-weighted squared error from the products the W update needs."""
    cross = _vdot(W, XCHt)
    quad = _vdot(W.T @ W, HCHt)
    return max(0.5 * (norm_X - 2.0 * cross + quad), 0.0)


def _hals_sweep(xp, F, P, G, hess, *, rows=False):
    """One HALS pass over the columns of ``F``: ``F[:, t] <- max(F[:, t] + (P[:, t] - F G[:, t]) / G[t, t], 0)``.

    With ``rows=True`` the same pass over the rows of ``F`` (``F`` is then
    ``H``, ``P`` is ``W^T X``): ``F[t] <- max(F[t] + (P[t] - G[t] F) / G[t, t], 0)``;
    a row of a C-ordered ``H`` is contiguous and ``G[t] @ H`` reads it in order.
    ``hess`` is the diagonal of ``G`` on the host (one transfer per sweep, not
    one per component); components with ``hess == 0`` are left alone.
    """
    zero = _scalar(xp, 0.0, F)
    for t, h in enumerate(hess):
        if h <= 0:
            continue
        if rows:
            F[t, :] = xp.maximum(F[t, :] + (P[t, :] - G[t, :] @ F) / h, zero)
        else:
            F[:, t] = xp.maximum(F[:, t] + (P[:, t] - F @ G[:, t]) / h, zero)
    return F


def _floor_zero(xp, D):
    """``D`` with exact zeros replaced by eps (a zero denominator in the MU rules)."""
    return xp.where(D == 0, _scalar(xp, EPSILON, D), D)


def _solve(X, W, H, c, *, beta, solver, max_iter, tol, update_H, verbose):
    """Alternate W and H updates; return ``W, H, n_iter, loss_curve``.

    Dense ``X`` may live in any array-API namespace (``W``, ``H`` and ``c``
    in the same one, on the same device); SciPy sparse ``X`` goes with NumPy
    factors. ``loss_curve[0]`` is the loss at the initial factors and
    ``loss_curve[t]`` the loss after ``t`` iterations. The loss of the current
    iterate comes for free from the products of the W update, so it is
    recorded at the start of each iteration; convergence is tested every 10
    iterations on ``sqrt(2 * loss)`` as scikit-learn's NMF does.
    """
    xp = get_namespace(W)
    sparse = sp.issparse(X)
    ones = bool(xp.all(c == 1))
    if beta != 2:
        cX, kl_const = _kl_constants(xp, X, c)
    if beta == 2:
        norm_X = (float(np.dot(X.data**2, c[X.indices])) if sparse
                  else float(xp.sum((X * X) @ c)))
    Hc = H if ones else H * c
    XCHt = HCHt = None
    curve = []
    err_prev = None
    t0 = time.time()
    n_iter = 0
    for it in range(1, max_iter + 2):
        # ---- loss at the current iterate, from the products W's update needs
        if beta == 2:
            if XCHt is None or update_H:
                XCHt = _dot(X, Hc.T)
                HCHt = Hc @ H.T
            loss = _frob_loss(norm_X, W, XCHt, HCHt)
        else:
            loss, WH = _kl_loss(xp, cX, kl_const, _wh_at(W, H, X), W, H, c)
        curve.append(loss)
        err = np.sqrt(2.0 * loss)
        if it == 1:
            err_init = err_prev = err
        elif (it - 1) % 10 == 0:
            if verbose:
                print(f"Epoch {it - 1:d} reached after {time.time() - t0:.3f} seconds, error: {err:f}")
            if tol > 0 and err_init > 0 and (err_prev - err) / err_init < tol:
                break
            err_prev = err
        if it == max_iter + 1:
            break
        n_iter = it

        # ---- W update (column weights enter here only)
        if beta == 2 and solver == "hals":
            W = _hals_sweep(xp, W, XCHt, HCHt, to_numpy(xp.linalg.diagonal(HCHt)).tolist())
        else:
            if beta == 2:
                numerator, denominator = XCHt, W @ HCHt
            else:
                R = _kl_ratio(xp, X, WH)
                if not ones:
                    R = R @ sp.diags(c) if sparse else R * c
                numerator = _dot(R, H.T)
                denominator = xp.sum(Hc, axis=1)[None, :]
            W = W * (numerator / _floor_zero(xp, denominator))
        if not update_H:
            continue

        # ---- H update (weight-free: every column is its own problem)
        if beta == 2:
            WtX = _dot(X.T, W).T if sparse else W.T @ X
            WtW = W.T @ W
            if solver == "hals":
                H = _hals_sweep(xp, H, WtX, WtW, to_numpy(xp.linalg.diagonal(WtW)).tolist(),
                                rows=True)
            else:
                H = H * (WtX / _floor_zero(xp, WtW @ H))
        else:
            R = _kl_ratio(xp, X, _wh_at(W, H, X))
            numerator = _dot(R.T, W).T if sparse else W.T @ R
            W_sum = xp.sum(W, axis=0)
            W_sum = xp.where(W_sum == 0, _scalar(xp, 1.0, W_sum), W_sum)
            H = H * (numerator / W_sum[:, None])
            H = xp.where(H < float(np.finfo(np.float64).eps), _scalar(xp, 0.0, H), H)
        Hc = H if ones else H * c
    return W, H, n_iter, curve


def _reconstruction_error(X, W, H, c, beta, final_loss):
    """``sqrt(2 * loss)`` at the fitted factors.

    Dense Frobenius: from the residual itself, as scikit-learn does; the
    expanded form ``|X|^2 - 2 <X, WH> + |WH|^2`` used during the iterations
    cancels to a floor of about ``sqrt(eps) |X|`` near an exact fit.
    """
    if beta != 2 or sp.issparse(X):
        return float(np.sqrt(2.0 * final_loss))
    xp = get_namespace(X)
    R = X - W @ H
    return float(xp.sqrt(xp.sum((R * R) @ c)))


class CollectiveNMF(MultiViewEmbedderMixin, BaseEstimator):
    """Collective NMF: one coefficient matrix shared by all views.

    Factorizes every view ``X_v ~ W H_v`` with a single non-negative ``W``
    (the shared embedding of the samples) and one non-negative basis ``H_v``
    per view, minimizing ``sum_v lambda_v * D(X_v, W H_v)``.

    With ``view_weights=None`` (all weights 1) the objective, the
    initialization and the updates coincide with
    :class:`sklearn.decomposition.NMF` on the concatenated views
    (our ``solver="mu"`` with its ``solver="mu"``, our ``solver="hals"`` with
    its ``solver="cd"``). Weights rebalance views of different scale or width.

    Parameters
    ----------
    n_components : int, default=2
        Dimension of the shared space (columns of ``W``).
    views : None, sequence of int, sequence of index arrays or dict, default=None
        Which columns of ``X`` form each view; see
        :func:`skmm.utils.resolve_views` (``None``: the two halves).
    view_weights : None, "norm" or array-like of shape (n_views,), default=None
        Weight ``lambda_v`` of each view's loss. ``None``: all 1 (plain NMF on
        the concatenation). ``"norm"``: ``1 / ||X_v||_F^2`` measured on the
        training data, so each view counts by its relative error whatever its
        scale or width. An array: non-negative weights, at least one positive;
        a view of weight 0 does not influence ``W`` (its basis is still fitted
        to it, with ``W`` given).
    beta_loss : {"frobenius", "kullback-leibler"}, default="frobenius"
        ``D``: half the squared Frobenius norm or the generalized KL divergence.
    solver : {"hals", "mu"}, default="hals"
        Hierarchical alternating least squares (exact minimization over one
        component at a time; Frobenius only, converges in far fewer
        iterations) or multiplicative updates (Lee & Seung; both losses).
    init : {"nndsvda", "random"} or None, default=None
        Initialization, computed on the weighted concatenation
        ``[sqrt(lambda_1) X_1, ...]`` of the views with positive weight.
        ``None``: ``"nndsvda"`` when ``n_components <= min(n_samples, n_features)``,
        else ``"random"``.
    max_iter : int, default=500
        Maximum number of iterations (HALS iterations are cheap; slow
        convergence tails on small data need more than scikit-learn's 200).
    tol : float, default=1e-4
        Stop when the error ``sqrt(2 * loss)`` decreased by less than
        ``tol`` times its initial value over the last 10 iterations (the
        rule of scikit-learn's ``solver="mu"``). scikit-learn's ``"cd"``
        solver stops on the size of its coordinate updates instead, so with
        ``tol > 0`` our ``"hals"`` and its ``"cd"`` stop at different
        iterates; with ``tol=0`` and the same ``max_iter`` they agree to
        rounding.
    random_state : int, RandomState instance or None, default=None
        Seeds the randomized SVD of NNDSVD and the random initialization.
    verbose : int, default=0
        Print the error every 10 iterations.
    device : None, "cpu", "gpu", "auto" or a device object, default=None
        Where to compute (see :mod:`skmm.base`): ``None`` where the input
        lives (NumPy on the CPU, CuPy on its GPU), ``"cpu"``, ``"gpu"`` (CuPy;
        an ImportError naming the extra to install when it is missing) or
        ``"auto"`` (the GPU when CuPy finds one, else the CPU). Dense input is
        moved once and the updates run there; ``fit_transform``,
        ``transform`` and ``transform_view`` return arrays on that device;
        fitted attributes are NumPy. Sparse input computes with SciPy on the
        CPU and needs ``device=None`` (cupyx sparse is not wired in yet).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        All bases ``H_v`` side by side, in the column order of ``X``.
    view_components_ : list of ndarray
        ``H_v`` of each view, shape ``(n_components, n_features_of_view)``.
    view_weights_ : ndarray of shape (n_views,)
        The weights used.
    views_ : list of (str, slice or ndarray)
        The resolved views.
    n_views_ : int
        Number of views.
    reconstruction_err_ : float
        ``sqrt(2 * loss)`` at the end of fit (the Frobenius norm of the
        residual when all weights are 1, as in scikit-learn).
    loss_curve_ : list of float
        The objective at the initialization and after each iteration
        (length ``n_iter_ + 1``).
    n_iter_ : int
        Number of iterations run.
    n_features_in_ : int
        Number of features seen during fit.

    Notes
    -----
    Precision and devices: the updates run in the dtype of ``X`` (float32
    input stays float32; CPU defaults are unchanged). On a GPU pass float32
    data: half the memory and transfer, and several times the GEMM
    throughput. The scalars that decide convergence (the loss, from
    ``<W, X H^T>`` and ``<W^T W, H H^T>``) are reduced by the device's BLAS
    in the data's dtype and accumulated on the host as Python floats
    (float64). The initialization always runs on the host in NumPy
    (scikit-learn's randomized SVD for NNDSVD, so it equals scikit-learn's):
    with input on a GPU, ``fit`` copies ``X`` to the host once for it, then
    moves the factors to the device. HALS takes one small device-to-host copy
    per sweep (the ``n_components`` diagonal of the Gram matrix).

    See Also
    --------
    sklearn.decomposition.NMF : NMF of one matrix.

    References
    ----------
    A. P. Singh and G. J. Gordon, "Relational learning via collective matrix
    factorization", KDD 2008. D. D. Lee and H. S. Seung, "Algorithms for
    non-negative matrix factorization", NIPS 2001. A. Cichocki and A.-H. Phan,
    "Fast local algorithms for large scale nonnegative matrix and tensor
    factorizations", IEICE Trans. 2009.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.cross_decomposition import CollectiveNMF
    >>> rng = np.random.default_rng(0)
    >>> W = rng.random((50, 3))
    >>> X = np.hstack([W @ rng.random((3, 8)), W @ rng.random((3, 5))])
    >>> nmf = CollectiveNMF(n_components=3, views=[8, 5], max_iter=500,
    ...                     random_state=0).fit(X)
    >>> nmf.transform(X).shape
    (50, 3)
    >>> nmf.transform_view(X[:, 8:], "view1").shape   # from the second view alone
    (50, 3)
    >>> bool(nmf.loss_curve_[-1] < 1e-2 * nmf.loss_curve_[0])
    True
    """

    _parameter_constraints: dict = {
        **MultiViewEmbedderMixin._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "view_weights": ["array-like", StrOptions({"norm"}), None],
        "beta_loss": [StrOptions({"frobenius", "kullback-leibler"})],
        "solver": [StrOptions({"mu", "hals"})],
        "init": [StrOptions({"nndsvda", "random"}), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "device": "no_validation",  # resolved (and checked) by skmm.utils.resolve_device
    }

    array_api_support = True

    def __init__(self, n_components=2, *, views=None, view_weights=None, beta_loss="frobenius",
                 solver="hals", init=None, max_iter=500, tol=1e-4, random_state=None, verbose=0,
                 device=None):
        self.n_components = n_components
        self.views = views
        self.view_weights = view_weights
        self.beta_loss = beta_loss
        self.solver = solver
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose
        self.device = device

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # ------------------------------------------------------------------ helpers
    def _check_non_negative(self, X, views, where):
        if sp.issparse(X):
            if X.nnz == 0 or X.data.min() >= 0:
                return
            col_min = np.full(X.shape[1], np.inf)
            np.minimum.at(col_min, X.indices, X.data)
        elif X.shape[0] == 0:
            col_min = np.zeros(X.shape[1])
        else:  # one small vector back from the device
            col_min = to_numpy(get_namespace(X).min(X, axis=0))
        for name, cols in views:
            m = col_min[cols].min()
            if m < 0:
                raise ValueError(
                    f"Negative values in data passed to {type(self).__name__}.{where}: "
                    f"view {name!r} has minimum {m:g}; NMF needs non-negative input."
                )

    def _column_weights(self, X):
        n_views = len(self.views_)
        if self.view_weights is None:
            lam = np.ones(n_views)
        elif isinstance(self.view_weights, str):  # "norm"
            lam = np.empty(n_views)
            xp = get_namespace(X)
            for i, ((name, _), Xv) in enumerate(zip(self.views_, self._view_blocks(X))):
                sq = float(Xv.multiply(Xv).sum()) if sp.issparse(Xv) else float(xp.sum(Xv * Xv))
                if sq == 0:
                    raise ValueError(
                        f"view_weights='norm': view {name!r} is all zeros, so it cannot be "
                        "scaled by its norm; pass explicit weights."
                    )
                lam[i] = 1.0 / sq
        else:
            lam = np.asarray(self.view_weights, dtype=np.float64)
            if lam.shape != (n_views,):
                raise ValueError(
                    f"view_weights must have one weight per view ({n_views}: "
                    f"{[n for n, _ in self.views_]}), got shape {lam.shape}."
                )
            if not np.all(np.isfinite(lam)) or np.any(lam < 0) or not np.any(lam > 0):
                raise ValueError(
                    f"view_weights must be finite, non-negative and not all zero; got {lam.tolist()}."
                )
        c = np.empty(X.shape[1], dtype=_numpy_dtype(X))
        for (_, cols), w in zip(self.views_, lam):
            c[cols] = w
        return lam, c

    def _initial_factors(self, X, c):
        """Initial ``W, H`` (NumPy), computed on the host from ``X`` (NumPy or sparse).

        On another device :meth:`fit_transform` copies ``X`` to the host for
        NNDSVD (scikit-learn's randomized SVD, so the initialization equals
        scikit-learn's) and the random init needs only the mean of ``X``.
        """
        n_samples, n_features = X.shape
        k = self.n_components
        init = self.init
        used = np.flatnonzero(c > 0)  # columns of views with a nonzero weight
        if init is None:
            init = "nndsvda" if k <= min(n_samples, used.size) else "random"
        if init == "nndsvda" and k > min(n_samples, used.size):
            raise ValueError(
                f"init='nndsvda' needs n_components <= min(n_samples, n_features of "
                f"weighted views) = {min(n_samples, used.size)}, got {k}; use init='random'."
            )
        s = np.sqrt(c[used])
        if np.all(c == 1):  # plain NMF of the concatenation: no copy
            Xt = X
        else:
            Xt = X[:, used]
            Xt = (Xt @ sp.diags(s)).tocsr() if sp.issparse(Xt) else Xt * s
        Wt, Ht = _init_factors(Xt, k, init, self.random_state)
        H = np.empty((k, n_features), dtype=X.dtype)
        H[:, used] = Ht / s
        unused = np.flatnonzero(c == 0)
        if unused.size:
            Xu = X[:, unused]
            H[:, unused] = np.sqrt(max(float(Xu.mean()), EPSILON) / k)
        return Wt.astype(X.dtype, copy=False), H

    def _init_on_host(self, X, c):
        """:meth:`_initial_factors` for ``X`` on any device; factors moved to ``X``'s device."""
        if sp.issparse(X) or isinstance(X, np.ndarray):
            return self._initial_factors(X, c)
        W, H = self._initial_factors(to_numpy(X), c)  # one copy of X to the host
        return _like(W, X), _like(H, X)

    def _solve_w(self, X, H, c):
        """W for new rows with ``H`` fixed (multiplicative updates, as scikit-learn)."""
        k = self.n_components
        solver = "mu" if self.solver == "mu" or self._beta != 2 else "hals"
        dtype = _numpy_dtype(X)
        if solver == "hals":  # exact per-component minimization can start from 0
            W = np.zeros((X.shape[0], k), dtype=dtype)
        else:  # multiplicative updates cannot leave 0: start flat, as scikit-learn
            used = np.flatnonzero(c > 0)
            Xu = X if used.size == c.size else _take_columns(X, used)
            mean = float(Xu.mean()) if sp.issparse(Xu) else float(get_namespace(Xu).mean(Xu))
            W = np.full((X.shape[0], k), np.sqrt(max(mean, 0.0) / k), dtype=dtype)
        H = H.astype(dtype, copy=False)
        if not sp.issparse(X) and not isinstance(X, np.ndarray):  # to X's device, once
            W, H, c = (_like(a, X) for a in (W, H, c))
        W, _, _, _ = _solve(X, W, H, c, beta=self._beta,
                            solver=solver, max_iter=self.max_iter, tol=self.tol,
                            update_H=False, verbose=0)
        return W

    @property
    def _beta(self):
        return 2 if self.beta_loss == "frobenius" else 1

    # ------------------------------------------------------------------ API
    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit the factorization and return the shared coefficients ``W``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All views side by side, non-negative.
        y : None
            Ignored.

        Returns
        -------
        W : ndarray of shape (n_samples, n_components)
            The shared embedding of the training rows.
        """
        self._check_no_second_array(y)
        X = self._validate_multiview(X, reset=True)
        if self.solver == "hals" and self.beta_loss != "frobenius":
            raise ValueError("solver='hals' supports only beta_loss='frobenius'; use solver='mu'.")
        views = self.views_
        self._check_non_negative(X, views, "fit")
        if sp.issparse(X):
            X = X.sorted_indices()  # a sorted copy: never reorder the caller's matrix
        lam, c = self._column_weights(X)
        W, H = self._init_on_host(X, c)
        c_dev = c if sp.issparse(X) or isinstance(X, np.ndarray) else _like(c, X)
        W, H, n_iter, curve = _solve(X, W, H, c_dev, beta=self._beta, solver=self.solver,
                                     max_iter=self.max_iter, tol=self.tol, update_H=True,
                                     verbose=self.verbose)
        if n_iter == self.max_iter and self.tol > 0:
            warnings.warn(
                f"Maximum number of iterations {self.max_iter} reached. Increase it to "
                "improve convergence.", ConvergenceWarning,
            )
        self.view_weights_ = lam
        self._col_weights = c
        self.reconstruction_err_ = _reconstruction_error(X, W, H, c_dev, self._beta, curve[-1])
        H = to_numpy(H)  # fitted state is NumPy, wherever the fit ran
        self.components_ = H
        self.view_components_ = [H[:, cols] for _, cols in views]
        self.n_iter_ = n_iter
        self.loss_curve_ = curve
        return W

    def fit(self, X, y=None):
        """Fit the factorization.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All views side by side, non-negative.
        y : None
            Ignored.

        Returns
        -------
        self : CollectiveNMF
            The fitted estimator.
        """
        self.fit_transform(X, y)
        return self

    def transform(self, X):
        """Shared coefficients of new rows from all views (bases fixed).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All views side by side, non-negative.

        Returns
        -------
        W : ndarray of shape (n_samples, n_components)
            Minimizer of the weighted loss over ``W >= 0`` with ``H`` fixed.
        """
        check_is_fitted(self)
        X = self._validate_multiview(X, reset=False)
        self._check_non_negative(X, self.views_, "transform")
        return self._solve_w(X, self.components_, self._col_weights)

    def transform_view(self, X, view):
        """Shared coefficients from one view, or from several views side by side.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features_of_views)
            The columns of the given view(s), in the order given, non-negative.
        view : str, int or list of those
            The view(s) present, by name (see ``views_``) or position. A list
            embeds rows that have some of the views, e.g. two of three; all
            views give :meth:`transform`.

        Returns
        -------
        W : ndarray of shape (n_samples, n_components)
            Coefficients minimising the weighted loss over the given views.
        """
        if isinstance(view, (str, int, np.integer)):
            return super().transform_view(X, view)
        check_is_fitted(self)
        X_in = X
        idx = [self._view_index(v) for v in view]
        if not idx or len(set(idx)) != len(idx):
            raise ValueError(f"`view` must list distinct views, got {list(view)!r}.")
        if sp.issparse(X) or is_numpy_namespace(get_namespace(X)):
            X = check_array(X, accept_sparse="csr", dtype=[np.float64, np.float32])
        elif X.ndim != 2:
            raise ValueError(f"Expected a 2-D array, got {X.ndim}-D input.")
        X = to_device(X, self._target_device())
        widths = [self._view_width(i) for i in idx]
        names = [self.views_[i][0] for i in idx]
        if X.shape[1] != sum(widths):
            raise ValueError(f"Views {names} have {sum(widths)} features together, but X "
                             f"has {X.shape[1]}.")
        edges = np.cumsum([0] + widths)
        local = [(n, slice(a, b)) for n, a, b in zip(names, edges[:-1], edges[1:])]
        self._check_non_negative(X, local, "transform_view")
        cols = np.concatenate([np.arange(self.n_features_in_)[self.views_[i][1]] for i in idx])
        W = self._solve_w(X, self.components_[:, cols], self._col_weights[cols])
        return self._wrap_view_output(W, X_in)

    def _transform_one(self, X_view, i):
        # One view alone: its weight cancels, so solve with unit weights.
        self._check_non_negative(X_view, [(self.views_[i][0], slice(None))], "transform_view")
        c = np.ones(X_view.shape[1], dtype=_numpy_dtype(X_view))
        return self._solve_w(X_view, self.view_components_[i], c)

    def inverse_transform(self, W):
        """Reconstruct all views from shared coefficients: ``W @ components_``.

        Parameters
        ----------
        W : array-like of shape (n_samples, n_components)
            Shared coefficients.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            Reconstructed views side by side.
        """
        check_is_fitted(self)
        xp = get_namespace(W)
        if is_numpy_namespace(xp):
            W = check_array(W, dtype=[np.float64, np.float32], input_name="W")
        if W.ndim != 2 or W.shape[1] != self.n_components:
            raise ValueError(
                f"inverse_transform takes coefficients of width n_components="
                f"{self.n_components}, got W of shape {tuple(W.shape)}."
            )
        H = self.components_.astype(_numpy_dtype(W), copy=False)
        return W @ (H if is_numpy_namespace(xp) else _like(H, W))
