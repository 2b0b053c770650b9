"""From raw multimodal records to one 2-D matrix of views, and on to a shared space.

A record table has one row per item and one column per modality (image path,
text, wav path, numeric columns). :class:`MultiModalTransformer` fits one
transformer per modality, lays the resulting blocks side by side, and hands
their widths to a multi-view ``embedder`` through its ``views`` parameter, so
nobody counts columns (a TF-IDF vocabulary width is only known after fitting).
"""

import time
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import TransformerMixin, clone
from sklearn.utils import get_tags

from ..utils._sklearn_compat import (
    HasMethods,
    Interval,
    _BaseComposition,
    _fit_context,
    check_is_fitted,
)

__all__ = ["MultiModalTransformer"]


def _n_rows(X):
    if hasattr(X, "shape"):
        return X.shape[0]
    lengths = {len(v) for v in X.values()}
    if len(lengths) > 1:
        raise ValueError(
            "All modality columns must have the same length; got lengths "
            + ", ".join(f"{k}={len(v)}" for k, v in X.items())
        )
    return lengths.pop() if lengths else 0


def _select(X, columns, modality):
    """The modality's input: a 1-D sequence for one column, 2-D for a list."""
    if not (hasattr(X, "columns") or isinstance(X, dict)):
        raise TypeError(
            "MultiModalTransformer takes a pandas DataFrame or a dict of equal-length "
            f"columns, got {type(X).__name__}."
        )
    available = list(X.columns) if hasattr(X, "columns") else list(X)
    wanted = [columns] if isinstance(columns, str) else list(columns)
    missing = [c for c in wanted if c not in available]
    if missing:
        raise ValueError(
            f"Modality {modality!r} needs column(s) {missing}, which X does not have "
            f"(columns: {available}). Every modality seen in fit must be present; "
            "use `transform_view` to embed one modality alone."
        )
    if isinstance(columns, str):
        col = X[columns]
        return col.tolist() if hasattr(col, "tolist") else list(col)
    if hasattr(X, "columns"):
        return X[wanted].to_numpy()
    return np.column_stack([np.asarray(X[c]) for c in wanted])


def _fit_transform_one(name, transformer, Xm, y, verbose):
    start = time.perf_counter()
    if transformer == "passthrough":
        out = np.asarray(Xm, dtype=float)
        if out.ndim == 1:
            out = out[:, None]
        fitted = "passthrough"
    else:
        fitted = clone(transformer)
        out = fitted.fit_transform(Xm, y)
    if verbose:
        print(f"[MultiModalTransformer] {name}: {out.shape[1]} features "
              f"in {time.perf_counter() - start:.1f}s")
    return fitted, out


def _transform_one(transformer, Xm):
    if transformer == "passthrough":
        out = np.asarray(Xm, dtype=float)
        return out[:, None] if out.ndim == 1 else out
    return transformer.transform(Xm)


