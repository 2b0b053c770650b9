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
