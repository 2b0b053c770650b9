"""Beyond memory: SIFTBoVW.partial_fit against the full fit, transform_to_memmap against
the in-memory transform (bundled UCM images and FSDD clips)."""

import os

import numpy as np
import pytest

from skmm.cluster import lloyd_statistics
from skmm.datasets import load_fsdd, load_ucm_captions
from skmm.feature_extraction import MFCC, SIFTBoVW, transform_to_memmap

# Small, fast settings: 128 px images, a 16 px grid (64 descriptors per image).
FAST = dict(step=16, max_side=128, random_state=0)


@pytest.fixture(scope="module")
def images():
    return list(load_ucm_captions(subset="bundled").frame["image"][:60])


@pytest.fixture(scope="module")
def clips():
    return list(load_fsdd(subset="bundled").frame["audio"][:12])


def _mean_inertia(descs, centers):
    D = np.concatenate([d for d, _ in descs])
    return lloyd_statistics(D, centers)[2] / len(D)


def test_partial_fit_codebook_is_as_good_as_the_full_fit(images):
    train, held = images[:40], images[40:]
    full = SIFTBoVW(n_clusters=16, **FAST).fit(train)
    mini = SIFTBoVW(n_clusters=16, **FAST)
    for start in range(0, len(train), 8):
        mini.partial_fit(train[start:start + 8])
    assert mini.n_steps_ == 5 and mini.n_descriptors_fit_ == full.n_descriptors_fit_
    assert mini.codeword_counts_.sum() == full.n_descriptors_fit_
    descs = full.extract_descriptors(held)
    ratio = _mean_inertia(descs, mini.cluster_centers_) / _mean_inertia(
        descs, full.cluster_centers_)
    # Measured 1.00 on these images; a codebook of random descriptors is ~1.6.
    assert ratio < 1.1
    codes = mini.transform(held)
    assert codes.shape == (len(held), 16)
    np.testing.assert_allclose(codes.sum(axis=1), 1.0)  # l1-normalised histograms
    assert mini.distance_scale_ == pytest.approx(full.distance_scale_, rel=0.2)


def test_partial_fit_continues_a_fitted_codebook(images):
    est = SIFTBoVW(n_clusters=8, encoding="vlad", **FAST).fit(images[:10])
    counts, centers = est.codeword_counts_.copy(), est.cluster_centers_.copy()
    est.partial_fit(images[10:14])
    assert est.n_steps_ == 1 and not np.allclose(est.cluster_centers_, centers)
    assert est.codeword_counts_.sum() == counts.sum() + 4 * 64
    assert est.transform(images[:2]).shape == (2, 8 * 128)


def test_partial_fit_refuses_fisher_and_an_unfitted_pca(images):
    with pytest.raises(ValueError, match="encoding='fisher'"):
        SIFTBoVW(n_clusters=4, encoding="fisher", **FAST).partial_fit(images[:2])
    with pytest.raises(ValueError, match="pca_components=8"):
        SIFTBoVW(n_clusters=4, pca_components=8, **FAST).partial_fit(images[:2])
    with pytest.raises(ValueError, match="first batch gave 64 descriptors"):
        SIFTBoVW(n_clusters=100, **FAST).partial_fit(images[:1])
    est = SIFTBoVW(n_clusters=4, **FAST).partial_fit(images[:2]).set_params(n_clusters=5)
    with pytest.raises(ValueError, match="has 4 codewords"):
        est.partial_fit(images[2:4])


@pytest.mark.parametrize("batch_size", [1, 7, 100])
def test_memmap_rows_equal_the_in_memory_transform(images, tmp_path, batch_size):
    est = SIFTBoVW(n_clusters=8, **FAST).fit(images[:10])
    path = tmp_path / "codes.npy"
    rows = transform_to_memmap(est, images[:15], path, batch_size=batch_size)
    assert isinstance(rows, np.memmap) and rows.shape == (15, 8)
    np.testing.assert_array_equal(rows, est.transform(images[:15]))
    np.testing.assert_array_equal(np.load(path), rows)  # a plain .npy file


