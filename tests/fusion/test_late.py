"""LateFusionClassifier: values against scikit-learn's voting and stacking, and bad input."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import StackingClassifier, VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skmm.cross_decomposition import MCCA
from skmm.datasets import load_mfeat
from skmm.fusion import LateFusionClassifier

VIEWS = {"a": 3, "b": 4}


def _data(n=90, seed=0, n_classes=3):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    a = rng.normal(size=(n, 3)) + 1.5 * np.eye(n_classes, 3)[y]
    b = rng.normal(size=(n, 4)) + 1.0 * np.eye(n_classes, 4)[(y + 1) % n_classes]
    return np.hstack([a, b]), y


def _per_view_pipes(est):
    return [(name, make_pipeline(ColumnTransformer([(name, "passthrough", cols)]), est))
            for name, cols in [("a", slice(0, 3)), ("b", slice(3, 7))]]


def test_mean_proba_equals_soft_voting():
    X, y = _data()
    Xt, _ = _data(seed=1)
    late = LateFusionClassifier(LogisticRegression(C=0.5), views=VIEWS,
                                weights=[2, 1]).fit(X, y)
    ref = VotingClassifier(_per_view_pipes(LogisticRegression(C=0.5)), voting="soft",
                           weights=[2, 1]).fit(X, y)
    assert_allclose(late.predict_proba(Xt), ref.predict_proba(Xt), atol=1e-12)
    np.testing.assert_array_equal(late.predict(Xt), ref.predict(Xt))


def test_stacking_equals_stacking_classifier():
    X, y = _data()
    Xt, _ = _data(seed=2)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    late = LateFusionClassifier(GaussianNB(), views=VIEWS, fusion="stacking", cv=cv,
                                final_estimator=LogisticRegression(C=2.0)).fit(X, y)
    ref = StackingClassifier(_per_view_pipes(GaussianNB()), cv=cv,
                             final_estimator=LogisticRegression(C=2.0)).fit(X, y)
    assert_allclose(late.predict_proba(Xt), ref.predict_proba(Xt), atol=1e-12)
    assert_allclose(late.decision_function(Xt), ref.decision_function(Xt), atol=1e-12)
    assert isinstance(late.estimators_[0], GaussianNB)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_mean_decision_and_product_rules(n_classes):
    X, y = _data(n_classes=n_classes)
    Xt, _ = _data(seed=3, n_classes=n_classes)
    a, b = SVC().fit(X[:, :3], y), SVC().fit(X[:, 3:], y)
    dec = LateFusionClassifier(SVC(), views=VIEWS, fusion="mean_decision").fit(X, y)
    expected = (a.decision_function(Xt[:, :3]) + b.decision_function(Xt[:, 3:])) / 2
    assert_allclose(dec.decision_function(Xt), expected, atol=1e-12)
    assert not hasattr(dec, "predict_proba")
    if n_classes == 2:
        np.testing.assert_array_equal(dec.predict(Xt), (expected > 0).astype(int))

    la, lb = LogisticRegression().fit(X[:, :3], y), LogisticRegression().fit(X[:, 3:], y)
    prod = LateFusionClassifier(views=VIEWS, fusion="product", weights=[3, 1]).fit(X, y)
    p = la.predict_proba(Xt[:, :3]) ** 0.75 * lb.predict_proba(Xt[:, 3:]) ** 0.25
    assert_allclose(prod.predict_proba(Xt), p / p.sum(axis=1, keepdims=True), rtol=1e-10)


def test_one_classifier_per_view_and_grid_search():
    X, y = _data()
    late = LateFusionClassifier([("b", GaussianNB()), ("a", LogisticRegression())],
                                views=VIEWS)
    params = late.get_params()
    assert "a__C" in params and "b__var_smoothing" in params
    grid = GridSearchCV(late, {"a__C": [0.01, 10.0]}, cv=3).fit(X, y)
    best = grid.best_estimator_
    assert isinstance(best.estimators_[0], LogisticRegression)   # ordered by the views
    assert best.estimators_[0].C == grid.best_params_["a__C"]
    one = LateFusionClassifier(LogisticRegression(), views=VIEWS)
    assert one.set_params(estimator__C=3.0).estimator.C == 3.0


def test_early_intermediate_and_late_fusion_in_one_line_each():
    # three mfeat views (Fourier, Zernike, Karhunen-Loeve), 600 digits, half split
    data = load_mfeat(views=["fou", "zer", "kar"], subset="bundled")
    idx = np.random.default_rng(0).permutation(len(data.target))[:600]
    X, y, views = data.data[idx], data.target[idx], data.views
    train, test = train_test_split(np.arange(len(y)), test_size=0.5, stratify=y,
                                   random_state=0)
    models = {
        "early": make_pipeline(StandardScaler(), SVC()),
        "intermediate": make_pipeline(StandardScaler(), MCCA(20, views=views), SVC()),
        "late": make_pipeline(StandardScaler(), LateFusionClassifier(
            SVC(), views=views, fusion="stacking", cv=3)),
    }
    scores = {k: m.fit(X[train], y[train]).score(X[test], y[test]) for k, m in models.items()}
    bounds = np.cumsum([0, *views.values()])
    single = [make_pipeline(StandardScaler(), SVC()).fit(X[train][:, a:b], y[train])
              .score(X[test][:, a:b], y[test]) for a, b in zip(bounds[:-1], bounds[1:])]
    # measured: early 0.950, intermediate 0.883, late 0.940; views 0.763 / 0.813 / 0.923
    assert scores["early"] > max(single) and scores["late"] > max(single), (scores, single)
    assert scores["intermediate"] > 0.85


def test_bad_input_names_the_view():
    X, y = _data()
    with pytest.raises(ValueError, match="needs predict_proba, but the classifier of view 'a'"):
        LateFusionClassifier(SVC(), views=VIEWS).fit(X, y)
    with pytest.raises(ValueError, match=r"`estimator` names view\(s\) \['c'\]"):
        LateFusionClassifier([("a", SVC()), ("c", SVC())], views=VIEWS,
                             fusion="mean_decision").fit(X, y)
    with pytest.raises(ValueError, match=r"one weight per view"):
        LateFusionClassifier(views=VIEWS, weights=[1, 2, 3]).fit(X, y)
    with pytest.raises(ValueError, match="at least two classes in y; got one class"):
        LateFusionClassifier(views=VIEWS).fit(X, np.ones(len(X)))
    with pytest.raises(ValueError, match=r"View widths \[3, 3\] sum to 6, but X has 7"):
        LateFusionClassifier(views=[3, 3]).fit(X, y)
    fitted = LateFusionClassifier(views=VIEWS).fit(X, y)
    with pytest.raises(ValueError, match="X has 6 features, but LateFusionClassifier is "
                                         "expecting 7"):
        fitted.predict(X[:, :6])


@pytest.mark.slow
def test_stacking_with_n_jobs_matches_serial():
    X, y = _data()
    serial = LateFusionClassifier(views=VIEWS, fusion="stacking", cv=3).fit(X, y)
    parallel = LateFusionClassifier(views=VIEWS, fusion="stacking", cv=3, n_jobs=2).fit(X, y)
    assert_allclose(serial.predict_proba(X), parallel.predict_proba(X), atol=1e-12)
