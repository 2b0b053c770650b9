"""MultiModalTransformer: records -> per-modality blocks -> views -> embedder."""

import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.decomposition import PCA, FastICA
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skmm.compose import MultiModalTransformer
from skmm.cross_decomposition import CCA

WORDS = [["red", "apple", "cherry", "ruby", "rose"], ["green", "leaf", "grass", "lime", "moss"],
         ["blue", "sky", "sea", "navy", "ice"]]


def _records(n=60, seed=0):
    """Text and numeric views sharing a latent class."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    text = [" ".join(rng.choice(WORDS[c], size=4)) + " the of" for c in y]
    num = rng.normal(size=(n, 4)) + 2.0 * np.eye(3, 4)[y]
    return {"text": text, "a": num[:, 0], "b": num[:, 1], "c": num[:, 2], "d": num[:, 3]}, y


def _mm(embedder=None):
    return MultiModalTransformer(
        [("text", TfidfVectorizer(), "text"), ("num", StandardScaler(), ["a", "b", "c", "d"])],
        embedder=embedder,
    )


def test_blocks_equal_the_transformers_outputs():
    X, _ = _records()
    mm = _mm().fit(X)
    Xt = mm.transform(X)
    text = TfidfVectorizer().fit_transform(X["text"]).toarray()
    num = StandardScaler().fit_transform(np.column_stack([X[c] for c in "abcd"]))
    np.testing.assert_allclose(Xt, np.hstack([text, num]))
    assert mm.views_ == [("text", slice(0, text.shape[1])),
                         ("num", slice(text.shape[1], text.shape[1] + 4))]
    assert list(mm.get_feature_names_out()[-4:]) == ["num__a", "num__b", "num__c", "num__d"]


def test_dataframe_and_dict_give_the_same_output():
    pd = pytest.importorskip("pandas")
    X, _ = _records()
    np.testing.assert_allclose(_mm().fit_transform(pd.DataFrame(X)), _mm().fit_transform(X))


def test_embedder_receives_the_block_widths():
    X, y = _records()
    mm = _mm(CCA(n_components=2)).fit(X)
    width = mm.views_[0][1].stop
    assert mm.embedder_.views == mm.views_
    # The embedder alone on the stacked blocks gives the same projection.
    blocks = _mm().fit_transform(X)
    ref = CCA(n_components=2, views=[("text", width), ("num", 4)]).fit(blocks)
    np.testing.assert_allclose(mm.transform(X), ref.transform(blocks), atol=1e-10)


def test_transform_view_is_the_per_view_projection():
    X, y = _records()
    mm = _mm(CCA(n_components=2)).fit(X)
    Z = mm.transform(X)  # combine="concat": text projection, then numeric projection
    np.testing.assert_allclose(mm.transform_view({"text": X["text"]}, "text"), Z[:, :2], atol=1e-10)
    np.testing.assert_allclose(mm.transform_view(X, "num"), Z[:, 2:], atol=1e-10)
    # A plain list is the modality's input itself: a text-only query.
    np.testing.assert_allclose(mm.transform_view(X["text"][:3], "text"), Z[:3, :2], atol=1e-10)


def test_grid_search_reaches_nested_parameters():
    # Cross-validation slices rows, so the records are a DataFrame here.
    pd = pytest.importorskip("pandas")
    X, y = _records(90)
    X = pd.DataFrame(X)
    pipe = Pipeline([("mm", _mm(CCA())), ("svc", SVC())])
    grid = {"mm__text__min_df": [1, 2], "mm__embedder__n_components": [1, 2]}
    search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert set(search.best_params_) == set(grid)
    assert search.best_score_ > 0.9  # the classes are well separated in both views


def test_joblib_round_trip_in_a_fresh_process(tmp_path):
    X, y = _records()
    pipe = Pipeline([("mm", _mm(CCA(n_components=2))), ("svc", SVC())]).fit(X, y)
    path = tmp_path / "model.joblib"
    joblib.dump((pipe, X), path)
    expected = pipe.decision_function(X)
    code = ("import joblib, numpy as np, sys; pipe, X = joblib.load(sys.argv[1]); "
            "np.save(sys.argv[2], pipe.decision_function(X))")
    subprocess.run([sys.executable, "-c", code, str(path), str(tmp_path / "out.npy")], check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), expected)


def test_clone_pickle_and_refit_are_stable():
    X, y = _records()
    mm = _mm(PCA(3))
    a = clone(mm).fit_transform(X)
    fitted = mm.fit(X)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(fitted)).transform(X), a)
    np.testing.assert_allclose(clone(mm).fit(X).transform(X), a)
    assert mm.get_params()["text__min_df"] == 1
    mm.set_params(text__min_df=2, num="passthrough")
    assert mm.modalities[0][1].min_df == 2 and mm.modalities[1][1] == "passthrough"


def test_errors():
    X, y = _records()
    with pytest.raises(NotFittedError):
        _mm().transform(X)
    mm = _mm().fit(X)
    missing = {k: v for k, v in X.items() if k != "text"}
    with pytest.raises(ValueError, match=r"Modality 'text' needs column\(s\) \['text'\]"):
        mm.transform(missing)
    bad = dict(X, a=X["a"][:-1])
    with pytest.raises(ValueError, match="same length"):
        _mm().fit(bad)
    with pytest.raises(ValueError, match="Unknown view 'audio'"):
        mm.transform_view(X, "audio")
    with pytest.raises(TypeError, match="DataFrame or a dict"):
        _mm().fit(np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"\(name, transformer, columns\) tuple"):
        MultiModalTransformer([("text", TfidfVectorizer())]).fit(X)
    with pytest.raises(ValueError, match="not unique"):
        MultiModalTransformer([("t", TfidfVectorizer(), "text"),
                               ("t", StandardScaler(), ["a"])]).fit(X)
    with pytest.raises(TypeError, match="cannot embed a single view"):
        _mm(PCA(2)).fit(X).transform_view(X, "text")


def test_output_type_is_decided_at_fit():
    # A sparse TF-IDF block with a small dense block stays sparse in fit; a
    # transform batch of other density must not switch the output type.
    X, _ = _records()
    mm = MultiModalTransformer([("text", TfidfVectorizer(), "text"),
                                ("num", "passthrough", ["a"])], sparse_threshold=0.9).fit(X)
    assert mm.sparse_output_
    dense_batch = {"text": ["red apple cherry ruby rose"] * 3, "a": [1.0, 2.0, 3.0]}
    assert sp.issparse(mm.transform(dense_batch))
    # FastICA's tags refuse sparse input: dense whatever the threshold.
    ica = FastICA(2, random_state=0, whiten="unit-variance", max_iter=1000, tol=1e-2)
    mm = MultiModalTransformer([("text", TfidfVectorizer(), "text")], embedder=ica,
                               sparse_threshold=1.0).fit(X)
    assert not mm.sparse_output_
