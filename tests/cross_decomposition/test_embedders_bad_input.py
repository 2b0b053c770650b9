"""Issue 8 cases of the embedders: each odd input gets a clear error or a warning."""

import warnings

import numpy as np
import pytest
from sklearn.decomposition import NMF

from skmm.cross_decomposition import (
    CCA,
    MCCA,
    CollectiveNMF,
    KernelCCA,
    ProbabilisticCCA,
    TripletEmbedding,
)


def test_fewer_samples_than_columns_warns_that_correlations_are_inflated():
    # Pure noise, n = 50 for 2 x 100 columns: training correlations near 1.
    X = np.random.default_rng(0).normal(size=(50, 200))
    for est in (CCA(2), CCA(2, reg="ledoit-wolf"), MCCA(2), ProbabilisticCCA(2)):
        with pytest.warns(UserWarning, match=r"50 samples with views of \{'view0': 100, "
                                             r"'view1': 100\}.*inflated towards 1"):
            est.fit(X)
    # Enough rows: no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CCA(2).fit(np.random.default_rng(0).normal(size=(500, 20)))


def test_n_components_beyond_the_rank_of_a_view_warns_without_numpy_noise():
    # Topic proportions sum to 1: 10 columns of rank 9 after centring, as the
    # Wikipedia text view.
    rng = np.random.default_rng(0)
    z = rng.normal(size=(400, 3))
    topics = rng.dirichlet(np.ones(10), size=400)
    image = np.hstack([z, rng.normal(size=(400, 9))])
    topics[:, :3] += 0.05 * np.abs(z)
    topics /= topics.sum(axis=1, keepdims=True)
    X = np.hstack([image, topics])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CCA(9, views={"image": 12, "text": 10}).fit(X)  # up to the rank: silent
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cca = CCA(10, views={"image": 12, "text": 10}).fit(X)
    messages = [str(w.message) for w in caught]
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], messages
    assert any("exceeds the rank of view(s) {'text': 9}" in m and "components [9]" in m
               for m in messages), messages
    assert abs(cca.canonical_correlations_[9]) < 1e-4


def test_reg_zero_on_a_rank_deficient_view_raises_naming_it():
    X = np.random.default_rng(0).normal(size=(100, 6))
    X[:, 2] = 1.0  # a constant column
    with pytest.raises(ValueError, match="covariance of view 'view0' is singular.*reg > 0"):
        CCA(views=[3, 3], reg=0).fit(X)
    CCA(views=[3, 3], reg=1e-3).fit(X)  # the default shrinkage fits it


def test_triplet_refuses_a_constant_view_and_a_single_row():
    X = np.random.default_rng(0).normal(size=(30, 6))
    X[:, 3:] = 2.0
    with pytest.raises(ValueError, match=r"View\(s\) \['text'\] are constant"):
        TripletEmbedding(views={"image": 3, "text": 3}).fit(X)
    with pytest.raises(ValueError, match="1 sample.*minimum of 2"):
        TripletEmbedding().fit(np.ones((1, 4)))


def test_kernel_cca_float32_equals_float64():
    rng = np.random.default_rng(0)
    t = rng.uniform(-1, 1, size=(150, 1))
    X = np.hstack([t, t**2, rng.normal(size=(150, 2)), np.sin(3 * t)])
    est64 = KernelCCA(2, views=[4, 1], gamma=1.0).fit(X)
    est32 = KernelCCA(2, views=[4, 1], gamma=1.0).fit(X.astype(np.float32))
    assert [w.shape for w in est32.weights_] == [w.shape for w in est64.weights_]
    out32 = est32.transform(X.astype(np.float32))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, est64.transform(X), rtol=1e-4, atol=1e-5)
    held = X + 0.1 * rng.normal(size=X.shape)  # held-out rows
    np.testing.assert_allclose(est32.transform(held.astype(np.float32)),
                               est64.transform(held), rtol=1e-4, atol=1e-5)


def test_nmf_inverse_transform_checks_the_width():
    X = np.random.default_rng(0).uniform(size=(20, 6))
    nmf = CollectiveNMF(3, views=[3, 3], random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"width n_components=3, got W of shape \(4, 2\)"):
        nmf.inverse_transform(np.ones((4, 2)))


def test_nmf_reconstruction_error_has_no_cancellation_floor():
    # An exact rank-3 factorisation: scikit-learn reports ~1e-15, so must we.
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(40, 3)) @ rng.uniform(size=(3, 12))
    ours = CollectiveNMF(3, views=[6, 6], tol=0, max_iter=2000, random_state=0).fit(X)
    ref = NMF(3, solver="cd", tol=0, max_iter=2000, random_state=0).fit(X)
    direct = np.linalg.norm(X - ours.transform(X) @ ours.components_)
    assert ref.reconstruction_err_ < 1e-6
    assert ours.reconstruction_err_ < 1e-6
    residual = X - ours.fit_transform(X) @ ours.components_
    np.testing.assert_allclose(ours.reconstruction_err_, np.linalg.norm(residual),
                               rtol=1e-6, atol=1e-12)
    assert direct < 1e-5


def test_pcca_names_the_rows_it_leaves_out():
    X = np.random.default_rng(0).normal(size=(40, 4))
    X[[3, 17], 1] = np.nan
    with pytest.warns(UserWarning, match=r"2 row\(s\) with NaN left out of the fit "
                                         r"\(rows \[3, 17\]\)"):
        ProbabilisticCCA(views=[2, 2]).fit(X)
