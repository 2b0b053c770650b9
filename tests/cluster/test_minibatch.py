"""skmm.cluster.minibatch_kmeans_step against a hand-computed update and MiniBatchKMeans."""

import numpy as np
import pytest
from sklearn.cluster import MiniBatchKMeans

from skmm.cluster import minibatch_kmeans_step


def test_one_step_equals_the_closed_form():
    # Centre 0 (3 rows so far) gets rows 1 and 2 -> (3*0 + 1 + 2) / 5 = 0.6;
    # centre 1 (new) gets 11 -> 11; centre 2 (7 rows) gets nothing and stays.
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [50.0, 50.0]])
    counts = np.array([3.0, 0.0, 7.0])
    X = np.array([[1.0, 0.0], [2.0, 3.0], [11.0, -1.0]])
    new, new_counts, inertia = minibatch_kmeans_step(X, centers, counts)
    np.testing.assert_allclose(new, [[0.6, 0.6], [11.0, -1.0], [50.0, 50.0]])
    np.testing.assert_allclose(new_counts, [5.0, 1.0, 7.0])
    # inertia before the update: 1 + (4 + 9) + (1 + 1)
    assert inertia == pytest.approx(16.0)
    # inputs are not modified
    np.testing.assert_array_equal(counts, [3.0, 0.0, 7.0])
    # weights: rows 1 and 2 weighing 2 and 0.5 -> (0 + 2*1 + 0.5*2) / 5.5
    new, new_counts, _ = minibatch_kmeans_step(X, centers, counts,
                                               sample_weight=[2.0, 0.5, 1.0])
    np.testing.assert_allclose(new[0], [3.0 / 5.5, 1.5 / 5.5])
    np.testing.assert_allclose(new_counts, [5.5, 1.0, 7.0])


@pytest.mark.parametrize("weighted", [False, True])
def test_steps_equal_sklearn_minibatch_kmeans(weighted):
    rng = np.random.default_rng(0)
    init = rng.normal(size=(5, 4))
    batches = [rng.normal(size=(60, 4)) + rng.integers(0, 3) for _ in range(4)]
    weights = [rng.uniform(0.2, 3.0, 60) if weighted else None for _ in batches]
    ref = MiniBatchKMeans(5, init=init, n_init=1, batch_size=60, reassignment_ratio=0)
    centers, counts = init, np.zeros(5)
    for X, w in zip(batches, weights):
        ref.partial_fit(X, sample_weight=w)
        centers, counts, _ = minibatch_kmeans_step(X, centers, counts, sample_weight=w)
        np.testing.assert_allclose(centers, ref.cluster_centers_, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(counts, ref._counts, rtol=1e-12)


def test_array_api_strict_device1_equals_numpy():
    xps = pytest.importorskip("array_api_strict")
    dev, cpu = xps.Device("device1"), xps.Device("CPU_DEVICE")
    rng = np.random.default_rng(1)
    X, C, n = rng.normal(size=(80, 3)), rng.normal(size=(4, 3)), np.array([0.0, 2, 5, 1])
    ref = minibatch_kmeans_step(X, C, n)
    got = minibatch_kmeans_step(xps.asarray(X, device=dev), xps.asarray(C, device=dev),
                                xps.asarray(n, device=dev))
    assert got[0].device == dev and got[1].device == dev
    np.testing.assert_allclose(np.asarray(got[0].to_device(cpu)), ref[0], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(got[1].to_device(cpu)), ref[1])
    assert got[2] == pytest.approx(ref[2], rel=1e-12)


def test_bad_input_is_named():
    X, C = np.zeros((4, 2)), np.zeros((3, 2))
    with pytest.raises(ValueError, match="centers must have shape"):
        minibatch_kmeans_step(X, np.zeros((3, 5)), np.zeros(3))
    with pytest.raises(ValueError, match="counts must have shape"):
        minibatch_kmeans_step(X, C, np.zeros(2))
    with pytest.raises(ValueError, match="non-negative"):
        minibatch_kmeans_step(X, C, -np.ones(3))
    with pytest.raises(ValueError, match="NaN"):
        minibatch_kmeans_step(np.full((4, 2), np.nan), C, np.zeros(3))
