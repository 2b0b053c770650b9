"""Compiled MFCC kernel (Numba) for the batched MFCC.

:func:`skmm.feature_extraction._audio._mfcc_frames` uses it when Numba is
installed (the ``fast`` extra), the window is a short cosine sum (Hann,
Hamming, Blackman, ...: see :func:`window_taps`) and ``ref`` is a number;
otherwise the NumPy engine runs. The two agree to about 1e-15 of the
coefficients' scale. What this engine does differently, and why each step
is exact up to rounding:

* **No frame matrix.** The clips of a block lie on one grid of
  ``hop_length`` samples, each clip starting on the first grid row past the
  previous clip's frames (with zero padding the two clips' zeros may
  overlap), so every frame of every clip is a row of one strided view of
  the samples, which ``rfft`` reads in place. The grid rows between two
  clips are transformed too and then skipped (1-2 rows a clip at FSDD's
  settings, 3.5 % more FFT work) instead of writing and reading back a
  frame matrix 3.2x the size of the signal.
* **Window applied after the FFT.** The DFT of ``x * w`` is the circular
  convolution of ``X`` with the DFT of ``w``; for a cosine-sum window that
  DFT has ``2K + 1`` non-zero taps (``K = 1`` for Hann and Hamming), so the
  windowed spectrum costs ``2K + 1`` multiply-adds a bin. The taps are read
  off the window's own DFT.
* **Loops across frames.** The powers of a tile of frames are stored
  transposed (one row per bin), so that the mel projection (over each
  filter's support only), the logarithm, the per-clip dB floor and the DCT
  are loops over contiguous frames that LLVM vectorises.
* **A vectorisable logarithm.** NumPy's float64 ``log`` is scalar on CPUs
  without AVX-512 and costs a quarter of the FFT. The one here splits
  ``x = 2**e * m`` with ``m`` in ``[sqrt(2)/2, sqrt(2))`` by integer
  operations on the bits and sums ``log(m) = 2 * atanh(s)``, ``s = (m - 1)
  / (m + 1)``, as a series economised to 7 terms (:func:`_log_series`); the
  tests hold it to 1 ulp of ``np.log`` over the whole float64 range.
"""

import numpy as np

from ..utils._optional import module_available

__all__ = ["compiled_mfcc_block", "kernel_available", "mel_support", "vector_log",
           "window_taps", "workspace"]

# Windows whose DFT has non-zero taps beyond this harmonic use the NumPy path.
MAX_TAPS = 4
# A DFT tap below this fraction of the largest counts as zero (rounding of
# the window's samples gives about 1e-16).
_TAP_TOL = 1e-13
# ln(2) split so that e * _LN2_HI is exact for |e| < 2**20 (its low 28
# mantissa bits are zero); _LN2_LO = ln(2) - _LN2_HI.
_LN2_HI = 0.6931471803691238
_LN2_LO = 1.9082149292705877e-10

_KERNELS = None


def kernel_available():
    """Whether the compiled kernel can run (Numba is installed)."""
    return module_available("numba")


