"""Read WAV files and bring audio clips to one mono float64 signal at one rate.

The RIFF parser here reads PCM 8/16/24/32-bit and IEEE float 32/64 files
(plain or ``WAVE_FORMAT_EXTENSIBLE``) and checks the header before trusting it:
channels, rate, format code, frame size and the data chunk's length, so a bad
file fails with its path and the reason instead of a ``ZeroDivisionError`` or
a rate error further down. ``scipy.signal.resample_poly`` changes the rate
(the same filter as ``librosa.resample(..., res_type="polyphase")``).
"""

import os
import struct
from math import gcd
from numbers import Real

import numpy as np

__all__ = ["load_wav"]

# WAVE format codes: the two this reader decodes, and names for the usual others.
_PCM, _IEEE_FLOAT, _EXTENSIBLE = 0x0001, 0x0003, 0xFFFE
_FORMAT_NAMES = {
    0x0002: "Microsoft ADPCM", 0x0006: "A-law", 0x0007: "mu-law",
    0x0011: "IMA ADPCM", 0x0031: "GSM 6.10", 0x0050: "MPEG", 0x0055: "MPEG layer 3",
}
# Bytes per sample -> (dtype, offset, full scale). 8-bit PCM is unsigned with
# offset 128; 24-bit is widened to a left-aligned int32 (scale 2**31).
_PCM_LAYOUT = {
    1: (np.uint8, 128.0, 128.0),
    2: (np.dtype("<i2"), 0.0, 32768.0),
    3: (np.dtype("<i4"), 0.0, 2147483648.0),
    4: (np.dtype("<i4"), 0.0, 2147483648.0),
}
_FLOAT_LAYOUT = {4: np.dtype("<f4"), 8: np.dtype("<f8")}


def _wav_error(where, reason):
    return ValueError(f"{where}: cannot be read as a WAV file ({reason}).")


def _parse_header(raw, where):
    """Walk the RIFF chunks of ``raw``; return (format, channels, rate, width, data).

    ``width`` is bytes per sample and ``data`` a memoryview of the samples.
    Every inconsistency raises a ValueError that starts with ``where``.
    """
    if len(raw) < 12 or raw[8:12] != b"WAVE" or raw[:4] not in (b"RIFF", b"RIFX", b"RF64"):
        raise _wav_error(where, "no RIFF/WAVE header")
    if raw[:4] != b"RIFF":
        raise _wav_error(where, f"{raw[:4].decode()} files are not supported, only RIFF")
    fmt = data = None
    offset = 12
    while offset + 8 <= len(raw) and (fmt is None or data is None):
        chunk_id = raw[offset:offset + 4]
        (size,) = struct.unpack_from("<I", raw, offset + 4)
        body = offset + 8
        if chunk_id == b"fmt ":
            if size < 16 or body + 16 > len(raw):
                raise _wav_error(where, "the 'fmt ' chunk is cut short")
            fmt = struct.unpack_from("<HHIIHH", raw, body)
            if fmt[0] == _EXTENSIBLE and size >= 40 and body + 26 <= len(raw):
                # The real format code is the first two bytes of the subformat GUID.
                (sub,) = struct.unpack_from("<H", raw, body + 24)
                fmt = (sub,) + fmt[1:]
        elif chunk_id == b"data":
            available = len(raw) - body
            if size > available:
                raise ValueError(
                    f"{where}: truncated or corrupt WAV file: the data chunk declares "
                    f"{size} bytes but only {available} follow."
                )
            data = memoryview(raw)[body:body + size]
        offset = body + size + (size & 1)  # chunks are word-aligned
    if fmt is None:
        raise _wav_error(where, "no 'fmt ' chunk")
    code, channels, rate, _, block_align, bits = fmt
    if channels == 0:
        raise ValueError(f"{where}: the WAV header declares 0 channels.")
    if rate == 0:
        raise ValueError(f"{where}: the WAV header declares a sample rate of 0 Hz.")
    if code not in (_PCM, _IEEE_FLOAT):
        name = _FORMAT_NAMES.get(code, "unknown")
        raise ValueError(
            f"{where}: unsupported WAV format code {code:#06x} ({name}); only PCM "
            "(0x0001) and IEEE float (0x0003) samples can be read. Convert the file, "
            "e.g. with soundfile or ffmpeg."
        )
    width = block_align // channels if block_align % channels == 0 else 0
    layout = _PCM_LAYOUT if code == _PCM else _FLOAT_LAYOUT
    if width not in layout or bits > 8 * width:
        kind = "PCM" if code == _PCM else "IEEE float"
        raise ValueError(
            f"{where}: unsupported WAV sample layout: {kind} with {bits} bits in "
            f"{block_align}-byte frames of {channels} channel(s); supported are "
            f"{'8/16/24/32-bit PCM' if code == _PCM else '32/64-bit float'}."
        )
    if data is None:
        raise _wav_error(where, "no 'data' chunk")
    if len(data) % block_align:
        raise ValueError(
            f"{where}: truncated or corrupt WAV file: the data chunk holds {len(data)} "
            f"bytes, not a whole number of {block_align}-byte frames."
        )
    return code, channels, rate, width, data


