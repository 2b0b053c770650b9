"""MFCC: values against librosa (the reference), WAV reading, errors, contract."""

import os
import pickle
import re
import warnings
import wave
from pathlib import Path

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.io import wavfile

import skmm.datasets
from skmm.feature_extraction import MFCC, load_wav, mfcc
from skmm.utils.estimator_checks import check_raw_input_estimator

# A few FSDD clips bundled by skmm.datasets (test split); tests skip without them.
_BUNDLED = Path(skmm.datasets.__file__).parent / "data" / "fsdd" / "recordings"
BUNDLED_CLIPS = sorted(_BUNDLED.glob("*.wav"))[::50] if _BUNDLED.is_dir() else []

FSDD_PARAMS = dict(n_mfcc=13, n_fft=256, hop_length=80, n_mels=40)

# librosa.feature.mfcc keyword sets: the defaults and the non-default options.
SETTINGS = {
    "default": {},
    "fsdd": FSDD_PARAMS,
    "htk": dict(FSDD_PARAMS, htk=True),
    "mel_norm_none": dict(FSDD_PARAMS, mel_norm=None),
    "mel_norm_l2": dict(FSDD_PARAMS, mel_norm=2.0),
    "dct3": dict(FSDD_PARAMS, dct_type=3),
    "dct1": dict(FSDD_PARAMS, dct_type=1, norm=None),
    "dct2_unnormed": dict(FSDD_PARAMS, norm=None),
    "lifter": dict(FSDD_PARAMS, lifter=22),
    "uncentered": dict(FSDD_PARAMS, center=False),
    "win_hop": dict(n_mfcc=20, n_fft=512, win_length=400, hop_length=160, n_mels=64),
    "band": dict(FSDD_PARAMS, fmin=100.0, fmax=3000.0),
    "magnitude": dict(FSDD_PARAMS, power=1.0),
    "hamming_reflect": dict(n_mfcc=13, n_fft=200, hop_length=50, n_mels=30,
                            window="hamming", pad_mode="reflect"),
    "odd_fft": dict(n_mfcc=12, n_fft=255, hop_length=64, n_mels=32, htk=True,
                    mel_norm=None, lifter=10),
}


@pytest.fixture(scope="session")
def librosa():
    """librosa, warmed once per session on a tiny signal.

    The first librosa.feature call imports its submodules and compiles (or
    loads from numba's cache) librosa's jitted helpers: on a fresh venv that
    took minutes, billed to whichever test came first. Paying it here, once,
    keeps each test's own time small and shows the cost as one setup.
    """
    librosa = pytest.importorskip("librosa")
    y = np.sin(np.arange(1024) / 10.0)
    m = librosa.feature.mfcc(y=y, sr=8000, n_mfcc=5, n_fft=256, hop_length=128, n_mels=8)
    librosa.feature.delta(m, width=3)
    librosa.resample(y, orig_sr=16000, target_sr=8000, res_type="polyphase")
    return librosa


