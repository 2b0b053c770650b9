"""CrossModalRetriever, the retrieval scorers and semantic matching."""

import pickle

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from skmm.compose import MultiModalTransformer, ZeroRowWarning
from skmm.cross_decomposition import CCA
from skmm.metrics import mean_average_precision, ndcg_at_k, precision_at_k, recall_at_k
from skmm.retrieval import (
    CrossModalRetriever,
    SemanticMatching,
    make_retrieval_scorer,
    retrieval_score,
)

VIEWS = {"img": 4, "txt": 3}


def _data(n=60, seed=0, noise=0.6):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), n // 3)
    centres = rng.standard_normal((3, 4))
    X = np.hstack([centres[y] + noise * rng.standard_normal((n, 4)),
                   centres[y, :3] @ rng.standard_normal((3, 3))
                   + noise * rng.standard_normal((n, 3))])
    return X, y


def test_query_equals_brute_force_on_transform_view():
    X, y = _data()
    ret = CrossModalRetriever(CCA(2, views=VIEWS), query_view="txt", item_view="img",
                              batch_size=7).fit(X)
    cca = ret.embedder_
    Q = cca.transform_view(X[:10, 4:], "txt")
    items = cca.transform_view(X[:, :4], "img")
    S = cosine_similarity(Q, items)
    idx, s = ret.query(X[:10, 4:], k=5)
    np.testing.assert_array_equal(idx, np.argsort(-S, axis=1, kind="stable")[:, :5])
    np.testing.assert_allclose(s, np.sort(S, axis=1)[:, ::-1][:, :5])


def test_index_replaces_gallery_and_k_beyond_gallery():
    X, y = _data()
    ret = CrossModalRetriever(CCA(2, views=VIEWS), query_view=1, item_view=0).fit(X)
    assert ret.n_items_ == 60
    ret.index(X[:4, :4])
    idx, _ = ret.query(X[:2, 4:], k=10)
    assert idx.shape == (2, 4) and set(idx[0]) == {0, 1, 2, 3}


def test_correlation_weighting_scales_coordinates():
    X, y = _data()
    ret = CrossModalRetriever(CCA(2, views=VIEWS), weighting="correlation").fit(X)
    rho = ret.embedder_.canonical_correlations_
    np.testing.assert_allclose(ret.component_weights_, rho)
    np.testing.assert_allclose(ret.index_, ret.embedder_.transform_view(X[:, 4:], "txt") * rho)
    Qw = ret.embedder_.transform_view(X[:, :4], "img") * rho
    ref = mean_average_precision(y, y, cosine_similarity(Qw, ret.index_))
    assert ret.score(X, y) == pytest.approx(ref)


@pytest.mark.parametrize("name,func,k", [
    ("map", mean_average_precision, None), ("map@k", mean_average_precision, 5),
    ("precision@k", precision_at_k, 5), ("recall@k", recall_at_k, 5), ("ndcg@k", ndcg_at_k, 5),
])
@pytest.mark.parametrize("direction", [("img", "txt"), ("txt", "img")])
def test_scorer_equals_metric_on_embedded_views(name, func, k, direction):
    X, y = _data()
    cca = CCA(2, views=VIEWS).fit(X[:40])
    scorer = make_retrieval_scorer(name, direction=direction, k=k)
    qv, iv = direction
    cols = {"img": slice(0, 4), "txt": slice(4, 7)}
    S = cosine_similarity(cca.transform_view(X[40:, cols[qv]], qv),
                          cca.transform_view(X[40:, cols[iv]], iv))
    ref = func(y[40:], y[40:], S, **({} if k is None else {"k": k}))
    assert scorer(cca, X[40:], y[40:]) == pytest.approx(ref)


def test_pair_relevance_and_both_directions():
    X, y = _data()
    cca = CCA(2, views=VIEWS).fit(X)
    S = cosine_similarity(cca.transform_view(X[:, :4], 0), cca.transform_view(X[:, 4:], 1))
    n = len(y)
    ref = mean_average_precision(np.arange(n), np.arange(n), S)
    assert retrieval_score(cca, X, relevance="pair") == pytest.approx(ref)
    both = (mean_average_precision(y, y, S) + mean_average_precision(y, y, S.T)) / 2
    assert retrieval_score(cca, X, y, direction="both") == pytest.approx(both)


