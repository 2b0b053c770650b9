"""The Numba functions of the compiled MFCC engine (see :mod:`._mfcc_kernel`).

Imported only when that engine runs, so that ``import skmm`` never imports
Numba. The functions are module-level so that Numba's on-disk cache
(``cache=True``) serves them to later processes: closures over other
compiled functions get a new cache key in every process and are compiled
again each time.
"""

import numba
import numpy as np

from ._mfcc_kernel import _LN2_HI, _LN2_LO, _log_series

jit = numba.njit(nogil=True, error_model="numpy", cache=True)

# Adding this to the bits of x carries into the exponent field exactly when
# the mantissa is >= sqrt(2) (the bits of sqrt(2) / 2 are 0x3FE6A09E667F3BCD);
# the 1024 offset keeps the sum unsigned.
_CARRY = np.uint64(0x4000000000000000 - 0x3FE6A09E667F3BCD)
_SHIFT, _BIAS = np.uint64(52), np.uint64(1024)
_MAGIC = np.uint64(0x4330000000000000)  # 2**52 as float64 bits
_TINY = np.finfo(np.float64).tiny
_COEF = _log_series()
_SCALE_UP, _LN_SCALE = 2.0 ** 54, 54 * (_LN2_HI + _LN2_LO)


@numba.njit(inline="always", error_model="numpy")
def log_normal(x):
    # Natural log of a normal x > 0 (inf gives inf). Branch-free so LLVM
    # vectorises the loops that call it.
    bits = np.float64(x).view(np.uint64)
    e_biased = (bits + _CARRY) >> _SHIFT  # exponent + 1024
    m = np.uint64(bits - ((e_biased - _BIAS) << _SHIFT)).view(np.float64)
    # AVX2 has no int64 -> float64 conversion: build the float from bits.
    e = np.uint64(e_biased | _MAGIC).view(np.float64) - 4503599627371520.0
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    q = _COEF[6]
    for c in _COEF[5::-1]:
        q = q * z + c
    hfsq = 0.5 * f * f
    r = f - (hfsq - s * (hfsq + z * q))
    out = (e * _LN2_HI + r) + e * _LN2_LO
    return out if x < np.inf else x


@numba.njit(inline="always", error_model="numpy")
def log(x):
    # log_normal for any x > 0: subnormals scaled up by 2**54 first.
    sub = x < _TINY
    out = log_normal(x * _SCALE_UP if sub else x)
    return out - _LN_SCALE if sub else out


@numba.njit(inline="always", error_model="numpy")
def any_nonfinite(x):
    # Whether x holds NaN or inf: x * 0 is NaN exactly then. An OR of
    # comparisons vectorises; a floating-point sum would be one serial chain.
    bad = False
    for t in range(x.shape[0]):
        v = x[t] * 0.0
        bad |= v != v
    return bad


@jit
def vector_log(x, out):
    for i in range(x.shape[0]):
        out[i] = log(x[i])


# The stages of one tile of frames. Loops index with their own range
# variable only (an index that may be negative gets a wraparound check,
# which stops vectorisation), each loop stores to one array, and maxima
# are selects (max() branches on NaN); the floors are written `floor if v <
# floor else v`, which keeps a NaN v, so that NaN samples reach the output.


@jit
def power_spectra(spec, first_row, n, taps, guard, source, sign, y, PT, col):
    # Rows first_row ... first_row + n - 1 of spec: spectra, re and im
    # interleaved, between K = len(taps) - 1 guard bins on each side, which are
    # filled first; |windowed spectrum|**2 goes to columns col ... of PT.
    n_bins = PT.shape[0]
    g = taps.shape[0] - 1
    width = 2 * n_bins
    c0 = taps[0]
    n_guards = 2 * g  # guard u is bin -(u // 2 + 1) or n_bins + u // 2
    for i in range(n):
        x = spec[first_row + i]
        for u in range(n_guards):  # only the guards the taps reach
            x[guard[u]] = x[source[u]]
            x[guard[u] + 1] = sign[u] * x[source[u] + 1]
        # Re and im squared where they lie, then summed in pairs: cheaper
        # than reading them apart (a strided load does not vectorise).
        if taps.shape[0] == 2:  # Hann, Hamming: one fused loop
            c1 = taps[1]
            for q in range(width):
                v = c0 * x[2 * g + q] + c1 * (x[2 * g - 2 + q] + x[2 * g + 2 + q])
                y[q] = v * v
        else:
            for q in range(width):
                y[q] = c0 * x[2 * g + q]
            for m in range(1, taps.shape[0]):
                cm = taps[m]
                for q in range(width):
                    y[q] += cm * (x[2 * (g - m) + q] + x[2 * (g + m) + q])
            for q in range(width):
                y[q] = y[q] * y[q]
        for k in range(n_bins):
            PT[k, col + i] = y[2 * k] + y[2 * k + 1]


@jit
def magnitude_power(PT, n, power):
    # |X|**2 to |X|**power, over the first n columns of PT.
    for k in range(PT.shape[0]):
        row = PT[k]
        if power == 1.0:
            for t in range(n):
                row[t] = np.sqrt(row[t])
        else:
            for t in range(n):
                row[t] = row[t] ** (0.5 * power)