def _synthetic(sr=8000, seconds=0.6, seed=0):
    """A chirp with a little noise and a fade: non-trivial, deterministic."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    y = np.sin(2 * np.pi * (200 * t + 1500 * t**2)) * np.hanning(t.size)
    return y + 0.01 * rng.standard_normal(t.size)


def _ref_mfcc(librosa, y, sr, *, float64_basis=True, **kw):
    """librosa.feature.mfcc with the same keywords (librosa builds its filter bank
    in float32 unless asked for float64)."""
    if float64_basis:
        kw = dict(kw, dtype=np.float64)
    with warnings.catch_warnings():
        # librosa warns when n_fft exceeds a (centre-padded) short clip.
        warnings.filterwarnings("ignore", message="n_fft=.* is too large", category=UserWarning)
        return librosa.feature.mfcc(y=y, sr=sr, **kw)


def _assert_close_to_ref(ours, ref, *, rtol, scale_atol):
    assert ours.shape == ref.shape
    assert_allclose(ours, ref, rtol=rtol, atol=scale_atol * np.abs(ref).max())


def _write_pcm(path, ints, sr, sampwidth, n_channels=1):
    """Write integer PCM with the stdlib ``wave`` module (any sample width)."""
    ints = np.asarray(ints, dtype=np.int64).reshape(-1)
    if sampwidth == 1:
        raw = (ints + 128).astype(np.uint8).tobytes()
    else:
        raw = ints.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :sampwidth].tobytes()
    with wave.open(os.fspath(path), "wb") as f:
        f.setnchannels(n_channels)
        f.setsampwidth(sampwidth)
        f.setframerate(sr)
        f.writeframes(raw)


# --------------------------------------------------------------------------
# Equality with librosa
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", SETTINGS)
def test_mfcc_equals_librosa_synthetic(librosa, name):
    kw = SETTINGS[name]
    y = _synthetic()
    ours = mfcc(y, 8000, **kw)
    # Same float64 filter bank: equal to rounding.
    _assert_close_to_ref(ours, _ref_mfcc(librosa, y, 8000, **kw), rtol=1e-9,
                         scale_atol=1e-11)
    # librosa as shipped (float32 filter bank): the tolerance.
    _assert_close_to_ref(ours, _ref_mfcc(librosa, y, 8000, float64_basis=False, **kw),
                         rtol=1e-4, scale_atol=1e-6)


@pytest.mark.skipif(not BUNDLED_CLIPS, reason="bundled FSDD clips not available")
@pytest.mark.parametrize("name", SETTINGS)
def test_mfcc_equals_librosa_bundled_fsdd(librosa, name):
    kw = SETTINGS[name]
    for path in BUNDLED_CLIPS:
        y, sr = load_wav(path)
        assert sr == 8000
        with warnings.catch_warnings():
            # Both warn when n_fft exceeds a short clip (the default n_fft=2048).
            warnings.filterwarnings("ignore", message="n_fft=.* is too large",
                                    category=UserWarning)
            ours = mfcc(y, sr, **kw)
        _assert_close_to_ref(ours, _ref_mfcc(librosa, y, sr, **kw),
                             rtol=1e-9, scale_atol=1e-11)
        _assert_close_to_ref(ours, _ref_mfcc(librosa, y, sr, float64_basis=False, **kw),
                             rtol=1e-4, scale_atol=1e-6)


@pytest.mark.data_home
def test_transform_equals_librosa_on_fsdd(librosa, full_dataset):
    folder = full_dataset("fsdd") / "recordings"
    sf = pytest.importorskip("soundfile")
    paths = sorted(folder.glob("*.wav"))[::60]  # 50 clips, all digits/speakers
    for kw in (FSDD_PARAMS, SETTINGS["htk"], SETTINGS["uncentered"], SETTINGS["dct3"]):
        est = MFCC(deltas=2, pooling=["mean", "std"], **kw).fit(paths)
        got = est.transform(paths)
        for row, path in zip(got, paths):
            y, sr = sf.read(path, dtype="float64")  # librosa.load's own reader
            m = _ref_mfcc(librosa, y, sr, **kw)
            d1 = librosa.feature.delta(m, order=1)
            d2 = librosa.feature.delta(m, order=2)
            frames = np.vstack([m, d1, d2])
            ref = np.r_[frames.mean(axis=1), frames.std(axis=1)]
            assert_allclose(row, ref, rtol=1e-7, atol=1e-9 * np.abs(ref).max())


@pytest.mark.parametrize(
    "db", [dict(top_db=None), dict(top_db=40.0), dict(ref=np.max), dict(amin=1e-5),
           dict(ref=2.5, top_db=60.0)],
)
def test_power_to_db_options_equal_librosa(librosa, db):
    y = _synthetic() * 1e-3
    kw = dict(FSDD_PARAMS)
    melspec = librosa.feature.melspectrogram(
        y=y, sr=8000, n_fft=256, hop_length=80, n_mels=40, dtype=np.float64)
    S = librosa.power_to_db(melspec, **db)
    ref = librosa.feature.mfcc(S=S, n_mfcc=13)
    _assert_close_to_ref(mfcc(y, 8000, **kw, **db), ref, rtol=1e-9, scale_atol=1e-11)


def test_top_db_floor_is_per_clip(librosa):
    loud = _synthetic(seed=1)
    quiet = 1e-4 * _synthetic(seed=2)
    est = MFCC(sr=8000, **FSDD_PARAMS).fit([loud, quiet])
    together = est.transform([loud, quiet])
    # Batched with a loud clip or alone: the same numbers (up to rounding).
    assert_allclose(together[1], est.transform([quiet])[0], rtol=1e-13, atol=1e-12)
    ref = _ref_mfcc(librosa, quiet, 8000, **FSDD_PARAMS)
    assert_allclose(together[1, :13], ref.mean(axis=1), rtol=1e-9)
    # librosa on a two-channel batch shares one floor across clips: different.
    batched = _ref_mfcc(librosa, np.vstack([loud, quiet]), 8000, **FSDD_PARAMS)[1]
    assert np.abs(batched.mean(axis=1) - together[1, :13]).max() > 1.0


@pytest.mark.parametrize("n, pad_mode", [
    (n, mode) for n in [1, 2, 5, 64, 127, 128, 129, 300, 1000]
    for mode in ["constant", "edge", "reflect", "symmetric"]
    if not (mode == "reflect" and n == 1)  # numpy cannot reflect one sample
])
@pytest.mark.parametrize("n_fft, hop", [(256, 80), (16, 100), (33, 7)])
def test_frame_count_and_padding_equal_librosa(librosa, n, pad_mode, n_fft, hop):
    # Short clips are centre-padded like librosa (which warns when n < n_fft);
    # the reflect/symmetric tail reproduces librosa's per-segment padding.
    y = np.random.default_rng(n).standard_normal(n)
    kw = dict(n_fft=n_fft, hop_length=hop, n_mels=8, n_mfcc=5, pad_mode=pad_mode)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # empty mel filters at n_fft=16
        ref = _ref_mfcc(librosa, y, 8000, **kw)
        ours = mfcc(y, 8000, **kw)
    _assert_close_to_ref(ours, ref, rtol=1e-9, scale_atol=1e-12)


def test_uncentered_clip_shorter_than_a_frame_raises():
    with pytest.raises(ValueError, match=r"item 1: 100 samples is shorter than one "
                                         r"frame \(n_fft=256\) with center=False"):
        MFCC(sr=8000, center=False, **{k: v for k, v in FSDD_PARAMS.items()
                                      if k != "n_fft"}, n_fft=256).fit_transform(
            [np.ones(300), np.ones(100)])
    with pytest.raises(ValueError, match="shorter than one frame"):
        mfcc(np.ones(100), 8000, n_fft=256, center=False)


@pytest.mark.parametrize("deltas", [1, 2])
@pytest.mark.parametrize("width", [3, 9])
def test_deltas_equal_librosa(librosa, deltas, width):
    y = _synthetic()
    est = MFCC(sr=8000, deltas=deltas, delta_width=width, **FSDD_PARAMS).fit([y])
    frames = est.transform_frames([y])[0]
    m = _ref_mfcc(librosa, y, 8000, **FSDD_PARAMS)
    ref = [m] + [librosa.feature.delta(m, width=width, order=k)
                 for k in range(1, deltas + 1)]
    assert frames.shape == (m.shape[1], 13 * (1 + deltas))
    assert_allclose(frames, np.vstack(ref).T, rtol=1e-9, atol=1e-9)


def test_deltas_need_enough_frames():
    est = MFCC(sr=8000, deltas=1, **FSDD_PARAMS).fit([np.ones(10)])
    with pytest.raises(ValueError, match=r"item 0: 4 frames is fewer than delta_width=9"):
        est.transform([np.ones(300)])


def test_pooling_statistics_match_numpy():
    y = _synthetic()
    stats = ["mean", "std", "min", "max", "median", "p10", "p90", "p2.5"]
    est = MFCC(sr=8000, deltas=1, pooling=stats, **FSDD_PARAMS).fit([y])
    frames = est.transform_frames([y])[0]
    row = est.transform([y])[0]
    expected = np.r_[frames.mean(0), frames.std(0), frames.min(0), frames.max(0),
                     np.median(frames, 0), np.percentile(frames, 10, axis=0),
                     np.percentile(frames, 90, axis=0), np.percentile(frames, 2.5, axis=0)]
    assert_allclose(row, expected, rtol=1e-12)
    names = est.get_feature_names_out()
    assert est.n_features_out_ == len(names) == row.size == 26 * len(stats)
    assert names[0] == "mfcc0_mean" and names[13] == "mfcc0_delta_mean"
    assert names[26] == "mfcc0_std" and names[-1] == "mfcc12_delta_p2.5"


def test_cmvn_normalises_each_clip_before_deltas(librosa):
    y = _synthetic()
    m = _ref_mfcc(librosa, y, 8000, **FSDD_PARAMS).T
    est = MFCC(sr=8000, cmvn="mean_var", deltas=1, **FSDD_PARAMS).fit([y])
    frames = est.transform_frames([y])[0]
    z = (m - m.mean(0)) / m.std(0)
    assert_allclose(frames[:, :13], z, rtol=1e-9, atol=1e-9)
    assert_allclose(frames[:, 13:], librosa.feature.delta(z.T).T, rtol=1e-9, atol=1e-9)
    mean_only = MFCC(sr=8000, cmvn="mean", **FSDD_PARAMS).fit([y]).transform_frames([y])[0]
    assert_allclose(mean_only, m - m.mean(0), atol=1e-9)
    # A silent clip sits at the dB floor: constant coefficients stay (about) 0.
    silent = MFCC(sr=8000, cmvn="mean_var", **FSDD_PARAMS).fit([y]).transform(
        [np.zeros(800)])
    assert_allclose(silent, 0.0, atol=1e-12)


# --------------------------------------------------------------------------
# Reading WAV files
# --------------------------------------------------------------------------
@pytest.mark.parametrize("sampwidth, scale", [(1, 128), (2, 32768), (3, 2**23), (4, 2**31)])
def test_pcm_wav_is_scaled_by_full_scale(tmp_path, sampwidth, scale):
    rng = np.random.default_rng(sampwidth)
    ints = rng.integers(-scale, scale, size=500)
    ints[:2] = [-scale, scale - 1]
    path = tmp_path / f"pcm{8 * sampwidth}.wav"
    _write_pcm(path, ints, 8000, sampwidth)
    y, sr = load_wav(path)
    assert sr == 8000 and y.dtype == np.float64
    assert_array_equal(y, ints / scale)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_wav_read_as_stored(tmp_path, dtype):
    data = _synthetic().astype(dtype)
    wavfile.write(tmp_path / "f.wav", 8000, data)
    y, _ = load_wav(tmp_path / "f.wav")
    assert_array_equal(y, data.astype(np.float64))


def test_wav_reading_matches_soundfile(tmp_path):
    sf = pytest.importorskip("soundfile")
    x = np.random.default_rng(0).uniform(-1, 1, (700, 2))
    for subtype in ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"]:
        path = tmp_path / f"{subtype}.wav"
        sf.write(path, x, 11025, subtype=subtype)
        ref, ref_sr = sf.read(path, dtype="float64")
        y, sr = load_wav(path)
        assert sr == ref_sr
        assert_allclose(y, ref.mean(axis=1), rtol=0, atol=1e-7)


def test_multichannel_is_mixed_down_by_mean(tmp_path):
    left = np.arange(-200, 200, dtype=np.int16) * 50
    right = -np.arange(-200, 200, dtype=np.int16) * 20
    wavfile.write(tmp_path / "st.wav", 8000, np.c_[left, right])
    y, _ = load_wav(tmp_path / "st.wav")
    assert_allclose(y, (left / 32768 + right / 32768) / 2, rtol=1e-15)
    est = MFCC(**FSDD_PARAMS).fit([tmp_path / "st.wav"])
    assert_allclose(est.transform([tmp_path / "st.wav"]),
                    est.transform([(y, 8000)]), rtol=1e-12)


def test_resampling_matches_librosa_polyphase(librosa, tmp_path):
    y16 = _synthetic(sr=16000)
    wavfile.write(tmp_path / "c16.wav", 16000, y16)
    ref_y = librosa.resample(y16, orig_sr=16000, target_sr=8000, res_type="polyphase")
    y, sr = load_wav(tmp_path / "c16.wav", sr=8000)
    assert sr == 8000
    assert_allclose(y, ref_y, rtol=1e-12, atol=1e-14)
    est = MFCC(sr=8000, **FSDD_PARAMS).fit([tmp_path / "c16.wav"])
    got = est.transform([tmp_path / "c16.wav", (y16, 16000), ref_y])
    ref = _ref_mfcc(librosa, ref_y, 8000, **FSDD_PARAMS)
    expected = np.r_[ref.mean(axis=1), ref.std(axis=1)]
    for row in got:
        assert_allclose(row, expected, rtol=1e-8, atol=1e-9)


def test_no_resampling_names_path_and_rates(tmp_path):
    wavfile.write(tmp_path / "c16.wav", 16000, _synthetic(sr=16000))
    est = MFCC(sr=8000, resample=False, **FSDD_PARAMS).fit([tmp_path / "c16.wav"])
    with pytest.raises(ValueError, match=r"item 0 \('.*c16\.wav'\): sample rate 16000 "
                                         r"Hz differs from sr=8000 Hz and resample=False"):
        est.transform([tmp_path / "c16.wav"])
    with pytest.raises(ValueError, match=r"item 1: sample rate 16000 Hz differs"):
        est.transform([(_synthetic(), 8000), (_synthetic(), 16000)])


def test_native_rate_is_fitted_and_kept(librosa, tmp_path):
    # Issue 8: MFCC(sr=None) fitted on 8 kHz clips, then given a 44.1 kHz clip,
    # computed it on another mel grid. The fitted rate sr_ now holds.
    y44 = _synthetic(sr=44100)
    wavfile.write(tmp_path / "a.wav", 8000, _synthetic())
    wavfile.write(tmp_path / "b.wav", 44100, y44)
    est = MFCC(**FSDD_PARAMS).fit([tmp_path / "a.wav", (_synthetic(seed=3), 8000)])
    assert est.sr_ == 8000
    at_8k = librosa.resample(y44, orig_sr=44100, target_sr=8000, res_type="polyphase")
    expected = est.transform([(at_8k, 8000)])
    assert_allclose(est.transform([tmp_path / "b.wav"]), expected, rtol=1e-10, atol=1e-10)
    assert_allclose(est.transform([(y44, 44100)]), expected, rtol=1e-10, atol=1e-10)
    strict = MFCC(resample=False, **FSDD_PARAMS).fit([tmp_path / "a.wav"])
    with pytest.raises(ValueError, match=r"item 1 \('.*b\.wav'\): sample rate 44100 Hz "
                                         r"differs from the rate MFCC was fitted at "
                                         r"\(sr_=8000 Hz\) and resample=False"):
        strict.transform([tmp_path / "a.wav", tmp_path / "b.wav"])
    with joblib.parallel_config(backend="threading"), \
            pytest.raises(ValueError, match=r"item 1: sample rate 44100 Hz differs"):
        strict.set_params(n_jobs=2).transform([(_synthetic(), 8000), (y44, 44100)])
    # The training clips must share one rate: which one would be meant?
    with pytest.raises(ValueError, match=r"item 1 \('.*b\.wav'\): sample rate 44100 Hz "
                                         r"differs from item 0's 8000 Hz"):
        MFCC(**FSDD_PARAMS).fit([tmp_path / "a.wav", tmp_path / "b.wav"])
    for call in (est.transform, MFCC(**FSDD_PARAMS).fit):
        with pytest.raises(ValueError, match="item 0: a bare audio array has no sample rate"):
            call([_synthetic()])


# --------------------------------------------------------------------------
# Bad input: clear errors that name the item
# --------------------------------------------------------------------------
def _bad_files(tmp_path):
    good = tmp_path / "good.wav"
    wavfile.write(good, 8000, (_synthetic() * 3e4).astype(np.int16))
    raw = good.read_bytes()
    (tmp_path / "half.wav").write_bytes(raw[: len(raw) // 2])
    (tmp_path / "header.wav").write_bytes(raw[:30])
    (tmp_path / "text.wav").write_text("this is not a wav file at all")
    (tmp_path / "folder.wav").mkdir()
    return good


@pytest.mark.parametrize("name, message", [
    ("missing.wav", "file not found"),
    ("half.wav", "truncated or corrupt WAV file"),
    ("header.wav", "cannot be read as a WAV file"),
    ("text.wav", "cannot be read as a WAV file"),
    ("folder.wav", "is a directory"),
])
def test_bad_files_raise_naming_the_path(tmp_path, name, message):
    good = _bad_files(tmp_path)
    est = MFCC(**FSDD_PARAMS).fit([good])
    bad = tmp_path / name
    with pytest.raises(ValueError, match=rf"item 1 \('.*{name}'\): {message}"):
        est.transform([good, bad])


@pytest.mark.parametrize("item, exc, message", [
    (np.array([]), ValueError, r"item 1: empty audio clip"),
    (np.r_[np.ones(500), np.nan], ValueError, r"item 1: audio contains NaN or infinite"),
    (np.r_[np.ones(500), np.inf], ValueError, r"item 1: audio contains NaN or infinite"),
    (np.ones((2, 500)), ValueError, r"item 1: an audio array must be 1-D \(mono\), "
                                    r"got shape \(2, 500\)"),
    (np.array(["a", "b"]), TypeError, r"item 1: audio samples must be floating point"),
    (np.arange(500, dtype=np.int16), TypeError, r"item 1: .*integer PCM: divide"),
    ([[1.0, 2.0], [1.0]], TypeError, r"item 1: audio samples are not a numeric array"),
    (5, TypeError, r"item 1: expected a WAV path, a 1-D float array or an "
                   r"\(array, sample_rate\) tuple, got int"),
    ((np.ones(500), 8000, 1), ValueError, r"item 1: a tuple item must be "
                                          r"\(array, sample_rate\)"),
    ((np.ones(500), -8000), ValueError, r"item 1: sample rate must be a positive number"),
    ((np.ones(500), "8k"), ValueError, r"item 1: sample rate must be a positive number"),
])
def test_bad_items_raise_naming_the_row(item, exc, message):
    est = MFCC(sr=8000, **FSDD_PARAMS).fit([np.ones(500)])
    with pytest.raises(exc, match=message):
        est.transform([np.ones(500), item])


@pytest.mark.parametrize("X, exc, message", [
    ("clip.wav", TypeError, "X must be a 1-D sequence of clips"),
    (np.ones((3, 500)), ValueError, r"got an array of shape \(3, 500\).*list\(X\)"),
    (np.ones(500), TypeError, "X is a 1-D numeric array"),
    ([], ValueError, "X is empty"),
])
def test_bad_X_raises(X, exc, message):
    with pytest.raises(exc, match=message):
        MFCC(sr=8000).fit(X)
    est = MFCC(sr=8000).fit([np.ones(4000)])
    with pytest.raises(exc, match=message):
        est.transform(X)


@pytest.mark.parametrize("params, message", [
    (dict(delta_width=4), "delta_width must be odd"),
    (dict(win_length=300, n_fft=256), "win_length=300 must not exceed n_fft=256"),
    (dict(n_mfcc=50, n_mels=40), "n_mfcc=50 cannot exceed n_mels=40"),
    (dict(fmin=500.0, fmax=400.0), "fmin=500.0 must be below fmax=400.0"),
    (dict(pooling=["mean", "p101"]), "Unknown pooling statistic 'p101'"),
    (dict(pooling=["mean", "mode"]), "Unknown pooling statistic 'mode'"),
    (dict(pooling=[]), "pooling must name at least one statistic"),
    (dict(pooling=["std", "std"]), "duplicate statistics"),
    (dict(n_mfcc=0), "The 'n_mfcc' parameter of MFCC must be"),
    (dict(pad_mode="wrap"), "The 'pad_mode' parameter of MFCC must be"),
    (dict(dct_type=4), "The 'dct_type' parameter of MFCC must be"),
])
def test_invalid_parameters_raise_at_fit(params, message):
    with pytest.raises(ValueError, match=message):
        MFCC(sr=8000, **params).fit([np.ones(4000)])


def test_fmax_above_native_nyquist_is_checked_per_rate():
    est = MFCC(fmin=5000.0, **FSDD_PARAMS).fit([(np.ones(4000), 8000)])
    with pytest.raises(ValueError, match=r"item 0: fmin=5000.0 must be below "
                                         r"fmax=4000.0 \(sr=8000\)"):
        est.transform([(np.ones(4000), 8000)])


def test_mfcc_function_rejects_bad_signals():
    with pytest.raises(ValueError, match="y must be a non-empty 1-D float array"):
        mfcc(np.ones((2, 100)), 8000)
    with pytest.raises(ValueError, match="y contains NaN"):
        mfcc(np.r_[np.ones(100), np.nan], 8000)
    with pytest.raises(ValueError, match="sample rate must be a positive number"):
        mfcc(np.ones(100), 0)


def test_empty_mel_filters_warn(librosa):
    y = _synthetic()
    with pytest.warns(UserWarning, match="Empty filters"):
        ours = mfcc(y, 8000, n_fft=64, n_mels=64, hop_length=32)
    with pytest.warns(UserWarning, match="Empty filters"):
        ref = _ref_mfcc(librosa, y, 8000, n_fft=64, n_mels=64, hop_length=32)
    _assert_close_to_ref(ours, ref, rtol=1e-9, scale_atol=1e-11)


# --------------------------------------------------------------------------
# Estimator behaviour
# --------------------------------------------------------------------------
def test_window_as_name_array_or_function_agree():
    from scipy.signal import get_window

    y = _synthetic()
    by_name = mfcc(y, 8000, window="hann", **FSDD_PARAMS)
    by_array = mfcc(y, 8000, window=get_window("hann", 256), **FSDD_PARAMS)
    by_func = mfcc(y, 8000, window=lambda n: get_window("hann", n), **FSDD_PARAMS)
    assert_allclose(by_array, by_name, rtol=1e-12)
    assert_allclose(by_func, by_name, rtol=1e-12)
    est = MFCC(sr=8000, window=list(get_window("hann", 256)), **FSDD_PARAMS)
    assert_allclose(est.fit_transform([y])[0, :13], by_name.mean(axis=1), rtol=1e-12)


def test_inputs_of_every_kind_agree(tmp_path):
    y = (_synthetic() * 3e4).astype(np.int16)
    wavfile.write(tmp_path / "c.wav", 8000, y)
    y = y / 32768.0
    est = MFCC(sr=8000, deltas=2, **FSDD_PARAMS).fit([y])
    rows = est.transform([str(tmp_path / "c.wav"), tmp_path / "c.wav", y, (y, 8000),
                          y.astype(np.float32).astype(np.float64), list(y)])
    assert rows.shape == (6, 13 * 3 * 2)
    for row in rows[1:]:
        assert_allclose(row, rows[0], rtol=1e-12)
    pd = pytest.importorskip("pandas")
    series = pd.Series([str(tmp_path / "c.wav")] * 2, index=[7, 3])
    assert_allclose(est.transform(series), rows[:2], rtol=1e-12)


@pytest.mark.slow  # starts joblib's worker processes: seconds on 2 cores
def test_parallel_equals_serial():
    clips = [_synthetic(seed=s, seconds=0.2 + 0.05 * s) for s in range(7)]
    est = MFCC(sr=8000, deltas=1, **FSDD_PARAMS)
    serial = est.fit_transform(clips)
    parallel = est.set_params(n_jobs=2).fit_transform(clips)
    # Workers run BLAS single-threaded: equal up to rounding, not bitwise.
    assert_allclose(parallel, serial, rtol=1e-12, atol=1e-12)
    frames = est.transform_frames(clips)
    assert [f.shape[0] for f in frames] == [1 + len(c) // 80 for c in clips]


def test_tags_and_stateless_fit():
    est = MFCC()
    tags = est.__sklearn_tags__()
    assert not tags.input_tags.two_d_array
    assert tags.input_tags.one_d_array
    fitted = MFCC(sr=8000, **FSDD_PARAMS).fit([_synthetic()])
    assert fitted.n_features_out_ == 26 and fitted.n_frame_features_ == 13
    # Fitting learns nothing from the data: the same transform either way.
    other = MFCC(sr=8000, **FSDD_PARAMS).fit([np.ones(900)])
    assert_array_equal(fitted.transform([_synthetic()]), other.transform([_synthetic()]))
    assert_array_equal(pickle.loads(pickle.dumps(fitted)).transform([_synthetic()]),
                       fitted.transform([_synthetic()]))


def test_raw_input_contract():
    sr = 8000
    t = np.arange(int(0.25 * sr)) / sr
    rng = np.random.default_rng(0)
    X, y = [], []
    for i in range(8):
        f0 = 300.0 if i % 2 == 0 else 1200.0
        clip = np.sin(2 * np.pi * (f0 + 20 * i) * t) + 0.05 * rng.standard_normal(t.size)
        X.append((clip, sr))
        y.append(i % 2)
    check_raw_input_estimator(MFCC(n_fft=256, hop_length=80, n_mels=40), X, np.array(y),
                              param_grid={"n_mfcc": [8, 13]})


def test_segment_pooling_equals_pooling_each_stretch():
    y = _synthetic()
    est = MFCC(sr=8000, pooling=["mean", "max"], n_segments=3, **FSDD_PARAMS).fit([y])
    frames = est.transform_frames([y])[0]
    n = len(frames)
    # segment i: frames floor(i n / 3) .. ceil((i + 1) n / 3)
    bounds = [(int(np.floor(i * n / 3)), int(np.ceil((i + 1) * n / 3))) for i in range(3)]
    expected = np.concatenate([
        np.concatenate([frames[a:b].mean(axis=0), frames[a:b].max(axis=0)])
        for a, b in bounds])
    assert_allclose(est.transform([y])[0], expected, rtol=1e-12)
    assert est.transform([y]).shape == (1, 3 * 2 * 13)
    names = est.get_feature_names_out()
    assert names[0] == "mfcc0_mean_seg0" and names[-1] == "mfcc12_max_seg2"
    # One segment is plain pooling.
    one = MFCC(sr=8000, pooling=["mean", "max"], **FSDD_PARAMS).fit([y]).transform([y])
    assert_allclose(one[0], np.concatenate([frames.mean(axis=0), frames.max(axis=0)]))


def test_segment_pooling_on_a_clip_shorter_than_the_segments():
    y = _synthetic(seconds=0.03)  # 3 frames with hop 80 at 8 kHz, center=True
    est = MFCC(sr=8000, n_segments=5, **FSDD_PARAMS).fit([y])
    with pytest.warns(UserWarning, match=r"1 clip\(s\) shorter than n_fft=256 samples "
                                         r"\(item 0: 240 samples\)"):
        frames = est.transform_frames([y])[0]
    assert len(frames) < 5
    with pytest.warns(UserWarning, match="shorter than n_fft"):
        out = est.transform([y])
    assert out.shape == (1, 5 * 2 * 13) and np.all(np.isfinite(out))


def test_feature_names_follow_set_params():
    y = _synthetic()
    est = MFCC(sr=8000, **FSDD_PARAMS).fit([y])
    est.set_params(pooling=["min", "max"])
    assert est.get_feature_names_out()[0] == "mfcc0_min"
    assert est.transform([y]).shape[1] == len(est.get_feature_names_out())


def test_mfcc_function_checks_n_mfcc_against_n_mels():
    with pytest.raises(ValueError, match="n_mfcc=50 cannot exceed n_mels=40"):
        mfcc(_synthetic(), 8000, n_mfcc=50, n_mels=40)


# --------------------------------------------------------------------------
# Issue 7: the parameters shared with librosa are stated once
# --------------------------------------------------------------------------
def test_shared_parameters_are_stated_once():
    import inspect

    from skmm.feature_extraction._audio import _MFCC_CONSTRAINTS

    fn = inspect.signature(mfcc).parameters
    est = inspect.signature(MFCC).parameters
    # mfcc(y, sr, **exactly the constrained names), in the same order.
    assert list(fn)[2:] == list(_MFCC_CONSTRAINTS)
    for name, constraint in _MFCC_CONSTRAINTS.items():
        assert est[name].default == fn[name].default, name
        assert MFCC._parameter_constraints[name] is constraint, name


# --------------------------------------------------------------------------
# Issue 11: clips are computed in batches, each still equal to librosa
# --------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [
    FSDD_PARAMS,
    dict(FSDD_PARAMS, pad_mode="reflect", power=1.0, fmin=100.0, fmax=3000.0),
    dict(FSDD_PARAMS, center=False, lifter=22, htk=True),
    dict(n_mfcc=12, n_fft=255, hop_length=64, n_mels=32, win_length=200,
         window="hamming", pad_mode="symmetric", dct_type=3),
], ids=["fsdd", "reflect_magnitude", "uncentred_lifter", "odd_fft"])
def test_batch_equals_librosa_clip_by_clip(librosa, kw):
    # 40 clips of 0.26-0.5 s make several blocks (about 512 frames each), so
    # the per-clip dB floor and the block boundaries are both exercised.
    clips = [10.0 ** (-(s % 5)) * _synthetic(seed=s, seconds=0.26 + 0.006 * s)
             for s in range(40)]
    frames = MFCC(sr=8000, **kw).fit(clips).transform_frames(clips)
    for clip, got in zip(clips, frames):
        ref = _ref_mfcc(librosa, clip, 8000, **kw)
        _assert_close_to_ref(got.T, ref, rtol=1e-9, scale_atol=1e-11)
        _assert_close_to_ref(mfcc(clip, 8000, **kw), ref, rtol=1e-9, scale_atol=1e-11)


def test_batch_with_per_clip_ref_and_deltas_equals_clip_by_clip(librosa):
    clips = [10.0 ** (-(s % 3)) * _synthetic(seed=s, seconds=0.2 + 0.05 * s)
             for s in range(12)]
    kw = dict(FSDD_PARAMS, ref=np.max, cmvn="mean_var", deltas=2)
    est = MFCC(sr=8000, **kw).fit(clips)
    together = est.transform(clips)
    for clip, row in zip(clips, together):
        alone = est.transform([clip])[0]
        assert_allclose(row, alone, rtol=1e-12, atol=1e-12)
        m = librosa.feature.mfcc(S=librosa.power_to_db(librosa.feature.melspectrogram(
            y=clip, sr=8000, n_fft=256, hop_length=80, n_mels=40, dtype=np.float64),
            ref=np.max), n_mfcc=13)
        z = (m - m.mean(axis=1, keepdims=True)) / m.std(axis=1, keepdims=True)
        f = np.vstack([z, librosa.feature.delta(z), librosa.feature.delta(z, order=2)])
        assert_allclose(row, np.r_[f.mean(axis=1), f.std(axis=1)], rtol=1e-8, atol=1e-9)


# --------------------------------------------------------------------------
# Issue 8: mfcc() validates as MFCC does, and warns as librosa does
# --------------------------------------------------------------------------
@pytest.mark.parametrize("params, message", [
    (dict(lifter=-1.0), "'lifter' parameter of {} must be a float in the range \\[0"),
    (dict(lifter=np.nan), "'lifter' parameter of {} must be a float in the range \\[0"),
    (dict(amin=0.0), "'amin' parameter of {} must be a float in the range \\(0"),
    (dict(amin=-1e-10), "'amin' parameter of {} must be a float in the range \\(0"),
    (dict(top_db=-1.0), "'top_db' parameter of {} must be a float in the range \\[0"),
    (dict(pad_mode="wrap"), "'pad_mode' parameter of {} must be a str among"),
    (dict(pad_mode="mean"), "'pad_mode' parameter of {} must be a str among"),
    (dict(hop_length=0), "'hop_length' parameter of {} must be an int in the range \\[1"),
    (dict(n_fft=0), "'n_fft' parameter of {} must be an int in the range \\[1"),
    (dict(n_mels=0), "'n_mels' parameter of {} must be an int in the range \\[1"),
    (dict(power=0.0), "'power' parameter of {} must be a float in the range \\(0"),
    (dict(norm="l2"), "'norm' parameter of {} must be a str among"),
    (dict(win_length=300), "win_length=300 must not exceed n_fft=256"),
    (dict(fmin=3000.0, fmax=2000.0), "fmin=3000.0 must be below fmax=2000.0"),
    (dict(window=np.ones(100)), r"window array has shape \(100,\), expected \(256,\)"),
    (dict(n_fft=3, hop_length=None, n_mels=13),
     r"hop_length=None means win_length // 4 = 0 \(win_length=3\)"),
])
def test_function_and_estimator_share_one_validation(params, message):
    kw = dict(FSDD_PARAMS, **params)
    with pytest.raises(ValueError, match=message.format("mfcc")):
        mfcc(_synthetic(), 8000, **kw)
    with pytest.raises(ValueError, match=message.format("MFCC")):
        MFCC(sr=8000, **kw).fit([_synthetic()])


def test_mfcc_warns_when_n_fft_exceeds_the_signal_like_librosa(librosa):
    y = _synthetic(seconds=0.0125)  # 100 samples
    with pytest.warns(UserWarning, match="n_fft=256 is too large for input signal of "
                                         "length=100"):
        ours = mfcc(y, 8000, **FSDD_PARAMS)
    with pytest.warns(UserWarning, match="n_fft=256 is too large"):
        ref = librosa.feature.mfcc(y=y, sr=8000, dtype=np.float64, **FSDD_PARAMS)
    _assert_close_to_ref(ours, ref, rtol=1e-9, scale_atol=1e-11)


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_estimator_warns_once_listing_the_short_clips(tmp_path, n_jobs):
    wavfile.write(tmp_path / "short.wav", 8000, _synthetic(seconds=0.02))
    clips = [_synthetic(), (_synthetic(seconds=0.0125), 8000), _synthetic(),
             tmp_path / "short.wav"]
    est = MFCC(sr=8000, n_jobs=n_jobs, **FSDD_PARAMS).fit(clips)
    with pytest.warns(UserWarning) as record:
        est.transform(clips)
    assert len(record) == 1
    assert re.search(r"2 clip\(s\) shorter than n_fft=256 samples \(item 1: 100 samples, "
                     r"item 3 \('.*short\.wav'\): 160 samples\)", str(record[0].message))


def test_overflowing_samples_raise_naming_the_clip():
    est = MFCC(sr=8000, **FSDD_PARAMS).fit([_synthetic()])
    with pytest.raises(ValueError, match=r"item 1: the MFCCs are not finite: samples of "
                                         r"magnitude up to 1e\+200 overflow"):
        est.transform([_synthetic(), np.full(900, 1e200)])


# --------------------------------------------------------------------------
# Issue 8: every bad input is named, on every path (n_jobs, Pipeline, fit)
# --------------------------------------------------------------------------
def _riff(fmt=None, data=b"\x00\x00" * 100, *, fmt_size=16, data_size=None,
          magic=b"RIFF", extra=b""):
    """A WAV file's bytes; ``fmt`` is (code, channels, rate, block_align, bits)."""
    import struct

    code, channels, rate, block_align, bits = fmt or (1, 1, 8000, 2, 16)
    body = struct.pack("<HHIIHH", code, channels, rate, rate * block_align, block_align,
                       bits) + extra
    chunks = b"fmt " + struct.pack("<I", fmt_size) + body
    size = len(data) if data_size is None else data_size
    chunks += b"data" + struct.pack("<I", size) + data
    return magic + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


