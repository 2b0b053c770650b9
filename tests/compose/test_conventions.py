"""MultiModalTransformer follows ColumnTransformer's conventions, checked against it."""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils import Bunch

from skmm.compose import MultiModalTransformer
from skmm.cross_decomposition import CCA

from test_multimodal import _mm, _records  # tests/compose is on sys.path (no __init__)

pd = pytest.importorskip("pandas")
NUM = ["a", "b", "c", "d"]


@pytest.fixture(scope="module")
def frame():
    X, y = _records(60)
    return pd.DataFrame(X), y


# ------------------------------------------------------------ fitted attributes

def test_feature_names_in_follow_the_records(frame):
    df, _ = frame
    mm = _mm().fit(df)
    ct = ColumnTransformer([("text", TfidfVectorizer(), "text"),
                            ("num", StandardScaler(), NUM)]).fit(df)
    np.testing.assert_array_equal(mm.feature_names_in_, ct.feature_names_in_)
    assert mm.n_features_in_ == ct.n_features_in_ == 5
    # Polars records name their columns too.
    pl = pytest.importorskip("polars")
    np.testing.assert_array_equal(_mm().fit(pl.DataFrame(df.to_dict("list"))).feature_names_in_,
                                  ct.feature_names_in_)
    # A dict has no column order sklearn recognises: no names, and a refit
    # on a dict forgets the DataFrame's.
    mm.fit(df.to_dict("list"))
    assert not hasattr(mm, "feature_names_in_") and not hasattr(mm, "n_features_in_")


def test_transformers_is_a_list_with_named_access(frame):
    df, _ = frame
    mm = _mm().fit(df)
    assert [(name, cols) for name, _, cols in mm.transformers_] == [("text", "text"),
                                                                   ("num", NUM)]
    assert isinstance(mm.named_transformers_, Bunch)
    assert mm.named_transformers_.num is mm.transformers_[1][1]
    np.testing.assert_allclose(mm.named_transformers_.num.mean_, df[NUM].mean().to_numpy())
    # The fitted ones are clones: the parameters stay unfitted.
    assert not hasattr(mm.modalities[1][1], "mean_")


def test_drop_and_passthrough(frame):
    df, _ = frame
    mm = MultiModalTransformer([("text", "drop", "text"), ("num", "passthrough", NUM)]).fit(df)
    ct = ColumnTransformer([("text", "drop", "text"), ("num", "passthrough", NUM)]).fit(df)
    np.testing.assert_array_equal(mm.transform(df), ct.transform(df))
    assert mm.views_ == [("num", slice(0, 4))]
    assert mm.named_transformers_.text == "drop"
    assert list(mm.get_feature_names_out()) == [f"num__{c}" for c in NUM]
    # A dropped modality's column is not needed at transform time.
    np.testing.assert_array_equal(mm.transform(df.drop(columns="text")), df[NUM].to_numpy())
    with pytest.raises(ValueError, match="Modality 'text' was dropped"):
        mm.transform_view(df, "text")
    # One column passed through is one feature named after it.
    one = MultiModalTransformer([("a", "passthrough", "a")]).fit(df)
    np.testing.assert_array_equal(one.transform(df), df[["a"]].to_numpy())
    assert list(one.get_feature_names_out()) == ["a__a"]
    with pytest.raises(ValueError, match="Every modality is 'drop'"):
        MultiModalTransformer([("text", "drop", "text")]).fit(df)
    with pytest.raises(ValueError, match="must be 'drop' or 'passthrough', got 'skip'"):
        MultiModalTransformer([("text", "skip", "text")]).fit(df)


def test_grid_search_can_drop_a_modality(frame):
    df, y = frame
    pipe = Pipeline([("mm", _mm()), ("svc", SVC())])
    search = GridSearchCV(pipe, {"mm__text": ["drop", TfidfVectorizer()]}, cv=3).fit(df, y)
    dropped = search.cv_results_["mean_test_score"][0]
    # The numeric view alone still carries the classes (reference: the same
    # pipeline on the numeric columns only).
    ref = GridSearchCV(Pipeline([("s", StandardScaler()), ("svc", SVC())]), {}, cv=3)
    assert dropped == pytest.approx(ref.fit(df[NUM], y).best_score_)


# ------------------------------------------------------------ metadata routing

class _Recorder(TransformerMixin, BaseEstimator):
    """Numbers through unchanged; remembers the sample_weight it was fitted with."""

    def fit(self, X, y=None, sample_weight=None):
        self.sample_weight_ = sample_weight
        return self

    def transform(self, X):
        return np.asarray(X, dtype=float)

    def get_feature_names_out(self, input_features=None):
        return np.asarray(input_features, dtype=object)


class _RecordingEmbedder(TransformerMixin, BaseEstimator):
    """Projects each view on its first column; remembers fit and score weights."""

    def __init__(self, views=None):
        self.views = views

    def fit(self, X, y=None, sample_weight=None):
        self.sample_weight_ = sample_weight
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        return np.column_stack([X[:, s.start] for _, s in self.views])

    def score(self, X, y=None, sample_weight=None):
        self.score_weight_ = sample_weight
        return float(np.average(X[:, 0], weights=sample_weight))


