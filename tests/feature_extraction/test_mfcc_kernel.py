"""The compiled MFCC engine (Numba) against the NumPy engine and closed forms.

The compiled engine transforms the clips laid out on one hop grid, applies
the window after the FFT as a convolution with the window's DFT taps, and
computes power, mel bands, its own logarithm, the per-clip dB floor and the
DCT in compiled loops; every difference from the NumPy engine is rounding.
"""

import numpy as np
import pytest
from scipy.signal import get_window

from skmm.feature_extraction import MFCC, _audio, mfcc
from skmm.feature_extraction import _mfcc_kernel as kernel

pytest.importorskip("numba")

BASE = dict(n_mfcc=13, n_fft=256, hop_length=80, win_length=None, window="hann",
            center=True, pad_mode="constant", power=2.0, n_mels=40, fmin=0.0,
            fmax=None, htk=False, mel_norm="slaney", dct_type=2, norm="ortho",
            lifter=0.0, ref=1.0, amin=1e-10, top_db=80.0)


def _clips(lengths, seed=0, scale=0.1):
    rng = np.random.default_rng(seed)
    return [scale * rng.standard_normal(n) for n in lengths]


def _both_engines(clips, sr=8000, **changes):
    p = _audio._resolve({**BASE, **changes}, sr)
    name = lambda k: f"clip {k}"
    compiled, off_c = _audio._mfcc_frames(clips, sr, p, name, engine="compiled")
    reference, off_n = _audio._mfcc_frames(clips, sr, p, name, engine="numpy")
    np.testing.assert_array_equal(off_c, off_n)
    return compiled, reference


# --- the logarithm -----------------------------------------------------------
def test_vector_log_within_one_ulp_of_numpy_over_the_float64_range():
    rng = np.random.default_rng(0)
    x = np.concatenate([
        np.exp(rng.uniform(-745.0, 709.7, 200_000)),   # normals and subnormals
        rng.uniform(0.5, 2.0, 100_000),                 # around 1, where log is small
        [5e-324, 1e-310, np.finfo(float).tiny, 0.5, 1.0, np.sqrt(2.0),
         np.nextafter(np.sqrt(2.0), 0), np.sqrt(0.5), 2.0, np.finfo(float).max],
    ])
    got, ref = kernel.vector_log(x), np.log(x)
    ulp = np.abs(got - ref) / np.spacing(np.abs(ref))
    assert np.max(ulp[ref != 0]) <= 1.0
    assert got[x == 1.0][0] == 0.0
    assert kernel.vector_log(np.array([np.inf]))[0] == np.inf


# --- window taps ---------------------------------------------------------------
@pytest.mark.parametrize("window, taps", [
    ("hann", [0.5, -0.25]),
    ("hamming", [0.54, -0.23]),
    ("blackman", [0.42, -0.25, 0.04]),
    ("boxcar", [1.0]),
])
@pytest.mark.parametrize("n", [256, 255, 64])
def test_window_taps_of_cosine_sum_windows(window, taps, n):
    # w[n] = c0 + 2 sum_m c_m cos(2 pi m n / N): the closed-form coefficients.
    np.testing.assert_allclose(kernel.window_taps(get_window(window, n)), taps,
                               rtol=0, atol=1e-14)


@pytest.mark.parametrize("window", [
    get_window(("tukey", 0.5), 256),
    get_window("bartlett", 256),
    np.pad(get_window("hann", 200), 28),      # win_length < n_fft
    np.linspace(0.0, 1.0, 256),               # not symmetric
    np.zeros(256),
])
def test_window_taps_refuse_other_windows(window):
    assert kernel.window_taps(window) is None


