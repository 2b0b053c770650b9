"""Semantic matching (SM) and semantic correlation matching (SCM).

Rasiwasia et al. (ACM Multimedia 2010): each view is mapped to the vector of
its class posteriors by a probabilistic classifier trained on that view, so
that an image and a text meet in the same "semantic space" (one coordinate
per class), where they are compared by cosine. SM classifies the raw views;
SCM first maps both views to a maximally correlated subspace (CCA) and
classifies there.
"""

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.multiclass import check_classification_targets

from ..base import MultiViewEmbedderMixin
from ..utils._sklearn_compat import HasMethods, StrOptions, _fit_context

__all__ = ["SemanticMatching"]


class SemanticMatching(MultiViewEmbedderMixin, BaseEstimator):
    """Class-posterior embedding of every view: semantic (correlation) matching.

    One classifier per view, trained on that view (or on its projection by
    ``embedder``) to predict the class labels ``y``; a view is embedded as
    its class posteriors, one coordinate per class, the same space for every
    view. With ``embedder=None`` this is semantic matching (SM); with a
    :class:`~skmm.cross_decomposition.CCA` it is semantic correlation
    matching (SCM) of Rasiwasia et al. (2010).

    Parameters
    ----------
    classifier : estimator with predict_proba, default=None
        Cloned once per view. None: ``LogisticRegression(max_iter=1000)``,
        the multiclass logistic regression of the paper.
    embedder : multi-view embedder or None, default=None
        Fitted first on all views (given ``views``); each classifier then
        sees its view's ``transform_view`` output. None: the raw views (SM).
    views : None, sequence of int, sequence of column selections, or dict, default=None
        Which columns of ``X`` form each view (see
        :func:`skmm.utils.resolve_views`).
    center : bool, default=True
        Subtract from each view's posteriors their mean over the training
        rows of that view. Posteriors all lie in one corner of the simplex;
        centring makes their cosine measure agreement about which classes
        are above or below their usual probability (measured on Wikipedia,
        SCM image->text MAP 0.276 -> 0.304, see benchmarks/results/retrieval.md).
        For the inner product (see Notes) use ``center=False``.
    output : {"proba", "log"}, default="proba"
        Posteriors, or their logarithm (log-posteriors spread the small
        probabilities apart).
    combine : {"concat", "mean"}, default="concat"
        How ``transform`` combines the views' embeddings.

    Attributes
    ----------
    classifiers_ : list of estimator
        The fitted classifier of each view.
    embedder_ : estimator or None
        The fitted embedder (SCM).
    classes_ : ndarray of shape (n_classes,)
        Class labels; coordinate ``j`` of the semantic space is class ``j``.
    means_ : list of ndarray of shape (n_classes,)
        Training mean of each view's (log-)posteriors (zeros if not
        ``center``).
    views_ : list of (str, slice or ndarray)
        The resolved views.

    Notes
    -----
    With ``center=False`` and ``output="proba"``, the inner product of an
    image's and a text's embeddings, ``sum_c P(c | image) P(c | text)``, is
    the probability that two independent items with these posteriors share
    their class; ranking by it is the probability ranking principle. Use it
    through ``CrossModalRetriever(..., metric="inner")``. With calibrated
    posteriors it usually ranks better than the cosine (centred or not),
    which discards how confident each posterior is. Measured
    (benchmarks/results/retrieval.md, official splits, MAP image->text /
    text->image): Wikipedia SVM posteriors, cosine of centred posteriors
    0.324 / 0.266, inner product 0.342 / 0.260; UCM captions (96-px Hellinger
    SIFT bag of words, TF-IDF captions) 0.804 / 0.798 and 0.808 / 0.805.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.retrieval import SemanticMatching
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1, 2], 10)
    >>> X = np.hstack([y[:, None] + 0.2 * rng.standard_normal((30, 2)),
    ...                y[:, None] + 0.2 * rng.standard_normal((30, 3))])
    >>> sm = SemanticMatching(views={"image": 2, "text": 3}).fit(X, y)
    >>> sm.transform_view(X[:, 2:], "text").shape
    (30, 3)
    """

    _parameter_constraints: dict = {
        **MultiViewEmbedderMixin._parameter_constraints,
        "classifier": [HasMethods(["fit", "predict_proba"]), None],
        "embedder": [HasMethods(["fit", "transform_view"]), None],
        "center": ["boolean"],
        "output": [StrOptions({"proba", "log"})],
        "combine": [StrOptions({"concat", "mean"})],
    }

    def __init__(self, classifier=None, *, embedder=None, views=None, center=True,
                 output="proba", combine="concat"):
        self.classifier = classifier
        self.embedder = embedder
        self.views = views
        self.center = center
        self.output = output
        self.combine = combine

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the embedder (if any) and one classifier per view.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All views side by side.
        y : array-like of shape (n_samples,)
            Class labels (required: the semantic space is made of them).

        Returns
        -------
        self : object
        """
        if y is None:
            raise ValueError(
                "SemanticMatching requires y to be passed, but the target y is None: its "
                "shared space has one coordinate per class."
            )
        X = self._validate_multiview(X, reset=True, accept_sparse="csr")
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"SemanticMatching takes 1-D class labels y, got shape "
                             f"{y.shape}.")
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"SemanticMatching needs at least 2 classes in y, got one "
                             f"class ({self.classes_.tolist()}).")
        if self.embedder is not None:
            self.embedder_ = clone(self.embedder)
            if "views" in self.embedder_.get_params(deep=False):
                self.embedder_.set_params(views=self.views_)
            self.embedder_.fit(X, y)
        else:
            self.embedder_ = None
        base = LogisticRegression(max_iter=1000) if self.classifier is None \
            else self.classifier
        self.classifiers_, self.means_ = [], []
        for i, Xv in enumerate(self._view_blocks(X)):
            F = self._features(Xv, i)
            clf = clone(base).fit(F, y)
            self.classifiers_.append(clf)
            P = self._posteriors(clf, F)
            self.means_.append(P.mean(axis=0) if self.center else np.zeros(P.shape[1]))
        return self

    def _features(self, Xv, i):
        if self.embedder_ is None:
            return Xv
        return np.asarray(self.embedder_.transform_view(Xv, self.views_[i][0]))

    def _posteriors(self, clf, F):
        P = clf.predict_proba(F)
        # Columns in the order of self.classes_, whatever the classifier's order.
        P = P[:, np.searchsorted(clf.classes_, self.classes_)]
        if self.output == "log":
            P = np.log(np.clip(P, 1e-12, None))
        return P

    def _transform_one(self, X_view, i):
        P = self._posteriors(self.classifiers_[i], self._features(X_view, i))
        return P - self.means_[i]

    def _n_shared_components(self):
        return len(self.classes_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = True
        return tags
