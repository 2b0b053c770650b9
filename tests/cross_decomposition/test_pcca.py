"""ProbabilisticCCA: ML estimate from CCA, likelihood, posterior, imputation."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.stats import multivariate_normal

from skmm.cross_decomposition import CCA, ProbabilisticCCA


def _views(n=600, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 2))
    X1 = z @ rng.normal(size=(2, 4)) + 0.6 * rng.normal(size=(n, 4)) + 3.0
    X2 = z @ rng.normal(size=(2, 3)) + 0.6 * rng.normal(size=(n, 3)) - 1.0
    return np.hstack([X1, X2])


def test_ml_directions_are_cca():
    X = _views()
    pcca = ProbabilisticCCA(2, views=[4, 3], reg=0).fit(X)
    cca = CCA(2, views=[4, 3], reg=0).fit(X)
    assert_allclose(pcca.canonical_correlations_, cca.canonical_correlations_, rtol=1e-10)
    for U, W in zip(pcca.weights_, cca.weights_):
        for j in range(2):
            cos = U[:, j] @ W[:, j] / np.linalg.norm(U[:, j]) / np.linalg.norm(W[:, j])
            assert cos == pytest.approx(1, abs=1e-10)
    S = np.cov(X.T, bias=True)
    # Bach & Jordan: W_i = Sigma_ii U_i diag(sqrt(rho)), Psi_i = Sigma_ii - W_i W_i^T
    assert_allclose(pcca.loadings_[0],
                    S[:4, :4] @ pcca.weights_[0] * np.sqrt(pcca.canonical_correlations_))
    assert_allclose(pcca.noise_covariances_[1] + pcca.loadings_[1] @ pcca.loadings_[1].T,
                    S[4:, 4:], atol=1e-12)


def test_full_rank_model_reproduces_sample_covariance():
    # with k = min(d1, d2) the ML model is saturated: W W^T + Psi = Sigma
    X = _views()
    pcca = ProbabilisticCCA(3, views=[4, 3], reg=0).fit(X)
    assert_allclose(pcca.covariance_, np.cov(X.T, bias=True), atol=1e-10)


def test_log_likelihood_matches_scipy():
    X = _views()
    pcca = ProbabilisticCCA(1, views=[4, 3]).fit(X[:400])
    ref = multivariate_normal(np.concatenate(pcca.means_), pcca.covariance_).logpdf(X[400:])
    assert_allclose(pcca.score_samples(X[400:]), ref, rtol=1e-10)
    assert pcca.score(X[400:]) == pytest.approx(ref.mean(), rel=1e-10)
    # a missing view is marginalised out
    Xm = X[400:].copy()
    Xm[:, 4:] = np.nan
    ref1 = multivariate_normal(pcca.means_[0], pcca.covariance_[:4, :4]).logpdf(X[400:, :4])
    assert_allclose(pcca.score_samples(Xm), ref1, rtol=1e-10)


def test_posterior_mean_and_missing_view():
    X = _views()
    pcca = ProbabilisticCCA(2, views=[4, 3]).fit(X)
    W = np.vstack(pcca.loadings_)
    mu = np.concatenate(pcca.means_)
    ref = (X - mu) @ np.linalg.solve(pcca.covariance_, W)
    assert_allclose(pcca.transform(X), ref, rtol=1e-8, atol=1e-12)
    Xm = X.copy()
    Xm[::2, 4:] = np.nan  # second view missing on even rows
    Z = pcca.transform(Xm)
    assert_allclose(Z[1::2], ref[1::2], rtol=1e-8, atol=1e-12)
    assert_allclose(Z[::2], pcca.transform_view(X[::2, :4], 0), rtol=1e-8, atol=1e-12)
    with pytest.raises(ValueError, match="Row 0 has every view missing"):
        pcca.transform(np.full((2, 7), np.nan))


def test_imputation_beats_mean_predictor():
    train, test = _views(n=900, seed=0)[:600], _views(n=900, seed=0)[600:]
    pcca = ProbabilisticCCA(2, views=[4, 3]).fit(train)
    pred = pcca.predict_view(test, 1)
    mse = np.mean((pred - test[:, 4:]) ** 2)
    mse_mean = np.mean((train[:, 4:].mean(0) - test[:, 4:]) ** 2)
    assert mse < 0.5 * mse_mean
    # conditional Gaussian mean, by hand
    C, mu = pcca.covariance_, np.concatenate(pcca.means_)
    ref = mu[4:] + (test[:, :4] - mu[:4]) @ np.linalg.solve(C[:4, :4], C[:4, 4:])
    assert_allclose(pred, ref, rtol=1e-8)
    # the target view's own values are ignored
    assert_allclose(pcca.predict_view(np.c_[test[:, :4], np.zeros((300, 3))], 1), pred)
