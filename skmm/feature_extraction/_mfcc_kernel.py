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


def _kernels():
    """The compiled functions (imports Numba on first use)."""
    from . import _mfcc_numba

    return _mfcc_numba


def vector_log(x):
    """Natural log of a positive 1-D float64 array by the compiled kernel's method."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty_like(x)
    _kernels().vector_log(x, out)
    return out


def compiled_mfcc_block(samples, spec, n_fft, taps, power, mel, amin, clip_start,
                        clip_count, floor_depth, basis, offset, work, out):
    """MFCCs of the clip frames among the spectra ``spec``, into ``out``.

    ``samples``: the block's samples, which the spectra were read from;
    ``spec`` (rows, n_bins + 2 * K) complex128, ``K = len(taps) - 1``:
    unwindowed spectra of grid rows in columns ``K:K + n_bins`` (the kernel fills the
    guard columns on either side); clip ``c``'s frames are rows
    ``clip_start[c]:clip_start[c] + clip_count[c]`` and become consecutive
    rows of ``out``. ``taps``: :func:`window_taps`; ``mel``: ``(lo, ptr,
    weights)`` of the filter bank (:func:`mel_support`); each clip's log-mel
    values are floored at its peak minus ``floor_depth`` (nepers; negative:
    no floor); ``basis`` (n_mels, n_mfcc) takes log-mel to the coefficients
    and ``offset`` (n_mfcc,) is added to every row.

    Returns whether ``samples`` or ``out`` hold NaN or inf (the caller then
    finds the clip and says which).
    """
    lo, ptr, weights = mel
    w = work
    return _kernels().mfcc_block(
        samples, spec.view(np.float64), n_fft, taps, float(power), lo, ptr, weights,
        float(amin), clip_start, clip_count, float(floor_depth), basis, offset, w["tile"],
        w["PT"], w["L"], w["O"], w["peak"], w["low"], out)


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
