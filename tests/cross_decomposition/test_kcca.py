"""KernelCCA: linear kernel equals CCA; nonlinear relations recovered."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skmm.cross_decomposition import CCA, KernelCCA


def _linear_views(n=300, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 2))
    X1 = np.c_[z, rng.normal(size=(n, 3))] @ rng.normal(size=(5, 5)) + 1.0
    X2 = np.c_[z + 0.7 * rng.normal(size=(n, 2)), rng.normal(size=(n, 2))] @ rng.normal(
        size=(4, 4))
    return np.hstack([X1, X2])


def _quadratic_views(n, seed):
    # y depends on x only through x^2: linearly uncorrelated, kernel-correlated
    rng = np.random.default_rng(seed)
    t = rng.uniform(-1, 1, size=n)
    X1 = np.c_[t, 0.3 * rng.normal(size=n)]
    X2 = np.c_[t**2 + 0.05 * rng.normal(size=n), 0.3 * rng.normal(size=n)]
    return np.hstack([X1, X2])


@pytest.mark.parametrize("reg", [0.0, 0.1])
def test_linear_kernel_equals_cca(reg):
    X = _linear_views()
    kcca = KernelCCA(2, views=[5, 4], kernel="linear", reg=reg).fit(X)
    cca = CCA(2, views=[5, 4], reg=reg).fit(X)
    assert_allclose(kcca.canonical_correlations_, cca.canonical_correlations_, rtol=1e-8)
    # same projections up to sign, also out of sample
    Xt = _linear_views(seed=1)
    Zk, Zc = kcca.transform(Xt), cca.transform(Xt)
    for j in range(4):
        assert abs(np.corrcoef(Zk[:, j], Zc[:, j])[0, 1]) == pytest.approx(1, abs=1e-8)


@pytest.mark.parametrize("approximation, extra", [
    ("exact", {}),
    ("nystroem", {"n_approx_components": 100}),
    ("rff", {"n_approx_components": 200}),
])
def test_recovers_quadratic_relation_better_than_linear(approximation, extra):
    train, test = _quadratic_views(400, 0), _quadratic_views(400, 1)
    lin = CCA(1, views=[2, 2]).fit(train)
    kcca = KernelCCA(1, views=[2, 2], gamma=1.0, reg=0.1, approximation=approximation,
                     random_state=0, **extra).fit(train)
    assert lin.score(test) < 0.2
    assert kcca.score(test) > 0.85
    # out-of-sample transform of one view matches the full transform
    assert_allclose(kcca.transform_view(test[:, 2:], 1), kcca.transform(test)[:, 1:])


def test_poly_kernel_and_bad_input():
    train, test = _quadratic_views(300, 0), _quadratic_views(300, 1)
    kcca = KernelCCA(1, views=[2, 2], kernel="poly", degree=2, reg=0.1).fit(train)
    assert kcca.score(test) > 0.85
    with pytest.raises(ValueError, match="approximation='rff' needs kernel='rbf'"):
        KernelCCA(views=[2, 2], kernel="poly", approximation="rff").fit(train)
    with pytest.raises(ValueError, match="n_components=3 exceeds the 2 kernel feature"):
        KernelCCA(3, views=[2, 2], kernel="linear").fit(train)
    with pytest.raises(ValueError, match="exactly two views"):
        KernelCCA(views=[2, 1, 1]).fit(train)


# --- per-view kernels (the specification shared with skmm.svm) ---------------
def _histogram_views(n=120, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(size=n)
    H = np.c_[t, 1 - t, 0.2 * rng.uniform(size=n)] + 0.05 * rng.uniform(size=(n, 3))
    return np.hstack([H / H.sum(axis=1, keepdims=True),
                      np.c_[np.sin(3 * t), 0.1 * rng.normal(size=n)]])


def test_per_view_kernels_match_sklearn_kernels():
    from sklearn.metrics.pairwise import chi2_kernel, rbf_kernel

    from skmm.svm import ViewKernel

    X = _histogram_views()
    kcca = KernelCCA(1, views={"hist": 3, "wave": 2},
                     kernel=[("hist", ViewKernel("chi2", gamma=0.5)),
                             ("wave", ViewKernel("rbf", gamma=2.0))]).fit(X)
    assert kcca.kernel_params_ == [{"kernel": "chi2", "gamma": 0.5},
                                   {"kernel": "rbf", "gamma": 2.0}]
    n = len(X)
    H = np.eye(n) - 1.0 / n
    for i, (A, K) in enumerate([(X[:, :3], chi2_kernel(X[:, :3], gamma=0.5)),
                                (X[:, 3:], rbf_kernel(X[:, 3:], gamma=2.0))]):
        F = kcca.feature_maps_[i].transform(A)  # kernel PCA features: F F^T = H K H
        assert_allclose(F @ F.T, H @ K @ H, atol=1e-8)
    assert kcca.canonical_correlations_[0] > 0.9
    # one ViewKernel for both views equals the old scalar parameters
    a = KernelCCA(1, views=[3, 2], gamma=2.0).fit(X)
    b = KernelCCA(1, views=[3, 2], kernel=ViewKernel("rbf", gamma=2.0)).fit(X)
    assert_allclose(a.transform(X), b.transform(X), rtol=1e-12)


def test_nystroem_equals_sklearn_nystroem():
    from sklearn.kernel_approximation import Nystroem

    X = _quadratic_views(300, 0)
    kcca = KernelCCA(1, views=[2, 2], gamma=1.5, approximation="nystroem",
                     n_approx_components=50, random_state=0).fit(X)
    seed = np.random.RandomState(0).randint(2**31)  # the first view's seed
    ref = Nystroem(gamma=1.5, n_components=50, random_state=seed).fit(X[:, :2])
    assert_allclose(kcca.feature_maps_[0].transform(X[:, :2]), ref.transform(X[:, :2]),
                    atol=1e-10)
    # chi2 and intersection, which sklearn's Nystroem does not take by name
    H = _histogram_views()
    hk = KernelCCA(1, views=[3, 2], kernel=[("view0", "intersection"), ("view1", "rbf")],
                   approximation="nystroem", n_approx_components=40, random_state=0).fit(H)
    assert hk.transform(H).shape == (len(H), 2)


def test_grid_search_reaches_a_views_gamma():
    from sklearn.model_selection import GridSearchCV

    from skmm.svm import ViewKernel

    train = _quadratic_views(200, 0)
    kcca = KernelCCA(1, views={"x": 2, "y": 2},
                     kernel=[("x", ViewKernel("rbf")), ("y", ViewKernel("rbf"))])
    grid = GridSearchCV(kcca, {"x__gamma": [0.01, 1.0]}, cv=3).fit(train)
    assert grid.best_params_ == {"x__gamma": 1.0}


def test_per_view_kernel_bad_input_names_the_view():
    from skmm.svm import ViewKernel

    H = _histogram_views()
    with pytest.raises(ValueError, match="unknown kernel 'chi' for view 'wave'"):
        KernelCCA(views={"hist": 3, "wave": 2},
                  kernel=[("hist", "chi2"), ("wave", "chi")]).fit(H)
    with pytest.raises(ValueError, match="view 'wave' has negative values"):
        KernelCCA(views={"hist": 3, "wave": 2}, kernel="chi2").fit(H)
    with pytest.raises(ValueError, match="does not support kernel 'precomputed'"):
        KernelCCA(views=[3, 2], kernel=ViewKernel("precomputed")).fit(H)
    with pytest.raises(ValueError, match="needs kernel='rbf', got kernel='chi2' for view 'h'"):
        KernelCCA(views={"h": 3, "w": 2}, kernel=[("h", "chi2"), ("w", "rbf")],
                  approximation="rff").fit(H)
