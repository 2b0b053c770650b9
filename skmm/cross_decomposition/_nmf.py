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
from ..utils._array_api import (
    device,
    get_namespace,
    is_numpy_namespace,
    resolve_device,
    sparse_to_device,
    to_device,
    to_numpy,
)
from ..utils._dask import (
    check_dask_2d,
    check_dask_output,
    is_dask_array,
    map_row_blocks,
    row_blocks,
    transform_block,
    transform_view_block,
    tree_reduce,
)
from ..utils._optional import import_optional
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context, check_is_fitted
from ..utils._views import resolve_views

__all__ = ["CollectiveNMF"]

# The same floors as scikit-learn's NMF, so that equal weights reproduce it.
EPSILON = float(np.finfo(np.float32).eps)
# HALS sweeps over H per partial_fit block, on the accumulated statistics
# (each costs O(k^2 d), against the block's O(n_b k d) products).
_ONLINE_H_SWEEPS = 5


def _random_factors(mean, n_features, n_components, random_state, dtype):
    """scikit-learn's random init: ``H``, the scale and the generator that draws ``W`` next.

    Both factors are ``|N(0, 1)| * sqrt(mean / n_components)``, ``H`` first,
    from one stream; :func:`_draw_w` draws ``W``'s rows in order, so row
    blocks drawn in turn give the rows one draw would.
    """
    avg = np.sqrt(mean / n_components)
    rng = check_random_state(random_state)
    H = avg * rng.standard_normal(size=(n_components, n_features)).astype(dtype, copy=False)
    np.abs(H, out=H)
    return H, avg, rng


def _draw_w(rng, avg, n_rows, n_components, dtype):
    W = avg * rng.standard_normal(size=(n_rows, n_components)).astype(dtype, copy=False)
    return np.abs(W, out=W)


def _draw_w_block(state, avg, n_rows, n_components, dtype):
    # On a worker: the block's rows of the random init, from the stream's state
    # at the block's first row.
    rng = np.random.RandomState()
    rng.set_state(state)
    return _draw_w(rng, avg, n_rows, n_components, dtype).astype(dtype, copy=False)


def _init_factors(Xt, n_components, init, random_state, eps=1e-6):
    """NNDSVD(a) or random init of ``Xt ~ W H`` exactly as scikit-learn does it.

    ``Xt`` is the weighted concatenation ``X diag(sqrt(c))`` restricted to the
    columns of views with a positive weight.
    """
    n_samples, n_features = Xt.shape
    if init == "random":
        H, avg, rng = _random_factors(Xt.mean(), n_features, n_components, random_state,
                                      Xt.dtype)
        return _draw_w(rng, avg, n_samples, n_components, Xt.dtype), H

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


def _issparse(X):
    """A SciPy or a CuPy (``cupyx.scipy.sparse``) sparse matrix."""
    return sp.issparse(X) or type(X).__module__.startswith("cupyx.scipy.sparse")


def _numpy_dtype(X):
    """NumPy dtype matching the (float32 or float64) dtype of ``X`` in any namespace."""
    if _issparse(X) or isinstance(X, np.ndarray):
        return np.dtype(X.dtype)
    return np.float32 if X.dtype == get_namespace(X).float32 else np.float64


def _take_columns(X, cols):
    """``X[:, cols]`` for an integer NumPy index in any namespace (or sparse)."""
    if _issparse(X) or isinstance(X, np.ndarray):
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
    """``X @ M`` for dense (any namespace) or sparse (SciPy, cupyx) ``X`` and dense ``M``."""
    if sp.issparse(X):
        return np.asarray(X @ M)
    return X @ M  # dense, or cupyx sparse (which returns a CuPy array)