BAD_HEADERS = {
    "zero_channels.wav": (_riff((1, 0, 8000, 2, 16)),
                          "the WAV header declares 0 channels"),
    "zero_rate.wav": (_riff((1, 1, 0, 2, 16)),
                      "the WAV header declares a sample rate of 0 Hz"),
    "mulaw.wav": (_riff((7, 1, 8000, 1, 8)),
                  r"unsupported WAV format code 0x0007 \(mu-law\); only PCM"),
    "adpcm.wav": (_riff((2, 1, 8000, 256, 4)),
                  r"unsupported WAV format code 0x0002 \(Microsoft ADPCM\)"),
    "pcm64.wav": (_riff((1, 1, 8000, 8, 64), b"\x00" * 80),
                  r"unsupported WAV sample layout: PCM with 64 bits in 8-byte frames"),
    "float16.wav": (_riff((3, 1, 8000, 2, 16)),
                    r"unsupported WAV sample layout: IEEE float with 16 bits"),
    "cut_data.wav": (_riff(data=b"\x01\x00" * 100, data_size=400),
                     "truncated or corrupt WAV file: the data chunk declares 400 bytes "
                     "but only 200 follow"),
    "odd_data.wav": (_riff(data=b"\x01\x00" * 100 + b"\x01"),
                     "truncated or corrupt WAV file: the data chunk holds 201 bytes, not "
                     "a whole number of 2-byte frames"),
    "no_data.wav": (_riff()[:-208],
                    r"cannot be read as a WAV file \(no 'data' chunk\)"),
    "rifx.wav": (_riff(magic=b"RIFX"),
                 r"cannot be read as a WAV file \(RIFX files are not supported"),
}


