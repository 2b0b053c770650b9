"""Exact block-wise top-k search against brute force, and the tie rule."""

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity, euclidean_distances

from skmm.retrieval import hamming_distances, pairwise_scores, popcount, top_k
from skmm.retrieval._search import _popcount_table


def _brute(S, k):
    # The documented rule: by decreasing score, equal scores by increasing index.
    order = np.argsort(-S, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(S, order, axis=1)


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "inner"])
@pytest.mark.parametrize("batch_size,block_size", [(None, None), (3, 7), (1, 1), (50, 5)])
def test_top_k_equals_brute_force_float(metric, batch_size, block_size):
    rng = np.random.default_rng(0)
    Q, I = rng.standard_normal((13, 5)), rng.standard_normal((41, 5))
    ref = {"cosine": cosine_similarity(Q, I), "inner": Q @ I.T,
           "euclidean": -euclidean_distances(Q, I)}[metric]
    idx, s = top_k(Q, I, 6, metric=metric, batch_size=batch_size, block_size=block_size)
    ref_idx, ref_s = _brute(ref, 6)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(s, ref_s, atol=1e-10)


@pytest.mark.parametrize("n_bits", [8, 16, 24, 64, 128])
@pytest.mark.parametrize("block_size,engine", [(None, "numpy"), (4, "numpy"), (17, "numpy"),
                                               (None, "numba")])
def test_top_k_hamming_equals_brute_force_with_ties(n_bits, block_size, engine):
    if engine == "numba":
        pytest.importorskip("numba")
    rng = np.random.default_rng(n_bits)
    B = rng.integers(0, 2, (60, n_bits))
    B[30:] = B[:30]  # exact duplicates: every tie rule is exercised
    codes = np.packbits(B, axis=1)
    Q = codes[:9]
    ref = -(B[:9, None, :] != B[None, :, :]).sum(axis=2)
    idx, s = top_k(Q, codes, 12, metric="hamming", block_size=block_size, batch_size=4,
                   engine=engine)
    ref_idx, ref_s = _brute(ref, 12)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(s, ref_s)
    assert idx[0, 0] == 0 and idx[0, 1] == 30  # self, then its duplicate


def test_ties_rank_by_item_index_across_blocks():
    I = np.ones((10, 2))  # every item ties
    idx, s = top_k(np.ones((2, 2)), I, 4, metric="inner", block_size=3)
    np.testing.assert_array_equal(idx, [[0, 1, 2, 3]] * 2)
    np.testing.assert_array_equal(s, 2.0)


def test_k_larger_than_gallery_returns_what_exists():
    I = np.eye(3)
    idx, s = top_k(np.array([[0.0, 1.0, 0.0]]), I, k=10)
    assert idx.shape == (1, 3)
    np.testing.assert_array_equal(idx, [[1, 0, 2]])


def test_empty_gallery_and_bad_k_raise():
    with pytest.raises(ValueError, match="gallery is empty"):
        top_k(np.ones((1, 2)), np.ones((0, 2)), 3)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        top_k(np.ones((1, 2)), np.ones((2, 2)), 0)
    with pytest.raises(ValueError, match="metric must be one of"):
        top_k(np.ones((1, 2)), np.ones((2, 2)), 1, metric="manhattan")
    with pytest.raises(ValueError, match="Queries have 3 features but items have 2"):
        top_k(np.ones((1, 3)), np.ones((2, 2)), 1)


def test_hamming_needs_packed_codes():
    with pytest.raises(TypeError, match="packed binary codes, a 2-D uint8"):
        top_k(np.ones((1, 2)), np.ones((2, 2)), 1, metric="hamming")
    with pytest.raises(ValueError, match="Codes of 8 and 16 bits"):
        hamming_distances(np.zeros((1, 1), np.uint8), np.zeros((1, 2), np.uint8))


def test_popcount_table_equals_bitwise_count():
    a = np.random.default_rng(0).integers(0, 2**63, 100, dtype=np.uint64)
    ref = np.array([bin(int(v)).count("1") for v in a])
    np.testing.assert_array_equal(_popcount_table(a), ref)
    np.testing.assert_array_equal(popcount(a), ref)
    with pytest.raises(TypeError, match="unsigned"):
        popcount(np.array([1, 2]))


