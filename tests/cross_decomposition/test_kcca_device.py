"""KernelCCA on array-api-strict's simulated ``device1`` and its RFF map."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skmm.cross_decomposition import KernelCCA
from skmm.utils.estimator_checks import check_array_api_device


def _views(n=120, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(-1, 1, size=(n, 1))
    a = np.hstack([t, rng.uniform(0, 1, size=(n, 2))])
    b = np.hstack([t ** 2 + 0.05 * rng.normal(size=(n, 1)), rng.uniform(0, 1, size=(n, 1))])
    return np.abs(np.hstack([a, b])) + 0.01  # non-negative for chi2 / intersection


CASES = [
    dict(approximation="exact", gamma=2.0),
    dict(approximation="exact", kernel=[("view0", "chi2"), ("view1", "poly")], gamma="scale"),
    dict(approximation="nystroem", n_approx_components=40, random_state=0),
    dict(approximation="nystroem", n_approx_components=30, kernel="intersection",
         random_state=0, combine="mean"),
    dict(approximation="rff", n_approx_components=50, gamma="scale", random_state=0),
]


@pytest.mark.parametrize("params", CASES, ids=str)
def test_kcca_on_device1_equals_numpy(params):
    pytest.importorskip("array_api_strict")
    check_array_api_device(KernelCCA(2, views=[3, 2], **params), _views(),
                           rtol=1e-7, atol=1e-9)


def test_kcca_device_switch_computes_on_device1(monkeypatch):
    xps = pytest.importorskip("array_api_strict")
    from skmm.utils import to_numpy
    from skmm.utils._array_api import device

    X = _views()
    ref = KernelCCA(2, views=[3, 2], gamma=2.0).fit(X)
    dev = xps.Device("device1")
    # The kernel matrices must be computed on device1, never from NumPy arrays.
    import skmm.utils._kernel_spec as ks

    seen = []
    real = ks.pairwise_kernel

    def spy(xp, *args, **kw):
        seen.append(xp)
        return real(xp, *args, **kw)

    monkeypatch.setattr(ks, "pairwise_kernel", spy)
    est = KernelCCA(2, views=[3, 2], gamma=2.0, device=dev).fit(X)
    Z = est.transform(X)
    assert seen and all(xp is xps for xp in seen)
    assert device(Z) == dev
    assert_allclose(est.canonical_correlations_, ref.canonical_correlations_, rtol=1e-9)
    assert_allclose(to_numpy(Z), ref.transform(X), rtol=1e-7, atol=1e-9)
    assert est.score(X) == pytest.approx(ref.score(X), rel=1e-9)


def test_rff_map_equals_sklearn_rbfsampler():
    from sklearn.kernel_approximation import RBFSampler

    X = _views(200, 1)
    kcca = KernelCCA(1, views=[3, 2], gamma=0.7, approximation="rff",
                     n_approx_components=64, random_state=0).fit(X)
    seed = np.random.RandomState(0).randint(2**31)  # the first view's seed
    ref = RBFSampler(gamma=0.7, n_components=64, random_state=seed).fit(X[:, :3])
    assert_allclose(kcca.feature_maps_[0].transform(X[:, :3]), ref.transform(X[:, :3]),
                    rtol=1e-12, atol=1e-12)
