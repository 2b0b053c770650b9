"""Exact top-k search in blocks: cosine, euclidean, inner product and Hamming.

A gallery of ``n_items`` is searched block by block: each block of queries
meets each block of items, the best ``k`` of that block are selected by
partial selection (``np.partition``, linear time) and merged with the best
``k`` so far. Memory stays at ``batch_size x block_size`` scores however many
items there are, so 10^6 items are searched without an
``n_queries x n_items`` matrix.

The result is exact and deterministic: items are ranked by decreasing score,
and items of equal score by increasing index (the rule a stable sort of
``-scores`` follows). Hamming distances, full of ties, rank the same on every
run and every block size.

Hamming distances count differing bits of packed codes (``np.packbits``,
``uint8``): bytes are viewed as 64-, 32-, 16- or 8-bit words, XORed and
counted with ``np.bitwise_count`` (NumPy >= 2) or a 256-entry table.
"""

import numbers

import numpy as np
from sklearn import get_config

from ..utils._array_api import (
    as_code_words,
    bitwise_count,
    device,
    get_namespace,
    top_k_rows,
)
from ..utils._dask import is_dask_array, map_row_blocks_pair
from ._hamming_kernel import hamming_top_k_compiled, numba_available

__all__ = ["METRICS", "hamming_distances", "pairwise_scores", "popcount", "top_k"]

METRICS = ("cosine", "euclidean", "inner", "hamming")

_POPCOUNT_TABLE = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def popcount(a):
    """Number of set bits of each element of an unsigned integer array.

    Uses ``np.bitwise_count`` when NumPy has it (>= 2.0), else a 256-entry
    table over the bytes of ``a``.

    Parameters
    ----------
    a : ndarray of unsigned integers

    Returns
    -------
    counts : ndarray of uint8, same shape as ``a``

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.retrieval import popcount
    >>> popcount(np.array([0, 1, 255, 2**63], dtype=np.uint64)).tolist()
    [0, 1, 8, 1]
    """
    a = np.asarray(a)
    if a.dtype.kind != "u":
        raise TypeError(f"popcount takes unsigned integers, got dtype {a.dtype}.")
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(a)
    return _popcount_table(a)


def _popcount_table(a):
    a = np.ascontiguousarray(a)
    b = a.view(np.uint8).reshape(a.shape + (a.dtype.itemsize,))
    return _POPCOUNT_TABLE[b].sum(axis=-1, dtype=np.uint8)


def _as_words(codes):
    """View packed ``uint8`` codes ``(n, n_bytes)`` as the widest words dividing them."""
    for dtype in (np.uint64, np.uint32, np.uint16):
        if codes.shape[1] % np.dtype(dtype).itemsize == 0:
            return np.ascontiguousarray(codes).view(dtype)
    return np.ascontiguousarray(codes)


def _check_codes(codes, name):
    codes = np.asarray(codes)
    if codes.dtype != np.uint8 or codes.ndim != 2:
        raise TypeError(
            f"{name}: Hamming search takes packed binary codes, a 2-D uint8 array "
            f"(np.packbits of the bits, as the hashers' transform returns); got "
            f"dtype {codes.dtype} and shape {codes.shape}."
        )
    return codes


def hamming_distances(A, B):
    """Hamming distances between packed binary codes.

    Parameters
    ----------
    A : ndarray of uint8, shape (n, n_bytes)
        Packed codes (``np.packbits(bits, axis=1)``).
    B : ndarray of uint8, shape (m, n_bytes)

    Returns
    -------
    distances : ndarray of int32, shape (n, m)
        Number of differing bits.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.retrieval import hamming_distances
    >>> A = np.packbits([[1, 0, 1, 1, 0, 0, 0, 0]], axis=1)
    >>> B = np.packbits([[1, 0, 1, 1, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0, 1]], axis=1)
    >>> hamming_distances(A, B)
    array([[0, 5]], dtype=int32)
    """
    A, B = _check_codes(A, "A"), _check_codes(B, "B")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"Codes of {A.shape[1] * 8} and {B.shape[1] * 8} bits cannot be "
                         "compared.")
    return _hamming(_as_words(A), _as_words(B)).astype(np.int32)


