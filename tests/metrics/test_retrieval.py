"""Retrieval metrics against scikit-learn, brute force over tie orders, closed forms."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import config_context
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import average_precision_score, ndcg_score
from sklearn.metrics import precision_recall_curve as sk_pr_curve

from skmm.metrics import (
    average_precision_per_query,
    mean_average_precision,
    ndcg_at_k,
    precision_at_k,
    precision_recall_curve,
    recall_at_k,
)


def _tied_case(seed, kind):
    """Queries, items and heavily tied scores; every query has a relevant item."""
    rng = np.random.default_rng(seed)
    n_cls = rng.integers(2, 5)
    n_q, n_i = rng.integers(1, 12), rng.integers(n_cls, 40)
    yi = rng.integers(0, n_cls, n_i)
    yi[:n_cls] = np.arange(n_cls)  # every class among the items
    yq = rng.integers(0, n_cls, n_q)
    if kind == "rounded":
        scores = np.round(rng.normal(size=(n_q, n_i)), 1)
    elif kind == "hamming":  # negated Hamming distances between 8-bit codes
        cq, ci = rng.integers(0, 2, (n_q, 8)), rng.integers(0, 2, (n_i, 8))
        scores = -(cq[:, None, :] != ci[None, :, :]).sum(-1)
    else:  # few distinct values: large tied blocks
        scores = rng.integers(0, 3, (n_q, n_i))
    return yq, yi, scores


CASES = [(seed, kind) for kind in ("rounded", "hamming", "coarse") for seed in range(40)]


# ------------------------------------------------------------ AP and MAP
@pytest.mark.parametrize("seed, kind", CASES)
def test_ap_equals_sklearn_with_ties(seed, kind):
    yq, yi, scores = _tied_case(seed, kind)
    ref = [average_precision_score(yi == c, s) for c, s in zip(yq, scores)]
    np.testing.assert_allclose(
        average_precision_per_query(yq, yi, scores), ref, rtol=1e-12, atol=0
    )
    assert mean_average_precision(yq, yi, scores) == pytest.approx(
        np.mean(ref), rel=1e-12
    )


def test_ap_matches_sklearn_without_ties_both_policies():
    rng = np.random.default_rng(0)
    yq, yi = rng.integers(0, 4, 30), rng.integers(0, 4, 50)
    yi[:4] = np.arange(4)
    scores = rng.normal(size=(30, 50))
    ref = [average_precision_score(yi == c, s) for c, s in zip(yq, scores)]
    for ties in ("average", "order"):
        np.testing.assert_allclose(
            average_precision_per_query(yq, yi, scores, ties=ties), ref, rtol=1e-12
        )


def test_ties_are_not_broken_by_item_order():
    # the relevant item ties with an irrelevant one: its position must not matter
    for yi in ([0, 1], [1, 0]):
        assert mean_average_precision([0], yi, [[3, 3]]) == 0.5
    assert mean_average_precision([0], [0, 1], [[3, 3]], ties="order") == 1.0
    assert mean_average_precision([0], [1, 0], [[3, 3]], ties="order") == 0.5


def test_ties_order_equals_stable_sort_reference():
    yq, yi, scores = _tied_case(3, "coarse")
    ref = []
    for c, s in zip(yq, scores):
        rel = (yi == c)[np.argsort(-s, kind="stable")]
        prec = np.cumsum(rel) / np.arange(1, len(rel) + 1)
        ref.append((prec * rel).sum() / rel.sum())
    np.testing.assert_allclose(
        average_precision_per_query(yq, yi, scores, ties="order"), ref, rtol=1e-12
    )


def test_random_scores_map_is_class_prior():
    # Expected AP of a random ranking -> fraction of relevant items (the 0.118 of
    # the Wikipedia benchmark); with many queries the mean is close to it.
    rng = np.random.default_rng(1)
    yi = np.repeat(np.arange(5), 40)
    yq = np.repeat(np.arange(5), 200)
    m = mean_average_precision(yq, yi, rng.random((1000, 200)))
    assert m == pytest.approx(0.2, abs=0.02)


def test_ap_at_k():
    scores = [[0.9, 0.8, 0.7, 0.1]]
    # relevant at ranks 1 and 3 (of 4): AP@2 uses the one found in the top 2
    assert mean_average_precision([0], [0, 1, 0, 0], scores, k=2) == 1.0
    assert mean_average_precision([0], [0, 1, 0, 0], scores, k=3) == pytest.approx(
        (1 + 2 / 3) / 2
    )
    assert mean_average_precision([0], [1, 1, 1, 0], scores, k=3) == 0.0
    # k beyond the ranking is the full ranking
    yq, yi, s = _tied_case(5, "hamming")
    assert mean_average_precision(yq, yi, s, k=10_000) == mean_average_precision(
        yq, yi, s
    )


def test_ap_at_k_cutting_a_tied_block():
    # ranks: item0 (rel) alone, then a block of 4 tied items holding 2 relevant.
    # Top 3 = item0 + 2 of the block: expected 1 + 1 hit, precision at the cut 2/3.
    scores = [[5, 1, 1, 1, 1]]
    yi = [0, 0, 1, 0, 1]
    expected = (1 * 1.0 + 1.0 * (2 / 3)) / 2
    assert mean_average_precision([0], yi, scores, k=3) == pytest.approx(expected)


# ------------------------------------------------------- precision / recall
def _brute_force_tie_average(rel, s, k, stat):
    """Mean of ``stat(ranked relevance)`` over every order of every tied block."""
    values = []
    blocks = [np.flatnonzero(s == v) for v in sorted(set(s), reverse=True)]
    for perms in itertools.product(*(itertools.permutations(b) for b in blocks)):
        order = np.concatenate(perms)
        values.append(stat(rel[order][:k]))
    return np.mean(values)


@pytest.mark.parametrize("seed", range(12))
def test_precision_recall_ndcg_at_k_are_expectations_over_tie_orders(seed):
    rng = np.random.default_rng(seed)
    n = 7
    yi = rng.integers(0, 2, n)
    yi[0] = 1
    s = rng.integers(0, 3, n).astype(float)
    rel = (yi == 1).astype(float)
    disc = 1 / np.log2(np.arange(2, n + 2))
    for k in (1, 3, 5, 7):
        p = _brute_force_tie_average(rel, s, k, lambda r: r.sum() / k)
        r = _brute_force_tie_average(rel, s, k, lambda r: r.sum() / rel.sum())
        ideal = disc[: min(int(rel.sum()), k)].sum()
        g = _brute_force_tie_average(rel, s, k, lambda r: (r * disc[: len(r)]).sum())
        assert precision_at_k([1], yi, [s], k=k) == pytest.approx(p, rel=1e-12)
        assert recall_at_k([1], yi, [s], k=k) == pytest.approx(r, rel=1e-12)
        assert ndcg_at_k([1], yi, [s], k=k) == pytest.approx(g / ideal, rel=1e-12)


@pytest.mark.parametrize("seed, kind", CASES[::5])
def test_precision_recall_at_k_order_equals_stable_sort(seed, kind):
    yq, yi, scores = _tied_case(seed, kind)
    rel = yq[:, None] == yi[None, :]
    ranked = np.take_along_axis(rel, np.argsort(-scores, axis=1, kind="stable"), 1)
    for k in (1, 2, 5, 50):
        hits = ranked[:, :k].sum(axis=1)
        assert precision_at_k(yq, yi, scores, k=k, ties="order") == pytest.approx(
            np.mean(hits / k), rel=1e-12
        )
        assert recall_at_k(yq, yi, scores, k=k, ties="order") == pytest.approx(
            np.mean(hits / rel.sum(axis=1)), rel=1e-12
        )


def test_precision_and_recall_at_k_values():
    scores = np.array([[0.9, 0.8, 0.1, 0.0]])
    assert precision_at_k([1], [1, 0, 1, 1], scores, k=2) == 0.5
    assert recall_at_k([1], [1, 0, 1, 1], scores, k=2) == pytest.approx(1 / 3)
    assert recall_at_k([1], [1, 0, 1, 1], scores, k=None) == 1.0
    assert precision_at_k([1], [1, 0, 1, 1], scores, k=None) == 0.75


def test_k_is_checked_everywhere_and_short_lists_count_misses():
    scores = [[0.9, 0.1]]
    for f in (
        mean_average_precision,
        precision_at_k,
        recall_at_k,
        ndcg_at_k,
        precision_recall_curve,
    ):
        for k in (0, -1, 1.5, True):
            with pytest.raises(ValueError, match="k must be a positive integer"):
                f([0], [0, 1], scores, k=k)
    # two items, one relevant, k=4: one hit out of four ranks
    assert precision_at_k([0], [0, 1], scores, k=4) == 0.25
    assert recall_at_k([0], [0, 1], scores, k=4) == 1.0


# ------------------------------------------------------------------ NDCG
@pytest.mark.parametrize("seed, kind", CASES[::3])
@pytest.mark.parametrize("k", [None, 1, 3, 10])
def test_ndcg_equals_sklearn(seed, kind, k):
    yq, yi, scores = _tied_case(seed, kind)
    rel = (yq[:, None] == yi[None, :]).astype(float)
    if scores.shape[1] < 2:
        pytest.skip("sklearn's ndcg_score needs two items")
    assert ndcg_at_k(yq, yi, scores, k=k) == pytest.approx(
        ndcg_score(rel, scores, k=k), rel=1e-12
    )


def test_ndcg_order_equals_sklearn_ignore_ties_without_ties():
    rng = np.random.default_rng(2)
    yq, yi = rng.integers(0, 3, 8), np.tile(np.arange(3), 5)
    scores = rng.normal(size=(8, 15))
    rel = (yq[:, None] == yi[None, :]).astype(float)
    assert ndcg_at_k(yq, yi, scores, k=5, ties="order") == pytest.approx(
        ndcg_score(rel, scores, k=5, ignore_ties=True), rel=1e-12
    )


# ------------------------------------------------------ precision-recall curve
def _sk_interpolated(rel, s, levels):
    p, r, _ = sk_pr_curve(rel, s)
    p, r = p[:-1], r[:-1]  # drop sklearn's artificial (recall 0, precision 1) end
    return np.array([p[r >= lv - 1e-12].max() for lv in levels])


@pytest.mark.parametrize("seed, kind", CASES[::4])
def test_pr_curve_equals_sklearn_interpolated(seed, kind):
    yq, yi, scores = _tied_case(seed, kind)
    levels = np.linspace(0, 1, 11)
    ref = np.mean(
        [_sk_interpolated(yi == c, s, levels) for c, s in zip(yq, scores)], axis=0
    )
    p, r = precision_recall_curve(yq, yi, scores)
    np.testing.assert_allclose(r, levels)
    np.testing.assert_allclose(p, ref, rtol=1e-12)


def test_pr_curve_with_k_and_levels():
    # relevant at ranks 1 and 4 of 4: the top 2 reach recall 0.5 only
    p, r = precision_recall_curve([0], [0, 1, 1, 0], [[4, 3, 2, 1]], k=2,
                                  recall_levels=[0.0, 0.5, 1.0])  # fmt: skip
    np.testing.assert_allclose(p, [1.0, 1.0, 0.0])
    p, _ = precision_recall_curve([0], [0, 1, 1, 0], [[4, 3, 2, 1]], recall_levels=3)
    np.testing.assert_allclose(p, [1.0, 1.0, 0.5])
    with pytest.raises(ValueError, match="recall_levels must be"):
        precision_recall_curve([0], [0, 1], [[1, 0]], recall_levels=[0.5, 2])
    with pytest.raises(ValueError, match="recall_levels must be >= 2"):
        precision_recall_curve([0], [0, 1], [[1, 0]], recall_levels=1)


# --------------------------------------------------------- relevance forms
def test_multilabel_indicators_sets_and_sparse_agree():
    scores = np.array([[0.9, 0.8, 0.1, 0.0]])
    Yq = np.array([[1, 0, 1]])
    Yi = np.array([[0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 1, 1]])
    # relevant: items 0, 2, 3; ranking 0,1,2,3 -> precisions 1, 2/3, 3/4
    expected = (1 + 2 / 3 + 3 / 4) / 3
    assert mean_average_precision(Yq, Yi, scores) == pytest.approx(expected)
    assert mean_average_precision(
        sp.csr_array(Yq), sp.csr_array(Yi), scores
    ) == pytest.approx(expected)
    sets_q = [{"a", "c"}]
    sets_i = [{"c"}, {"b"}, {"a"}, {"b", "c"}]
    assert mean_average_precision(sets_q, sets_i, scores) == pytest.approx(expected)
    pd = pytest.importorskip("pandas")
    assert mean_average_precision(
        pd.Series(sets_q), pd.Series(sets_i), scores
    ) == pytest.approx(expected)
    for f in (precision_at_k, recall_at_k, ndcg_at_k):
        assert f(sets_q, sets_i, scores, k=3) == pytest.approx(f(Yq, Yi, scores, k=3))


def test_pair_level_relevance_is_item_ids():
    # query i and item i are the same document: AP = 1 / rank of the pair
    scores = np.array([[0.9, 0.5, 0.1], [0.9, 0.5, 0.1], [0.2, 0.1, 0.3]])
    ids = np.arange(3)
    np.testing.assert_allclose(
        average_precision_per_query(ids, ids, scores), [1.0, 1 / 2, 1.0]
    )
    assert recall_at_k(ids, ids, scores, k=1) == pytest.approx(2 / 3)
    # string ids work the same
    names = np.array(["doc0", "doc1", "doc2"])
    assert mean_average_precision(names, names, scores) == pytest.approx(
        mean_average_precision(ids, ids, scores)
    )


def test_string_labels_on_both_sides():
    scores = [[0.9, 0.1, 0.5], [0.2, 0.3, 0.8]]
    assert mean_average_precision(["a", "b"], ["a", "b", "a"], scores) == 0.75
    assert mean_average_precision(
        np.array(["a", "b"], dtype=object), ["a", "b", "a"], scores
    ) == 0.75


# ----------------------------------------------------------------- bad input
def test_label_types_that_cannot_match_raise():
    scores = [[0.9, 0.1, 0.5]]
    with pytest.raises(
        TypeError,
        match=r"y_query holds string labels \(dtype <U1\) but y_items holds number "
        r"labels \(dtype int64\)",
    ):
        mean_average_precision(["0"], [0, 1, 0], scores)
    with pytest.raises(TypeError, match=r"y_query holds number labels .* bytes"):
        mean_average_precision([0], np.array([b"a", b"b", b"a"]), scores)
    with pytest.raises(TypeError, match=r"y_items mixes label types"):
        mean_average_precision([0], np.array([0, "a", 1], dtype=object), scores)
    with pytest.raises(TypeError, match=r"y_items\[1\] is None"):
        mean_average_precision([0], np.array([0, None, 1], dtype=object), scores)
    with pytest.raises(ValueError, match="y_query contains NaN at position 0"):
        mean_average_precision([np.nan], [0.0, 1.0, 0.0], scores)
    with pytest.raises(TypeError, match="label sets mix label types"):
        mean_average_precision([{"a"}], [{1}, {2}, {"b"}], scores)


def test_bad_label_shapes_and_forms():
    scores = [[0.9, 0.1]]
    with pytest.raises(ValueError, match="same form: one is a sequence of sets"):
        mean_average_precision([{0}], [0, 1], scores)
    with pytest.raises(ValueError, match="both be 1-D class labels, both 2-D"):
        mean_average_precision([0], [[0, 1], [1, 0]], scores)
    with pytest.raises(ValueError, match="y_query has 3 label columns but y_items has 2"):
        mean_average_precision([[0, 1, 1]], [[0, 1], [1, 0]], scores)
    with pytest.raises(ValueError, match=r"y_query\[0, 1\] is 2: 2-D labels must be a 0/1"):
        mean_average_precision([[0, 2]], [[0, 1], [1, 0]], scores)
    with pytest.raises(TypeError, match="0/1 indicator matrix"):
        mean_average_precision([["a", "b"]], [["a", "b"], ["b", "a"]], scores)
    with pytest.raises(ValueError, match="not a rectangular array"):
        mean_average_precision([[0, 1]], [[0], [1, 0]], scores)


def test_bad_scores():
    with pytest.raises(ValueError, match="scores has 2 columns but there are 3 items"):
        mean_average_precision([0], [0, 1, 0], [[0.1, 0.2]])
    with pytest.raises(ValueError, match="scores has 1 rows but there are 2 queries"):
        recall_at_k([0, 1], [0, 1], [[0.1, 0.2]])
    with pytest.raises(ValueError, match="NaN"):
        mean_average_precision([0], [0, 1], [[np.nan, 1.0]])
    with pytest.raises(ValueError, match="ties must be one of"):
        ndcg_at_k([0], [0, 1], [[0.1, 0.2]], ties="random")


def test_zero_relevance_convention_warns_and_counts_zero():
    scores = [[0.9, 0.1], [0.3, 0.4]]
    msg = r"1 of 2 queries \(first: query 1\) have no relevant item"
    with pytest.warns(UndefinedMetricWarning, match=msg):
        ap = average_precision_per_query([0, 7], [0, 1], scores)
    np.testing.assert_array_equal(ap, [1.0, 0.0])
    with pytest.warns(UndefinedMetricWarning, match=msg):
        assert mean_average_precision([0, 7], [0, 1], scores) == 0.5
    with pytest.warns(UndefinedMetricWarning, match=msg):
        assert recall_at_k([0, 7], [0, 1], scores, k=1) == 0.5
    with pytest.warns(UndefinedMetricWarning, match=msg):
        assert ndcg_at_k([0, 7], [0, 1], scores) == 0.5
    with pytest.warns(UndefinedMetricWarning, match=msg):
        p, _ = precision_recall_curve([0, 7], [0, 1], scores, recall_levels=2)
    np.testing.assert_allclose(p, [0.5, 0.5])
    # precision@k is defined (no relevant item gives 0): no warning
    assert precision_at_k([0, 7], [0, 1], scores, k=1) == 0.5


# ------------------------------------------------------------------- chunks
def test_chunked_equals_unchunked():
    rng = np.random.default_rng(4)
    yq, yi = rng.integers(0, 5, 60), np.tile(np.arange(5), 40)
    scores = np.round(rng.normal(size=(60, 200)), 1)
    funcs = (average_precision_per_query, precision_recall_curve)
    full = [f(yq, yi, scores) for f in funcs]
    full += [f(yq, yi, scores, k=7) for f in (precision_at_k, recall_at_k, ndcg_at_k)]
    # working_memory in MiB: 0.001 MiB -> one query per chunk here
    with config_context(working_memory=0.001):
        small = [f(yq, yi, scores) for f in funcs]
        small += [
            f(yq, yi, scores, k=7) for f in (precision_at_k, recall_at_k, ndcg_at_k)
        ]
    for a, b in zip(full, small):
        flat = [np.concatenate(x) if isinstance(x, tuple) else np.ravel(x) for x in (a, b)]
        np.testing.assert_array_equal(*flat)


def test_top_k_path_equals_full_ranking():
    # k < n_items ranks only the top k (partition + small sort); it must give
    # exactly the truncated full ranking, block means and block ends included.
    from skmm.metrics._retrieval import _ranked, _ranked_top, _top

    rng = np.random.default_rng(5)
    for t in range(60):
        m, n = rng.integers(1, 6), rng.integers(2, 30)
        S = rng.integers(0, 4, (m, n)) if t % 2 else np.round(rng.normal(size=(m, n)), 1)
        R = rng.random((m, n)) < 0.4
        for ties in ("average", "order"):
            for k in range(1, n):
                r0, e0 = _top(*_ranked(S, R, ties), k)
                r1, e1 = _ranked_top(S, R, k, ties)
                np.testing.assert_allclose(r1, r0, rtol=0, atol=1e-12)
                np.testing.assert_array_equal(e1, e0)
