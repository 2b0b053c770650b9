"""MultiTaskClassifier: one shared multi-view embedding, one classifier head per task.

The embedder is fitted once, with all tasks' labels when it takes a 2-D ``y``
(its ``target_tags.multi_output`` tag, set by TripletEmbedding), so that the
shared space serves every task; each head is then fitted on the rows labelled
in its task (``unlabelled=-1`` gives the convention of TripletEmbedding and
:mod:`sklearn.semi_supervised`). The embedder receives each task's labels as
integer codes, ``-1`` for unlabelled rows, so its notion of "unlabelled" is
the one set here.

A row whose view is entirely NaN has that view missing. Three policies,
chosen with ``missing_views``:

- ``"error"``: refuse, naming the view and the rows.
- ``"impute"``: fill the view with ``E[x_view | other views]`` of a
  ProbabilisticCCA (the embedder itself when it is one), then embed as usual.
- ``"subset"``: embed from the views present. An embedder that marginalises
  NaN views itself (``allow_nan`` tag: ProbabilisticCCA) gets ``X`` as is; one
  that combines per-view projections (``combine``: CCA, MCCA, KernelCCA,
  TripletEmbedding) gets its missing blocks replaced by the mean of the
  present views' projections (a row's views are aligned in the shared space,
  which is what those embedders are fitted for); other embedders must accept
  a list of views in ``transform_view`` (CollectiveNMF).
"""

import warnings
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets

from ..base import _DocLinkMixin
from ..cross_decomposition import CCA, ProbabilisticCCA
from ..utils._sklearn_compat import (
    HasMethods,
    StrOptions,
    _fit_context,
    check_is_fitted,
    validate_data,
)

__all__ = ["MultiTaskClassifier"]


def _unlabelled_mask(col, unlabelled):
    if unlabelled is None:
        return np.zeros(col.shape[0], dtype=bool)
    # Element by element: labels may be strings, numbers or mixed objects.
    return np.fromiter((v == unlabelled for v in col.tolist()), dtype=bool,
                       count=col.shape[0])


def _heads_have(method):
    """``available_if`` check: every head (fitted, else as given) has ``method``."""
    def check(self):
        heads = getattr(self, "estimators_", None)
        if heads is None:
            given = self.classifier
            heads = given if isinstance(given, (list, tuple)) else [
                LogisticRegression() if given is None else given]
        return all(hasattr(h, method) for h in heads)
    return check


def _rows_text(rows):
    rows = np.asarray(rows).tolist()
    return f"{rows[:10]}{' ...' if len(rows) > 10 else ''}"