# --- the compiled engine equals the NumPy engine -------------------------------
CASES = [
    {},
    dict(window="hamming", power=1.0),
    dict(window="blackman", power=0.5, top_db=None),
    dict(window="flattop", ref=0.01, amin=1e-6, lifter=22.0),
    dict(n_fft=255, hop_length=64),                       # odd n_fft
    dict(n_fft=64, hop_length=48, n_mels=16),             # hop > n_fft / 2
    dict(center=False, n_fft=128, hop_length=40),
    dict(pad_mode="reflect", top_db=20.0),
    dict(pad_mode="edge", htk=True, mel_norm=None, dct_type=3, norm=None),
    dict(pad_mode="symmetric", n_fft=512, hop_length=128, n_mels=64, n_mfcc=20),
    # Taps reaching past both ends of a short spectrum.
    dict(n_fft=16, hop_length=4, n_mels=4, n_mfcc=4, window="flattop"),
]


def _case_id(changes):
    return "-".join(f"{k}={v}" for k, v in changes.items()) or "defaults"


@pytest.mark.parametrize("changes", CASES, ids=_case_id)
def test_compiled_engine_equals_numpy_engine(changes, monkeypatch):
    # Small blocks: clips fall into many blocks and one clip fills a block alone.
    monkeypatch.setattr(_audio, "_BLOCK_ROWS", 40)
    lengths = [3000, 4100, 1000, 12000, 300, 900, 5000, 129, 64]
    if changes.get("center") is False:
        lengths = [n for n in lengths if n >= changes["n_fft"]]
    compiled, reference = _both_engines(_clips(lengths), **changes)
    scale = np.max(np.abs(reference))
    assert np.max(np.abs(compiled - reference)) <= 1e-12 * scale


def test_compiled_engine_keeps_each_clip_floor_and_silence():
    # A loud clip next to a silent one and a quiet one: each clip's dB floor
    # comes from its own peak, and silence gives log(amin) everywhere.
    clips = [np.zeros(2000), _clips([3000], scale=1.0)[0], _clips([2500], seed=1,
                                                                 scale=1e-4)[0]]
    compiled, reference = _both_engines(clips, top_db=30.0)
    np.testing.assert_allclose(compiled, reference, rtol=0,
                               atol=1e-12 * np.max(np.abs(reference)))


def test_tiles_split_at_clip_boundaries(monkeypatch):
    # Tiles smaller than most clips: every clip is its own tile, and a clip
    # longer than the tile gets a tile of its own size.
    monkeypatch.setattr(kernel, "TILE_FRAMES", 8)
    compiled, reference = _both_engines(_clips([3000, 700, 12000, 80]))
    np.testing.assert_allclose(compiled, reference, rtol=0,
                               atol=1e-12 * np.max(np.abs(reference)))


def test_auto_engine_is_compiled_where_it_can_run(monkeypatch):
    calls = []
    original = kernel.compiled_mfcc_block
    monkeypatch.setattr(_audio, "compiled_mfcc_block",
                        lambda *a: calls.append(1) or original(*a))
    clips = _clips([3000, 4000])
    params = dict(sr=8000, n_fft=256, hop_length=80, n_mels=40)
    MFCC(**params).fit(clips).transform_frames(clips)
    assert calls
    calls.clear()
    # A callable ref or a window without short DFT: the NumPy engine.
    MFCC(**params, ref=np.max).fit(clips).transform_frames(clips)
    MFCC(**params, win_length=200).fit(clips).transform_frames(clips)
    assert not calls


def test_without_numba_the_numpy_engine_runs(monkeypatch):
    clips = _clips([3000, 4000, 500])
    expected = mfcc(clips[0], 8000, n_mfcc=13, n_fft=256, hop_length=80, n_mels=40)
    monkeypatch.setattr(_audio, "kernel_available", lambda: False)
    got = mfcc(clips[0], 8000, n_mfcc=13, n_fft=256, hop_length=80, n_mels=40)
    np.testing.assert_allclose(got, expected, rtol=0,
                               atol=1e-12 * np.max(np.abs(expected)))
    p = _audio._resolve(BASE, 8000)
    with pytest.raises(ValueError, match="engine='compiled' needs Numba"):
        _audio._mfcc_frames(clips, 8000, p, str, engine="compiled")