@jit
def log_mel(PT, n, lo, ptr, weights, amin, L):
    # Mel bands over each filter's support, then log(max(., amin)).
    for j in range(lo.shape[0]):
        band = L[j]
        for t in range(n):
            band[t] = 0.0
        for q in range(ptr[j], ptr[j + 1]):
            w = weights[q]
            row = PT[lo[j] + q - ptr[j]]
            for t in range(n):
                band[t] += w * row[t]
    flat = L.reshape(-1)
    if amin >= _TINY:  # the usual case: no subnormal can reach the log
        for t in range(flat.shape[0]):
            v = flat[t]
            flat[t] = log_normal(amin if v < amin else v)  # noqa: FURB136
    else:
        for t in range(flat.shape[0]):
            v = flat[t]
            flat[t] = log(amin if v < amin else v)  # noqa: FURB136


@jit
def floor_clips(L, clip_count, floor_depth, peak, low):
    # Each clip's values floored at its own peak minus floor_depth:
    # the peak of each frame, of each clip, then one pass per band.
    n_mels, n = L.shape
    for t in range(n):
        peak[t] = -np.inf
    for j in range(n_mels):
        band = L[j]
        for t in range(n):
            peak[t] = band[t] if band[t] > peak[t] else peak[t]  # noqa: FURB136
    a = 0
    for c in range(clip_count.shape[0]):
        b = a + clip_count[c]
        top = -np.inf
        for t in range(a, b):
            top = max(top, peak[t])
        for t in range(a, b):
            low[t] = top - floor_depth
        a = b
    for j in range(n_mels):
        band = L[j]
        for t in range(n):
            band[t] = low[t] if band[t] < low[t] else band[t]  # noqa: FURB136


@jit
def dct_rows(L, basis, offset, O, out):
    # The DCT (dB scale folded into basis, reference into offset), four
    # bands per pass over a row; then one output row per frame.
    n_mels, n_mfcc = basis.shape
    n = L.shape[1]
    for i in range(n_mfcc):
        acc = O[i]
        for t in range(n):
            acc[t] = offset[i]
        j = 0
        while j + 4 <= n_mels:
            w0, w1 = basis[j, i], basis[j + 1, i]
            w2, w3 = basis[j + 2, i], basis[j + 3, i]
            l0, l1, l2, l3 = L[j], L[j + 1], L[j + 2], L[j + 3]
            for t in range(n):
                acc[t] += (w0 * l0[t] + w1 * l1[t]) + (w2 * l2[t] + w3 * l3[t])
            j += 4
        while j < n_mels:
            w0, l0 = basis[j, i], L[j]
            for t in range(n):
                acc[t] += w0 * l0[t]
            j += 1
    for t in range(n):
        for i in range(n_mfcc):
            out[t, i] = O[i, t]
    bad = False
    for i in range(n_mfcc):
        bad |= any_nonfinite(O[i, :n])
    return bad


@jit
def mfcc_block(samples, spec, n_fft, taps, power, lo, ptr, weights, amin, clip_start,
               clip_count, floor_depth, basis, offset, tile, PT, L, O, peak, low,
               out):
    # Returns whether the samples or the output hold NaN or inf (the caller
    # then names the clip). NaN samples also give NaN coefficients, never a
    # value the amin or top_db floor put in their place.
    bad = any_nonfinite(samples)
    g = taps.shape[0] - 1  # guard bins on each side of each spectrum
    n_bins = n_fft // 2 + 1
    n_mels = lo.shape[0]
    # Guard bin j (j < 0 or j >= n_bins) holds X[j mod N], which is
    # conj(X[N - j mod N]) when j mod N >= n_bins: its source and sign.
    guard = np.empty(2 * g, dtype=np.int64)
    source = np.empty(2 * g, dtype=np.int64)
    sign = np.empty(2 * g)
    for u in range(g):
        for side in range(2):
            j = -(u + 1) if side == 0 else n_bins + u
            r = j % n_fft
            guard[2 * u + side] = 2 * (g + j)
            source[2 * u + side] = 2 * (g + (r if r < n_bins else n_fft - r))
            sign[2 * u + side] = 1.0 if r < n_bins else -1.0
    y = np.empty(2 * n_bins)
    # Tiles of whole clips, about `tile` frames each, so that the
    # transposed powers and the bands stay in cache.
    n_clips = clip_start.shape[0]
    first, done = 0, 0
    while first < n_clips:
        last, n = first, 0
        while last < n_clips and (n == 0 or n + clip_count[last] <= tile):
            n += clip_count[last]
            last += 1
        col = 0
        for c in range(first, last):
            power_spectra(spec, clip_start[c], clip_count[c], taps, guard, source, sign,
                          y, PT, col)
            col += clip_count[c]
        if power != 2.0:
            magnitude_power(PT, n, power)
        L_tile = L[:n_mels * n].reshape((n_mels, n))
        log_mel(PT, n, lo, ptr, weights, amin, L_tile)
        if floor_depth >= 0.0:
            floor_clips(L_tile, clip_count[first:last], floor_depth, peak, low)
        bad |= dct_rows(L_tile, basis, offset, O, out[done:done + n])
        done += n
        first = last
    return bad