def test_memmap_mfcc_clips_and_progress(clips, tmp_path, capsys):
    est = MFCC(n_mfcc=13, n_segments=2).fit(clips)
    rows = transform_to_memmap(est, clips, tmp_path / "mfcc.npy", batch_size=5, verbose=1)
    # Equal up to rounding: MFCC batches its FFTs and products (1e-14 apart).
    np.testing.assert_allclose(rows, est.transform(clips), rtol=1e-12, atol=1e-12)
    out = capsys.readouterr().out
    assert "5/12 rows" in out and "12/12 rows (100%)" in out


def test_memmap_names_a_broken_file_and_removes_the_partial_output(images, tmp_path):
    est = SIFTBoVW(n_clusters=8, **FAST).fit(images[:10])
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    items = images[:5] + [str(broken)] + images[5:8]
    out = tmp_path / "codes.npy"
    with pytest.raises(ValueError, match=r"item 5 \('.*broken\.jpg'\)") as info:
        transform_to_memmap(est, items, out, batch_size=4)
    assert info.value.__cause__ is not None  # the transformer's own error, chained
    assert not os.path.exists(out)
    clip = (np.random.default_rng(0).normal(size=4000), 8000)
    with pytest.raises(ValueError, match=r"item 2 \('.*missing\.wav'\)"):
        transform_to_memmap(MFCC(sr=8000).fit([clip]),
                            [clip, clip, str(tmp_path / "missing.wav")], out)


def test_memmap_bad_arguments(images, tmp_path):
    est = SIFTBoVW(n_clusters=8, **FAST).fit(images[:10])
    with pytest.raises(ValueError, match="batch_size"):
        transform_to_memmap(est, images[:2], tmp_path / "a.npy", batch_size=0)
    with pytest.raises(TypeError, match="sequence of items"):
        transform_to_memmap(est, images[0], tmp_path / "a.npy")
    with pytest.raises(ValueError, match="empty"):
        transform_to_memmap(est, [], tmp_path / "a.npy")
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        transform_to_memmap(SIFTBoVW(), images[:2], tmp_path / "a.npy")


def test_partial_fit_on_array_api_strict_device1_equals_numpy(images):
    xps = pytest.importorskip("array_api_strict")
    import skmm.feature_extraction._bovw as bovw_module
    from skmm.utils import device

    seen = []
    step = bovw_module.minibatch_kmeans_step

    def spy(X, *args, **kwargs):  # where the mini-batch update runs
        seen.append(device(X))
        return step(X, *args, **kwargs)

    dev = xps.Device("device1")
    ref = SIFTBoVW(n_clusters=8, **FAST)
    est = SIFTBoVW(n_clusters=8, device=dev, **FAST)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bovw_module, "minibatch_kmeans_step", spy)
        for batch in (images[:6], images[6:12]):
            ref.partial_fit(batch)
            est.partial_fit(batch)
    assert seen[1::2] == [dev, dev]
    assert isinstance(est.cluster_centers_, np.ndarray)
    # float32 distances on two namespaces: equal up to rounding
    np.testing.assert_allclose(est.cluster_centers_, ref.cluster_centers_, rtol=1e-5,
                               atol=1e-4)
    np.testing.assert_array_equal(est.codeword_counts_, ref.codeword_counts_)
    assert est.distance_scale_ == pytest.approx(ref.distance_scale_, rel=1e-5)


def test_transform_dask_without_dask_names_the_extra(images, monkeypatch):
    import sys

    from skmm.feature_extraction import transform_dask

    est = SIFTBoVW(n_clusters=8, **FAST).fit(images[:4])
    monkeypatch.setitem(sys.modules, "dask", None)
    with pytest.raises(ImportError, match=r'pip install "skmm\[dask\]"'):
        transform_dask(est, images[:2])