def _decode(code, channels, width, data):
    """Samples as (n_frames, channels) float64 in [-1, 1) for PCM."""
    if code == _IEEE_FLOAT:
        samples = np.frombuffer(data, dtype=_FLOAT_LAYOUT[width]).astype(np.float64)
    else:
        dtype, offset, scale = _PCM_LAYOUT[width]
        if width == 3:
            # Widen 3-byte samples to left-aligned int32 (low byte zero).
            packed = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3)
            wide = np.zeros((packed.shape[0], 4), dtype=np.uint8)
            wide[:, 1:] = packed
            ints = wide.view("<i4")[:, 0]
        else:
            ints = np.frombuffer(data, dtype=dtype)
        samples = (ints.astype(np.float64) - offset) / scale
    return samples.reshape(-1, channels)


def _read_bytes(path, where):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError as exc:
        raise ValueError(f"{where}: file not found.") from exc
    except IsADirectoryError as exc:
        raise ValueError(f"{where}: is a directory, expected a WAV file.") from exc
    except OSError as exc:
        raise ValueError(f"{where}: cannot be opened ({exc}).") from exc


def _read_wav(path, where):
    """``(rate, samples (n, channels) float64)`` of the WAV file ``path``."""
    code, channels, rate, width, data = _parse_header(_read_bytes(path, where), where)
    return rate, _decode(code, channels, width, data)


def _wav_rate(path, where):
    """The sample rate of a WAV file, with the header fully checked."""
    return _parse_header(_read_bytes(path, where), where)[2]


def _check_rate(rate, where):
    if isinstance(rate, bool) or not isinstance(rate, Real) or not np.isfinite(rate) or rate <= 0:
        raise ValueError(f"{where}: sample rate must be a positive number, got {rate!r}.")
    return rate


def _as_mono_float(data, where, *, allow_channels, check_finite=True):
    """Validate samples: numeric, finite, non-empty; mix channels down by the mean."""
    if (type(data) is np.ndarray and data.dtype == np.float64 and data.ndim == 1
            and data.shape[0] and not check_finite):
        return data  # the common case, kept cheap for batches of thousands of clips
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


def _item_rate(item, where, bare_sr):
    """The sample rate of one input item, without decoding its samples.

    A path's rate comes from its (checked) header, a tuple's from its second
    element; a bare array has ``bare_sr``, which must not be None.
    """
    if isinstance(item, (str, os.PathLike)):
        return _wav_rate(os.fspath(item), where)
    if isinstance(item, tuple):
        if len(item) != 2:
            raise ValueError(
                f"{where}: a tuple item must be (array, sample_rate), got length {len(item)}."
            )
        return _check_rate(item[1], where)
    if isinstance(item, (np.ndarray, list)):
        if bare_sr is None:
            raise ValueError(
                f"{where}: a bare audio array has no sample rate while sr=None; "
                "pass (array, sample_rate) tuples or set sr."
            )
        return bare_sr
    raise TypeError(
        f"{where}: expected a WAV path, a 1-D float array or an (array, sample_rate) "
        f"tuple, got {type(item).__name__}."
    )


def _load_item(item, where, sr, resample, *, bare_sr=None, check_finite=True,
               target=None):
    """Turn one input item into ``(y, rate)``: mono float64 at ``sr`` if given.

    ``item`` is a path, a 1-D float array (at ``bare_sr``; None refuses bare
    arrays) or an ``(array, rate)`` tuple. Errors start with ``where`` (row
    index and path); ``target`` names ``sr`` in the rate-mismatch message.
    With ``check_finite=False`` the caller checks NaN and inf itself (the
    batched MFCC checks whole blocks at once).
    """
    if isinstance(item, (str, os.PathLike)):
        rate, data = _read_wav(os.fspath(item), where)
        # Several channels are mixed down by their mean.
        y = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
        if y.shape[0] == 0:
            raise ValueError(f"{where}: empty audio clip (0 samples).")
        if check_finite and not np.all(np.isfinite(y)):
            raise ValueError(f"{where}: audio contains NaN or infinite samples.")
    else:
        rate = _item_rate(item, where, bare_sr)
        data = item[0] if isinstance(item, tuple) else item
        y = _as_mono_float(data, where, allow_channels=False, check_finite=check_finite)
    if sr is not None and rate != sr:
        if not resample:
            target = target or f"sr={sr} Hz"
            raise ValueError(
                f"{where}: sample rate {rate} Hz differs from {target} and resample=False."
            )
        y = _resample(y, rate, sr, where)
        rate = sr
    return y, rate


def load_wav(path, sr=None, *, resample=True):
    """Read a WAV file as a mono float64 signal.

    Integer PCM (8-bit unsigned, 16, 24 and 32-bit) is scaled to [-1, 1) by its
    full scale, as ``soundfile`` does; float files are read as stored.
    Several channels are mixed down by their mean. A header that declares no
    channels, a rate of 0 Hz or a compressed format, or a data chunk shorter
    than declared, raises a ValueError naming the file.

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
