"""From raw multimodal records to one 2-D matrix of views, and on to a shared space.

A record table has one row per item and one column per modality (image path,
text, wav path, numeric columns). :class:`MultiModalTransformer` fits one
transformer per modality, lays the resulting blocks side by side, and hands
their widths to a multi-view ``embedder`` through its ``views`` parameter, so
nobody counts columns (a TF-IDF vocabulary width is only known after fitting).

It follows :class:`~sklearn.compose.ColumnTransformer`'s conventions where
they apply (``transformers_``, ``named_transformers_``, ``'drop'`` and
``'passthrough'``, ``feature_names_in_``, metadata routing, ``set_output``);
it differs in taking records rather than a 2-D array, and in handing the
blocks to an embedder.
"""

import math
import sys
import time
import warnings
from collections import Counter
from collections.abc import Mapping
from functools import partial
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import TransformerMixin, clone
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import Bunch, get_tags
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping, process_routing
from sklearn.utils.metaestimators import available_if
from sklearn.utils.parallel import Parallel, delayed

from ..base import _DocLinkMixin
from ..utils._sklearn_compat import (
    HasMethods,
    Interval,
    _BaseComposition,
    _check_feature_names_in,
    _fit_context,
    _get_container_adapter,
    _get_output_config,
    _raise_for_params,
    _safe_set_output,
    check_is_fitted,
    validate_data,
)
from ..utils._validation import describe_item

__all__ = ["MultiModalTransformer", "ZeroRowWarning"]

_ACCEPTED = ("a pandas/polars DataFrame or a dict of equal-length columns or a list of "
             "dicts (one record per row)")
_SHOWN = 5  # rows named in a message before "and N more"


class ZeroRowWarning(UserWarning):
    """A transformed row's block is all zeros, which no training row's was.

    For a text modality this means the row has no token of the fitted
    vocabulary (an empty or out-of-vocabulary text): it embeds to the same
    point as every other such row, so what is predicted or retrieved for it
    says nothing about it.
    """


# --------------------------------------------------------------------------- records

def _is_dataframe(X):
    # pandas and polars both have ``columns`` and ``shape``; a dict has neither.
    return hasattr(X, "columns") and hasattr(X, "shape")


def _is_records(X):
    """Whether ``X`` is a record table (as opposed to one modality's own input)."""
    return (_is_dataframe(X) or isinstance(X, Mapping)
            or (isinstance(X, (list, tuple)) and len(X) > 0 and isinstance(X[0], Mapping)))


def _type_phrase(X):
    if isinstance(X, (list, tuple)):
        if not X:
            return f"an empty {type(X).__name__}"
        return f"a {type(X).__name__} of {type(X[0]).__name__}"
    if hasattr(X, "shape"):
        return f"{type(X).__name__} of shape {getattr(X, 'shape')}"
    return type(X).__name__


def _to_list(column):
    """A 1-D column as a list of Python objects (pandas, polars, NumPy, sequences)."""
    if hasattr(column, "to_list"):  # polars
        return column.to_list()
    if hasattr(column, "tolist"):  # pandas, NumPy
        return column.tolist()
    return list(column)


