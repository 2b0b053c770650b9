"""Dask input: fits equal to NumPy, lazy outputs, the joblib backend, a killed worker.

One LocalCluster of two worker processes serves the module; the tests that
kill a worker run last.
"""

import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skmm.cross_decomposition import CCA, MCCA, ProbabilisticCCA  # noqa: E402


@pytest.fixture(scope="module")
def client():
    import dask

    # One retry after a worker dies: the kill-once test completes through it,
    # the kill-always test fails (KilledWorker) after two deaths, quickly.
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                      scheduler_port=0, dashboard_address=":0") as cluster, \
                distributed.Client(cluster) as c:
            # Import skmm on both workers at once (seconds on a loaded machine).
            c.run(lambda: __import__("skmm.cross_decomposition") and None)
            yield c


def _data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 2))
    return np.hstack([
        z @ rng.normal(size=(2, 4)) + rng.normal(size=(n, 4)),
        z @ rng.normal(size=(2, 3)) + rng.normal(size=(n, 3)),
        z[:, :1] + rng.normal(size=(n, 2)) + 5.0,  # offset: exercises the merge
    ])


ESTIMATORS = [
    CCA(n_components=2, views=[4, 5]),
    CCA(n_components=2, views=[4, 5], reg="ledoit-wolf"),
    CCA(n_components=2, views=[4, 5], combine="mean"),
    MCCA(n_components=2, views=[4, 3, 2]),
    ProbabilisticCCA(n_components=2, views=[4, 5]),
]


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: repr(e))
def test_fit_on_dask_equals_numpy(client, est):
    X = _data()
    ref = est.__class__(**est.get_params()).fit(X)
    # Uneven row chunks and split columns (rechunked to whole rows inside).
    Xd = da.from_array(X, chunks=((100, 250, 1, 249), (4, 5)))
    got = est.__class__(**est.get_params()).fit(Xd)
    assert got.n_features_in_ == 9 and got.view_names_ == ref.view_names_
    for w_ref, w in zip(ref.weights_, got.weights_):
        assert isinstance(w, np.ndarray)
        assert_allclose(w, w_ref, rtol=1e-10, atol=1e-12)
    assert_allclose(got.canonical_correlations_, ref.canonical_correlations_, rtol=1e-10)
    assert_allclose(got.reg_, ref.reg_, rtol=1e-10)


def test_blocks_are_reduced_on_the_workers(client):
    # A block function that fails in the client process: the fit succeeds only
    # if every block is read and reduced on a worker.
    X = _data()
    client_pid = os.getpid()

    def only_on_workers(block):
        if os.getpid() == client_pid:
            raise RuntimeError("a block was computed on the client")
        return block

    Xd = _map(da.from_array(X, chunks=(150, 9)), only_on_workers)
    got = CCA(n_components=2, views=[4, 5]).fit(Xd)
    ref = CCA(n_components=2, views=[4, 5]).fit(X)
    assert_allclose(got.canonical_correlations_, ref.canonical_correlations_, rtol=1e-10)


def test_float32_and_int_dask_input(client):
    # float32 blocks are multiplied in float32 (as in memory), merged in float64:
    # equal to float32 rounding; integers are cast to float64 as in memory.
    X = _data()
    for Xin, rtol in ((X.astype(np.float32), 1e-5), (np.round(X * 10).astype(np.int64), 1e-10)):
        ref = CCA(views=[4, 5]).fit(Xin)
        got = CCA(views=[4, 5]).fit(da.from_array(Xin, chunks=(200, 9)))
        assert_allclose(got.canonical_correlations_, ref.canonical_correlations_, rtol=rtol)


@pytest.mark.parametrize("est", [CCA(2, views=[4, 5]), CCA(2, views=[4, 5], combine="mean"),
                                 MCCA(2, views=[4, 3, 2])], ids=repr)
def test_transform_is_lazy_and_blockwise(client, est):
    X = _data()
    est.fit(X)
    Xd = da.from_array(X, chunks=(200, 9))
    Z = est.transform(Xd)
    assert isinstance(Z, da.Array)
    assert Z.chunks[0] == Xd.chunks[0]
    assert_allclose(Z.compute(), est.transform(X), rtol=1e-12, atol=1e-12)
    cols = est.views_[1][1]
    Zv = est.transform_view(Xd[:, cols], 1)
    assert isinstance(Zv, da.Array)
    assert_allclose(Zv.compute(), est.transform_view(X[:, cols], 1), rtol=1e-12, atol=1e-12)


def test_bad_dask_input_is_reported(client):
    X = _data(n=50)
    with pytest.raises(ValueError, match="2-D dask array"):
        CCA().fit(da.zeros((4, 3, 2), chunks=2))
    with pytest.raises(TypeError, match="dtype complex128"):
        CCA().fit(da.from_array(X.astype(complex), chunks=10))
    X_nan = X.copy()
    X_nan[17, 3] = np.nan
    with pytest.raises(ValueError, match="contains NaN or infinity"):
        CCA(views=[4, 5]).fit(da.from_array(X_nan, chunks=10))
    with pytest.raises(ValueError, match="1 sample"):
        CCA(views=[4, 5]).fit(da.from_array(X[:1], chunks=10))
    est = CCA(views=[4, 5]).fit(X)
    with pytest.raises(ValueError, match="X has 8 features, but CCA is expecting 9"):
        est.transform(da.from_array(X[:, :8], chunks=10))
    with pytest.raises(ValueError, match=r"view 'view1'.*expecting 5 features"):
        est.transform_view(da.from_array(X[:, :4], chunks=10), "view1")
    with pytest.raises(ValueError, match="set_output"):
        est.set_output(transform="pandas").transform(da.from_array(X, chunks=10))
    with pytest.raises(ValueError, match="device='gpu' applies to in-memory input"):
        CCA(views=[4, 5], device="gpu").fit(da.from_array(X, chunks=10))


