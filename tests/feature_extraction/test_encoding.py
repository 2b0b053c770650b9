"""Codebook and encoders of skmm.feature_extraction._encoding, against NumPy/sklearn references."""

import numpy as np
import pytest
from sklearn.metrics import pairwise_distances, pairwise_distances_argmin
from sklearn.mixture import GaussianMixture

from skmm.cluster import kmeans
from skmm.feature_extraction import SIFTBoVW, fisher_vector, soft_assignments, vlad
from skmm.feature_extraction import _encoding as enc
from skmm.utils import get_namespace

xp = get_namespace(np.zeros(1))


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    D = rng.normal(size=(300, 16))
    C = rng.normal(size=(7, 16))
    pos = rng.random((300, 2))
    return D, C, pos


def test_hist_equals_argmin_bincount(data):
    D, C, pos = data
    ref = np.bincount(pairwise_distances_argmin(D, C), minlength=len(C)).astype(float)
    got = enc.encode_image(xp, D, pos, encoding="hist", centers=C)
    np.testing.assert_array_equal(got, ref)


def test_hist_through_estimator(data):
    D, C, pos = data
    sets = [(D[:100], pos[:100]), (D[100:], pos[100:]), (D[:0], pos[:0])]
    est = SIFTBoVW(n_clusters=7, random_state=0).fit_descriptors(sets)
    ref = np.stack([np.bincount(pairwise_distances_argmin(d.astype(np.float32),
                                                          est.cluster_centers_),
                                minlength=7) for d, _ in sets[:2]])
    ref = ref / ref.sum(axis=1, keepdims=True)
    out = est.transform_descriptors(sets)
    np.testing.assert_allclose(out[:2], ref, rtol=1e-12)
    np.testing.assert_array_equal(out[2], 0)  # no descriptors -> zero row


@pytest.mark.parametrize("k_nearest", [3, 7])
def test_soft_assignment_matches_loop(data, k_nearest):
    D, C, _ = data
    beta = 0.3
    got = soft_assignments(D, C, beta=beta, k_nearest=k_nearest)
    d2 = pairwise_distances(D, C) ** 2
    ref = np.zeros_like(d2)
    for i in range(len(D)):
        near = np.argsort(d2[i])[:k_nearest]
        w = np.exp(-beta * d2[i, near])
        ref[i, near] = w / w.sum()
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got.sum(axis=1), 1.0)


@pytest.mark.parametrize("intra_norm", [False, True])
def test_vlad_matches_loop(data, intra_norm):
    D, C, _ = data
    labels = pairwise_distances_argmin(D, C)
    ref = np.zeros_like(C)
    for d, k in zip(D, labels):
        ref[k] += d - C[k]
    if intra_norm:
        norms = np.linalg.norm(ref, axis=1, keepdims=True)
        ref = ref / np.where(norms > 0, norms, 1)
    got = vlad(D, C, intra_norm=intra_norm)
    np.testing.assert_allclose(got, ref.ravel(), rtol=1e-10, atol=1e-12)


