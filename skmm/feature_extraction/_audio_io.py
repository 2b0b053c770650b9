"""Read WAV files and bring audio clips to one mono float64 signal at one rate.

Only NumPy and SciPy are used: ``scipy.io.wavfile`` reads PCM 8/16/24/32-bit
and IEEE float 32/64 files, ``scipy.signal.resample_poly`` changes the rate
(the same filter as ``librosa.resample(..., res_type="polyphase")``).
"""

import os
import struct
import warnings
from math import gcd
from numbers import Real

import numpy as np

__all__ = ["load_wav"]

# Full scale of each integer PCM container as scipy.io.wavfile returns it:
# 8-bit is unsigned with offset 128, 24-bit arrives left-aligned in int32.
_PCM_SCALE = {
    np.dtype(np.uint8): (128.0, 128.0),
    np.dtype(np.int16): (0.0, 32768.0),
    np.dtype(np.int32): (0.0, 2147483648.0),
    np.dtype(np.int64): (0.0, 9223372036854775808.0),
}


def _pcm_to_float(data, where):
    """Scale integer PCM to [-1, 1) float64; pass float data through as float64."""
    if data.dtype.kind == "f":
        return data.astype(np.float64, copy=False)
    if data.dtype in _PCM_SCALE:
        offset, scale = _PCM_SCALE[data.dtype]
        return (data.astype(np.float64) - offset) / scale
    raise ValueError(f"{where}: unsupported WAV sample type {data.dtype}.")


def _read_wav(path, where):
    """Read ``path`` with scipy, turning every failure into a ValueError naming it."""
    from scipy.io import wavfile

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            rate, data = wavfile.read(path)
        except FileNotFoundError as exc:
            raise ValueError(f"{where}: file not found.") from exc
        except IsADirectoryError as exc:
            raise ValueError(f"{where}: is a directory, expected a WAV file.") from exc
        except (ValueError, struct.error, EOFError, OSError, IndexError) as exc:
            raise ValueError(
                f"{where}: cannot be read as a WAV file ({exc})."
            ) from exc
    for w in caught:
        message = str(w.message)
        # scipy reads a file cut short up to where it ends and only warns.
        if "EOF" in message or "prematurely" in message:
            raise ValueError(f"{where}: truncated or corrupt WAV file ({message}).")
        # Unknown chunks (PEAK, LIST, fact...) are legitimate metadata: skip quietly.
        if "Chunk" not in message:
            warnings.warn(f"{where}: {message}", w.category, stacklevel=3)
    return int(rate), data


def _check_rate(rate, where):
    if isinstance(rate, bool) or not isinstance(rate, Real) or not np.isfinite(rate) or rate <= 0:
        raise ValueError(f"{where}: sample rate must be a positive number, got {rate!r}.")
    return rate


def _as_mono_float(data, where, *, allow_channels, check_finite=True):
    """Validate samples: numeric, finite, non-empty; mix channels down by the mean."""
    try:
        data = np.asarray(data)
    except ValueError as exc:  # ragged nested lists
        raise TypeError(f"{where}: audio samples are not a numeric array ({exc}).") from exc
    if data.dtype.kind != "f":
        hint = (" (integer PCM: divide by its full scale, e.g. 32768 for int16)"
                if data.dtype.kind in "iu" else "")
        raise TypeError(
            f"{where}: audio samples must be floating point, got dtype {data.dtype}{hint}."
        )
    if data.ndim == 2 and allow_channels:
        data = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    elif data.ndim != 1:
        raise ValueError(
            f"{where}: an audio array must be 1-D (mono), got shape {data.shape}; "
            "mix channels down first, e.g. y.mean(axis=channel_axis)."
        )
    if data.shape[0] == 0:
        raise ValueError(f"{where}: empty audio clip (0 samples).")
    y = data.astype(np.float64, copy=False)
    if check_finite and not np.all(np.isfinite(y)):
        raise ValueError(f"{where}: audio contains NaN or infinite samples.")
    return y


def _resample(y, orig_sr, target_sr, where):
    """Polyphase resampling from ``orig_sr`` to ``target_sr`` (integer rates)."""
    from scipy.signal import resample_poly

    if float(orig_sr) != int(orig_sr) or float(target_sr) != int(target_sr):
        raise ValueError(
            f"{where}: resampling needs integer sample rates, got {orig_sr} -> {target_sr}."
        )
    orig_sr, target_sr = int(orig_sr), int(target_sr)
    g = gcd(orig_sr, target_sr)
    return resample_poly(y, target_sr // g, orig_sr // g)


def _load_item(item, where, sr, resample):
    """Turn one input item into ``(y, rate)``: mono float64 at ``sr`` if given.

    ``item`` is a path, a 1-D float array (at ``sr``) or an ``(array, rate)``
    tuple. Errors start with ``where`` (row index and path).
    """
    if isinstance(item, (str, os.PathLike)):
        rate, data = _read_wav(os.fspath(item), where)
        # Integer PCM cannot hold NaN or inf: only float files need the check.
        y = _as_mono_float(_pcm_to_float(data, where), where, allow_channels=True,
                           check_finite=data.dtype.kind == "f")
    elif isinstance(item, tuple):
        if len(item) != 2:
            raise ValueError(
                f"{where}: a tuple item must be (array, sample_rate), got length {len(item)}."
            )
        data, rate = item
        rate = _check_rate(rate, where)
        y = _as_mono_float(data, where, allow_channels=False)
    elif isinstance(item, (np.ndarray, list)):
        if sr is None:
            raise ValueError(
                f"{where}: a bare audio array has no sample rate while sr=None; "
                "pass (array, sample_rate) tuples or set sr."
            )
        rate = sr
        y = _as_mono_float(item, where, allow_channels=False)
    else:
        raise TypeError(
            f"{where}: expected a WAV path, a 1-D float array or an (array, sample_rate) "
            f"tuple, got {type(item).__name__}."
        )
    if sr is not None and rate != sr:
        if not resample:
            raise ValueError(
                f"{where}: sample rate {rate} Hz differs from sr={sr} Hz and resample=False."
            )
        y = _resample(y, rate, sr, where)
        rate = sr
    return y, rate


def load_wav(path, sr=None, *, resample=True):
    """Read a WAV file as a mono float64 signal.

    Integer PCM (8-bit unsigned, 16, 24 and 32-bit) is scaled to [-1, 1) by its
    full scale, as ``soundfile`` does; float files are read as stored.
    Several channels are mixed down by their mean.

    Parameters
    ----------
    path : str or os.PathLike
        The WAV file.
    sr : float or None, default=None
        Target sample rate. ``None`` keeps the file's own rate.
    resample : bool, default=True
        Resample with ``scipy.signal.resample_poly`` when the file's rate
        differs from ``sr``; if False such a file raises a ValueError.

    Returns
    -------
    y : ndarray of shape (n_samples,)
        The samples, float64.
    sr : int or float
        Their sample rate.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from scipy.io import wavfile
    >>> from skmm.feature_extraction import load_wav
    >>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> wavfile.write(path, 8000, np.full(800, 16384, dtype=np.int16))
    >>> y, sr = load_wav(path)
    >>> y[:3], sr
    (array([0.5, 0.5, 0.5]), 8000)
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}.")
    if sr is not None:
        _check_rate(sr, "sr")
    return _load_item(path, repr(os.fspath(path)), sr, resample)
