"""The numeric core of the CCA family, as functions shared by every member.

:class:`~skmm.cross_decomposition.CCA`, :class:`~skmm.cross_decomposition.MCCA`,
:class:`~skmm.cross_decomposition.ProbabilisticCCA` and
:class:`~skmm.cross_decomposition.KernelCCA` all solve from the same
sufficient statistics (:class:`~._moments.Moments`) with the same pieces:
per-view shrinkage, whitening by the Cholesky factor of the regularised
covariance, a small eigen/SVD problem, one sign convention and one
held-out score. They call these functions; no estimator reaches into
another's private methods.

The regularisation is a shrinkage towards a scaled identity, scale-free:
``C_reg = (1 - r) C + r trace(C)/d I`` with ``r`` in [0, 1]; ``r = 0`` is plain
CCA, ``r = 1`` whitens nothing (PLS-SVD directions), and ``r = "ledoit-wolf"``
takes the Ledoit-Wolf estimate of ``r`` from the data of each view.
"""

import warnings
from numbers import Real

import numpy as np
import scipy.sparse as sp

from ..utils._array_api import (
    cholesky,
    device,
    eigh_top,
    get_namespace,
    solve_triangular,
    to_numpy,
)

__all__ = [
    "cca_directions",
    "check_finite_moments",
    "check_n_components",
    "diag_of_product",
    "mcca_directions",
    "paired_correlation_score",
    "project",
    "shrink",
    "training_correlations",
    "view_regs",
    "warn_if_degenerate",
    "whitening_factors",
]


def check_finite_moments(moments):
    """Raise if the rows had NaN or inf: they make ``diag(M2)`` or the mean non-finite."""
    xp = get_namespace(moments.m2)
    diag = xp.linalg.diagonal(moments.m2)
    if not (bool(xp.all(xp.isfinite(diag))) and bool(xp.all(xp.isfinite(moments.mean)))):
        raise ValueError("Input X contains NaN or infinity.")


def check_n_components(k, widths, names):
    """``n_components`` may not exceed the smallest view width."""
    if k > min(widths):
        raise ValueError(
            f"n_components={k} must be <= the smallest view width, "
            f"min({dict(zip(names, widths))}) = {min(widths)}; at most "
            "min(n_samples - 1, view widths) canonical correlations (the rank of "
            "the cross-covariance) can be nonzero."
        )


def shrink(xp, C, r):
    """``(1 - r) C + r trace(C)/d I``."""
    d = C.shape[0]
    mu = xp.linalg.trace(C) / d
    return (1 - r) * C + (r * mu) * xp.eye(d, dtype=C.dtype, device=device(C))


def view_regs(reg, moments, views):
    """One shrinkage intensity per view, in [0, 1]."""
    if isinstance(reg, str):  # "ledoit-wolf"
        return [moments.ledoit_wolf_shrinkage(i, cols) for i, (_, cols) in enumerate(views)]
    if isinstance(reg, Real):
        return [float(reg)] * len(views)
    regs = [float(r) for r in reg]
    if len(regs) != len(views) or any(not 0 <= r <= 1 for r in regs):
        raise ValueError(
            f"`reg` given per view must hold {len(views)} numbers in [0, 1], got {list(reg)}."
        )
    return regs


def whitening_factors(moments, views, regs):
    """Lower Cholesky factor of each view's regularised covariance (float64)."""
    xp = get_namespace(moments.m2)
    n = moments.n
    factors = []
    for (name, cols), r in zip(views, regs):
        C = moments.block(cols) / (n - 1)
        if float(xp.linalg.trace(C)) <= 0:
            raise ValueError(
                f"View {name!r} has zero variance (all its columns are constant): "
                "it cannot be correlated with anything."
            )
        try:
            factors.append(cholesky(xp, shrink(xp, C, r)))
        except np.linalg.LinAlgError:
            raise ValueError(
                f"The covariance of view {name!r} is singular (rank-deficient, e.g. "
                f"constant or collinear columns, or fewer samples than features) "
                f"with reg={r:g}; use reg > 0 or reg='ledoit-wolf'."
            ) from None
    return factors


def _whitened_cross(xp, moments, views, factors, i, j):
    """``L_i^{-1} C_ij L_j^{-T}``: the cross-covariance of two whitened views."""
    C = moments.block(views[i][1], views[j][1]) / (moments.n - 1)
    K = solve_triangular(xp, factors[i], C, lower=True)
    return solve_triangular(xp, factors[j], K.T, lower=True).T


