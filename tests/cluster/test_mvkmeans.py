"""MultiViewKMeans: closed-form scaling, scikit-learn agreement, mfeat, bad input."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.preprocessing import StandardScaler

from skmm.cluster import MultiViewKMeans
from skmm.cluster._mvkmeans import _centres
from skmm.datasets import load_mfeat


def _data(seed=0):
    rng = np.random.RandomState(seed)
    y = np.repeat([0, 1, 2], 20)
    X = np.hstack([np.array([[0, 0], [5, 0], [0, 5]])[y] + rng.normal(size=(60, 2)),
                   np.array([[0], [9], [18]])[y] + rng.normal(size=(60, 1)),
                   rng.normal(size=(60, 4))])  # a noise view
    return X, y


def _scaled(X, widths, w):
    Z = StandardScaler().fit_transform(X)
    out, start = [], 0
    for width, wv in zip(widths, np.asarray(w) / np.sum(w)):
        B = Z[:, start:start + width]
        out.append(B * np.sqrt(wv / (2 * B.var(axis=0).sum())))
        start += width
    return np.hstack(out)


def test_joint_is_kmeans_on_views_of_equal_mean_squared_distance():
    X, _ = _data()
    km = MultiViewKMeans(3, views=[2, 1, 4], view_weights=[2, 2, 1], random_state=0).fit(X)
    Z = _scaled(X, [2, 1, 4], [2, 2, 1])
    np.testing.assert_allclose(
        km.view_factors_,
        np.sqrt(np.array([0.4, 0.4, 0.2]) / (2 * np.array([2, 1, 4]))), rtol=1e-12)
    sk = KMeans(3, n_init=10, random_state=0).fit(Z)
    assert km.inertia_ == pytest.approx(sk.inertia_, rel=1e-9)
    assert adjusted_rand_score(sk.labels_, km.labels_) == 1.0
    np.testing.assert_array_equal(km.predict(X), km.labels_)


def test_co_em_finds_the_shared_partition():
    X, y = _data()
    km = MultiViewKMeans(3, views=[2, 1, 4], view_weights=[1, 1, 0.2], algorithm="co-em",
                         random_state=0).fit(X)
    assert adjusted_rand_score(y, km.labels_) == 1.0
    np.testing.assert_array_equal(km.predict(X), km.labels_)
    again = MultiViewKMeans(3, views=[2, 1, 4], view_weights=[1, 1, 0.2],
                            algorithm="co-em", random_state=0).fit(X)
    np.testing.assert_array_equal(again.labels_, km.labels_)


def test_empty_cluster_takes_the_farthest_row():
    Z = np.array([[0.0], [1.0], [10.0]])
    C, n_empty = _centres(Z, np.array([0, 0, 0]), 2)
    assert n_empty == 1
    np.testing.assert_allclose(C, [[11 / 3], [10.0]])


@pytest.mark.slow
def test_mfeat_subset_nmi():
    # Every 4th row of mfeat (500 digits, 6 views). Measured: joint 0.944;
    # on all 2,000 rows 0.919 against 0.815 for KMeans on the standardised
    # concatenation (benchmarks/bench_cluster.py).
    mf = load_mfeat(subset="bundled")
    X, y = mf.data[::4], mf.target[::4]
    labels = MultiViewKMeans(10, views=mf.views, random_state=0).fit_predict(X)
    assert normalized_mutual_info_score(y, labels) == pytest.approx(0.9442, abs=5e-3)
    concat = KMeans(10, n_init=10, random_state=0).fit_predict(StandardScaler().fit_transform(X))
    assert normalized_mutual_info_score(y, concat) < normalized_mutual_info_score(y, labels)


def test_bad_input_is_named():
    X, _ = _data()
    X_const = X.copy()
    X_const[:, 2] = 3.0
    with pytest.raises(ValueError, match="view 'b' is constant"):
        MultiViewKMeans(3, views={"a": 2, "b": 1, "c": 4}).fit(X_const)
    with pytest.raises(ValueError, match="n_clusters=61 is larger than the number of samples"):
        MultiViewKMeans(61, views=[2, 1, 4]).fit(X)
    with pytest.raises(ValueError, match="sum to 6, but X has 7 features"):
        MultiViewKMeans(3, views=[2, 4]).fit(X)
    km = MultiViewKMeans(3, views=[2, 1, 4], random_state=0).fit(X)
    with pytest.raises(ValueError, match="X has 6 features, but MultiViewKMeans is expecting 7"):
        km.predict(X[:, :6])


@pytest.mark.parametrize("algorithm", ["joint", "co-em"])
def test_device_switch_equals_numpy(algorithm):
    # The device path (array_api_strict's device1 standing in for a GPU) gives
    # the NumPy labels, centres and inertia; fitted state stays NumPy.
    xps = pytest.importorskip("array_api_strict")
    from skmm.cluster import MultiViewKMeans

    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 20)
    X = np.hstack([y[:, None] * 3.0 + rng.normal(size=(60, 4)),
                   y[:, None] * 2.0 + rng.normal(size=(60, 2))])
    params = dict(n_clusters=3, views=[4, 2], algorithm=algorithm, n_init=3, random_state=0)
    ref = MultiViewKMeans(**params).fit(X)
    dev = xps.Device("device1")
    est = MultiViewKMeans(**params, device=dev).fit(X)
    assert isinstance(est.cluster_centers_, np.ndarray)
    np.testing.assert_array_equal(est.labels_, ref.labels_)
    np.testing.assert_allclose(est.cluster_centers_, ref.cluster_centers_, rtol=1e-12)
    np.testing.assert_allclose(est.inertia_, ref.inertia_, rtol=1e-12)
    pred = est.predict(X)
    assert pred.device == dev
    np.testing.assert_array_equal(np.asarray(pred.to_device(xps.Device("CPU_DEVICE"))),
                                  ref.labels_)


def test_partial_fit_is_minibatch_kmeans_on_the_first_batch_scaling():
    # Reproduced by hand: scaling fixed by the first batch, k-means++ seeds on
    # it, then one mini-batch step per batch.
    from sklearn.utils import check_random_state

    from skmm.cluster import kmeans_plusplus, minibatch_kmeans_step

    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(3), 40)
    X = np.hstack([y[:, None] * 4.0 + rng.normal(size=(120, 3)),
                   y[:, None] * 3.0 + rng.normal(size=(120, 2))])
    X = X[rng.permutation(120)]
    est = MultiViewKMeans(n_clusters=3, views=[3, 2], random_state=0)
    batches = np.array_split(X, 4)
    for b in batches:
        est.partial_fit(b)
    Z = [np.hstack([f * B for f, B in zip(est.view_factors_,
                                          np.split((b - est.mean_) / est.scale_, [3], axis=1))])
         for b in batches]
    m0, s0 = batches[0].mean(axis=0), batches[0].std(axis=0)
    np.testing.assert_allclose(est.mean_, m0)
    np.testing.assert_allclose(est.scale_, s0)
    C, _ = kmeans_plusplus(Z[0], 3, random_state=check_random_state(0))
    counts = np.zeros(3)
    for z in Z:
        C, counts, _ = minibatch_kmeans_step(z, C, counts)
    np.testing.assert_allclose(est.cluster_centers_, C, rtol=1e-12)
    np.testing.assert_allclose(est.counts_, counts)
    assert est.n_steps_ == 4 and counts.sum() == 120
    # The batches recover the three groups.
    assert adjusted_rand_score(est.predict(X), MultiViewKMeans(
        n_clusters=3, views=[3, 2], random_state=0).fit(X).labels_) == 1.0


def test_partial_fit_refuses_co_em_and_a_small_first_batch():
    X = np.random.default_rng(0).normal(size=(10, 4))
    with pytest.raises(ValueError, match="algorithm='joint'"):
        MultiViewKMeans(n_clusters=2, algorithm="co-em").partial_fit(X)
    with pytest.raises(ValueError, match="fewer than n_clusters=8"):
        MultiViewKMeans(n_clusters=8).partial_fit(X[:5])
    with pytest.raises(ValueError, match="features"):
        MultiViewKMeans(n_clusters=2).partial_fit(X).partial_fit(X[:, :3])


def test_partial_fit_after_fit_continues_from_the_fitted_centres():
    rng = np.random.default_rng(2)
    X = np.vstack([rng.normal(size=(30, 4)), rng.normal(size=(30, 4)) + 6])
    est = MultiViewKMeans(n_clusters=2, random_state=0).fit(X)
    before = est.cluster_centers_.copy()
    est.partial_fit(X[:10])
    counts = np.bincount(MultiViewKMeans(n_clusters=2, random_state=0).fit(X).labels_)
    assert est.counts_.sum() == counts.sum() + 10
    # A batch from the fitted data moves the centres only a little.
    assert np.abs(est.cluster_centers_ - before).max() < 0.5