def _hamming(Aw, Bw):
    # One word column at a time: the (n, m) temporaries stay two-dimensional.
    d = popcount(Aw[:, 0, None] ^ Bw[None, :, 0])
    if Aw.shape[1] > 1:
        d = d.astype(np.uint16)
        for j in range(1, Aw.shape[1]):
            d += popcount(Aw[:, j, None] ^ Bw[None, :, j])
    return d


def _prepare(X, metric, name):
    if metric == "hamming":
        return _as_words(_check_codes(X, name)), None
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (one row per point), got shape {X.shape}.")
    if X.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be numeric for metric={metric!r}, got dtype {X.dtype}.")
    if X.dtype.kind != "f":
        X = X.astype(np.float64)
    if not np.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or infinity.")
    if metric == "cosine":
        norms = np.linalg.norm(X, axis=1, keepdims=True)
        # A zero vector has no direction: it scores 0 against everything.
        X = X / np.where(norms > 0, norms, 1)
        return X, None
    if metric == "euclidean":
        return X, np.einsum("ij,ij->i", X, X)
    return X, None


def _block_scores(Q, q_sq, I, i_sq, metric):
    """Scores of a query block against an item block; higher is better.

    Euclidean gives ``-||q - i||^2`` here (same ranking, no square root over
    the block); :func:`top_k` takes the root of the selected ``k`` only.
    """
    if metric == "hamming":
        return -_hamming(Q, I).astype(np.int16)
    S = Q @ I.T
    if metric == "euclidean":
        S *= 2
        S -= q_sq[:, None]
        S -= i_sq[None, :]
        np.minimum(S, 0, out=S)
    return S


def _finish(S, metric):
    if metric == "euclidean":
        return -np.sqrt(-S)
    return S


def _check_metric(metric):
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}.")


def _check_pair(Q, I, metric):
    _check_metric(metric)
    Q, q_sq = _prepare(Q, metric, "queries")
    I, i_sq = _prepare(I, metric, "items")
    if Q.shape[1] != I.shape[1]:
        what = "bytes of code" if metric == "hamming" else "features"
        raise ValueError(
            f"Queries have {Q.shape[1] * Q.dtype.itemsize if metric == 'hamming' else Q.shape[1]}"
            f" {what} but items have "
            f"{I.shape[1] * I.dtype.itemsize if metric == 'hamming' else I.shape[1]}."
        )
    return Q, q_sq, I, i_sq


def pairwise_scores(queries, items, *, metric="cosine"):
    """Full score matrix of queries against items (higher ranks first).

    Parameters
    ----------
    queries : ndarray of shape (n_queries, n_features)
        Points of the shared space, or packed ``uint8`` codes for Hamming.
    items : ndarray of shape (n_items, n_features)
    metric : {"cosine", "euclidean", "inner", "hamming"}, default="cosine"
        ``"cosine"``: cosine similarity (a zero vector scores 0);
        ``"euclidean"``: minus the Euclidean distance; ``"inner"``: inner
        product; ``"hamming"``: minus the number of differing bits.

    Returns
    -------
    scores : ndarray of shape (n_queries, n_items)
        Float for the real metrics, int for Hamming. This is the input of
        :mod:`skmm.metrics`; for large galleries use :func:`top_k`.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.retrieval import pairwise_scores
    >>> pairwise_scores(np.array([[1.0, 0.0]]), np.array([[2.0, 0.0], [0.0, 1.0]]))
    array([[1., 0.]])
    """
    Q, q_sq, I, i_sq = _check_pair(queries, items, metric)
    S = _block_scores(Q, q_sq, I, i_sq, metric)
    return _finish(S, metric).astype(np.int32) if metric == "hamming" else _finish(S, metric)