# --- errors name the clip --------------------------------------------------------
@pytest.mark.parametrize("pad_mode", ["constant", "reflect"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_name_the_clip(pad_mode, bad):
    clips = _clips([3000, 4000, 2000])
    clips[2][1234] = bad
    p = _audio._resolve({**BASE, "pad_mode": pad_mode}, 8000)
    with pytest.raises(ValueError, match="clip 2: audio contains NaN or infinite"):
        _audio._mfcc_frames(clips, 8000, p, lambda k: f"clip {k}", engine="compiled")


def test_overflow_names_the_clip():
    clips = _clips([3000, 4000])
    clips[1] = clips[1] * 1e160
    p = _audio._resolve(BASE, 8000)
    with pytest.raises(ValueError, match="clip 1: the MFCCs are not finite"):
        _audio._mfcc_frames(clips, 8000, p, lambda k: f"clip {k}", engine="compiled")


def test_compiled_engine_equals_librosa():
    librosa = pytest.importorskip("librosa")
    clips = _clips([3000, 4100, 1000])
    params = dict(n_mfcc=13, n_fft=256, hop_length=80, n_mels=40)
    frames = MFCC(sr=8000, **params).fit(clips).transform_frames(clips)
    for y, F in zip(clips, frames):
        ref = librosa.feature.mfcc(y=y, sr=8000, **params)
        # librosa builds its filter bank in float32: 1e-6 of the scale.
        assert np.max(np.abs(F - ref.T)) <= 1e-6 * np.max(np.abs(ref))


@pytest.mark.parametrize("engine", ["compiled", "numpy", "device1"])
@pytest.mark.parametrize("settings", [
    # center=False: the last (length - n_fft) % hop samples are read by no frame.
    {"center": False},
    # hop > n_fft: samples between frames are read by none (sample 1576 is).
    {"n_fft": 128, "hop_length": 150, "n_mels": 20},
    # center=True, hop > n_fft / 2: the clip's last 26 samples lie beyond
    # the last frame of the padded clip.
    {"pad_mode": "reflect", "n_fft": 128, "hop_length": 100, "n_mels": 20},
])
@pytest.mark.parametrize("where", [0, 1576, -1])
def test_non_finite_samples_that_no_frame_reads_are_errors(engine, settings, where):
    # Every sample is checked, not only those the frames read: a NaN is an
    # error wherever it is (as librosa's valid_audio says).
    clips = _clips([3000, 3390, 2000])
    clips[1][where] = np.nan
    p = _audio._resolve({**BASE, **settings}, 8000)
    with pytest.raises(ValueError, match="clip 1: audio contains NaN or infinite"):
        if engine == "device1":  # the array-API path (CuPy on a GPU)
            xps = pytest.importorskip("array_api_strict")
            _audio._mfcc_frames_device(clips, 8000, p, lambda k: f"clip {k}",
                                       (xps, xps.Device("device1")))
        else:
            _audio._mfcc_frames(clips, 8000, p, lambda k: f"clip {k}", engine=engine)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("power", [2.0, 1.0, 0.5])
def test_kernel_reports_non_finite_samples_it_reads(bad, power):
    # The kernel itself flags NaN or inf that reach the output (NaN survives
    # the amin and top_db floors), so that no separate pass over the samples
    # is needed when all are finite.
    clips = _clips([3000, 4000])
    clips[1][2222] = bad
    p = _audio._resolve({**BASE, "power": power}, 8000)
    flagged = []
    original = kernel.compiled_mfcc_block
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_audio, "compiled_mfcc_block",
                   lambda *a: flagged.append(original(*a)) or flagged[-1])
        mp.setattr(_audio, "_check_finite_samples", lambda *a: None)
        with pytest.raises(ValueError, match="clip 1: the MFCCs are not finite"):
            _audio._mfcc_frames(clips, 8000, p, lambda k: f"clip {k}", engine="compiled")
    assert flagged == [True]
