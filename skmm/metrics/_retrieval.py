"""Ranking metrics of cross-modal retrieval with category-level relevance.

The field's protocol (Rasiwasia et al. 2010): every query of one modality ranks
all items of the other; an item is relevant when it shares the query's class.
"""

import numpy as np
from sklearn.utils import check_array, check_consistent_length

__all__ = ["average_precision_per_query", "mean_average_precision", "precision_at_k"]


def _relevance(y_query, y_items):
    y_query, y_items = np.asarray(y_query), np.asarray(y_items)
    if y_query.ndim != y_items.ndim or y_query.ndim not in (1, 2):
        raise ValueError(
            "y_query and y_items must both be 1-D class labels or both 2-D label "
            f"indicators; got shapes {y_query.shape} and {y_items.shape}."
        )
    if y_query.ndim == 1:
        return y_query[:, None] == y_items[None, :]
    # Multi-label: relevant when query and item share at least one label.
    return (y_query.astype(bool).astype(int) @ y_items.astype(bool).astype(int).T) > 0


def _ranked_relevance(y_query, y_items, scores, k):
    if k is not None and not (isinstance(k, (int, np.integer)) and k >= 1):
        raise ValueError(f"k must be a positive integer or None, got {k!r}.")
    scores = check_array(scores, ensure_all_finite=True, input_name="scores")
    check_consistent_length(y_query, scores)
    if scores.shape[1] != len(y_items):
        raise ValueError(
            f"scores has {scores.shape[1]} columns but there are {len(y_items)} items."
        )
    rel = _relevance(y_query, y_items)
    # Stable sort of -scores: ties keep item order, so results are reproducible.
    order = np.argsort(-scores, axis=1, kind="stable")
    ranked = np.take_along_axis(rel, order, axis=1)
    return ranked if k is None else ranked[:, :k]


def average_precision_per_query(y_query, y_items, scores, *, k=None):
    """Average precision of each query's ranking of the items.

    Parameters
    ----------
    y_query : array-like of shape (n_queries,) or (n_queries, n_labels)
        Class label (or label indicator row) of each query.
    y_items : array-like of shape (n_items,) or (n_items, n_labels)
        Class label (or label indicator row) of each item.
    scores : array-like of shape (n_queries, n_items)
        Similarity of each query to each item; higher ranks first. Ties are
        broken by item order.
    k : int or None, default=None
        Only the top ``k`` ranks count (AP@k, normalised by the relevant items
        retrieved in the top ``k``); ``None`` uses the full ranking.

    Returns
    -------
    ap : ndarray of shape (n_queries,)
        Average precision per query; 0 for a query with no relevant item.
    """
    ranked = _ranked_relevance(y_query, y_items, scores, k).astype(float)
    hits = np.cumsum(ranked, axis=1)
    precision = hits / np.arange(1, ranked.shape[1] + 1)
    n_rel = ranked.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ap = (precision * ranked).sum(axis=1) / n_rel
    return np.where(n_rel > 0, ap, 0.0)


def mean_average_precision(y_query, y_items, scores, *, k=None):
    """Mean over queries of the average precision (MAP, or MAP@k).

    Parameters
    ----------
    y_query : array-like of shape (n_queries,) or (n_queries, n_labels)
        Class label (or label indicator row) of each query.
    y_items : array-like of shape (n_items,) or (n_items, n_labels)
        Class label (or label indicator row) of each item.
    scores : array-like of shape (n_queries, n_items)
        Similarity of each query to each item; higher ranks first.
    k : int or None, default=None
        Cut-off rank; ``None`` for the full ranking.

    Returns
    -------
    map : float
        Mean average precision.

    Examples
    --------
    >>> from skmm.metrics import mean_average_precision
    >>> mean_average_precision([0, 1], [0, 1, 0], [[0.9, 0.1, 0.5], [0.2, 0.3, 0.8]])
    0.75
    """
    return float(np.mean(average_precision_per_query(y_query, y_items, scores, k=k)))


def precision_at_k(y_query, y_items, scores, *, k=10):
    """Mean fraction of relevant items among each query's top ``k``.

    Parameters
    ----------
    y_query : array-like of shape (n_queries,) or (n_queries, n_labels)
        Class label (or label indicator row) of each query.
    y_items : array-like of shape (n_items,) or (n_items, n_labels)
        Class label (or label indicator row) of each item.
    scores : array-like of shape (n_queries, n_items)
        Similarity of each query to each item; higher ranks first.
    k : int, default=10
        Cut-off rank. With fewer than ``k`` items the missing ranks count as
        misses (the denominator stays ``k``).

    Returns
    -------
    precision : float
        Precision at ``k`` averaged over the queries.
    """
    if k is None:
        raise ValueError("k must be a positive integer, got None.")
    ranked = _ranked_relevance(y_query, y_items, scores, k)
    # Divide by k even when fewer items exist: missing ranks count as misses.
    return float((ranked.sum(axis=1) / k).mean())
