"""MFCC features from audio clips, with NumPy and SciPy only.

The numbers follow ``librosa.feature.mfcc`` (librosa 0.11): centred STFT with a
periodic window, ``|STFT| ** power``, Slaney or HTK mel filter bank,
``power_to_db`` with ``ref``, ``amin`` and a ``top_db`` floor taken per clip,
DCT along the mel axis and optional liftering. Deltas follow
``librosa.feature.delta`` (Savitzky-Golay, ``mode="interp"``).

Everything is computed in float64 (librosa computes in the precision of its
input and builds its filter bank in float32). Clips of one rate are computed
together, in blocks of whole clips (about ``_BLOCK_ROWS`` frames, small
enough to stay in cache), by one of two engines:

* NumPy (:func:`_mfcc_block`): the padded samples go back to back into one
  buffer, the frames of the block are gathered into one matrix, and one
  ``rfft``, one mel projection and one DCT (as matrix products) serve them
  all.
* Compiled (:func:`_compiled_blocks`, with Numba, for cosine-sum windows and
  a numeric ``ref``): the clips lie on one hop grid so that ``rfft`` reads
  every frame in place, and the kernel of :mod:`._mfcc_kernel` windows the
  spectra and does the rest in vectorised loops. It is chosen whenever it
  can run; the engines agree to about 1e-15 of the coefficients' scale.

Only the dB floor is taken per clip, from each clip's own peak, as librosa
does for one clip. The filter bank, the DCT basis, the window and the delta
operators are cached per parameter set.

``MFCC(device=...)`` runs the same steps on an array-API namespace (CuPy on a
GPU): padded samples are moved once per block, framed with one ``take``, and
the ``rfft``, dense mel GEMM, logarithm, per-clip dB floor and DCT GEMM run on
the device (:func:`_mfcc_frames_device`).

The 19 parameters shared with ``librosa.feature.mfcc`` are stated once, in
``_MFCC_CONSTRAINTS``: the function :func:`mfcc` validates against it and the
estimator :class:`MFCC` includes it in its ``_parameter_constraints``; their
cross-parameter rules live in :func:`_check_mfcc_params`, used by both.
"""

import warnings
from functools import lru_cache
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from ..base import _DocLinkMixin
from ..utils._array_api import is_numpy_namespace, resolve_device, to_device, to_numpy
from ..utils._sklearn_compat import (
    Interval,
    Options,
    StrOptions,
    _fit_context,
    check_is_fitted,
    validate_parameter_constraints,
)
from ..utils._validation import describe_item
from ._audio_io import _check_rate, _item_rate, _load_item
from ._mfcc_kernel import (
    compiled_mfcc_block,
    kernel_available,
    mel_support,
    window_taps,
)
from ._mfcc_kernel import workspace as _kernel_workspace

__all__ = ["MFCC", "mfcc"]

_STATS = ("mean", "std", "min", "max", "median")
# Pad modes librosa.stft accepts (it rejects "wrap", "mean", "median", ...).
_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "linear_ramp")

# The parameters of librosa.feature.mfcc, in its order, with their constraints:
# the one statement of them (defaults are in the signature of `mfcc`).
_MFCC_CONSTRAINTS = {
    "n_mfcc": [Interval(Integral, 1, None, closed="left")],
    "n_fft": [Interval(Integral, 1, None, closed="left")],
    "hop_length": [Interval(Integral, 1, None, closed="left"), None],
    "win_length": [Interval(Integral, 1, None, closed="left"), None],
    "window": [str, tuple, callable, "array-like"],
    "center": ["boolean"],
    "pad_mode": [StrOptions(set(_PAD_MODES))],
    "power": [Interval(Real, 0, None, closed="neither")],
    "n_mels": [Interval(Integral, 1, None, closed="left")],
    "fmin": [Interval(Real, 0, None, closed="left")],
    "fmax": [Interval(Real, 0, None, closed="neither"), None],
    "htk": ["boolean"],
    "mel_norm": [StrOptions({"slaney"}), Interval(Real, 0, None, closed="neither"),
                 Options(Real, {np.inf}), None],
    "dct_type": [Options(Integral, {1, 2, 3})],
    "norm": [StrOptions({"ortho"}), None],
    "lifter": [Interval(Real, 0, None, closed="left")],
    "ref": [Interval(Real, 0, None, closed="neither"), callable],
    "amin": [Interval(Real, 0, None, closed="neither")],
    "top_db": [Interval(Real, 0, None, closed="left"), None],
}

# Frames per block of the batched computation: the frame matrix (2 KB a frame
# at n_fft=256) and its spectrum stay in cache (the rfft alone ran 2x slower
# on one 130,000-frame matrix than in blocks of 256-1024 frames).
_BLOCK_ROWS = 512
# 10 * log10(x) = _DB_PER_NEPER * ln(x); np.log is about twice as fast as np.log10.
_DB_PER_NEPER = 10.0 / np.log(10.0)
# numpy.fft.rfft takes ``out=`` from NumPy 2.0 (the same pocketfft as SciPy's).
_NUMPY_FFT_OUT = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


# --------------------------------------------------------------------------
# Mel scale and cached operators
# --------------------------------------------------------------------------
def _hz_to_mel(f, htk):
    f = np.asarray(f, dtype=np.float64)
    if htk:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    # Slaney: linear below 1 kHz (3 mel per 200 Hz), logarithmic above.
    lin = f * (3.0 / 200.0)
    log = 15.0 + np.log(np.maximum(f, 1e-300) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(f >= 1000.0, log, lin)


def _mel_to_hz(m, htk):
    m = np.asarray(m, dtype=np.float64)
    if htk:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    lin = m * (200.0 / 3.0)
    log = 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0))
    return np.where(m >= 15.0, log, lin)


def _readonly(a):
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


