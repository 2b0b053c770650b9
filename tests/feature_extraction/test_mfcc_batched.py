"""Batched MFCC (reused work buffers) and MFCC on a device.

The device path is checked on array-api-strict's simulated ``device1``:
values equal to the NumPy path, outputs on the device, fitted state NumPy,
and the NumPy frame computation never called.
"""

import pickle
import warnings

import numpy as np
import pytest

from skmm.feature_extraction import MFCC, mfcc
from skmm.feature_extraction import _audio

BASE = dict(sr=8000, n_mfcc=13, n_fft=256, hop_length=80, n_mels=40)


def _clips(lengths=(3000, 4100, 1000, 8000, 257, 9000), seed=0):
    rng = np.random.default_rng(seed)
    return [0.1 * rng.standard_normal(n) for n in lengths]


def test_batched_frames_equal_clip_by_clip_across_blocks(monkeypatch):
    # Small blocks: clips fall into many blocks, and one clip alone is longer
    # than a block (the work buffers are sized for the largest block).
    monkeypatch.setattr(_audio, "_BLOCK_ROWS", 40)
    clips = _clips((3000, 4100, 1000, 12000, 257, 900, 5000))
    params = {k: v for k, v in BASE.items() if k != "sr"}
    frames = MFCC(**BASE).fit(clips).transform_frames(clips)
    for y, F in zip(clips, frames):
        np.testing.assert_allclose(F, mfcc(y, 8000, **params).T, rtol=0, atol=1e-12)


def test_batched_frames_equal_librosa_across_blocks(monkeypatch):
    librosa = pytest.importorskip("librosa")
    monkeypatch.setattr(_audio, "_BLOCK_ROWS", 64)
    clips = _clips((3000, 4100, 1000, 12000))
    params = {k: v for k, v in BASE.items() if k != "sr"}
    frames = MFCC(**BASE, pad_mode="reflect", power=1.0).fit(clips).transform_frames(clips)
    for y, F in zip(clips, frames):
        ref = librosa.feature.mfcc(y=y, sr=8000, pad_mode="reflect", power=1.0,
                                   **params)
        assert np.max(np.abs(F - ref.T)) <= 1e-6 * np.max(np.abs(ref))


# --- the device switch ------------------------------------------------------
DEVICE_CASES = [
    {},
    dict(deltas=2, delta_width=3, cmvn="mean_var", pooling=["mean", "std", "p10", "median"]),
    dict(ref=np.max, top_db=40.0, power=1.0),
    dict(center=False, n_fft=64, hop_length=32, pad_mode="reflect"),
    dict(top_db=None, lifter=22, htk=True, mel_norm=None, n_segments=2),
    dict(pad_mode="edge", dct_type=3, norm=None, window="hamming"),
]


@pytest.mark.parametrize("params", DEVICE_CASES, ids=lambda p: "-".join(sorted(p)) or "defaults")
def test_mfcc_on_device1_equals_numpy(params, monkeypatch):
    xps = pytest.importorskip("array_api_strict")
    from skmm.utils import to_numpy
    from skmm.utils._array_api import device, get_namespace

    dev = xps.Device("device1")
    clips = _clips()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the 257-sample clip
        cpu = MFCC(**(BASE | params)).fit(clips)
        X, frames = cpu.transform(clips), cpu.transform_frames(clips)
        est = MFCC(**(BASE | params), device=dev).fit(clips)

        def numpy_frames(*args):
            raise AssertionError("the NumPy frame path ran with device=device1")

        monkeypatch.setattr(_audio, "_mfcc_frames", numpy_frames)
        X_dev, frames_dev = est.transform(clips), est.transform_frames(clips)
    for out in (X_dev, *frames_dev):
        assert get_namespace(out) is xps and device(out) == dev
    np.testing.assert_allclose(to_numpy(X_dev), X, rtol=1e-10, atol=1e-10)
    for F_dev, F in zip(frames_dev, frames):
        np.testing.assert_allclose(to_numpy(F_dev), F, rtol=1e-10, atol=1e-10)
    # Fitted state is NumPy or plain numbers: the model pickles without the device.
    for name, value in vars(est).items():
        if name.endswith("_") and not name.startswith("_"):
            assert isinstance(value, (int, float, np.ndarray)), name
    loaded = pickle.loads(pickle.dumps(est.set_params(device=None)))
    monkeypatch.undo()
    np.testing.assert_allclose(loaded.transform(clips), X, rtol=1e-10, atol=1e-10)


def test_mfcc_device_errors_name_the_clip():
    xps = pytest.importorskip("array_api_strict")
    clips = _clips((3000, 4000))
    clips[1][100] = np.nan
    est = MFCC(**BASE, device=xps.Device("device1")).fit(clips)
    with pytest.raises(ValueError, match="item 1: audio contains NaN"):
        est.transform(clips)
    clips[1][100] = 1e200
    with pytest.raises(ValueError, match="item 1: the MFCCs are not finite"):
        est.transform(clips)


def test_mfcc_device_cpu_and_bad_value():
    clips = _clips((3000, 4000))
    X = MFCC(**BASE).fit(clips).transform(clips)
    out = MFCC(**BASE, device="cpu").fit(clips).transform(clips)
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, X)
    with pytest.raises(ValueError, match="device must be"):
        MFCC(**BASE, device="tpu").fit(clips).transform(clips)


@pytest.mark.parametrize("device,error", [("tpu", ValueError), (3, TypeError)])
def test_fit_refuses_an_unknown_device(device, error):
    clip = (np.zeros(2000), 8000)
    with pytest.raises(error, match="device"):
        MFCC(device=device).fit([clip])
