"""top_k on array-api-strict's simulated ``device1``: same indices, scores and ties
as the NumPy search, results on the device; and the selection helpers."""

import numpy as np
import pytest

from skmm.retrieval import top_k
from skmm.utils import to_numpy
from skmm.utils._array_api import bitwise_count, top_k_rows

xps = pytest.importorskip("array_api_strict")
DEV = xps.Device("device1")


def _data(metric, seed=0):
    rng = np.random.default_rng(seed)
    if metric == "hamming":
        return (np.packbits(rng.integers(0, 2, (37, 72)), axis=1),
                np.packbits(rng.integers(0, 2, (301, 72)), axis=1))
    # Small integers: many exact ties, which must rank by increasing index.
    return (rng.integers(-2, 3, (37, 5)).astype(np.float64),
            rng.integers(-2, 3, (301, 5)).astype(np.float64))


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "inner", "hamming"])
@pytest.mark.parametrize("blocks", [{}, dict(block_size=16, batch_size=7),
                                    dict(block_size=7, batch_size=5)], ids=str)
@pytest.mark.parametrize("k", [1, 10, 400])
def test_top_k_on_device1_equals_numpy(metric, blocks, k):
    from skmm.utils._array_api import device, get_namespace

    Q, I = _data(metric)
    idx, scores = top_k(Q, I, k, metric=metric, engine="numpy", **blocks)
    idx_d, scores_d = top_k(xps.asarray(Q, device=DEV), xps.asarray(I, device=DEV), k,
                            metric=metric, **blocks)
    for out in (idx_d, scores_d):
        assert get_namespace(out) is xps and device(out) == DEV
    np.testing.assert_array_equal(to_numpy(idx_d), idx)
    assert to_numpy(idx_d).dtype == np.int64
    np.testing.assert_allclose(to_numpy(scores_d), scores, rtol=1e-12, atol=1e-12)
    assert to_numpy(scores_d).dtype == scores.dtype


def test_top_k_device_float32_and_zero_vector():
    Q, I = _data("cosine", 1)
    I[4] = 0.0  # scores 0 against everything
    Q32, I32 = Q.astype(np.float32), I.astype(np.float32)
    idx, scores = top_k(Q32, I32, 7, metric="cosine")
    idx_d, scores_d = top_k(xps.asarray(Q32, device=DEV), xps.asarray(I32, device=DEV), 7)
    np.testing.assert_array_equal(to_numpy(idx_d), idx)
    np.testing.assert_allclose(to_numpy(scores_d), scores, rtol=1e-6)
    assert to_numpy(scores_d).dtype == np.float32


def test_top_k_device_errors():
    Q, I = _data("inner")
    Qd, Id = xps.asarray(Q, device=DEV), xps.asarray(I, device=DEV)
    with pytest.raises(ValueError, match="metric must be one of"):
        top_k(Qd, Id, 3, metric="manhattan")
    with pytest.raises(ValueError, match="gallery is empty"):
        top_k(Qd, Id[:0, :], 3)
    with pytest.raises(ValueError, match="Queries have 5 features but items have 4"):
        top_k(Qd, Id[:, :4], 3)
    with pytest.raises(ValueError, match="items contains NaN"):
        top_k(Qd, xps.asarray(np.where(I == 2, np.nan, I), device=DEV), 3)
    with pytest.raises(TypeError, match="packed binary codes"):
        top_k(Qd, Id, 3, metric="hamming")


def test_top_k_rows_matches_a_stable_sort():
    import array_api_compat.numpy as cnp

    S = np.random.default_rng(2).integers(0, 4, (9, 50)).astype(np.float64)
    ref = np.argsort(-S, axis=1, kind="stable")
    for k in (1, 5, 50):
        for xp, arr in ((cnp, S), (xps, xps.asarray(S, device=DEV))):
            vals, cols = top_k_rows(xp, arr, k)
            np.testing.assert_array_equal(to_numpy(cols), ref[:, :k])
            np.testing.assert_array_equal(to_numpy(vals),
                                          np.take_along_axis(S, ref[:, :k], axis=1))


def test_bitwise_count_branches():
    import array_api_compat.numpy as cnp

    a = np.arange(256, dtype=np.uint8)
    expected = np.array([bin(i).count("1") for i in range(256)])
    np.testing.assert_array_equal(to_numpy(bitwise_count(xps, xps.asarray(a))), expected)
    words = np.array([0, 1, 2**64 - 1, 2**63 + 5], dtype=np.uint64)
    np.testing.assert_array_equal(bitwise_count(cnp, words), [0, 1, 64, 3])
    with pytest.raises(TypeError, match="takes uint8"):
        bitwise_count(xps, xps.asarray(np.arange(3, dtype=np.uint16)))
