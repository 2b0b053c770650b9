"""Compiled Hamming top-k (Numba): tiled scans with a shrinking radius.

Hamming distances are small integers (0..n_bits), so the k nearest items of a
query need no sort, only one bucket of item indices per distance value.

Small ``k`` (the usual case, ``k <= SMALL_K``): queries go in blocks that
share each tile of ``TILE`` items while it sits in cache. For one query and
one tile, a vectorised loop computes every distance (XOR, then the SWAR
popcount of 64-bit words, which LLVM turns into SIMD code) and a second loop
takes their minimum. Each query keeps a radius ``t``: the smallest distance
whose bucket, with those below it, already holds ``k`` items. An item at
distance ``>= t`` cannot enter the top ``k`` (items come in index order, so it
loses every tie), hence a tile whose minimum is ``>= t`` is skipped after the
two loops, and after the first tiles almost every tile is. The words are
transposed once per call (``(n_words, n_items)``) so each word column is
contiguous, which is what lets the loops vectorise.

Large ``k``: one pass per query stores every distance and counts a histogram,
which gives the k-th distance; a second pass places the items (a counting
sort). Both follow :func:`skmm.retrieval.top_k`'s tie rule exactly: equal
distances rank by increasing item index. Numba is optional (the ``fast``
extra); without it :func:`skmm.retrieval.top_k` uses its NumPy path.
"""

import numpy as np

from ..utils._optional import module_available

# Items per tile: 4096 64-bit words (32 KiB) stay in the L1/L2 cache while a
# block of queries reuses them.
TILE = 4096
# Largest k served by the bucket scan; its buckets take
# queries_per_block * (n_bits + 1) * k * 8 bytes per thread.
SMALL_K = 1024
# Queries sharing one read of a tile.
QUERY_BLOCK = 16



def numba_available():
    return module_available("numba")


def _words64(codes):
    """Packed uint8 codes as uint64 words, zero-padded to a multiple of 8 bytes."""
    codes = np.ascontiguousarray(codes)
    pad = (-codes.shape[1]) % 8
    if pad:
        codes = np.hstack([codes, np.zeros((codes.shape[0], pad), np.uint8)])
    return codes.view(np.uint64)


def hamming_top_k_compiled(queries, items, k):
    """Top-k by Hamming distance of packed codes; ``(indices, distances)``."""
    import numba

    from ._hamming_numba import bucket_scan, counting_scan

    Qw = _words64(queries)
    IwT = np.ascontiguousarray(_words64(items).T)  # one contiguous row per word
    n_bits = queries.shape[1] * 8
    k = min(k, IwT.shape[1])
    out_i = np.empty((Qw.shape[0], k), np.int64)
    out_d = np.empty((Qw.shape[0], k), np.int32)
    if k <= SMALL_K:
        # Enough blocks for every thread, at most QUERY_BLOCK queries each.
        per_thread = -(-Qw.shape[0] // numba.get_num_threads())
        query_block = max(1, min(QUERY_BLOCK, per_thread))
        bucket_scan(Qw, IwT, k, n_bits, query_block, out_i, out_d)
    else:
        counting_scan(Qw, IwT, k, n_bits, out_i, out_d)
    return out_i, out_d
