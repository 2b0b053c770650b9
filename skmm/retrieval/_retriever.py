"""Cross-modal retrieval on a shared space: index one modality, query with another.

:class:`CrossModalRetriever` wraps a multi-view embedder (CCA, a
:class:`~skmm.retrieval.SemanticMatching`, a hasher of :mod:`skmm.hashing`)
or a :class:`~skmm.compose.MultiModalTransformer`. It fits it (or takes it
fitted, through :class:`sklearn.frozen.FrozenEstimator`), indexes the items
of one view and answers top-k queries of another view with
:func:`~skmm.retrieval.top_k`. Its ``score`` is a retrieval metric, so a
``GridSearchCV`` over the embedder's (or the feature extractors')
parameters chooses them by retrieval quality.
"""

import copy
import warnings
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils import get_tags

from ..base import _DocLinkMixin
from ..cross_decomposition import CCA
from ..metrics import (
    mean_average_precision,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
)
from ..utils._dask import (
    check_dask_2d,
    is_dask_array,
    map_row_blocks_pair,
    row_blocks,
    tree_reduce,
)
from ..utils._optional import import_optional
from ..utils._sklearn_compat import HasMethods, Interval, StrOptions, _fit_context, \
    check_is_fitted
from ._search import METRICS, pairwise_scores, top_k

__all__ = ["CrossModalRetriever", "make_retrieval_scorer", "retrieval_score"]

_SCORES = {
    "map": (mean_average_precision, None),
    "map@k": (mean_average_precision, 10),
    "precision@k": (precision_at_k, 10),
    "recall@k": (recall_at_k, 10),
    "ndcg@k": (ndcg_at_k, 10),
}


# ----------------------------------------------------------------- helpers
def _unwrap(est):
    """The fitted estimator whose ``transform_view`` embeds one view."""
    return est.estimator if isinstance(est, FrozenEstimator) else est


def _view_names(est):
    views = getattr(est, "views_", None)
    if views is None:
        raise TypeError(
            f"{type(est).__name__} has no fitted `views_`: the retriever needs a "
            "multi-view embedder, a hasher or a MultiModalTransformer."
        )
    return [name for name, _ in views]


def _view_name(est, view):
    """A view given by name or position -> its name; a clear error otherwise."""
    names = _view_names(est)
    if isinstance(view, str):
        if view not in names:
            raise ValueError(
                f"Unknown view {view!r}: the model was fitted on the views {names}. "
                "A modality not seen at fit cannot be embedded."
            )
        return view
    if isinstance(view, (int, np.integer)) and not isinstance(view, bool) \
            and 0 <= view < len(names):
        return names[int(view)]
    raise ValueError(f"View must be one of {names} or a position below {len(names)}, "
                     f"got {view!r}.")


def _is_records(X):
    # scipy's dok_matrix is a dict subclass: not a record table.
    return not sp.issparse(X) and (hasattr(X, "columns") or isinstance(X, dict))


def _view_input(est, X, view):
    """The input of one view inside ``X`` holding all views (as in ``fit``)."""
    if _is_records(X):
        return X  # MultiModalTransformer.transform_view selects the columns
    cols = dict(est.views_)[view]
    if sp.issparse(X):
        X = X.tocsr()
    elif not hasattr(X, "shape"):
        X = np.asarray(X)
    if hasattr(X, "iloc"):
        return X.iloc[:, cols]
    return X[:, cols]


def _n_rows(X):
    if hasattr(X, "shape"):
        return X.shape[0]
    if isinstance(X, dict):
        return len(next(iter(X.values()))) if X else 0
    return len(X)


def _embed(est, X, view):
    Z = est.transform_view(X, view)
    if hasattr(Z, "to_numpy"):  # set_output="pandas"/"polars"
        Z = Z.to_numpy()
    Z = np.asarray(Z)
    return Z


def _component_weights(est):
    """Canonical correlations of the embedder (or of a MultiModalTransformer's)."""
    for cand in (est, getattr(est, "embedder_", None)):
        rho = getattr(cand, "canonical_correlations_", None)
        if rho is not None:
            return np.asarray(rho, dtype=np.float64)
    raise ValueError(
        f"weighting='correlation' needs an embedder with `canonical_correlations_` "
        f"(CCA, MCCA, ...); {type(est).__name__} has none."
    )


