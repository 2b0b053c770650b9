"""Synthetic multimodal classification data: images, texts, audio, numbers."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state, check_scalar

from ._base import _pandas

__all__ = ["make_multimodal_classification"]

_MODALITIES = ("image", "text", "audio", "numeric")
# Shared words, drawn for every class: they carry no class information.
_COMMON_WORDS = (
    "the", "a", "of", "and", "in", "with", "near", "this", "that", "some",
    "image", "sound", "item", "thing", "shows", "has", "is", "very", "quite", "small",
)  # fmt: skip
_SYLLABLES = ("ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "zu")
_WORDS_PER_CLASS = 8


def _class_word(k, j):
    """A pronounceable word, unique per (class k, slot j): digits -> syllables."""
    i = k * _WORDS_PER_CLASS + j
    return "".join(_SYLLABLES[int(d)] for d in str(i).zfill(3))


def _images(y, n_classes, size, noise, rng):
    """Oriented sine gratings: orientation and frequency encode the class."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) / size
    out = []
    for k in y:
        theta = np.pi * k / n_classes + rng.normal(scale=0.05)
        freq = 2.0 + 2.0 * (k % 3) + rng.uniform(-0.3, 0.3)  # cycles per image
        phase = rng.uniform(0, 2 * np.pi)
        u = np.cos(theta) * xx + np.sin(theta) * yy
        img = np.sin(2 * np.pi * freq * u + phase)
        img = img + noise * rng.normal(size=img.shape)
        out.append(np.clip(np.round(127.5 + 60.0 * img), 0, 255).astype(np.uint8))
    return out


def _texts(y, n_classes, noise, rng):
    """Bags of words: class words with probability 1 / (1 + noise), else common."""
    p_class = 1.0 / (1.0 + noise)
    out = []
    for k in y:
        n_words = rng.randint(6, 13)
        words = []
        for _ in range(n_words):
            if rng.uniform() < p_class:
                words.append(_class_word(k, rng.randint(_WORDS_PER_CLASS)))
            else:
                words.append(_COMMON_WORDS[rng.randint(len(_COMMON_WORDS))])
        out.append(" ".join(words))
    return out


def _audio(y, n_classes, sr, duration, noise, rng):
    """Tones whose frequency encodes the class, with a Hann envelope and noise."""
    n = max(round(sr * duration), 1)
    t = np.arange(n) / sr
    # class frequencies spread between 200 Hz and 0.4 * sr, below Nyquist
    lo, hi = 200.0, 0.4 * sr
    freqs = lo + (hi - lo) * np.arange(n_classes) / max(n_classes - 1, 1)
    env = np.hanning(n) if n > 2 else np.ones(n)
    out = []
    for k in y:
        f = freqs[k] * (1.0 + rng.uniform(-0.01, 0.01))
        clip = 0.5 * env * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
        clip = clip + 0.1 * noise * rng.normal(size=n)
        out.append(clip.astype(np.float32))
    return out


def _numeric(y, n_classes, n_numeric, noise, rng):
    """Gaussian blobs: class centres ~ N(0, 1), isotropic noise of sd ``noise``."""
    centers = rng.normal(size=(n_classes, n_numeric))
    return centers[y] + noise * rng.normal(size=(len(y), n_numeric))


