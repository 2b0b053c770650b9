"""MultiViewSpectralClustering on a device: array-api-strict's ``device1`` and CuPy.

The device path builds the graph dense and takes a dense ``eigh``; below
``_DENSE_EIGH_MAX`` rows the NumPy path's eigensolver is a dense ``eigh``
too, so graphs must be equal, embeddings equal up to rounding and the sign
of each column, and labels identical.
"""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from skmm.cluster import MultiViewSpectralClustering, _spectral
from skmm.datasets import load_mfeat
from skmm.utils import _graph, get_namespace
from skmm.utils._array_api import device
from skmm.utils._graph import normalized_affinity
from skmm.utils.estimator_checks import check_array_api_device

CONFIGS = [
    {},
    {"fusion": "mean"},
    {"bandwidth": "global"},
    {"bandwidth": None, "n_neighbors": 7},
    {"affinity": "rbf", "gamma": 2.0},
    {"affinity": "rbf", "fusion": "mean", "view_weights": [1, 2, 1]},
]


@pytest.fixture(scope="module")
def mfeat():
    mf = load_mfeat(views=["fou", "kar", "mor"], subset="bundled")
    rows = np.random.RandomState(0).permutation(mf.data.shape[0])[:300]
    return mf.data[rows], mf.views


def _ties(seed=0, n=240):
    # Rounded coordinates and duplicated rows: many distances tie exactly.
    rng = np.random.RandomState(seed)
    y = np.repeat([0, 1, 2], n // 3)
    X = np.hstack([np.round(3 * y[:, None] + rng.normal(size=(n, 3)), 0),
                   np.round(4 * y[:, None] + rng.normal(size=(n, 3)), 0)])
    X[n // 2:n // 2 + 20] = X[:20]
    return X


def _dense(W):
    return W.toarray() if hasattr(W, "toarray") else W


def _assert_same_fit(dev_fit, np_fit):
    for name in ("labels_", "embedding_", "affinity_matrix_"):
        assert type(getattr(dev_fit, name)) is np.ndarray, name
    assert_allclose(dev_fit.affinity_matrix_, _dense(np_fit.affinity_matrix_),
                    rtol=1e-12, atol=0)
    E, F = np_fit.embedding_, dev_fit.embedding_
    k = E.shape[1]
    top = np.linalg.eigvalsh(_dense(normalized_affinity(np_fit.affinity_matrix_)))[-k:]
    if np.min(np.diff(top)) > 1e-6:
        # Simple eigenvalues: the same eigenvectors up to the sign of each.
        signs = np.sign(np.sum(E * F, axis=0))
        assert_allclose(F * signs, E, atol=1e-9)
    # Any basis of a repeated eigenvalue's space (a graph with several
    # components) is right: the rows' inner products are basis-free.
    assert_allclose(F @ F.T, E @ E.T, atol=1e-9)
    assert_array_equal(dev_fit.labels_, np_fit.labels_)


@pytest.mark.parametrize("params", CONFIGS, ids=str)
def test_mfeat_on_device1_equals_numpy(mfeat, params):
    xps = pytest.importorskip("array_api_strict")
    X, views = mfeat
    dev = xps.Device("device1")
    ref = MultiViewSpectralClustering(10, views=views, random_state=0, **params).fit(X)
    on_dev = MultiViewSpectralClustering(10, views=views, random_state=0, **params).fit(
        xps.asarray(X, device=dev))
    _assert_same_fit(on_dev, ref)
    switched = MultiViewSpectralClustering(10, views=views, random_state=0, device=dev,
                                           **params).fit(X)
    _assert_same_fit(switched, ref)


@pytest.mark.parametrize("params", CONFIGS[:4], ids=str)
def test_ties_are_broken_the_same_way(params):
    # Ties with the k-th neighbour: both paths take the lowest indices.
    xps = pytest.importorskip("array_api_strict")
    X = _ties()
    ref = MultiViewSpectralClustering(3, views=[3, 3], random_state=0, **params).fit(X)
    on_dev = MultiViewSpectralClustering(3, views=[3, 3], random_state=0, **params).fit(
        xps.asarray(X, device=xps.Device("device1")))
    _assert_same_fit(on_dev, ref)


def test_numpy_knn_takes_the_lowest_columns_among_ties():
    # np.argpartition alone takes any tied column; _knn must take the lowest.
    rng = np.random.default_rng(0)
    for _ in range(50):
        D = rng.integers(0, 4, size=(6, 40)).astype(float)
        k = int(rng.integers(1, 20))
        idx, dist = _graph._knn(D.copy(), k, exclude_offset=0)
        D[np.arange(6), np.arange(6)] = np.inf
        expected = np.argsort(D, axis=1, kind="stable")[:, :k]
        assert_array_equal(np.sort(idx, axis=1), np.sort(expected, axis=1))
        assert_array_equal(dist, np.take_along_axis(D, expected, axis=1))


def test_work_runs_on_device1(mfeat, monkeypatch):
    # Distances, eigenvectors and k-means all see device1 arrays, never NumPy.
    xps = pytest.importorskip("array_api_strict")
    dev = xps.Device("device1")
    seen = []

    def spy(module, name):
        real = getattr(module, name)

        def wrapped(*args, **kw):
            arrays = [a for a in args if hasattr(a, "shape")]
            seen.append((name, get_namespace(arrays[0]), device(arrays[0])))
            return real(*args, **kw)

        monkeypatch.setattr(module, name, wrapped)

    spy(_graph, "squared_distances")
    spy(_spectral, "eigh_top")
    spy(_spectral, "kmeans")
    X, views = mfeat
    MultiViewSpectralClustering(10, views=views, random_state=0, device=dev).fit(X)
    assert {name for name, _, _ in seen} == {"squared_distances", "eigh_top", "kmeans"}
    assert all(xp is xps and d == dev for _, xp, d in seen), seen


def test_more_rows_than_the_dense_eigh_limit_give_the_same_partition():
    # Above _DENSE_EIGH_MAX NumPy uses ARPACK, the device a dense eigh: the
    # embeddings agree to the ARPACK tolerance, k-means gets the same seeds.
    xps = pytest.importorskip("array_api_strict")
    rng = np.random.RandomState(1)
    y = np.repeat([0, 1, 2, 3], 150)
    X = np.hstack([2.5 * y[:, None] + rng.normal(size=(600, 2)),
                   np.cos(y)[:, None] * 4 + rng.normal(size=(600, 3))])
    assert X.shape[0] > _spectral._DENSE_EIGH_MAX
    ref = MultiViewSpectralClustering(4, views=[2, 3], random_state=0).fit(X)
    on_dev = MultiViewSpectralClustering(4, views=[2, 3], random_state=0,
                                         device=xps.Device("device1")).fit(X)
    assert adjusted_rand_score(ref.labels_, on_dev.labels_) == 1.0
    assert_allclose(on_dev.affinity_matrix_, ref.affinity_matrix_.toarray(), rtol=1e-12)


def test_contract_check_and_pickle():
    pytest.importorskip("array_api_strict")
    check_array_api_device(MultiViewSpectralClustering(3, views=[3, 3]), _ties(1, 90))
    check_array_api_device(MultiViewSpectralClustering(4, views=[3, 3], affinity="rbf"))


def test_device_fit_pickles_as_numpy(mfeat):
    xps = pytest.importorskip("array_api_strict")
    X, views = mfeat
    est = MultiViewSpectralClustering(10, views=views, random_state=0,
                                      device=xps.Device("device1")).fit(X)
    loaded = pickle.loads(pickle.dumps(est.set_params(device=None)))
    assert_array_equal(loaded.labels_, est.labels_)
    assert isinstance(loaded.affinity_matrix_, np.ndarray)


def test_dense_graph_too_large_is_refused_by_size(monkeypatch):
    # The bound is 2**31 - 1 entries; shrunk here so that the test allocates nothing big.
    xps = pytest.importorskip("array_api_strict")
    monkeypatch.setattr(_graph, "_DENSE_MAX_ENTRIES", 99 * 99)
    X = _ties()
    with pytest.raises(ValueError, match=r"over 240 rows has 240x240 = 57,600 entries"):
        MultiViewSpectralClustering(3, views=[3, 3], device=xps.Device("device1")).fit(X)
    MultiViewSpectralClustering(3, views=[3, 3]).fit(X)  # the sparse NumPy path is not bound
    monkeypatch.undo()
    _graph._check_dense_size(46_340)
    with pytest.raises(ValueError, match=r"46341 rows .* 16\.0 GiB"):
        _graph._check_dense_size(46_341)


def test_device_gpu_without_cupy_names_the_extra():
    try:
        import cupy  # noqa: F401
        pytest.skip("CuPy is installed")
    except ImportError:
        pass
    with pytest.raises(ImportError, match=r"skmm\[gpu\]"):
        MultiViewSpectralClustering(3, views=[3, 3], device="gpu").fit(_ties())
    # "auto" falls back to the CPU silently: the NumPy fit, sparse graph.
    est = MultiViewSpectralClustering(3, views=[3, 3], device="auto", random_state=0)
    assert hasattr(est.fit(_ties()).affinity_matrix_, "tocsr")


@pytest.mark.gpu
def test_cupy_equals_numpy():
    cp = pytest.importorskip("cupy")
    try:
        n_gpus = cp.cuda.runtime.getDeviceCount()
    except cp.cuda.runtime.CUDARuntimeError:  # no driver
        n_gpus = 0
    if n_gpus < 1:
        pytest.skip("no CUDA device")
    mf = load_mfeat(subset="bundled")
    X = mf.data[np.random.RandomState(0).permutation(mf.data.shape[0])[:400]]
    for params in CONFIGS[:3]:
        ref = MultiViewSpectralClustering(10, views=mf.views, random_state=0, **params).fit(X)
        gpu = MultiViewSpectralClustering(10, views=mf.views, random_state=0, device="gpu",
                                          **params).fit(X)
        assert isinstance(gpu.embedding_, np.ndarray)
        # GPU GEMM and exp round differently: equal to rounding, same partition.
        assert_allclose(gpu.affinity_matrix_, _dense(ref.affinity_matrix_), atol=1e-10)
        signs = np.sign(np.sum(gpu.embedding_ * ref.embedding_, axis=0))
        assert_allclose(gpu.embedding_ * signs, ref.embedding_, atol=1e-7)
        assert adjusted_rand_score(ref.labels_, gpu.labels_) == 1.0
        # CuPy input stays where it is: same fit.
        again = MultiViewSpectralClustering(10, views=mf.views, random_state=0,
                                            **params).fit(cp.asarray(X))
        assert_array_equal(again.labels_, gpu.labels_)
    # All 2,000 rows: the mfeat target of the CPU path (NMI 0.951).
    labels = MultiViewSpectralClustering(10, views=mf.views, random_state=0,
                                         device="gpu").fit_predict(mf.data)
    assert normalized_mutual_info_score(mf.target, labels) == pytest.approx(0.9511, abs=5e-3)


@pytest.mark.parametrize("affinity, fusion, bandwidth", [
    ("nearest_neighbors", "product", "self_tuning"), ("nearest_neighbors", "mean", "global"),
    ("nearest_neighbors", "product", None), ("rbf", "mean", None), ("rbf", "product", None)])
def test_dense_graph_in_the_compat_namespace_equals_the_sparse_graph(affinity, fusion,
                                                                     bandwidth):
    # array_api_compat's NumPy wrapper: the functions CuPy's wrapper provides too.
    import array_api_compat.numpy as cnp

    X = _ties(2)
    blocks = [X[:, :3], X[:, 3:]]
    kw = {"affinity": affinity, "fusion": fusion, "bandwidth": bandwidth, "gamma": 0.5}
    ref = _dense(_graph.affinity_graph(blocks, n_neighbors=9, weights=[1, 2], **kw))
    W = _graph._dense_graph(cnp, blocks, [0, 1], _graph.view_scales(blocks),
                            _graph.fusion_weights([1, 2], 2), k=9, **kw)
    assert_array_equal(W, ref)
