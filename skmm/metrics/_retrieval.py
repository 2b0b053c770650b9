"""Ranking metrics of retrieval: every query ranks all items by ``scores``.

The field's protocol (Rasiwasia et al. 2010): every query of one modality
ranks all items of the other; an item is relevant when it shares the query's
class. Relevance is given by labels, in one of three forms:

- single label: ``y_query`` and ``y_items`` 1-D; relevant when equal. Pair-level
  ("same item") relevance is the special case of item ids as labels, e.g.
  ``np.arange(n)`` for both when query ``i`` and item ``i`` are one document.
- label indicators: both 2-D 0/1 arrays (dense or sparse) with the same
  columns; relevant when query and item share at least one label.
- label sets: both sequences of ``set`` / ``frozenset`` objects; relevant when
  the sets intersect.

Every function has the signature ``(y_query, y_items, scores, *, k=..., ties=...)``
and handles ties in ``scores`` by one policy (``ties``, see
:func:`mean_average_precision`). Queries are processed in chunks whose size
follows scikit-learn's ``working_memory`` setting, so the temporary arrays
stay bounded whatever the number of queries.
"""

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils import check_array

__all__ = [
    "average_precision_per_query",
    "mean_average_precision",
    "ndcg_at_k",
    "precision_at_k",
    "precision_recall_curve",
    "recall_at_k",
]

_TIES = ("average", "order")


# ----------------------------------------------------------------- labels
def _label_kind(y, name):
    """'number', 'string' or 'bytes' for 1-D labels; raise on mixed or NaN."""
    kind = y.dtype.kind
    if kind in "biuf":
        if kind == "f" and np.isnan(y).any():
            raise ValueError(
                f"{name} contains NaN at position {int(np.flatnonzero(np.isnan(y))[0])}:"
                " a missing label cannot be matched."
            )
        return "number"
    if kind == "U":
        return "string"
    if kind == "S":
        return "bytes"
    if kind == "O":
        kinds = set()
        for i, v in enumerate(y):
            if isinstance(v, str):
                kinds.add("string")
            elif isinstance(v, bytes):
                kinds.add("bytes")
            elif isinstance(v, numbers.Number) and not (
                isinstance(v, float) and np.isnan(v)
            ):
                kinds.add("number")
            else:
                raise TypeError(
                    f"{name}[{i}] is {v!r} of type {type(v).__name__}: labels must "
                    "be numbers or strings (give multi-label sets as a sequence of "
                    "set objects)."
                )
        if len(kinds) > 1:
            raise TypeError(f"{name} mixes label types {sorted(kinds)} (dtype object).")
        return kinds.pop() if kinds else "number"
    raise TypeError(f"{name} has unsupported label dtype {y.dtype}.")


def _check_kinds(kq, dq, ki, di):
    if kq != ki:
        raise TypeError(
            f"y_query holds {kq} labels (dtype {dq}) but y_items holds {ki} labels "
            f"(dtype {di}): no query label can equal an item label. Give both the "
            "same label type."
        )


def _is_sets(y):
    # A list, tuple, Series or object array whose elements are all sets.
    if sp.issparse(y) or (hasattr(y, "dtype") and y.dtype != object):
        return False
    return len(y) > 0 and all(isinstance(v, (set, frozenset)) for v in y)


