"""Compiled Hamming top-k (Numba): one scan of the codes per query, counting selection.

Hamming distances are small integers (0..n_bits), so the k nearest items of a
query need no sort: one pass computes every distance (XOR + a SWAR popcount
of 64-bit words) and its histogram, which gives the k-th distance ``t``; a
second pass over the stored distances places the items of distance below
``t``, then the first of distance ``t``, in index order (a counting sort).
(Blocks of 16 queries per scan of the codes, recomputing distances instead
of storing them, measured 2.7x slower here.) The result follows
:func:`skmm.retrieval.top_k`'s tie rule exactly.
Queries run in parallel threads. Numba is optional: without it
:func:`skmm.retrieval.top_k` uses its NumPy path.
"""

import numpy as np

_KERNEL = None


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

    @numba.njit(parallel=True, nogil=True)
    def kernel(Qw, Iw, k, n_bits, out_i, out_d):
        nq, nw = Qw.shape
        n = Iw.shape[0]
        for q in numba.prange(nq):
            hist = np.zeros(n_bits + 2, np.int64)
            d = np.empty(n, np.uint16)
            for j in range(n):
                s = np.uint64(0)
                for w in range(nw):
                    s += popcount64(Qw[q, w] ^ Iw[j, w])
                d[j] = s
                hist[s] += 1
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

    return kernel


def numba_available():
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def _words64(codes):
    """Packed uint8 codes as uint64 words, zero-padded to a multiple of 8 bytes."""
    codes = np.ascontiguousarray(codes)
    pad = (-codes.shape[1]) % 8
    if pad:
        codes = np.hstack([codes, np.zeros((codes.shape[0], pad), np.uint8)])
    return codes.view(np.uint64)


def hamming_top_k_compiled(queries, items, k):
    """Top-k by Hamming distance of packed codes; ``(indices, distances)``."""
    global _KERNEL
    if _KERNEL is None:
        _KERNEL = _build()
    Qw, Iw = _words64(queries), _words64(items)
    k = min(k, Iw.shape[0])
    out_i = np.empty((Qw.shape[0], k), np.int64)
    out_d = np.empty((Qw.shape[0], k), np.int32)
    _KERNEL(Qw, Iw, k, queries.shape[1] * 8, out_i, out_d)
    return out_i, out_d
