"""CCA and MCCA: values against scikit-learn, closed forms and real views."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.cross_decomposition import CCA as SklearnCCA
from sklearn.covariance import ledoit_wolf_shrinkage
from sklearn.model_selection import GridSearchCV

from skmm.cross_decomposition import CCA, MCCA
from skmm.cross_decomposition._moments import Moments


def _latent_views(n=400, d1=6, d2=5, rhos=(0.9, 0.6, 0.3), seed=0):
    """Two views with known canonical correlations ``rhos``.

    (z1, z2) pairs are unit-variance with corr(z1_j, z2_j) = rho_j; the views are
    invertible linear maps of [z, independent noise], so the population
    canonical correlations are exactly ``rhos`` (and zero after).
    """
    rng = np.random.default_rng(seed)
    k = len(rhos)
    rhos = np.asarray(rhos)
    z1 = rng.normal(size=(n, k))
    z2 = rhos * z1 + np.sqrt(1 - rhos**2) * rng.normal(size=(n, k))
    S1 = np.c_[z1, rng.normal(size=(n, d1 - k))]
    S2 = np.c_[z2, rng.normal(size=(n, d2 - k))]
    A1 = rng.normal(size=(d1, d1)) + 3 * np.eye(d1)
    A2 = rng.normal(size=(d2, d2)) + 3 * np.eye(d2)
    return np.hstack([S1 @ A1 + 5.0, S2 @ A2 - 2.0])


def _pair_corr(Z, k):
    return np.array([np.corrcoef(Z[:, j], Z[:, k + j])[0, 1] for j in range(k)])


def test_matches_sklearn_cca_at_convergence():
    X = _latent_views(n=300)
    cca = CCA(3, views=[6, 5], reg=0).fit(X)
    ref = SklearnCCA(3, max_iter=100_000, tol=1e-15).fit(X[:, :6], X[:, 6:])
    xs, ys = ref.transform(X[:, :6], X[:, 6:])
    ref_corr = [np.corrcoef(xs[:, j], ys[:, j])[0, 1] for j in range(3)]
    assert_allclose(cca.canonical_correlations_, ref_corr, rtol=1e-8)
    # the correlations are those of the training projections
    assert_allclose(_pair_corr(cca.transform(X), 3), ref_corr, rtol=1e-8)
    # same directions up to scale and sign
    for W, R in [(cca.weights_[0], ref.x_rotations_ / X[:, :6].std(0, ddof=1)[:, None]),
                 (cca.weights_[1], ref.y_rotations_ / X[:, 6:].std(0, ddof=1)[:, None])]:
        for j in range(3):
            cos = W[:, j] @ R[:, j] / np.linalg.norm(W[:, j]) / np.linalg.norm(R[:, j])
            assert abs(cos) == pytest.approx(1, abs=1e-6)


def test_known_population_correlations():
    rhos = (0.9, 0.6, 0.3)
    X = _latent_views(n=200_000, rhos=rhos, seed=1)
    cca = CCA(4, views=[6, 5], reg=0).fit(X)
    # sampling error of a correlation ~ (1 - rho^2)/sqrt(n) < 3e-3
    assert_allclose(cca.canonical_correlations_[:3], rhos, atol=6e-3)
    assert cca.canonical_correlations_[3] < 0.01


def test_unit_variance_and_uncorrelated_projections():
    X = _latent_views()
    cca = CCA(3, views=[6, 5], reg=0).fit(X)
    Z = cca.transform(X)
    assert_allclose(np.cov(Z[:, :3].T), np.eye(3), atol=1e-10)
    assert_allclose(np.cov(Z[:, 3:].T), np.eye(3), atol=1e-10)
    # the training mean is used, never the batch mean
    Z1 = cca.transform(X[:5])
    assert_allclose(Z1, Z[:5])


def test_transform_view_and_combine():
    X = _latent_views()
    cca = CCA(2, views={"a": 6, "b": 5}).fit(X)
    Z = cca.transform(X)
    assert_allclose(cca.transform_view(X[:, :6], "a"), Z[:, :2])
    assert_allclose(cca.transform_view(X[:, 6:], 1), Z[:, 2:])
    assert list(cca.get_feature_names_out()) == ["cca_a_0", "cca_a_1", "cca_b_0", "cca_b_1"]
    mean = CCA(2, views={"a": 6, "b": 5}, combine="mean").fit(X).transform(X)
    assert_allclose(mean, (Z[:, :2] + Z[:, 2:]) / 2)


def test_partial_fit_equals_fit():
    X = _latent_views(n=1000)
    full = CCA(3, views=[6, 5], reg=0.01).fit(X)
    part = CCA(3, views=[6, 5], reg=0.01)
    for chunk in np.array_split(X, 7):
        part.partial_fit(chunk)
    assert_allclose(part.canonical_correlations_, full.canonical_correlations_, rtol=1e-12)
    for Wp, Wf in zip(part.weights_, full.weights_):
        assert_allclose(Wp, Wf, rtol=1e-9, atol=1e-12)
    assert_allclose(part.transform(X), full.transform(X), rtol=1e-9, atol=1e-10)


def test_moments_merge_and_ledoit_wolf_statistics():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 7)) * [1, 2, 3, 4, 5, 6, 7] + 100.0
    views = [("a", slice(0, 4)), ("b", np.array([4, 5, 6]))]
    m = Moments.from_array(X[:50], views)
    for chunk in np.array_split(X[50:], 4):
        m = m.merge(Moments.from_array(chunk, views), views)
    assert m.n == 300
    assert_allclose(m.mean, X.mean(0), rtol=1e-14)
    assert_allclose(m.m2 / 299, np.cov(X.T), rtol=1e-10)
    for i, (_, cols) in enumerate(views):
        ref = ledoit_wolf_shrinkage(X[:, cols])
        assert m.ledoit_wolf_shrinkage(i, cols) == pytest.approx(ref, rel=1e-9)


def test_ledoit_wolf_reg():
    X = _latent_views(n=60, d1=6, d2=5)
    cca = CCA(2, views=[6, 5], reg="ledoit-wolf").fit(X)
    ref = [ledoit_wolf_shrinkage(X[:, :6]), ledoit_wolf_shrinkage(X[:, 6:])]
    assert_allclose(cca.reg_, ref, rtol=1e-9)
    # equals a fixed-reg fit with the same per-view shrinkage
    fixed = CCA(2, views=[6, 5], reg=list(ref)).fit(X)
    assert_allclose(cca.canonical_correlations_, fixed.canonical_correlations_, rtol=1e-12)


def test_sparse_input_matches_dense():
    rng = np.random.default_rng(0)
    X = _latent_views(n=500)
    X[rng.random(X.shape) < 0.5] = 0.0
    Xs = sp.csr_matrix(X)
    dense = CCA(3, views=[6, 5], reg=0.01).fit(X)
    sparse = CCA(3, views=[6, 5], reg=0.01).fit(Xs)
    assert_allclose(sparse.canonical_correlations_, dense.canonical_correlations_, rtol=1e-10)
    out = sparse.transform(Xs)
    assert isinstance(out, np.ndarray)
    assert_allclose(out, dense.transform(X), rtol=1e-8, atol=1e-10)
    lw = CCA(2, views=[6, 5], reg="ledoit-wolf")
    assert_allclose(lw.fit(Xs).reg_, lw.fit(X).reg_, rtol=1e-9)


def test_float32_preserved():
    X = _latent_views().astype(np.float32)
    cca = CCA(2, views=[6, 5]).fit(X)
    assert cca.transform(X).dtype == np.float32
    ref = CCA(2, views=[6, 5]).fit(X.astype(np.float64))
    assert_allclose(cca.canonical_correlations_, ref.canonical_correlations_, rtol=1e-5)


def test_score_is_held_out_correlation_and_drives_grid_search():
    X = _latent_views(n=120, d1=6, d2=5, seed=4)
    cca = CCA(2, views=[6, 5], reg=0).fit(X[:80])
    Z = cca.transform(X[80:])
    assert cca.score(X[80:]) == pytest.approx(_pair_corr(Z, 2).sum(), rel=1e-12)
    # on training data, the score is the sum of canonical correlations
    assert cca.score(X[:80]) == pytest.approx(cca.canonical_correlations_.sum(), rel=1e-10)
    gs = GridSearchCV(CCA(2, views=[6, 5]), {"reg": [0.0, 0.1, 0.9]}, cv=3).fit(X)
    assert gs.best_params_["reg"] in (0.0, 0.1, 0.9)
    assert np.all(np.isfinite(gs.cv_results_["mean_test_score"]))


def test_array_api_strict_device():
    xps = pytest.importorskip("array_api_strict")
    X = _latent_views(n=200)
    dev = xps.Device("device1")
    Xx = xps.asarray(X, device=dev)
    cca = CCA(2, views=[6, 5], reg=0.01).fit(Xx)
    ref = CCA(2, views=[6, 5], reg=0.01).fit(X)
    assert isinstance(cca.weights_[0], np.ndarray)  # fitted state is NumPy
    assert_allclose(cca.canonical_correlations_, ref.canonical_correlations_, rtol=1e-10)
    Z = cca.transform(Xx)
    assert type(Z).__module__.startswith("array_api_strict")
    assert Z.device == dev
    assert_allclose(np.asarray(Z.to_device(xps.Device("CPU_DEVICE"))), ref.transform(X),
                    rtol=1e-8, atol=1e-10)
    Zv = cca.transform_view(Xx[:, 6:], 1)
    assert Zv.device == dev


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "views, match",
    [([6, 4], r"sum to 10, but X has 11"),
     ([slice(0, 7), slice(6, 11)], "Views overlap"),
     ([6, 3, 2], "exactly two views")],
)
def test_bad_views(views, match):
    with pytest.raises(ValueError, match=match):
        CCA(views=views).fit(_latent_views())


def test_zero_variance_view():
    X = _latent_views()
    X[:, 6:] = 3.0
    with pytest.raises(ValueError, match="View 'b' has zero variance"):
        CCA(views={"a": 6, "b": 5}).fit(X)


def test_singular_view_without_reg():
    X = _latent_views()
    X[:, 1] = X[:, 0]
    with pytest.raises(ValueError, match="covariance of view 'view0' is singular"):
        CCA(views=[6, 5], reg=0).fit(X)
    # a constant or duplicated column is fine with the default shrinkage
    CCA(views=[6, 5]).fit(X)


def test_n_components_too_large():
    with pytest.raises(ValueError, match=r"n_components=6 must be <= the smallest view width"):
        CCA(6, views=[6, 5]).fit(_latent_views())


def test_nan_and_single_sample():
    X = _latent_views()
    X[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        CCA(views=[6, 5]).fit(X)
    with pytest.raises(ValueError, match="minimum of 2 is required"):
        CCA(views=[6, 5]).fit(_latent_views()[:1])


def test_transform_view_wrong_width():
    X = _latent_views()
    cca = CCA(views=[6, 5]).fit(X)
    with pytest.raises(ValueError, match="View 'view1' has 5 features, but X has 6"):
        cca.transform_view(X[:, :6], "view1")


# ---------------------------------------------------------------- MCCA
def _three_views(n=500, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 2))
    blocks = []
    for d, noise in [(4, 1.0), (3, 0.5), (5, 2.0)]:
        A = rng.normal(size=(2, d))
        blocks.append(z @ A + noise * rng.normal(size=(n, d)) + rng.normal(size=d))
    return np.hstack(blocks)


def test_mcca_two_views_equals_cca():
    X = _latent_views()
    cca = CCA(3, views=[6, 5], reg=0.05).fit(X)
    mcca = MCCA(3, views=[6, 5], reg=0.05).fit(X)
    assert_allclose(mcca.canonical_correlations_, cca.canonical_correlations_, rtol=1e-9)
    for Wm, Wc in zip(mcca.weights_, cca.weights_):
        assert_allclose(Wm, Wc, rtol=1e-7, atol=1e-9)


def test_mcca_matches_generalized_eigh():
    import scipy.linalg

    X = _three_views()
    widths = [4, 3, 5]
    reg = 0.1
    mcca = MCCA(2, views=widths, reg=reg).fit(X)
    C = np.cov(X.T)
    B = np.zeros_like(C)
    edges = np.r_[0, np.cumsum(widths)]
    for a, b in zip(edges[:-1], edges[1:]):
        Ci = C[a:b, a:b]
        B[a:b, a:b] = (1 - reg) * Ci + reg * np.trace(Ci) / (b - a) * np.eye(b - a)
    A = C.copy()
    for a, b in zip(edges[:-1], edges[1:]):
        A[a:b, a:b] = B[a:b, a:b]
    evals, evecs = scipy.linalg.eigh(A, B)
    assert_allclose(mcca.eigenvalues_, evals[::-1][:2], rtol=1e-10)
    Z = mcca.transform(X)
    pair = [np.mean([np.corrcoef(Z[:, 2 * a + j], Z[:, 2 * b + j])[0, 1]
                     for a, b in [(0, 1), (0, 2), (1, 2)]]) for j in range(2)]
    assert_allclose(mcca.canonical_correlations_, pair, rtol=1e-10)
    for i, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
        for j in range(2):
            ref = evecs[a:b, -1 - j]
            cos = ref @ mcca.weights_[i][:, j] / np.linalg.norm(ref) / np.linalg.norm(
                mcca.weights_[i][:, j])
            assert abs(cos) == pytest.approx(1, abs=1e-8)


def test_mcca_partial_fit_score_and_device():
    X = _three_views()
    full = MCCA(2, views=[4, 3, 5]).fit(X)
    part = MCCA(2, views=[4, 3, 5])
    for chunk in np.array_split(X, 5):
        part.partial_fit(chunk)
    assert_allclose(part.eigenvalues_, full.eigenvalues_, rtol=1e-12)
    Z = full.transform(X)
    ref = np.mean([np.corrcoef(Z[:, 2 * a + j], Z[:, 2 * b + j])[0, 1]
                   for j in range(2) for a, b in [(0, 1), (0, 2), (1, 2)]]) * 2
    assert full.score(X) == pytest.approx(ref, rel=1e-10)
    assert full.transform(X).shape == (500, 6)
    xps = pytest.importorskip("array_api_strict")
    dev = xps.Device("device1")
    on_dev = MCCA(2, views=[4, 3, 5]).fit(xps.asarray(X, device=dev))
    assert_allclose(on_dev.eigenvalues_, full.eigenvalues_, rtol=1e-10)
    assert on_dev.transform(xps.asarray(X, device=dev)).device == dev


def test_regularised_correlations_are_true_correlations():
    X = _latent_views(n=50)
    for reg in (0.3, 1.0):
        cca = CCA(3, views=[6, 5], reg=reg).fit(X)
        assert_allclose(_pair_corr(cca.transform(X), 3), cca.canonical_correlations_,
                        rtol=1e-10)
        assert np.all(cca.canonical_correlations_ <= 1)


def _reference_cca(X1, X2, r1, r2, k):
    """Canonical correlations by the textbook generalized eigenproblem
    C12 C22r^{-1} C21 w = rho^2 C11r w (an independent route)."""
    import scipy.linalg

    def shrink(C, r):
        return (1 - r) * C + r * np.trace(C) / len(C) * np.eye(len(C))

    C = np.cov(np.hstack([X1, X2]).T)
    d1 = X1.shape[1]
    C11, C12, C22 = shrink(C[:d1, :d1], r1), C[:d1, d1:], shrink(C[d1:, d1:], r2)
    M = C12 @ np.linalg.solve(C22, C12.T)
    _, W1 = scipy.linalg.eigh((M + M.T) / 2, C11)
    W1 = W1[:, ::-1][:, :k]
    W2 = np.linalg.solve(C22, C12.T @ W1)
    Z1, Z2 = (X1 - X1.mean(0)) @ W1, (X2 - X2.mean(0)) @ W2
    return np.array([np.corrcoef(Z1[:, j], Z2[:, j])[0, 1] for j in range(k)])


def _load_csv(path):
    return np.genfromtxt(path, delimiter=",", skip_header=1)


@pytest.mark.data_home
def test_uci_mfeat_fou_vs_kar(full_dataset):
    home = full_dataset("uci_mfeat")
    fou = _load_csv(home / "mfeat-fou.csv")[:, :-1]
    kar = _load_csv(home / "mfeat-kar.csv")[:, :-1]
    X = np.hstack([fou, kar])
    cca = CCA(5, views={"fou": 76, "kar": 64}, reg=0).fit(X)
    ref = _reference_cca(fou, kar, 0, 0, 5)
    assert_allclose(cca.canonical_correlations_, ref, rtol=1e-7)
    # and scikit-learn's NIPALS at convergence for the first pair
    sk = SklearnCCA(1, max_iter=20_000, tol=1e-13).fit(fou, kar)
    xs, ys = sk.transform(fou, kar)
    assert cca.canonical_correlations_[0] == pytest.approx(
        np.corrcoef(xs[:, 0], ys[:, 0])[0, 1], rel=1e-6)
    # two views of the same digits: strongly correlated
    assert cca.canonical_correlations_[0] > 0.9


@pytest.mark.data_home
def test_nutrimouse_regularised(full_dataset):
    home = full_dataset("nutrimouse")
    gene = _load_csv(home / "gene.csv")
    lipid = _load_csv(home / "lipid.csv")
    assert gene.shape == (40, 120) and lipid.shape == (40, 21)
    X = np.hstack([gene, lipid])
    # n=40 < 120 genes: plain CCA is singular and says so
    with pytest.raises(ValueError, match="covariance of view 'gene' is singular"):
        CCA(views={"gene": 120, "lipid": 21}, reg=0).fit(X)
    cca = CCA(3, views={"gene": 120, "lipid": 21}, reg=[0.1, 0.05]).fit(X)
    assert_allclose(cca.canonical_correlations_, _reference_cca(gene, lipid, 0.1, 0.05, 3),
                    rtol=1e-7)
    lw = CCA(3, views={"gene": 120, "lipid": 21}, reg="ledoit-wolf").fit(X)
    ref_lw = [ledoit_wolf_shrinkage(gene), ledoit_wolf_shrinkage(lipid)]
    assert_allclose(lw.reg_, ref_lw, rtol=1e-9)


def test_fitted_moments_are_numpy_for_array_api_input():
    xps = pytest.importorskip("array_api_strict")
    X = _latent_views(n=100)
    cca = CCA(2, views=[6, 5]).fit(xps.asarray(X, device=xps.Device("device1")))
    assert isinstance(cca._moments.m2, np.ndarray)  # pickles without the device


def test_switching_reg_to_ledoit_wolf_mid_stream():
    X = _latent_views()
    cca = CCA(2, views=[6, 5], reg=0.1).partial_fit(X[:200])
    cca.set_params(reg="ledoit-wolf")
    with pytest.raises(ValueError, match="changed to 'ledoit-wolf' between partial_fit"):
        cca.partial_fit(X[200:])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("sparse", [False, True])
def test_non_finite_input_is_caught_in_the_moments(bad, sparse):
    # fit skips the separate NaN/inf scan: the diagonal of X^T X reveals them.
    X = _latent_views(n=60)
    X[7, 8] = bad
    if sparse:
        X = sp.csr_matrix(X)
    for est in (CCA(2, views=[6, 5]), MCCA(2, views=[6, 5])):
        with pytest.raises(ValueError, match="NaN or infinity"):
            est.fit(X)
