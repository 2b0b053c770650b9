"""Cross-modal hashers: closed forms, packing, Hamming retrieval, bad input."""

import warnings

import numpy as np
import pytest
import scipy.linalg as sla
from sklearn.exceptions import ConvergenceWarning

from skmm.cross_decomposition import CCA
from skmm.hashing import CCAITQ, CMFH, SemanticCorrelationHashing, itq_rotation, pack_bits
from skmm.retrieval import CrossModalRetriever, hamming_distances, retrieval_score

HASHERS = [CCAITQ, CMFH, SemanticCorrelationHashing]


def _data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(4), n // 4)
    onehot = np.eye(4)[y]
    X = np.hstack([onehot @ rng.standard_normal((4, 10)) + 0.5 * rng.standard_normal((n, 10)),
                   onehot @ rng.standard_normal((4, 8)) + 0.5 * rng.standard_normal((n, 8))])
    return X, y


def test_pack_bits_is_numpy_packbits_of_signs():
    P = np.random.default_rng(0).standard_normal((5, 16))
    np.testing.assert_array_equal(pack_bits(P), np.packbits(P > 0, axis=1))
    with pytest.raises(ValueError, match="multiple of 8"):
        pack_bits(P[:, :12])


def test_itq_rotation_is_orthogonal_and_lowers_quantization_loss():
    rng = np.random.default_rng(0)
    V = rng.standard_normal((500, 8)) @ np.diag(np.linspace(3, 0.5, 8))
    R0, loss0 = itq_rotation(V, n_iter=0, random_state=0)
    R, loss = itq_rotation(V, n_iter=50, random_state=0)
    np.testing.assert_allclose(R @ R.T, np.eye(8), atol=1e-10)
    assert loss < loss0
    # At the fixed point R is the Procrustes solution for its own codes.
    B = np.where(V @ R >= 0, 1.0, -1.0)
    U, _, Wt = np.linalg.svd(V.T @ B)
    np.testing.assert_allclose(U @ Wt, R, atol=1e-6)