def _top_singular_vectors(xp, K, k):
    """Leading ``k`` left and right singular vectors of ``K``.

    Through the eigenvectors of the smaller Gram matrix (half the time of a
    full SVD for the shapes CCA meets); falls back to the SVD when a wanted
    singular value is too small for that route to be accurate.
    """
    transpose = K.shape[0] < K.shape[1]
    A = K.T if transpose else K  # tall: A = U S V^T with V from eigh(A^T A)
    top, evecs = eigh_top(xp, A.T @ A, k)
    if float(xp.min(top)) > 1e-8 * max(float(top[-1]), 1e-300):
        V = xp.flip(evecs, axis=1)
        U = (A @ V) / xp.sqrt(xp.flip(top))
        return (V, U) if transpose else (U, V)
    U, _, Vt = xp.linalg.svd(K, full_matrices=False)
    return U[:, :k], Vt[:k, :].T


def _sign_flip(weights):
    # Deterministic signs: the largest loading of view 0 is positive; the
    # other views follow so that paired correlations stay positive.
    idx = np.argmax(np.abs(weights[0]), axis=0)
    signs = np.sign(weights[0][idx, np.arange(weights[0].shape[1])])
    signs[signs == 0] = 1
    return [W * signs for W in weights]


def cca_directions(moments, views, regs, k):
    """Canonical directions of two views, scaled to unit regularised variance.

    Each view is whitened by the Cholesky factor ``L_i`` of its regularised
    covariance; the top ``k`` singular pairs ``(u, v)`` of the whitened
    cross-covariance give ``w_i = L_i^{-T} u``. Runs in the namespace of the
    moments (on the GPU for CuPy moments).

    Returns
    -------
    weights : list of two NumPy arrays of shape (n_features_of_view, k)
    """
    xp = get_namespace(moments.m2)
    factors = whitening_factors(moments, views, regs)
    K = _whitened_cross(xp, moments, views, factors, 0, 1)
    U, V = _top_singular_vectors(xp, K, k)
    W1 = solve_triangular(xp, factors[0].T, U, lower=False)
    W2 = solve_triangular(xp, factors[1].T, V, lower=False)
    return _sign_flip([to_numpy(W1), to_numpy(W2)])


def mcca_directions(moments, views, regs, k):
    """SUMCOR directions of any number of views and the top eigenvalues.

    The whitened block covariance has identity diagonal blocks and the
    whitened cross-covariances off the diagonal; its top eigenvectors, split
    per view and un-whitened, are the directions (with two views exactly
    CCA's, eigenvalues ``1 + rho``).

    Returns
    -------
    weights : list of NumPy arrays of shape (n_features_of_view, k)
    eigenvalues : NumPy array of shape (k,), decreasing
    """
    xp = get_namespace(moments.m2)
    factors = whitening_factors(moments, views, regs)
    widths = [L.shape[0] for L in factors]
    offsets = np.concatenate([[0], np.cumsum(widths)])
    dev = device(moments.m2)
    rows = []
    for i in range(len(views)):
        rows.append(xp.concat([
            xp.eye(widths[i], dtype=xp.float64, device=dev) if i == j
            else _whitened_cross(xp, moments, views, factors, i, j)
            for j in range(len(views))
        ], axis=1))
    T = xp.concat(rows, axis=0)
    T = (T + T.T) / 2
    evals, evecs = xp.linalg.eigh(T)
    evals = to_numpy(evals)[::-1][:k]
    evecs = evecs[:, -k:]
    weights = []
    for i in range(len(views)):
        V = to_numpy(evecs[offsets[i]:offsets[i + 1], :])[:, ::-1]
        norms = np.linalg.norm(V, axis=0)
        V = V / np.where(norms > 0, norms, 1.0)
        V = xp.asarray(np.ascontiguousarray(V), device=dev)
        weights.append(to_numpy(solve_triangular(xp, factors[i].T, V, lower=False)))
    return _sign_flip(weights), evals


def diag_of_product(A, C, B):
    """``diag(A^T C B)`` as a column sum: one GEMM, where einsum would loop."""
    return np.sum(A * (C @ B), axis=0)