def _relevance(y_query, y_items):
    """Validate the labels; return ``(n_queries, n_items, rel)``.

    ``rel(rows)`` gives the boolean relevance of the queries ``rows`` (a
    slice) against every item, so that only one chunk is ever materialised.
    """
    q_sets, i_sets = _is_sets(y_query), _is_sets(y_items)
    if q_sets or i_sets:
        if not (q_sets and i_sets):
            raise ValueError(
                "y_query and y_items must give labels in the same form: one is a "
                "sequence of sets, the other is not."
            )
        kinds = {
            _label_kind(_object_array(s), f"{name}[{i}]")
            for name, y in (("y_query", y_query), ("y_items", y_items))
            for i, s in enumerate(y)
            if s
        }
        if len(kinds) > 1:
            raise TypeError(
                f"y_query and y_items label sets mix label types {sorted(kinds)}: "
                "no query label can equal an item label."
            )
        # Label sets -> sparse indicators over the union of the labels.
        col = {v: j for j, v in enumerate(set().union(*y_query, *y_items))}

        def to_csr(y):
            indptr = np.cumsum([0] + [len(s) for s in y])
            indices = np.asarray([col[v] for s in y for v in s], dtype=np.int64)
            data = np.ones(len(indices), dtype=np.float64)
            return sp.csr_array((data, indices, indptr), shape=(len(y), len(col)))

        Yq, Yi = to_csr(y_query), to_csr(y_items)
    else:
        yq, yi = _as_labels(y_query, "y_query"), _as_labels(y_items, "y_items")
        if yq.ndim != yi.ndim or yq.ndim not in (1, 2):
            raise ValueError(
                "y_query and y_items must both be 1-D class labels, both 2-D label "
                "indicators or both sequences of label sets; got shapes "
                f"{yq.shape} and {yi.shape}."
            )
        if yq.ndim == 1:
            _check_kinds(
                _label_kind(yq, "y_query"), yq.dtype, _label_kind(yi, "y_items"), yi.dtype
            )
            # Integer codes over both label sets: comparisons of ints, not objects.
            _, codes = np.unique(np.concatenate([yq, yi]), return_inverse=True)
            cq, ci = codes[: len(yq)], codes[len(yq) :]
            return len(cq), len(ci), lambda rows: cq[rows, None] == ci[None, :]
        if yq.shape[1] != yi.shape[1]:
            raise ValueError(
                f"y_query has {yq.shape[1]} label columns but y_items has "
                f"{yi.shape[1]}: label indicators must share their columns."
            )
        Yq, Yi = (_indicator(y, n) for y, n in ((yq, "y_query"), (yi, "y_items")))
    YiT = Yi.T.tocsr()

    def rel(rows):
        return (Yq[rows] @ YiT).toarray() > 0

    return Yq.shape[0], Yi.shape[0], rel


def _object_array(values):
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def _as_labels(y, name):
    if sp.issparse(y):
        return y
    try:
        return np.asarray(y)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(
            f"{name} is not a rectangular array ({exc}); give multi-label "
            "relevance as a sequence of set objects or a 0/1 indicator matrix."
        ) from None


def _indicator(y, name):
    if y.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} is 2-D with dtype {y.dtype}: 2-D labels must be a 0/1 "
            "indicator matrix (give label sets as a sequence of set objects)."
        )
    y = sp.csr_array(y)
    coo = y.tocoo()
    bad = np.flatnonzero((coo.data != 0) & (coo.data != 1))
    if bad.size:
        i, j, v = coo.row[bad[0]], coo.col[bad[0]], coo.data[bad[0]].item()
        raise ValueError(
            f"{name}[{i}, {j}] is {v!r}: 2-D labels must be a 0/1 indicator matrix."
        )
    return y.astype(np.float64)


# ----------------------------------------------------------------- ranking
def _check_common(y_query, y_items, scores, k, ties):
    if not (
        k is None
        or (isinstance(k, numbers.Integral) and not isinstance(k, bool) and k >= 1)
    ):
        raise ValueError(f"k must be a positive integer or None, got {k!r}.")
    if ties not in _TIES:
        raise ValueError(f"ties must be one of {list(_TIES)}, got {ties!r}.")
    n_q, n_i, rel = _relevance(y_query, y_items)
    scores = check_array(scores, ensure_all_finite=True, input_name="scores")
    if scores.shape[0] != n_q:
        raise ValueError(
            f"scores has {scores.shape[0]} rows but there are {n_q} queries."
        )
    if scores.shape[1] != n_i:
        raise ValueError(
            f"scores has {scores.shape[1]} columns but there are {n_i} items."
        )
    return scores, rel


