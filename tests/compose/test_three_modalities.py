"""Images, text and audio in one Pipeline: the compose layer end to end."""

import pickle

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmm.compose import MultiModalTransformer
from skmm.cross_decomposition import MCCA
from skmm.datasets import make_multimodal_classification
from skmm.feature_extraction import MFCC, SIFTBoVW

# Tiny corpora: fewer rows than TF-IDF columns, so the CCA family warns that its
# training correlations are inflated (tested in tests/cross_decomposition).
pytestmark = pytest.mark.filterwarnings("ignore:.*inflated towards 1:UserWarning")

pytest.importorskip("pandas")
pytest.importorskip("cv2")


def _model(embedder=None):
    mm = MultiModalTransformer(
        [
            ("image", SIFTBoVW(n_clusters=8, step=6, patch_size=12, random_state=0), "image"),
            ("text", TfidfVectorizer(), "text"),
            ("audio", MFCC(sr=8000, n_mfcc=8, n_fft=256, hop_length=80, n_mels=32), "audio"),
        ],
        embedder=embedder,
    )
    return Pipeline([("mm", mm), ("scale", StandardScaler()),
                     ("clf", LogisticRegression(max_iter=500))])


@pytest.fixture(scope="module")
def data():
    return make_multimodal_classification(n_samples=48, n_classes=2, as_frame=True,
                                          random_state=0)


def test_blocks_are_each_modalitys_transformer(data):
    X, y = data
    mm = _model().fit(X, y).named_steps["mm"]
    Xt = mm.transform(X)
    image = SIFTBoVW(n_clusters=8, step=6, patch_size=12, random_state=0).fit_transform(
        X["image"].tolist())
    audio = MFCC(sr=8000, n_mfcc=8, n_fft=256, hop_length=80, n_mels=32).fit_transform(
        X["audio"].tolist())
    names = [name for name, _ in mm.views_]
    assert names == ["image", "text", "audio"]
    np.testing.assert_allclose(Xt[:, mm.views_[0][1]], image)
    np.testing.assert_allclose(Xt[:, mm.views_[2][1]], audio)
    assert mm.views_[2][1].stop - mm.views_[2][1].start == 16  # 8 MFCC x (mean, std)


def test_grid_search_over_extractor_parameters_and_pickle(data):
    X, y = data
    grid = {"mm__image__n_clusters": [4, 8], "mm__audio__n_mfcc": [6, 8],
            "mm__text__min_df": [1, 2]}
    search = GridSearchCV(_model(MCCA(n_components=2, reg=0.1)), grid,
                          cv=StratifiedKFold(2, shuffle=True, random_state=0)).fit(X, y)
    assert set(search.best_params_) == set(grid)
    # Every modality carries the class: the shared space separates it.
    assert search.best_score_ >= 0.9
    best = search.best_estimator_
    loaded = pickle.loads(pickle.dumps(best))
    np.testing.assert_array_equal(loaded.decision_function(X), best.decision_function(X))
    # One modality alone lands in the same shared space.
    mm = best.named_steps["mm"]
    z_audio = mm.transform_view(X, "audio")
    np.testing.assert_allclose(z_audio, mm.embedder_.transform_view(
        mm.named_transformers_["audio"].transform(X["audio"].tolist()), "audio"))


def test_missing_modality_at_predict_time(data):
    X, y = data
    model = _model().fit(X, y)
    with pytest.raises(ValueError, match=r"Modality 'audio' needs column\(s\) \['audio'\]"):
        model.predict(X.drop(columns="audio"))
