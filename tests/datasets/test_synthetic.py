"""make_multimodal_classification: shapes, determinism, class signal per modality."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.naive_bayes import MultinomialNB

from skmm.datasets import make_multimodal_classification


def _equal(a, b):
    assert list(a) == list(b)
    for m in a:
        if m == "numeric":
            np.testing.assert_array_equal(a[m], b[m])
        elif m == "text":
            assert a[m] == b[m]
        else:
            assert all(np.array_equal(u, v) for u, v in zip(a[m], b[m], strict=True))


def test_shapes_and_types():
    X, y = make_multimodal_classification(
        n_samples=25, n_classes=4, image_size=16, audio_sr=16000, audio_duration=0.1,
        n_numeric=7, random_state=0,
    )  # fmt: skip
    assert list(X) == ["image", "text", "audio", "numeric"]
    assert y.shape == (25,) and y.dtype.kind == "i" and set(y) == {0, 1, 2, 3}
    assert np.bincount(y).max() - np.bincount(y).min() <= 1  # balanced
    assert len(X["image"]) == len(X["text"]) == len(X["audio"]) == 25
    assert all(im.shape == (16, 16) and im.dtype == np.uint8 for im in X["image"])
    assert all(a.shape == (1600,) and a.dtype == np.float32 for a in X["audio"])
    assert all(isinstance(t, str) and 6 <= len(t.split()) <= 12 for t in X["text"])
    assert X["numeric"].shape == (25, 7) and X["numeric"].dtype == np.float64


def test_deterministic_and_modalities_independent():
    a = make_multimodal_classification(n_samples=30, random_state=3)
    b = make_multimodal_classification(n_samples=30, random_state=3)
    _equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    c = make_multimodal_classification(n_samples=30, random_state=4)
    assert not np.array_equal(a[0]["numeric"], c[0]["numeric"])
    # one modality alone gives the same values and labels as within the full set
    for m in ("image", "text", "audio", "numeric"):
        alone, y = make_multimodal_classification(
            n_samples=30, modalities=[m], random_state=3
        )
        assert list(alone) == [m]
        _equal(alone, {m: a[0][m]})
        np.testing.assert_array_equal(y, a[1])


def test_as_frame():
    pd = pytest.importorskip("pandas")
    X, y = make_multimodal_classification(
        n_samples=10, n_numeric=3, as_frame=True, random_state=0
    )
    D, y2 = make_multimodal_classification(n_samples=10, n_numeric=3, random_state=0)
    assert isinstance(X, pd.DataFrame)
    assert list(X.columns) == [
        "image",
        "text",
        "audio",
        "numeric_0",
        "numeric_1",
        "numeric_2",
    ]
    np.testing.assert_array_equal(
        X[["numeric_0", "numeric_1", "numeric_2"]], D["numeric"]
    )
    assert np.array_equal(X["image"].iloc[4], D["image"][4])
    assert X["text"].tolist() == D["text"]
    np.testing.assert_array_equal(y, y2)


def test_numeric_signal():
    X, y = make_multimodal_classification(
        n_samples=300, n_classes=3, modalities=["numeric"], random_state=0
    )
    acc = cross_val_score(LogisticRegression(), X["numeric"], y, cv=5).mean()
    assert acc > 1 / 3 + 0.4
    # noise=0: every item sits exactly on its class centre
    X0, y0 = make_multimodal_classification(
        n_samples=30, modalities=["numeric"], noise=0.0, random_state=0
    )
    for k in range(3):
        block = X0["numeric"][y0 == k]
        np.testing.assert_array_equal(block, np.broadcast_to(block[0], block.shape))


def test_text_signal():
    X, y = make_multimodal_classification(
        n_samples=200, n_classes=5, modalities=["text"], random_state=1
    )
    counts = CountVectorizer().fit_transform(X["text"])
    acc = cross_val_score(MultinomialNB(), counts, y, cv=5).mean()
    assert acc > 0.9
    # noise=0: only class words, and no word shared between classes
    X0, y0 = make_multimodal_classification(
        n_samples=50, n_classes=5, modalities=["text"], noise=0.0, random_state=1
    )
    vocab = [
        {w for t, c in zip(X0["text"], y0) if c == k for w in t.split()}
        for k in range(5)
    ]
    assert all(not (vocab[i] & vocab[j]) for i in range(5) for j in range(i + 1, 5))


def test_audio_tone_frequency():
    sr, n_classes = 8000, 4
    X, y = make_multimodal_classification(
        n_samples=40, n_classes=n_classes, modalities=["audio"], audio_sr=sr,
        audio_duration=0.5, noise=1.0, random_state=0,
    )  # fmt: skip
    # class tones are spread evenly over [200 Hz, 0.4 * sr] (+-1 % jitter)
    expected = 200 + (0.4 * sr - 200) * np.arange(n_classes) / (n_classes - 1)
    for clip, k in zip(X["audio"], y):
        spectrum = np.abs(np.fft.rfft(clip))
        peak = np.argmax(spectrum) * sr / clip.size
        assert abs(peak - expected[k]) <= 0.01 * expected[k] + sr / clip.size


def test_image_signal():
    X, y = make_multimodal_classification(
        n_samples=150, n_classes=3, modalities=["image"], image_size=24, random_state=0
    )
    # phase is random, so use the phase-free 2-D amplitude spectrum
    feats = np.stack(
        [np.abs(np.fft.fft2(im.astype(float) - im.mean())).ravel() for im in X["image"]]
    )
    feats = np.log1p(feats)
    acc = cross_val_score(LogisticRegression(max_iter=2000), feats, y, cv=5).mean()
    assert acc > 1 / 3 + 0.4


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        ({"n_classes": 1}, ValueError, "n_classes == 1, must be >= 2"),
        ({"n_samples": 2, "n_classes": 3}, ValueError, "n_samples == 2, must be >= 3"),
        ({"noise": -1.0}, ValueError, "noise == -1.0, must be >= 0"),
        ({"audio_duration": 0.0}, ValueError, "audio_duration == 0.0, must be > 0"),
        ({"image_size": 4}, ValueError, "image_size == 4, must be >= 8"),
        ({"n_numeric": 2.5}, TypeError, "n_numeric must be an instance of int"),
        ({"modalities": ["video"]}, ValueError, "modalities must be distinct names"),
        ({"modalities": []}, ValueError, "modalities must be distinct names"),
        (
            {"modalities": ["text", "text"]},
            ValueError,
            "modalities must be distinct names",
        ),
    ],
)
def test_bad_params(kwargs, err, match):
    with pytest.raises(err, match=match):
        make_multimodal_classification(**kwargs)