def training_correlations(moments, views, weights):
    """Mean over view pairs of the correlation of paired training projections.

    Computed from the (unregularised) covariances, so it is a true correlation
    in [-1, 1] whatever the shrinkage.
    """
    blocks = {}

    def cov(a, b):
        if (a, b) not in blocks:
            blocks[a, b] = to_numpy(moments.block(views[a][1], views[b][1]))
        return blocks[a, b]

    # A direction in the null space of a rank-deficient view has variance 0
    # up to rounding, possibly negative: clip before the square root.
    var = [np.maximum(diag_of_product(W, cov(a, a), W), 0.0) for a, W in enumerate(weights)]
    total, pairs = 0.0, 0
    for a in range(len(weights)):
        for b in range(a + 1, len(weights)):
            num = diag_of_product(weights[a], cov(a, b), weights[b])
            den = np.sqrt(var[a] * var[b])
            total = total + np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)
            pairs += 1
    return total / pairs


def _view_rank(moments, cols):
    """Numerical rank of one view's covariance (eigenvalues above d * eps * max)."""
    C = to_numpy(moments.block(cols))
    evals = np.linalg.eigvalsh((C + C.T) / 2)
    top = max(float(evals[-1]), 0.0)
    return int(np.sum(evals > top * C.shape[0] * np.finfo(np.float64).eps * 10))


def warn_if_degenerate(estimator_name, moments, views, correlations):
    """Warn about components that carry no information, or correlations that cannot be trusted.

    - With ``n - 1 < d_1 + d_2`` the views share a subspace by chance and the
      training correlations approach 1 for any data (pure noise with 50 rows
      and 2 x 200 columns reaches 0.96 under Ledoit-Wolf shrinkage, 1.0
      without), so they are no evidence of a relation.
    - A component with (near) zero training correlation beyond the rank of a
      view (e.g. topic proportions summing to 1 lose one dimension) is empty.
      The rank is computed only then, so the usual fit pays nothing.
    """
    n = moments.n
    widths = {name: (c.stop - c.start if isinstance(c, slice) else len(c)) for name, c in views}
    correlations = np.asarray(correlations)
    if n - 1 < sum(widths.values()):
        warnings.warn(
            f"{estimator_name} fitted on {n} samples with views of {widths} columns "
            f"(together {sum(widths.values())} >= n_samples - 1): the views share "
            "directions by chance, so the training correlations (here up to "
            f"{np.max(np.abs(correlations)):.4f}) are inflated towards 1 whatever the data, "
            "pure noise included. Judge the fit on held-out rows (score).",
            UserWarning, stacklevel=3,
        )
        return
    tiny = np.abs(correlations) < 1e-4
    if not np.any(tiny):
        return
    ranks = {name: _view_rank(moments, cols) for name, cols in views}
    low = {name: r for name, r in ranks.items() if r < len(correlations)}
    if low:
        warnings.warn(
            f"{estimator_name}: n_components={len(correlations)} exceeds the rank of view(s) "
            f"{low} (rank-deficient covariance, e.g. columns that sum to a constant); "
            f"components {np.flatnonzero(tiny).tolist()} have zero correlation and carry "
            f"no information. Use n_components <= {min(low.values())}.",
            UserWarning, stacklevel=3,
        )


def project(X_view, W, mean):
    """``(X_view - mean) @ W`` in the dtype and namespace of ``X_view`` (sparse kept sparse)."""
    if sp.issparse(X_view):
        W = W.astype(X_view.dtype, copy=False)
        return np.asarray(X_view @ W) - mean.astype(X_view.dtype) @ W
    xp = get_namespace(X_view)
    dev = device(X_view)
    W = xp.asarray(W, dtype=X_view.dtype, device=dev)
    mean = xp.asarray(mean, dtype=X_view.dtype, device=dev)
    return (X_view - mean) @ W


def _corr_columns(xp, A, B):
    """Pearson correlation of matching columns of A and B (0 when constant)."""
    A = A - xp.mean(A, axis=0)
    B = B - xp.mean(B, axis=0)
    num = xp.sum(A * B, axis=0)
    den = xp.sqrt(xp.sum(A * A, axis=0) * xp.sum(B * B, axis=0))
    safe = xp.where(den > 0, den, xp.ones_like(den))
    return xp.where(den > 0, num / safe, xp.zeros_like(num))


def paired_correlation_score(Z):
    """Sum over components of the correlation of paired projections ``Z[a]``,
    ``Z[b]``, averaged over view pairs (the ``score`` of the CCA family)."""
    xp = get_namespace(*Z)
    total, pairs = 0.0, 0
    for a in range(len(Z)):
        for b in range(a + 1, len(Z)):
            total += float(xp.sum(_corr_columns(xp, Z[a], Z[b])))
            pairs += 1
    return total / pairs
