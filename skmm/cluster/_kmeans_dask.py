"""Lloyd's k-means on a ``dask.array``: block statistics on the workers, centres on the client.

Each iteration sends the ``(k, d)`` centres to the workers, every row block
returns its :func:`~skmm.cluster.lloyd_statistics` (sums, counts, inertia),
the statistics are added in a tree and the client computes the next centres.
The data never leave the workers; only ``O(k d)`` numbers per block travel.
"""

import warnings
from numbers import Integral

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from ..utils._dask import check_dask_2d, row_blocks, tree_reduce
from ..utils._optional import import_optional
from ._kmeans import _assign_block, lloyd_statistics

__all__ = ["kmeans_dask"]


def _block_statistics(block, w, centers):
    sums, counts, inertia = lloyd_statistics(block, centers, sample_weight=w)
    return np.asarray(sums, dtype=np.float64), np.asarray(counts, dtype=np.float64), inertia


def _add(a, b):
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


def _farthest_rows(block, w, centers, offset, m):
    # The m rows of the block farthest from their nearest centre, with their
    # global positions: candidates for re-seeding empty clusters.
    c_norms = np.sum(centers * centers, axis=1)
    labels = _assign_block(np, block, centers, c_norms)
    resid = block - centers[labels]
    far = np.sum(resid * resid, axis=1)
    top = np.argsort(-far, kind="stable")[:m]
    weights = np.ones(top.size) if w is None else np.asarray(w, dtype=np.float64)[top]
    return far[top], offset + top, np.asarray(block[top], dtype=np.float64), weights, labels[top]


def _concat(a, b):
    return tuple(np.concatenate([x, y]) for x, y in zip(a, b))


def _labels_block(block, centers):
    c = centers.astype(block.dtype, copy=False)
    return _assign_block(np, block, c, np.sum(c * c, axis=1)).astype(np.intp)