def _labels_for(y, n, relevance):
    if relevance == "pair":
        return np.arange(n), np.arange(n)
    if y is None:
        raise ValueError(
            "Category-level retrieval scores need labels y (relevant = same label); "
            "pass y, or use relevance='pair' (query i matches item i)."
        )
    return y, y


def _scores_both(est, X, query_view, item_view, metric, weights):
    Q = _embed(est, _view_input(est, X, query_view), query_view)
    I = _embed(est, _view_input(est, X, item_view), item_view)
    if metric is None:
        # Packed binary codes (hashers) compare by Hamming distance, the rest by cosine.
        metric = "hamming" if Q.dtype == np.uint8 else "cosine"
    if weights is not None and metric != "hamming":
        Q, I = Q * weights, I * weights
    return pairwise_scores(Q, I, metric=metric)


def retrieval_score(estimator, X, y=None, *, scoring="map", direction=None,
                    relevance="label", k=None, metric=None, weighting=None):
    """Retrieval quality of a fitted embedder on held-out rows with all views.

    Each row of ``X`` is embedded twice, through the query view and through
    the item view; every query ranks all items (the protocol of Rasiwasia et
    al. 2010) and the metric of :mod:`skmm.metrics` is applied.

    Parameters
    ----------
    estimator : fitted CrossModalRetriever, multi-view embedder, hasher or \
MultiModalTransformer
        Anything with ``transform_view`` and ``views_``. A retriever brings
        its own views, metric and weighting.
    X : array-like of shape (n_samples, n_features), or records
        Held-out rows with every view: views side by side (as in ``fit``)
        or a record table for a MultiModalTransformer.
    y : array-like of shape (n_samples,) or (n_samples, n_labels), or \
sequence of sets, default=None
        Labels (category-level relevance: same label, or shared label for
        multi-label input). Ignored with ``relevance="pair"``.
    scoring : {"map", "map@k", "precision@k", "recall@k", "ndcg@k"}, default="map"
    direction : (query_view, item_view), "both" or None, default=None
        Views by name or position. ``"both"``: the mean of the two directions
        between the first two views. None: the retriever's own direction, else
        view 0 queries view 1.
    relevance : {"label", "pair"}, default="label"
        ``"pair"``: only the query's own row is relevant (instance retrieval).
    k : int or None, default=None
        Cut-off for the ``@k`` scores (None: 10); ignored by ``"map"``.
    metric : {"cosine", "euclidean", "inner", "hamming"} or None, default=None
        None: the retriever's metric, else ``"hamming"`` for a hasher's
        ``uint8`` codes and ``"cosine"`` otherwise.
    weighting : {None, "correlation"}, default=None
        Scale coordinates by the canonical correlations (ignored for a
        retriever, which uses its own).

    Returns
    -------
    score : float
        Higher is better.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.cross_decomposition import CCA
    >>> from skmm.retrieval import retrieval_score
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 20)
    >>> X = np.hstack([y[:, None] + 0.3 * rng.standard_normal((40, 3)),
    ...                y[:, None] + 0.3 * rng.standard_normal((40, 2))])
    >>> cca = CCA(n_components=1, views=[3, 2]).fit(X)
    >>> round(retrieval_score(cca, X, y), 3)
    1.0
    """
    if scoring not in _SCORES:
        raise ValueError(f"scoring must be one of {list(_SCORES)}, got {scoring!r}.")
    if relevance not in ("label", "pair"):
        raise ValueError(f"relevance must be 'label' or 'pair', got {relevance!r}.")
    if isinstance(estimator, CrossModalRetriever):
        check_is_fitted(estimator)
        est = estimator.embedder_
        metric = estimator.metric
        weights = estimator.component_weights_
        default_dir = (estimator.query_view, estimator.item_view)
    else:
        est = _unwrap(estimator)
        check_is_fitted(est)
        weights = _component_weights(est) if weighting == "correlation" else None
        default_dir = (0, 1)
    names = _view_names(est)
    n_in = getattr(est, "n_features_in_", None)
    if not _is_records(X) and n_in is not None:
        width = np.shape(X)[1] if np.ndim(X) == 2 or sp.issparse(X) else None
        if width != n_in:
            raise ValueError(
                f"X has {width} features, but {type(estimator).__name__} is expecting "
                f"{n_in} features as input (all views side by side, as in fit)."
            )
    if direction is None:
        directions = [default_dir]
    elif isinstance(direction, str) and direction == "both":
        directions = [(names[0], names[1]), (names[1], names[0])]
    elif isinstance(direction, (tuple, list)) and len(direction) == 2:
        directions = [tuple(direction)]
    else:
        raise ValueError(f"direction must be (query_view, item_view), 'both' or None, got "
                         f"{direction!r}.")
    func, default_k = _SCORES[scoring]
    kw = {} if default_k is None else {"k": default_k if k is None else k}
    values = []
    for qv, iv in directions:
        qv, iv = _view_name(est, qv), _view_name(est, iv)
        S = _scores_both(est, X, qv, iv, metric, weights)
        yq, yi = _labels_for(y, S.shape[0], relevance)
        values.append(func(yq, yi, S, **kw))
    return float(np.mean(values))


