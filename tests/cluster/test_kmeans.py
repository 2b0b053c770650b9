"""skmm.cluster k-means against scikit-learn's KMeans and closed forms."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.cluster import kmeans_plusplus as sk_kmeans_plusplus
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import pairwise_distances

from skmm.cluster import kmeans, kmeans_plusplus, lloyd_statistics


def blobs(n_per=100, k=6, d=5, seed=0, scale=10.0):
    rng = np.random.default_rng(seed)
    true = rng.normal(scale=scale, size=(k, d))
    X = np.concatenate([c + rng.normal(size=(n_per, d)) for c in true])
    return X, true


def overlapping(seed=0):
    # Overlapping clusters: Lloyd needs many iterations, so stopping rules matter.
    return np.random.default_rng(seed).normal(size=(400, 4))


def test_kmeans_plusplus_draws_like_sklearn():
    X = overlapping()
    for seed in range(3):
        _, ref = sk_kmeans_plusplus(X, 8, random_state=seed)
        centers, got = kmeans_plusplus(X, 8, random_state=seed)
        np.testing.assert_array_equal(got, ref)
        np.testing.assert_array_equal(centers, X[ref])
    w = np.random.default_rng(1).random(len(X))
    _, ref = sk_kmeans_plusplus(X, 5, sample_weight=w, random_state=0)
    np.testing.assert_array_equal(kmeans_plusplus(X, 5, sample_weight=w, random_state=0)[1], ref)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kmeans_equals_sklearn_lloyd(seed):
    X = overlapping(seed)
    km = KMeans(7, n_init=1, random_state=seed, algorithm="lloyd").fit(X)
    centers, labels, inertia, n_iter = kmeans(X, 7, random_state=seed)
    assert inertia == pytest.approx(km.inertia_, rel=1e-10)
    np.testing.assert_allclose(centers, km.cluster_centers_, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(labels, km.labels_)
    assert n_iter == km.n_iter_


def test_kmeans_from_given_init_equals_sklearn():
    X = overlapping(3)
    init = X[:5] + 0.01
    km = KMeans(5, init=init, n_init=1, tol=1e-6).fit(X)
    centers, labels, inertia, n_iter = kmeans(X, 5, init=init, tol=1e-6)
    assert inertia == pytest.approx(km.inertia_, rel=1e-10)
    np.testing.assert_allclose(centers, km.cluster_centers_, rtol=1e-9, atol=1e-12)
    assert n_iter == km.n_iter_
    w = np.random.default_rng(0).random(len(X))
    km = KMeans(5, init=init, n_init=1).fit(X, sample_weight=w)
    _, _, inertia, _ = kmeans(X, 5, init=init, sample_weight=w)
    assert inertia == pytest.approx(km.inertia_, rel=1e-10)


def test_kmeans_recovers_blobs_and_best_of_n_init():
    X, true = blobs()
    centers, labels, inertia, n_iter = kmeans(X, 6, random_state=0)
    km = KMeans(6, n_init=10, random_state=0).fit(X)
    assert inertia == pytest.approx(km.inertia_, rel=1e-9)
    assert np.max(np.min(pairwise_distances(true, centers), axis=1)) < 0.5
    assert 1 <= n_iter < 100
    # n_init keeps the run with the lowest inertia
    X = overlapping()
    best = kmeans(X, 8, init="random", n_init=4, random_state=0)[2]
    rs = np.random.RandomState(0)
    singles = [kmeans(X, 8, init="random", random_state=rs)[2] for _ in range(4)]
    assert best == pytest.approx(min(singles), rel=1e-12)


def test_integer_weights_equal_repeated_rows():
    X = overlapping()[:60]
    reps = np.random.default_rng(0).integers(1, 4, len(X))
    init = X[:4]
    c_w, _, i_w, _ = kmeans(X, 4, init=init, sample_weight=reps.astype(float))
    c_r, _, i_r, _ = kmeans(np.repeat(X, reps, axis=0), 4, init=init)
    np.testing.assert_allclose(c_w, c_r, rtol=1e-10)
    assert i_w == pytest.approx(i_r, rel=1e-10)


def test_convergence_warning_at_max_iter():
    X = overlapping()
    with pytest.warns(ConvergenceWarning, match=r"did not converge in max_iter=2 iterations"):
        _, _, _, n_iter = kmeans(X, 7, max_iter=2, random_state=0)
    assert n_iter == 2
    # tol is relative to the data's variance: scaling X changes nothing
    ref = kmeans(X, 7, random_state=0)
    scaled = kmeans(1000.0 * X, 7, random_state=0)
    assert scaled[3] == ref[3]
    assert scaled[2] == pytest.approx(1e6 * ref[2], rel=1e-9)


def test_empty_cluster_is_reseeded_from_the_farthest_point():
    X = np.array([[0.0], [0.1], [10.0], [10.1], [20.0]])
    init = np.array([[0.0], [10.0], [1000.0]])  # the third centre attracts nothing
    centers, labels, inertia, _ = kmeans(X, 3, init=init)
    # 20 is the farthest from its centre (10) and seeds the empty cluster
    np.testing.assert_allclose(centers.ravel(), [0.05, 10.05, 20.0])
    np.testing.assert_array_equal(labels, [0, 0, 1, 1, 2])
    assert inertia == pytest.approx(4 * 0.05**2)
    km = KMeans(3, init=init, n_init=1).fit(X)
    np.testing.assert_allclose(km.cluster_centers_, centers)


def test_empty_cluster_message_in_verbose_output(capsys):
    X = np.array([[0.0], [0.1], [10.0], [10.1], [20.0]])
    kmeans(X, 3, init=np.array([[0.0], [10.0], [1000.0]]), verbose=1)
    out = capsys.readouterr().out
    assert "Initialization complete" in out
    assert "Iteration 0, inertia" in out and "1 empty cluster(s) re-seeded" in out
    assert "Converged at iteration" in out


def test_duplicates_and_too_few_points():
    D = np.ones((10, 3))
    with pytest.warns(ConvergenceWarning, match="1 distinct clusters, fewer than n_clusters=4"):
        centers, labels, inertia, _ = kmeans(D, 4, random_state=0)
    assert inertia == 0 and np.all(centers == 1)
    with pytest.raises(ValueError, match="X has 10 samples, fewer than n_clusters=11"):
        kmeans(D, 11)


@pytest.mark.parametrize("kwargs, match", [
    ({"X": np.array([[0.0], [np.nan]]), "n_clusters": 1}, "NaN or inf"),
    ({"X": np.zeros(4), "n_clusters": 1}, "must be 2-D"),
    ({"X": np.zeros((4, 2)), "n_clusters": 2, "init": np.zeros((3, 2))}, r"shape \(3, 2\)"),
    ({"X": np.zeros((4, 2)), "n_clusters": 2, "init": "kmeans"}, "init must be"),
    ({"X": np.zeros((4, 2)), "n_clusters": 2, "sample_weight": -np.ones(4)}, "non-negative"),
    ({"X": np.zeros((4, 2)), "n_clusters": 0}, "positive integer"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kmeans(**kwargs)


def test_lloyd_statistics_add_up_over_blocks():
    X = overlapping()
    w = np.random.default_rng(0).random(len(X))
    C = X[:5]
    labels = np.argmin(pairwise_distances(X, C), axis=1)
    ref_sums = np.stack([(w[labels == j, None] * X[labels == j]).sum(0) for j in range(5)])
    ref_counts = np.array([w[labels == j].sum() for j in range(5)])
    ref_inertia = np.sum(w * np.sum((X - C[labels]) ** 2, axis=1))
    whole = lloyd_statistics(X, C, sample_weight=w)
    parts = [lloyd_statistics(X[s], C, sample_weight=w[s])
             for s in (slice(0, 150), slice(150, 151), slice(151, None))]
    for got in (whole, tuple(sum(p[i] for p in parts) for i in range(3))):
        np.testing.assert_allclose(got[0], ref_sums, rtol=1e-12)
        np.testing.assert_allclose(got[1], ref_counts, rtol=1e-12)
        assert got[2] == pytest.approx(ref_inertia, rel=1e-12)


def test_float32_stays_float32():
    X = overlapping().astype(np.float32)
    centers, _, inertia, _ = kmeans(X, 4, random_state=0)
    assert centers.dtype == np.float32
    ref = KMeans(4, n_init=1, random_state=0).fit(X)
    assert inertia == pytest.approx(ref.inertia_, rel=1e-4)


def test_array_api_strict_device1_equals_numpy():
    xps = pytest.importorskip("array_api_strict")
    dev = xps.Device("device1")
    X_np = overlapping()[:120]
    X = xps.asarray(X_np, device=dev)
    centers, labels, inertia, n_iter = kmeans(X, 5, random_state=0)
    assert centers.device == dev and labels.device == dev
    ref = kmeans(X_np, 5, random_state=0)
    cpu = xps.Device("CPU_DEVICE")
    np.testing.assert_allclose(np.asarray(centers.to_device(cpu)), ref[0], rtol=1e-10)
    np.testing.assert_array_equal(np.asarray(labels.to_device(cpu)), ref[1])
    assert inertia == pytest.approx(ref[2], rel=1e-10) and n_iter == ref[3]
    # the empty-cluster path too
    Xs = xps.asarray(np.array([[0.0], [0.1], [10.0], [10.1], [20.0]]), device=dev)
    c, _, _, _ = kmeans(Xs, 3, init=xps.asarray([[0.0], [10.0], [1000.0]], device=dev))
    np.testing.assert_allclose(np.asarray(c.to_device(cpu)).ravel(), [0.05, 10.05, 20.0])
    sums, counts, _ = lloyd_statistics(X, centers)
    assert sums.device == dev and counts.device == dev
