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

_KERNELS = None


def _build():
    import numba

    m1 = np.uint64(0x5555555555555555)
    m2 = np.uint64(0x3333333333333333)
    m4 = np.uint64(0x0F0F0F0F0F0F0F0F)
    h01 = np.uint64(0x0101010101010101)
    s1, s2, s4, s56 = np.uint64(1), np.uint64(2), np.uint64(4), np.uint64(56)

    @numba.njit(inline="always")
    def popcount64(x):
        x = x - ((x >> s1) & m1)
        x = (x & m2) + ((x >> s2) & m2)
        x = (x + (x >> s4)) & m4
        return (x * h01) >> s56

    @numba.njit(inline="always")
    def radius(cnt, k, t):
        # Smallest u < t with cnt[0] + ... + cnt[u] >= k, else t.
        total = 0
        for u in range(t):
            total += cnt[u]
            if total >= k:
                return u
        return t

    @numba.njit(parallel=True, nogil=True)
    def bucket_scan(Qw, IwT, k, n_bits, query_block, out_i, out_d):
        nq, nw = Qw.shape
        n = IwT.shape[1]
        n_blocks = (nq + query_block - 1) // query_block
        for b in numba.prange(n_blocks):
            q0 = b * query_block
            m = min(query_block, nq - q0)
            cnt = np.zeros((m, n_bits + 1), np.int64)
            bucket = np.empty((m, n_bits + 1, k), np.int64)
            thr = np.full(m, n_bits + 1, np.int64)
            dist = np.empty(TILE, np.int64)
            for t0 in range(0, n, TILE):
                t1 = min(t0 + TILE, n)
                width = t1 - t0
                for qi in range(m):
                    qw = Qw[q0 + qi, 0]
                    col = IwT[0, t0:t1]
                    for j in range(width):
                        dist[j] = popcount64(qw ^ col[j])
                    for w in range(1, nw):
                        qw = Qw[q0 + qi, w]
                        col = IwT[w, t0:t1]
                        for j in range(width):
                            dist[j] += popcount64(qw ^ col[j])
                    lowest = dist[0]
                    for j in range(1, width):
                        lowest = min(lowest, dist[j])
                    t = thr[qi]
                    if lowest >= t:
                        continue
                    for j in range(width):
                        v = dist[j]
                        if v < t:  # then fewer than k items lie below v: room in its bucket
                            c = cnt[qi, v]
                            bucket[qi, v, c] = t0 + j
                            cnt[qi, v] = c + 1
                            t = radius(cnt[qi], k, t)
                    thr[qi] = t
            for qi in range(m):
                p = 0
                for v in range(n_bits + 1):
                    for r in range(cnt[qi, v]):
                        if p == k:
                            break
                        out_i[q0 + qi, p] = bucket[qi, v, r]
                        out_d[q0 + qi, p] = v
                        p += 1

    @numba.njit(parallel=True, nogil=True)
    def counting_scan(Qw, IwT, k, n_bits, out_i, out_d):
        nq, nw = Qw.shape
        n = IwT.shape[1]
        for q in numba.prange(nq):
            hist = np.zeros(n_bits + 2, np.int64)
            d = np.zeros(n, np.int64)
            for w in range(nw):
                qw = Qw[q, w]
                col = IwT[w]
                for j in range(n):
                    d[j] += popcount64(qw ^ col[j])
            for j in range(n):
                hist[d[j]] += 1
            t, below = 0, 0
            while below + hist[t] < k:
                below += hist[t]
                t += 1
            pos = np.zeros(t + 1, np.int64)
            for v in range(1, t + 1):
                pos[v] = pos[v - 1] + hist[v - 1]
            left = k - below  # items at distance t that still fit
            for j in range(n):
                v = d[j]
                if v < t or (v == t and left > 0):
                    if v == t:
                        left -= 1
                    out_i[q, pos[v]] = j
                    out_d[q, pos[v]] = v
                    pos[v] += 1

    return bucket_scan, counting_scan


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
    global _KERNELS
    if _KERNELS is None:
        _KERNELS = _build()
    bucket_scan, counting_scan = _KERNELS
    import numba

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