class _Records:
    """The records behind one call: columns by name, row count, row names for messages.

    Accepted: a pandas or polars DataFrame, a dict of equal-length columns, or
    a list of dicts (one record per row, as from JSON). A list of dicts is
    sliced by cross-validation like a DataFrame; a dict of columns is not.
    """

    def __init__(self, X):
        self.X = X
        self.index = None  # a pandas index: its label is named where it is not the position
        if _is_dataframe(X):
            self.kind = "frame"
            self.columns = list(X.columns)
            counts = Counter(self.columns)
            dupes = [f"{c!r} ({k} times)" for c, k in counts.items() if k > 1]
            if dupes:
                raise ValueError(
                    "The records have duplicate column names: " + ", ".join(dupes)
                    + ". Modalities select their columns by name, so each name must be "
                    "unique; rename or drop the duplicates."
                )
            self.n_rows = int(X.shape[0])
            self.index = getattr(X, "index", None)  # polars has no index
        elif isinstance(X, Mapping):
            self.kind = "dict"
            self.columns = list(X)
            for key, value in X.items():
                if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
                    raise TypeError(
                        f"Column {key!r} of the records holds one {type(value).__name__}, "
                        "not one value per row: a single record? Pass records as "
                        f"{_ACCEPTED}."
                    )
            lengths = {len(v) for v in X.values()}
            if len(lengths) > 1:
                raise ValueError(
                    "All modality columns must have the same length; got lengths "
                    + ", ".join(f"{k}={len(v)}" for k, v in X.items())
                )
            self.n_rows = lengths.pop() if lengths else 0
        elif isinstance(X, (list, tuple)) and X and isinstance(X[0], Mapping):
            self.kind = "rows"
            for i, record in enumerate(X):
                if not isinstance(record, Mapping):
                    raise TypeError(
                        f"The records are a list of dicts, but {describe_item(i, kind='row')} "
                        f"is a {type(record).__name__}; every row must be a dict."
                    )
            self.columns = list(dict.fromkeys(k for record in X for k in record))
            self.n_rows = len(X)
        else:
            raise TypeError(
                f"MultiModalTransformer takes records as {_ACCEPTED}; got {_type_phrase(X)}. "
                "To transform one modality's own input (a list of texts or paths), use "
                "`transform_view(X, view)`."
            )

    def row(self, i):
        """``"row 3"``, or ``"row 3 (index 'q7')"`` where the label is not the position."""
        name = describe_item(i, kind="row")
        if self.index is None:
            return name
        label = self.index[i]
        return name if isinstance(label, Integral) and label == i else f"{name} (index {label!r})"

    def select(self, columns, modality):
        """The modality's input: a list for one column name, a 2-D array for a list."""
        wanted = [columns] if isinstance(columns, str) else list(columns)
        missing = [c for c in wanted if c not in self.columns]
        if missing:
            raise ValueError(
                f"Modality {modality!r} needs column(s) {missing}, which X does not have "
                f"(columns: {self.columns}). Every modality seen in fit must be present; "
                "use `transform_view` to embed one modality alone."
            )
        if isinstance(columns, str):
            return self._column(columns, modality)
        if self.kind == "frame":
            return self.X[wanted].to_numpy()
        return np.column_stack([np.asarray(self._column(c, modality)) for c in wanted])

    def _column(self, name, modality):
        if self.kind == "rows":
            absent = [i for i, record in enumerate(self.X) if name not in record]
            if absent:
                raise ValueError(
                    f"Modality {modality!r} reads key {name!r}, which is missing from "
                    f"{_rows_phrase(absent, self)} of the records."
                )
            return [record[name] for record in self.X]
        return _to_list(self.X[name])


def _rows_phrase(positions, records=None):
    row = records.row if records is not None else (lambda i: describe_item(i, kind="row"))
    shown = ", ".join(row(i) for i in positions[:_SHOWN])
    more = len(positions) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


# ------------------------------------------------------------------ per-modality cells

def _text_vectorizer(trans):
    """The scikit-learn-style text vectorizer reading the cells, or None.

    A vectorizer (``build_analyzer``) reading content, alone or as the first
    step of a Pipeline.
    """
    head = trans.steps[0][1] if hasattr(trans, "steps") else trans
    if hasattr(head, "build_analyzer") and getattr(head, "input", "content") == "content":
        return head
    return None


def _reads_raw_items(trans):
    """Whether ``trans`` reads raw items (paths, texts) and declares no missing values."""
    head = trans.steps[0][1] if hasattr(trans, "steps") else trans
    try:
        tags = get_tags(head).input_tags
    except Exception:  # not a scikit-learn estimator: nothing declared
        return False
    return tags.string and not tags.two_d_array and not tags.allow_nan


