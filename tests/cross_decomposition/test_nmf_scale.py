"""CollectiveNMF past memory: partial_fit, dask arrays, sparse input on a device."""

import os
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import check_estimators_partial_fit_n_features

from skmm.cross_decomposition import CollectiveNMF


def _exact(n=600, d1=30, d2=20, k=4, seed=0):
    # An exact rank-k non-negative model: X = W [H_1, H_2].
    rng = np.random.default_rng(seed)
    W = rng.random((n, k))
    return np.hstack([W @ rng.random((k, d1)), W @ rng.random((k, d2))])


def _rel_err(est, X):
    W = est.transform(X)
    return np.linalg.norm(X - W @ est.components_) / np.linalg.norm(X)


def _blocks(X, size):
    return [X[i:i + size] for i in range(0, X.shape[0], size)]


# ------------------------------------------------------------------ partial_fit
@pytest.mark.parametrize("solver", ["hals", "mu"])
def test_partial_fit_over_blocks_approaches_fit(solver):
    X = _exact()
    kw = dict(n_components=4, views=[30, 20], solver=solver, random_state=0,
              max_iter=500 if solver == "hals" else 200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # MU's slow tail
        err_fit = _rel_err(CollectiveNMF(**kw).fit(X), X)
    est = CollectiveNMF(forget_factor=0.3, **kw)
    est.partial_fit(X[:100])
    err_one = _rel_err(est, X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(20):  # epochs over blocks of 100 rows
            for block in _blocks(X, 100):
                est.partial_fit(block)
    err_pf = _rel_err(est, X)
    assert est.n_steps_ == 121
    assert err_pf < err_one / 10  # it learns from the later blocks
    assert err_pf < 2 * err_fit  # and gets as close to the model as fit
    assert not hasattr(est, "reconstruction_err_")  # that describes a fit
    np.testing.assert_array_equal(np.hstack(est.view_components_), est.components_)


def test_partial_fit_kullback_leibler_learns():
    # scikit-learn's online multiplicative rule for the KL loss.
    X = _exact(n=300)
    kw = dict(n_components=4, views=[30, 20], solver="mu", beta_loss="kullback-leibler",
              max_iter=200, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        err_fit = _rel_err(CollectiveNMF(**kw).fit(X), X)
        est = CollectiveNMF(forget_factor=0.3, **kw)
        est.partial_fit(X[:100])
        err_one = _rel_err(est, X)
        for _ in range(10):
            for block in _blocks(X, 100):
                est.partial_fit(block)
        err_pf = _rel_err(est, X)
    # One multiplicative step per block: slower than the Frobenius surrogate.
    assert err_pf < min(err_one / 2, 4 * err_fit)


def test_partial_fit_sparse_blocks_equal_dense_blocks():
    X = _exact(n=300)
    X[X < np.quantile(X, 0.4)] = 0.0
    kw = dict(n_components=4, views=[30, 20], random_state=0)
    dense, sparse = CollectiveNMF(**kw), CollectiveNMF(**kw)
    for block in _blocks(X, 100) * 2:
        dense.partial_fit(block)
        sparse.partial_fit(sp.csr_matrix(block))
    assert_allclose(sparse.components_, dense.components_, rtol=1e-8, atol=1e-10)


def test_partial_fit_refines_a_fit():
    # A model fitted by fit is refined from its bases, not restarted.
    X = _exact(n=300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = CollectiveNMF(4, views=[30, 20], random_state=0, max_iter=20).fit(X)
    err = _rel_err(est, X)
    for block in _blocks(X, 100) * 3:
        est.partial_fit(block)
    assert _rel_err(est, X) < err
    est.set_params(max_iter=500).fit(X)  # a new fit forgets the online statistics
    assert not hasattr(est, "n_steps_") and not hasattr(est, "_online_stats")


def test_partial_fit_views_must_stay_consistent():
    X = _exact(n=100)
    est = CollectiveNMF(4, views={"img": range(30), "txt": range(30, 50)}, random_state=0)
    est.partial_fit(X[:50])
    with pytest.raises(ValueError, match=r"X has 45 features, but CollectiveNMF is expecting "
                                         r"50 features as input: the views seen by partial_fit "
                                         r"so far \('img': 30, 'txt': 20 columns\)"):
        est.partial_fit(X[50:, :45])
    est.set_params(views={"img": range(25), "txt": range(25, 50)})
    with pytest.raises(ValueError, match="view 'img' changed between calls"):
        est.partial_fit(X[50:])
    est.set_params(views={"img": range(30), "txt": range(30, 50)}, n_components=3)
    with pytest.raises(ValueError, match="n_components changed from 4 to 3"):
        est.partial_fit(X[50:])
    est.set_params(n_components=4)
    X_neg = X[50:].copy()
    X_neg[3, 40] = -1.0
    with pytest.raises(ValueError, match="partial_fit: view 'txt' has minimum -1"):
        est.partial_fit(X_neg)
    est.set_params(solver="mu", beta_loss="kullback-leibler")
    with pytest.raises(ValueError, match="beta_loss changed between calls"):
        est.partial_fit(X[50:])
    est.set_params(solver="hals", beta_loss="frobenius")
    with pytest.raises(ValueError, match="Expected 2D"):
        est.partial_fit(X[50])
    est.partial_fit(X[50:].tolist())
    assert est.n_steps_ == 2
    with pytest.raises(ValueError, match="solver='hals' supports only"):
        CollectiveNMF(2, beta_loss="kullback-leibler").partial_fit(X)


def test_sklearn_partial_fit_check():
    X = np.abs(_exact(n=40, d1=3, d2=3))
    est = CollectiveNMF(2, random_state=0)
    check_estimators_partial_fit_n_features("CollectiveNMF", est)
    est.partial_fit(X)
    assert est.n_features_in_ == 6


# ------------------------------------------------------------------ sparse, device
@pytest.mark.parametrize("solver, beta", [("hals", "frobenius"), ("mu", "kullback-leibler")])
def test_sparse_with_device_cpu_equals_dense(solver, beta):
    X = _exact(n=120)
    X[X < np.quantile(X, 0.5)] = 0.0
    kw = dict(n_components=4, views=[30, 20], solver=solver, beta_loss=beta, init="random",
              max_iter=50, tol=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = CollectiveNMF(**kw)
        W_ref = ref.fit_transform(X)
        est = CollectiveNMF(device="cpu", **kw)
        W = est.fit_transform(sp.csr_matrix(X))
    assert isinstance(W, np.ndarray)
    assert_allclose(W, W_ref, rtol=1e-9, atol=1e-12)
    assert_allclose(est.components_, ref.components_, rtol=1e-9, atol=1e-12)
    Xs = sp.csr_matrix(X[:30])
    assert_allclose(est.transform(Xs), ref.transform(X[:30]), rtol=1e-8, atol=1e-12)
    assert_allclose(est.transform_view(Xs[:, 30:], "view1"),
                    ref.transform_view(X[:30, 30:], "view1"), rtol=1e-8, atol=1e-12)
    assert_allclose(est.transform_view(Xs, ["view0", "view1"]), ref.transform(X[:30]),
                    rtol=1e-8, atol=1e-12)


@pytest.mark.gpu
@pytest.mark.parametrize("solver, beta", [("hals", "frobenius"), ("mu", "kullback-leibler")])
def test_sparse_on_gpu_equals_cpu(solver, beta):
    cp = pytest.importorskip("cupy")
    try:
        n_devices = cp.cuda.runtime.getDeviceCount()
    except Exception:  # no driver
        n_devices = 0
    if n_devices == 0:
        pytest.skip("no CUDA device")
    import cupyx.scipy.sparse

    rng = np.random.default_rng(0)
    X = sp.random(400, 300, density=0.05, format="csr", random_state=rng,
                  data_rvs=lambda k: rng.exponential(1.0, k))
    kw = dict(n_components=5, views=[200, 100], solver=solver, beta_loss=beta,
              view_weights=[1.0, 2.0], max_iter=60, tol=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = CollectiveNMF(**kw)
        W_ref = ref.fit_transform(X)
        gpu = CollectiveNMF(device="gpu", **kw)
        W = gpu.fit_transform(X)  # moved once to cupyx.scipy.sparse
    assert isinstance(W, cp.ndarray)
    assert isinstance(gpu.components_, np.ndarray)
    assert_allclose(W.get(), W_ref, rtol=1e-8, atol=1e-10)
    assert_allclose(gpu.components_, ref.components_, rtol=1e-8, atol=1e-10)
    assert_allclose(gpu.loss_curve_, ref.loss_curve_, rtol=1e-9)
    Wt = gpu.transform(X[:50])
    assert isinstance(Wt, cp.ndarray)
    assert_allclose(Wt.get(), ref.transform(X[:50]), rtol=1e-7, atol=1e-10)
    Wv = gpu.transform_view(X[:50, 200:], "view1")
    assert_allclose(Wv.get(), ref.transform_view(X[:50, 200:], "view1"), rtol=1e-7, atol=1e-10)
    assert cupyx.scipy.sparse.issparse(gpu._move(X))


# ------------------------------------------------------------------ dask
@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  scheduler_port=0, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as c:
        c.run(lambda: __import__("skmm.cross_decomposition") and None)
        yield c


@pytest.mark.parametrize("solver, beta, weights, tol, max_iter", [
    ("hals", "frobenius", None, 0.1, 40),  # stops by tol at iteration 20
    ("mu", "frobenius", "norm", 0, 6),
    ("mu", "kullback-leibler", [1.0, 0.0], 0, 6),  # weight 0: flat start, no say on W
])
def test_fit_on_dask_equals_in_memory_fit(client, solver, beta, weights, tol, max_iter):
    da = pytest.importorskip("dask.array")
    X = _exact(n=500) + 0.01
    kw = dict(n_components=4, views=[30, 20], solver=solver, beta_loss=beta,
              view_weights=weights, init="random", tol=tol, max_iter=max_iter,
              random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = CollectiveNMF(**kw)
        W_ref = ref.fit_transform(X)
        # Uneven row chunks and split columns (rechunked to whole rows inside).
        Xd = da.from_array(X, chunks=((120, 200, 1, 179), (30, 20))).persist()
        got = CollectiveNMF(**kw)
        W = got.fit_transform(Xd)
    assert isinstance(W, da.Array) and W.chunks[0] == (120, 200, 1, 179)
    assert got.n_iter_ == ref.n_iter_ == (20 if tol else max_iter)
    assert_allclose(got.loss_curve_, ref.loss_curve_, rtol=1e-10)
    assert_allclose(got.components_, ref.components_, rtol=1e-9, atol=1e-12)
    assert_allclose(W.compute(), W_ref, rtol=1e-9, atol=1e-12)
    assert got.reconstruction_err_ == pytest.approx(ref.reconstruction_err_, rel=1e-9)
    assert_allclose(got.view_weights_, ref.view_weights_, rtol=1e-12)


def test_dask_blocks_stay_on_the_workers_and_transform_is_lazy(client):
    da = pytest.importorskip("dask.array")
    X = _exact(n=300)
    client_pid = os.getpid()

    def only_on_workers(block):
        if os.getpid() == client_pid:
            raise RuntimeError("a block was computed on the client")
        return block

    Xd = da.from_array(X, chunks=(100, 50)).map_blocks(only_on_workers, dtype=X.dtype,
                                                         meta=np.empty((0, 0)))
    est = CollectiveNMF(4, views=[30, 20], init="random", max_iter=3, tol=0,
                        random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(Xd)
    Z = est.transform(Xd)
    assert isinstance(Z, da.Array) and Z.chunks == ((100, 100, 100), (4,))
    assert_allclose(Z.compute(), est.transform(X), rtol=1e-12)
    Zv = est.transform_view(Xd[:, 30:], "view1")
    assert_allclose(Zv.compute(), est.transform_view(X[:, 30:], "view1"), rtol=1e-12)
    Zl = est.transform_view(Xd, ["view0", "view1"])
    assert_allclose(Zl.compute(), est.transform(X), rtol=1e-12)


def test_bad_dask_input_is_reported(client):
    da = pytest.importorskip("dask.array")
    X = _exact(n=60)
    with pytest.raises(ValueError, match="init='nndsvda' needs an SVD of the whole X"):
        CollectiveNMF(2, init="nndsvda").fit(da.from_array(X, chunks=20))
    X_neg = X.copy()
    X_neg[33, 40] = -2.0
    with pytest.raises(ValueError, match="fit: view 'view1' has minimum -2"):
        CollectiveNMF(2, views=[30, 20]).fit(da.from_array(X_neg, chunks=20))
    X_nan = X.copy()
    X_nan[5, 1] = np.nan
    with pytest.raises(ValueError, match="contains NaN or infinity"):
        CollectiveNMF(2, views=[30, 20]).fit(da.from_array(X_nan, chunks=20))
    with pytest.raises(ValueError, match="device='gpu' applies to in-memory input"):
        CollectiveNMF(2, device="gpu").fit(da.from_array(X, chunks=20))
    est = CollectiveNMF(2, views=[30, 20], max_iter=5, tol=0).fit(X)
    with pytest.raises(ValueError, match="X has 49 features, but CollectiveNMF is expecting 50"):
        est.transform(da.from_array(X[:, :49], chunks=20))
    with pytest.raises(TypeError, match="partial_fit takes in-memory blocks"):
        est.partial_fit(da.from_array(X, chunks=20))