def test_sample_weight_is_routed_like_column_transformer(frame):
    df, _ = frame
    w = np.linspace(0.5, 2.0, len(df))
    with config_context(enable_metadata_routing=True):
        mm = MultiModalTransformer(
            [("text", TfidfVectorizer(), "text"),
             ("num", StandardScaler().set_fit_request(sample_weight=True), NUM),
             ("rec", _Recorder().set_fit_request(sample_weight=True), ["a"]),
             ("quiet", _Recorder().set_fit_request(sample_weight=False), ["b"]),
             ("plain", "passthrough", ["c"]), ("gone", "drop", ["d"])],
            embedder=_RecordingEmbedder().set_fit_request(sample_weight=True)
                                         .set_score_request(sample_weight=True))
        ct = ColumnTransformer(
            [("num", StandardScaler().set_fit_request(sample_weight=True), NUM)])
        for method in ("fit", "fit_transform"):
            getattr(mm, method)(df, sample_weight=w)
            # The reference: ColumnTransformer routes the same weights the same way.
            ref = ct.fit(df, sample_weight=w).named_transformers_["num"]
            np.testing.assert_allclose(mm.named_transformers_.num.mean_, ref.mean_)
            np.testing.assert_allclose(mm.named_transformers_.num.scale_, ref.scale_)
            assert mm.named_transformers_.rec.sample_weight_ is w
            assert mm.named_transformers_.quiet.sample_weight_ is None
            assert mm.embedder_.sample_weight_ is w
        assert mm.score(df, sample_weight=w) == pytest.approx(
            np.average(mm.transform(df)[:, 0], weights=w))
        assert mm.embedder_.score_weight_ is w
    # Weighted and unweighted means differ, so the weights did arrive.
    assert not np.allclose(mm.named_transformers_.num.mean_, df[NUM].mean())


def test_metadata_without_routing_is_refused(frame):
    df, _ = frame
    with pytest.raises(ValueError, match="only supported if enable_metadata_routing=True"):
        _mm().fit(df, sample_weight=np.ones(len(df)))


# ------------------------------------------------------------ score

def test_score_delegates_to_the_embedder(frame):
    df, _ = frame
    mm = _mm(CCA(n_components=2, reg=0.1)).fit(df)
    blocks = _mm().fit(df).transform(df)
    assert mm.score(df) == pytest.approx(mm.embedder_.score(blocks))
    # GridSearchCV without `scoring` uses it: the same number by hand.
    cv = KFold(3)
    search = GridSearchCV(_mm(CCA(n_components=1)), {"embedder__reg": [0.1]}, cv=cv).fit(df)
    by_hand = [_mm(CCA(n_components=1, reg=0.1)).fit(df.iloc[tr]).score(df.iloc[te])
               for tr, te in cv.split(df)]
    assert search.best_score_ == pytest.approx(np.mean(by_hand))


def test_score_needs_an_embedder_with_score(frame):
    df, _ = frame
    no_score = _mm(TruncatedSVD(2, random_state=0))
    assert not hasattr(no_score, "score") and not hasattr(_mm(), "score")
    with pytest.raises(AttributeError) as excinfo:
        no_score.fit(df).score(df)
    assert "TruncatedSVD has no `score`" in str(excinfo.value.__cause__)
    with pytest.raises(TypeError, match="should have a 'score' method"):
        GridSearchCV(no_score, {"embedder__n_components": [1, 2]}).fit(df)


# ------------------------------------------------------------ set_output

@pytest.mark.parametrize("container", ["pandas", "polars"])
def test_set_output_wraps_transform_and_transform_view(frame, container):
    lib = pytest.importorskip(container)
    df, y = frame
    df = df.set_index(df.index + 100)  # a DataFrame's index is kept (pandas)
    plain = _mm(CCA(n_components=2, reg=0.1)).fit(df)
    mm = _mm(CCA(n_components=2, reg=0.1)).set_output(transform=container)
    out = mm.fit_transform(df)
    assert isinstance(out, lib.DataFrame)
    np.testing.assert_allclose(out.to_numpy(), plain.transform(df), atol=1e-10)
    assert list(out.columns) == list(plain.get_feature_names_out())
    Z = mm.transform(df)
    assert isinstance(Z, lib.DataFrame) and list(Z.columns) == list(out.columns)
    view = mm.transform_view(df, "num")
    assert isinstance(view, lib.DataFrame) and view.shape == (len(df), 2)
    np.testing.assert_allclose(view.to_numpy(), plain.transform_view(df, "num"), atol=1e-10)
    if container == "pandas":
        assert list(Z.index) == list(df.index) == list(view.index)
    # Without an embedder the view keeps its block's feature names.
    blocks = _mm().set_output(transform=container).fit(df)
    assert list(blocks.transform_view(df, "num").columns) == [f"num__{c}" for c in NUM]
    # Inside a Pipeline, set on the Pipeline.
    pipe = Pipeline([("mm", _mm(CCA(n_components=2, reg=0.1))), ("scale", StandardScaler())])
    assert isinstance(pipe.set_output(transform=container).fit_transform(df), lib.DataFrame)
    assert isinstance(pipe.named_steps["mm"].transform_view(df, "text"), lib.DataFrame)


def test_global_pandas_output(frame):
    # set_config(transform_output="pandas") also reaches the inner transformers;
    # their DataFrames are read back as blocks and the values do not change.
    df, _ = frame
    plain = _mm(CCA(n_components=2, reg=0.1)).fit(df)
    with config_context(transform_output="pandas"):
        mm = _mm(CCA(n_components=2, reg=0.1)).fit(df)
        Z, view = mm.transform(df), mm.transform_view(df, "text")
    assert isinstance(Z, pd.DataFrame) and isinstance(view, pd.DataFrame)
    np.testing.assert_allclose(Z.to_numpy(), plain.transform(df), atol=1e-10)
    np.testing.assert_allclose(view.to_numpy(), plain.transform_view(df, "text"), atol=1e-10)