@pytest.mark.parametrize("name", BAD_HEADERS)
def test_bad_wav_headers_name_the_file_everywhere(tmp_path, name):
    raw, message = BAD_HEADERS[name]
    good, bad = tmp_path / "good.wav", tmp_path / name
    wavfile.write(good, 8000, (_synthetic() * 3e4).astype(np.int16))
    bad.write_bytes(raw)
    with pytest.raises(ValueError, match=rf"'.*{name}': {message}"):
        load_wav(bad)
    # fit with sr=None reads every header; transform reads every file.
    with pytest.raises(ValueError, match=rf"item 1 \('.*{name}'\): {message}"):
        MFCC(**FSDD_PARAMS).fit([good, bad])
    est = MFCC(**FSDD_PARAMS).fit([good])
    with pytest.raises(ValueError, match=rf"item 1 \('.*{name}'\): {message}"):
        est.transform([good, bad])
    # The same chunked code path as n_jobs=2 with processes (threads: an error
    # makes joblib kill and respawn process workers, seconds per case).
    with joblib.parallel_config(backend="threading"):
        with pytest.raises(ValueError, match=rf"item 1 \('.*{name}'\): {message}"):
            est.set_params(n_jobs=2).transform([good, bad])


def test_extensible_and_multichannel_wav_match_soundfile(tmp_path):
    sf = pytest.importorskip("soundfile")
    x = np.random.default_rng(1).uniform(-1, 1, (600, 3))
    for subtype in ["PCM_16", "PCM_24", "FLOAT"]:
        path = tmp_path / f"ext_{subtype}.wav"
        sf.write(path, x, 16000, subtype=subtype, format="WAVEX")
        assert path.read_bytes()[20:22] == b"\xfe\xff"
        ref, ref_sr = sf.read(path, dtype="float64")
        y, sr = load_wav(path)
        assert sr == ref_sr == 16000
        assert_allclose(y, ref.mean(axis=1), rtol=0, atol=1e-7)


