"""Late fusion: one classifier per view, their outputs fused.

The fusion rules: the (weighted) mean of the per-view class probabilities,
the mean of their decision values, the (weighted) product of probabilities
(a naive-Bayes combination of independent views), or stacking, where
:class:`sklearn.ensemble.StackingClassifier` learns the fusion from
cross-validated per-view outputs.
"""

import numpy as np
from joblib import Parallel, delayed
from scipy.special import logsumexp
from sklearn.base import ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import StackingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.utils import assert_all_finite
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, column_or_1d

from ..base import MultiViewMixin
from ..utils._kernel_spec import per_view_items
from ..utils._sklearn_compat import (
    HasMethods,
    StrOptions,
    _BaseComposition,
    _fit_context,
    check_is_fitted,
)

__all__ = ["LateFusionClassifier"]


def _fit_one(estimator, X, y):
    return estimator.fit(X, y)


def _final_has(method):
    def check(self):
        if self.fusion != "stacking":
            return False
        final = LogisticRegression() if self.final_estimator is None else self.final_estimator
        return hasattr(final, method)
    return check


class LateFusionClassifier(ClassifierMixin, MultiViewMixin, _BaseComposition):
    """Late fusion: one classifier per view, fused by probabilities, decisions or stacking.

    Early, intermediate and late fusion are each one line with skmm parts::

        early = make_pipeline(StandardScaler(), SVC())            # views concatenated
        inter = make_pipeline(CCA(10, views=views), SVC())        # shared CCA space
        late = LateFusionClassifier(OneVsRestClassifier(SVC()), views=views,
                                    fusion="mean_decision")

    Parameters
    ----------
    estimator : classifier, list of (str, classifier) or None, default=None
        One classifier cloned for every view, or one ``(view_name,
        classifier)`` pair per view. None means
        :class:`~sklearn.linear_model.LogisticRegression`. ``GridSearchCV``
        reaches ``estimator__C`` (one classifier) or ``<view>__C`` (the list).
    views : None, sequence of int, sequence of column selections, or dict, default=None
        Which columns of ``X`` form each view; None splits them in two halves.
    fusion : {"mean_proba", "mean_decision", "product", "stacking"}, default="mean_proba"
        - ``"mean_proba"``: weighted mean of ``predict_proba``;
        - ``"mean_decision"``: weighted mean of ``decision_function``. With
          more than two classes, give each view a classifier whose decision
          values are per-class margins, e.g. ``OneVsRestClassifier(SVC())``:
          a multi-class ``SVC``'s values are one-vs-one vote counts (plus a
          small tie-break), and averaging votes fuses little (on the bundled
          UCM subset 0.886 against 0.971 with one-vs-rest margins,
          ``examples/fusion/plot_ucm_fusion.py``);
        - ``"product"``: weighted geometric mean of ``predict_proba``,
          renormalised (the product rule of Kittler et al. 1998);
        - ``"stacking"``: :class:`~sklearn.ensemble.StackingClassifier` with
          one ``Pipeline(select the view, classifier)`` per view.
    weights : array-like of shape (n_views,) or None, default=None
        Weight of each view for the mean and product rules (None: equal).
    final_estimator : classifier or None, default=None
        Stacking's combiner; None means
        :class:`~sklearn.linear_model.LogisticRegression`.
    cv : int, cross-validation generator, iterable or None, default=None
        Stacking's cross-validation (as in ``StackingClassifier``).
    stack_method : {"auto", "predict_proba", "decision_function", "predict"}, default="auto"
        Which per-view output stacking feeds to ``final_estimator``.
    n_jobs : int or None, default=None
        Per-view classifiers fitted in parallel.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    estimators_ : list of classifier
        The fitted classifier of each view (for stacking: those refitted on
        all rows inside ``stacker_``).
    stacker_ : StackingClassifier or None
        The fitted stacking classifier (``fusion="stacking"`` only).
    weights_ : ndarray of shape (n_views,)
        The view weights used.
    views_ : list of (str, slice or ndarray)
        The resolved views.
    n_views_ : int
        Number of views.
    n_features_in_ : int
        Number of columns of ``X``.

    See Also
    --------
    sklearn.ensemble.VotingClassifier : soft voting is ``"mean_proba"`` over
        estimators that all see every column.
    skmm.svm.MultiKernelSVC : fusion at the kernel level.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skmm.fusion import LateFusionClassifier
    >>> rng = np.random.default_rng(0)
    >>> y = np.arange(60) % 3
    >>> X = np.hstack([rng.normal(size=(60, 2)) + 2 * y[:, None],
    ...                rng.normal(size=(60, 3)) - 2 * y[:, None]])
    >>> late = LateFusionClassifier(LogisticRegression(), views={"a": 2, "b": 3})
    >>> late.fit(X, y).predict_proba(X[:2]).round(2)
    array([[0.95, 0.05, 0.  ],
           [0.03, 0.79, 0.18]])
    >>> round(late.set_params(fusion="stacking", cv=3).fit(X, y).score(X, y), 3)
    0.967
    """

    _parameter_constraints: dict = {
        **MultiViewMixin._parameter_constraints,
        "estimator": [HasMethods(["fit", "predict"]), list, None],
        "fusion": [StrOptions({"mean_proba", "mean_decision", "product", "stacking"})],
        "weights": ["array-like", None],
        "final_estimator": [HasMethods(["fit", "predict"]), None],
        "cv": ["cv_object"],
        "stack_method": [StrOptions({"auto", "predict_proba", "decision_function",
                                     "predict"})],
        "n_jobs": [None, int],
    }

    def __init__(self, estimator=None, *, views=None, fusion="mean_proba", weights=None,
                 final_estimator=None, cv=None, stack_method="auto", n_jobs=None):
        self.estimator = estimator
        self.views = views
        self.fusion = fusion
        self.weights = weights
        self.final_estimator = final_estimator
        self.cv = cv
        self.stack_method = stack_method
        self.n_jobs = n_jobs

    def get_params(self, deep=True):
        """Get parameters, including ``<view>__<param>`` of a per-view estimator list.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of the classifiers.

        Returns
        -------
        params : dict
        """
        return self._get_params("estimator", deep=deep)

    def set_params(self, **params):
        """Set parameters, including ``<view>`` and ``<view>__<param>``.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : object
        """
        self._set_params("estimator", **params)
        return self

    def _per_view_estimators(self):
        names = self.view_names_
        if isinstance(self.estimator, list):
            found = per_view_items(self.estimator, names, owner=type(self).__name__,
                                   param="estimator")
        else:
            base = LogisticRegression() if self.estimator is None else self.estimator
            found = [base] * self.n_views_
        needed = {"mean_proba": "predict_proba", "product": "predict_proba",
                  "mean_decision": "decision_function"}.get(self.fusion)
        for view, est in zip(names, found):
            if needed and not hasattr(est, needed):
                raise ValueError(
                    f"fusion={self.fusion!r} needs {needed}, but the classifier of view "
                    f"{view!r} ({type(est).__name__}) has none; wrap it in "
                    "sklearn.calibration.CalibratedClassifierCV or choose another fusion.")
        return [clone(est) for est in found]

    def _view_weights(self):
        if self.weights is None:
            return np.ones(self.n_views_)
        w = np.asarray(self.weights, dtype=np.float64)
        if w.shape != (self.n_views_,):
            raise ValueError(f"weights has shape {w.shape}, but X has {self.n_views_} views "
                             f"{self.view_names_}: give one weight per view.")
        if not (np.all(np.isfinite(w)) and np.all(w >= 0) and np.any(w > 0)):
            raise ValueError(f"weights must be finite, non-negative and not all zero; got "
                             f"{w.tolist()} for views {self.view_names_}.")
        return w

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit one classifier per view (and the stacking combiner).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            All views side by side.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = self._validate_multiview(X, reset=True)
        y = column_or_1d(y, warn=True)
        assert_all_finite(y, input_name="y")
        check_consistent_length(X, y)
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(f"{type(self).__name__} needs at least two classes in y; got "
                             f"one class ({classes[0]!r}).")
        self.classes_ = classes
        self.weights_ = self._view_weights()
        estimators = self._per_view_estimators()
        if self.fusion == "stacking":
            pipes = [(view, Pipeline([
                ("select", ColumnTransformer([(view, "passthrough", cols)])),
                ("classifier", est)]))
                for (view, cols), est in zip(self.views_, estimators)]
            final = (LogisticRegression() if self.final_estimator is None
                     else clone(self.final_estimator))
            self.stacker_ = StackingClassifier(pipes, final_estimator=final, cv=self.cv,
                                               stack_method=self.stack_method,
                                               n_jobs=self.n_jobs).fit(X, y)
            self.estimators_ = [p.named_steps["classifier"] for p in self.stacker_.estimators_]
            return self
        self.stacker_ = None
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_one)(est, Xv, y) for est, Xv in zip(estimators, self._view_blocks(X)))
        return self

    def _blocks(self, X):
        check_is_fitted(self)
        X = self._validate_multiview(X, reset=False)
        return X, self._view_blocks(X)

    @available_if(lambda self: self.fusion != "mean_decision")
    def predict_proba(self, X):
        """Fused class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            All views side by side.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        X, blocks = self._blocks(X)
        if self.fusion == "stacking":
            return self.stacker_.predict_proba(X)
        w = self.weights_ / self.weights_.sum()
        probas = [est.predict_proba(Xv) for est, Xv in zip(self.estimators_, blocks)]
        if self.fusion == "mean_proba":
            return sum(wi * P for wi, P in zip(w, probas))
        # product rule in log space; a zero probability is floored at the
        # smallest normal number so one view cannot veto a class to NaN
        tiny = np.finfo(np.float64).tiny
        logp = sum(wi * np.log(np.maximum(P, tiny)) for wi, P in zip(w, probas))
        return np.exp(logp - logsumexp(logp, axis=1, keepdims=True))

    @available_if(lambda self: self.fusion == "mean_decision"
                  or _final_has("decision_function")(self))
    def decision_function(self, X):
        """Fused decision values (``"mean_decision"``, or stacking's combiner).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            All views side by side.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            ``(n_samples,)`` for two classes, as the per-view classifiers give.
        """
        X, blocks = self._blocks(X)
        if self.fusion == "stacking":
            return self.stacker_.decision_function(X)
        w = self.weights_ / self.weights_.sum()
        return sum(wi * est.decision_function(Xv)
                   for wi, est, Xv in zip(w, self.estimators_, blocks))

    def predict(self, X):
        """Predict class labels by the fused scores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            All views side by side.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        if self.fusion == "stacking":
            X, _ = self._blocks(X)
            return self.stacker_.predict(X)
        if self.fusion == "mean_decision":
            scores = self.decision_function(X)
            if scores.ndim == 1:
                return self.classes_[(scores > 0).astype(int)]
            return self.classes_[np.argmax(scores, axis=1)]
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