def _select(S, k, offset):
    """Best ``k`` columns of each row of ``S``: scores, then column + ``offset``.

    Partial selection finds each row's k-th best value ``t``; the candidates
    ``>= t`` (at least ``k``, more when ``t`` is tied) are sorted by
    (score descending, column ascending) and the first ``k`` kept.
    """
    n, b = S.shape
    k = min(k, b)
    if k < b:
        t = np.partition(S, b - k, axis=1)[:, b - k]
        rows, cols = np.nonzero(S >= t[:, None])
    else:
        rows, cols = np.divmod(np.arange(n * b), b)
    vals = S[rows, cols]
    order = np.lexsort((cols, -vals.astype(np.float64) if vals.dtype.kind != "f" else -vals,
                        rows))
    starts = np.searchsorted(rows, np.arange(n))  # rows come out of nonzero sorted
    take = order[starts[:, None] + np.arange(k)[None, :]]
    return vals[take], cols[take].astype(np.int64) + offset


def _merge(best_s, best_i, s, i, k):
    """Merge two candidate lists per row, keeping the best ``k`` by the tie rule."""
    S = np.concatenate([best_s, s], axis=1)
    I = np.concatenate([best_i, i], axis=1)
    order = np.lexsort((I, -S), axis=1)[:, :k]
    return np.take_along_axis(S, order, axis=1), np.take_along_axis(I, order, axis=1)


