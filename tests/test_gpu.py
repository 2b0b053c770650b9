"""The array-API numeric cores on a real GPU through CuPy.

Skipped without CuPy or a CUDA device; on CPU the same code paths are tested
with array-api-strict's simulated device (see the per-module tests).
"""

import pickle

import numpy as np
import pytest

cp = pytest.importorskip("cupy")
try:
    _N_DEVICES = cp.cuda.runtime.getDeviceCount()
except Exception:  # no driver / no device
    _N_DEVICES = 0

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(_N_DEVICES == 0, reason="no CUDA device")]

from skmm.cluster import kmeans  # noqa: E402
from skmm.cross_decomposition import CCA, MCCA  # noqa: E402
from skmm.feature_extraction import _encoding as enc  # noqa: E402
from skmm.utils import get_namespace, to_numpy  # noqa: E402


def _views(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 3))
    a = z @ rng.normal(size=(3, 20)) + rng.normal(size=(n, 20))
    b = z @ rng.normal(size=(3, 15)) + rng.normal(size=(n, 15))
    c = z @ rng.normal(size=(3, 10)) + rng.normal(size=(n, 10))
    return np.hstack([a, b, c])


def _is_cupy(x):
    return type(x).__module__.startswith("cupy")


def test_cca_on_gpu_equals_cpu():
    X = _views()[:, :35]
    ref = CCA(3, views=[20, 15], reg=0.01).fit(X)
    gpu = CCA(3, views=[20, 15], reg=0.01).fit(cp.asarray(X))
    assert isinstance(gpu.weights_[0], np.ndarray)  # fitted state is NumPy
    np.testing.assert_allclose(gpu.canonical_correlations_, ref.canonical_correlations_,
                               rtol=1e-9)
    Z = gpu.transform(cp.asarray(X))
    assert _is_cupy(Z)
    np.testing.assert_allclose(cp.asnumpy(Z), ref.transform(X), rtol=1e-7, atol=1e-9)
    Zv = gpu.transform_view(cp.asarray(X[:, 20:]), 1)
    assert _is_cupy(Zv)
    # A model fitted on GPU pickles to NumPy state and works on CPU input.
    loaded = pickle.loads(pickle.dumps(gpu))
    np.testing.assert_allclose(loaded.transform(X), ref.transform(X), rtol=1e-7, atol=1e-9)


def test_cca_partial_fit_on_gpu():
    X = _views()[:, :35]
    ref = CCA(2, views=[20, 15]).fit(X)
    gpu = CCA(2, views=[20, 15])
    for chunk in np.array_split(X, 5):
        gpu.partial_fit(cp.asarray(chunk))
    np.testing.assert_allclose(gpu.canonical_correlations_, ref.canonical_correlations_,
                               rtol=1e-9)


def test_cca_float32_on_gpu():
    X = _views()[:, :35].astype(np.float32)
    ref = CCA(2, views=[20, 15], reg=0.01).fit(X.astype(np.float64))
    gpu = CCA(2, views=[20, 15], reg=0.01).fit(cp.asarray(X))
    np.testing.assert_allclose(gpu.canonical_correlations_, ref.canonical_correlations_,
                               rtol=1e-4)


def test_mcca_on_gpu_equals_cpu():
    X = _views()
    ref = MCCA(2, views=[20, 15, 10], reg=0.01).fit(X)
    gpu = MCCA(2, views=[20, 15, 10], reg=0.01).fit(cp.asarray(X))
    np.testing.assert_allclose(gpu.eigenvalues_, ref.eigenvalues_, rtol=1e-8)
    np.testing.assert_allclose(cp.asnumpy(gpu.transform(cp.asarray(X))), ref.transform(X),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("encoding", ["hist", "soft", "vlad", "fisher"])
def test_encoders_on_gpu_equal_cpu(encoding):
    rng = np.random.default_rng(0)
    D, C, pos = rng.normal(size=(500, 16)), rng.normal(size=(8, 16)), rng.random((500, 2))
    gmm = (np.full(8, 1 / 8), C, np.ones((8, 16)))
    xp_np = get_namespace(D)
    ref = enc.encode_image(xp_np, D, pos, encoding=encoding, centers=C, levels=1, gmm=gmm)
    Dg, Cg, pg = cp.asarray(D), cp.asarray(C), cp.asarray(pos)
    xp = get_namespace(Dg)
    out = enc.encode_image(xp, Dg, pg, encoding=encoding, centers=Cg, levels=1,
                           gmm=tuple(cp.asarray(a) for a in gmm))
    assert _is_cupy(out)
    np.testing.assert_allclose(to_numpy(out), ref, rtol=1e-8, atol=1e-10)


def test_kmeans_on_gpu_equals_cpu():
    rng = np.random.default_rng(1)
    D = rng.normal(size=(3000, 16))
    c_cpu, _, inertia_cpu, _ = kmeans(D, 10, random_state=0)
    Dg = cp.asarray(D)
    c_gpu, _, inertia_gpu, _ = kmeans(Dg, 10, random_state=0)
    assert _is_cupy(c_gpu)
    assert float(inertia_gpu) == pytest.approx(float(inertia_cpu), rel=1e-6)