def _wh_at(W, H, X):
    """``(W @ H)`` at the stored entries of CSR ``X`` (dense ``W @ H`` otherwise)."""
    if not _issparse(X):
        return W @ H
    xp = get_namespace(W)
    ii = X.tocoo().row  # row of every stored entry, in CSR order (SciPy and cupyx)
    jj = X.indices
    Ht = H.T
    out = xp.empty((X.nnz,), dtype=W.dtype, device=device(W))
    # Batched so that the (batch, k) temporaries stay small.
    batch = max(4096, X.nnz // 64)
    for start in range(0, X.nnz, batch):
        s = slice(start, min(start + batch, X.nnz))
        if isinstance(W, np.ndarray):
            out[s] = np.einsum("ij,ij->i", W[ii[s]], Ht[jj[s]])
        else:
            out[s] = xp.sum(W[ii[s]] * Ht[jj[s]], axis=1)
    return out


def _kl_ratio(xp, X, WH, c=None):
    """``c X / max(WH, eps)`` (a CSR matrix with ``X``'s pattern for sparse ``X``).

    ``WH`` must already be floored at eps when it comes from :func:`_kl_terms`;
    flooring again is harmless. ``c=None``: no column weights.
    """
    WH = xp.maximum(WH, _scalar(xp, EPSILON, WH))
    if _issparse(X):
        data = X.data / WH
        if c is not None:
            data = data * c[X.indices]
        return type(X)((data, X.indices, X.indptr), shape=X.shape)
    return X / WH if c is None else X / WH * c


def _kl_constants(xp, X, c, *, const=True):
    """Weighted data ``c X`` (0 where ``X <= eps``, as scikit-learn) and the loss constant.

    ``const=False`` skips the constant (a log of every entry): ``None`` for it.
    """
    data = X.data if _issparse(X) else X
    keep = data > EPSILON
    cX = xp.where(keep, data * (c[X.indices] if _issparse(X) else c), _scalar(xp, 0.0, data))
    if not const:
        return cX, None
    logX = xp.log(xp.where(keep, data, _scalar(xp, 1.0, data)))
    return cX, _vdot(cX, logX) - float(xp.sum(cX))


def _kl_terms(xp, cX, WH, W, H, c):
    """The generalized KL divergence less its constant, one log of ``WH`` per call.

    ``sum c (X log(X / WH) - X + WH)`` = ``const - sum cX log WH + sum c WH``.
    Returns the last two terms and ``WH`` floored at eps (the ratio needs that
    too); they add up over row blocks.
    """
    sum_WH = float(xp.sum(W, axis=0) @ (H @ c))
    WH = xp.maximum(WH, _scalar(xp, EPSILON, WH))
    return sum_WH - _vdot(cX, xp.log(WH)), WH


def _frob_loss(norm_X, cross, WtW, HCHt):
    """Half the column-weighted squared error, ``|X|^2 - 2 <W, X C H^T> + <W^T W, H C H^T>``.

    ``cross`` and ``WtW`` add up over row blocks.
    """
    return max(0.5 * (norm_X - 2.0 * cross + _vdot(WtW, HCHt)), 0.0)


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


def _w_update(xp, X, W, H, Hc, c, *, beta, solver, XCHt=None, HCHt=None, WH=None):
    """One update of ``W`` (column weights enter here only); rows are independent.

    Frobenius takes ``XCHt = X C H^T`` and ``HCHt = H C H^T``; KL takes
    ``WH`` at the stored entries, floored at eps. ``c=None``: unit weights.
    """
    if beta == 2 and solver == "hals":
        return _hals_sweep(xp, W, XCHt, HCHt, to_numpy(xp.linalg.diagonal(HCHt)).tolist())
    if beta == 2:
        numerator, denominator = XCHt, W @ HCHt
    else:
        numerator = _dot(_kl_ratio(xp, X, WH, c), H.T)
        denominator = xp.sum(Hc, axis=1)[None, :]
    return W * (numerator / _floor_zero(xp, denominator))


def _h_stats(xp, X, W, H, beta):
    """What the ``H`` update needs from the rows of ``X``; sums over row blocks.

    Frobenius: ``(W^T X, W^T W)``; KL: ``(W^T (X / WH), column sums of W)``.
    """
    sparse = _issparse(X)
    if beta == 2:
        WtX = _dot(X.T, W).T if sparse else W.T @ X
        return WtX, W.T @ W
    R = _kl_ratio(xp, X, _wh_at(W, H, X))
    return (_dot(R.T, W).T if sparse else W.T @ R), xp.sum(W, axis=0)


def _h_update(xp, H, stats, *, beta, solver):
    """One update of ``H`` from :func:`_h_stats` (weight-free: every column is its own problem)."""
    P, G = stats
    if beta == 2:
        if solver == "hals":
            return _hals_sweep(xp, H, P, G, to_numpy(xp.linalg.diagonal(G)).tolist(), rows=True)
        return H * (P / _floor_zero(xp, G @ H))
    W_sum = xp.where(G == 0, _scalar(xp, 1.0, G), G)
    H = H * (P / W_sum[:, None])
    return xp.where(H < float(np.finfo(np.float64).eps), _scalar(xp, 0.0, H), H)


def _should_stop(curve, tol, verbose, t0):
    """scikit-learn NMF's stopping rule on the loss curve so far (every 10 iterations).

    ``curve[t]`` is the loss after ``t`` updates; stop when the error
    ``sqrt(2 * loss)`` fell by less than ``tol`` times its initial value over
    the last 10 updates.
    """
    done = len(curve) - 1
    if done == 0 or done % 10:
        return False
    err = np.sqrt(2.0 * curve[-1])
    if verbose:
        print(f"Epoch {done:d} reached after {time.time() - t0:.3f} seconds, error: {err:f}")
    err_init, err_prev = np.sqrt(2.0 * curve[0]), np.sqrt(2.0 * curve[-11])
    return tol > 0 and err_init > 0 and (err_prev - err) / err_init < tol


def _solve(X, W, H, c, *, beta, solver, max_iter, tol, update_H, verbose):
    """Alternate W and H updates; return ``W, H, n_iter, loss_curve``.

    Dense ``X`` may live in any array-API namespace (``W``, ``H`` and ``c``
    in the same one, on the same device); sparse ``X`` (SciPy, or cupyx on a
    GPU) goes with factors of its backend. ``loss_curve[0]`` is the loss at
    the initial factors and ``loss_curve[t]`` the loss after ``t``
    iterations. The loss of the current iterate comes for free from the
    products of the W update, so it is recorded at the start of each
    iteration; convergence is tested every 10 iterations on
    ``sqrt(2 * loss)`` as scikit-learn's NMF does.
    """
    xp = get_namespace(W)
    ones = bool(xp.all(c == 1))
    if beta != 2:
        cX, kl_const = _kl_constants(xp, X, c)
    else:
        data = X.data if _issparse(X) else X
        norm_X = float((data * data) @ c[X.indices]) if _issparse(X) else \
            float(xp.sum((X * X) @ c))
    Hc = H if ones else H * c
    XCHt = HCHt = WH = None
    curve = []
    t0 = time.time()
    n_iter = 0
    for it in range(1, max_iter + 2):
        # ---- loss at the current iterate, from the products W's update needs
        if beta == 2:
            if XCHt is None or update_H:
                XCHt = _dot(X, Hc.T)
                HCHt = Hc @ H.T
            loss = _frob_loss(norm_X, _vdot(W, XCHt), W.T @ W, HCHt)
        else:
            part, WH = _kl_terms(xp, cX, _wh_at(W, H, X), W, H, c)
            loss = kl_const + part
        curve.append(loss)
        if _should_stop(curve, tol, verbose, t0) or it == max_iter + 1:
            break
        n_iter = it
        W = _w_update(xp, X, W, H, Hc, None if ones else c, beta=beta, solver=solver,
                      XCHt=XCHt, HCHt=HCHt, WH=WH)
        if update_H:
            H = _h_update(xp, H, _h_stats(xp, X, W, H, beta), beta=beta, solver=solver)
            Hc = H if ones else H * c
    return W, H, n_iter, curve


def _reconstruction_error(X, W, H, c, beta, final_loss):
    """``sqrt(2 * loss)`` at the fitted factors.

    Dense Frobenius: from the residual itself, as scikit-learn does; the
    expanded form ``|X|^2 - 2 <X, WH> + |WH|^2`` used during the iterations
    cancels to a floor of about ``sqrt(eps) |X|`` near an exact fit.
    """
    if beta != 2 or _issparse(X):
        return float(np.sqrt(2.0 * final_loss))
    xp = get_namespace(X)
    R = X - W @ H
    return float(xp.sqrt(xp.sum((R * R) @ c)))


# ---------------------------------------------------------------- dask blocks
# Each runs on a worker, on one NumPy row block; the small results add up
# over blocks (tree_reduce) and the client updates H.
def _column_stats(X):
    """Rows, and per column: minimum, sum and sum of squares (float64)."""
    X = np.asarray(X)
    col_min = X.min(axis=0) if X.shape[0] else np.full(X.shape[1], np.inf)
    return (X.shape[0], col_min.astype(np.float64), X.sum(axis=0, dtype=np.float64),
            np.einsum("ij,ij->j", X, X, dtype=np.float64))


def _merge_column_stats(a, b):
    return a[0] + b[0], np.minimum(a[1], b[1]), a[2] + b[2], a[3] + b[3]


def _block_step(X, prev, H, c, beta, solver, with_const):
    """One iteration on a row block: the loss terms at ``(W, H)``, then ``W``'s
    update, then the ``H`` statistics at the new ``W``.

    ``prev`` is the block's previous ``(W, stats)`` (or ``(W, None)`` at the
    start); returns ``(W_new, stats)``.
    """
    W = _first(prev)
    xp = get_namespace(X)
    ones = bool(np.all(c == 1))
    Hc = H if ones else H * c
    XCHt = HCHt = WH = None
    if beta == 2:
        XCHt, HCHt = X @ Hc.T, Hc @ H.T
        terms = (_vdot(W, XCHt), W.T @ W, 0.0)
    else:
        cX, const = _kl_constants(xp, X, c, const=with_const)
        part, WH = _kl_terms(xp, cX, W @ H, W, H, c)
        terms = (part, 0.0, const or 0.0)
    W = _w_update(xp, X, W.copy(), H, Hc, None if ones else c, beta=beta, solver=solver,
                  XCHt=XCHt, HCHt=HCHt, WH=WH)
    return W, terms + _h_stats(xp, X, W, H, beta)


def _residual_norm(X, W, H, c):
    R = X - W @ H
    return float(np.sum((R * R) @ c))


def _first(pair):
    return pair[0] if isinstance(pair, tuple) else pair


def _merge_steps(a, b):
    # Merges the (W, stats) of blocks into (None, summed stats).
    return None, tuple(x + y for x, y in zip(a[1], b[1]))


def _add_floats(a, b):
    return a + b


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
        ``[sqrt(lambda_1) X_1, ...]`` of the views with positive weight (by
        :meth:`partial_fit`, on its first block).
        ``None``: ``"nndsvda"`` when ``n_components <= min(n_samples, n_features)``,
        else ``"random"``. A dask array is fitted from ``"random"`` (NNDSVD
        needs an SVD of the whole ``X``); its draws equal the in-memory ones.
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
    forget_factor : float in [0, 1], default=0.7
        :meth:`partial_fit` only: the statistics of earlier blocks are
        multiplied by this at every block (scikit-learn's ``MiniBatchNMF``
        name and default). Smaller values forget the codes computed with
        early, poor bases sooner; 1 weighs all blocks alike.
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
        fitted attributes are NumPy. SciPy sparse input stays SciPy on the CPU
        and becomes one ``cupyx.scipy.sparse`` CSR matrix on a GPU (the same
        updates: sparse products and ``W H`` at the stored entries only).
        A dask array is computed where its blocks live: ``None`` or
        ``"cpu"``.

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
    n_steps_ : int
        Number of blocks seen by :meth:`partial_fit` (which removes
        ``reconstruction_err_``, ``loss_curve_`` and ``n_iter_``: they
        describe a fit).
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
    (scikit-learn's randomized SVD for NNDSVD, so it equals scikit-learn's)
    before NumPy or SciPy input is moved to the device; input already on a
    GPU is copied to the host once for it. HALS takes one small
    device-to-host copy per sweep (the ``n_components`` diagonal of the Gram
    matrix).

    Scaling out: :meth:`partial_fit` holds one block of rows at a time (and
    ``O(n_components * n_features)`` statistics); several passes over the
    blocks approach :meth:`fit`. A dask array runs :meth:`fit`'s iterations
    on the workers: each keeps the rows of ``W`` of its blocks, and every
    iteration sends ``H`` out and gets back ``W_b^T X_b`` and
    ``W_b^T W_b`` (added in a tree), so the client holds only
    ``O(n_components * n_features)`` numbers; the result equals the
    in-memory fit from the same random init. Every iteration reads ``X``:
    ``X.persist()`` it first when its blocks are costly to produce.

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

    Out of core, one block of rows at a time, or on a dask array:

    >>> online = CollectiveNMF(n_components=3, views=[8, 5], random_state=0)
    >>> for epoch in range(5):
    ...     for block in np.array_split(X, 5):
    ...         online = online.partial_fit(block)
    >>> online.n_steps_
    25
    >>> import dask.array as da
    >>> Xd = da.from_array(X, chunks=(25, 13))
    >>> kw = dict(n_components=3, views=[8, 5], init="random", max_iter=30, tol=0,
    ...           random_state=0)
    >>> nmf_d = CollectiveNMF(**kw).fit(Xd)
    >>> bool(np.allclose(nmf_d.components_, CollectiveNMF(**kw).fit(X).components_))
    True
    >>> Z = nmf_d.transform(Xd)   # lazy, block by block
    >>> Z.chunks
    ((25, 25), (3,))
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
        "forget_factor": [Interval(Real, 0, 1, closed="both")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "device": "no_validation",  # resolved (and checked) by skmm.utils.resolve_device
    }

    array_api_support = True

    def __init__(self, n_components=2, *, views=None, view_weights=None, beta_loss="frobenius",
                 solver="hals", init=None, max_iter=500, tol=1e-4, forget_factor=0.7,
                 random_state=None, verbose=0, device=None):
        self.n_components = n_components
        self.views = views
        self.view_weights = view_weights
        self.beta_loss = beta_loss
        self.solver = solver
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.forget_factor = forget_factor
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
    def _target_device(self):
        # The base class moves X during validation and cannot move SciPy
        # sparse input; this class validates X where it is and moves it once
        # afterwards (:meth:`_move`), after the host-side init.
        return None

    def _move(self, X):
        """``X`` moved once to ``device``: dense by ``to_device``, SciPy sparse as CSR
        (cupyx on a GPU)."""
        target = resolve_device(self.device)
        return sparse_to_device(X, target) if sp.issparse(X) else to_device(X, target)

    def _place(self, a, X):
        """NumPy array ``a`` where the updates on (moved) ``X`` run."""
        if sp.issparse(X) or isinstance(X, np.ndarray):
            return a
        if _issparse(X):  # cupyx: on the GPU that ``device`` names
            return to_device(a, resolve_device(self.device))
        return _like(a, X)

    def _check_col_min(self, col_min, views, where):
        for name, cols in views:
            m = col_min[cols].min() if np.size(col_min[cols]) else 0.0
            if m < 0:
                raise ValueError(
                    f"Negative values in data passed to {type(self).__name__}.{where}: "
                    f"view {name!r} has minimum {m:g}; NMF needs non-negative input."
                )

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
        self._check_col_min(col_min, views, where)

    def _view_sq_norms(self, X):
        """``||X_v||_F^2`` of every view (for ``view_weights="norm"``)."""
        xp = get_namespace(X)
        return [float(Xv.multiply(Xv).sum()) if sp.issparse(Xv) else float(xp.sum(Xv * Xv))
                for Xv in self._view_blocks(X)]

    def _column_weights(self, view_sq, dtype):
        """Weights of the views and of the columns; ``view_sq()`` gives the views'
        squared norms, asked for only when ``view_weights="norm"``."""
        n_views = len(self.views_)
        if self.view_weights is None:
            lam = np.ones(n_views)
        elif isinstance(self.view_weights, str):  # "norm"
            lam = np.empty(n_views)
            for i, ((name, _), sq) in enumerate(zip(self.views_, view_sq())):
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
        c = np.empty(self.n_features_in_, dtype=dtype)
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
        unused = np.flatnonzero(c == 0)
        unused_mean = float(X[:, unused].mean()) if unused.size else 0.0
        return Wt.astype(X.dtype, copy=False), self._full_h(Ht, c, unused_mean, X.dtype)

    def _full_h(self, Ht, c, unused_mean, dtype):
        """``H`` of all columns from the init ``Ht`` of the weighted ones (scaled
        back by ``1 / sqrt(c)``); a view of weight 0 starts flat at its mean."""
        used, unused = np.flatnonzero(c > 0), np.flatnonzero(c == 0)
        H = np.empty((self.n_components, c.size), dtype=dtype)
        H[:, used] = Ht / np.sqrt(c[used])
        if unused.size:
            H[:, unused] = np.sqrt(max(unused_mean, EPSILON) / self.n_components)
        return H

    def _init_on_host(self, X, c):
        """:meth:`_initial_factors` for ``X`` on any device (NumPy factors)."""
        if sp.issparse(X) or isinstance(X, np.ndarray):
            return self._initial_factors(X, c)
        return self._initial_factors(to_numpy(X), c)  # one copy of X to the host

    def _solve_w(self, X, H, c):
        """W for new rows with ``H`` fixed (``X`` already moved; HALS or multiplicative updates)."""
        k = self.n_components
        solver = "mu" if self.solver == "mu" or self._beta != 2 else "hals"
        dtype = _numpy_dtype(X)
        if solver == "hals":  # exact per-component minimization can start from 0
            W = np.zeros((X.shape[0], k), dtype=dtype)
        else:  # multiplicative updates cannot leave 0: start flat, as scikit-learn
            used = np.flatnonzero(c > 0)
            Xu = X if used.size == c.size else _take_columns(X, used)
            if _issparse(Xu):
                mean = float(Xu.data.sum()) / (Xu.shape[0] * Xu.shape[1])
            else:
                mean = float(get_namespace(Xu).mean(Xu))
            W = np.full((X.shape[0], k), np.sqrt(max(mean, 0.0) / k), dtype=dtype)
        W, H, c = (self._place(a, X) for a in (W, H.astype(dtype, copy=False), c))
        W, _, _, _ = _solve(X, W, H, c, beta=self._beta,
                            solver=solver, max_iter=self.max_iter, tol=self.tol,
                            update_H=False, verbose=0)
        return W

    @property
    def _beta(self):
        return 2 if self.beta_loss == "frobenius" else 1

    def _check_solver(self):
        if self.solver == "hals" and self.beta_loss != "frobenius":
            raise ValueError("solver='hals' supports only beta_loss='frobenius'; use solver='mu'.")

    def _set_components(self, H):
        self.components_ = H
        self.view_components_ = [H[:, cols] for _, cols in self.views_]

    # ------------------------------------------------------------------ API
    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit the factorization and return the shared coefficients ``W``.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            All views side by side, non-negative.
        y : None
            Ignored.

        Returns
        -------
        W : array of shape (n_samples, n_components)
            The shared embedding of the training rows: on the compute device,
            or a lazy dask array for dask input.
        """
        self._check_no_second_array(y)
        self._check_solver()
        for name in ("_online_stats", "n_steps_"):  # a fresh fit forgets partial_fit
            self.__dict__.pop(name, None)
        if is_dask_array(X):
            return self._fit_dask(X)
        X = self._validate_multiview(X, reset=True)
        self._check_non_negative(X, self.views_, "fit")
        if sp.issparse(X):
            X = X.sorted_indices()  # a sorted copy: never reorder the caller's matrix
        lam, c = self._column_weights(lambda: self._view_sq_norms(X), _numpy_dtype(X))
        W, H = self._init_on_host(X, c)
        X = self._move(X)  # once, after the checks and the host-side init
        W, H, c_dev = (self._place(a, X) for a in (W, H, c))
        W, H, n_iter, curve = _solve(X, W, H, c_dev, beta=self._beta, solver=self.solver,
                                     max_iter=self.max_iter, tol=self.tol, update_H=True,
                                     verbose=self.verbose)
        self._finish_fit(lam, c, to_numpy(H), n_iter, curve,
                         _reconstruction_error(X, W, H, c_dev, self._beta, curve[-1]))
        return W

    def _finish_fit(self, lam, c, H, n_iter, curve, err):
        if n_iter == self.max_iter and self.tol > 0:
            warnings.warn(
                f"Maximum number of iterations {self.max_iter} reached. Increase it to "
                "improve convergence.", ConvergenceWarning,
            )
        self.view_weights_ = lam
        self._col_weights = c
        self.reconstruction_err_ = err
        self._set_components(H)  # fitted state is NumPy, wherever the fit ran
        self.n_iter_ = n_iter
        self.loss_curve_ = curve

    def _fit_dask(self, X):
        """The in-memory iterations on a dask array: ``W`` stays on the workers.

        Each iteration is one pass over the row blocks (:func:`_block_step`:
        the loss terms, the block's ``W`` update, its ``H`` statistics); the
        statistics are added in a tree and the client updates ``H``, so the
        result equals the in-memory fit from the same (random) init.
        """
        dask = import_optional("dask", "dask")
        da = import_optional("dask.array", "dask")
        name = type(self).__name__
        X = self._validate_multiview_dask(X, reset=True, known_rows=True)
        if self.init == "nndsvda":
            raise ValueError(f"{name}: init='nndsvda' needs an SVD of the whole X; a dask "
                             "array is fitted from init='random' (or init=None).")
        blocks = row_blocks(X)
        stats = [dask.delayed(_column_stats, pure=True)(b) for b in blocks]
        (n, col_min, col_sum, col_sq), = dask.compute(tree_reduce(stats, _merge_column_stats))
        if n < 1:
            raise ValueError(f"Found array with 0 sample(s) while a minimum of 1 is required "
                             f"by {name}.")
        if not np.all(np.isfinite(col_sum)) or not np.all(np.isfinite(col_sq)):
            raise ValueError("Input X contains NaN or infinity.")
        self._check_col_min(col_min, self.views_, "fit")
        lam, c = self._column_weights(
            lambda: [float(col_sq[cols].sum()) for _, cols in self.views_], X.dtype)
        used, unused = np.flatnonzero(c > 0), np.flatnonzero(c == 0)
        mean = float(col_sum[used] @ np.sqrt(c[used])) / (n * used.size)
        k = self.n_components
        Ht, avg, rng = _random_factors(mean, used.size, k, self.random_state, X.dtype)
        H = self._full_h(Ht, c, float(col_sum[unused].sum()) / (n * max(unused.size, 1)),
                         X.dtype)
        # W's rows are drawn on the workers, each block from the stream's state
        # at its first row (the client steps the stream past the block).
        W = []
        for nb in X.chunks[0]:
            W.append((dask.delayed(_draw_w_block, pure=True)(rng.get_state(), avg, nb, k,
                                                             X.dtype), None))
            rng.standard_normal(size=(nb, k))
        step = dask.delayed(_block_step, pure=True)
        beta, xp = self._beta, get_namespace(H)
        norm_X = float(col_sq @ c)
        curve, kl_const, n_iter, t0 = [], 0.0, 0, time.time()
        for it in range(1, self.max_iter + 2):
            # One task per block, (W_b, stats_b), kept on its worker; the next
            # iteration reads W_b there. The statistics merge in a tree.
            outs = [step(b, w, H, c, beta, self.solver, it == 1) for b, w in zip(blocks, W)]
            *W_new, total = dask.persist(*outs, tree_reduce(outs, _merge_steps))
            part, WtW, const, P, G = total.compute()[1]
            if beta == 2:
                loss = _frob_loss(norm_X, part, WtW, (H * c) @ H.T)
            else:
                kl_const += const
                loss = kl_const + part
            curve.append(loss)
            if _should_stop(curve, self.tol, self.verbose, t0) or it == self.max_iter + 1:
                break  # the loss was of the current W: keep it
            n_iter, W = it, W_new
            H = _h_update(xp, H, (P, G), beta=beta, solver=self.solver)
        W = [dask.delayed(_first, pure=True)(w) for w in W]
        if beta == 2:
            parts = [dask.delayed(_residual_norm, pure=True)(b, w, H, c)
                     for b, w in zip(blocks, W)]
            (sq,) = dask.compute(tree_reduce(parts, _add_floats))
            err = float(np.sqrt(sq))
        else:
            err = float(np.sqrt(2.0 * curve[-1]))
        self._finish_fit(lam, c, H, n_iter, curve, err)
        return da.concatenate([da.from_delayed(w, shape=(nb, self.n_components), dtype=X.dtype)
                               for w, nb in zip(W, X.chunks[0])])

    def fit(self, X, y=None):
        """Fit the factorization.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            All views side by side, non-negative. A dask array is fitted on
            its workers (``init="random"``).
        y : None
            Ignored.

        Returns
        -------
        self : CollectiveNMF
            The fitted estimator.
        """
        self.fit_transform(X, y)
        return self

    def _check_same_views(self, X):
        """Every partial_fit block must carry the views of the first, side by side."""
        name = type(self).__name__
        widths = ", ".join(f"{v!r}: {w}" for v, w in zip(self.view_names_, self._view_widths()))
        shape = np.shape(X)  # anything else than 2-D is refused by the validation
        n_cols = shape[1] if len(shape) == 2 else self.n_features_in_
        if n_cols != self.n_features_in_:
            raise ValueError(
                f"X has {n_cols} features, but {name} is expecting {self.n_features_in_} "
                f"features as input: the views seen by partial_fit so far ({widths} "
                "columns); every block must carry all views side by side."
            )
        cols = np.arange(self.n_features_in_)
        for (old, c_old), (new, c_new) in zip(self.views_, resolve_views(self.views, n_cols)):
            if old != new or not np.array_equal(cols[c_old], cols[c_new]):
                raise ValueError(
                    f"{name}.partial_fit: view {old!r} changed between calls (now {new!r}, "
                    f"columns {cols[c_new].tolist()}); `views` must stay as at the first "
                    "call. Call fit, or clone the estimator, to start afresh."
                )
        if self.components_.shape[0] != self.n_components:
            raise ValueError(
                f"{name}.partial_fit: n_components changed from {self.components_.shape[0]} "
                f"to {self.n_components} between calls."
            )

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Update the bases with a block of rows (online NMF).

        The block's shared codes ``W_b`` are solved with ``H`` fixed (as
        :meth:`transform`); the statistics ``A = W_b^T X_b`` and
        ``B = W_b^T W_b`` are added to ``forget_factor`` times the previous
        ones, and every basis ``H_v`` is updated from them (Mairal et al.'s
        online dictionary learning; for the KL loss, the multiplicative
        online rule of scikit-learn's ``MiniBatchNMF``). The first block
        initializes ``H`` (and ``view_weights="norm"``). Passes over the data
        in blocks approach :meth:`fit`; a model fitted by :meth:`fit` is
        refined from its bases.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A block of rows, all views side by side, non-negative.
        y : None
            Ignored.

        Returns
        -------
        self : CollectiveNMF
            The updated estimator.
        """
        self._check_no_second_array(y)
        name = type(self).__name__
        if is_dask_array(X):
            raise TypeError(f"{name}.partial_fit takes in-memory blocks; fit a dask array "
                            "with fit (its iterations run on the workers).")
        self._check_solver()
        first = not hasattr(self, "components_")
        if not first:
            self._check_same_views(X)
        X = self._validate_multiview(X, reset=first)
        self._check_non_negative(X, self.views_, "partial_fit")
        if sp.issparse(X):
            X = X.sorted_indices()
        if first:
            lam, c = self._column_weights(lambda: self._view_sq_norms(X), _numpy_dtype(X))
            _, H = self._init_on_host(X, c)
            self.view_weights_, self._col_weights = lam, c
        else:
            H, c = self.components_.astype(_numpy_dtype(X), copy=False), self._col_weights
        X = self._move(X)
        W = self._solve_w(X, H, c)
        xp = get_namespace(W)
        P, G = (to_numpy(a).astype(np.float64) for a in
                _h_stats(xp, X, W, self._place(H, X), self._beta))
        k, rho = self.n_components, self.forget_factor
        beta, A, B = self.__dict__.get("_online_stats", (self._beta, None, None))
        if beta != self._beta:
            raise ValueError(f"{name}.partial_fit: beta_loss changed between calls; the "
                             "statistics seen so far are of the other loss. Call fit, or "
                             "clone the estimator, to start afresh.")
        if self._beta == 2:
            if A is None:
                A, B = np.zeros(H.shape), np.zeros((k, k))
            A, B = rho * A + P, rho * B + G
            H = H.astype(np.float64)
            for _ in range(_ONLINE_H_SWEEPS):  # H minimizing the accumulated surrogate
                H = _h_update(get_namespace(H), H, (A, B), beta=2, solver=self.solver)
        else:  # scikit-learn's MiniBatchNMF rule (its A, B start at H and 1)
            if A is None:
                A, B = H.astype(np.float64), np.ones(H.shape)
            A, B = rho * A + H * P, rho * B + G[:, None]
            H = A / B
            H[H < np.finfo(np.float64).eps] = 0.0
        self._online_stats = (beta, A, B)
        for attr in ("reconstruction_err_", "loss_curve_", "n_iter_"):  # describe a fit
            self.__dict__.pop(attr, None)
        self._set_components(H.astype(_numpy_dtype(X), copy=False))
        self.n_steps_ = getattr(self, "n_steps_", 0) + 1
        return self

    def transform(self, X):
        """Shared coefficients of new rows from all views (bases fixed).

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            All views side by side, non-negative.

        Returns
        -------
        W : array of shape (n_samples, n_components)
            Minimizer of the weighted loss over ``W >= 0`` with ``H`` fixed
            (a lazy dask array, block by block, for dask input).
        """
        check_is_fitted(self)
        if is_dask_array(X):
            check_dask_output(self)
            X = self._validate_multiview_dask(X, reset=False)
            return map_row_blocks(transform_block, X, self.n_components, self)
        X = self._validate_multiview(X, reset=False)
        self._check_non_negative(X, self.views_, "transform")
        return self._solve_w(self._move(X), self.components_, self._col_weights)

    def transform_view(self, X, view):
        """Shared coefficients from one view, or from several views side by side.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features_of_views)
            The columns of the given view(s), in the order given, non-negative.
        view : str, int or list of those
            The view(s) present, by name (see ``views_``) or position. A list
            embeds rows that have some of the views, e.g. two of three; all
            views give :meth:`transform`.

        Returns
        -------
        W : array of shape (n_samples, n_components)
            Coefficients minimising the weighted loss over the given views.
        """
        check_is_fitted(self)
        if is_dask_array(X):
            check_dask_output(self)
            idx = [self._view_index(v) for v in
                   ([view] if isinstance(view, (str, int, np.integer)) else view)]
            names = [self.view_names_[i] for i in idx]
            X = check_dask_2d(X, f"{type(self).__name__} (views {names})",
                              n_features=sum(self._view_width(i) for i in idx))
            return map_row_blocks(transform_view_block, X, self.n_components, self, view)
        if isinstance(view, (str, int, np.integer)):
            return super().transform_view(X, view)
        X_in = X
        idx = [self._view_index(v) for v in view]
        if not idx or len(set(idx)) != len(idx):
            raise ValueError(f"`view` must list distinct views, got {list(view)!r}.")
        if sp.issparse(X) or is_numpy_namespace(get_namespace(X)):
            X = check_array(X, accept_sparse="csr", dtype=[np.float64, np.float32])
        elif X.ndim != 2:
            raise ValueError(f"Expected a 2-D array, got {X.ndim}-D input.")
        widths = [self._view_width(i) for i in idx]
        names = [self.views_[i][0] for i in idx]
        if X.shape[1] != sum(widths):
            raise ValueError(f"Views {names} have {sum(widths)} features together, but X "
                             f"has {X.shape[1]}.")
        edges = np.cumsum([0] + widths)
        local = [(n, slice(a, b)) for n, a, b in zip(names, edges[:-1], edges[1:])]
        self._check_non_negative(X, local, "transform_view")
        cols = np.concatenate([np.arange(self.n_features_in_)[self.views_[i][1]] for i in idx])
        W = self._solve_w(self._move(X), self.components_[:, cols], self._col_weights[cols])
        return self._wrap_view_output(W, X_in)

    def _transform_one(self, X_view, i):
        # One view alone: its weight cancels, so solve with unit weights.
        self._check_non_negative(X_view, [(self.views_[i][0], slice(None))], "transform_view")
        c = np.ones(X_view.shape[1], dtype=_numpy_dtype(X_view))
        return self._solve_w(self._move(X_view), self.view_components_[i], c)

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