def _block_sizes(n_queries, n_items, k, itemsize, batch_size, block_size):
    budget = get_config()["working_memory"] * 2**20
    if block_size is None:
        block_size = min(n_items, max(4 * k, 2**16))
    if batch_size is None:
        # The score block and about three temporaries of its size.
        batch_size = max(1, int(budget // (4 * max(itemsize, 1) * max(block_size, 1))))
    return max(1, min(batch_size, n_queries)), max(1, min(block_size, n_items))


def _check_k(k):
    if not (isinstance(k, numbers.Integral) and not isinstance(k, bool) and k >= 1):
        raise ValueError(f"k must be a positive integer, got {k!r}.")


# --------------------------------------------------------------------------
# The same search on any array-API namespace (CuPy on its GPU): blocked GEMM
# (or XOR + popcount) and selection on the device, the same order and ties.
# --------------------------------------------------------------------------
def _is_device_input(queries, items):
    return any(hasattr(a, "__array_namespace__") and not isinstance(a, np.ndarray)
               for a in (queries, items))


def _prepare_xp(xp, X, metric, name):
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (one row per point), got shape {X.shape}.")
    if metric == "hamming":
        if X.dtype != xp.uint8:
            raise TypeError(
                f"{name}: Hamming search takes packed binary codes, a 2-D uint8 array "
                f"(np.packbits of the bits); got dtype {X.dtype}."
            )
        return as_code_words(xp, X), None
    if not xp.isdtype(X.dtype, "real floating"):
        if not xp.isdtype(X.dtype, ("integral", "bool")):
            raise TypeError(f"{name} must be numeric for metric={metric!r}, got dtype "
                            f"{X.dtype}.")
        X = xp.astype(X, xp.float64)
    if not bool(xp.all(xp.isfinite(X))):
        raise ValueError(f"{name} contains NaN or infinity.")
    if metric == "cosine":
        norms = xp.linalg.vector_norm(X, axis=1, keepdims=True)
        # A zero vector has no direction: it scores 0 against everything.
        return X / xp.where(norms > 0, norms, xp.ones_like(norms)), None
    if metric == "euclidean":
        return X, xp.sum(X * X, axis=1)
    return X, None


def _block_scores_xp(xp, Q, q_sq, I, i_sq, metric):
    if metric == "hamming":
        d = xp.zeros((Q.shape[0], I.shape[0]), dtype=xp.int32, device=device(Q))
        for j in range(Q.shape[1]):  # one word column at a time: 2-D temporaries
            d += xp.astype(bitwise_count(xp, Q[:, j:j + 1] ^ I[:, j][None, :]), xp.int32)
        return -d
    S = Q @ I.T
    if metric == "euclidean":
        S = xp.clip(2 * S - q_sq[:, None] - i_sq[None, :], max=0.0)
    return S


def _top_k_xp(queries, items, kk, metric, batch_size, block_size):
    """:func:`top_k` for arrays of another namespace; results on their device."""
    xp = get_namespace(queries, items)
    Q, q_sq = _prepare_xp(xp, queries, metric, "queries")
    I, i_sq = _prepare_xp(xp, items, metric, "items")
    if Q.shape[1] != I.shape[1]:
        what = "words of code" if metric == "hamming" else "features"
        raise ValueError(f"Queries have {Q.shape[1]} {what} but items have {I.shape[1]}.")
    n_q, n_i = Q.shape[0], I.shape[0]
    itemsize = 4 if metric == "hamming" else (4 if Q.dtype == xp.float32 else 8)
    bq, bi = _block_sizes(n_q, n_i, kk, itemsize, batch_size, block_size)
    out_s, out_i = [], []
    for qs in range(0, n_q, bq):
        qe = min(qs + bq, n_q)
        best_s = best_i = None
        for start in range(0, n_i, bi):
            stop = min(start + bi, n_i)
            S = _block_scores_xp(xp, Q[qs:qe, :], None if q_sq is None else q_sq[qs:qe],
                                 I[start:stop, :], None if i_sq is None else i_sq[start:stop],
                                 metric)
            s, i = top_k_rows(xp, S, min(kk, stop - start))
            i = i + start
            if best_s is not None:
                # Earlier blocks hold smaller indices: a stable sort of the
                # concatenation keeps ties by increasing index.
                s, i = xp.concat([best_s, s], axis=1), xp.concat([best_i, i], axis=1)
                order = xp.argsort(s, axis=1, descending=True, stable=True)
                order = order[:, :min(kk, order.shape[1])]
                s, i = xp.take_along_axis(s, order, axis=1), xp.take_along_axis(i, order, axis=1)
            best_s, best_i = s, i
        out_s.append(best_s)
        out_i.append(best_i)
    S = xp.concat(out_s, axis=0)
    I = xp.concat(out_i, axis=0)
    if metric == "euclidean":
        S = -xp.sqrt(-S)
    return I, S


def _top_k_block(block, items, k, metric, batch_size, block_size, engine):
    return top_k(block, items, k, metric=metric, batch_size=batch_size,
                 block_size=block_size, engine=engine)


def _top_k_dask(queries, items, k, metric, batch_size, block_size, engine):
    if queries.ndim != 2:
        raise ValueError(f"queries must be 2-D (one row per point), got shape {queries.shape}.")
    queries = queries.rechunk({1: -1})  # whole rows in every block
    items = np.asarray(items)
    # Every check now, not when the graph runs: one empty block of the queries'
    # width and dtype against the gallery, and one gallery row for the
    # outputs' widths and dtypes.
    _check_pair(np.empty((0, queries.shape[1]), dtype=queries.dtype), items, metric)
    probe = top_k(items[:1], items, k, metric=metric, engine=engine)
    return map_row_blocks_pair(_top_k_block, queries, probe, items, k, metric, batch_size,
                               block_size, engine)


def top_k(queries, items, k=10, *, metric="cosine", batch_size=None, block_size=None,
          engine="auto"):
    """Exact top-``k`` items of each query, in blocks of bounded memory.

    Parameters
    ----------
    queries : array of shape (n_queries, n_features)
        Points of the shared space, or packed ``uint8`` codes for Hamming.
        NumPy; CuPy or another array-API array (ranked on its device); or a
        ``dask.array``, which gives lazy dask results, one task per block of
        query rows, the gallery (NumPy) sent once to each worker.
    items : ndarray of shape (n_items, n_features)
        The gallery, in the same form.
    k : int, default=10
        Number of items per query. When ``k`` exceeds ``n_items`` all items
        are returned (``min(k, n_items)`` columns): what exists, no padding.
    metric : {"cosine", "euclidean", "inner", "hamming"}, default="cosine"
        See :func:`pairwise_scores`.
    batch_size : int or None, default=None
        Queries per block; None sizes it from scikit-learn's
        ``working_memory`` setting.
    block_size : int or None, default=None
        Items per block; None: ``max(4 k, 65536)``.
    engine : {"auto", "numpy", "numba"}, default="auto"
        Hamming search only: ``"numba"`` runs a compiled scan (tiles of
        items shared by blocks of queries, a per-query radius that skips
        tiles with no candidate, parallel over query blocks; needs Numba,
        ``pip install "skmm[fast]"``), one to two orders of magnitude faster
        than the NumPy blocks; ``"auto"`` uses it when Numba is installed.
        Both give identical results.

        Queries and items of another array-API namespace (CuPy on a GPU,
        array-api-strict) are searched on their device: blocked GEMM (or XOR
        and popcount for Hamming) and an exact selection there, with the same
        order and tie rule; the results stay on that device (``engine`` then
        does not apply).

    Returns
    -------
    indices : ndarray of int64, shape (n_queries, min(k, n_items))
        Item indices, best first. Equal scores rank by increasing item
        index, so the result equals a stable sort of ``-scores`` cut at
        ``k`` whatever the block sizes.
    scores : ndarray of shape (n_queries, min(k, n_items))
        Their scores (see :func:`pairwise_scores`: minus the distance for
        ``"euclidean"`` and ``"hamming"``).

    Raises
    ------
    ValueError
        Empty gallery, unknown metric, ``k`` not a positive integer, or
        queries and items of different widths.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.retrieval import top_k
    >>> items = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> idx, s = top_k(np.array([[1.0, 0.1]]), items, k=2)
    >>> idx
    array([[0, 2]])
    """
    _check_k(k)
    if is_dask_array(queries):  # lazy, one task per block of query rows
        return _top_k_dask(queries, items, k, metric, batch_size, block_size, engine)
    if _is_device_input(queries, items):  # CuPy, array-api-strict...: on their device
        _check_metric(metric)
        n_i = items.shape[0]
        if n_i == 0:
            raise ValueError("The gallery is empty: index at least one item before searching.")
        return _top_k_xp(queries, items, min(k, n_i), metric, batch_size, block_size)
    Q, q_sq, I, i_sq = _check_pair(queries, items, metric)
    n_q, n_i = Q.shape[0], I.shape[0]
    if n_i == 0:
        raise ValueError("The gallery is empty: index at least one item before searching.")
    kk = min(k, n_i)
    if engine not in ("auto", "numpy", "numba"):
        raise ValueError(f"engine must be 'auto', 'numpy' or 'numba', got {engine!r}.")
    if metric == "hamming" and (engine == "numba" or (engine == "auto" and numba_available())):
        idx, dist = hamming_top_k_compiled(np.asarray(queries), np.asarray(items), kk)
        return idx, -dist
    score_dtype = np.int16 if metric == "hamming" else Q.dtype
    bq, bi = _block_sizes(n_q, n_i, kk, np.dtype(score_dtype).itemsize, batch_size,
                          block_size)
    out_i = np.empty((n_q, kk), dtype=np.int64)
    out_s = np.empty((n_q, kk), dtype=score_dtype)
    for qs in range(0, n_q, bq):
        qe = min(qs + bq, n_q)
        Qb = Q[qs:qe]
        qsq = None if q_sq is None else q_sq[qs:qe]
        best_s = np.empty((qe - qs, 0), dtype=score_dtype)
        best_i = np.empty((qe - qs, 0), dtype=np.int64)
        for start in range(0, n_i, bi):
            stop = min(start + bi, n_i)
            S = _block_scores(Qb, qsq, I[start:stop],
                              None if i_sq is None else i_sq[start:stop], metric)
            s, i = _select(S, kk, start)
            best_s, best_i = _merge(best_s, best_i, s, i, kk) if best_s.shape[1] else (s, i)
        out_s[qs:qe], out_i[qs:qe] = best_s, best_i
    if metric == "hamming":
        return out_i, out_s.astype(np.int32)
    return out_i, _finish(out_s, metric)