def test_fisher_closed_form_standard_normal():
    # One component N(0, I): G_mu = mean(x), G_sigma = mean(x^2 - 1) / sqrt(2).
    rng = np.random.default_rng(0)
    D = rng.normal(loc=0.5, size=(200, 4))
    fv = fisher_vector(D, np.ones(1), np.zeros((1, 4)), np.ones((1, 4)))
    np.testing.assert_allclose(fv[:4], D.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(fv[4:], (D**2 - 1).mean(axis=0) / np.sqrt(2), rtol=1e-12)


def test_fisher_matches_loop_with_sklearn_posteriors(data):
    D, _, _ = data
    gmm = GaussianMixture(3, covariance_type="diag", random_state=0).fit(D)
    w, mu, var = gmm.weights_, gmm.means_, gmm.covariances_
    gamma = gmm.predict_proba(D)
    np.testing.assert_allclose(enc.gmm_posteriors(xp, D, w, mu, var), gamma, atol=1e-10)
    n = len(D)
    ref_mu = np.zeros_like(mu)
    ref_var = np.zeros_like(mu)
    for i in range(n):
        for k in range(3):
            z = (D[i] - mu[k]) / np.sqrt(var[k])
            ref_mu[k] += gamma[i, k] * z
            ref_var[k] += gamma[i, k] * (z**2 - 1)
    ref_mu /= n * np.sqrt(w)[:, None]
    ref_var /= n * np.sqrt(2 * w)[:, None]
    got = fisher_vector(D, w, mu, var)
    np.testing.assert_allclose(got, np.concatenate([ref_mu.ravel(), ref_var.ravel()]),
                               rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("L", [0, 1, 2, 3])
def test_pyramid_weights_lazebnik(L):
    w = enc.pyramid_level_weights(L)
    expected = [1.0] if L == 0 else [1 / 2**L] + [1 / 2 ** (L - l + 1) for l in range(1, L + 1)]
    assert w == expected
    if L == 2:
        assert w == [0.25, 0.25, 0.5]
    assert enc.n_pyramid_cells(L) == sum(4**l for l in range(L + 1))


def test_pyramid_hist_counts_per_cell():
    # 4 descriptors, one per quadrant, all nearest to codeword 0 except the last.
    C = np.array([[0.0, 0.0], [10.0, 10.0]])
    D = np.array([[0.1, 0.0], [0.0, 0.1], [0.2, 0.0], [9.0, 9.0]])
    pos = np.array([[0.1, 0.1], [0.9, 0.1], [0.1, 0.9], [0.9, 0.9]])
    got = enc.encode_image(xp, D, pos, encoding="hist", centers=C, levels=1)
    # level 0 (weight 1/2): [3, 1]; level 1 cells (weight 1/2), row-major:
    # top-left [1,0], top-right [1,0], bottom-left [1,0], bottom-right [0,1]
    expected = 0.5 * np.array([3, 1, 1, 0, 1, 0, 1, 0, 0, 1], dtype=float)
    np.testing.assert_array_equal(got, expected)


def test_pyramid_level0_block_is_weighted_plain_code(data):
    D, C, pos = data
    for encoding in ("hist", "soft", "vlad"):
        plain = enc.encode_image(xp, D, pos, encoding=encoding, centers=C, levels=0)
        pyr = enc.encode_image(xp, D, pos, encoding=encoding, centers=C, levels=2)
        assert pyr.shape == (plain.shape[0] * 21,)
        np.testing.assert_allclose(pyr[:plain.shape[0]], 0.25 * plain, rtol=1e-12)


def test_normalize_rows():
    V = np.array([[3.0, -4.0], [0.0, 0.0], [1.0, 3.0]])
    np.testing.assert_allclose(enc.normalize_rows(xp, V, "l1"),
                               [[3 / 7, -4 / 7], [0, 0], [0.25, 0.75]])
    np.testing.assert_allclose(enc.normalize_rows(xp, V, "l2"),
                               [[0.6, -0.8], [0, 0], np.array([1, 3]) / np.sqrt(10)])
    p = np.array([np.sqrt(3), -2.0])
    np.testing.assert_allclose(enc.normalize_rows(xp, V, "power")[0], p / np.linalg.norm(p))
    np.testing.assert_allclose(enc.normalize_rows(xp, V, "hellinger"),
                               [[np.sqrt(3 / 7), -np.sqrt(4 / 7)], [0, 0], [0.5, np.sqrt(0.75)]])
    assert enc.normalize_rows(xp, V, None) is V
    for method in ("l1", "l2", "power", "hellinger"):
        assert np.all(enc.normalize_rows(xp, V, method)[1] == 0)


def test_encoders_stay_on_array_api_strict_device():
    xps = pytest.importorskip("array_api_strict")
    dev = xps.Device("device1")
    rng = np.random.default_rng(0)
    D_np, C_np, pos_np = rng.normal(size=(60, 8)), rng.normal(size=(5, 8)), rng.random((60, 2))
    D, C, pos = (xps.asarray(a, device=dev) for a in (D_np, C_np, pos_np))
    ns = get_namespace(D)
    gmm_np = (np.full(5, 0.2), C_np, np.ones((5, 8)))
    gmm = tuple(xps.asarray(a, device=dev) for a in gmm_np)
    for encoding in ("hist", "soft", "vlad", "fisher"):
        out = enc.encode_image(ns, D, pos, encoding=encoding, centers=C, levels=1, gmm=gmm)
        assert out.device == dev and get_namespace(out) is ns
        ref = enc.encode_image(xp, D_np, pos_np, encoding=encoding, centers=C_np, levels=1,
                               gmm=gmm_np)
        np.testing.assert_allclose(np.asarray(out.to_device(xps.Device("CPU_DEVICE"))), ref,
                                   rtol=1e-10, atol=1e-12)
    centers, _, inertia, _ = kmeans(D, 5, random_state=0)
    assert centers.device == dev
    assert inertia == pytest.approx(kmeans(D_np, 5, random_state=0)[2], rel=1e-10)
    normed = enc.normalize_rows(ns, xps.stack([D[0, ...], D[1, ...]]), "power")
    assert normed.device == dev


def test_public_encoders_follow_the_input_namespace(data):
    xps = pytest.importorskip("array_api_strict")
    from skmm.feature_extraction import hard_assignments

    dev, cpu = xps.Device("device1"), xps.Device("CPU_DEVICE")
    D_np, C_np, _ = data
    D, C = xps.asarray(D_np, device=dev), xps.asarray(C_np, device=dev)
    w_np, var_np = np.full(7, 1 / 7), np.ones((7, 16))
    w, var = xps.asarray(w_np, device=dev), xps.asarray(var_np, device=dev)
    pairs = [
        (hard_assignments(D, C), hard_assignments(D_np, C_np)),
        (soft_assignments(D, C, beta=0.3, k_nearest=3),
         soft_assignments(D_np, C_np, beta=0.3, k_nearest=3)),
        (vlad(D, C), vlad(D_np, C_np)),
        (fisher_vector(D, w, C, var), fisher_vector(D_np, w_np, C_np, var_np)),
    ]
    for got, ref in pairs:
        assert got.device == dev
        np.testing.assert_allclose(np.asarray(got.to_device(cpu)), ref, rtol=1e-10, atol=1e-12)
    ref = np.bincount(pairwise_distances_argmin(D_np, C_np), minlength=7)
    np.testing.assert_array_equal(hard_assignments(D_np, C_np).sum(axis=0), ref)


def test_public_encoders_check_shapes(data):
    from skmm.feature_extraction import hard_assignments

    D, C, _ = data
    with pytest.raises(ValueError, match=r"codebook must have shape \(k, 16\) to match the "
                                         r"descriptors, got \(7, 15\)"):
        hard_assignments(D, C[:, :15])
    with pytest.raises(ValueError, match=r"assignments must have shape \(300, 7\)"):
        vlad(D, C, assignments=np.ones((300, 6)))
    with pytest.raises(ValueError, match="variances must be positive"):
        fisher_vector(D, np.full(7, 1 / 7), C, np.zeros((7, 16)))
    with pytest.raises(ValueError, match="descriptors must be 2-D"):
        soft_assignments(D[0], C)