def test_frozen_embedder_is_not_refitted():
    X, y = _data()
    cca = CCA(2, views=VIEWS).fit(X[:30])
    ret = CrossModalRetriever(FrozenEstimator(cca)).fit(X)
    assert ret.embedder_ is cca
    np.testing.assert_allclose(ret.index_, cca.transform_view(X[:, 4:], "txt"))


def test_retriever_pickles_and_grid_search_uses_score():
    X, y = _data()
    search = GridSearchCV(CrossModalRetriever(CCA(views=VIEWS)),
                          {"embedder__n_components": [1, 2]}, cv=3).fit(X, y)
    assert search.best_params_["embedder__n_components"] in (1, 2)
    ret = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_array_equal(ret.query(X[:3, :4])[0],
                                  search.best_estimator_.query(X[:3, :4])[0])


# --- a full MultiModalTransformer pipeline tuned by retrieval quality --------------
def _records():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    words = [["red", "apple", "cherry"], ["green", "leaf", "grass"], ["blue", "sea", "sky"]]
    y = np.repeat(np.arange(3), 20)
    text = [" ".join(rng.choice(words[c], 3)) + " " + rng.choice(["the", "a", "one"])
            for c in y]
    hue = y * 0.3 + 0.05 * rng.standard_normal(60)
    size = 2.0 * y + 0.5 * rng.standard_normal(60)
    order = rng.permutation(60)
    frame = pd.DataFrame({"text": text, "hue": hue, "size": size}).iloc[order]
    return frame.reset_index(drop=True), y[order]


def test_grid_search_over_multimodal_pipeline_driven_by_retrieval_scorer():
    records, y = _records()
    mm = MultiModalTransformer(
        [("words", TfidfVectorizer(), "text"), ("shape", StandardScaler(), ["hue", "size"])],
        embedder=CCA(n_components=2, reg=0.1),
    )
    scorer = make_retrieval_scorer("map", direction=("words", "shape"))
    grid = {"words__binary": [False, True], "embedder__reg": [0.01, 0.9]}
    search = GridSearchCV(mm, grid, scoring=scorer, cv=3).fit(records, y)
    # The reported score is the scorer on each held-out fold, recomputed here.
    from sklearn.model_selection import KFold
    best = search.best_params_
    folds = []
    for train, test in KFold(3).split(records):
        est = mm.set_params(**best).fit(records.iloc[train], y[train])
        Q = est.transform_view(records.iloc[test], "words")
        items = est.transform_view(records.iloc[test], "shape")
        folds.append(mean_average_precision(y[test], y[test], cosine_similarity(Q, items)))
    assert search.best_score_ == pytest.approx(np.mean(folds))
    assert search.best_score_ > 0.6  # random scores give about 0.36

    # The same pipeline inside a retriever: text queries, shape items.
    ret = CrossModalRetriever(mm, query_view="words", item_view="shape").fit(records, y)
    idx, _ = ret.query(records.iloc[:5], k=3)
    assert idx.shape == (5, 3)
    assert ret.score(records, y) == pytest.approx(scorer(ret.embedder_, records, y))


# --- semantic matching ---------------------------------------------------------
def test_semantic_matching_is_per_view_logistic_posteriors():
    X, y = _data()
    sm = SemanticMatching(views=VIEWS, center=False).fit(X, y)
    for cols, name in ((slice(0, 4), "img"), (slice(4, 7), "txt")):
        ref = LogisticRegression(max_iter=1000).fit(X[:, cols], y).predict_proba(X[:, cols])
        np.testing.assert_allclose(sm.transform_view(X[:, cols], name), ref, rtol=1e-6)
    centred = SemanticMatching(views=VIEWS).fit(X, y)
    Z = centred.transform_view(X[:, :4], "img")
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)


def test_semantic_correlation_matching_classifies_the_cca_projection():
    X, y = _data()
    scm = SemanticMatching(embedder=CCA(2), views=VIEWS, center=False).fit(X, y)
    cca = CCA(2, views=VIEWS).fit(X)
    Zi = cca.transform_view(X[:, :4], "img")
    ref = LogisticRegression(max_iter=1000).fit(Zi, y).predict_proba(Zi)
    np.testing.assert_allclose(scm.transform_view(X[:, :4], "img"), ref, rtol=1e-6)