def make_multimodal_classification(
    n_samples=100,
    n_classes=3,
    *,
    modalities=_MODALITIES,
    image_size=32,
    audio_sr=8000,
    audio_duration=0.25,
    n_numeric=10,
    noise=1.0,
    as_frame=False,
    random_state=None,
):
    """Generate items with several modalities that share a latent class.

    Each item has a class ``y`` (balanced: class sizes differ by at most
    one, order shuffled) and, for each requested modality:

    - ``"image"``: a ``(image_size, image_size)`` uint8 grayscale image, an
      oriented sine grating whose orientation (``pi * y / n_classes``) and
      spatial frequency depend on the class, plus Gaussian pixel noise.
    - ``"text"``: a string of 6-12 words; each word is one of 8 class-specific
      pseudo-words with probability ``1 / (1 + noise)``, else a common word.
    - ``"audio"``: a 1-D float32 clip at ``audio_sr`` Hz of
      ``audio_duration`` seconds: a Hann-windowed tone whose frequency
      (between 200 Hz and ``0.4 * audio_sr``) encodes the class, plus noise.
    - ``"numeric"``: ``n_numeric`` features, a Gaussian blob per class
      (centres drawn from N(0, 1), noise of standard deviation ``noise``).

    Each modality draws from its own random stream, so the values of one
    modality do not depend on which other modalities are requested.

    Parameters
    ----------
    n_samples : int, default=100
        Number of items (at least ``n_classes``).
    n_classes : int, default=3
        Number of classes (at least 2).
    modalities : sequence of {"image", "text", "audio", "numeric"}, \
            default=("image", "text", "audio", "numeric")
        Which modalities to generate, in this order.
    image_size : int, default=32
        Side of the square images in pixels (at least 8).
    audio_sr : int, default=8000
        Audio sample rate in Hz (at least 1000).
    audio_duration : float, default=0.25
        Clip length in seconds.
    n_numeric : int, default=10
        Number of numeric features.
    noise : float, default=1.0
        Noise level (>= 0) for every modality; 0 gives clean signals.
    as_frame : bool, default=False
        If True, return a pandas DataFrame (needs pandas,
        ``pip install "skmm[examples]"``): one row per item, columns
        ``image`` and ``audio`` holding arrays, ``text`` holding strings and
        ``numeric_0`` ... ``numeric_{n_numeric-1}``.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible output.

    Returns
    -------
    X : dict or DataFrame
        By default a dict ``{modality: items}`` in the order of
        ``modalities``: lists of ``n_samples`` arrays (image, audio) or
        strings (text), and a ``(n_samples, n_numeric)`` float64 array for
        numeric. With ``as_frame=True``, a DataFrame as described above.
    y : ndarray of shape (n_samples,)
        Integer class labels in ``[0, n_classes)``.

    Examples
    --------
    >>> from skmm.datasets import make_multimodal_classification
    >>> X, y = make_multimodal_classification(n_samples=6, random_state=0)
    >>> list(X), X["image"][0].shape, X["audio"][0].shape, X["numeric"].shape
    (['image', 'text', 'audio', 'numeric'], (32, 32), (2000,), (6, 10))
    """
    check_scalar(n_classes, "n_classes", Integral, min_val=2)
    check_scalar(n_samples, "n_samples", Integral, min_val=n_classes)
    check_scalar(image_size, "image_size", Integral, min_val=8)
    check_scalar(audio_sr, "audio_sr", Integral, min_val=1000)
    check_scalar(
        audio_duration, "audio_duration", Real, min_val=0, include_boundaries="neither"
    )
    check_scalar(n_numeric, "n_numeric", Integral, min_val=1)
    check_scalar(noise, "noise", Real, min_val=0)
    if isinstance(modalities, str):
        modalities = (modalities,)
    modalities = tuple(modalities)
    unknown = [m for m in modalities if m not in _MODALITIES]
    if not modalities or unknown or len(set(modalities)) != len(modalities):
        raise ValueError(
            f"modalities must be distinct names among {list(_MODALITIES)}; got {modalities!r}."
        )
    rng = check_random_state(random_state)
    # One seed per stream, drawn up front: modality values do not depend on
    # which other modalities are requested.
    seeds = rng.randint(np.iinfo(np.int32).max, size=1 + len(_MODALITIES))
    streams = {m: np.random.RandomState(s) for m, s in zip(_MODALITIES, seeds[1:])}
    y = np.random.RandomState(seeds[0]).permutation(np.arange(n_samples) % n_classes)

    make = {
        "image": lambda r: _images(y, n_classes, image_size, noise, r),
        "text": lambda r: _texts(y, n_classes, noise, r),
        "audio": lambda r: _audio(y, n_classes, audio_sr, audio_duration, noise, r),
        "numeric": lambda r: _numeric(y, n_classes, n_numeric, noise, r),
    }
    X = {m: make[m](streams[m]) for m in modalities}
    if as_frame:
        pd = _pandas()
        cols = {}
        for m in modalities:
            if m == "numeric":
                cols.update({f"numeric_{j}": X[m][:, j] for j in range(n_numeric)})
            elif m == "text":
                cols[m] = X[m]
            else:
                col = np.empty(n_samples, dtype=object)
                col[:] = X[m]  # one array per cell
                cols[m] = col
        X = pd.DataFrame(cols)
    return X, y