def _is_missing(cell):
    if cell is None or (isinstance(cell, (float, np.floating)) and math.isnan(cell)):
        return True
    pd = sys.modules.get("pandas")  # pd.NA / pd.NaT only exist if pandas is loaded
    return pd is not None and (cell is pd.NA or cell is pd.NaT)


def _check_cells(cells, modality, trans, records):
    """Validate one modality's 1-D column before its transformer sees it.

    Text (a vectorizer reading content) must be ``str``; ``bytes`` are decoded
    with the vectorizer's ``encoding``/``decode_error``, as it would, but a
    failure names the row. Other raw-item modalities (paths, arrays) may not
    hold missing values. Returns the cells, with bytes decoded.
    """
    vectorizer = _text_vectorizer(trans)
    if vectorizer is None and not _reads_raw_items(trans):
        return cells
    # Positions, not labels: a pandas Series passed to transform_view may have any index.
    seq = cells if isinstance(cells, list) else list(cells)
    if vectorizer is None:
        bad = [i for i, c in enumerate(seq) if _is_missing(c)]
        if bad:
            raise ValueError(
                f"Modality {modality!r} has missing values (None or NaN) at "
                f"{_rows_phrase(bad, records)}; drop those rows or fill them."
            )
        return cells
    encoding = getattr(vectorizer, "encoding", "utf-8")
    errors = getattr(vectorizer, "decode_error", "strict")
    bad, out = [], None
    for i, c in enumerate(seq):
        if isinstance(c, str):
            continue
        if isinstance(c, bytes):
            try:
                text = c.decode(encoding, errors)
            except UnicodeDecodeError as e:
                raise ValueError(
                    f"Modality {modality!r}: {records.row(i)} holds bytes that are not "
                    f"valid {encoding} ({e.reason} at byte {e.start}). Decode them with "
                    "the right encoding, or set the vectorizer's `encoding` or "
                    "`decode_error='replace'`."
                ) from e
            if out is None:
                out = list(seq)
            out[i] = text
        else:
            bad.append(i)
    if bad:
        shown = ", ".join(f"{records.row(i)} ({type(seq[i]).__name__} {seq[i]!r:.30})"
                          for i in bad[:_SHOWN])
        more = f" and {len(bad) - _SHOWN} more" if len(bad) > _SHOWN else ""
        raise ValueError(
            f"Modality {modality!r} expects text (str) in every row; not text: "
            f"{shown}{more}. Fill missing texts (e.g. with '') or drop those rows; "
            "convert numbers to str explicitly."
        )
    return cells if out is None else out


class _Rows:
    """Row names for a modality's own input (``transform_view`` on a plain sequence)."""

    def row(self, i):
        return describe_item(i, kind="row")


# ------------------------------------------------------------------ blocks

def _as_float_2d(X):
    """'passthrough': the selected numbers as a float 2-D array."""
    out = np.asarray(X, dtype=float)
    return out[:, None] if out.ndim == 1 else out


def _given_names(transformer, input_features, *, names):
    """'passthrough' feature names: the record columns it passes on."""
    return np.asarray(names, dtype=object)


def _resolve(trans, columns):
    """The one place where ``'passthrough'`` becomes a transformer; ``'drop'`` stays."""
    if isinstance(trans, str) and trans == "passthrough":
        names = [columns] if isinstance(columns, str) else list(columns)
        return FunctionTransformer(_as_float_2d, check_inverse=False,
                                   feature_names_out=partial(_given_names, names=names))
    return trans


def _is_drop(trans):
    return isinstance(trans, str) and trans == "drop"