class _RetrievalScorer:
    """Scorer ``(estimator, X, y) -> float`` for GridSearchCV and cross_val_score."""

    def __init__(self, **kwargs):
        self._kwargs = kwargs

    def __call__(self, estimator, X, y=None, **ignored):
        return retrieval_score(estimator, X, y, **self._kwargs)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._kwargs.items())
        return f"make_retrieval_scorer({args})"


def make_retrieval_scorer(metric="map", *, direction=None, relevance="label", k=None,
                          similarity=None, weighting=None):
    """Make a scorer of retrieval quality for ``GridSearchCV`` / ``cross_val_score``.

    ``sklearn.metrics.make_scorer`` cannot wrap the retrieval metrics: they
    take ``(y_query, y_items, scores)``, and the scores come from embedding
    two views of the held-out rows. The returned callable does that with
    :func:`retrieval_score`.

    Parameters
    ----------
    metric : {"map", "map@k", "precision@k", "recall@k", "ndcg@k"}, default="map"
        MAP over the full ranking, or a cut-off score at ``k``.
    direction : (query_view, item_view), "both" or None, default=None
        Which view queries which (names or positions); ``"both"`` averages
        the two directions. None: the retriever's own, else view 0 -> view 1.
    relevance : {"label", "pair"}, default="label"
        Same label (single or multi-label), or same row (pair-level).
    k : int or None, default=None
        Cut-off of the ``@k`` metrics (None: 10).
    similarity : {"cosine", "euclidean", "inner", "hamming"} or None, default=None
        How a bare embedder's points are compared (a retriever uses its own).
    weighting : {None, "correlation"}, default=None
        Canonical-correlation weighting for a bare embedder.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)``; higher is better.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skmm.cross_decomposition import CCA
    >>> from skmm.retrieval import make_retrieval_scorer
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1, 2], 20)
    >>> X = np.hstack([y[:, None] + 0.5 * rng.standard_normal((60, 4)),
    ...                y[:, None] + 0.5 * rng.standard_normal((60, 3))])
    >>> search = GridSearchCV(CCA(views=[4, 3]), {"reg": [0.01, 0.5]}, cv=3,
    ...                       scoring=make_retrieval_scorer("map", direction=(0, 1)))
    >>> search.fit(X, y).best_score_ > 0.5
    np.True_
    """
    if metric not in _SCORES:
        raise ValueError(f"metric must be one of {list(_SCORES)}, got {metric!r}.")
    if relevance not in ("label", "pair"):
        raise ValueError(f"relevance must be 'label' or 'pair', got {relevance!r}.")
    if similarity is not None and similarity not in METRICS:
        raise ValueError(f"similarity must be one of {list(METRICS)} or None, got "
                         f"{similarity!r}.")
    return _RetrievalScorer(scoring=metric, direction=direction, relevance=relevance, k=k,
                            metric=similarity, weighting=weighting)


