"""CollectiveNMF: parity with scikit-learn's NMF, monotone loss, views, errors."""

import functools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning

from skmm.cross_decomposition import CollectiveNMF


def _lowrank(seed=0, n=200, d1=30, d2=20, k=4, noise=0.05):
    rng = np.random.default_rng(seed)
    W = rng.random((n, k))
    X = np.hstack([W @ rng.random((k, d1)), W @ rng.random((k, d2))])
    return X + noise * rng.random(X.shape)


def _sk_nmf(X, **kw):
    # tol=0 runs exactly max_iter iterations; scikit-learn then warns.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        nmf = NMF(**kw)
        W = nmf.fit_transform(X)
        Wt = nmf.transform(X)
    return nmf, W, Wt


def _rel(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("init", ["nndsvda", "random"])
@pytest.mark.parametrize(
    "solver, sk_solver, beta",
    [("mu", "mu", "frobenius"), ("mu", "mu", "kullback-leibler"), ("hals", "cd", "frobenius")],
)
def test_equal_weights_match_sklearn_nmf_on_concatenation(sparse, init, solver, sk_solver, beta):
    # With all weights 1 the collective objective is NMF of the concatenation.
    X = _lowrank()
    if sparse:
        X = sp.csr_matrix(X * (np.random.default_rng(1).random(X.shape) < 0.3))
    kw = dict(n_components=4, init=init, max_iter=60, tol=0, random_state=0, beta_loss=beta)
    ours = CollectiveNMF(views=[30, 20], solver=solver, **kw)
    W = ours.fit_transform(X)
    ref, W_ref, Wt_ref = _sk_nmf(X, solver=sk_solver, **kw)
    assert _rel(W, W_ref) < 1e-9
    assert _rel(ours.components_, ref.components_) < 1e-9
    assert ours.reconstruction_err_ == pytest.approx(ref.reconstruction_err_, rel=1e-9)
    assert ours.n_iter_ == ref.n_iter_ == 60
    assert _rel(ours.transform(X), Wt_ref) < 1e-8
    np.testing.assert_array_equal(
        np.hstack(ours.view_components_), ours.components_[:, np.r_[0:30, 30:50]]
    )


@pytest.mark.parametrize("beta", ["frobenius", "kullback-leibler"])
def test_tol_stopping_matches_sklearn(beta):
    X = _lowrank(seed=3)
    ours = CollectiveNMF(4, solver="mu", beta_loss=beta, tol=1e-3, random_state=0).fit(X)
    ref = NMF(4, solver="mu", beta_loss=beta, tol=1e-3, random_state=0).fit(X)
    assert ours.n_iter_ == ref.n_iter_ < 500
    assert _rel(ours.components_, ref.components_) < 1e-9


@pytest.mark.parametrize("beta", ["frobenius", "kullback-leibler"])
def test_zero_weight_view_leaves_nmf_of_the_other_view(beta):
    X = _lowrank(seed=1)
    kw = dict(n_components=4, max_iter=80, tol=0, random_state=0, beta_loss=beta)
    ours = CollectiveNMF(views=[30, 20], view_weights=[1.0, 0.0], solver="mu", **kw)
    W = ours.fit_transform(X)  # tol=0: no convergence test, no warning
    ref, W_ref, _ = _sk_nmf(X[:, :30], solver="mu", **kw)
    assert _rel(W, W_ref) < 1e-9
    assert _rel(ours.view_components_[0], ref.components_) < 1e-9
    # The zero-weight view still gets a basis fitted to it with W given.
    assert np.all(ours.view_components_[1] >= 0)
    err1 = np.linalg.norm(X[:, 30:] - W @ ours.view_components_[1])
    assert err1 < 0.2 * np.linalg.norm(X[:, 30:])


@pytest.mark.parametrize(
    "beta, weights, scale",
    # lambda * ||X - WH||^2 = ||sX - W sH||^2 with s = sqrt(lambda);
    # lambda * KL(X | WH) = KL(sX | W sH) with s = lambda.
    [("frobenius", [4.0, 9.0], [2.0, 3.0]), ("kullback-leibler", [2.0, 3.0], [2.0, 3.0])],
)
def test_weights_equal_nmf_of_scaled_views(beta, weights, scale):
    X = _lowrank(seed=2)
    s = np.r_[[scale[0]] * 30, [scale[1]] * 20]
    kw = dict(n_components=4, max_iter=60, tol=0, random_state=0, beta_loss=beta, init="random")
    ours = CollectiveNMF(views=[30, 20], view_weights=weights, solver="mu", **kw).fit(X)
    ref, _, _ = _sk_nmf(X * s, solver="mu", **kw)
    if beta == "frobenius":
        # The init is computed on the weighted concatenation, so it matches too.
        assert _rel(ours.components_ * s, ref.components_) < 1e-9
        assert ours.reconstruction_err_ == pytest.approx(ref.reconstruction_err_, rel=1e-9)
    # One weighted update from any iterate is one scikit-learn update of the
    # scaled problem from the same (scaled) factors.
    a = CollectiveNMF(views=[30, 20], view_weights=weights, solver="mu", **kw)
    W_n = a.fit_transform(X)
    b = CollectiveNMF(views=[30, 20], view_weights=weights, solver="mu",
                      **{**kw, "max_iter": 61})
    W_next = b.fit_transform(X)
    ref = NMF(4, init="custom", solver="mu", beta_loss=beta, max_iter=1, tol=0)
    W_ref = ref.fit_transform(X * s, W=W_n.copy(), H=a.components_ * s)
    assert _rel(W_next, W_ref) < 1e-12
    assert _rel(b.components_ * s, ref.components_) < 1e-12
    assert b.reconstruction_err_ == pytest.approx(ref.reconstruction_err_, rel=1e-12)


def test_norm_weights():
    X = _lowrank()
    X[:, 30:] *= 100.0
    nmf = CollectiveNMF(4, views=[30, 20], view_weights="norm", random_state=0).fit(X)
    expected = [1 / np.sum(X[:, :30] ** 2), 1 / np.sum(X[:, 30:] ** 2)]
    np.testing.assert_allclose(nmf.view_weights_, expected, rtol=1e-12)
    # Both views are fitted to a similar relative error despite the scale gap.
    W = nmf.transform(X)
    rel = [np.linalg.norm(X[:, c] - W @ H) / np.linalg.norm(X[:, c])
           for (_, c), H in zip(nmf.views_, nmf.view_components_)]
    assert max(rel) < 0.1, rel


@pytest.mark.parametrize(
    "solver, beta", [("mu", "frobenius"), ("hals", "frobenius"), ("mu", "kullback-leibler")]
)
def test_loss_never_increases_synthetic(solver, beta):
    X = _lowrank(seed=4, noise=0.3)
    nmf = CollectiveNMF(5, views=[30, 20], solver=solver, beta_loss=beta, max_iter=150, tol=0,
                        random_state=0, init="random")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        nmf.fit(X)
    curve = np.asarray(nmf.loss_curve_)
    assert len(curve) == nmf.n_iter_ + 1 == 151
    assert np.all(np.diff(curve) <= 1e-10 * curve[0]), np.diff(curve).max()
    assert curve[-1] < 0.5 * curve[0]


def test_sparse_equals_dense():
    X = _lowrank() * (np.random.default_rng(5).random((200, 50)) < 0.4)
    for beta in ["frobenius", "kullback-leibler"]:
        kw = dict(n_components=3, views=[30, 20], view_weights=[1.0, 2.0], beta_loss=beta,
                  solver="mu", max_iter=50, tol=0, random_state=0)
        a = CollectiveNMF(**kw).fit(X)
        b = CollectiveNMF(**kw).fit(sp.csr_matrix(X))
        assert _rel(b.components_, a.components_) < 1e-9
        assert _rel(b.transform_view(sp.csr_matrix(X[:, 30:]), 1),
                    a.transform_view(X[:, 30:], 1)) < 1e-9


def test_transform_view_is_sklearn_transform_with_that_basis():
    X = _lowrank(seed=6)
    nmf = CollectiveNMF(4, views={"img": 30, "txt": 20}, solver="mu", max_iter=300, tol=0,
                        random_state=0).fit(X)
    ref, _, _ = _sk_nmf(X[:, 30:], n_components=4, solver="mu", max_iter=300, tol=0,
                        random_state=0)
    ref.components_ = nmf.view_components_[1]
    np.testing.assert_allclose(nmf.transform_view(X[:, 30:], "txt"), ref.transform(X[:, 30:]),
                               rtol=1e-10, atol=1e-12)
    # One view alone recovers the shared coefficients of the full rows.
    W = nmf.transform(X)
    assert _rel(nmf.transform_view(X[:, 30:], "txt"), W) < 0.15


def test_non_negative_error_names_view_and_dtype():
    X = _lowrank()
    X[3, 40] = -1.0
    with pytest.raises(ValueError, match="Negative values in data passed to.*'txt'"):
        CollectiveNMF(views={"img": 30, "txt": 20}).fit(X)
    with pytest.raises(ValueError, match="Negative values in data passed to.*'view1'"):
        CollectiveNMF().fit(sp.csr_matrix(X))
    nmf = CollectiveNMF(3, views=[30, 20]).fit(np.abs(X).astype(np.float32))
    assert nmf.components_.dtype == np.float32
    assert nmf.transform(np.abs(X).astype(np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="Negative values in data passed to.*transform_view"):
        nmf.transform_view(-np.ones((2, 20)), "view1")
    with pytest.raises(ValueError, match="one weight per view"):
        CollectiveNMF(views=[30, 20], view_weights=[1.0]).fit(np.abs(X))
    with pytest.raises(ValueError, match="not all zero"):
        CollectiveNMF(views=[30, 20], view_weights=[0.0, 0.0]).fit(np.abs(X))
    with pytest.raises(ValueError, match="solver='hals' supports only"):
        CollectiveNMF(beta_loss="kullback-leibler").fit(np.abs(X))


@functools.lru_cache(maxsize=None)
def _load(path):
    return np.loadtxt(path, delimiter=",", skiprows=1)


def _mfeat(root, name):
    a = _load(str(root / f"mfeat-{name}.csv"))
    return a[:, :-1], a[:, -1].astype(int)


@pytest.mark.data_home
@pytest.mark.parametrize("solver, beta", [("mu", "frobenius"), ("hals", "frobenius"),
                                          ("mu", "kullback-leibler")])
def test_mfeat_loss_monotone_and_parity(solver, beta, full_dataset):
    # The three non-negative views: Fourier, pixel, Zernike.
    root = full_dataset("uci_mfeat")
    views = [_mfeat(root, v)[0][::4] for v in ("fou", "pix", "zer")]  # 500 rows
    X = np.hstack(views)
    widths = [v.shape[1] for v in views]
    kw = dict(n_components=10, max_iter=30, tol=0, random_state=0, beta_loss=beta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = CollectiveNMF(views=widths, view_weights="norm", solver=solver, **kw).fit(X)
    curve = np.asarray(ours.loss_curve_)
    assert np.all(np.diff(curve) <= 1e-10 * curve[0]), np.diff(curve).max()
    if beta == "frobenius":
        ref_solver = "cd" if solver == "hals" else "mu"
        plain = CollectiveNMF(views=widths, solver=solver, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            plain.fit(X)
        ref, _, _ = _sk_nmf(X, solver=ref_solver, **kw)
        assert _rel(plain.components_, ref.components_) < 1e-8


def test_callers_sparse_matrix_is_not_reordered():
    X = sp.csr_matrix(_lowrank())
    # unsorted column indices within each row, as some producers leave them
    X = sp.csr_matrix((X.data, X.indices, X.indptr), shape=X.shape)
    for i in range(X.shape[0]):
        a, b = X.indptr[i], X.indptr[i + 1]
        X.indices[a:b] = X.indices[a:b][::-1]
        X.data[a:b] = X.data[a:b][::-1]
    X.has_sorted_indices = False
    before = X.indices.copy()
    CollectiveNMF(n_components=3, views=[30, 20], max_iter=20, tol=0, random_state=0).fit(X)
    np.testing.assert_array_equal(X.indices, before)


def test_automatic_init_counts_only_weighted_views():
    # Five components but only four columns carry weight: the automatic
    # init must fall back to random rather than fail.
    X = _lowrank(d1=4, d2=20)
    est = CollectiveNMF(n_components=5, views=[4, 20], view_weights=[1.0, 0.0],
                        max_iter=20, tol=0, random_state=0).fit(X)
    assert est.components_.shape == (5, 24)


def test_transform_from_a_subset_of_views():
    # Three views; rows that have only two of them.
    rng = np.random.default_rng(7)
    W0 = rng.random((120, 4))
    X = np.hstack([W0 @ rng.random((4, d)) for d in (15, 10, 8)]) + 0.01 * rng.random((120, 33))
    nmf = CollectiveNMF(4, views={"a": 15, "b": 10, "c": 8}, solver="mu", max_iter=300,
                        tol=0, random_state=0).fit(X)
    # All views listed is transform; one listed is the single-view transform.
    np.testing.assert_allclose(nmf.transform_view(X, ["a", "b", "c"]), nmf.transform(X))
    np.testing.assert_allclose(nmf.transform_view(X[:, 15:25], ["b"]),
                               nmf.transform_view(X[:, 15:25], "b"))
    # Two views: scikit-learn's NMF transform with the stacked bases of a and c.
    Xac = np.hstack([X[:, :15], X[:, 25:]])
    ref, _, _ = _sk_nmf(Xac, n_components=4, solver="mu", max_iter=300, tol=0, random_state=0)
    ref.components_ = np.hstack([nmf.view_components_[0], nmf.view_components_[2]])
    np.testing.assert_allclose(nmf.transform_view(Xac, ["a", "c"]), ref.transform(Xac),
                               rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match=r"Views \['a', 'c'\] have 23 features together"):
        nmf.transform_view(X[:, :20], ["a", "c"])
    with pytest.raises(ValueError, match="distinct views"):
        nmf.transform_view(X[:, :30], ["a", "a"])


# --------------------------------------------------------------- device path
def _device1(X):
    xps = pytest.importorskip("array_api_strict")
    return xps, xps.Device("device1"), xps.asarray(X, device=xps.Device("device1"))


@pytest.mark.parametrize(
    "solver, beta, weights",
    [("hals", "frobenius", None), ("mu", "frobenius", [1.0, 3.0]),
     ("mu", "kullback-leibler", None), ("mu", "kullback-leibler", [0.5, 2.0])],
)
def test_device1_fit_equals_numpy(solver, beta, weights):
    # The dense updates run in array_api_strict on its simulated device1 (a
    # silent fall-back to NumPy fails there) and equal the NumPy path.
    from skmm.utils import device, get_namespace, to_numpy

    X = _lowrank(n=60, d1=8, d2=6)
    xps, dev, Xd = _device1(X)
    kw = dict(n_components=3, views=[8, 6], solver=solver, beta_loss=beta,
              view_weights=weights, max_iter=40, tol=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = CollectiveNMF(**kw)
        W_ref = ref.fit_transform(X)
        for est, data in [(CollectiveNMF(**kw), Xd), (CollectiveNMF(device=dev, **kw), X)]:
            W = est.fit_transform(data)
            assert get_namespace(W) is xps and device(W) == dev
            assert isinstance(est.components_, np.ndarray)
            assert all(isinstance(H, np.ndarray) for H in est.view_components_)
            np.testing.assert_allclose(to_numpy(W), W_ref, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(est.components_, ref.components_, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-9)
            assert est.reconstruction_err_ == pytest.approx(ref.reconstruction_err_, rel=1e-9)
            Wt = est.transform(data)
            assert get_namespace(Wt) is xps and device(Wt) == dev
            np.testing.assert_allclose(to_numpy(Wt), ref.transform(X), rtol=1e-8, atol=1e-12)
            Wv = est.transform_view(Xd[:, 8:], "view1")
            assert device(Wv) == dev
            np.testing.assert_allclose(to_numpy(Wv), ref.transform_view(X[:, 8:], "view1"),
                                       rtol=1e-8, atol=1e-12)
            Wl = est.transform_view(Xd, ["view0", "view1"])
            assert device(Wl) == dev
            np.testing.assert_allclose(to_numpy(Wl), ref.transform(X), rtol=1e-8, atol=1e-12)
            Xr = est.inverse_transform(Wt)
            assert device(Xr) == dev
            np.testing.assert_allclose(to_numpy(Xr), ref.inverse_transform(ref.transform(X)),
                                       rtol=1e-8, atol=1e-12)


def test_device1_float32_stays_float32():
    from skmm.utils import to_numpy

    X = _lowrank(n=60, d1=8, d2=6).astype(np.float32)
    xps, dev, Xd = _device1(X)
    est = CollectiveNMF(3, views=[8, 6], max_iter=50, tol=0, random_state=0).fit(Xd)
    ref = CollectiveNMF(3, views=[8, 6], max_iter=50, tol=0, random_state=0).fit(X)
    W = est.transform(Xd)
    assert W.dtype == xps.float32 and est.components_.dtype == np.float32
    np.testing.assert_allclose(to_numpy(W), ref.transform(X), rtol=1e-4, atol=1e-6)


def test_device1_negative_input_names_the_view():
    X = _lowrank(n=20, d1=4, d2=3)
    X[5, 6] = -1.0
    _, _, Xd = _device1(X)
    with pytest.raises(ValueError, match="view 'view1' has minimum -1"):
        CollectiveNMF(2, views=[4, 3]).fit(Xd)


def test_sparse_input_with_a_device_is_refused():
    _, dev, _ = _device1(np.zeros(1))
    X = sp.csr_matrix(_lowrank(n=20, d1=4, d2=3))
    with pytest.raises(TypeError, match="Sparse input cannot be moved"):
        CollectiveNMF(2, views=[4, 3], device=dev).fit(X)