def _as_block(out, name, n_rows):
    """A transformer's output as an ndarray or CSR matrix with one row per item."""
    if sp.issparse(out):
        out = out.tocsr()
    elif hasattr(out, "to_numpy"):  # a DataFrame under a global set_output config
        out = np.asarray(out.to_numpy())
    else:
        out = np.asarray(out)
    if out.ndim != 2 or out.shape[0] != n_rows:
        raise ValueError(
            f"Modality {name!r} produced an output of shape {out.shape} for "
            f"{n_rows} rows; a modality transformer must output one row per item."
        )
    return out


def _zero_rows(block):
    """Positions of the rows of ``block`` that are all zeros."""
    if sp.issparse(block):
        return np.flatnonzero(np.asarray(abs(block).sum(axis=1)).ravel() == 0)
    return np.flatnonzero(~np.any(block != 0, axis=1))


def _fit_transform_one(transformer, Xm, y, params, name, verbose):
    start = time.perf_counter()
    if hasattr(transformer, "fit_transform"):
        out = transformer.fit_transform(Xm, y, **params.get("fit_transform", {}))
    else:
        out = transformer.fit(Xm, y, **params.get("fit", {})).transform(
            Xm, **params.get("transform", {}))
    if verbose:
        print(f"[MultiModalTransformer] {name}: {out.shape[1]} features "
              f"in {time.perf_counter() - start:.1f}s")
    return transformer, out


def _transform_one(transformer, Xm, params):
    return transformer.transform(Xm, **params.get("transform", {}))


def _embedder_has(method):
    def check(self):
        if self.embedder is None:
            raise AttributeError(
                f"MultiModalTransformer has no embedder, so no `{method}` to delegate to.")
        if not hasattr(self.embedder, method):
            raise AttributeError(
                f"MultiModalTransformer.{method} delegates to the embedder, and "
                f"{type(self.embedder).__name__} has no `{method}`.")
        return True
    return check


def _embedder_values(Z):
    """The values of an embedder's output, which ``set_output`` may have made a DataFrame.

    The embedder saw the stacked blocks, not the records: the container (and
    its index) is made again from the records by this class's own wrapper.
    """
    return Z.to_numpy() if hasattr(Z, "to_numpy") else Z