def test_semantic_matching_inner_product_is_probability_of_same_class():
    # Uncentred posteriors compared by inner product: sum_c P(c | image) P(c | text),
    # the probability that the query and the item share their class.
    X, y = _data()
    names = np.array(["c", "a", "b"])[y]
    ret = CrossModalRetriever(SemanticMatching(views=VIEWS, center=False),
                              query_view="img", item_view="txt", metric="inner").fit(X, names)
    Pi = LogisticRegression(max_iter=1000).fit(X[:, :4], names).predict_proba(X[:, :4])
    Pt = LogisticRegression(max_iter=1000).fit(X[:, 4:], names).predict_proba(X[:, 4:])
    same = np.array([[sum(Pi[q, c] * Pt[j, c] for c in range(3)) for j in range(60)]
                     for q in range(60)])
    idx, s = ret.query(X[:5, :4], k=60)
    np.testing.assert_allclose(s, np.take_along_axis(same[:5], idx, axis=1), rtol=1e-6)
    np.testing.assert_allclose(s, np.sort(same[:5], axis=1)[:, ::-1], rtol=1e-6)
    assert retrieval_score(ret, X, names) == pytest.approx(
        mean_average_precision(names, names, same))


def test_semantic_matching_string_labels_keep_class_order():
    X, y = _data()
    names = np.array(["c", "a", "b"])[y]
    sm = SemanticMatching(views=VIEWS, center=False).fit(X, names)
    assert sm.classes_.tolist() == ["a", "b", "c"]
    assert sm.get_feature_names_out().tolist()[:3] == [
        "semanticmatching_img_0", "semanticmatching_img_1", "semanticmatching_img_2"]


# --- bad input -----------------------------------------------------------------
def test_unknown_query_view():
    X, y = _data()
    with pytest.raises(ValueError, match="Unknown view 'audio'.*not seen at fit"):
        CrossModalRetriever(CCA(views=VIEWS), query_view="audio").fit(X)
    ret = CrossModalRetriever(CCA(views=VIEWS)).fit(X)
    with pytest.raises(ValueError, match="Unknown view 'audio'"):
        retrieval_score(ret.embedder_, X, y, direction=("audio", "img"))


def test_multimodal_unknown_modality():
    records, y = _records()
    mm = MultiModalTransformer([("words", TfidfVectorizer(), "text"),
                                ("shape", StandardScaler(), ["hue", "size"])],
                               embedder=CCA(n_components=1))
    with pytest.raises(ValueError, match="Unknown view 'audio'"):
        CrossModalRetriever(mm, query_view="audio", item_view="shape").fit(records, y)


def test_empty_gallery():
    X, y = _data()
    ret = CrossModalRetriever(CCA(views=VIEWS)).fit(X)
    with pytest.raises(ValueError, match="gallery is empty: index got 0 items of view 'txt'"):
        ret.index(X[:0, 4:])
    with pytest.raises(ValueError, match="queries are empty"):
        ret.query(X[:0, :4])


def test_queries_with_no_known_token_warn():
    records, y = _records()
    mm = MultiModalTransformer([("words", TfidfVectorizer(), "text"),
                                ("shape", StandardScaler(), ["hue", "size"])],
                               embedder=CCA(n_components=1))
    ret = CrossModalRetriever(mm, query_view="words", item_view="shape").fit(records, y)
    with pytest.warns(ZeroRowWarning, match=r"Modality 'words': 1 of 2 rows have an all-zero "
                                            r"block \(row 1\)"):
        idx, s = ret.query(["red apple", "zebra xylophone"], k=2)
    assert idx.shape == (2, 2)


def test_labels_that_cannot_match():
    X, y = _data()
    cca = CCA(views=VIEWS).fit(X)
    with pytest.raises(ValueError, match="need labels y"):
        retrieval_score(cca, X)
    with pytest.raises(TypeError, match="mixes label types"):
        retrieval_score(cca, X, np.array([1, "a"] * 30, dtype=object))


def test_bad_scorer_arguments():
    with pytest.raises(ValueError, match="metric must be one of"):
        make_retrieval_scorer("auc")
    with pytest.raises(ValueError, match="relevance must be"):
        make_retrieval_scorer(relevance="item")
    with pytest.raises(ValueError, match="direction must be"):
        retrieval_score(CCA(views=VIEWS).fit(_data()[0]), _data()[0], _data()[1],
                        direction="img")


def test_weighting_needs_canonical_correlations():
    X, y = _data()
    with pytest.raises(ValueError, match="canonical_correlations_"):
        CrossModalRetriever(SemanticMatching(views=VIEWS),
                            weighting="correlation").fit(X, y)


def test_semantic_matching_needs_labels():
    X, _ = _data()
    with pytest.raises(ValueError, match="requires y to be passed"):
        SemanticMatching(views=VIEWS).fit(X)