@pytest.mark.parametrize("n_jobs", [None, 2])
@pytest.mark.parametrize("item, exc, message", [
    (np.ones((500, 2)), ValueError, r"item 1: an audio array must be 1-D \(mono\), "
                                    r"got shape \(500, 2\)"),
    (np.r_[np.ones(500), np.nan], ValueError, r"item 1: audio contains NaN or infinite"),
    (np.array([]), ValueError, r"item 1: empty audio clip"),
    (np.arange(500, dtype=np.int32), TypeError, r"item 1: .*integer PCM: divide"),
    (np.ones(500, dtype=np.float32)[None], ValueError, r"item 1: an audio array must"),
])
def test_bad_items_are_named_in_parallel_and_in_a_pipeline(item, exc, message, n_jobs):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    good = [_synthetic(seed=s) for s in range(3)]
    pipe = make_pipeline(MFCC(sr=8000, n_jobs=n_jobs, **FSDD_PARAMS), StandardScaler())
    pipe.fit(good)
    with joblib.parallel_config(backend="threading"):  # chunked as with processes
        with pytest.raises(exc, match=message):
            pipe.transform([good[0], item, good[1]])
        with pytest.raises(exc, match=message):
            pipe.fit([good[0], item, good[1]])


@pytest.mark.slow
def test_bad_item_is_named_by_a_worker_process():
    est = MFCC(sr=8000, n_jobs=2, **FSDD_PARAMS).fit([_synthetic()])
    with pytest.raises(ValueError, match=r"item 2: audio contains NaN or infinite"):
        est.transform([_synthetic(), _synthetic(), np.r_[np.ones(500), np.nan]])


def test_nan_in_a_float_wav_names_the_file(tmp_path):
    y = _synthetic().astype(np.float32)
    y[100] = np.nan
    wavfile.write(tmp_path / "nan.wav", 8000, y)
    est = MFCC(**FSDD_PARAMS).fit([tmp_path / "nan.wav"])  # the header is fine
    with pytest.raises(ValueError, match=r"item 0 \('.*nan\.wav'\): audio contains NaN"):
        est.transform([tmp_path / "nan.wav"])
    with pytest.raises(ValueError, match=r"'.*nan\.wav': audio contains NaN"):
        load_wav(tmp_path / "nan.wav")


def test_changing_sr_after_fit_raises():
    est = MFCC(sr=8000, **FSDD_PARAMS).fit([_synthetic()])
    est.set_params(sr=16000)
    with pytest.raises(ValueError, match=r"sr changed since fit \(sr=16000, fitted at "
                                         r"sr_=8000\)"):
        est.transform([_synthetic()])