def window_taps(window):
    """The DFT taps of a cosine-sum window, or None for any other window.

    Returns ``c`` of shape ``(K + 1,)`` with ``window[n] = c[0] + 2 *
    sum_m c[m] * cos(2 pi m n / N)``, so that the DFT of ``x * window`` is
    ``c[0] X[k] + sum_m c[m] (X[k - m] + X[k + m])`` (indices mod ``N``), when
    ``K <= MAX_TAPS``; None when the window's DFT is longer or not real (an
    asymmetric or zero-padded window).
    """
    n = window.shape[0]
    spectrum = np.fft.fft(window) / n
    scale = np.max(np.abs(spectrum))
    if scale == 0.0:
        return None
    if np.max(np.abs(spectrum.imag)) > _TAP_TOL * scale:
        return None
    big = np.flatnonzero(np.abs(spectrum.real[: n // 2 + 1]) > _TAP_TOL * scale)
    k = int(big[-1])
    if k > MAX_TAPS or 2 * k >= n:
        return None
    # A real, even spectrum: tap -m equals tap m.
    if np.max(np.abs(spectrum.real[n - k:][::-1] - spectrum.real[1:k + 1]),
              initial=0.0) > _TAP_TOL * scale:
        return None
    return np.ascontiguousarray(spectrum.real[: k + 1])


def _log_series():
    """Coefficients of ``q`` in ``log((1 + s) / (1 - s)) = 2 s + s z q(z)``.

    With ``z = s**2``, the series ``q(z) = sum_n 2 z**(n - 1) / (2 n + 1)``
    to 14 terms, economised on ``[0, 0.0295]`` (``z <= (3 - 2 sqrt(2))**2 =
    0.02944``) down to 7 terms by Chebyshev polynomials, in exact rational
    arithmetic: the dropped terms change ``q`` by at most 3.2e-16, the log by
    at most 5e-18 of its value.
    """
    from fractions import Fraction

    a = Fraction(59, 2000)
    q = [Fraction(2, 2 * n + 1) for n in range(1, 15)]
    # T_m(2 z / a - 1) in powers of z, by the three-term recurrence.
    y = [Fraction(-1), 2 / a]
    cheb = [[Fraction(1)], y]
    while len(cheb) < len(q):
        prev, last = cheb[-2], cheb[-1]
        nxt = [Fraction(0)] * (len(last) + 1)
        for i, v in enumerate(last):
            nxt[i] += 2 * v * y[0]
            nxt[i + 1] += 2 * v * y[1]
        for i, v in enumerate(prev):
            nxt[i] -= v
        cheb.append(nxt)
    for m in range(len(q) - 1, 6, -1):
        t = q[m] / cheb[m][m]
        q = [v - t * cheb[m][i] if i <= m else v for i, v in enumerate(q)][:m]
    return tuple(float(v) for v in q)


def _build():
    import numba

    jit = numba.njit(nogil=True, error_model="numpy", cache=True)
    u64 = np.uint64
    # Adding this to the bits of x carries into the exponent field exactly
    # when the mantissa is >= sqrt(2) (the bits of sqrt(2) / 2 are
    # 0x3FE6A09E667F3BCD); the 1024 offset keeps the sum unsigned.
    offset = u64(0x4000000000000000 - 0x3FE6A09E667F3BCD)
    shift, bias = u64(52), u64(1024)
    magic = u64(0x4330000000000000)  # 2**52 as float64 bits
    tiny = np.finfo(np.float64).tiny
    coef = _log_series()
    ln2_hi, ln2_lo = _LN2_HI, _LN2_LO
    scale_up, ln_scale = 2.0 ** 54, 54 * (_LN2_HI + _LN2_LO)

    @numba.njit(inline="always", error_model="numpy")
    def log_normal(x):
        # Natural log of a normal x > 0 (inf gives inf). Branch-free so LLVM
        # vectorises the loops that call it.
        bits = np.float64(x).view(np.uint64)
        e_biased = (bits + offset) >> shift  # exponent + 1024
        m = np.uint64(bits - ((e_biased - bias) << shift)).view(np.float64)
        # AVX2 has no int64 -> float64 conversion: build the float from bits.
        e = np.uint64(e_biased | magic).view(np.float64) - 4503599627371520.0
        f = m - 1.0
        s = f / (2.0 + f)
        z = s * s
        q = coef[6]
        for c in coef[5::-1]:
            q = q * z + c
        hfsq = 0.5 * f * f
        r = f - (hfsq - s * (hfsq + z * q))
        out = (e * ln2_hi + r) + e * ln2_lo
        return out if x < np.inf else x

    @numba.njit(inline="always", error_model="numpy")
    def log(x):
        # log_normal for any x > 0: subnormals scaled up by 2**54 first.
        sub = x < tiny
        out = log_normal(x * scale_up if sub else x)
        return out - ln_scale if sub else out

    @jit
    def vector_log(x, out):
        for i in range(x.shape[0]):
            out[i] = log(x[i])

    # The stages of one tile of frames. Loops index with their own range
    # variable only (an index that may be negative gets a wraparound check,
    # which stops vectorisation), each loop stores to one array, and maxima
    # are written `a if a > b else b` (a select; max() branches on NaN).

    @jit
    def power_spectra(spec, first_row, n, taps, power, guard, source, sign, y, PT, col):
        # Rows first_row ... first_row + n - 1 of spec: spectra, re and im
        # interleaved, between K = len(taps) - 1 guard bins on each side, which are
        # filled first; the windowed power spectra go to columns col ... of PT.
        n_bins = PT.shape[0]
        g = taps.shape[0] - 1
        width = 2 * n_bins
        pairs = y.reshape((n_bins, 2))
        c0 = taps[0]
        n_guards = 2 * g  # guard u is bin -(u // 2 + 1) or n_bins + u // 2
        for i in range(n):
            x = spec[first_row + i]
            for u in range(n_guards):  # only the guards the taps reach
                x[guard[u]] = x[source[u]]
                x[guard[u] + 1] = sign[u] * x[source[u] + 1]
            centre = x[2 * g:2 * g + width]
            if taps.shape[0] == 2:  # Hann, Hamming: one fused loop
                c1 = taps[1]
                left = x[2 * g - 2:2 * g - 2 + width]
                right = x[2 * g + 2:2 * g + 2 + width]
                for q in range(width):
                    y[q] = c0 * centre[q] + c1 * (left[q] + right[q])
            else:
                for q in range(width):
                    y[q] = c0 * centre[q]
                for m in range(1, taps.shape[0]):
                    cm = taps[m]
                    left = x[2 * (g - m):2 * (g - m) + width]
                    right = x[2 * (g + m):2 * (g + m) + width]
                    for q in range(width):
                        y[q] += cm * (left[q] + right[q])
            # One branch-free loop per case: a branch inside stops vectorisation.
            if power == 2.0:
                for k in range(n_bins):
                    re, im = pairs[k, 0], pairs[k, 1]
                    PT[k, col + i] = re * re + im * im
            elif power == 1.0:
                for k in range(n_bins):
                    PT[k, col + i] = np.sqrt(pairs[k, 0] * pairs[k, 0]
                                             + pairs[k, 1] * pairs[k, 1])
            else:
                for k in range(n_bins):
                    PT[k, col + i] = (pairs[k, 0] * pairs[k, 0]
                                      + pairs[k, 1] * pairs[k, 1]) ** (0.5 * power)

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
        if amin >= tiny:  # the usual case: no subnormal can reach the log
            for t in range(flat.shape[0]):
                v = flat[t]
                flat[t] = log_normal(v if v > amin else amin)  # noqa: FURB136
        else:
            for t in range(flat.shape[0]):
                v = flat[t]
                flat[t] = log(v if v > amin else amin)  # noqa: FURB136

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
                band[t] = band[t] if band[t] > low[t] else low[t]  # noqa: FURB136

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

    @jit
    def mfcc_block(spec, n_fft, taps, power, lo, ptr, weights, amin, clip_start,
                   clip_count, floor_depth, basis, offset, tile, PT, L, O, peak, low,
                   out):
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
                power_spectra(spec, clip_start[c], clip_count[c], taps, power, guard,
                              source, sign, y, PT, col)
                col += clip_count[c]
            L_tile = L[:n_mels * n].reshape((n_mels, n))
            log_mel(PT, n, lo, ptr, weights, amin, L_tile)
            if floor_depth >= 0.0:
                floor_clips(L_tile, clip_count[first:last], floor_depth, peak, low)
            dct_rows(L_tile, basis, offset, O, out[done:done + n])
            done += n
            first = last

    return mfcc_block, vector_log


def _kernels():
    global _KERNELS
    if _KERNELS is None:
        _KERNELS = _build()
    return _KERNELS


def vector_log(x):
    """Natural log of a positive 1-D float64 array by the compiled kernel's method."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty_like(x)
    _kernels()[1](x, out)
    return out


def compiled_mfcc_block(spec, n_fft, taps, power, mel, amin, clip_start, clip_count,
                        floor_depth, basis, offset, work, out):
    """MFCCs of the clip frames among the spectra ``spec``, into ``out``.

    ``spec`` (rows, n_bins + 2 * K) complex128, ``K = len(taps) - 1``:
    unwindowed spectra of grid rows in columns ``K:K + n_bins`` (the kernel fills the
    guard columns on either side); clip ``c``'s frames are rows
    ``clip_start[c]:clip_start[c] + clip_count[c]`` and become consecutive
    rows of ``out``. ``taps``: :func:`window_taps`; ``mel``: ``(lo, ptr,
    weights)`` of the filter bank (:func:`mel_support`); each clip's log-mel
    values are floored at its peak minus ``floor_depth`` (nepers; negative:
    no floor); ``basis`` (n_mels, n_mfcc) takes log-mel to the coefficients
    and ``offset`` (n_mfcc,) is added to every row.
    """
    lo, ptr, weights = mel
    w = work
    _kernels()[0](spec.view(np.float64), n_fft, taps, float(power), lo, ptr, weights,
                  float(amin), clip_start, clip_count, float(floor_depth), basis, offset,
                  w["tile"], w["PT"], w["L"], w["O"], w["peak"], w["low"], out)


def mel_support(fbank):
    """The filter bank as ``(lo, ptr, weights)``: filter ``j`` has weights
    ``weights[ptr[j]:ptr[j + 1]]`` on bins ``lo[j]`` onwards."""
    n_mels = fbank.shape[0]
    lo = np.zeros(n_mels, dtype=np.int64)
    ptr = np.zeros(n_mels + 1, dtype=np.int64)
    pieces = []
    for j in range(n_mels):
        nz = np.flatnonzero(fbank[j])
        if nz.size:
            lo[j] = nz[0]
            pieces.append(fbank[j, nz[0]:nz[-1] + 1])
            ptr[j + 1] = ptr[j] + nz[-1] + 1 - nz[0]
        else:
            ptr[j + 1] = ptr[j]
    weights = np.concatenate(pieces) if pieces else np.zeros(0)
    return lo, ptr, np.ascontiguousarray(weights, dtype=np.float64)


# Frames per tile of the compiled kernel: the transposed powers (n_bins
# rows) and the bands of a tile stay in the L2 cache.
TILE_FRAMES = 256


def workspace(rows, longest_clip, n_bins, n_mels, n_mfcc, n_taps):
    """Buffers for :func:`compiled_mfcc_block` on blocks of up to ``rows`` grid
    rows whose longest clip has ``longest_clip`` frames, for ``n_taps`` window taps."""
    tile = max(TILE_FRAMES, longest_clip)
    # Rows of PT 2 KiB or 4 KiB apart make the stores of one column fall in
    # one or two cache sets; an odd number of cache lines spreads them.
    ld = (tile // 8) * 8 + (8 if (tile // 8) % 2 == 0 else 16)
    return {
        "tile": tile,
        "PT": np.empty((n_bins, ld)),
        "L": np.empty(n_mels * tile),
        "O": np.empty((n_mfcc, tile)),
        "peak": np.empty(tile),
        "low": np.empty(tile),
        "spec": np.empty((rows, n_bins + 2 * (n_taps - 1)), dtype=np.complex128),
    }
