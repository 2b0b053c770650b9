"""The estimator contract for MultiModalTransformer, on every accepted record type.

It takes records, not a 2-D array, so scikit-learn's common checks cannot
generate its input; this is the subset of them that applies, run on a pandas
DataFrame, a polars DataFrame, a dict of columns and a list of record dicts.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC
from sklearn.utils._param_validation import InvalidParameterError

from skmm.cross_decomposition import CCA
from skmm.utils.estimator_checks import check_raw_input_estimator

from test_multimodal import _mm, _records  # tests/compose is on sys.path (no __init__)

# Tiny corpora: fewer rows than TF-IDF columns, so the CCA family warns that its
# training correlations are inflated (tested in tests/cross_decomposition).
pytestmark = pytest.mark.filterwarnings("ignore:.*inflated towards 1:UserWarning")

pd = pytest.importorskip("pandas")
KINDS = ["pandas", "polars", "dict", "records"]
SLICEABLE = ["pandas", "polars", "records"]  # rows cut by cross-validation
EMBEDDERS = {"blocks": None, "cca": CCA(n_components=2, reg=0.1)}


def _as(kind, n=36):
    X, y = _records(n)
    if kind == "pandas":
        return pd.DataFrame(X), y
    if kind == "polars":
        pl = pytest.importorskip("polars")
        return pl.DataFrame(X), y
    if kind == "dict":
        return X, y
    return [dict(zip(X, row)) for row in zip(*X.values())], y


def _dense(Z):
    return Z.toarray() if hasattr(Z, "toarray") else np.asarray(Z)


@pytest.fixture(params=EMBEDDERS, ids=list(EMBEDDERS))
def estimator(request):
    return _mm(EMBEDDERS[request.param])


@pytest.mark.parametrize("kind", KINDS)
def test_clone_and_params(kind, estimator):
    X, _ = _as(kind)
    cloned = clone(estimator)
    assert cloned.get_params(deep=False).keys() == estimator.get_params(deep=False).keys()
    # Nested estimators are cloned, not shared.
    assert cloned.modalities[0][1] is not estimator.modalities[0][1]
    params = estimator.get_params(deep=True)
    assert {"text", "num", "text__min_df", "num__with_mean", "embedder"} <= set(params)
    # The get_params / set_params round trip changes nothing.
    again = clone(estimator).set_params(**estimator.get_params(deep=False))
    assert repr(again) == repr(estimator)
    cloned.set_params(text__min_df=2)
    assert cloned.fit(X).named_transformers_.text.min_df == 2
    assert estimator.modalities[0][1].min_df == 1
    if estimator.embedder is not None:
        cloned.set_params(embedder__n_components=1)
        assert cloned.fit(X).transform(X).shape[1] == 2  # one per view, concatenated


@pytest.mark.parametrize("kind", KINDS)
def test_not_fitted(kind, estimator):
    X, _ = _as(kind)
    for call in (lambda m: m.transform(X), lambda m: m.transform_view(X, "text"),
                 lambda m: m.get_feature_names_out()):
        with pytest.raises(NotFittedError):
            call(clone(estimator))
    if estimator.embedder is not None:
        with pytest.raises(NotFittedError):
            clone(estimator).score(X)


@pytest.mark.parametrize("kind", KINDS)
def test_fit_refit_pickle_and_feature_names(kind, estimator):
    X, _ = _as(kind)
    est = clone(estimator)
    assert est.fit(X) is est
    first = _dense(est.transform(X))
    assert first.shape[0] == 36 and np.all(np.isfinite(first))
    np.testing.assert_allclose(_dense(est.fit_transform(X)), first, atol=1e-12)
    np.testing.assert_allclose(_dense(clone(estimator).fit(X).transform(X)), first, atol=1e-12)
    est.fit(X)  # refitting the same object gives the same model
    np.testing.assert_allclose(_dense(est.transform(X)), first, atol=1e-12)
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(_dense(loaded.transform(X)), first)
    np.testing.assert_array_equal(_dense(loaded.transform_view(X, "num")),
                                  _dense(est.transform_view(X, "num")))
    names = est.get_feature_names_out()
    assert len(names) == first.shape[1] and len(set(names)) == len(names)


@pytest.mark.parametrize("kind", KINDS)
def test_every_record_type_gives_the_same_model(kind, estimator):
    X, _ = _as(kind)
    ref, _ = _as("pandas")
    a = clone(estimator).fit(ref)
    b = clone(estimator).fit(X)
    np.testing.assert_allclose(_dense(b.transform(X)), _dense(a.transform(ref)), atol=1e-12)
    np.testing.assert_array_equal(b.get_feature_names_out(), a.get_feature_names_out())
    assert b.views_ == a.views_


@pytest.mark.parametrize("kind", SLICEABLE)
def test_pipeline_and_grid_search(kind):
    X, y = _as(kind, n=60)
    pipe = Pipeline([("mm", _mm(CCA(reg=0.1))), ("svc", SVC())])
    grid = {"mm__text__min_df": [1, 2], "mm__embedder__n_components": [1, 2]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(pipe, grid, cv=cv).fit(X, y)
    # The same search on a pandas DataFrame is the reference.
    ref = GridSearchCV(pipe, grid, cv=cv).fit(_as("pandas", n=60)[0], y)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"],
                               ref.cv_results_["mean_test_score"])
    assert search.best_score_ >= 0.9


@pytest.mark.parametrize("kind", ["pandas", "records"])
def test_raw_input_contract(kind, estimator):
    # The shared raw-input checks apply where len(X) is the number of rows.
    X, y = _as(kind)
    check_raw_input_estimator(estimator, X, y, {"text__min_df": [1, 2]})


def test_parameters_are_validated_in_fit():
    X, _ = _as("dict")
    with pytest.raises(InvalidParameterError, match="sparse_threshold"):
        _mm().set_params(sparse_threshold=2.0).fit(X)
    with pytest.raises(InvalidParameterError, match="embedder"):
        _mm(embedder="cca").fit(X)
