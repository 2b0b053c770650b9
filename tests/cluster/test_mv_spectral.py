"""MultiViewSpectralClustering: scikit-learn agreement, the mfeat target, bad input."""

import numpy as np
import pytest
from sklearn.cluster import SpectralClustering
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from skmm.cluster import MultiViewSpectralClustering
from skmm.datasets import load_mfeat


def _blobs(seed=0, n_per=25):
    rng = np.random.RandomState(seed)
    y = np.repeat([0, 1, 2], n_per)
    centres_a = np.array([[0, 0], [6, 0], [0, 6]])
    centres_b = np.array([[0, 0, 0], [0, 8, 0], [8, 0, 0]])
    X = np.hstack([centres_a[y] + rng.normal(size=(y.size, 2)),
                   centres_b[y] + rng.normal(size=(y.size, 3))])
    return X, y


# Three separated blobs give three components: scikit-learn says so, as expected.
@pytest.mark.filterwarnings("ignore:Graph is not fully connected")
def test_same_graph_same_partition_as_sklearn():
    X, y = _blobs()
    mv = MultiViewSpectralClustering(3, views=[2, 3], random_state=0).fit(X)
    sk = SpectralClustering(3, affinity="precomputed", random_state=0).fit(
        mv.affinity_matrix_)
    assert adjusted_rand_score(sk.labels_, mv.labels_) == 1.0
    assert adjusted_rand_score(y, mv.labels_) == 1.0


def test_embedding_rows_have_unit_norm_and_graph_is_symmetric():
    X, _ = _blobs()
    mv = MultiViewSpectralClustering(3, views=[2, 3], random_state=0).fit(X)
    np.testing.assert_allclose(np.linalg.norm(mv.embedding_, axis=1), 1.0)
    W = mv.affinity_matrix_
    assert abs(W - W.T).max() == 0 and W.diagonal().max() == 0
    assert mv.view_names_ == ["view0", "view1"]


def test_deterministic_with_random_state():
    X, _ = _blobs(1, n_per=200)  # > 500 rows: the ARPACK path
    a = MultiViewSpectralClustering(3, views=[2, 3], random_state=3).fit_predict(X)
    b = MultiViewSpectralClustering(3, views=[2, 3], random_state=3).fit_predict(X)
    np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_mfeat_nmi_target():
    # Issue 9's target: NMI >= 0.95 on the 6 views of mfeat (all 2,000 rows
    # are bundled). sklearn's SpectralClustering on the concatenation: 0.942.
    mf = load_mfeat(subset="bundled")
    labels = MultiViewSpectralClustering(10, views=mf.views, random_state=0).fit_predict(
        mf.data)
    assert normalized_mutual_info_score(mf.target, labels) == pytest.approx(0.9511, abs=2e-3)
    assert normalized_mutual_info_score(mf.target, labels) >= 0.95


def test_mean_fusion_and_rbf_run_on_the_same_contract():
    X, y = _blobs()
    for params in ({"fusion": "mean"}, {"affinity": "rbf", "gamma": 5.0},
                   {"bandwidth": "global"}, {"bandwidth": None}):
        mv = MultiViewSpectralClustering(3, views=[2, 3], random_state=0, **params).fit(X)
        assert adjusted_rand_score(y, mv.labels_) == 1.0, params


def test_one_column_view_is_refused_when_given_and_accepted_by_default():
    # A one-column view in `views` names the view; the default split of a
    # 2-column X (two one-column views) still clusters.
    X, y = _blobs()
    with pytest.raises(ValueError, match=r"View\(s\) \['image'\] have one column"):
        MultiViewSpectralClustering(3, views={"image": 1, "text": 4}, random_state=0).fit(X)
    mv = MultiViewSpectralClustering(3, random_state=0).fit(X[:, [0, 2]])
    assert mv.n_views_ == 2 and mv.labels_.shape == (X.shape[0],)


def test_bad_input_is_named():
    X, _ = _blobs()
    X_const = X.copy()
    X_const[:, 2:] = 1.0
    with pytest.raises(ValueError, match="view 'text' is constant"):
        MultiViewSpectralClustering(3, views={"image": 2, "text": 3}).fit(X_const)
    with pytest.raises(ValueError, match=r"sum to 4, but X has 5 features"):
        MultiViewSpectralClustering(3, views=[2, 2]).fit(X)
    with pytest.raises(ValueError, match="n_clusters=80 is larger than the number of samples"):
        MultiViewSpectralClustering(80, views=[2, 3]).fit(X)
    with pytest.raises(ValueError, match="view_weights has 3 entries for 2 views"):
        MultiViewSpectralClustering(3, views=[2, 3], view_weights=[1, 1, 1]).fit(X)
    with pytest.raises(TypeError, match="not a list of 2 arrays"):
        MultiViewSpectralClustering(3).fit([X[:, :2], X[:, 2:]])