def _chunks(n_queries, n_items):
    # About ten (n_chunk, n_items) 8-byte arrays are alive at once.
    budget = get_config()["working_memory"] * 2**20
    step = max(1, int(budget // (10 * 8 * max(n_items, 1))))
    for start in range(0, n_queries, step):
        yield slice(start, min(start + step, n_queries))


def _ranked(S, R, ties):
    """Rank one chunk: the expected relevance at each rank and each rank's block end.

    Returns ``(r, end)``: ``r[q, j]`` is the relevance at rank ``j`` (with
    ``ties="average"``, the mean relevance of the tied block holding rank
    ``j``, i.e. its expected value over the orders of the block) and
    ``end[q, j]`` the last rank of that block (``j`` itself with
    ``ties="order"``).
    """
    if S.dtype.kind != "f":
        S = S.astype(np.float64)  # exact for ints up to 2**53; -S of uint would wrap
    # Stable sort only where item order decides; otherwise the faster default.
    order = np.argsort(-S, axis=1, kind="stable" if ties == "order" else None)
    r = np.take_along_axis(R, order, axis=1).astype(np.float64)
    n = S.shape[1]
    idx = np.arange(n)
    if ties == "order":
        return r, np.broadcast_to(idx, r.shape)
    s = np.take_along_axis(S, order, axis=1)
    starts = np.ones(s.shape, dtype=bool)
    np.not_equal(s[:, 1:], s[:, :-1], out=starts[:, 1:])
    if starts.all():  # no ties in this chunk: every block is one rank
        return r, np.broadcast_to(idx, r.shape)
    ends = np.ones(s.shape, dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    start = np.maximum.accumulate(np.where(starts, idx, 0), axis=1)
    end = np.minimum.accumulate(np.where(ends, idx, n - 1)[:, ::-1], axis=1)[:, ::-1]
    hits = np.cumsum(r, axis=1)
    before = np.where(
        start > 0, np.take_along_axis(hits, np.maximum(start - 1, 0), axis=1), 0.0
    )
    block = np.take_along_axis(hits, end, axis=1) - before
    return block / (end - start + 1), end


def _ranked_top(S, R, k, ties):
    """``_top(*_ranked(S, R, ties), k)`` without sorting all the items.

    The k-th best score splits the items into those strictly above it (all
    in the top ``k``) and the tied block holding rank ``k``. Only ``k`` items
    are sorted: those above and the block's first items in item order; the
    ranks the block fills get the mean relevance of the whole block.
    """
    n = S.shape[1]
    if k is None or k >= n:
        return _top(*_ranked(S, R, ties), k)
    if S.dtype.kind != "f":
        S = S.astype(np.float64)
    m = S.shape[0]
    kth = -np.partition(-S, k - 1, axis=1)[:, k - 1 : k]
    above, block = S > kth, S == kth
    n_above = above.sum(axis=1)
    chosen = above | (block & (np.cumsum(block, axis=1) <= (k - n_above)[:, None]))
    cols = np.nonzero(chosen)[1].reshape(m, k)  # k per row, in item order
    r, end = _ranked(
        np.take_along_axis(S, cols, axis=1), np.take_along_axis(R, cols, axis=1), ties
    )
    if ties == "average":
        block_mean = (R & block).sum(axis=1) / block.sum(axis=1)
        in_block = np.arange(k)[None, :] >= n_above[:, None]
        r = np.where(in_block, block_mean[:, None], r)
    return r, np.minimum(end, k - 1)


def _per_query(y_query, y_items, scores, k, ties, stat, **kw):
    """Apply ``stat(r, end, n_rel, k, **kw)`` chunk by chunk.

    ``stat`` gets the ranked chunk (see :func:`_ranked`), or, if it has an
    attribute ``unranked``, the raw ``(scores, relevance, n_rel, k, ties)``.
    Returns the per-query values and the indices of the queries that have no
    relevant item.
    """
    scores, rel = _check_common(y_query, y_items, scores, k, ties)
    n_q, n_i = scores.shape
    out, empty = [], []
    for rows in _chunks(n_q, n_i):
        R = rel(rows)
        n_rel = R.sum(axis=1)
        empty.append(rows.start + np.flatnonzero(n_rel == 0))
        if getattr(stat, "unranked", False):
            out.append(stat(scores[rows], R, n_rel, k, ties, **kw))
        else:
            r, end = _ranked_top(scores[rows], R, k, ties)
            out.append(stat(r, end, n_rel, k, **kw))
    empty = np.concatenate(empty) if empty else np.zeros(0, dtype=int)
    return (np.concatenate(out) if out else np.zeros((0,))), empty


def _warn_empty(empty, n_queries, what):
    if empty.size:
        warnings.warn(
            f"{empty.size} of {n_queries} queries (first: query {int(empty[0])}) "
            f"have no relevant item; their {what} is set to 0 and counted in the "
            "mean.",
            UndefinedMetricWarning,
            stacklevel=3,
        )


def _top(r, end, k):
    kk = r.shape[1] if k is None else min(k, r.shape[1])
    # A tied block cut by the k-th rank ends, for the top k, at rank k.
    return r[:, :kk], np.minimum(end[:, :kk], kk - 1)


def _ap_stat(r, end, n_rel, k):
    r, end = _top(r, end, k)
    if r.shape[1] == 0:
        return np.zeros(r.shape[0])
    hits = np.cumsum(r, axis=1)
    precision = np.take_along_axis(hits, end, axis=1) / (end + 1)
    total = hits[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        ap = (r * precision).sum(axis=1) / total
    return np.where(total > 0, ap, 0.0)


def _hits_at_k(S, R, n_rel, k, ties):
    """Relevant items in each top ``k`` (expected count over tie orders).

    Needs no sort: the k-th best score splits the items into those strictly
    above it and the tied block holding rank ``k``, of which ``k - n_above``
    ranks are in the top ``k`` (O(n_items) per query instead of a sort).
    """
    n = S.shape[1]
    if k is None or k >= n:
        return n_rel.astype(np.float64)
    if S.dtype.kind != "f":
        S = S.astype(np.float64)
    kth = -np.partition(-S, k - 1, axis=1)[:, k - 1 : k]
    above, block = S > kth, S == kth
    n_above = above.sum(axis=1)
    taken = k - n_above  # ranks of the top k that the boundary block fills
    hits = (R & above).sum(axis=1).astype(np.float64)
    if ties == "average":
        return hits + taken * (R & block).sum(axis=1) / block.sum(axis=1)
    # "order": the block's first ``taken`` items, in item order, are in.
    first = block & (np.cumsum(block, axis=1) <= taken[:, None])
    return hits + (R & first).sum(axis=1)


def _hits_stat(S, R, n_rel, k, ties, *, denom):
    found = _hits_at_k(S, R, n_rel, k, ties)
    if denom == "k":
        return found / (S.shape[1] if k is None else k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_rel > 0, found / n_rel, 0.0)


_hits_stat.unranked = True


def _ndcg_stat(r, end, n_rel, k):
    n = r.shape[1]
    kk = n if k is None else min(k, n)
    discount = 1.0 / np.log2(np.arange(2, kk + 2))
    dcg = r[:, :kk] @ discount
    # Ideal ranking: all relevant items first (binary gains).
    ideal = np.concatenate([[0.0], np.cumsum(discount)])[np.minimum(n_rel, kk)]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_rel > 0, dcg / ideal, 0.0)


def _pr_stat(r, end, n_rel, k, *, levels):
    r, end = _top(r, end, k)
    m, kk = r.shape
    if kk == 0:
        return np.zeros((m, len(levels)))
    hits = np.cumsum(r, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = hits / n_rel[:, None]
    precision = hits / np.arange(1, kk + 1)
    # Only block ends are points of the curve (inside a tied block nothing is
    # decided); interpolated precision at recall r = best precision at recall >= r.
    is_point = end == np.arange(kk)
    best = np.where(is_point, precision, -np.inf)
    best = np.maximum.accumulate(best[:, ::-1], axis=1)[:, ::-1]
    # Recall is non-decreasing along the ranking: count ranks below each level.
    first = (recall[:, :, None] < levels[None, None, :] - 1e-12).sum(axis=1)
    padded = np.concatenate([best, np.full((m, 1), -np.inf)], axis=1)
    curve = np.take_along_axis(padded, first, axis=1)
    curve = np.where(np.isfinite(curve), curve, 0.0)
    return np.where((n_rel > 0)[:, None], curve, 0.0)


# ----------------------------------------------------------------- public
_PARAMS = """\
    y_query : array-like of shape (n_queries,) or (n_queries, n_labels), or \
sequence of sets
        Label of each query: a class label (or item id, for pair-level
        relevance), a 0/1 label-indicator row, or a set of labels.
    y_items : array-like of shape (n_items,) or (n_items, n_labels), or \
sequence of sets
        Label of each item, in the same form as ``y_query``.
    scores : array-like of shape (n_queries, n_items)
        Similarity of each query to each item; higher ranks first (negate
        distances). Finite values; integers (e.g. negated Hamming distances)
        are fine."""

_TIES_DOC = """\
    ties : {"average", "order"}, default="average"
        How tied scores are ranked. ``"average"``: a tied block is not
        ordered; precision@k, recall@k and NDCG@k count each rank of the
        block with the block's mean relevance (their expected value over the
        orders of the block, as scikit-learn's ``ndcg_score``), and AP gives
        every relevant item of a block the precision at the block's end (as
        scikit-learn's ``average_precision_score``). ``"order"``: ties are
        broken by item order (the first item ranks first), as a stable sort
        of the scores does."""


def average_precision_per_query(y_query, y_items, scores, *, k=None, ties="average"):
    """Average precision of each query's ranking of the items.

    Parameters
    ----------
{params}
    k : int or None, default=None
        Only the top ``k`` ranks count (AP@k, normalised by the relevant items
        found in the top ``k``); ``None`` uses the full ranking. With
        ``ties="average"`` the ranks of a tied block cut by rank ``k`` count
        with the block's mean relevance, so on heavily tied scores AP@k is
        not the mean of AP@k over tie orders (use ``ties="order"`` for that
        per-order value).
{ties}

    Returns
    -------
    ap : ndarray of shape (n_queries,)
        Average precision per query. A query without any relevant item has
        AP 0 (with an ``UndefinedMetricWarning``), as in scikit-learn.

    Examples
    --------
    >>> from skmm.metrics import average_precision_per_query
    >>> average_precision_per_query([0, 1], [0, 1, 0], [[0.9, 0.1, 0.5], [0.2, 0.3, 0.8]])
    array([1. , 0.5])
    """
    ap, empty = _per_query(y_query, y_items, scores, k, ties, _ap_stat)
    _warn_empty(empty, len(ap), "average precision")
    return ap


def mean_average_precision(y_query, y_items, scores, *, k=None, ties="average"):
    """Mean over queries of the average precision (MAP, or MAP@k).

    With full rankings and ``ties="average"`` each query's AP equals
    ``sklearn.metrics.average_precision_score(relevant, scores[q])``.

    Parameters
    ----------
{params}
    k : int or None, default=None
        Cut-off rank; ``None`` for the full ranking.
{ties}

    Returns
    -------
    map : float
        Mean average precision. Queries without any relevant item count as
        0 in the mean, with an ``UndefinedMetricWarning`` (that only happens
        when a query's label is absent from the items).

    Examples
    --------
    >>> from skmm.metrics import mean_average_precision
    >>> mean_average_precision([0, 1], [0, 1, 0], [[0.9, 0.1, 0.5], [0.2, 0.3, 0.8]])
    0.75

    Tied scores, e.g. Hamming distances, are not ranked by item order:

    >>> mean_average_precision([0], [0, 1], [[3, 3]])
    0.5
    >>> mean_average_precision([0], [0, 1], [[3, 3]], ties="order")
    1.0
    """
    ap = average_precision_per_query(y_query, y_items, scores, k=k, ties=ties)
    return float(np.mean(ap))


def precision_at_k(y_query, y_items, scores, *, k=10, ties="average"):
    """Mean fraction of relevant items among each query's top ``k``.

    Parameters
    ----------
{params}
    k : int or None, default=10
        Cut-off rank. With fewer than ``k`` items the missing ranks count as
        misses (the denominator stays ``k``). ``None``: all items.
{ties}

    Returns
    -------
    precision : float
        Precision at ``k`` averaged over the queries.

    Examples
    --------
    >>> from skmm.metrics import precision_at_k
    >>> precision_at_k([1], [1, 0, 1, 1], [[0.9, 0.8, 0.1, 0.0]], k=2)
    0.5
    """
    p, _ = _per_query(y_query, y_items, scores, k, ties, _hits_stat, denom="k")
    return float(np.mean(p))


def recall_at_k(y_query, y_items, scores, *, k=10, ties="average"):
    """Mean fraction of each query's relevant items found in its top ``k``.

    Parameters
    ----------
{params}
    k : int or None, default=10
        Cut-off rank; ``None`` (or ``k >= n_items``) gives recall 1.
{ties}

    Returns
    -------
    recall : float
        Recall at ``k`` averaged over the queries. A query without any
        relevant item counts as 0, with an ``UndefinedMetricWarning``.

    Examples
    --------
    >>> from skmm.metrics import recall_at_k
    >>> recall_at_k([1], [1, 0, 1, 1], [[0.9, 0.8, 0.1, 0.0]], k=2)
    0.3333333333333333
    """
    rec, empty = _per_query(y_query, y_items, scores, k, ties, _hits_stat, denom="rel")
    _warn_empty(empty, len(rec), "recall")
    return float(np.mean(rec))


def ndcg_at_k(y_query, y_items, scores, *, k=None, ties="average"):
    """Mean normalised discounted cumulative gain of the top ``k`` (binary gains).

    A relevant item at rank ``j`` (from 1) gains ``1 / log2(j + 1)``; the sum
    over the top ``k`` is divided by its value for the ideal ranking. Equals
    ``sklearn.metrics.ndcg_score(relevance, scores, k=k)`` (with
    ``ignore_ties=True`` when ``ties="order"`` and the scores have no ties).

    Parameters
    ----------
{params}
    k : int or None, default=None
        Cut-off rank; ``None`` for the full ranking.
{ties}

    Returns
    -------
    ndcg : float
        NDCG@k averaged over the queries. A query without any relevant item
        counts as 0 (as in scikit-learn), with an ``UndefinedMetricWarning``.

    Examples
    --------
    >>> from skmm.metrics import ndcg_at_k
    >>> round(ndcg_at_k([1], [1, 0, 1], [[0.9, 0.8, 0.1]]), 4)
    0.9197
    """
    g, empty = _per_query(y_query, y_items, scores, k, ties, _ndcg_stat)
    _warn_empty(empty, len(g), "NDCG")
    return float(np.mean(g))


def precision_recall_curve(
    y_query, y_items, scores, *, k=None, ties="average", recall_levels=11
):
    """Interpolated precision at fixed recall levels, averaged over queries.

    For one retrieval direction (these queries against these items): each
    query's precision-recall points are taken at every rank (at the end of
    every tied block with ``ties="average"``, as scikit-learn's
    ``precision_recall_curve`` does at each distinct threshold); the
    interpolated precision at recall ``r`` is the best precision at any point
    of recall ``>= r`` (0 if none, e.g. beyond the top ``k``). The curve is
    the mean over queries, the usual 11-point curve of cross-modal retrieval
    papers. Unlike ``sklearn.metrics.precision_recall_curve`` it takes a
    score matrix and labels of queries and items.

    Parameters
    ----------
{params}
    k : int or None, default=None
        Only the top ``k`` ranks give points (recall still counts all the
        relevant items); ``None`` for the full ranking.
{ties}
    recall_levels : int or array-like of float, default=11
        Number of evenly spaced levels from 0 to 1, or the levels in [0, 1].

    Returns
    -------
    precision : ndarray of shape (n_levels,)
        Mean interpolated precision at each level. A query without any
        relevant item counts as 0 everywhere, with an
        ``UndefinedMetricWarning``.
    recall : ndarray of shape (n_levels,)
        The recall levels.

    Examples
    --------
    >>> from skmm.metrics import precision_recall_curve
    >>> p, r = precision_recall_curve([0], [0, 1, 0], [[0.9, 0.5, 0.1]], recall_levels=3)
    >>> p.tolist(), r.tolist()
    ([1.0, 1.0, 0.6666666666666666], [0.0, 0.5, 1.0])
    """
    if isinstance(recall_levels, numbers.Integral) and not isinstance(
        recall_levels, bool
    ):
        if recall_levels < 2:
            raise ValueError(f"recall_levels must be >= 2, got {recall_levels}.")
        levels = np.linspace(0.0, 1.0, int(recall_levels))
    else:
        levels = np.asarray(recall_levels, dtype=np.float64)
        if levels.ndim != 1 or levels.size == 0 or not np.all(
            (levels >= 0) & (levels <= 1)
        ):
            raise ValueError(
                "recall_levels must be an int >= 2 or a 1-D array of levels in "
                f"[0, 1]; got {recall_levels!r}."
            )
    curves, empty = _per_query(
        y_query, y_items, scores, k, ties, _pr_stat, levels=levels
    )
    curves = curves.reshape(-1, levels.size)
    _warn_empty(empty, curves.shape[0], "precision-recall curve")
    return curves.mean(axis=0), levels


for _f in (
    average_precision_per_query,
    mean_average_precision,
    precision_at_k,
    recall_at_k,
    ndcg_at_k,
    precision_recall_curve,
):
    if _f.__doc__:  # None under python -OO
        _f.__doc__ = _f.__doc__.replace("{params}", _PARAMS).replace("{ties}", _TIES_DOC)
del _f
