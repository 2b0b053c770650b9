"""Every multi-view embedder between the compose layer and a learner."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import normalized_mutual_info_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.svm import SVC

from skmm.compose import MultiModalTransformer
from skmm.cross_decomposition import (
    CCA,
    MCCA,
    CollectiveNMF,
    KernelCCA,
    ProbabilisticCCA,
    TripletEmbedding,
)
from skmm.datasets import make_multimodal_classification

# Tiny corpora: fewer rows than TF-IDF columns, so the CCA family warns that its
# training correlations are inflated (tested in tests/cross_decomposition).
pytestmark = pytest.mark.filterwarnings("ignore:.*inflated towards 1:UserWarning")

pytest.importorskip("pandas")

EMBEDDERS = [
    CCA(n_components=2, reg=0.1),
    MCCA(n_components=2, reg=0.1),
    KernelCCA(n_components=2, approximation="nystroem", random_state=0),
    ProbabilisticCCA(n_components=2, reg=0.1),
    CollectiveNMF(n_components=3, random_state=0),
    TripletEmbedding(n_components=2, random_state=0),
]


@pytest.fixture(scope="module")
def data():
    X, y = make_multimodal_classification(n_samples=90, n_classes=3,
                                          modalities=("text", "numeric"), as_frame=True,
                                          random_state=0)
    numeric = [c for c in X.columns if c.startswith("numeric_")]
    return X, y, numeric


def _embedding(embedder, numeric):
    # MinMaxScaler keeps both blocks non-negative, as CollectiveNMF needs.
    return MultiModalTransformer(
        [("text", TfidfVectorizer(), "text"), ("numeric", MinMaxScaler(clip=True), numeric)],
        embedder=embedder,
    )


def _name(embedder):
    return type(embedder).__name__


@pytest.mark.parametrize("embedder", EMBEDDERS, ids=_name)
def test_embedder_then_kmeans_and_svc(embedder, data):
    X, y, numeric = data
    clusters = Pipeline([("mm", _embedding(embedder, numeric)),
                         ("kmeans", KMeans(3, n_init=10, random_state=0))]).fit_predict(X)
    # The shared latent class is in both views: the clusters recover it.
    assert normalized_mutual_info_score(y, clusters) > 0.5
    svc = Pipeline([("mm", _embedding(embedder, numeric)), ("svc", SVC())])
    svc.fit(X.iloc[::2], y[::2])
    assert svc.score(X.iloc[1::2], y[1::2]) > 0.8
    # Each view alone lands in the shared space with the embedder's width.
    mm = svc.named_steps["mm"]
    z = mm.transform_view(X.iloc[1::2], "text")
    assert z.shape[0] == len(X.iloc[1::2]) and np.all(np.isfinite(z))