@lru_cache(maxsize=64)
def _mel_filterbank(sr, n_fft, n_mels, fmin, fmax, htk, mel_norm):
    """Triangular mel filters, shape (n_mels, 1 + n_fft // 2), float64."""
    if fmax is None:
        fmax = sr / 2.0
    fft_freqs = np.arange(1 + n_fft // 2) * (sr / n_fft)
    edges = _mel_to_hz(
        np.linspace(_hz_to_mel(fmin, htk), _hz_to_mel(fmax, htk), n_mels + 2), htk
    )
    widths = np.diff(edges)
    rising = (fft_freqs[None, :] - edges[:-2, None]) / widths[:-1, None]
    falling = (edges[2:, None] - fft_freqs[None, :]) / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    if mel_norm == "slaney":
        # Constant energy per band: each triangle has unit area in Hz / 2.
        weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    elif mel_norm is not None:
        if np.isinf(mel_norm):
            length = np.max(np.abs(weights), axis=1)
        else:
            length = np.sum(np.abs(weights) ** mel_norm, axis=1) ** (1.0 / mel_norm)
        # Empty filters stay zero instead of dividing by zero.
        tiny = np.finfo(np.float32).tiny
        weights /= np.where(length < tiny, 1.0, length)[:, None]
    if not np.all((edges[:-2] == 0) | (weights.max(axis=1) > 0)):
        warnings.warn(
            f"Empty filters in the mel filter bank (sr={sr}, n_fft={n_fft}, "
            f"n_mels={n_mels}): some MFCC inputs will be constant. Reduce n_mels "
            "or increase n_fft.",
            UserWarning,
            stacklevel=4,
        )
    return _readonly(weights)


@lru_cache(maxsize=64)
def _dct_basis(n_mels, n_mfcc, dct_type, norm, lifter):
    """(n_mfcc, n_mels) matrix: the first rows of the DCT, liftered."""
    from scipy.fft import dct

    basis = dct(np.eye(n_mels), type=dct_type, norm=norm, axis=0)[:n_mfcc]
    if lifter > 0:
        k = np.arange(1, n_mfcc + 1, dtype=np.float64)
        basis = basis * (1.0 + (lifter / 2.0) * np.sin(np.pi * k / lifter))[:, None]
    return _readonly(basis)


def _make_window(window, win_length, n_fft):
    from scipy.signal import get_window

    if callable(window):
        win = np.asarray(window(win_length), dtype=np.float64)
        if win.shape != (win_length,):
            raise ValueError(
                f"window({win_length}) returned shape {win.shape}, expected ({win_length},)."
            )
    elif isinstance(window, (str, tuple)) or np.isscalar(window):
        win = get_window(window, win_length, fftbins=True)
    else:
        win = np.asarray(window, dtype=np.float64)  # length checked by _check_mfcc_params
    left = (n_fft - win_length) // 2
    return _readonly(np.pad(win, (left, n_fft - win_length - left)))


_cached_window = lru_cache(maxsize=64)(_make_window)


def _window(window, win_length, n_fft):
    try:
        return _cached_window(window, win_length, n_fft)
    except TypeError:  # unhashable (arrays): build each time, it is cheap
        return _make_window(window, win_length, n_fft)


@lru_cache(maxsize=16)
def _savgol_operator(width, order):
    """Savitzky-Golay operator of ``librosa.feature.delta`` for ``width`` frames.

    Applying ``scipy.signal.savgol_filter`` (``mode="interp"``) to the identity
    gives the whole linear operator for a sequence of that length: its middle
    row is the interior filter, the rows above and below fit the edges.
    """
    from scipy.signal import savgol_filter

    return savgol_filter(np.eye(width), width, polyorder=order, deriv=order,
                         mode="interp", axis=0)


@lru_cache(maxsize=64)
def _mel_operator(sr, n_fft, n_mels, fmin, fmax, htk, mel_norm):
    """The filter bank as groups of consecutive filters over their frequency support.

    Each mel filter is non-zero on a few FFT bins only, so the projection is
    done as one small matrix product per group of 8 filters, over the bins
    that group covers: the same sums without the zero terms (about 5x fewer
    flops than the dense product at FSDD's settings, 40 bands over 129 bins). Returns a tuple of
    ``(first_filter, stop_filter, first_bin, stop_bin, weights)``.
    """
    fbank = _mel_filterbank(sr, n_fft, n_mels, fmin, fmax, htk, mel_norm)
    groups = []
    for a in range(0, n_mels, 8):
        b = min(a + 8, n_mels)
        support = np.flatnonzero(np.any(fbank[a:b] != 0, axis=0))
        lo, hi = (support[0], support[-1] + 1) if support.size else (0, 0)
        groups.append((a, b, int(lo), int(hi), _readonly(fbank[a:b, lo:hi])))
    return tuple(groups)


@lru_cache(maxsize=64)
def _dct_operator(n_mels, n_mfcc, dct_type, norm, lifter):
    """``(basis, row_sums)``: the liftered DCT as an (n_mels, n_mfcc) matrix that
    takes natural-log mel energies to dB cepstra, and the sums of its rows
    (what a constant dB offset on every band adds to each coefficient)."""
    basis = _dct_basis(n_mels, n_mfcc, dct_type, norm, lifter)
    return _readonly(_DB_PER_NEPER * basis.T), _readonly(basis.sum(axis=1))


# --------------------------------------------------------------------------
# Parameters: one validation for the function and the estimator
# --------------------------------------------------------------------------
def _check_mfcc_params(params):
    """Rules between parameters (each one alone is checked by the constraints)."""
    n_fft = params["n_fft"]
    win_length = n_fft if params["win_length"] is None else params["win_length"]
    if win_length > n_fft:
        raise ValueError(f"win_length={win_length} must not exceed n_fft={n_fft}.")
    if params["hop_length"] is None and win_length < 4:
        raise ValueError(
            f"hop_length=None means win_length // 4 = 0 (win_length={win_length}); "
            "set hop_length."
        )
    window = params["window"]
    if not isinstance(window, (str, tuple)) and not callable(window):
        if np.shape(window) != (win_length,):
            raise ValueError(
                f"window array has shape {np.shape(window)}, expected ({win_length},) "
                "(= win_length)."
            )
    if params["n_mfcc"] > params["n_mels"]:
        raise ValueError(
            f"n_mfcc={params['n_mfcc']} cannot exceed n_mels={params['n_mels']}."
        )
    if params["fmax"] is not None and params["fmin"] >= params["fmax"]:
        raise ValueError(f"fmin={params['fmin']} must be below fmax={params['fmax']}.")


def _resolve(params, sr, where="signal"):
    """Fill the librosa defaults that depend on other parameters or on the rate."""
    p = dict(params)
    if p["win_length"] is None:
        p["win_length"] = p["n_fft"]
    if p["hop_length"] is None:
        p["hop_length"] = p["win_length"] // 4
    fmax = sr / 2.0 if p["fmax"] is None else p["fmax"]
    if not p["fmin"] < fmax:
        raise ValueError(
            f"{where}: fmin={p['fmin']} must be below fmax={fmax} (sr={sr})."
        )
    p["fmin"] = float(p["fmin"])
    p["fmax"] = None if p["fmax"] is None else float(p["fmax"])
    if isinstance(p["window"], list):
        p["window"] = np.asarray(p["window"], dtype=np.float64)
    return p


# --------------------------------------------------------------------------
# The batched computation
# --------------------------------------------------------------------------
def _pad_clip(y, n_fft, hop_length, pad_mode):
    """``y`` padded by ``n_fft // 2`` on both sides, exactly as librosa pads it."""
    half = n_fft // 2
    n = y.shape[0]
    y_pad = np.pad(y, (half, half), mode=pad_mode)
    if pad_mode in ("reflect", "symmetric"):
        # librosa pads the tail from the segment its last frames read; when
        # that segment is shorter than the pad, numpy mirrors it twice and
        # the last frame differs from padding the whole signal. Same here.
        start_k = -(-half // hop_length)
        tail_k = (n + half - n_fft) // hop_length + 1
        if tail_k > start_k and tail_k * hop_length - half + n_fft <= n + half:
            seg = y[tail_k * hop_length - half:]
            y_pad[half + n:] = np.pad(seg, (0, half), mode=pad_mode)[seg.shape[0]:]
    return y_pad


def _frame_counts(lengths, p, name):
    """Frames per clip and each clip's padded length, as librosa frames it."""
    n_fft, hop = p["n_fft"], p["hop_length"]
    if p["center"]:
        padded = lengths + 2 * (n_fft // 2)
    else:
        short = np.flatnonzero(lengths < n_fft)
        if short.size:
            k = short[0]
            raise ValueError(
                f"{name(k)}: {lengths[k]} samples is shorter than one frame "
                f"(n_fft={n_fft}) with center=False; use center=True or a smaller n_fft."
            )
        padded = lengths
    return 1 + (padded - n_fft) // hop, padded


def _rfft_rows(frames, out):
    """``rfft`` of each row; NumPy >= 2 writes into ``out`` (no fresh array).

    ``frames`` is never written to (it may be an overlapping view of the
    samples)."""
    if _NUMPY_FFT_OUT:
        return np.fft.rfft(frames, axis=1, out=out)
    from scipy.fft import rfft

    out[...] = rfft(frames, axis=1)
    return out


def _workspace(n_rows, n_buf, p):
    """Buffers reused by every block of one call (no ~1 MB temporaries per block)."""
    n_fft, n_bins = p["n_fft"], 1 + p["n_fft"] // 2
    return {
        "buf": np.empty(n_buf),
        "frames": np.empty((n_rows, n_fft)),
        "spec": np.empty((n_rows, n_bins), dtype=np.complex128),
        "power": np.empty((n_rows, n_bins)),
        "mel": np.empty(p["n_mels"] * n_rows),  # reshaped per block: contiguous rows
    }


def _padded_buffer(signals, padded, p, name, out):
    """The clips, each padded as librosa pads it, back to back in ``out``."""
    n_fft, hop, center = p["n_fft"], p["hop_length"], p["center"]
    if center and p["pad_mode"] == "constant":
        zeros = np.zeros(2 * (n_fft // 2))
        pieces = [zeros[: n_fft // 2]]
        for y in signals:
            pieces += (y, zeros)
        pieces[-1] = zeros[: n_fft // 2]
    elif center:
        pieces = [_pad_clip(y, n_fft, hop, p["pad_mode"]) for y in signals]
    else:
        pieces = signals
    buf = out[: int(padded.sum())]
    np.concatenate(pieces, out=buf)
    _check_finite_samples(buf, signals, name)
    return buf


def _check_finite_samples(buf, signals, name):
    """Raise naming the first clip with NaN or inf samples, if ``buf`` has any."""
    # One sum finds NaN or inf in the whole block; only then look clip by clip.
    if not np.isfinite(buf.sum()):
        _raise_non_finite_clip(signals, name)


def _raise_non_finite_clip(signals, name):
    """Raise naming the first of ``signals`` with NaN or inf samples, if any has."""
    for k, y in enumerate(signals):
        if not np.all(np.isfinite(y)):
            raise ValueError(f"{name(k)}: audio contains NaN or infinite samples.")


def _mfcc_block(signals, padded, n_frames, out, p, sr, name, work):
    """MFCCs of a few whole clips into ``out`` (their frames, one row each)."""
    n_fft, hop = p["n_fft"], p["hop_length"]
    n_rows = out.shape[0]
    # 1. The padded clips back to back in one buffer.
    buf = _padded_buffer(signals, padded, p, name, work["buf"])
    # 2. Every frame of every clip, windowed: per clip one strided view of its
    # frames times the window, written into the frame matrix (one pass).
    row_start = np.cumsum(n_frames) - n_frames
    frames = work["frames"][:n_rows]
    win = _window(p["window"], p["win_length"], n_fft)
    size = buf.itemsize
    for start, r, m in zip((np.cumsum(padded) - padded).tolist(), row_start.tolist(),
                           n_frames.tolist()):
        # np.ndarray is much cheaper than as_strided for thousands of clips.
        view = np.ndarray((m, n_fft), dtype=buf.dtype, buffer=buf, offset=start * size,
                          strides=(hop * size, size))
        np.multiply(view, win, out=frames[r:r + m])
    # 3. Spectrum and power.
    spec = _rfft_rows(frames, work["spec"][:n_rows])
    power = work["power"][:n_rows]
    if p["power"] == 2.0:
        flat = spec.view(np.float64)  # re, im interleaved
        np.square(flat, out=flat)
        np.add(flat[:, 0::2], flat[:, 1::2], out=power)
    else:
        np.abs(spec, out=power)
        if p["power"] != 1.0:
            power **= p["power"]
    # 4. Mel bands, as (n_mels, n_rows): each group's rows are contiguous.
    mel = work["mel"][: p["n_mels"] * n_rows].reshape(p["n_mels"], n_rows)
    for a, b, lo, hi, weights in _mel_operator(
            float(sr), n_fft, p["n_mels"], p["fmin"], p["fmax"], p["htk"], p["mel_norm"]):
        np.matmul(weights, power[:, lo:hi].T, out=mel[a:b])
    # 5. dB: librosa's power_to_db of each clip, in nepers until the DCT.
    ref, amin = p["ref"], p["amin"]
    if callable(ref):
        ref_db = np.array([
            10.0 * np.log10(max(amin, ref(mel[:, r:r + n])))
            for r, n in zip(row_start, n_frames)])
    else:
        ref_db = 10.0 * np.log10(max(amin, abs(ref)))
    np.maximum(mel, amin, out=mel)
    np.log(mel, out=mel)
    if p["top_db"] is not None:
        # The floor is per clip: each clip's own peak, never the block's.
        peak = np.maximum.reduceat(mel.max(axis=0), row_start)
        floor = peak - p["top_db"] / _DB_PER_NEPER
        np.maximum(mel, np.repeat(floor, n_frames), out=mel)
    # 6. DCT (with the dB scale folded in), then the reference offset.
    basis, row_sums = _dct_operator(p["n_mels"], p["n_mfcc"], p["dct_type"],
                                    p["norm"], float(p["lifter"]))
    np.matmul(mel.T, basis, out=out)
    if callable(ref):
        out -= np.repeat(ref_db, n_frames)[:, None] * row_sums
    elif ref_db != 0.0:
        out -= ref_db * row_sums
    _check_finite_mfcc(out, signals, row_start, name)


def _check_finite_mfcc(out, signals, row_start, name):
    """Raise naming the first clip whose MFCCs (rows from ``row_start``) are not finite."""
    if not np.isfinite(out.sum()):
        # Finite samples can still overflow the power spectrum (|y| ~ 1e150).
        row = np.flatnonzero(~np.all(np.isfinite(out), axis=1))[0]
        k = np.searchsorted(row_start, row, side="right") - 1
        raise ValueError(
            f"{name(k)}: the MFCCs are not finite: samples of magnitude up to "
            f"{np.max(np.abs(signals[k])):.3g} overflow the power spectrum; rescale "
            "the clip (audio is expected in [-1, 1])."
        )


def _mfcc_frames(signals, sr, p, name, engine="auto"):
    """MFCCs of many mono float64 clips at one rate.

    Returns ``(M, offsets)``: ``M`` of shape (total frames, n_mfcc) holds the
    frames of clip ``k`` in rows ``offsets[k]:offsets[k + 1]``. ``name(k)``
    names clip ``k`` in errors. ``engine``: "numpy", "compiled" (the Numba
    kernel of :mod:`._mfcc_kernel`; needs Numba, a cosine-sum window and a
    numeric ``ref``) or "auto" (compiled when it can run; both agree to
    about 1e-13).
    """
    taps = _compiled_taps(p) if engine != "numpy" else None
    if engine == "compiled" and taps is None:
        raise ValueError(
            "engine='compiled' needs Numba, a cosine-sum window (Hann, Hamming, "
            "Blackman, ...) and a numeric ref."
        )
    lengths = np.fromiter((y.shape[0] for y in signals), dtype=np.int64,
                          count=len(signals))
    n_frames, padded = _frame_counts(lengths, p, name)
    offsets = np.zeros(len(signals) + 1, dtype=np.int64)
    np.cumsum(n_frames, out=offsets[1:])
    out = np.empty((int(offsets[-1]), p["n_mfcc"]))
    # Blocks of whole clips, each about _BLOCK_ROWS frames (or one long clip).
    cuts = np.searchsorted(offsets, np.arange(0, offsets[-1], _BLOCK_ROWS), side="right") - 1
    cuts = np.unique(np.append(cuts, len(signals)))
    if taps is not None:
        # NaN or inf samples reach the output; the kernel reports them and
        # the block names the clip.
        with np.errstate(over="ignore", invalid="ignore"):
            _compiled_blocks(signals, lengths, n_frames, offsets, cuts, out, p, taps, sr,
                             name)
        return out, offsets
    buf_ends = np.zeros(len(signals) + 1, dtype=np.int64)
    np.cumsum(padded, out=buf_ends[1:])
    work = _workspace(int(np.diff(offsets[cuts]).max()), int(np.diff(buf_ends[cuts]).max()),
                      p)
    # Overflow becomes inf, which each block reports with the clip's name.
    with np.errstate(over="ignore", invalid="ignore"):
        for c0, c1 in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
            _mfcc_block(signals[c0:c1], padded[c0:c1], n_frames[c0:c1],
                        out[offsets[c0]:offsets[c1]], p, sr,
                        lambda k, c0=c0: name(c0 + k), work)
    return out, offsets


def _compiled_blocks(signals, lengths, n_frames, offsets, cuts, out, p, taps, sr, name):
    """:func:`_mfcc_frames` by the compiled kernel (:mod:`._mfcc_kernel`).

    The clips of each block lie on one grid of ``hop_length`` samples
    (:func:`_grid_rows`), so that every frame is a row of one strided view
    of the samples, which ``rfft`` reads in place; the kernel applies the
    window to the spectra, keeps the clips' frames (not the grid rows
    between clips) and computes the rest.
    """
    n_fft, hop, half = p["n_fft"], p["hop_length"], p["n_fft"] // 2
    n_bins = 1 + n_fft // 2
    grid = _grid_rows(lengths, n_frames, p)
    gap = np.diff(grid) - n_frames
    rows = grid[cuts[1:]] - grid[cuts[:-1]] - gap[cuts[1:] - 1]
    work = _kernel_workspace(int(rows.max()), int(n_frames.max()), n_bins, p["n_mels"],
                             p["n_mfcc"], len(taps))
    # Each block's samples: as far as its last frame reads, or its last
    # clip's last sample (beyond that frame when hop_length > n_fft / 2).
    block_len = (rows - 1) * hop + n_fft
    mel = _mel_support(float(sr), n_fft, p["n_mels"], p["fmin"], p["fmax"], p["htk"],
                       p["mel_norm"])
    basis, row_sums = _dct_operator(p["n_mels"], p["n_mfcc"], p["dct_type"], p["norm"],
                                    float(p["lifter"]))
    offset = -10.0 * np.log10(max(p["amin"], abs(p["ref"]))) * row_sums
    depth = -1.0 if p["top_db"] is None else p["top_db"] / _DB_PER_NEPER
    constant = p["center"] and p["pad_mode"] == "constant"
    # Each clip's first grid row within its block; Python ints per block
    # (this loop runs once per ~500 frames: its overhead counts).
    starts = grid[:-1] - np.repeat(grid[cuts[:-1]], np.diff(cuts))
    if constant:
        # Zeros before each clip's samples: from the previous clip's last
        # sample (or the block's start) to its own first one.
        first = starts * hop + half
        last = first + lengths
        zeros_before = first - np.where(np.isin(np.arange(len(signals)), cuts[:-1]), 0,
                                        np.roll(last, 1))
        zeros = np.zeros(int(max(zeros_before.max(), n_fft)))
        zeros_before = zeros_before.tolist()
        block_len = np.maximum(block_len, last[cuts[1:] - 1])
    buf = np.empty(int(block_len.max()))
    size = buf.itemsize
    offsets_l, rows_l, block_len = offsets.tolist(), rows.tolist(), block_len.tolist()
    for b, (c0, c1) in enumerate(zip(cuts[:-1].tolist(), cuts[1:].tolist())):
        clips, start, m = signals[c0:c1], starts[c0:c1], n_frames[c0:c1]
        block_name = lambda k, c0=c0: name(c0 + k)
        # 1. The clips on the grid, zeros between them (gap rows read those).
        block = buf[: block_len[b]]
        if constant:
            pieces = []
            for y, z in zip(clips, zeros_before[c0:c1]):
                pieces += (zeros[:z], y)
            pieces.append(zeros[: block.shape[0] - int(last[c1 - 1])])
            np.concatenate(pieces, out=block)
        else:
            block.fill(0.0)
            unread_finite = True
            for y, g, count in zip(clips, start.tolist(), m.tolist()):
                used = (count - 1) * hop + n_fft  # the samples its frames read
                if p["center"]:
                    y = _pad_clip(y, n_fft, hop, p["pad_mode"])
                block[g * hop:g * hop + used] = y[:used]
                if y.shape[0] > used:  # a tail no frame reads is checked too
                    unread_finite &= bool(np.isfinite(y[used:].sum()))
            if not unread_finite:
                _raise_non_finite_clip(clips, block_name)
        # 2. Every grid row's spectrum, read in place from the samples.
        frames = np.ndarray((rows_l[b], n_fft), dtype=block.dtype, buffer=block,
                            strides=(hop * size, size))
        spec = work["spec"][: rows_l[b]]
        _rfft_rows(frames, spec[:, len(taps) - 1:len(taps) - 1 + n_bins])
        # 3. Window, power, mel bands, log, each clip's dB floor and the DCT.
        block_out = out[offsets_l[c0]:offsets_l[c1]]
        if compiled_mfcc_block(block, spec, n_fft, taps, p["power"], mel, p["amin"], start,
                               m, depth, basis, offset, work, block_out):
            # NaN or inf in the samples or the output: name the clip.
            _check_finite_samples(block, clips, block_name)
            _check_finite_mfcc(block_out, clips, offsets[c0:c1] - offsets[c0], block_name)


def _grid_rows(lengths, n_frames, p):
    """Grid row (in hops) of each clip's first frame, and the end, for the
    compiled engine: each clip starts on the first grid row where its samples
    leave the previous clip's frames as they are."""
    n_fft, hop = p["n_fft"], p["hop_length"]
    # Its padded samples start after the previous clip's last frame ends ...
    step = n_frames - 1 + -(-n_fft // hop)
    if p["center"] and p["pad_mode"] == "constant":
        # ... or, zero padding being zeros for both, its signal starts after
        # that frame ends and its padding after the previous signal ends.
        half = n_fft // 2
        step = np.maximum(n_frames - 1 + -(-(n_fft - half) // hop),
                          -(-(half + lengths) // hop))
    grid = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(step, out=grid[1:])
    return grid


def _compiled_taps(p):
    """The window's DFT taps when the compiled engine can run, else None."""
    if callable(p["ref"]) or not kernel_available():
        return None
    return window_taps(np.asarray(_window(p["window"], p["win_length"], p["n_fft"])))


@lru_cache(maxsize=64)
def _mel_support(sr, n_fft, n_mels, fmin, fmax, htk, mel_norm):
    """:func:`._mfcc_kernel.mel_support` of the (cached) filter bank."""
    lo, ptr, weights = mel_support(_mel_filterbank(sr, n_fft, n_mels, fmin, fmax, htk,
                                                   mel_norm))
    return _readonly(lo), _readonly(ptr), _readonly(weights)


# Frames per block on a device: bounds its memory (the frames, their int64
# sample index and the spectrum take about 24 * n_fft bytes a frame: 400 MB
# at n_fft=256).
_DEVICE_BLOCK_ROWS = 1 << 16


def _mfcc_frames_device(signals, sr, p, name, target):
    """:func:`_mfcc_frames` on the namespace and device of ``target``.

    The padded samples go to the device once per block; framing (one
    ``take``), window, ``rfft``, power, the mel projection (one GEMM with the
    dense filter bank), the logarithm, the per-clip dB floor and the DCT (a
    GEMM) run there. Returns ``(M, offsets)`` with ``M`` on the device and
    ``offsets`` NumPy.
    """
    xp, _ = target
    n_fft, hop = p["n_fft"], p["hop_length"]
    lengths = np.fromiter((y.shape[0] for y in signals), dtype=np.int64,
                          count=len(signals))
    n_frames, padded = _frame_counts(lengths, p, name)
    offsets = np.zeros(len(signals) + 1, dtype=np.int64)
    np.cumsum(n_frames, out=offsets[1:])
    cuts = np.searchsorted(offsets, np.arange(0, offsets[-1], _DEVICE_BLOCK_ROWS),
                           side="right") - 1
    cuts = np.unique(np.append(cuts, len(signals)))
    fbank = to_device(np.asarray(_mel_filterbank(
        float(sr), n_fft, p["n_mels"], p["fmin"], p["fmax"], p["htk"], p["mel_norm"]).T),
        target)
    basis, row_sums = (to_device(np.asarray(a), target) for a in _dct_operator(
        p["n_mels"], p["n_mfcc"], p["dct_type"], p["norm"], float(p["lifter"])))
    win = to_device(np.asarray(_window(p["window"], p["win_length"], n_fft)), target)
    ref, amin = p["ref"], p["amin"]
    blocks = []
    for c0, c1 in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
        sub_frames, sub_padded = n_frames[c0:c1], padded[c0:c1]
        block_name = lambda k, c0=c0: name(c0 + k)
        buf = _padded_buffer(signals[c0:c1], sub_padded, p, block_name,
                             np.empty(int(sub_padded.sum())))
        # Frame r of clip k starts at that clip's offset in the buffer + hop * t.
        n_rows = int(sub_frames.sum())
        row_start = np.cumsum(sub_frames) - sub_frames
        starts = (np.repeat(np.cumsum(sub_padded) - sub_padded - hop * row_start, sub_frames)
                  + hop * np.arange(n_rows))
        index = to_device((starts[:, None] + np.arange(n_fft)).reshape(-1), target)
        frames = xp.reshape(xp.take(to_device(buf, target), index), (n_rows, n_fft)) * win
        spec = xp.fft.rfft(frames, axis=1)
        if p["power"] == 2.0:
            re, im = xp.real(spec), xp.imag(spec)
            power = re * re + im * im
        else:
            power = xp.abs(spec) ** float(p["power"])
        mel = power @ fbank  # (n_rows, n_mels)
        if callable(ref):  # a function of NumPy spectrograms: called on the host
            mel_np = to_numpy(mel)
            ref_db = np.array([10.0 * np.log10(max(amin, ref(mel_np[r:r + n].T)))
                               for r, n in zip(row_start, sub_frames)])
        else:
            ref_db = float(10.0 * np.log10(max(amin, abs(ref))))
        mel = xp.log(xp.clip(mel, min=float(amin)))
        if p["top_db"] is not None:
            # Each clip's own peak: frame maxima in a (clips, longest) layout.
            width = int(sub_frames.max())
            t = np.arange(width)
            layout = np.where(t < sub_frames[:, None], row_start[:, None] + t, 0)
            frame_max = xp.reshape(xp.take(xp.max(mel, axis=1),
                                           to_device(layout.reshape(-1), target)),
                                   layout.shape)
            valid = to_device(t < sub_frames[:, None], target)
            peak = xp.max(xp.where(valid, frame_max, -xp.inf), axis=1)
            clip_of_row = to_device(np.repeat(np.arange(c1 - c0), sub_frames), target)
            floor = xp.take(peak - float(p["top_db"] / _DB_PER_NEPER), clip_of_row)
            mel = xp.maximum(mel, floor[:, None])
        out = mel @ basis
        if callable(ref):
            out = out - to_device(np.repeat(ref_db, sub_frames)[:, None], target) * row_sums
        elif ref_db != 0.0:
            out = out - ref_db * row_sums
        if not bool(xp.all(xp.isfinite(out))):
            row = np.flatnonzero(~np.all(np.isfinite(to_numpy(out)), axis=1))[0]
            k = np.searchsorted(row_start, row, side="right") - 1
            raise ValueError(
                f"{block_name(k)}: the MFCCs are not finite: samples of magnitude up to "
                f"{np.max(np.abs(signals[c0 + k])):.3g} overflow the power spectrum; "
                "rescale the clip (audio is expected in [-1, 1])."
            )
        blocks.append(out)
    return (blocks[0] if len(blocks) == 1 else xp.concat(blocks, axis=0)), offsets


def mfcc(y, sr, *, n_mfcc=20, n_fft=2048, hop_length=512, win_length=None,
         window="hann", center=True, pad_mode="constant", power=2.0, n_mels=128,
         fmin=0.0, fmax=None, htk=False, mel_norm="slaney", dct_type=2,
         norm="ortho", lifter=0.0, ref=1.0, amin=1e-10, top_db=80.0):
    """MFCCs of one mono signal, equal to ``librosa.feature.mfcc``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Mono signal, floating point.
    sr : float
        Its sample rate in Hz.
    n_mfcc : int, default=20
        Number of coefficients.
    n_fft : int, default=2048
        FFT length.
    hop_length : int or None, default=512
        Samples between frames; ``None`` means ``win_length // 4``.
    win_length : int or None, default=None
        Window length (``<= n_fft``, zero-padded to ``n_fft`` at the centre);
        ``None`` means ``n_fft``.
    window : str, tuple, callable or array-like, default="hann"
        Window as for ``scipy.signal.get_window`` (periodic), a function of
        the length, or the samples themselves (length ``win_length``).
    center : bool, default=True
        Pad ``n_fft // 2`` samples on both sides so frame ``t`` is centred on
        sample ``t * hop_length``; a signal shorter than ``n_fft`` then warns,
        as librosa does. With ``center=False`` it raises a ValueError.
    pad_mode : {"constant", "edge", "reflect", "symmetric", "linear_ramp"}, \
            default="constant"
        ``numpy.pad`` mode for the centring pad (the modes librosa accepts).
    power : float, default=2.0
        Exponent of the magnitude spectrum (2: power, 1: magnitude).
    n_mels : int, default=128
        Number of mel bands.
    fmin, fmax : float, default=0.0 and None
        Band limits in Hz; ``fmax=None`` means ``sr / 2``.
    htk : bool, default=False
        HTK mel formula instead of Slaney's.
    mel_norm : "slaney", float or None, default="slaney"
        Filter normalisation: Slaney area normalisation, a p-norm, or none.
    dct_type : {1, 2, 3}, default=2
        DCT type.
    norm : "ortho" or None, default="ortho"
        DCT normalisation.
    lifter : float, default=0.0
        Cepstral liftering ``1 + lifter / 2 * sin(pi * (k + 1) / lifter)``.
    ref : float or callable, default=1.0
        dB reference power, or a function of the mel spectrogram (e.g.
        ``np.max``).
    amin : float, default=1e-10
        Power floor before the logarithm.
    top_db : float or None, default=80.0
        Clip dB values to ``max - top_db`` (the maximum of this signal).

    Returns
    -------
    M : ndarray of shape (n_mfcc, n_frames)
        The coefficients, float64.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.feature_extraction import mfcc
    >>> t = np.arange(8000) / 8000
    >>> mfcc(np.sin(2 * np.pi * 440 * t), 8000, n_mfcc=13, n_fft=256,
    ...      hop_length=80, n_mels=40).shape
    (13, 101)
    """
    # Every parameter of the signature except y and sr, by name.
    params = {name: value for name, value in locals().items() if name in _MFCC_CONSTRAINTS}
    validate_parameter_constraints(_MFCC_CONSTRAINTS, params, caller_name="mfcc")
    _check_mfcc_params(params)
    sr = _check_rate(sr, "sr")
    y = np.asarray(y)
    if y.dtype.kind != "f" or y.ndim != 1 or y.shape[0] == 0:
        raise ValueError(
            f"y must be a non-empty 1-D float array, got dtype {y.dtype}, shape {y.shape}."
        )
    y = y.astype(np.float64, copy=False)
    if not np.all(np.isfinite(y)):
        raise ValueError("y contains NaN or infinite samples.")
    p = _resolve(params, sr)
    if p["center"] and p["n_fft"] > y.shape[0]:
        warnings.warn(
            f"n_fft={p['n_fft']} is too large for input signal of length={y.shape[0]}; "
            "its frames are mostly padding.",
            UserWarning,
            stacklevel=2,
        )
    M, _ = _mfcc_frames([y], sr, p, lambda k: "signal")
    return np.ascontiguousarray(M.T)


# --------------------------------------------------------------------------
# Frames -> features -> pooled rows, for many clips at once
# --------------------------------------------------------------------------
def _parse_pooling(pooling):
    """Validate ``pooling``; return (names, plain stats, percentiles)."""
    if isinstance(pooling, str) or not hasattr(pooling, "__iter__"):
        raise ValueError(
            f"pooling must be a list of statistics, got {pooling!r}; "
            f"use names from {list(_STATS)} or percentiles like 'p10'."
        )
    names = list(pooling)
    if not names:
        raise ValueError("pooling must name at least one statistic.")
    if len(set(names)) != len(names):
        raise ValueError(f"pooling has duplicate statistics: {names}.")
    for name in names:
        if not isinstance(name, str):
            raise ValueError(f"pooling entries must be strings, got {name!r}.")
        if name in _STATS:
            continue
        q = None
        if name.startswith("p"):
            try:
                q = float(name[1:])
            except ValueError:
                pass
        if q is None or not 0.0 <= q <= 100.0:
            raise ValueError(
                f"Unknown pooling statistic {name!r}; use {list(_STATS)} or "
                "percentiles 'p0'...'p100' (e.g. 'p10', 'p90')."
            )
    return names


def _pool(frames, names):
    """One row of statistics over frames, statistic-major."""
    out = []
    for name in names:
        if name == "mean":
            out.append(frames.mean(axis=0))
        elif name == "std":
            out.append(frames.std(axis=0))
        elif name == "min":
            out.append(frames.min(axis=0))
        elif name == "max":
            out.append(frames.max(axis=0))
        elif name == "median":
            out.append(np.median(frames, axis=0))
        else:
            out.append(np.percentile(frames, float(name[1:]), axis=0))
    return np.concatenate(out)


def _pool_segments(frames, names, n_segments):
    """Pool each of ``n_segments`` consecutive stretches of frames, side by side.

    Segment ``i`` covers frames ``[floor(i n / s), ceil((i + 1) n / s))`` and at
    least one frame, so clips shorter than ``n_segments`` frames reuse frames
    rather than leave a segment empty.
    """
    if n_segments == 1:
        return _pool(frames, names)
    edges = np.linspace(0, len(frames), n_segments + 1)
    out = []
    for a, b in zip(edges[:-1], edges[1:]):
        start = min(int(np.floor(a)), len(frames) - 1)
        out.append(_pool(frames[start:max(int(np.ceil(b)), start + 1)], names))
    return np.concatenate(out)


def _per_clip(values, offsets):
    """Repeat one row per clip over that clip's frames."""
    return np.repeat(values, np.diff(offsets), axis=0)


def _clip_means(feat, offsets):
    return np.add.reduceat(feat, offsets[:-1], axis=0) / np.diff(offsets)[:, None]


def _cmvn(feat, offsets, mode):
    """Per-clip cepstral mean (and variance) normalisation."""
    mean = _clip_means(feat, offsets)
    feat = feat - _per_clip(mean, offsets)
    if mode == "mean_var":
        std = np.sqrt(_clip_means(feat * feat, offsets))
        # A constant coefficient (a silent clip at the dB floor) has only
        # rounding noise for a std: keep its scale instead of blowing it up.
        constant = std <= 1e-10 * (np.abs(mean) + 1.0)
        feat /= _per_clip(np.where(constant, 1.0, std), offsets)
    return feat


def _deltas(feat, offsets, width, max_order, name):
    """Deltas of orders 1..max_order of each clip's frames, as librosa.feature.delta.

    Returns (max_order, n_rows, n_features). Interior frames use the centre
    Savitzky-Golay filter as one correlation over all clips; the ``width // 2``
    frames at each end of each clip are then replaced by the edge rows of the
    operator (a polynomial fit of the clip's first / last ``width`` frames, as
    ``mode="interp"``), which also undoes any reading across clip boundaries.
    """
    from scipy.ndimage import correlate1d

    counts = np.diff(offsets)
    short = np.flatnonzero(counts < width)
    if short.size:
        k = short[0]
        raise ValueError(
            f"{name(k)}: {counts[k]} frames is fewer than delta_width={width}; "
            "use a smaller hop_length or delta_width, or deltas=0."
        )
    half = width // 2
    head = offsets[:-1, None] + np.arange(width)          # first frames of each clip
    tail = offsets[1:, None] - width + np.arange(width)   # last frames of each clip
    head_feat, tail_feat = feat[head], feat[tail]
    out = np.empty((max_order,) + feat.shape)
    for k in range(max_order):
        op = _savgol_operator(width, k + 1)
        correlate1d(feat, op[half], axis=0, mode="constant", output=out[k])
        out[k][head[:, :half]] = op[:half] @ head_feat
        out[k][tail[:, half + 1:]] = op[half + 1:] @ tail_feat
    return out


_FAST_STATS = {"mean", "std", "min", "max"}


def _pool_clips(feat, offsets, names, n_segments):
    """One pooled row per clip (statistic-major), all clips at once where possible."""
    if n_segments > 1 or not set(names) <= _FAST_STATS:
        return np.vstack([_pool_segments(feat[a:b], names, n_segments)
                          for a, b in zip(offsets[:-1], offsets[1:])])
    starts = offsets[:-1]
    mean = _clip_means(feat, offsets) if {"mean", "std"} & set(names) else None
    out = []
    for stat in names:
        if stat == "mean":
            out.append(mean)
        elif stat == "std":
            centred = feat - _per_clip(mean, offsets)
            out.append(np.sqrt(_clip_means(centred * centred, offsets)))
        elif stat == "min":
            out.append(np.minimum.reduceat(feat, starts, axis=0))
        else:
            out.append(np.maximum.reduceat(feat, starts, axis=0))
    return np.hstack(out)


def _process_chunk(items, start, sr, resample, bare_sr, target, params, names,
                   n_segments, on=None):
    """Worker: load and featurise a chunk of clips at the analysis rate ``sr``.

    Returns ``(features, short)``: pooled rows (``names`` given) or a list of
    frame matrices, and ``(index, n_samples)`` of clips shorter than ``n_fft``
    (the caller warns once, in the main process). ``on`` (from
    :func:`~skmm.utils.resolve_device`) computes the frame MFCCs on that device;
    CMVN, deltas and pooling (``n_mfcc`` columns) stay on the host.
    """
    def name(k):
        return describe_item(start + k, items[k])

    signals = []
    for k, item in enumerate(items):
        if (type(item) is np.ndarray and item.dtype == np.float64 and item.ndim == 1
                and item.shape[0] and bare_sr == sr):
            signals.append(item)  # in-memory clips at the analysis rate: no copy
            continue
        y, _ = _load_item(item, name(k), sr, resample, bare_sr=bare_sr,
                          check_finite=False, target=target)
        signals.append(y)
    p = _resolve(params, sr, name(0))
    if on is None or is_numpy_namespace(on[0]):
        feat, offsets = _mfcc_frames(signals, sr, p, name)
    else:
        # Overflow becomes inf, reported with the clip's name (NumPy-backed
        # namespaces would warn first).
        with np.errstate(over="ignore", invalid="ignore"):
            feat, offsets = _mfcc_frames_device(signals, sr, p, name, on)
        feat = to_numpy(feat)
    lengths = np.fromiter((y.shape[0] for y in signals), dtype=np.int64,
                          count=len(signals))
    short = ([(start + int(k), int(lengths[k]))
              for k in np.flatnonzero(lengths < p["n_fft"])] if p["center"] else [])
    if p["cmvn"] is not None:
        feat = _cmvn(feat, offsets, p["cmvn"])
    if p["deltas"]:
        feat = np.hstack([feat, *_deltas(feat, offsets, p["delta_width"], p["deltas"],
                                         name)])
    if names is not None:
        return _pool_clips(feat, offsets, names, n_segments), short
    bounds = offsets.tolist()  # Python ints: slicing with NumPy scalars is slower
    return [feat[a:b] for a, b in zip(bounds[:-1], bounds[1:])], short


class MFCC(_DocLinkMixin, TransformerMixin, BaseEstimator):
    """MFCC statistics of audio clips: one fixed-length row per clip.

    Each clip becomes a sequence of frames of MFCCs (numerically equal to
    ``librosa.feature.mfcc`` with the same parameters), optionally
    normalised per clip (CMVN) and extended with deltas, then pooled over
    frames into fixed statistics. ``fit`` learns nothing from the samples: it
    validates the parameters and records the analysis rate ``sr_`` (``sr``, or
    with ``sr=None`` the rate the training clips share), because the mel bands
    depend on the rate. Clips are computed in batches, but each clip's
    features are its own (the ``top_db`` floor is each clip's own).

    Parameters
    ----------
    sr : float or None, default=None
        Analysis sample rate. ``None`` takes the rate of the clips ``fit``
        sees (they must share one; bare arrays then need an ``(array, rate)``
        tuple), and later clips at another rate are resampled to it (or
        rejected, with ``resample=False``).
    resample : bool, default=True
        Resample clips whose rate differs from the analysis rate ``sr_`` with
        ``scipy.signal.resample_poly``; if False such a clip raises a
        ValueError naming it and both rates.
    n_mfcc : int, default=20
        Number of cepstral coefficients.
    n_fft : int, default=2048
        FFT length in samples.
    hop_length : int or None, default=512
        Samples between frames; ``None`` means ``win_length // 4``.
    win_length : int or None, default=None
        Window length (``<= n_fft``); ``None`` means ``n_fft``.
    window : str, tuple, callable or array-like, default="hann"
        Window spec for ``scipy.signal.get_window`` (periodic), a function of
        the length, or its samples.
    center : bool, default=True
        Centre frames by padding ``n_fft // 2`` samples on both sides, so a
        clip shorter than one frame still gives frames (a warning lists such
        clips, as librosa warns). With ``center=False`` a clip shorter than
        ``n_fft`` raises a ValueError naming it.
    pad_mode : {"constant", "edge", "reflect", "symmetric", "linear_ramp"}, \
            default="constant"
        Padding mode when ``center=True``.
    power : float, default=2.0
        Exponent of the magnitude spectrum.
    n_mels : int, default=128
        Number of mel bands.
    fmin : float, default=0.0
        Lowest band edge in Hz.
    fmax : float or None, default=None
        Highest band edge in Hz; ``None`` means ``sr / 2``.
    htk : bool, default=False
        HTK mel formula instead of Slaney's.
    mel_norm : "slaney", float or None, default="slaney"
        Mel filter normalisation (librosa's ``mel_norm``).
    dct_type : {1, 2, 3}, default=2
        DCT type.
    norm : "ortho" or None, default="ortho"
        DCT normalisation (librosa's ``norm``).
    lifter : float, default=0.0
        Liftering coefficient; 0 disables it.
    ref : float or callable, default=1.0
        Reference power for dB (a callable gets each clip's mel spectrogram).
    amin : float, default=1e-10
        Power floor before the logarithm.
    top_db : float or None, default=80.0
        Per-clip dynamic range in dB below the clip's own maximum.
    deltas : {0, 1, 2}, default=0
        Append first (1) or first and second (2) order deltas per frame.
    delta_width : int, default=9
        Odd window of ``librosa.feature.delta`` (``mode="interp"``). A clip
        with fewer frames raises a ValueError naming it.
    cmvn : {"mean", "mean_var"} or None, default=None
        Per-clip cepstral mean (and variance) normalisation of the MFCCs,
        applied before the deltas as in Kaldi. Constant coefficients keep a
        scale of 1.
    pooling : list of str, default=("mean", "std")
        Statistics over frames: "mean", "std", "min", "max", "median" and
        percentiles "p<q>" with ``0 <= q <= 100`` (e.g. "p10"). Frame-level
        output is :meth:`transform_frames`.
    n_segments : int, default=1
        Pool each of this many consecutive stretches of the clip separately
        and lay the results side by side (segment-major), which keeps the
        coarse time course of a word: on FSDD leave-one-speaker-out, 3
        segments lift accuracy from 0.73 to 0.83 (``benchmarks/results/mfcc.md``).
        Each segment has at least one frame (short clips reuse frames).
    n_jobs : int or None, default=None
        Parallel jobs (joblib) over chunks of clips; each chunk is computed
        as one batch.
    verbose : int, default=0
        joblib verbosity.
    device : None, "cpu", "gpu", "auto" or a device object, default=None
        Where to compute the frame MFCCs (see :func:`skmm.utils.resolve_device`):
        ``None`` or ``"cpu"`` with NumPy, ``"gpu"`` with CuPy (an ImportError
        naming the extra to install when it is missing), ``"auto"`` (the GPU
        when CuPy finds one, else the CPU) or a device object. There the
        framing, ``rfft``, mel projection, logarithm, dB floor and DCT run on
        the device's array namespace, in float64 (the same numbers as on the
        CPU); CMVN, deltas and pooling (``n_mfcc`` columns) run on the host,
        and the outputs are returned on the device. Clips are read on the host;
        ``n_jobs`` is ignored on a device. Fitted attributes are NumPy.

    Attributes
    ----------
    sr_ : float
        The analysis sample rate: ``sr``, or the training clips' rate.
    n_features_out_ : int
        Length of an output row.
    n_frame_features_ : int
        Features per frame, ``n_mfcc * (1 + deltas)``.

    See Also
    --------
    mfcc : The coefficients of one signal, as ``librosa.feature.mfcc``.

    Notes
    -----
    On the CPU, with Numba installed (``pip install "skmm[fast]"``), a
    Hann, Hamming, Blackman or other cosine-sum window and a numeric
    ``ref``, the frames of many clips are computed by a compiled kernel:
    one ``rfft`` per block of clips laid out on one hop grid, read in place,
    the window applied to the spectra, and the rest in vectorised loops
    (``skmm/feature_extraction/_mfcc_kernel.py``). On 3,000 FSDD clips it
    takes 1.14x the time of the ``rfft`` and power of the same frames alone
    (``benchmarks/bench_mfcc.py``; 1.18x with Numba generating AVX2 code
    only), against 1.6x for the NumPy engine that runs otherwise. The two
    agree to 1e-15 of the coefficients' scale.
    Numba compiles the kernel on first use (a few seconds, once) and caches
    it on disk.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.feature_extraction import MFCC
    >>> t = np.arange(4000) / 8000
    >>> clips = [np.sin(2 * np.pi * f * t) for f in (300, 600, 900)]
    >>> est = MFCC(sr=8000, n_mfcc=13, n_fft=256, hop_length=80, n_mels=40,
    ...            deltas=1).fit(clips)
    >>> est.transform(clips).shape
    (3, 52)
    >>> est.get_feature_names_out()[:2]
    array(['mfcc0_mean', 'mfcc1_mean'], dtype=object)
    """

    _parameter_constraints: dict = {
        "sr": [Interval(Real, 0, None, closed="neither"), None],
        "resample": ["boolean"],
        **_MFCC_CONSTRAINTS,
        "deltas": [Interval(Integral, 0, 2, closed="both")],
        "delta_width": [Interval(Integral, 3, None, closed="left")],
        "cmvn": [StrOptions({"mean", "mean_var"}), None],
        "pooling": [list, tuple],
        "n_segments": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
        "device": "no_validation",  # resolved (and checked) by skmm.utils.resolve_device
    }

    def __init__(self, *, sr=None, resample=True, n_mfcc=20, n_fft=2048,
                 hop_length=512, win_length=None, window="hann", center=True,
                 pad_mode="constant", power=2.0, n_mels=128, fmin=0.0, fmax=None,
                 htk=False, mel_norm="slaney", dct_type=2, norm="ortho", lifter=0.0,
                 ref=1.0, amin=1e-10, top_db=80.0, deltas=0, delta_width=9,
                 cmvn=None, pooling=("mean", "std"), n_segments=1, n_jobs=None,
                 verbose=0, device=None):
        self.sr = sr
        self.resample = resample
        self.n_mfcc = n_mfcc
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.win_length = win_length
        self.window = window
        self.center = center
        self.pad_mode = pad_mode
        self.power = power
        self.n_mels = n_mels
        self.fmin = fmin
        self.fmax = fmax
        self.htk = htk
        self.mel_norm = mel_norm
        self.dct_type = dct_type
        self.norm = norm
        self.lifter = lifter
        self.ref = ref
        self.amin = amin
        self.top_db = top_db
        self.deltas = deltas
        self.delta_width = delta_width
        self.cmvn = cmvn
        self.pooling = pooling
        self.n_segments = n_segments
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.device = device

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.one_d_array = True
        tags.input_tags.string = True
        tags.requires_fit = True
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags

    # -- validation -------------------------------------------------------
    @staticmethod
    def _check_X(X):
        """X must be a non-empty 1-D sequence of clips; return it as a list."""
        if isinstance(X, (str, bytes)) or not hasattr(X, "__len__"):
            raise TypeError(
                "X must be a 1-D sequence of clips (paths, arrays or "
                f"(array, rate) tuples), got {type(X).__name__}."
            )
        if isinstance(X, np.ndarray) and X.ndim != 1:
            raise ValueError(
                f"X must be a 1-D sequence of clips, got an array of shape {X.shape}; "
                "for equal-length clips in the rows of a 2-D array pass list(X)."
            )
        if hasattr(X, "iloc"):  # pandas Series: positional, not label, order
            X = X.to_numpy()
        items = list(X)
        if not items:
            raise ValueError("X is empty: expected at least one clip.")
        if isinstance(X, np.ndarray) and X.dtype.kind in "fiub":
            raise TypeError(
                "X is a 1-D numeric array, which would be read as clips of one "
                "sample each; pass a single clip as [y] or [(y, sr)]."
            )
        return items

    def _params(self):
        names = [*_MFCC_CONSTRAINTS, "cmvn", "deltas", "delta_width"]
        return {name: getattr(self, name) for name in names}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and record the analysis rate ``sr_``.

        Nothing is learned from the samples. With ``sr=None`` the clips' rates
        are read (WAV headers, tuple rates) and must agree.

        Parameters
        ----------
        X : sequence of clips
            WAV paths, 1-D float arrays (at ``sr``) or ``(array, rate)`` tuples.
        y : None
            Ignored.

        Returns
        -------
        self : MFCC
            The fitted transformer.
        """
        items = self._check_X(X)
        _check_mfcc_params(self._params())
        resolve_device(self.device)  # a bad device, or "gpu" without CuPy, fails here
        if self.delta_width % 2 != 1:
            raise ValueError(f"delta_width must be odd, got {self.delta_width}.")
        names = _parse_pooling(self.pooling)
        if self.sr is not None:
            self.sr_ = self.sr
        else:
            first = None
            for index, item in enumerate(items):
                where = describe_item(index, item)
                rate = _item_rate(item, where, None)
                if first is None:
                    first = rate
                elif rate != first:
                    raise ValueError(
                        f"{where}: sample rate {rate} Hz differs from item 0's {first} "
                        "Hz; with sr=None the clips MFCC is fitted on must share one "
                        "rate (set sr to analyse clips of mixed rates)."
                    )
            self.sr_ = first
        self.n_frame_features_ = self.n_mfcc * (1 + self.deltas)
        self.n_features_out_ = self.n_frame_features_ * len(names) * self.n_segments
        return self

    def _run(self, X, pooled):
        check_is_fitted(self)
        items = self._check_X(X)
        names = _parse_pooling(self.pooling) if pooled else None
        if pooled and (self.n_mfcc * (1 + self.deltas) * len(names) * self.n_segments
                       != self.n_features_out_):
            raise ValueError("Parameters changed since fit; call fit again.")
        if self.sr is not None and self.sr != self.sr_:
            raise ValueError(
                f"sr changed since fit (sr={self.sr}, fitted at sr_={self.sr_}); "
                "call fit again."
            )
        sr = self.sr_
        target = (f"sr={sr} Hz" if self.sr is not None
                  else f"the rate MFCC was fitted at (sr_={sr} Hz)")
        args = (self.resample, self.sr, target, self._params(), names, self.n_segments)
        n = len(items)
        from joblib import Parallel, delayed, effective_n_jobs

        on = resolve_device(self.device)
        if on is not None and is_numpy_namespace(on[0]):
            on = None
        n_jobs = effective_n_jobs(self.n_jobs)
        if on is not None or n_jobs == 1 or n < 2:
            parts = [_process_chunk(items, 0, sr, *args, on=on)]
        else:
            # Few large tasks: each is one batch, and batches gain from size.
            n_chunks = min(n, 2 * n_jobs)
            bounds = np.linspace(0, n, n_chunks + 1).astype(int).tolist()
            parts = Parallel(n_jobs=n_jobs, verbose=self.verbose)(
                delayed(_process_chunk)(items[a:b], a, sr, *args)
                for a, b in zip(bounds[:-1], bounds[1:])
            )
        short = [s for _, part_short in parts for s in part_short]
        if short:
            # One warning per call (workers' warnings would not reach the caller).
            listed = ", ".join(f"{describe_item(i, items[i])}: {m} samples"
                               for i, m in short[:5])
            more = f" and {len(short) - 5} more" if len(short) > 5 else ""
            warnings.warn(
                f"{len(short)} clip(s) shorter than n_fft={self.n_fft} samples "
                f"({listed}{more}): with center=True their frames are mostly "
                "padding, as librosa warns. Use a smaller n_fft for short clips.",
                UserWarning,
                stacklevel=3,
            )
        if pooled:
            return to_device(np.vstack([feat for feat, _ in parts]), on)
        frames = [f for feat, _ in parts for f in feat]
        return frames if on is None else [to_device(f, on) for f in frames]

    def transform(self, X):
        """Pooled MFCC statistics, one row per clip.

        Parameters
        ----------
        X : sequence of clips
            WAV paths, 1-D float arrays (at ``sr``) or ``(array, rate)`` tuples.

        Returns
        -------
        features : ndarray of shape (n_clips, n_features_out_)
            Statistic-major rows: all frame features for the first statistic,
            then the next (see :meth:`get_feature_names_out`).
        """
        return self._run(X, pooled=True)

    def transform_frames(self, X):
        """Frame-level features, e.g. for a bag-of-audio-words encoding.

        Parameters
        ----------
        X : sequence of clips
            WAV paths, 1-D float arrays (at ``sr``) or ``(array, rate)`` tuples.

        Returns
        -------
        frames : list of ndarray of shape (n_frames_i, n_frame_features_)
            Per clip: MFCCs (after CMVN), then deltas, one row per frame.
        """
        return self._run(X, pooled=False)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns, e.g. ``mfcc0_mean`` or ``mfcc3_delta_std``.

        Parameters
        ----------
        input_features : None
            Ignored (the input is raw audio).

        Returns
        -------
        names : ndarray of str objects
            One name per output column.
        """
        check_is_fitted(self)
        suffixes = ["", "_delta", "_delta2"][: 1 + self.deltas]
        frame_names = [f"mfcc{i}{s}" for s in suffixes for i in range(self.n_mfcc)]
        return np.asarray(
            [f"{f}_{stat}" + (f"_seg{seg}" if self.n_segments > 1 else "")
             for seg in range(self.n_segments) for stat in _parse_pooling(self.pooling)
             for f in frame_names],
            dtype=object
        )