class MultiModalTransformer(TransformerMixin, _BaseComposition):
    """Turn raw multimodal records into views, and optionally embed them.

    Parameters
    ----------
    modalities : list of (name, transformer, columns) tuples
        One entry per modality. ``transformer`` is any scikit-learn transformer
        (or ``"passthrough"`` for numeric columns); ``columns`` is one column
        name (the transformer then receives a 1-D list, e.g. of image paths or
        strings) or a list of names (it receives a 2-D array). Each output
        block becomes one view named ``name``.
    embedder : estimator or None, default=None
        A multi-view estimator with a ``views`` parameter (e.g.
        :class:`skmm.cross_decomposition.CCA`). It is cloned, given
        ``views=[(name, slice), ...]`` for the fitted blocks, and fitted on
        them. ``None`` outputs the blocks side by side.
    sparse_threshold : float, default=0.3
        If any block is sparse and the stacked density is below this, the
        stacked blocks stay sparse (as in
        :class:`~sklearn.compose.ColumnTransformer`), unless the embedder's
        tags say it needs dense input.
    n_jobs : int or None, default=None
        Modalities fitted in parallel threads (the transformers release the
        GIL in their numeric code).
    verbose : bool, default=False
        Print the width and fitting time of each modality.

    Attributes
    ----------
    transformers_ : dict of str -> transformer
        The fitted transformer of each modality.
    views_ : list of (str, slice)
        The columns of each modality's block in the stacked matrix.
    embedder_ : estimator or None
        The fitted embedder.
    n_samples_fit_ : int
        Rows seen in ``fit``.
    sparse_output_ : bool
        Whether the stacked blocks are a sparse matrix (decided in ``fit``).

    Examples
    --------
    >>> from sklearn.feature_extraction.text import TfidfVectorizer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmm.compose import MultiModalTransformer
    >>> records = {"text": ["red apple", "green leaf", "red cherry", "green grass"],
    ...            "hue": [0.0, 0.3, 0.05, 0.35], "size": [8.0, 5.0, 2.0, 1.0]}
    >>> mm = MultiModalTransformer([
    ...     ("words", TfidfVectorizer(), "text"),
    ...     ("shape", StandardScaler(), ["hue", "size"]),
    ... ])
    >>> mm.fit_transform(records).shape
    (4, 8)
    >>> mm.views_
    [('words', slice(0, 6, None)), ('shape', slice(6, 8, None))]
    """

    _parameter_constraints: dict = {
        "modalities": [list],
        "embedder": [HasMethods(["fit", "transform"]), None],
        "sparse_threshold": [Interval(Real, 0, 1, closed="both")],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(self, modalities, embedder=None, *, sparse_threshold=0.3, n_jobs=None,
                 verbose=False):
        self.modalities = modalities
        self.embedder = embedder
        self.sparse_threshold = sparse_threshold
        self.n_jobs = n_jobs
        self.verbose = verbose

    # ``name__param`` routing for GridSearchCV goes through (name, estimator) pairs.
    @property
    def _estimators(self):
        return [(name, trans) for name, trans, _ in self.modalities]

    @_estimators.setter
    def _estimators(self, value):
        self.modalities = [
            (name, trans, cols) for (name, trans), (_, _, cols) in zip(value, self.modalities)
        ]

    def get_params(self, deep=True):
        """Parameters of this estimator and, with ``deep``, of each modality.

        Modality transformers are reached as ``<name>__<param>`` and the
        embedder as ``embedder__<param>``.
        """
        return self._get_params("_estimators", deep=deep)

    def set_params(self, **params):
        """Set parameters, including ``<name>__<param>`` of a modality."""
        self._set_params("_estimators", **params)
        return self

    def _check_modalities(self):
        for entry in self.modalities:
            if not (isinstance(entry, tuple) and len(entry) == 3):
                raise ValueError(
                    "Each modality must be a (name, transformer, columns) tuple, got "
                    f"{entry!r}."
                )
        names = [name for name, _, _ in self.modalities]
        if not names:
            raise ValueError("`modalities` is empty: give at least one modality.")
        self._validate_names(names)
        for name, trans, _ in self.modalities:
            if trans != "passthrough" and not (
                hasattr(trans, "fit") and hasattr(trans, "transform")
            ):
                raise TypeError(
                    f"Modality {name!r}: the transformer must implement fit and "
                    f"transform, or be 'passthrough'; got {trans!r}."
                )

    def _wants_sparse(self, blocks):
        """Sparse output: a sparse block, low density, and an embedder that can take it.

        Decided once in ``fit`` (``sparse_output_``) so that transform never
        switches type with a batch's density.
        """
        # The embedder's tags say whether it takes sparse input (CCA does,
        # kernel CCA does not): no list of estimators kept here.
        sparse_ok = self.embedder is None or get_tags(self.embedder).input_tags.sparse
        if not (sparse_ok and any(sp.issparse(b) for b in blocks)):
            return False
        total = sum(b.shape[0] * b.shape[1] for b in blocks)
        nnz = sum(b.nnz if sp.issparse(b) else np.count_nonzero(b) for b in blocks)
        return bool(total) and nnz / total < self.sparse_threshold

    def _stack(self, blocks):
        if self.sparse_output_:
            return sp.hstack([sp.csr_matrix(b) for b in blocks], format="csr")
        blocks = [b.toarray() if sp.issparse(b) else b for b in blocks]
        return np.hstack([np.asarray(b, dtype=float) for b in blocks])

    def _blocks(self, X, fitted=None, y=None):
        n = _n_rows(X)
        inputs = [(name, trans, _select(X, cols, name)) for name, trans, cols in self.modalities]
        if fitted is None:
            results = Parallel(n_jobs=self.n_jobs, prefer="threads")(
                delayed(_fit_transform_one)(name, trans, Xm, y, self.verbose)
                for name, trans, Xm in inputs
            )
            self.transformers_ = {name: f for (name, _, _), (f, _) in zip(inputs, results)}
            blocks = [out for _, out in results]
        else:
            blocks = Parallel(n_jobs=self.n_jobs, prefer="threads")(
                delayed(_transform_one)(fitted[name], Xm) for name, _, Xm in inputs
            )
        for (name, _, _), block in zip(inputs, blocks):
            if block.ndim != 2 or block.shape[0] != n:
                raise ValueError(
                    f"Modality {name!r} produced an output of shape {block.shape} for "
                    f"{n} rows; a modality transformer must output one row per item."
                )
        return blocks

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit each modality's transformer, then the embedder on the stacked views.

        Parameters
        ----------
        X : pandas.DataFrame or dict of equal-length sequences
            The records, one row per item. Use a DataFrame under
            cross-validation: scikit-learn slices its rows, not a dict's.
        y : array-like of shape (n_samples,), default=None
            Targets, passed to the transformers and the embedder.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._fit(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_transform(self, X, y=None):
        """Fit and return the stacked views (or their embedding).

        Parameters
        ----------
        X : pandas.DataFrame or dict of equal-length sequences
            The records.
        y : array-like of shape (n_samples,), default=None
            Targets.

        Returns
        -------
        Xt : ndarray or sparse matrix of shape (n_samples, n_features_out)
            The transformed records.
        """
        return self._fit(X, y)

    def _fit(self, X, y):
        self._check_modalities()
        blocks = self._blocks(X, y=y)
        widths = [b.shape[1] for b in blocks]
        edges = np.cumsum([0] + widths)
        self.views_ = [
            (name, slice(int(a), int(b)))
            for (name, _, _), a, b in zip(self.modalities, edges[:-1], edges[1:])
        ]
        self.n_samples_fit_ = blocks[0].shape[0]
        self.sparse_output_ = self._wants_sparse(blocks)
        Xt = self._stack(blocks)
        if self.embedder is None:
            self.embedder_ = None
            return Xt
        self.embedder_ = clone(self.embedder)
        if "views" in self.embedder_.get_params(deep=False):
            self.embedder_.set_params(views=self.views_)
        return self.embedder_.fit_transform(Xt, y)

    def transform(self, X):
        """Transform records with every modality present.

        Parameters
        ----------
        X : pandas.DataFrame or dict of equal-length sequences
            Records with all the modality columns seen in ``fit``.

        Returns
        -------
        Xt : ndarray or sparse matrix of shape (n_samples, n_features_out)
            Stacked views, or the embedder's output.
        """
        check_is_fitted(self)
        Xt = self._stack(self._blocks(X, fitted=self.transformers_))
        return Xt if self.embedder_ is None else self.embedder_.transform(Xt)

    def transform_view(self, X, view):
        """Transform one modality alone, e.g. a text query against image items.

        Parameters
        ----------
        X : pandas.DataFrame, dict or sequence
            Records holding that modality's column(s); other columns are
            ignored. A plain sequence (list of paths, strings, ...) or 2-D
            array is taken as the modality's input itself.
        view : str
            The modality name.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components) or the modality's block
            The modality's coordinates in the shared space (through the
            embedder's ``transform_view``), or its feature block when there is
            no embedder.
        """
        check_is_fitted(self)
        specs = {name: cols for name, _, cols in self.modalities}
        if view not in specs:
            raise ValueError(f"Unknown view {view!r}; the modalities are {list(specs)}.")
        Xm = _select(X, specs[view], view) if (hasattr(X, "columns") or isinstance(X, dict)) else X
        block = _transform_one(self.transformers_[view], Xm)
        if self.embedder_ is None:
            return block
        block = self._stack([block])  # dense where the embedder needs it
        if not hasattr(self.embedder_, "transform_view"):
            raise TypeError(
                f"The embedder {type(self.embedder_).__name__} cannot embed a single view "
                "(it has no `transform_view`)."
            )
        return self.embedder_.transform_view(block, view)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns: the embedder's, or ``<modality>__<feature>``."""
        check_is_fitted(self)
        if self.embedder_ is not None:
            return self.embedder_.get_feature_names_out()
        names = []
        columns = {name: cols for name, _, cols in self.modalities}
        for name, block in self.views_:
            trans, cols = self.transformers_[name], columns[name]
            given = None if isinstance(cols, str) else list(cols)
            if trans == "passthrough":
                inner = given or [cols]
            elif hasattr(trans, "get_feature_names_out"):
                inner = trans.get_feature_names_out(given)
            else:
                inner = [f"x{j}" for j in range(block.stop - block.start)]
            names.extend(f"{name}__{f}" for f in inner)
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.dict = True
        tags.input_tags.string = True
        return tags