def _blobs(seed=0):
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(size=(150, 3)) + c for c in ([0, 0, 0], [5, 5, 0], [0, 6, 6])])


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("init", ["random", "rows", "far"])
def test_kmeans_dask_equals_kmeans(client, init, weighted):
    from skmm.cluster import kmeans, kmeans_dask

    X = _blobs()
    w = np.random.default_rng(1).uniform(0.5, 2.0, size=X.shape[0]) if weighted else None
    # "rows": three starts in one blob; "far": one centre far from all rows,
    # so its cluster is empty and re-seeded with the farthest row.
    start = {"random": "random", "rows": X[:3],
             "far": np.vstack([X[:2], [[100.0, 100.0, 100.0]]])}[init]
    ref = kmeans(X, 3, init=start, sample_weight=w, random_state=1)
    got = kmeans_dask(da.from_array(X, chunks=(100, 3)), 3, init=start, sample_weight=w,
                      random_state=1)
    assert_allclose(got[0], ref[0], rtol=1e-10, atol=1e-12)
    assert_allclose(got[2], ref[2], rtol=1e-10)
    assert got[3] == ref[3]
    assert isinstance(got[1], da.Array)
    np.testing.assert_array_equal(got[1].compute(), ref[1])


def test_kmeans_dask_bad_input():
    from skmm.cluster import kmeans_dask

    X = da.from_array(_blobs(), chunks=100)
    with pytest.raises(ValueError, match="k-means\\+\\+, seed on a sample"):
        kmeans_dask(X, 3, init="k-means++")
    with pytest.raises(ValueError, match="fewer than n_clusters=500"):
        kmeans_dask(X, 500)
    with pytest.raises(ValueError, match=r"init array has shape \(2, 3\)"):
        kmeans_dask(X, 3, init=np.zeros((2, 3)))


def test_grid_search_on_the_joblib_dask_backend_equals_serial(client):
    from joblib import parallel_config

    X = _data(n=300)
    grid = {"cca__reg": [1e-3, 0.1, 0.5], "cca__n_components": [1, 2]}
    pipe = make_pipeline(StandardScaler(), CCA(views=[4, 5]))
    serial = GridSearchCV(pipe, grid, cv=3).fit(X)
    with parallel_config(backend="dask"):
        dist = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X)
    assert dist.best_params_ == serial.best_params_
    assert_allclose(dist.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"],
                    rtol=1e-12)


def test_import_skmm_does_not_import_dask():
    code = ("import sys, skmm, skmm.cross_decomposition, skmm.cluster; "
            "assert 'dask' not in sys.modules, 'dask imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_dask_names_the_extra(monkeypatch):
    from skmm.utils._dask import tree_reduce

    monkeypatch.setitem(sys.modules, "dask", None)
    with pytest.raises(ImportError, match=r'pip install "skmm\[dask\]"'):
        tree_reduce([1, 2], max)


def _killer(flag, always):
    # Kills the worker process running it: the first time only (a file flag,
    # holding the killed pid, shared by the worker processes), or every time.
    client_pid = os.getpid()

    def kill_worker(block):
        if os.getpid() != client_pid and (always or not os.path.exists(flag)):
            with open(flag, "w") as f:
                f.write(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return block

    return kill_worker


def _map(Xd, func):
    # `meta` given: dask does not call func on the client to infer it.
    return Xd.map_blocks(func, dtype=Xd.dtype, meta=np.empty((0, 0), dtype=Xd.dtype))


def test_worker_killed_once_mid_fit_completes_with_the_right_result(client, tmp_path):
    X = _data()
    ref = CCA(n_components=2, views=[4, 5]).fit(X)
    flag = tmp_path / "killed"
    Xd = _map(da.from_array(X, chunks=(100, 9)), _killer(str(flag), always=False))
    got = CCA(n_components=2, views=[4, 5]).fit(Xd)
    killed = int(flag.read_text())  # a worker did die mid-fit ...
    client.wait_for_workers(2, timeout=60)
    assert killed not in client.run(os.getpid).values()  # ... and was replaced
    assert_allclose(got.canonical_correlations_, ref.canonical_correlations_, rtol=1e-10)
    for w_ref, w in zip(ref.weights_, got.weights_):
        assert_allclose(w, w_ref, rtol=1e-10, atol=1e-12)


def test_worker_killed_every_time_fails_loudly(client, tmp_path):
    X = _data(n=100)
    Xd = _map(da.from_array(X, chunks=(100, 9)), _killer(str(tmp_path / "killed"), always=True))
    est = CCA(views=[4, 5])
    with pytest.raises(distributed.KilledWorker):
        est.fit(Xd)
    assert not hasattr(est, "weights_")  # nothing partial left behind
    client.wait_for_workers(2, timeout=60)  # the nannies restart them


def test_pcca_transform_on_dask_is_lazy_and_equal(client):
    import dask.array as da

    from skmm.cross_decomposition import ProbabilisticCCA

    X = np.random.default_rng(3).normal(size=(400, 6))
    X[:, 3:] += X[:, :3]
    pcca = ProbabilisticCCA(2, views=[3, 3]).fit(X)
    Xd = da.from_array(X, chunks=(100, 6))
    Z = pcca.transform(Xd)
    assert isinstance(Z, da.Array)
    np.testing.assert_allclose(Z.compute(), pcca.transform(X), rtol=1e-12)