@pytest.mark.parametrize("n_bits", [16, 32, 64, 128])
@pytest.mark.parametrize("Hasher", HASHERS)
def test_codes_shape_and_hamming_retrieval_beats_random(Hasher, n_bits):
    X, y = _data()
    h = Hasher(n_bits=n_bits, views=[10, 8])
    if "random_state" in h.get_params():
        h.set_params(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        h.fit(X[::2], y[::2])
    codes = h.transform_view(X[1::2, 10:], 1)
    assert codes.dtype == np.uint8 and codes.shape == (60, n_bits // 8)
    np.testing.assert_array_equal(h.transform(X[:3]),
                                  np.hstack([h.transform_view(X[:3, :10], 0),
                                             h.transform_view(X[:3, 10:], 1)]))
    score = retrieval_score(h, X[1::2], y[1::2], direction="both")
    assert score > 0.6  # four balanced classes: random MAP is about 0.27


def test_ccaitq_bits_are_rotated_scaled_cca_projections():
    X, y = _data()
    h = CCAITQ(n_bits=8, views=[10, 8], random_state=0).fit(X)
    cca = CCA(8, views=[10, 8], reg=1e-3).fit(X)
    rho = cca.canonical_correlations_
    Z = cca.transform_view(X[:, 10:], 1) * rho**4
    np.testing.assert_array_equal(h.transform_view(X[:, 10:], 1),
                                  np.packbits(Z @ h.rotation_ > 0, axis=1))


def test_ccaitq_pads_beyond_the_canonical_rank():
    X, y = _data()
    h = CCAITQ(n_bits=32, views=[10, 8], random_state=0).fit(X)
    assert h.rotation_.shape == (32, 32)
    assert h.cca_.n_components == 8


def test_scm_first_bit_is_the_closed_form_eigenvector():
    X, y = _data()
    h = SemanticCorrelationHashing(n_bits=8, views=[10, 8], reg=1e-3).fit(X, y)
    Xc = [X[:, :10] - X[:, :10].mean(0), X[:, 10:] - X[:, 10:].mean(0)]
    L = np.eye(4)[y]
    S = 2 * L @ L.T - 1  # labels one-hot: L~ = L
    n = len(y)
    M = 8 * Xc[0].T @ S @ Xc[1] / n
    C = [B.T @ B / n for B in Xc]
    C = [c + 1e-3 * np.trace(c) / len(c) * np.eye(len(c)) for c in C]
    # Generalised eigenproblem [[0, M], [M^T, 0]] w = lambda blkdiag(Cx, Cy) w.
    A = np.block([[np.zeros((10, 10)), M], [M.T, np.zeros((8, 8))]])
    evals, evecs = sla.eigh(A, sla.block_diag(*C))
    w = evecs[:, -1]
    wx = h.projections_[0][:, 0]
    cosine = abs(wx @ w[:10]) / np.linalg.norm(wx) / np.linalg.norm(w[:10])
    assert cosine == pytest.approx(1.0, abs=1e-8)
    assert h.bit_correlations_[0] == pytest.approx(evals[-1], rel=1e-8)
    assert np.all(np.diff(h.bit_correlations_) <= 1e-9)


def test_scm_multilabel_indicator_matches_single_label():
    X, y = _data()
    a = SemanticCorrelationHashing(n_bits=16, views=[10, 8]).fit(X, y)
    b = SemanticCorrelationHashing(n_bits=16, views=[10, 8]).fit(X, np.eye(4)[y])
    np.testing.assert_allclose(a.projections_[0], b.projections_[0])


def test_cmfh_objective_decreases_monotonically():
    X, y = _data()
    h = CMFH(n_bits=8, views=[10, 8], random_state=0, max_iter=500, tol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        h.fit(X)
    objs = []
    for it in (1, 2, 5, 20):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            objs.append(CMFH(n_bits=8, views=[10, 8], random_state=0, max_iter=it,
                             tol=0).fit(X).objective_)
    assert all(a >= b - 1e-9 for a, b in zip(objs, objs[1:]))
    assert h.objective_ <= objs[-1]


def test_cmfh_warns_when_not_converged():
    X, _ = _data()
    with pytest.warns(ConvergenceWarning, match="CMFH did not converge in 2 iterations"):
        CMFH(n_bits=8, views=[10, 8], max_iter=2, tol=0, random_state=0).fit(X)


def test_hashers_in_retriever_with_hamming_metric():
    X, y = _data()
    ret = CrossModalRetriever(SemanticCorrelationHashing(n_bits=32, views=[10, 8]),
                              metric="hamming").fit(X, y)
    idx, s = ret.query(X[:5, :10], k=7)
    D = hamming_distances(ret.embedder_.transform_view(X[:5, :10], 0), ret.index_)
    np.testing.assert_array_equal(idx, np.argsort(D, axis=1, kind="stable")[:, :7])
    np.testing.assert_array_equal(-s, np.sort(D, axis=1)[:, :7])


# --- bad input -----------------------------------------------------------------
@pytest.mark.parametrize("Hasher", HASHERS)
@pytest.mark.parametrize("n_bits", [12, 4, 0])
def test_n_bits_not_a_multiple_of_8(Hasher, n_bits):
    X, y = _data()
    with pytest.raises(ValueError, match="n_bits"):
        Hasher(n_bits=n_bits, views=[10, 8]).fit(X, y)


def test_n_bits_message_names_the_rule():
    X, y = _data()
    with pytest.raises(ValueError, match="multiple of 8.*got 12"):
        CMFH(n_bits=12, views=[10, 8])._start_fit(X)


def test_supervised_hashing_needs_labels():
    X, y = _data()
    with pytest.raises(ValueError, match="requires y to be passed"):
        SemanticCorrelationHashing(views=[10, 8]).fit(X)
    y_nan = y.astype(float)
    y_nan[7] = np.nan
    with pytest.raises(ValueError, match="missing \\(NaN\\) label at row 7"):
        SemanticCorrelationHashing(views=[10, 8]).fit(X, y_nan)
    Y = np.eye(4)[y]
    Y[3] = 0
    with pytest.raises(ValueError, match="row 3 of y has no label"):
        SemanticCorrelationHashing(views=[10, 8]).fit(X, Y)


def test_hamming_retriever_refuses_real_valued_embeddings():
    X, y = _data()
    with pytest.raises(TypeError, match="packed binary codes"):
        CrossModalRetriever(CCA(views=[10, 8]), metric="hamming").fit(X)


def test_two_view_hashers_refuse_three_views():
    X, y = _data()
    with pytest.raises(ValueError, match="exactly two views, got 3"):
        CCAITQ(views=[6, 4, 8]).fit(X)
    with pytest.raises(ValueError, match="exactly two views, got 3"):
        SemanticCorrelationHashing(views=[6, 4, 8]).fit(X, y)
    CMFH(n_bits=8, views=[6, 4, 8], random_state=0, max_iter=300).fit(X)  # any number
