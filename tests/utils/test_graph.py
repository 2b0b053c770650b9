"""Affinity graphs and their fusion, against scikit-learn and closed forms."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import laplacian
from sklearn.metrics.pairwise import euclidean_distances, rbf_kernel
from sklearn.neighbors import NearestNeighbors, kneighbors_graph

from skmm.utils._graph import (
    affinity_graph,
    affinity_to,
    fusion_weights,
    normalized_affinity,
    view_scales,
)


@pytest.fixture
def two_views():
    rng = np.random.RandomState(0)
    return [rng.normal(size=(30, 3)), 3.0 * rng.normal(size=(30, 2))]


def test_view_scales_is_the_mean_squared_distance_over_all_pairs(two_views):
    expected = [np.mean(euclidean_distances(B, squared=True)) for B in two_views]
    np.testing.assert_allclose(view_scales(two_views), expected, rtol=1e-12)


def test_constant_view_is_refused_by_name(two_views):
    with pytest.raises(ValueError, match="view 'text' is constant"):
        view_scales([two_views[0], np.ones((30, 1))], names=["image", "text"])


def test_fusion_weights():
    np.testing.assert_allclose(fusion_weights(None, 4), 0.25)
    np.testing.assert_allclose(fusion_weights([1, 3], 2), [0.25, 0.75])
    with pytest.raises(ValueError, match="3 entries for 2 views"):
        fusion_weights([1, 1, 1], 2)
    with pytest.raises(ValueError, match="non-negative"):
        fusion_weights([1, -1], 2)


def test_rbf_product_is_the_product_of_per_view_kernels(two_views):
    s = view_scales(two_views)
    w = fusion_weights([1, 2], 2)
    W = affinity_graph(two_views, affinity="rbf", fusion="product", gamma=0.7, weights=[1, 2])
    expected = (rbf_kernel(two_views[0], gamma=0.7 * w[0] / s[0])
                * rbf_kernel(two_views[1], gamma=0.7 * w[1] / s[1]))
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(W, expected, rtol=1e-10, atol=1e-14)


def test_rbf_mean_is_the_weighted_mean_of_per_view_kernels(two_views):
    s = view_scales(two_views)
    W = affinity_graph(two_views, affinity="rbf", fusion="mean", gamma=2.0, weights=[3, 1])
    expected = (0.75 * rbf_kernel(two_views[0], gamma=2.0 / s[0])
                + 0.25 * rbf_kernel(two_views[1], gamma=2.0 / s[1]))
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(W, expected, rtol=1e-10, atol=1e-14)


def _scaled_concat(blocks, w=None):
    w = fusion_weights(w, len(blocks))
    s = view_scales(blocks)
    return np.hstack([B * np.sqrt(wv / sv) for B, wv, sv in zip(blocks, w, s)])


def test_knn_connectivity_product_graph_equals_sklearn_on_scaled_views(two_views):
    W = affinity_graph(two_views, n_neighbors=4, bandwidth=None)
    A = kneighbors_graph(_scaled_concat(two_views), 4, mode="connectivity")
    assert sp.issparse(W)
    np.testing.assert_allclose(W.toarray(), 0.5 * (A + A.T).toarray())


def test_knn_mean_graph_averages_per_view_knn_graphs(two_views):
    W = affinity_graph(two_views, fusion="mean", n_neighbors=3, bandwidth=None,
                       weights=[1, 3])
    expected = 0
    for B, wv in zip(two_views, [0.25, 0.75]):
        A = kneighbors_graph(B, 3, mode="connectivity")
        expected = expected + wv * 0.5 * (A + A.T).toarray()
    np.testing.assert_allclose(W.toarray(), expected)


def test_self_tuning_and_global_weights_closed_form(two_views):
    Z = _scaled_concat(two_views)
    k = 8
    d, idx = NearestNeighbors(n_neighbors=k).fit(Z).kneighbors()
    d2 = d**2
    rows = np.repeat(np.arange(30), k)
    sigma = d[:, 6]  # distance to the 7th neighbour
    A = sp.csr_matrix((np.exp(-d2 / (sigma[:, None] * sigma[idx])).ravel(),
                       (rows, idx.ravel())), shape=(30, 30))
    W = affinity_graph(two_views, n_neighbors=k, bandwidth="self_tuning")
    np.testing.assert_allclose(W.toarray(), 0.5 * (A + A.T).toarray(), rtol=1e-9)
    A = sp.csr_matrix((np.exp(-d2 / np.median(d2)).ravel(), (rows, idx.ravel())),
                      shape=(30, 30))
    W = affinity_graph(two_views, n_neighbors=k, bandwidth="global")
    np.testing.assert_allclose(W.toarray(), 0.5 * (A + A.T).toarray(), rtol=1e-9)


def test_n_neighbors_is_capped_at_n_minus_one():
    X = np.arange(8.0).reshape(4, 2)
    W = affinity_graph([X[:, :1], X[:, 1:]], n_neighbors=10, bandwidth=None)
    np.testing.assert_array_equal(W.toarray(), 1.0 - np.eye(4))


def test_affinity_to_knn_matches_sklearn_neighbours(two_views):
    rng = np.random.RandomState(1)
    new = [rng.normal(size=(5, 3)), 3.0 * rng.normal(size=(5, 2))]
    s = view_scales(two_views)
    K = affinity_to(new, two_views, n_neighbors=4, scales=s)
    Z = _scaled_concat(two_views)
    Z_new = np.hstack([B * np.sqrt(0.5 / sv) for B, sv in zip(new, s)])
    idx = NearestNeighbors(n_neighbors=4).fit(Z).kneighbors(Z_new, return_distance=False)
    expected = np.zeros((5, 30))
    np.put_along_axis(expected, idx, 1.0, axis=1)
    np.testing.assert_array_equal(K, expected)
    K = affinity_to(new, two_views, affinity="rbf", gamma=0.5, scales=s)
    np.testing.assert_allclose(K, rbf_kernel(Z_new, Z, gamma=0.5), rtol=1e-10)


def test_normalized_affinity_is_minus_the_normalised_laplacian(two_views):
    W = affinity_graph(two_views, n_neighbors=5)
    expected = -laplacian(W.toarray(), normed=True)
    np.fill_diagonal(expected, 0.0)
    S = normalized_affinity(W)
    np.testing.assert_allclose(S.toarray(), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(normalized_affinity(W.toarray()), expected, rtol=1e-12,
                               atol=1e-15)


def test_bad_parameters_are_named(two_views):
    with pytest.raises(ValueError, match="affinity must be one of"):
        affinity_graph(two_views, affinity="cosine")
    with pytest.raises(ValueError, match="fusion must be one of"):
        affinity_graph(two_views, fusion="max")
    with pytest.raises(ValueError, match="at least 2 samples"):
        affinity_graph([B[:1] for B in two_views])