def kmeans_dask(X, n_clusters, *, init="random", max_iter=300, tol=1e-4, sample_weight=None,
                random_state=None, verbose=0):
    """Lloyd's k-means of a 2-D ``dask.array``, equal to :func:`kmeans` from the same start.

    Every iteration is one pass over ``X`` on the workers: each row block
    returns :func:`lloyd_statistics` for the current centres, the statistics
    are summed in a tree, and the client computes the next centres (and
    re-seeds an empty cluster with the farthest row, as :func:`kmeans`).
    The stopping rule is :func:`kmeans`'s. Each iteration reads ``X``
    again: ``X.persist()`` it first when its blocks are costly to produce.

    Parameters
    ----------
    X : dask array of shape (n_samples, n_features)
        Rows in chunks (the columns are rechunked to one chunk). Integers are
        clustered in float64.
    n_clusters : int
    init : "random" or array of shape (n_clusters, n_features), default="random"
        ``n_clusters`` distinct random rows (the same rows as :func:`kmeans`
        with the same ``random_state``) or the initial centres. k-means++ takes
        ``n_clusters`` passes over the data: seed on a sample with
        :func:`kmeans_plusplus` and pass the centres.
    max_iter : int, default=300
    tol : float, default=1e-4
        As in :func:`kmeans`: relative to the mean per-feature variance of X.
    sample_weight : array of shape (n_samples,), dask array or None
    random_state : int, RandomState instance or None
        Seeds ``init="random"``.
    verbose : int, default=0
        Print the inertia at each iteration.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
    labels : dask array of shape (n_samples,)
        Lazy: the nearest centre of each row, computed block by block.
    inertia : float
    n_iter : int

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from skmm.cluster import kmeans, kmeans_dask
    >>> X = np.random.default_rng(0).normal(size=(300, 2))
    >>> X[:150] += 8
    >>> c, labels, inertia, _ = kmeans_dask(da.from_array(X, chunks=100), 2, random_state=0)
    >>> c_ref, _, inertia_ref, _ = kmeans(X, 2, init="random", random_state=0)
    >>> bool(np.allclose(c, c_ref) and np.isclose(inertia, inertia_ref))
    True
    >>> labels.compute()[:3]
    array([1, 1, 1])
    """
    dask = import_optional("dask", "dask")
    da = import_optional("dask.array", "dask")
    X = check_dask_2d(X, "kmeans_dask")
    n, d = X.shape
    if np.isnan(n):
        raise ValueError("kmeans_dask: the dask array has row chunks of unknown size; call "
                         "X.compute_chunk_sizes() first.")
    if not isinstance(n_clusters, Integral) or isinstance(n_clusters, bool) or n_clusters < 1:
        raise ValueError(f"n_clusters must be a positive integer, got {n_clusters!r}")
    if n < n_clusters:
        raise ValueError(f"X has {n} samples, fewer than n_clusters={n_clusters}")
    if not isinstance(max_iter, Integral) or isinstance(max_iter, bool) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    if not (tol >= 0):
        raise ValueError(f"tol must be >= 0, got {tol!r}")

    if sample_weight is None:
        w_blocks = [None] * len(X.chunks[0])
    else:
        w = sample_weight if isinstance(sample_weight, da.Array) else \
            da.from_array(np.asarray(sample_weight, dtype=np.float64), chunks=(X.chunks[0],))
        if w.shape != (n,):
            raise ValueError(f"sample_weight has shape {w.shape}, expected ({n},)")
        w_blocks = list(w.rechunk((X.chunks[0],)).astype(X.dtype).to_delayed())
    x_blocks = row_blocks(X)
    offsets = np.concatenate([[0], np.cumsum(X.chunks[0])[:-1]]).astype(np.int64)

    if isinstance(init, str):
        if init != "random":
            raise ValueError(
                f"kmeans_dask takes init='random' or an array of centres, got {init!r}; "
                "for k-means++, seed on a sample with skmm.cluster.kmeans_plusplus."
            )
        rows = check_random_state(random_state).permutation(n)[:n_clusters]
        centers = np.asarray(X[rows].compute(), dtype=X.dtype)
    else:
        centers = np.asarray(init, dtype=X.dtype)
        if centers.shape != (n_clusters, d):
            raise ValueError(f"init array has shape {centers.shape}, expected "
                             f"(n_clusters, n_features) = ({n_clusters}, {d})")
        if not np.all(np.isfinite(centers)):
            raise ValueError("init array contains NaN or inf")
    threshold = 0.0 if tol == 0 else float(tol) * float(X.var(axis=0).mean().compute())

    stats = dask.delayed(_block_statistics, pure=True)
    farthest = dask.delayed(_farthest_rows, pure=True)

    def lloyd_pass(centers):
        parts = [stats(b, wb, centers) for b, wb in zip(x_blocks, w_blocks)]
        (total,) = dask.compute(tree_reduce(parts, _add))
        return total

    converged, shift = False, float("inf")
    for n_iter in range(1, max_iter + 1):
        sums, counts, inertia = lloyd_pass(centers)
        empty = np.flatnonzero(counts == 0)
        if empty.size:
            # The same re-seeding as kmeans: the globally farthest rows, ties
            # broken by position (a stable sort over the concatenated blocks).
            parts = [farthest(b, wb, centers, off, empty.size)
                     for b, wb, off in zip(x_blocks, w_blocks, offsets)]
            (cand,) = dask.compute(tree_reduce(parts, _concat))
            far, pos, rows_x, rows_w, rows_lab = cand
            pick = np.lexsort((pos, -far))[:empty.size]
            for new, j in zip(empty, pick):
                sums[rows_lab[j]] -= rows_w[j] * rows_x[j]
                counts[rows_lab[j]] -= rows_w[j]
                sums[new] = rows_w[j] * rows_x[j]
                counts[new] = rows_w[j]
        if verbose:
            print(f"Iteration {n_iter - 1}, inertia {inertia}"
                  + (f", {empty.size} empty cluster(s) re-seeded" if empty.size else "") + ".")
        sums, counts = sums.astype(X.dtype), counts.astype(X.dtype)
        safe = np.where(counts > 0, counts, 1)
        new = np.where((counts > 0)[:, None], sums / safe[:, None], centers).astype(X.dtype)
        shift = float(np.sum((new - centers) ** 2))
        centers = new
        # Unchanged labels give unchanged centres (shift 0): kmeans's strict
        # convergence is met here at the same iteration.
        if shift <= threshold:
            converged = True
            break
    _, counts, inertia = lloyd_pass(centers)
    if not converged:
        warnings.warn(
            f"k-means did not converge in max_iter={max_iter} iterations: the last "
            f"centre shift {shift:.4g} is above tol x mean variance = {threshold:.4g}; "
            "increase max_iter or tol", ConvergenceWarning, stacklevel=2)
    labels = X.map_blocks(_labels_block, centers, drop_axis=1, dtype=np.intp,
                          meta=np.empty((0,), dtype=np.intp))
    return centers, labels, float(inertia), n_iter