class MultiTaskClassifier(_DocLinkMixin, MetaEstimatorMixin, ClassifierMixin,
                          BaseEstimator):
    """Predict several targets from one shared multi-view embedding.

    ``fit(X, y)`` with ``y`` of shape (n_samples, n_tasks) fits the embedder
    once on ``X`` (with all of ``y`` when the embedder learns from labels,
    see Notes), embeds the rows and fits one classifier head per task on the
    shared space. ``predict`` returns one column per task. Compared with one
    pipeline per task, the embedding is computed once and, with a supervised
    embedder, learns from every task.

    Parameters
    ----------
    embedder : estimator or None, default=None
        A multi-view embedder from :mod:`skmm.cross_decomposition` (any
        transformer works with ``missing_views="error"``). ``None`` means
        ``CCA()``. It is cloned.
    classifier : classifier, list of classifiers or None, default=None
        The head: one classifier cloned for every task, or a list with one
        classifier per task. ``None`` means ``LogisticRegression()``.
    missing_views : {"error", "impute", "subset"}, default="error"
        What to do with a row whose view is all NaN at prediction time (see
        Notes): refuse, impute the view with ProbabilisticCCA, or embed from
        the views present.
    unlabelled : int, str or None, default=None
        The label marking a row unlabelled in a task (``-1`` is
        scikit-learn's semi-supervised convention). Such a row is left out of
        that task's head and, for an embedder learning from labels, out of
        that task's triplets; it still serves the other tasks. ``None``:
        every label is a class.
    imputer : estimator with ``fit`` and ``predict_view`` or None, default=None
        Used by ``missing_views="impute"``, fitted on the training ``X``.
        ``None``: the embedder itself when it has ``predict_view``
        (ProbabilisticCCA), else ``ProbabilisticCCA`` on the embedder's two
        views with ``n_components`` the smaller view width (the full
        Gaussian conditional, i.e. a regularised linear regression of one
        view on the other).

    Attributes
    ----------
    embedder_ : estimator
        The fitted embedder.
    estimators_ : list of classifiers
        The fitted head of each task.
    imputer_ : estimator
        The fitted imputer (``missing_views="impute"`` only).
    classes_ : ndarray or list of ndarray
        The labelled classes of each task (a list when ``y`` is 2-D).
    n_tasks_ : int
        Number of tasks (columns of ``y``; 1 for a 1-D ``y``).
    n_features_in_ : int
        Number of columns of ``X`` seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names of ``X``, when it has string column names.

    See Also
    --------
    sklearn.multioutput.MultiOutputClassifier : one independent estimator per
        output, no shared representation.
    skmm.cross_decomposition.TripletEmbedding : an embedder trained on all
        tasks at once (2-D ``y``, ``-1`` unlabelled).

    Notes
    -----
    **Which embedders see the labels.** An embedder whose tags say it takes a
    2-D ``y`` (``target_tags.multi_output``, e.g. TripletEmbedding) is fitted
    with all task columns; with a single task every embedder gets the 1-D
    ``y`` (unsupervised ones ignore it); otherwise it is fitted without ``y``.

    **Unlabelled rows.** With ``unlabelled=-1`` a label ``-1`` means
    "unlabelled in this task": the task's head is fitted without that row,
    the row still trains the embedder and the other heads. The embedder gets
    every task as integer codes (``-1`` unlabelled), whatever the label
    values. A task needs two labelled classes.

    **Missing views.** A view is missing in a row when all its columns are
    NaN; a view partly NaN is an error naming the row and the view. Rows
    with every view present are embedded exactly as without missing data,
    whatever the policy, so their predictions do not change. ``"impute"``
    needs two views (ProbabilisticCCA models two); ``"subset"`` works with
    any number.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.cross_decomposition import CCA
    >>> from skmm.multioutput import MultiTaskClassifier
    >>> rng = np.random.default_rng(0)
    >>> y = np.column_stack([rng.integers(0, 3, 300), rng.integers(0, 2, 300)])
    >>> S = np.column_stack([y[:, 0], y[:, 1]]) + 0.3 * rng.normal(size=(300, 2))
    >>> X = np.hstack([S @ rng.normal(size=(2, 5)), S @ rng.normal(size=(2, 4))])
    >>> X += 0.1 * rng.normal(size=X.shape)
    >>> clf = MultiTaskClassifier(CCA(2, views=[5, 4]), missing_views="impute").fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3, 2)
    >>> [p.shape for p in clf.predict_proba(X[:3])]
    [(3, 3), (3, 2)]
    >>> X_test = X[:3].copy()
    >>> X_test[0, 5:] = np.nan          # second view missing in the first row
    >>> pred = clf.predict(X_test)
    >>> bool((pred[1:] == clf.predict(X[1:3])).all())  # complete rows: unchanged
    True
    >>> clf.score_per_task(X, y).round(2).tolist()
    [0.94, 0.98]
    """

    _parameter_constraints: dict = {
        "embedder": [HasMethods(["fit", "transform"]), None],
        "classifier": [HasMethods(["fit", "predict"]), list, tuple, None],
        "missing_views": [StrOptions({"error", "impute", "subset"})],
        "unlabelled": [Integral, str, None],
        "imputer": [HasMethods(["fit", "predict_view"]), None],
    }

    def __init__(self, embedder=None, classifier=None, *, missing_views="error",
                 unlabelled=None, imputer=None):
        self.embedder = embedder
        self.classifier = classifier
        self.missing_views = missing_views
        self.unlabelled = unlabelled
        self.imputer = imputer

    # ------------------------------------------------------------------ fit
    def _heads(self, n_tasks):
        if self.classifier is None:
            return [LogisticRegression() for _ in range(n_tasks)]
        if isinstance(self.classifier, (list, tuple)):
            if len(self.classifier) != n_tasks:
                raise ValueError(
                    f"classifier lists {len(self.classifier)} heads but y has {n_tasks} "
                    "task column(s); give one classifier per task, or one to clone."
                )
            bad = [i for i, c in enumerate(self.classifier)
                   if not (hasattr(c, "fit") and hasattr(c, "predict"))]
            if bad:
                raise TypeError(f"classifier[{bad[0]}] is not a classifier (needs fit and "
                                f"predict), got {self.classifier[bad[0]]!r}.")
            return [clone(c) for c in self.classifier]
        return [clone(self.classifier) for _ in range(n_tasks)]

    def _encode_tasks(self, y2):
        """Labelled-row masks and integer codes (-1 unlabelled) of every task.

        Every task needs two labelled classes.
        """
        masks, codes = [], np.full(y2.shape, -1, dtype=np.intp)
        for t in range(y2.shape[1]):
            lab = ~_unlabelled_mask(y2[:, t], self.unlabelled)
            classes, inv = np.unique(y2[lab, t], return_inverse=True)
            if classes.size < 2:
                what = "y" if y2.shape[1] == 1 else f"y column {t} (task {t})"
                raise ValueError(
                    f"{what} has {classes.size} class{'' if classes.size == 1 else 'es'} "
                    "among its labelled rows; a classifier head needs at least two "
                    f"(unlabelled={self.unlabelled!r})."
                )
            codes[lab, t] = inv.reshape(-1)
            masks.append(lab)
        return masks, codes

    @_fit_context(prefer_skip_nested_validation=False)  # validates embedder and heads
    def fit(self, X, y):
        """Fit the shared embedder, then one head per task on the embedding.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All views side by side, as the embedder takes them.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            One column of class labels per task; the value ``unlabelled``
            marks a row unlabelled in that task.

        Returns
        -------
        self : MultiTaskClassifier
            The fitted estimator.
        """
        sparse = self._accepts_sparse()
        X, y = validate_data(self, X, y, multi_output=True, dtype=[np.float64, np.float32],
                             accept_sparse="csr" if sparse else False,
                             ensure_all_finite=False)  # the embedder checks X its way
        check_classification_targets(y)
        y2 = y.reshape(-1, 1) if y.ndim == 1 else y
        self.n_tasks_ = y2.shape[1]
        masks, codes = self._encode_tasks(y2)
        heads = self._heads(self.n_tasks_)

        self.embedder_ = clone(CCA() if self.embedder is None else self.embedder)
        if self.n_tasks_ == 1:
            Z = self.embedder_.fit_transform(X, codes[:, 0])
        elif get_tags(self.embedder_).target_tags.multi_output:
            Z = self.embedder_.fit_transform(X, codes)
        else:
            Z = self.embedder_.fit_transform(X)
        Z = np.asarray(Z)

        if self.missing_views != "error":
            self._check_multiview()
        if self.missing_views == "impute":
            self.imputer_ = self._fit_imputer(X)

        self.estimators_ = [head.fit(Z[m], y2[m, t])
                            for t, (head, m) in enumerate(zip(heads, masks))]
        classes = [np.asarray(h.classes_) for h in self.estimators_]
        # One task (1-D y, or a column vector): a plain classifier's outputs.
        self.classes_ = classes if self.n_tasks_ > 1 else classes[0]
        return self

    def _check_multiview(self):
        if not hasattr(self.embedder_, "views_"):
            raise ValueError(
                f"missing_views={self.missing_views!r} needs a multi-view embedder (one with "
                f"views_ after fit, e.g. skmm.cross_decomposition.CCA); got "
                f"{type(self.embedder_).__name__}. Use missing_views='error' with it."
            )

    def _fit_imputer(self, X):
        if self.imputer is not None:
            return clone(self.imputer).fit(X)
        if hasattr(self.embedder_, "predict_view"):
            return self.embedder_
        views = self.embedder_.views_
        if len(views) != 2:
            raise ValueError(
                f"missing_views='impute' imputes with ProbabilisticCCA, which models two "
                f"views; the embedder has {len(views)} ({[n for n, _ in views]}). Use "
                "missing_views='subset', or pass an imputer with predict_view."
            )
        widths = [len(np.arange(self.n_features_in_)[cols]) for _, cols in views]
        imputer = ProbabilisticCCA(n_components=min(widths), views=views)
        with warnings.catch_warnings():
            # All components on purpose (the full conditional): those beyond a
            # view's rank carry no correlation and change no imputed value.
            warnings.filterwarnings("ignore", message=".*exceeds the rank of view",
                                    category=UserWarning)
            return imputer.fit(X)

    # ------------------------------------------------------------------ embedding
    def _missing_rows(self, X):
        """Per view, the rows where it is missing (all NaN); a partly NaN view is an error."""
        views = self.embedder_.views_
        missing = np.zeros((X.shape[0], len(views)), dtype=bool)
        for i, (name, cols) in enumerate(views):
            nan = np.isnan(X[:, cols])
            all_nan, any_nan = nan.all(axis=1), nan.any(axis=1)
            partial = np.flatnonzero(any_nan & ~all_nan)
            if partial.size:
                raise ValueError(
                    f"View {name!r} is partly NaN in row(s) {_rows_text(partial)}: a missing "
                    "view must be entirely NaN in its row (the view's other columns are "
                    "real values here); impute single values before this estimator."
                )
            missing[:, i] = all_nan
        none = np.flatnonzero(missing.all(axis=1))
        if none.size:
            raise ValueError(f"Row(s) {_rows_text(none)} have every view missing (all NaN).")
        return missing

    def _embed(self, X):
        """The shared-space coordinates of ``X``, missing views handled per policy."""
        if self.missing_views == "error" or sp.issparse(X):
            return np.asarray(self.embedder_.transform(X))
        missing = self._missing_rows(X)
        if not missing.any():
            return np.asarray(self.embedder_.transform(X))
        views = self.embedder_.views_
        if self.missing_views == "impute":
            X_filled = X.copy()
            for i, (name, cols) in enumerate(views):
                rows = np.flatnonzero(missing[:, i])
                if rows.size:  # from the observed views only, never from imputed ones
                    block = np.asarray(self.imputer_.predict_view(X[rows], name))
                    X_filled[np.ix_(rows, np.arange(X.shape[1])[cols])] = block
            return np.asarray(self.embedder_.transform(X_filled))
        return self._embed_subset(X, missing)

    def _embed_subset(self, X, missing):
        emb, views = self.embedder_, self.embedder_.views_
        complete = ~missing.any(axis=1)
        if get_tags(emb).input_tags.allow_nan:
            # The embedder marginalises the missing views itself (ProbabilisticCCA).
            return np.asarray(emb.transform(X))
        Z = None
        if complete.any():
            Z_full = np.asarray(emb.transform(X[complete]))
            Z = np.empty((X.shape[0], Z_full.shape[1]), dtype=Z_full.dtype)
            Z[complete] = Z_full
        patterns, inverse = np.unique(missing, axis=0, return_inverse=True)
        combine = getattr(emb, "combine", None)
        for p, pattern in enumerate(patterns):
            if not pattern.any():
                continue
            rows = np.flatnonzero(inverse.reshape(-1) == p)
            present = [i for i in range(len(views)) if not pattern[i]]
            Xr = X[rows]
            if combine in ("concat", "mean"):
                parts = [np.asarray(emb.transform_view(Xr[:, views[i][1]], views[i][0]))
                         for i in present]
                fill = sum(parts[1:], parts[0]) / len(parts)
                if combine == "mean":
                    block = fill
                else:
                    by_view = dict(zip(present, parts))
                    block = np.hstack([by_view.get(i, fill) for i in range(len(views))])
            else:
                cols = np.concatenate([np.arange(X.shape[1])[views[i][1]] for i in present])
                try:
                    block = np.asarray(emb.transform_view(Xr[:, cols],
                                                          [views[i][0] for i in present]))
                except (TypeError, ValueError) as exc:
                    raise ValueError(
                        f"{type(emb).__name__} cannot embed rows from the views "
                        f"{[views[i][0] for i in present]} alone (its transform_view takes "
                        "no list of views); use missing_views='impute'."
                    ) from exc
            if Z is None:
                Z = np.empty((X.shape[0], block.shape[1]), dtype=block.dtype)
            Z[rows] = block
        return Z

    def _validated_embedding(self, X):
        check_is_fitted(self)
        sparse = self._accepts_sparse()
        X = validate_data(
            self, X, reset=False, dtype=[np.float64, np.float32],
            accept_sparse="csr" if sparse else False,
            ensure_all_finite="allow-nan" if self.missing_views != "error" else False,
        )
        if self.missing_views == "error" and not sp.issparse(X) \
                and hasattr(self.embedder_, "views_"):
            self._refuse_missing(X)
        return self._embed(X)

    def _refuse_missing(self, X):
        for name, cols in self.embedder_.views_:
            gone = np.flatnonzero(np.isnan(X[:, cols]).all(axis=1))
            if gone.size:
                raise ValueError(
                    f"View {name!r} is missing (all NaN) in row(s) {_rows_text(gone)}; set "
                    "missing_views='impute' or 'subset' to predict such rows."
                )

    # ------------------------------------------------------------------ outputs
    def _per_task(self, values):
        return values[0] if not isinstance(self.classes_, list) else values

    def predict(self, X):
        """Predict every task from the shared embedding.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All views side by side; whole views may be NaN per
            ``missing_views``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples, n_tasks) or (n_samples,)
            One column per task (1-D when fitted on a 1-D ``y``).
        """
        Z = self._validated_embedding(X)
        preds = [np.asarray(h.predict(Z)) for h in self.estimators_]
        if not isinstance(self.classes_, list):
            return preds[0]
        if len({p.dtype for p in preds}) == 1:
            return np.column_stack(preds)
        out = np.empty((Z.shape[0], len(preds)), dtype=object)  # keep each task's type
        for t, p in enumerate(preds):
            out[:, t] = p
        return out

    @available_if(_heads_have("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of every task.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All views side by side; whole views may be NaN per
            ``missing_views``.

        Returns
        -------
        proba : list of ndarray of shape (n_samples, n_classes_of_task), or one array
            One array per task, columns in the order of that task's
            ``classes_`` (one array when fitted on a 1-D ``y``).
        """
        Z = self._validated_embedding(X)
        return self._per_task([h.predict_proba(Z) for h in self.estimators_])

    def score_per_task(self, X, y):
        """Accuracy of each task on its labelled rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All views side by side.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            True labels; rows labelled ``unlabelled`` are left out of their task.

        Returns
        -------
        scores : ndarray of shape (n_tasks,)
        """
        check_is_fitted(self)
        y2 = np.asarray(y)
        y2 = y2.reshape(-1, 1) if y2.ndim == 1 else y2
        if y2.shape[1] != self.n_tasks_:
            raise ValueError(f"y has {y2.shape[1]} task column(s), but "
                             f"{type(self).__name__} was fitted with {self.n_tasks_}.")
        pred = self.predict(X).reshape(y2.shape[0], -1)
        scores = []
        for t in range(self.n_tasks_):
            lab = ~_unlabelled_mask(y2[:, t], self.unlabelled)
            scores.append(float(np.mean(pred[lab, t] == y2[lab, t])) if lab.any() else np.nan)
        return np.asarray(scores)

    def score(self, X, y, sample_weight=None):
        """Mean over tasks of the per-task accuracy (see :meth:`score_per_task`).

        With one task this is the accuracy, as for any classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All views side by side.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows (one task only).

        Returns
        -------
        score : float
        """
        if sample_weight is not None:
            if np.ndim(y) == 2 and np.shape(y)[1] > 1:
                raise ValueError("sample_weight is supported with one task only; use "
                                 "score_per_task and weight the tasks yourself.")
            return super().score(X, y, sample_weight=sample_weight)
        return float(np.mean(self.score_per_task(X, y)))

    def _accepts_sparse(self):
        # As the embedder does, except that the ProbabilisticCCA imputer is dense.
        embedder = CCA() if self.embedder is None else self.embedder
        return get_tags(embedder).input_tags.sparse and self.missing_views != "impute"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        embedder = CCA() if self.embedder is None else self.embedder
        tags.input_tags.sparse = self._accepts_sparse()
        tags.input_tags.allow_nan = get_tags(embedder).input_tags.allow_nan
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