def test_hamming_distances_and_pairwise_scores_closed_form():
    rng = np.random.default_rng(1)
    A, B = rng.integers(0, 2, (5, 40)), rng.integers(0, 2, (7, 40))
    ref = (A[:, None] != B[None]).sum(axis=2)
    D = hamming_distances(np.packbits(A, axis=1), np.packbits(B, axis=1))
    np.testing.assert_array_equal(D, ref)
    np.testing.assert_array_equal(
        pairwise_scores(np.packbits(A, axis=1), np.packbits(B, axis=1), metric="hamming"), -ref)
    # cosine of a zero vector is 0, not NaN
    S = pairwise_scores(np.zeros((1, 2)), np.array([[1.0, 0.0]]))
    np.testing.assert_array_equal(S, [[0.0]])


def test_top_k_bounded_blocks_on_a_large_gallery():
    # 200k items in blocks of 2**16: the result equals brute force on the best candidates.
    rng = np.random.default_rng(2)
    I = rng.standard_normal((200_000, 8)).astype(np.float32)
    Q = rng.standard_normal((3, 8)).astype(np.float32)
    idx, s = top_k(Q, I, 5, metric="inner")
    ref = Q @ I.T
    np.testing.assert_array_equal(idx, np.argsort(-ref, axis=1, kind="stable")[:, :5])


@pytest.mark.parametrize("n_items,k", [(10_000, 7), (10_000, 1), (3_000, 2_000)])
def test_compiled_hamming_equals_numpy_across_tiles(n_items, k):
    # Several 4096-item tiles, many duplicates (ties across tiles) and, for
    # k > 1024, the counting scan instead of the bucket scan.
    pytest.importorskip("numba")
    rng = np.random.default_rng(n_items + k)
    B = rng.integers(0, 2, (n_items, 16))
    B[n_items // 2:] = B[: n_items - n_items // 2]
    codes = np.packbits(B, axis=1)
    Q = codes[rng.integers(0, n_items, 5)]
    idx, s = top_k(Q, codes, k, metric="hamming", engine="numba")
    ref_idx, ref_s = top_k(Q, codes, k, metric="hamming", engine="numpy")
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(s, ref_s)


def test_compiled_hamming_k_beyond_gallery_and_bad_engine():
    pytest.importorskip("numba")
    codes = np.packbits(np.eye(8, dtype=np.uint8)[:3], axis=1)
    idx, s = top_k(codes[:1], codes, 10, metric="hamming", engine="numba")
    np.testing.assert_array_equal(idx, [[0, 1, 2]])
    np.testing.assert_array_equal(s, [[0, -2, -2]])
    with pytest.raises(ValueError, match="engine must be"):
        top_k(codes, codes, 1, metric="hamming", engine="cuda")


@pytest.mark.parametrize("metric", ["cosine", "hamming"])
def test_top_k_on_dask_queries_is_lazy_and_equal(metric):
    # Lazy per block of query rows (local scheduler), equal to the NumPy result.
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(3)
    if metric == "hamming":
        items = rng.integers(0, 256, (500, 8), dtype=np.uint8)
        queries = rng.integers(0, 256, (45, 8), dtype=np.uint8)
    else:
        items, queries = rng.standard_normal((500, 6)), rng.standard_normal((45, 6))
    Qd = da.from_array(queries, chunks=(10, -1))
    idx, s = top_k(Qd, items, 7, metric=metric)
    assert isinstance(idx, da.Array) and idx.numblocks[0] == 5
    ref_idx, ref_s = top_k(queries, items, 7, metric=metric)
    np.testing.assert_array_equal(idx.compute(), ref_idx)
    np.testing.assert_array_equal(s.compute(), ref_s)
    with pytest.raises(ValueError, match="features"):  # found before anything runs
        top_k(da.ones((4, 3), chunks=2), np.ones((5, 2)), 2, metric="cosine")
    with pytest.raises(TypeError, match="uint8"):
        top_k(da.ones((4, 8), chunks=2), rng.integers(0, 256, (5, 8), dtype=np.uint8), 2,
              metric="hamming")
