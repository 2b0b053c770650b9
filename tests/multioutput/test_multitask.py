"""MultiTaskClassifier: equal to per-task pipelines where it must be, labels to the
embedder, unlabelled rows, and missing views against closed forms."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmm.cross_decomposition import (
    CCA,
    MCCA,
    CollectiveNMF,
    ProbabilisticCCA,
    TripletEmbedding,
)
from skmm.multioutput import MultiTaskClassifier


def _two_tasks(seed=0, n=240, d=(6, 5)):
    # Task 0 (3 classes) and task 1 (2 classes) are two latent factors that
    # both views see through their own linear maps.
    rng = np.random.default_rng(seed)
    y = np.column_stack([rng.integers(0, 3, n), rng.integers(0, 2, n)])
    S = np.column_stack([y[:, 0] - 1.0, 2.0 * y[:, 1] - 1.0, rng.normal(size=n)])
    S[:, :2] += 0.4 * rng.normal(size=(n, 2))
    X = np.hstack([S @ rng.normal(size=(3, d[0])), S @ rng.normal(size=(3, d[1]))])
    return X + 0.2 * rng.normal(size=X.shape), y


def _drop_view(X, rows, cols):
    X = X.copy()
    X[np.ix_(rows, cols)] = np.nan
    return X


# --- against independent pipelines / direct fits ------------------------------
def test_unsupervised_embedder_equals_one_pipeline_per_task():
    # CCA ignores y: each head sees exactly what make_pipeline(CCA, LR) sees.
    X, y = _two_tasks()
    clf = MultiTaskClassifier(CCA(2, views=[6, 5])).fit(X, y)
    pred, proba = clf.predict(X), clf.predict_proba(X)
    assert pred.shape == (240, 2) and pred.dtype.kind == "i"
    for t in range(2):
        pipe = make_pipeline(CCA(2, views=[6, 5]), LogisticRegression()).fit(X, y[:, t])
        np.testing.assert_array_equal(pred[:, t], pipe.predict(X))
        np.testing.assert_allclose(proba[t], pipe.predict_proba(X), rtol=1e-12)
        np.testing.assert_array_equal(clf.classes_[t], np.unique(y[:, t]))
    acc = clf.score_per_task(X, y)
    np.testing.assert_allclose(acc, [np.mean(pred[:, t] == y[:, t]) for t in range(2)])
    assert clf.score(X, y) == pytest.approx(acc.mean())


def test_one_task_is_a_plain_classifier():
    X, y = _two_tasks(seed=1)
    for yy in (y[:, 0], y[:, :1]):
        clf = MultiTaskClassifier(CCA(2, views=[6, 5])).fit(X, yy)
        pipe = make_pipeline(CCA(2, views=[6, 5]), LogisticRegression()).fit(X, y[:, 0])
        assert clf.n_tasks_ == 1 and clf.classes_.tolist() == [0, 1, 2]
        np.testing.assert_array_equal(clf.predict(X), pipe.predict(X))
        np.testing.assert_allclose(clf.predict_proba(X), pipe.predict_proba(X), rtol=1e-12)
        assert clf.score(X, y[:, 0]) == pytest.approx(pipe.score(X, y[:, 0]))


def test_label_aware_embedder_gets_every_task_as_codes():
    X, y = _two_tasks(seed=2)
    labels = np.column_stack([np.array(["a", "b", "c"])[y[:, 0]], 10 + y[:, 1]])
    emb = TripletEmbedding(3, views=[6, 5], max_iter=5, random_state=0)
    clf = MultiTaskClassifier(emb).fit(X, labels)
    # The embedder saw both tasks as integer codes: same fit as given them directly.
    direct = TripletEmbedding(3, views=[6, 5], max_iter=5, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.embedder_.weights_[0], direct.weights_[0])
    assert [c.tolist() for c in clf.embedder_.classes_] == [[0, 1, 2], [0, 1]]
    assert clf.predict(X).dtype == object or clf.predict(X).dtype.kind == "U"
    assert set(clf.predict(X)[:, 1]) <= {"10", "11"}


def test_one_classifier_per_task():
    X, y = _two_tasks(seed=3)
    heads = [LogisticRegression(C=0.1), KNeighborsClassifier(3)]
    clf = MultiTaskClassifier(CCA(2, views=[6, 5]), heads).fit(X, y)
    assert [type(h) for h in clf.estimators_] == [LogisticRegression, KNeighborsClassifier]
    assert clf.estimators_[0] is not heads[0]  # cloned
    Z = clf.embedder_.transform(X)
    for t, h in enumerate(heads):
        ref = type(h)(**h.get_params()).fit(Z, y[:, t])
        np.testing.assert_array_equal(clf.predict(X)[:, t], ref.predict(Z))
    with pytest.raises(ValueError, match="classifier lists 1 heads but y has 2 task"):
        MultiTaskClassifier(CCA(views=[6, 5]), [LogisticRegression()]).fit(X, y)


def test_unlabelled_rows_leave_their_task_only():
    X, y = _two_tasks(seed=4)
    y = y.copy()
    y[::3, 1] = -1
    clf = MultiTaskClassifier(CCA(2, views=[6, 5]), unlabelled=-1).fit(X, y)
    Z = clf.embedder_.transform(X)
    lab = y[:, 1] != -1
    ref1 = LogisticRegression().fit(Z[lab], y[lab, 1])
    ref0 = LogisticRegression().fit(Z, y[:, 0])
    np.testing.assert_allclose(clf.estimators_[1].coef_, ref1.coef_, rtol=1e-10)
    np.testing.assert_allclose(clf.estimators_[0].coef_, ref0.coef_, rtol=1e-10)
    assert clf.classes_[1].tolist() == [0, 1]
    # Scores leave the unlabelled rows out.
    pred = clf.predict(X)
    assert clf.score_per_task(X, y)[1] == pytest.approx(np.mean(pred[lab, 1] == y[lab, 1]))
    # Without the marker, -1 is a class like any other.
    assert MultiTaskClassifier(CCA(2, views=[6, 5])).fit(X, y).classes_[1].tolist() == [-1, 0, 1]
    # The label-aware embedder gets -1 exactly where the marker is.
    tri = MultiTaskClassifier(TripletEmbedding(2, views=[6, 5], max_iter=2, random_state=0),
                              unlabelled="?").fit(X, np.where(y == -1, "?", y.astype(str)))
    assert [c.tolist() for c in tri.embedder_.classes_] == [[0, 1, 2], [0, 1]]


def test_bad_targets_name_the_task():
    X, y = _two_tasks(seed=5, n=60)
    y = y.copy()
    y[:, 1] = np.where(y[:, 1] == 0, -1, 1)
    with pytest.raises(ValueError, match=r"y column 1 \(task 1\) has 1 class among its labelled"):
        MultiTaskClassifier(CCA(views=[6, 5]), unlabelled=-1).fit(X, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        MultiTaskClassifier(CCA(views=[6, 5])).fit(X, X[:, :2])
    clf = MultiTaskClassifier(CCA(views=[6, 5])).fit(X, y)
    with pytest.raises(ValueError, match="y has 1 task column.*fitted with 2"):
        clf.score_per_task(X, y[:, 0])
    with pytest.raises(ValueError, match="sample_weight is supported with one task only"):
        clf.score(X, y, sample_weight=np.ones(60))


@pytest.mark.slow  # two worker processes start
def test_grid_search_over_the_embedder_with_parallel_folds():
    X, y = _two_tasks(seed=6, n=120)
    gs = GridSearchCV(MultiTaskClassifier(CCA(views=[6, 5])),
                      {"embedder__n_components": [1, 2]}, cv=3, n_jobs=2).fit(X, y)
    assert gs.best_params_ in ({"embedder__n_components": 1}, {"embedder__n_components": 2})
    assert gs.predict(X).shape == (120, 2)


# --- missing views ------------------------------------------------------------
def test_error_policy_names_the_view_and_rows():
    X, y = _two_tasks(seed=7)
    clf = MultiTaskClassifier(CCA(2, views={"audio": 6, "image": 5})).fit(X, y)
    with pytest.raises(ValueError, match=r"View 'image' is missing \(all NaN\) in row\(s\) "
                                         r"\[1, 4\]; set missing_views='impute' or 'subset'"):
        clf.predict(_drop_view(X[:6], [1, 4], np.arange(6, 11)))
    sub = clf.set_params(missing_views="subset").fit(X, y)
    Xp = X[:4].copy()
    Xp[2, 7] = np.nan
    with pytest.raises(ValueError, match=r"View 'image' is partly NaN in row\(s\) \[2\]"):
        sub.predict(Xp)
    with pytest.raises(ValueError, match=r"Row\(s\) \[0\] have every view missing"):
        sub.predict(_drop_view(X[:2], [0], np.arange(11)))
    with pytest.raises(ValueError, match="needs a multi-view embedder"):
        MultiTaskClassifier(make_pipeline(StandardScaler(), CCA(views=[6, 5])),
                            missing_views="subset").fit(X, y)
    X3 = np.hstack([X, X[:, :3]])
    with pytest.raises(ValueError, match=r"ProbabilisticCCA, which models two views; the "
                                         r"embedder has 3"):
        MultiTaskClassifier(MCCA(views=[6, 5, 3]), missing_views="impute").fit(X3, y)


@pytest.mark.parametrize("policy", ["impute", "subset"])
def test_complete_rows_predict_as_with_complete_data(policy):
    X, y = _two_tasks(seed=8)
    full = MultiTaskClassifier(CCA(2, views=[6, 5])).fit(X, y)
    clf = MultiTaskClassifier(CCA(2, views=[6, 5]), missing_views=policy).fit(X, y)
    Xm = _drop_view(X, np.arange(0, 240, 2), np.arange(6, 11))
    present = np.arange(1, 240, 2)
    np.testing.assert_array_equal(clf.predict(Xm)[present], full.predict(X)[present])
    for p, q in zip(clf.predict_proba(Xm), full.predict_proba(X)):
        np.testing.assert_allclose(p[present], q[present], rtol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), full.predict(X))


def test_impute_is_the_gaussian_conditional():
    X, y = _two_tasks(seed=9)
    clf = MultiTaskClassifier(CCA(2, views=[6, 5]), missing_views="impute").fit(X, y)
    imp = clf.imputer_
    assert isinstance(imp, ProbabilisticCCA) and imp.n_components == 5
    rows = np.arange(10)
    Xm = _drop_view(X[:10], rows, np.arange(6, 11))
    # E[x2 | x1] = mu2 + C21 C11^-1 (x1 - mu1) under the model covariance.
    C, mu = imp.covariance_, np.concatenate(imp.means_)
    x2 = mu[6:] + (X[:10, :6] - mu[:6]) @ np.linalg.solve(C[:6, :6], C[:6, 6:])
    Z = clf.embedder_.transform(np.hstack([X[:10, :6], x2]))
    for t in range(2):
        np.testing.assert_array_equal(clf.predict(Xm)[:, t], clf.estimators_[t].predict(Z))
        np.testing.assert_allclose(clf.predict_proba(Xm)[t],
                                   clf.estimators_[t].predict_proba(Z), rtol=1e-8)
    # A ProbabilisticCCA embedder imputes with itself.
    pc = MultiTaskClassifier(ProbabilisticCCA(2, views=[6, 5]), missing_views="impute").fit(X, y)
    assert pc.imputer_ is pc.embedder_


def test_subset_uses_the_views_present():
    X, y = _two_tasks(seed=10)
    Xm = _drop_view(X[:8], np.arange(8), np.arange(0, 6))  # first view missing
    for combine in ("concat", "mean"):
        clf = MultiTaskClassifier(CCA(2, views=[6, 5], combine=combine),
                                  missing_views="subset").fit(X, y)
        z2 = clf.embedder_.transform_view(X[:8, 6:], 1)
        # Concat: the missing block is the present view's point in the shared space.
        Z = np.hstack([z2, z2]) if combine == "concat" else z2
        for t in range(2):
            np.testing.assert_allclose(clf.predict_proba(Xm)[t],
                                       clf.estimators_[t].predict_proba(Z), rtol=1e-12)
    # ProbabilisticCCA marginalises the missing view: E[z | x2].
    pc = MultiTaskClassifier(ProbabilisticCCA(2, views=[6, 5]), missing_views="subset").fit(X, y)
    Z = pc.embedder_.transform(Xm)
    np.testing.assert_allclose(Z, pc.embedder_.transform_view(X[:8, 6:], 1), rtol=1e-8)
    np.testing.assert_allclose(pc.predict_proba(Xm)[0], pc.estimators_[0].predict_proba(Z))


def test_subset_with_collective_nmf_embeds_from_a_list_of_views():
    X, y = _two_tasks(seed=11)
    X = np.hstack([X, X[:, :4]])
    X = X - X.min(axis=0)  # NMF needs non-negative views
    nmf = CollectiveNMF(3, views=[6, 5, 4], max_iter=50, tol=0, random_state=0)
    clf = MultiTaskClassifier(nmf, missing_views="subset").fit(X, y)
    Xm = _drop_view(X[:5], np.arange(5), np.arange(6, 11))  # middle view missing
    keep = np.r_[0:6, 11:15]
    Z = clf.embedder_.transform_view(X[:5][:, keep], ["view0", "view2"])
    np.testing.assert_allclose(clf.predict_proba(Xm)[1], clf.estimators_[1].predict_proba(Z))


@pytest.mark.parametrize("policy", ["impute", "subset"])
def test_a_missing_view_still_predicts_well(policy):
    X, y = _two_tasks(seed=12, n=600)
    train, test = slice(0, 400), slice(400, 600)
    clf = MultiTaskClassifier(CCA(2, views=[6, 5]), missing_views=policy).fit(X[train], y[train])
    full = clf.score_per_task(X[test], y[test])
    Xm = _drop_view(X[test], np.arange(200), np.arange(6, 11))
    only_view0 = clf.score_per_task(Xm, y[test])
    # Either view alone determines both factors (3 latent dims, 6 and 5
    # columns), so little is lost; chance is 0.33 and 0.5.
    assert np.all(full > 0.85), full
    assert np.all(only_view0 > full - 0.1), (only_view0, full)


def test_predict_proba_only_when_every_head_has_it():
    from sklearn.svm import LinearSVC

    X, y = _two_tasks(seed=13, n=60)
    assert not hasattr(MultiTaskClassifier(classifier=[LogisticRegression(), LinearSVC()]),
                       "predict_proba")
    clf = MultiTaskClassifier(CCA(views=[6, 5]), LinearSVC()).fit(X, y)
    assert not hasattr(clf, "predict_proba") and clf.predict(X).shape == (60, 2)
    assert hasattr(MultiTaskClassifier(), "predict_proba")


# scikit-learn's checks on the configurations the default instance in
# tests/test_common.py does not reach: both missing-view policies, a
# label-aware embedder and one head per task.
@pytest.mark.slow
@parametrize_with_checks([
    MultiTaskClassifier(missing_views="impute"),
    MultiTaskClassifier(missing_views="subset", unlabelled=-2),
    MultiTaskClassifier(TripletEmbedding(2, distance="sqeuclidean", normalize=False,
                                         max_iter=10, random_state=0),
                        KNeighborsClassifier(3)),
])
def test_sklearn_checks_on_other_configurations(estimator, check):
    check(estimator)
