"""Affinity graphs over several views and their fusion, shared by the graph learners.

The spectral clusterer (:class:`skmm.cluster.MultiViewSpectralClustering`)
and the label spreader (:class:`skmm.semi_supervised.MultiViewLabelSpreading`)
build their graph here, so a graph means the same thing in both.

Distances are made comparable across views first: the squared distance of
view ``v`` is divided by its mean over all pairs of training rows, which has
the closed form ``2 * sum of the view's column variances`` (see
:func:`view_scales`). A view of 6 columns and one of 240 then weigh the same
unless ``weights`` say otherwise. Two fusion rules:

- ``"product"``: one graph on the weighted sum of the normalised distances.
  For RBF weights this is exactly the product of per-view RBF kernels
  ``prod_v exp(-gamma w_v d_v)``; for a kNN graph the neighbours are those
  of that fused distance (a pair must be close in every view).
- ``"mean"``: one graph per view (its own neighbours), averaged with the
  weights (a pair close in some views is kept).

kNN graphs are sparse (CSR), symmetrised as ``(W + W.T) / 2`` (scikit-learn's
``SpectralClustering`` rule) and weighted by ``exp(-d_ij / (s_i s_j))`` where
``s_i`` is the distance of row ``i`` to its 7th neighbour (``"self_tuning"``,
Zelnik-Manor & Perona, NIPS 2004), or by ``exp(-d_ij / s^2)`` with ``s^2``
the median kNN distance (``"global"``), or 0/1 (``None``). Every graph has a
zero diagonal. The code is NumPy/SciPy (the standard has no sparse arrays);
for arrays of another namespace (CuPy, ``array_api_strict``) the same graphs
are built dense, ``n x n`` on the input's device (:func:`affinity_graph`).
Neighbours tied with the ``k``-th distance are taken by increasing index in
both paths.
"""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp

from ._array_api import device, get_namespace, is_numpy_namespace
from ._pairwise import squared_distances

__all__ = [
    "AFFINITIES",
    "BANDWIDTHS",
    "FUSIONS",
    "affinity_graph",
    "affinity_to",
    "fusion_weights",
    "normalized_affinity",
    "standardize_columns",
    "view_scales",
]

AFFINITIES = ("nearest_neighbors", "rbf")
FUSIONS = ("product", "mean")
BANDWIDTHS = ("self_tuning", "global")

# The neighbour that sets a row's local scale (Zelnik-Manor & Perona's choice).
_SELF_TUNING_NEIGHBOR = 7
# Elements of the (rows, n) distance block computed at a time.
_BLOCK_ELEMENTS = 2**22
# Most entries of a dense (device) graph: 32-bit LAPACK-style eigensolvers
# index an n x n matrix with int32, and at this size one float64 matrix is
# already 16 GiB (the dense path holds several).
_DENSE_MAX_ENTRIES = 2**31 - 1


def _name(names, v):
    return f"view {names[v]!r}" if names is not None else f"view {v}"


def view_scales(blocks, names=None):
    """Mean squared distance between rows, per view: ``2 * sum of column variances``.

    Parameters
    ----------
    blocks : list of ndarray of shape (n_samples, d_v)
        The column block of each view.
    names : list of str or None
        View names, for the error message.

    Returns
    -------
    scales : ndarray of shape (n_views,)

    Raises
    ------
    ValueError
        When a view is constant (every row equal): it defines no distance.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.utils._graph import view_scales
    >>> A = np.array([[0.0], [2.0]])       # pairs: (0, 0), (0, 4), (4, 0), (0, 0)
    >>> view_scales([A, 2 * A]).tolist()
    [2.0, 8.0]
    """
    xp = get_namespace(*blocks)
    scales = np.array([2.0 * float(xp.sum(xp.var(B, axis=0))) for B in blocks])
    for v, s in enumerate(scales):
        if not s > 0:
            raise ValueError(
                f"{_name(names, v)} is constant (all rows equal): it defines no "
                "distances for an affinity graph. Drop it from X and `views`.")
    return scales


def fusion_weights(weights, n_views):
    """View weights as an array summing to 1 (None: equal weights)."""
    if weights is None:
        return np.full(n_views, 1.0 / n_views)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n_views,):
        raise ValueError(f"view_weights has {w.size} entries for {n_views} views.")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"view_weights must be finite, non-negative and not all zero, "
                         f"got {w.tolist()}.")
    return w / w.sum()


