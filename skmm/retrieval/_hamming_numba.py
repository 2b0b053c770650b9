"""The Numba functions of the compiled Hamming top-k (see :mod:`._hamming_kernel`).

Imported only when that scan runs, so that ``import skmm`` never imports
Numba. Module-level functions, so that Numba's on-disk cache
(``cache=True``) serves them to later processes (closures over other
compiled functions would be compiled again in every process).
"""

import numba
import numpy as np

from ._hamming_kernel import TILE

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)
_S1, _S2, _S4, _S56 = np.uint64(1), np.uint64(2), np.uint64(4), np.uint64(56)


@numba.njit(inline="always")
def popcount64(x):
    x = x - ((x >> _S1) & _M1)
    x = (x & _M2) + ((x >> _S2) & _M2)
    x = (x + (x >> _S4)) & _M4
    return (x * _H01) >> _S56


@numba.njit(inline="always")
def radius(cnt, k, t):
    # Smallest u < t with cnt[0] + ... + cnt[u] >= k, else t.
    total = 0
    for u in range(t):
        total += cnt[u]
        if total >= k:
            return u
    return t


@numba.njit(parallel=True, nogil=True, cache=True)
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


@numba.njit(parallel=True, nogil=True, cache=True)
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
