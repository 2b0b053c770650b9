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


# ------------------------------------------------------- CollectiveNMF, SIFTBoVW
def _nonneg(n=3000, d1=40, d2=25, k=5, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.random((n, k))
    X = np.hstack([W @ rng.random((k, d1)), W @ rng.random((k, d2))])
    return X + 0.01 * rng.random(X.shape)


@pytest.mark.parametrize("solver, beta", [("hals", "frobenius"), ("mu", "frobenius"),
                                          ("mu", "kullback-leibler")])
def test_collective_nmf_on_gpu_equals_cpu(solver, beta):
    from skmm.cross_decomposition import CollectiveNMF

    X = _nonneg()
    kw = dict(n_components=5, views=[40, 25], view_weights=[1.0, 2.0], solver=solver,
              beta_loss=beta, max_iter=50, tol=0, random_state=0)
    ref = CollectiveNMF(**kw)
    W_ref = ref.fit_transform(X)
    for est, data in [(CollectiveNMF(**kw), cp.asarray(X)),
                      (CollectiveNMF(device="gpu", **kw), X)]:
        W = est.fit_transform(data)
        assert _is_cupy(W)
        assert isinstance(est.components_, np.ndarray)
        np.testing.assert_allclose(cp.asnumpy(W), W_ref, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(est.components_, ref.components_, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-8)
        Wt = est.transform(data)
        assert _is_cupy(Wt)
        np.testing.assert_allclose(cp.asnumpy(Wt), ref.transform(X), rtol=1e-6, atol=1e-9)


def test_collective_nmf_float32_on_gpu():
    from skmm.cross_decomposition import CollectiveNMF

    X = _nonneg()
    ref = CollectiveNMF(5, views=[40, 25], max_iter=100, tol=0, random_state=0).fit(X)
    gpu = CollectiveNMF(5, views=[40, 25], max_iter=100, tol=0, random_state=0)
    W = gpu.fit_transform(cp.asarray(X, dtype=cp.float32))
    assert W.dtype == cp.float32 and gpu.components_.dtype == np.float32
    # float32 rounding over 100 sweeps: the same fit quality, not the same digits
    # (the residual norm, not the expanded loss, which cancels in float32)
    assert gpu.reconstruction_err_ == pytest.approx(ref.reconstruction_err_, rel=1e-2)


def _textures(n=6, size=64, seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    return [np.clip(128 + 80 * np.sin(rng.uniform(0.3, 0.6) * (yy if i % 2 else xx))
                    + rng.normal(0, 20, (size, size)), 0, 255).astype(np.uint8)
            for i in range(n)]


@pytest.mark.parametrize("encoding", ["hist", "soft", "vlad", "fisher"])
def test_siftbovw_on_gpu_equals_cpu(encoding):
    pytest.importorskip("cv2")
    from skmm.feature_extraction import SIFTBoVW

    images = _textures()
    kw = dict(n_clusters=8, encoding=encoding, pyramid_levels=1, random_state=0)
    gpu = SIFTBoVW(device="gpu", **kw).fit(images)
    assert isinstance(gpu.cluster_centers_, np.ndarray)
    codes = gpu.transform(images)
    assert isinstance(codes, np.ndarray)  # codes come back to the host
    ref = SIFTBoVW(**kw).fit(images)
    # float32 distances on two BLASes may move a near-tied descriptor during
    # Lloyd's iterations: compare the quantization error, not every codeword.
    assert gpu.distance_scale_ == pytest.approx(ref.distance_scale_, rel=1e-3)
    # One codebook, two devices: the encodings agree (float32 distances).
    cpu_codes = pickle.loads(pickle.dumps(gpu)).set_params(device="cpu").transform(images)
    np.testing.assert_allclose(codes, cpu_codes, rtol=1e-5, atol=1e-6)


_FRESH_PROCESS = """
import pickle, sys
sys.modules["cupy"] = None  # CuPy hidden: `import cupy` raises ImportError
import numpy as np

est = pickle.load(open(sys.argv[1], "rb"))
X = np.load(sys.argv[2], allow_pickle=True)
try:
    est.transform(X)
except ImportError as exc:  # device="gpu" on a machine without CuPy names the extra
    assert "skmm[gpu]" in str(exc), exc
else:
    raise AssertionError("device='gpu' without CuPy must raise ImportError")
out = est.set_params(device="auto").transform(X)  # "auto" falls back to the CPU
assert type(out) is np.ndarray
np.testing.assert_allclose(out, np.load(sys.argv[3]), rtol=1e-6, atol=1e-9)
print("ok")
"""


@pytest.mark.parametrize("kind", ["nmf", "bovw"])
def test_gpu_fitted_model_predicts_in_a_fresh_process_without_cupy(tmp_path, kind):
    import subprocess
    import sys

    if kind == "nmf":
        from skmm.cross_decomposition import CollectiveNMF

        X = _nonneg(n=500)
        est = CollectiveNMF(5, views=[40, 25], max_iter=200, random_state=0,
                            device="gpu").fit(X)
        expected = cp.asnumpy(est.transform(X))
    else:
        pytest.importorskip("cv2")
        from skmm.feature_extraction import SIFTBoVW

        X = np.stack(_textures())
        est = SIFTBoVW(n_clusters=8, encoding="vlad", random_state=0, device="gpu").fit(X)
        expected = est.transform(X)
    with open(tmp_path / "model.pkl", "wb") as fh:
        pickle.dump(est, fh)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "expected.npy", expected)
    run = subprocess.run([sys.executable, "-c", _FRESH_PROCESS, str(tmp_path / "model.pkl"),
                          str(tmp_path / "X.npy"), str(tmp_path / "expected.npy")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr


def test_mfcc_on_gpu_equals_cpu():
    from skmm.feature_extraction import MFCC

    rng = np.random.default_rng(0)
    clips = [0.1 * rng.standard_normal(n) for n in (3000, 4100, 8000, 12000)]
    params = dict(sr=8000, n_mfcc=13, n_fft=256, hop_length=80, n_mels=40, deltas=1)
    ref = MFCC(**params).fit(clips)
    gpu = MFCC(**params, device="gpu").fit(clips)
    X = gpu.transform(clips)
    assert _is_cupy(X)
    np.testing.assert_allclose(cp.asnumpy(X), ref.transform(X=clips), rtol=1e-9, atol=1e-9)
    frames = gpu.transform_frames(clips)
    assert all(_is_cupy(F) for F in frames)


@pytest.mark.parametrize("approximation", ["exact", "nystroem", "rff"])
def test_kernel_cca_on_gpu_equals_cpu(approximation):
    from skmm.cross_decomposition import KernelCCA

    X = np.abs(_views(300)[:, :8])
    params = dict(views=[5, 3], gamma=0.3, approximation=approximation,
                  n_approx_components=60, random_state=0)
    ref = KernelCCA(2, **params).fit(X)
    gpu = KernelCCA(2, **params, device="gpu").fit(X)
    np.testing.assert_allclose(gpu.canonical_correlations_, ref.canonical_correlations_,
                               rtol=1e-7)
    Z = gpu.transform(X)
    assert _is_cupy(Z)
    np.testing.assert_allclose(cp.asnumpy(Z), ref.transform(X), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "inner", "hamming"])
def test_top_k_on_gpu_equals_cpu(metric):
    from skmm.retrieval import top_k

    rng = np.random.default_rng(0)
    if metric == "hamming":  # 9 bytes: byte words; 16 bytes: uint64 words
        for n_bytes in (9, 16):
            Q = rng.integers(0, 256, (50, n_bytes), dtype=np.uint8)
            I = rng.integers(0, 256, (3000, n_bytes), dtype=np.uint8)
            idx, s = top_k(Q, I, 25, metric=metric, engine="numpy", block_size=700)
            gi, gs = top_k(cp.asarray(Q), cp.asarray(I), 25, metric=metric, block_size=700)
            assert _is_cupy(gi)
            np.testing.assert_array_equal(cp.asnumpy(gi), idx)
            np.testing.assert_array_equal(cp.asnumpy(gs), s)
        return
    Q = rng.integers(-2, 3, (50, 6)).astype(np.float64)  # many exact ties
    I = rng.integers(-2, 3, (3000, 6)).astype(np.float64)
    idx, s = top_k(Q, I, 25, metric=metric, block_size=700)
    gi, gs = top_k(cp.asarray(Q), cp.asarray(I), 25, metric=metric, block_size=700)
    assert _is_cupy(gi)
    np.testing.assert_array_equal(cp.asnumpy(gi), idx)
    np.testing.assert_allclose(cp.asnumpy(gs), s, rtol=1e-12, atol=1e-12)


def test_bitwise_count_cupy_kernel_and_builtin():
    from skmm.utils._array_api import _cupy_popcount_kernel, bitwise_count, get_namespace

    words = cp.asarray(np.array([0, 1, 2**64 - 1, 2**63 + 5], dtype=np.uint64))
    xp = get_namespace(words)
    np.testing.assert_array_equal(cp.asnumpy(bitwise_count(xp, words)), [0, 1, 64, 3])
    np.testing.assert_array_equal(cp.asnumpy(_cupy_popcount_kernel()(words)), [0, 1, 64, 3])
    small = cp.arange(256, dtype=cp.uint8)
    np.testing.assert_array_equal(cp.asnumpy(_cupy_popcount_kernel()(small)),
                                  [bin(i).count("1") for i in range(256)])


def test_collective_nmf_sparse_on_gpu_equals_cpu():
    # SciPy CSR input with device="gpu" becomes one cupyx CSR matrix; the fit
    # equals the CPU fit on the same sparse matrix.
    import scipy.sparse as sp

    from skmm.cross_decomposition import CollectiveNMF

    X = _nonneg(n=1000)
    X[X < np.quantile(X, 0.6)] = 0.0
    Xs = sp.csr_matrix(X)
    kw = dict(n_components=5, views=[40, 25], max_iter=50, tol=0, random_state=0)
    ref = CollectiveNMF(**kw)
    W_ref = ref.fit_transform(Xs)
    gpu = CollectiveNMF(device="gpu", **kw)
    W = gpu.fit_transform(Xs)
    assert _is_cupy(W) and isinstance(gpu.components_, np.ndarray)
    np.testing.assert_allclose(cp.asnumpy(W), W_ref, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(gpu.components_, ref.components_, rtol=1e-6, atol=1e-9)


def test_triplet_embedding_on_gpu_equals_cpu():
    # Triplets are drawn on the host, so the GPU fit takes the same gradient
    # steps as the CPU fit.
    from skmm.cross_decomposition import TripletEmbedding

    X = _views(n=400)[:, :35]
    y = (X[:, 0] > 0).astype(int)
    kw = dict(n_components=2, views=[20, 15], max_iter=5, random_state=0)
    ref = TripletEmbedding(**kw).fit(X, y)
    for est, data in [(TripletEmbedding(**kw), cp.asarray(X)),
                      (TripletEmbedding(device="gpu", **kw), X)]:
        est.fit(data, y)
        assert all(isinstance(w, np.ndarray) for w in est.weights_)
        Z = est.transform(data)
        assert _is_cupy(Z)
        np.testing.assert_allclose(cp.asnumpy(Z), ref.transform(X), rtol=1e-7, atol=1e-9)
        loaded = pickle.loads(pickle.dumps(est))
        np.testing.assert_allclose(loaded.transform(X), ref.transform(X), rtol=1e-7,
                                   atol=1e-9)


@pytest.mark.parametrize("algorithm", ["joint", "co-em"])
def test_multiview_kmeans_on_gpu_equals_cpu(algorithm):
    from skmm.cluster import MultiViewKMeans

    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 200)
    X = np.hstack([y[:, None] * 3.0 + rng.normal(size=(600, 4)),
                   y[:, None] * 2.0 + rng.normal(size=(600, 2))])
    params = dict(n_clusters=3, views=[4, 2], algorithm=algorithm, n_init=3, random_state=0)
    ref = MultiViewKMeans(**params).fit(X)
    est = MultiViewKMeans(**params, device="gpu").fit(X)
    assert isinstance(est.cluster_centers_, np.ndarray)
    np.testing.assert_array_equal(est.labels_, ref.labels_)
    np.testing.assert_allclose(est.cluster_centers_, ref.cluster_centers_, rtol=1e-9)
    np.testing.assert_allclose(est.inertia_, ref.inertia_, rtol=1e-9)
    pred = est.predict(X)
    assert _is_cupy(pred)
    np.testing.assert_array_equal(cp.asnumpy(pred), ref.labels_)