def _check_params(affinity, fusion, bandwidth, n_neighbors, gamma):
    if affinity not in AFFINITIES:
        raise ValueError(f"affinity must be one of {AFFINITIES}, got {affinity!r}.")
    if fusion not in FUSIONS:
        raise ValueError(f"fusion must be one of {FUSIONS}, got {fusion!r}.")
    if bandwidth is not None and bandwidth not in BANDWIDTHS:
        raise ValueError(f"bandwidth must be one of {BANDWIDTHS} or None, got {bandwidth!r}.")
    if not isinstance(n_neighbors, Integral) or n_neighbors < 1:
        raise ValueError(f"n_neighbors must be a positive integer, got {n_neighbors!r}.")
    if not (isinstance(gamma, Real) and gamma > 0):
        raise ValueError(f"gamma must be a positive number, got {gamma!r}.")


def _scaled_concat(blocks, views, scales, w):
    """The views side by side, view ``v`` times ``sqrt(w_v / s_v)``.

    Squared distances of the result are the weighted sum of the normalised
    per-view distances: one GEMM instead of one per view.
    """
    # Python floats: a NumPy scalar must not promote or leave another namespace.
    parts = [blocks[v] * float(np.sqrt(wv / scales[v])) for v, wv in zip(views, w)]
    return parts[0] if len(parts) == 1 else get_namespace(*parts).concat(parts, axis=1)


