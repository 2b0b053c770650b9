import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from skmm.metrics import average_precision_per_query, mean_average_precision, precision_at_k


def test_ap_matches_sklearn_without_ties():
    rng = np.random.default_rng(0)
    yq, yi = rng.integers(0, 4, 30), rng.integers(0, 4, 50)
    scores = rng.normal(size=(30, 50))
    ref = [average_precision_score(yi == c, s) if np.any(yi == c) else 0.0
           for c, s in zip(yq, scores)]
    np.testing.assert_allclose(average_precision_per_query(yq, yi, scores), ref, rtol=1e-12)
    assert mean_average_precision(yq, yi, scores) == pytest.approx(np.mean(ref))


def test_random_scores_map_is_class_prior():
    # Expected AP of a random ranking -> fraction of relevant items (the 0.118 of
    # the Wikipedia benchmark); with many queries the mean is close to it.
    rng = np.random.default_rng(1)
    yi = np.repeat(np.arange(5), 40)
    yq = np.repeat(np.arange(5), 200)
    m = mean_average_precision(yq, yi, rng.random((1000, 200)))
    assert m == pytest.approx(0.2, abs=0.02)


def test_precision_at_k_and_multilabel():
    scores = np.array([[0.9, 0.8, 0.1, 0.0]])
    assert precision_at_k([1], [1, 0, 1, 1], scores, k=2) == 0.5
    Yq = np.array([[1, 0, 1]])
    Yi = np.array([[0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 1, 1]])
    # relevant: items 0, 2, 3; ranking 0,1,2,3 -> precisions 1, 2/3, 3/4
    assert mean_average_precision(Yq, Yi, scores) == pytest.approx((1 + 2 / 3 + 3 / 4) / 3)


def test_bad_input():
    with pytest.raises(ValueError, match="scores has 2 columns but there are 3 items"):
        mean_average_precision([0], [0, 1, 0], [[0.1, 0.2]])
    with pytest.raises(ValueError, match="positive integer"):
        precision_at_k([0], [0], [[1.0]], k=0)
    with pytest.raises(ValueError, match="NaN"):
        mean_average_precision([0], [0, 1], [[np.nan, 1.0]])


def test_k_is_checked_everywhere_and_short_lists_count_misses():
    scores = [[0.9, 0.1]]
    for k in (0, -1, 1.5):
        with pytest.raises(ValueError, match="positive integer"):
            mean_average_precision([0], [0, 1], scores, k=k)
    # two items, one relevant, k=4: one hit out of four ranks
    assert precision_at_k([0], [0, 1], scores, k=4) == 0.25