def _query_block(block, retriever, k):
    """Top-``k`` of one NumPy block of queries (a Dask task)."""
    return retriever.query(block, k)


def _embed_block(retriever, block, view):
    """One view of a NumPy block of rows with all views, embedded (a Dask task)."""
    view = _view_name(retriever.embedder_, view)
    return retriever._embed(_view_input(retriever.embedder_, block, view), view, "rows")


def _score_block(retriever, items, block, start, y_block, y_items, scoring, k):
    """Sum of the per-query scores of one block of rows (a Dask task)."""
    S = pairwise_scores(_embed_block(retriever, block, retriever.query_view), items,
                        metric=retriever.metric)
    if y_items is None:  # pair relevance: row i's query matches row i's item
        y_block, y_items = np.arange(start, start + S.shape[0]), np.arange(S.shape[1])
    func, default_k = _SCORES[scoring]
    kw = {} if default_k is None else {"k": default_k if k is None else k}
    # The metrics are means over queries: a block's mean times its rows adds up.
    return func(y_block, y_items, S, **kw) * S.shape[0]


def _add(a, b):
    return a + b


# ----------------------------------------------------------------- estimator
class CrossModalRetriever(_DocLinkMixin, BaseEstimator):
    """Search the items of one modality with queries of another.

    ``fit`` fits the ``embedder`` on rows with all views (or keeps it as it is
    when wrapped in :class:`sklearn.frozen.FrozenEstimator`) and indexes the
    training rows' ``item_view``; :meth:`index` replaces the gallery with
    other items; :meth:`query` returns each query's top ``k`` items by
    exact, block-wise search (:func:`~skmm.retrieval.top_k`), so a gallery
    of millions is searched in bounded memory.

    Parameters
    ----------
    embedder : estimator or None, default=None
        None: ``CCA()`` (one canonical pair; as scikit-learn's
        meta-estimators default to a simple base estimator). A multi-view
        embedder (:class:`~skmm.cross_decomposition.CCA`,
        :class:`~skmm.retrieval.SemanticMatching`, ...), a hasher of
        :mod:`skmm.hashing` (binary codes, use ``metric="hamming"``), or a
        :class:`~skmm.compose.MultiModalTransformer` with an embedder.
        Anything with ``fit``, ``transform_view`` and fitted ``views_``.
    query_view, item_view : str or int, default=0 and 1
        The views (modalities) of queries and items, by name or position.
    metric : {"cosine", "euclidean", "inner", "hamming"}, default="cosine"
        Similarity in the shared space (see
        :func:`~skmm.retrieval.pairwise_scores`).
    weighting : {None, "correlation"}, default=None
        ``"correlation"``: scale each shared-space coordinate by its
        canonical correlation before ranking, so that the well-correlated
        directions count more (needs an embedder with
        ``canonical_correlations_``).
    n_neighbors : int, default=10
        Default ``k`` of :meth:`query`.
    batch_size : int or None, default=None
        Queries per search block (None: from ``working_memory``).

    Attributes
    ----------
    embedder_ : estimator
        The fitted embedder (the frozen one itself when frozen).
    component_weights_ : ndarray of shape (n_components,) or None
        Per-coordinate weights (``weighting="correlation"``).
    index_ : ndarray of shape (n_items, n_components)
        The embedded gallery (packed ``uint8`` codes for Hamming).
    n_items_ : int
        Gallery size.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.cross_decomposition import CCA
    >>> from skmm.retrieval import CrossModalRetriever
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 20)
    >>> X = np.hstack([y[:, None] + 0.3 * rng.standard_normal((40, 3)),
    ...                y[:, None] + 0.3 * rng.standard_normal((40, 2))])
    >>> ret = CrossModalRetriever(CCA(n_components=1, views={"img": 3, "txt": 2}),
    ...                           query_view="txt", item_view="img").fit(X)
    >>> idx, scores = ret.query(X[:2, 3:], k=3)
    >>> idx.shape, bool((y[idx] == y[:2, None]).all())
    ((2, 3), True)
    >>> round(ret.score(X, y), 3)
    1.0
    """

    _parameter_constraints: dict = {
        "embedder": [HasMethods(["fit", "transform_view"]), None],
        "query_view": [str, Interval(Integral, 0, None, closed="left")],
        "item_view": [str, Interval(Integral, 0, None, closed="left")],
        "metric": [StrOptions(set(METRICS))],
        "weighting": [StrOptions({"correlation"}), None],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, embedder=None, *, query_view=0, item_view=1, metric="cosine",
                 weighting=None, n_neighbors=10, batch_size=None):
        self.embedder = embedder
        self.query_view = query_view
        self.item_view = item_view
        self.metric = metric
        self.weighting = weighting
        self.n_neighbors = n_neighbors
        self.batch_size = batch_size

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, **fit_params):
        """Fit the embedder on rows with all views and index their item view.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or records
            Views side by side (or a record table for a
            MultiModalTransformer).
        y : array-like of shape (n_samples,), default=None
            Labels, for supervised embedders (semantic matching, supervised
            hashing).
        **fit_params : dict
            Passed to the embedder's ``fit``.

        Returns
        -------
        self : object
        """
        # A FrozenEstimator clones to itself: a fitted embedder is kept as it is.
        est = CCA() if self.embedder is None else clone(self.embedder)
        est.fit(X, y, **fit_params)
        self.embedder_ = _unwrap(est)
        names = _view_names(self.embedder_)
        qv, iv = _view_name(self.embedder_, self.query_view), \
            _view_name(self.embedder_, self.item_view)
        if qv == iv:
            warnings.warn(f"query_view and item_view are both {qv!r}: this is "
                          "within-modality search.", UserWarning, stacklevel=2)
        self.view_names_ = names
        if hasattr(self.embedder_, "n_features_in_"):
            self.n_features_in_ = self.embedder_.n_features_in_
        if hasattr(self.embedder_, "feature_names_in_"):
            self.feature_names_in_ = self.embedder_.feature_names_in_
        self.component_weights_ = (_component_weights(self.embedder_)
                                   if self.weighting == "correlation" else None)
        self._set_index(_view_input(self.embedder_, X, iv))
        return self

    def _embed(self, X, view, what):
        view = _view_name(self.embedder_, view)
        if _n_rows(X) == 0:
            raise ValueError(f"The {what} are empty: got 0 rows of view {view!r}.")
        # A query with no known token: skmm.compose.ZeroRowWarning, from the
        # MultiModalTransformer that embeds it (one mechanism for every caller).
        Z = _embed(self.embedder_, X, view)
        if self.metric == "hamming":
            if Z.dtype != np.uint8:
                raise TypeError(
                    f"metric='hamming' needs packed binary codes (uint8) from the "
                    f"embedder; {type(self.embedder_).__name__}.transform_view gave "
                    f"{Z.dtype}. Use a hasher from skmm.hashing."
                )
            return Z
        if self.component_weights_ is not None:
            Z = Z * self.component_weights_
        return Z

    def _set_index(self, X_items):
        self.index_ = self._embed(X_items, self.item_view, "items")
        self.n_items_ = self.index_.shape[0]

    def index(self, X_items):
        """Replace the gallery with new items of the item view.

        Parameters
        ----------
        X_items : array-like of shape (n_items, n_features_of_view), or records
            The item view alone (as ``transform_view`` takes it).

        Returns
        -------
        self : object
        """
        check_is_fitted(self)
        if _n_rows(X_items) == 0:
            raise ValueError("The gallery is empty: index got 0 items of view "
                             f"{_view_name(self.embedder_, self.item_view)!r}.")
        self._set_index(X_items)
        return self

    def query(self, X_queries, k=None):
        """Top-``k`` items of each query.

        Parameters
        ----------
        X_queries : array-like of shape (n_queries, n_features_of_view), or records
            The query view alone.
        k : int or None, default=None
            Items per query (None: ``n_neighbors``). Larger than the gallery:
            all items are returned (``min(k, n_items_)`` columns), no padding.

        Returns
        -------
        indices : ndarray of int64, shape (n_queries, min(k, n_items_))
            Gallery positions, best first; equal scores rank by position.
        scores : ndarray of shape (n_queries, min(k, n_items_))
            Their scores (higher is better; minus the distance for
            ``"euclidean"`` and ``"hamming"``).

        Notes
        -----
        ``X_queries`` may be a ``dask.array`` (columns of the query view):
        then ``indices`` and ``scores`` are lazy dask arrays with the row
        chunks of ``X_queries``, equal to the NumPy result. Each block of
        queries is embedded and searched on a worker; the retriever and its
        NumPy gallery are one node of the graph, sent to each worker once.

        Examples
        --------
        >>> import numpy as np
        >>> import dask.array as da
        >>> from skmm.cross_decomposition import CCA
        >>> from skmm.retrieval import CrossModalRetriever
        >>> rng = np.random.default_rng(0)
        >>> X = rng.standard_normal((30, 5))
        >>> ret = CrossModalRetriever(CCA(views=[3, 2])).fit(X)
        >>> idx, scores = ret.query(da.from_array(X[:, :3], chunks=10), k=4)
        >>> idx.chunks
        ((10, 10, 10), (4,))
        >>> bool((idx.compute() == ret.query(X[:, :3], k=4)[0]).all())
        True
        """
        check_is_fitted(self)
        k = self.n_neighbors if k is None else k
        if is_dask_array(X_queries):
            return self._query_dask(X_queries, k)
        Q = self._embed(X_queries, self.query_view, "queries")
        return top_k(Q, self.index_, k, metric=self.metric, batch_size=self.batch_size)

    def _query_dask(self, X, k):
        """Lazy top-k of a dask array of queries, one task per block of rows."""
        X = check_dask_2d(X, "CrossModalRetriever.query")
        # The output dtypes and width: the gallery's first item queried (no embedding).
        probe = top_k(self.index_[:1], self.index_, k, metric=self.metric)
        return map_row_blocks_pair(_query_block, X, probe, self, k)

    def score(self, X, y=None):
        """Mean average precision on held-out rows with all views.

        Every row's query view ranks every row's item view with the
        retriever's metric and weighting. Relevance: same label when ``y``
        is given, else the query's own row (pair-level).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or records
            Held-out rows with all views.
        y : array-like of shape (n_samples,), default=None
            Labels, or None for pair-level relevance.

        Returns
        -------
        map : float

        Notes
        -----
        A dask array ``X`` is scored without holding the score matrix: the
        item embeddings of all rows are gathered (``n_samples x
        n_components``), then each block of rows is queried against them on
        the workers and only the per-block sums come back.
        """
        if is_dask_array(X):
            return self._score_dask(X, y)
        return retrieval_score(self, X, y, relevance="pair" if y is None else "label")

    def _score_dask(self, X, y):
        """MAP of a dask array of rows: the gallery gathered, the queries block-wise."""
        check_is_fitted(self)
        dask = import_optional("dask", "dask")
        X = check_dask_2d(X, "CrossModalRetriever.score",
                          n_features=getattr(self, "n_features_in_", None))
        if y is not None:
            y = np.asarray(y)
            if y.shape[0] != X.shape[0]:
                raise ValueError(f"y has {y.shape[0]} rows, X has {X.shape[0]}.")
        me = dask.delayed(self, pure=True, traverse=False)
        blocks = row_blocks(X)
        # Every query ranks every row's item: the item embeddings (n x n_components)
        # are gathered once, then travel as one NumPy node of the graph.
        embed = dask.delayed(_embed_block, pure=True)
        items = np.concatenate(dask.compute(*[embed(me, b, self.item_view) for b in blocks]))
        items = dask.delayed(items, pure=True, traverse=False)
        score = dask.delayed(_score_block, pure=True)
        starts = np.concatenate([[0], np.cumsum(X.chunks[0])]).astype(int)
        parts = [score(me, items, b, int(a), None if y is None else y[a:e], y, "map", None)
                 for b, a, e in zip(blocks, starts[:-1], starts[1:])]
        return float(tree_reduce(parts, _add).compute()) / X.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The retriever reads what its embedder reads (record tables for a
        # MultiModalTransformer, sparse views for CCA).
        inner = CCA() if self.embedder is None else _unwrap(self.embedder)
        tags.input_tags = copy.deepcopy(get_tags(inner).input_tags)
        return tags