class MultiModalTransformer(_DocLinkMixin, TransformerMixin, _BaseComposition):
    """Turn raw multimodal records into views, and optionally embed them.

    The records are a pandas or polars DataFrame, a dict of equal-length
    columns, or a list of dicts (one record per row). Under cross-validation
    use a DataFrame or a list of dicts: scikit-learn slices their rows, not a
    dict's.

    Parameters
    ----------
    modalities : list of (name, transformer, columns) tuples
        One entry per modality. ``transformer`` is any scikit-learn
        transformer, ``"passthrough"`` (the columns as numbers) or ``"drop"``
        (the modality is left out); ``columns`` is one column name (the
        transformer then receives a 1-D list, e.g. of image paths or strings)
        or a list of names (it receives a 2-D array). Each output block
        becomes one view named ``name``.
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
    transformers_ : list of (str, transformer or 'drop', columns)
        The fitted transformer of each modality, in the order of
        ``modalities``; ``'passthrough'`` is a fitted
        :class:`~sklearn.preprocessing.FunctionTransformer`.
    named_transformers_ : :class:`~sklearn.utils.Bunch`
        The same, by modality name.
    views_ : list of (str, slice)
        The columns of each kept modality's block in the stacked matrix.
    embedder_ : estimator or None
        The fitted embedder.
    n_samples_fit_ : int
        Rows seen in ``fit``.
    sparse_output_ : bool
        Whether the stacked blocks are a sparse matrix (decided in ``fit``).
    n_features_in_ : int
        Number of record columns seen in ``fit``. Only defined when the
        records were a DataFrame.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names seen in ``fit``. Only defined when the records were a
        DataFrame with string column names.

    Notes
    -----
    Input checks, the same in ``fit``, ``transform``, ``transform_view`` and
    ``score``:

    - a text modality (a scikit-learn vectorizer reading content, alone or
      first in a Pipeline) must hold ``str`` in every row; ``bytes`` are
      decoded with the vectorizer's ``encoding``. ``None``, NaN, numbers and
      undecodable bytes raise a ``ValueError`` naming the modality and rows;
    - other modalities reading raw items (image or audio paths) may not hold
      missing values;
    - duplicate DataFrame column names raise a ``ValueError`` naming them;
    - a list of dicts is read as the table of those records; a record that
      lacks a column some modality reads raises a ``ValueError`` naming the
      row. Anything else (a list of strings, an array) raises a ``TypeError``
      listing the accepted record types, except in ``transform_view``, where
      it is the modality's own input.

    A row whose block is all zeros at transform time, in a modality where no
    training row's block was (e.g. a text with no token of the fitted
    vocabulary), issues a :class:`ZeroRowWarning` naming the modality and
    rows: such a row embeds to one fixed point.

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
    >>> mm.named_transformers_["shape"].mean_
    array([0.175, 4.   ])
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

        Parameters
        ----------
        deep : bool, default=True
            Include the parameters of the modality transformers and embedder.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return self._get_params("_estimators", deep=deep)

    def set_params(self, **params):
        """Set parameters, including ``<name>__<param>`` of a modality.

        Parameters
        ----------
        **params : dict
            Estimator parameters; a modality's name sets its transformer
            (e.g. ``text="drop"``).

        Returns
        -------
        self : MultiModalTransformer
            This estimator.
        """
        self._set_params("_estimators", **params)
        return self

    def set_output(self, *, transform=None):
        """Set the output container of ``transform``, ``fit_transform`` and ``transform_view``.

        The setting is passed on to the embedder (as ColumnTransformer does for
        its transformers); the modality blocks are internal and stay arrays.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            The output container; ``None`` leaves it unchanged.

        Returns
        -------
        self : MultiModalTransformer
            This estimator.
        """
        super().set_output(transform=transform)
        for est in (self.embedder, getattr(self, "embedder_", None)):
            if est is not None and hasattr(est, "set_output"):
                _safe_set_output(est, transform=transform)
        return self

    @property
    def named_transformers_(self):
        """The fitted transformer of each modality, by name (a Bunch)."""
        return Bunch(**{name: trans for name, trans, _ in self.transformers_})

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
            if isinstance(trans, str):
                if trans not in ("drop", "passthrough"):
                    raise ValueError(
                        f"Modality {name!r}: a transformer given as a string must be "
                        f"'drop' or 'passthrough', got {trans!r}."
                    )
            elif not (hasattr(trans, "fit") and hasattr(trans, "transform")):
                raise TypeError(
                    f"Modality {name!r}: the transformer must implement fit and "
                    f"transform, or be 'passthrough' or 'drop'; got {trans!r}."
                )
        if all(_is_drop(t) for _, t, _ in self.modalities):
            raise ValueError("Every modality is 'drop': there is nothing to transform.")

    def _set_input_attributes(self, X):
        """``feature_names_in_`` / ``n_features_in_`` from a DataFrame, as sklearn sets them."""
        if _is_dataframe(X):
            validate_data(self, X=X, skip_check_array=True)
        else:
            for attr in ("feature_names_in_", "n_features_in_"):
                if hasattr(self, attr):
                    delattr(self, attr)

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

    def _input(self, records, name, trans, columns):
        """One modality's input from the records, its cells checked (the same for every call)."""
        Xm = records.select(columns, name)
        return _check_cells(Xm, name, trans, records) if isinstance(columns, str) else Xm

    def _warn_zero_rows(self, blocks, records, stacklevel):
        """Warn where a block row is all zeros and no training row's was.

        ``stacklevel`` counts from the public method, so the warning points at
        the user's call.
        """
        for name, block in blocks.items():
            if self._zero_rows_at_fit.get(name, True):
                continue
            rows = _zero_rows(block)
            if rows.size:
                warnings.warn(
                    f"Modality {name!r}: {rows.size} of {block.shape[0]} rows have an "
                    f"all-zero block ({_rows_phrase(rows.tolist(), records)}), which no "
                    "training row had. For text this means no token of the fitted "
                    "vocabulary (empty or out-of-vocabulary): such rows all embed to one "
                    "point, so what is predicted or retrieved for them says nothing about "
                    "them.",
                    ZeroRowWarning, stacklevel=stacklevel + 1,
                )

    def _fit(self, X, y, params, method):
        self._check_modalities()
        records = _Records(X)
        self._set_input_attributes(X)
        routed = process_routing(self, method, **params)
        specs = [(name, _resolve(trans, cols), cols) for name, trans, cols in self.modalities]
        kept = [spec for spec in specs if not _is_drop(spec[1])]
        inputs = [self._input(records, name, trans, cols) for name, trans, cols in kept]
        results = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(_fit_transform_one)(clone(trans), Xm, y, routed.get(name, {}), name,
                                        self.verbose)
            for (name, trans, _), Xm in zip(kept, inputs)
        )
        fitted = {name: est for (name, _, _), (est, _) in zip(kept, results)}
        self.transformers_ = [(name, fitted.get(name, "drop"), cols)
                              for name, _, cols in specs]
        blocks = [_as_block(out, name, records.n_rows)
                  for (name, _, _), (_, out) in zip(kept, results)]
        edges = np.cumsum([0] + [b.shape[1] for b in blocks])
        self.views_ = [(name, slice(int(a), int(b)))
                       for (name, _, _), a, b in zip(kept, edges[:-1], edges[1:])]
        # Which modalities had an all-zero training row: only the others warn later.
        self._zero_rows_at_fit = {name: bool(_zero_rows(b).size)
                                  for (name, _, _), b in zip(kept, blocks)}
        self.n_samples_fit_ = records.n_rows
        self.sparse_output_ = self._wants_sparse(blocks)
        Xt = self._stack(blocks)
        if self.embedder is None:
            self.embedder_ = None
            return Xt
        self.embedder_ = clone(self.embedder)
        if "views" in self.embedder_.get_params(deep=False):
            self.embedder_.set_params(views=self.views_)
        embedder_params = routed.get("embedder", {})
        if method == "fit":
            self.embedder_.fit(Xt, y, **embedder_params.get("fit", {}))
            return None
        if hasattr(self.embedder_, "fit_transform"):
            return _embedder_values(self.embedder_.fit_transform(
                Xt, y, **embedder_params.get("fit_transform", {})))
        return _embedder_values(self.embedder_.fit(Xt, y, **embedder_params.get("fit", {}))
                                .transform(Xt, **embedder_params.get("transform", {})))

    def _transform_blocks(self, X, routed, stacklevel):
        """The stacked blocks of fitted modalities for records ``X``."""
        records = _Records(X)
        kept = [entry for entry in self.transformers_ if not _is_drop(entry[1])]
        inputs = [self._input(records, name, trans, cols) for name, trans, cols in kept]
        outs = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(_transform_one)(trans, Xm, routed.get(name, {}))
            for (name, trans, _), Xm in zip(kept, inputs)
        )
        blocks = {name: _as_block(out, name, records.n_rows)
                  for (name, _, _), out in zip(kept, outs)}
        self._warn_zero_rows(blocks, records, stacklevel + 1)
        return self._stack(list(blocks.values()))

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, **params):
        """Fit each modality's transformer, then the embedder on the stacked views.

        Parameters
        ----------
        X : DataFrame, dict of equal-length sequences or list of dicts
            The records, one row per item.
        y : array-like of shape (n_samples,), default=None
            Targets, passed to the transformers and the embedder.
        **params : dict
            Metadata (e.g. ``sample_weight``) routed to the transformers and
            the embedder that request it. Only with
            ``sklearn.set_config(enable_metadata_routing=True)``.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        _raise_for_params(params, self, "fit")
        self._fit(X, y, params, "fit")
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_transform(self, X, y=None, **params):
        """Fit and return the stacked views (or their embedding).

        Parameters
        ----------
        X : DataFrame, dict of equal-length sequences or list of dicts
            The records.
        y : array-like of shape (n_samples,), default=None
            Targets.
        **params : dict
            Metadata routed as in :meth:`fit`.

        Returns
        -------
        Xt : ndarray or sparse matrix of shape (n_samples, n_features_out)
            The transformed records.
        """
        _raise_for_params(params, self, "fit_transform")
        return self._fit(X, y, params, "fit_transform")

    def transform(self, X, **params):
        """Transform records with every modality present.

        Parameters
        ----------
        X : DataFrame, dict of equal-length sequences or list of dicts
            Records with all the (not dropped) modality columns seen in
            ``fit``; other columns are ignored.
        **params : dict
            Metadata routed to the transformers' and embedder's ``transform``.

        Returns
        -------
        Xt : ndarray or sparse matrix of shape (n_samples, n_features_out)
            Stacked views, or the embedder's output.
        """
        check_is_fitted(self)
        _raise_for_params(params, self, "transform")
        routed = process_routing(self, "transform", **params)
        Xt = self._transform_blocks(X, routed, stacklevel=3)  # + set_output's wrapper
        if self.embedder_ is None:
            return Xt
        return _embedder_values(
            self.embedder_.transform(Xt, **routed.get("embedder", {}).get("transform", {})))

    def transform_view(self, X, view):
        """Transform one modality alone, e.g. a text query against image items.

        Follows ``set_output`` like :meth:`transform`.

        Parameters
        ----------
        X : records or sequence
            Records (DataFrame, dict, or a list whose first item is a dict)
            holding that modality's column(s); other columns are ignored.
            Anything else (a list of paths or strings, a 2-D array) is taken
            as the modality's input itself.
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
        entries = {name: (trans, cols) for name, trans, cols in self.transformers_}
        if view not in entries:
            raise ValueError(f"Unknown view {view!r}; the modalities are {list(entries)}.")
        trans, cols = entries[view]
        if _is_drop(trans):
            raise ValueError(f"Modality {view!r} was dropped ('drop'): it has no view.")
        if isinstance(X, (str, bytes)):
            raise TypeError(
                f"Modality {view!r}: transform_view takes one item per row, got a single "
                f"{type(X).__name__}; pass a list, e.g. [{X!r:.40}]."
            )
        if _is_records(X):
            records = _Records(X)
            Xm = self._input(records, view, trans, cols)
        else:
            records = _Rows()
            Xm = _check_cells(X, view, trans, records) if isinstance(cols, str) else X
        n_rows = Xm.shape[0] if hasattr(Xm, "shape") else len(Xm)
        block = _as_block(trans.transform(Xm), view, n_rows)
        self._warn_zero_rows({view: block}, records, stacklevel=2)
        if self.embedder_ is None:
            return self._wrap(block, X, self._view_feature_names(view))
        block = self._stack([block])  # dense where the embedder needs it
        if not hasattr(self.embedder_, "transform_view"):
            raise TypeError(
                f"The embedder {type(self.embedder_).__name__} cannot embed a single view "
                "(it has no `transform_view`)."
            )
        Z = self.embedder_.transform_view(block, view)
        names = (list(Z.columns) if hasattr(Z, "columns")
                 else [f"{view}_{j}" for j in range(Z.shape[1])])
        return self._wrap(_embedder_values(Z), X, names)

    def _wrap(self, Z, original, columns):
        """``Z`` in the container chosen by ``set_output`` (as sklearn wraps ``transform``)."""
        dense = _get_output_config("transform", self)["dense"]
        if dense == "default":
            return Z
        if sp.issparse(Z):
            raise ValueError(
                f"set_output(transform={dense!r}) cannot hold this sparse block; "
                "set sparse_threshold=0 or use set_output(transform='default')."
            )
        adapter = _get_container_adapter("transform", self)
        return adapter.create_container(Z, original if _is_dataframe(original) else None,
                                        columns=np.asarray(columns, dtype=object))

    @available_if(_embedder_has("score"))
    def score(self, X, y=None, **params):
        """The embedder's ``score`` on the transformed records.

        Lets ``GridSearchCV(mm)`` run without ``scoring`` (e.g. CCA's mean
        held-out canonical correlation). Only available when the embedder has
        ``score``.

        Parameters
        ----------
        X : DataFrame, dict of equal-length sequences or list of dicts
            The records.
        y : array-like of shape (n_samples,), default=None
            Passed to the embedder's ``score``.
        **params : dict
            Metadata routed to the transformers' ``transform`` and the
            embedder's ``score``.

        Returns
        -------
        score : float
            The embedder's score.
        """
        check_is_fitted(self)
        _raise_for_params(params, self, "score")
        routed = process_routing(self, "score", **params)
        Xt = self._transform_blocks(X, routed, stacklevel=2)
        return self.embedder_.score(Xt, y, **routed.get("embedder", {}).get("score", {}))

    def _view_feature_names(self, name):
        (trans, cols), = [(t, c) for n, t, c in self.transformers_ if n == name]
        width = dict(self.views_)[name]
        if hasattr(trans, "get_feature_names_out"):
            inner = trans.get_feature_names_out(None if isinstance(cols, str) else list(cols))
        else:
            inner = [f"x{j}" for j in range(width.stop - width.start)]
        return [f"{name}__{f}" for f in inner]

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns: the embedder's, or ``<modality>__<feature>``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Checked against ``feature_names_in_`` when given; the names come
            from the modalities.

        Returns
        -------
        names : ndarray of str objects
            The output column names.
        """
        check_is_fitted(self)
        if input_features is not None:
            _check_feature_names_in(self, input_features)
        if self.embedder_ is not None:
            return self.embedder_.get_feature_names_out()
        names = [f for name, _ in self.views_ for f in self._view_feature_names(name)]
        return np.asarray(names, dtype=object)

    def get_metadata_routing(self):
        """How metadata passed to this estimator reach its transformers and embedder.

        As in :class:`~sklearn.compose.ColumnTransformer`: ``fit`` and
        ``fit_transform`` route to each modality's ``fit_transform`` (or
        ``fit`` and ``transform``), ``transform`` and ``score`` to its
        ``transform``; the embedder gets them in ``fit``, ``fit_transform``,
        ``transform`` and ``score``.

        Returns
        -------
        routing : MetadataRouter
            The routing information.
        """
        router = MetadataRouter(owner=self)
        for name, step, _ in self.modalities:
            if isinstance(step, str):  # 'drop' / 'passthrough' consume nothing
                continue
            mapping = MethodMapping()
            for caller in ("fit", "fit_transform"):
                if hasattr(step, "fit_transform"):
                    mapping.add(caller=caller, callee="fit_transform")
                else:
                    mapping.add(caller=caller, callee="fit").add(caller=caller, callee="transform")
            mapping.add(caller="transform", callee="transform")
            mapping.add(caller="score", callee="transform")
            router.add(method_mapping=mapping, **{name: step})
        if self.embedder is not None:
            mapping = (MethodMapping().add(caller="fit", callee="fit")
                       .add(caller="transform", callee="transform"))
            if hasattr(self.embedder, "fit_transform"):
                mapping.add(caller="fit_transform", callee="fit_transform")
            else:
                mapping.add(caller="fit_transform", callee="fit")
                mapping.add(caller="fit_transform", callee="transform")
            if hasattr(self.embedder, "score"):
                mapping.add(caller="score", callee="score")
            router.add(method_mapping=mapping, embedder=self.embedder)
        return router

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.dict = True
        tags.input_tags.string = True
        return tags