def _row_chunks(n_rows, n_cols):
    rows = max(1, _BLOCK_ELEMENTS // max(1, n_cols))
    return [(start, min(start + rows, n_rows)) for start in range(0, n_rows, rows)]


def _knn(D, k, exclude_offset=None):
    """Indices and distances of the ``k`` smallest entries of each row of ``D``.

    ``exclude_offset``: the block's first row index within the training set,
    so that a row is not its own neighbour.
    """
    if exclude_offset is not None:
        rows = np.arange(D.shape[0])
        D[rows, rows + exclude_offset] = np.inf
    idx = np.argpartition(D, k - 1, axis=1)[:, :k]
    dist = np.take_along_axis(D, idx, axis=1)
    # argpartition takes any of the entries tied with the k-th distance; the
    # rows with such a tie take the lowest columns (the device path's rule).
    tied = np.flatnonzero(np.count_nonzero(D <= dist.max(axis=1)[:, None], axis=1) > k)
    if tied.size:
        idx[tied] = np.argsort(D[tied], axis=1, kind="stable")[:, :k]
        dist[tied] = np.take_along_axis(D[tied], idx[tied], axis=1)
    order = np.argsort(dist, axis=1, kind="stable")
    return np.take_along_axis(idx, order, axis=1), np.take_along_axis(dist, order, axis=1)


def _knn_graph(dist_blocks, n, k, bandwidth):
    """Symmetrised sparse kNN graph from a generator of (start, D_block)."""
    idx = np.empty((n, k), dtype=np.int64)
    dist = np.empty((n, k))
    for start, D in dist_blocks:
        i, d = _knn(D, k, exclude_offset=start)
        idx[start:start + D.shape[0]], dist[start:start + D.shape[0]] = i, d
    dist = np.maximum(dist, 0.0)
    if bandwidth is None:
        vals = np.ones_like(dist)
    elif bandwidth == "self_tuning":
        sigma = np.sqrt(dist[:, min(_SELF_TUNING_NEIGHBOR, k) - 1])
        sigma = np.where(sigma > 0, sigma, np.finfo(np.float64).tiny ** 0.25)
        vals = np.exp(-dist / (sigma[:, None] * sigma[idx]))
    else:  # "global"
        s2 = float(np.median(dist))
        vals = np.exp(-dist / (s2 if s2 > 0 else 1.0))
    W = sp.csr_matrix((vals.ravel(), (np.repeat(np.arange(n), k), idx.ravel())), shape=(n, n))
    return ((W + W.T) * 0.5).tocsr()


def _check_dense_size(n):
    if n * n > _DENSE_MAX_ENTRIES:
        raise ValueError(
            f"A dense affinity graph over {n} rows has {n}x{n} = {n * n:,} entries, more "
            f"than 2**31 - 1 (the int32 indexing of dense eigensolvers); each n x n float64 "
            f"matrix takes {n * n * 8 / 2**30:.1f} GiB and the device path holds several. "
            "Build the sparse kNN graph on the CPU (NumPy input, device=None or 'cpu') or "
            "subsample the rows.")


def _off_diagonal(xp, n, dev):
    r = xp.arange(n, device=dev)
    return r[:, None] != r[None, :]


def _dense_knn_graph(xp, D, k, bandwidth):
    """:func:`_knn_graph` as a dense ``n x n`` array in ``xp``, from all squared distances ``D``.

    Same neighbours (ties with the ``k``-th distance by increasing column, a
    row never its own neighbour), weights and symmetrisation; entries off the
    kNN graph are 0.
    """
    n = D.shape[0]
    off = _off_diagonal(xp, n, device(D))
    D = xp.where(off, D, xp.asarray(xp.inf, dtype=D.dtype, device=device(D)))
    # Each row's k smallest, ascending (a copy: the full sort is freed).
    nearest = xp.asarray(xp.sort(D, axis=1)[:, :k], copy=True)
    kth = nearest[:, k - 1:]
    keep = D <= kth
    if bool(xp.any(xp.sum(xp.astype(keep, xp.int64), axis=1) > k)):
        # Ties with the k-th distance: the first ones by column, up to k.
        below = D < kth
        at = D == kth
        n_below = xp.sum(xp.astype(below, xp.int64), axis=1, keepdims=True)
        keep = below | (at & (xp.cumulative_sum(xp.astype(at, xp.int64), axis=1)
                              <= k - n_below))
    if bandwidth is None:
        W = xp.astype(keep, D.dtype)
    else:
        if bandwidth == "self_tuning":
            sigma = xp.sqrt(nearest[:, min(_SELF_TUNING_NEIGHBOR, k) - 1])
            sigma = xp.where(sigma > 0, sigma, float(np.finfo(np.float64).tiny) ** 0.25)
            vals = xp.exp(-D / (sigma[:, None] * sigma[None, :]))
        else:  # "global": the median of the n * k neighbour distances, as np.median
            v = xp.sort(xp.reshape(nearest, (-1,)))
            m = v.shape[0]
            s2 = float(v[m // 2] if m % 2 else (v[m // 2 - 1] + v[m // 2]) / 2)
            vals = xp.exp(-D / (s2 if s2 > 0 else 1.0))
        W = xp.where(keep, vals, xp.zeros_like(vals))
    return (W + W.T) * 0.5


def _dense_graph(xp, blocks, used, scales, w, *, affinity, fusion, k, bandwidth, gamma):
    """:func:`affinity_graph` for a namespace without sparse arrays: dense, in ``xp``."""
    n = blocks[0].shape[0]
    _check_dense_size(n)
    groups = ([(used, w[used], 1.0)] if fusion == "product"
              else [([v], [1.0], float(w[v])) for v in used])
    W = None
    for views, view_w, weight in groups:
        if affinity == "rbf":
            # The NumPy path's operations, in its order: the same values.
            if fusion == "product":
                Z = _scaled_concat(blocks, views, scales, view_w)
                G = xp.exp(-float(gamma) * squared_distances(xp, Z, Z))
            else:
                v = views[0]
                G = xp.exp(float(-gamma / scales[v])
                           * squared_distances(xp, blocks[v], blocks[v]))
            G = xp.where(_off_diagonal(xp, n, device(G)), G, xp.zeros_like(G))
        else:
            Z = _scaled_concat(blocks, views, scales, view_w)
            G = _dense_knn_graph(xp, squared_distances(xp, Z, Z), k, bandwidth)
        G = G if fusion == "product" else weight * G
        W = G if W is None else W + G
    return W


def affinity_graph(blocks, *, affinity="nearest_neighbors", fusion="product", n_neighbors=10,
                   bandwidth="self_tuning", gamma=1.0, weights=None, scales=None, names=None):
    """Affinity graph over the rows of several views, fused into one.

    Parameters
    ----------
    blocks : list of ndarray of shape (n_samples, d_v)
        The column block of each view (at least two rows).
    affinity : {"nearest_neighbors", "rbf"}
        A sparse kNN graph, or a dense RBF kernel ``exp(-gamma d)``.
    fusion : {"product", "mean"}
        One graph on the fused distance, or the weighted mean of per-view
        graphs (module docstring).
    n_neighbors : int
        Neighbours per row for ``"nearest_neighbors"``; at most
        ``n_samples - 1`` are used.
    bandwidth : {"self_tuning", "global"} or None
        Edge weights of the kNN graph (module docstring); None: 0/1.
    gamma : float
        RBF coefficient on the normalised distance (whose mean over all
        pairs is 1 per view).
    weights : array-like of shape (n_views,) or None
        Weight of each view (normalised to sum 1); None: equal.
    scales : ndarray of shape (n_views,) or None
        Per-view distance scales; None: :func:`view_scales` of ``blocks``.
    names : list of str or None
        View names for error messages.

    Returns
    -------
    W : scipy.sparse.csr_matrix or ndarray of shape (n_samples, n_samples)
        Symmetric, non-negative, zero diagonal; sparse for kNN. For blocks
        of another namespace (CuPy, ``array_api_strict``): a dense array of
        that namespace, on the blocks' device, with the same values (0 off
        the kNN graph).

    Raises
    ------
    ValueError
        For a dense graph (not NumPy) of more than ``2**31 - 1`` entries
        (46,341 rows or more).

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.utils._graph import affinity_graph
    >>> A = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> W = affinity_graph([A, A], n_neighbors=1, bandwidth=None)
    >>> W.toarray()
    array([[0., 1., 0., 0.],
           [1., 0., 0., 0.],
           [0., 0., 0., 1.],
           [0., 0., 1., 0.]])
    """
    _check_params(affinity, fusion, bandwidth, n_neighbors, gamma)
    n = blocks[0].shape[0]
    if n < 2:
        raise ValueError(f"An affinity graph needs at least 2 samples, got {n}.")
    w = fusion_weights(weights, len(blocks))
    if scales is None:
        scales = view_scales(blocks, names)
    xp = get_namespace(blocks[0])
    used = [v for v in range(len(blocks)) if w[v] > 0]
    if not is_numpy_namespace(xp):
        return _dense_graph(xp, blocks, used, scales, w, affinity=affinity, fusion=fusion,
                            k=min(int(n_neighbors), n - 1), bandwidth=bandwidth, gamma=gamma)
    if affinity == "rbf":
        if fusion == "product":
            Z = _scaled_concat(blocks, used, scales, w[used])
            W = np.exp(-gamma * squared_distances(xp, Z, Z))
        else:
            W = sum(w[v] * np.exp(-gamma / scales[v] * squared_distances(xp, blocks[v],
                                                                        blocks[v]))
                    for v in used)
        np.fill_diagonal(W, 0.0)
        return W
    k = min(int(n_neighbors), n - 1)

    def fused_blocks(views, view_w):
        Z = _scaled_concat(blocks, views, scales, view_w)
        for start, stop in _row_chunks(n, n):
            yield start, squared_distances(xp, Z[start:stop], Z)

    if fusion == "product":
        return _knn_graph(fused_blocks(used, w[used]), n, k, bandwidth)
    return sum(w[v] * _knn_graph(fused_blocks([v], [1.0]), n, k, bandwidth)
               for v in used).tocsr()


def affinity_to(new_blocks, blocks, *, affinity="nearest_neighbors", fusion="product",
                n_neighbors=10, gamma=1.0, weights=None, scales, names=None):
    """Affinities of new rows to the rows of a graph, for out-of-sample prediction.

    Same fusion as :func:`affinity_graph`. For ``"nearest_neighbors"`` each
    new row is linked with weight 1 to its ``n_neighbors`` nearest graph rows
    (under the fused distance, or per view for ``"mean"``), as scikit-learn's
    ``LabelSpreading(kernel="knn")`` predicts; a new row equal to a graph row
    counts it as a neighbour.

    Parameters
    ----------
    new_blocks, blocks : list of ndarray
        Per-view blocks of the new rows and of the graph's rows.
    affinity, fusion, n_neighbors, gamma, weights, names
        As in :func:`affinity_graph`.
    scales : ndarray of shape (n_views,)
        The graph's :func:`view_scales` (never those of the new rows).

    Returns
    -------
    K : ndarray of shape (n_new, n_samples)

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.utils._graph import affinity_to, view_scales
    >>> A = np.array([[0.0], [1.0], [5.0]])
    >>> affinity_to([A[:1] + 0.1] * 2, [A, A], n_neighbors=2, scales=view_scales([A, A]))
    array([[1., 1., 0.]])
    """
    _check_params(affinity, fusion, None, n_neighbors, gamma)
    w = fusion_weights(weights, len(blocks))
    xp = get_namespace(blocks[0])
    used = [v for v in range(len(blocks)) if w[v] > 0]
    m, n = new_blocks[0].shape[0], blocks[0].shape[0]
    if affinity == "rbf":
        if fusion == "product":
            return np.exp(-gamma * squared_distances(
                xp, _scaled_concat(new_blocks, used, scales, w[used]),
                _scaled_concat(blocks, used, scales, w[used])))
        return sum(w[v] * np.exp(-gamma / scales[v]
                                 * squared_distances(xp, new_blocks[v], blocks[v]))
                   for v in used)
    k = min(int(n_neighbors), n)
    if fusion == "product":
        groups = [(used, w[used], 1.0)]
    else:
        groups = [([v], [1.0], w[v]) for v in used]
    K = np.zeros((m, n))
    for views, view_w, weight in groups:
        Z_new = _scaled_concat(new_blocks, views, scales, view_w)
        Z = _scaled_concat(blocks, views, scales, view_w)
        for start, stop in _row_chunks(m, n):
            idx, _ = _knn(squared_distances(xp, Z_new[start:stop], Z), k)
            np.put_along_axis(K[start:stop], idx,
                              np.take_along_axis(K[start:stop], idx, axis=1) + weight, axis=1)
    return K


def normalized_affinity(W):
    """``D^{-1/2} W D^{-1/2}`` with a zero diagonal, ``D`` the off-diagonal degrees.

    scikit-learn's ``LabelSpreading`` graph (minus its normalised Laplacian
    with the diagonal cleared) and the matrix whose top eigenvectors spectral
    clustering uses (Ng, Jordan & Weiss 2001). An isolated row keeps degree 1.

    Parameters
    ----------
    W : sparse matrix or ndarray of shape (n, n)
        Symmetric non-negative affinities.

    Returns
    -------
    S : same kind as ``W``
        A dense array of another namespace stays in it, on its device.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.utils._graph import normalized_affinity
    >>> normalized_affinity(np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]))
    array([[0.        , 0.70710678, 0.70710678],
           [0.70710678, 0.        , 0.        ],
           [0.70710678, 0.        , 0.        ]])
    """
    if sp.issparse(W):
        W = sp.csr_matrix(W, dtype=np.float64, copy=True)
        W.setdiag(0.0)
        W.eliminate_zeros()
        d = np.asarray(W.sum(axis=1)).ravel()
        inv = 1.0 / np.sqrt(np.where(d > 0, d, 1.0))
        return sp.diags(inv) @ W @ sp.diags(inv)
    xp = get_namespace(W)
    if not is_numpy_namespace(xp):
        W = xp.where(_off_diagonal(xp, W.shape[0], device(W)), W, xp.zeros_like(W))
        d = xp.sum(W, axis=1)
        inv = 1.0 / xp.sqrt(xp.where(d > 0, d, xp.ones_like(d)))
        return inv[:, None] * W * inv[None, :]
    W = np.array(W, dtype=np.float64)
    np.fill_diagonal(W, 0.0)
    d = W.sum(axis=1)
    inv = 1.0 / np.sqrt(np.where(d > 0, d, 1.0))
    return inv[:, None] * W * inv[None, :]


def standardize_columns(X):
    """Column means and scales (std; 1 for a constant column), as ``StandardScaler``.

    Computed in the namespace of ``X`` (NumPy, CuPy, ...).

    The graph learners standardise before the distances because the views'
    units differ; the statistics are kept to map new rows the same way.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.utils._graph import standardize_columns
    >>> mean, scale = standardize_columns(np.array([[0.0, 1.0], [2.0, 1.0]]))
    >>> mean.tolist(), scale.tolist()
    ([1.0, 1.0], [1.0, 1.0])
    """
    xp = get_namespace(X)
    mean = xp.mean(X, axis=0)
    scale = xp.std(X, axis=0)
    return mean, xp.where(scale > 0, scale, xp.ones_like(scale))
