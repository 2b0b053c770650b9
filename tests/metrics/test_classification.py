"""classification_scores: every number equals scikit-learn's."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, roc_auc_score
from sklearn.svm import SVC

from skmm.metrics._classification import classification_scores


def _fitted(n_classes, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(150) % n_classes
    X = rng.normal(size=(150, 4)) + 0.8 * np.eye(n_classes, 4)[y]
    return X, y


@pytest.mark.parametrize("n_classes", [2, 3])
def test_equals_sklearn_metrics(n_classes):
    X, y = _fitted(n_classes)
    clf = LogisticRegression().fit(X, y)
    pred, proba = clf.predict(X), clf.predict_proba(X)
    s = classification_scores(y, pred, y_score=proba)
    assert s["accuracy"] == accuracy_score(y, pred)
    assert s["f1_macro"] == f1_score(y, pred, average="macro")
    assert s["f1_micro"] == f1_score(y, pred, average="micro")
    assert_array_equal(s["confusion_matrix"], confusion_matrix(y, pred))
    ref = (roc_auc_score(y, proba[:, 1]) if n_classes == 2
           else roc_auc_score(y, proba, multi_class="ovr"))
    assert s["roc_auc_ovr"] == pytest.approx(ref, rel=1e-12)
    if n_classes == 2:  # the 1-D positive-class score gives the same AUC
        assert classification_scores(y, pred, y_score=proba[:, 1])["roc_auc_ovr"] == \
            pytest.approx(ref, rel=1e-12)


def test_decision_values_give_the_one_vs_rest_auc():
    # decision values do not sum to 1: the mean of per-class binary AUCs
    X, y = _fitted(3)
    dec = SVC().fit(X, y).decision_function(X)
    s = classification_scores(y, dec.argmax(axis=1), y_score=dec)
    ref = np.mean([roc_auc_score(y == k, dec[:, k]) for k in range(3)])
    assert s["roc_auc_ovr"] == pytest.approx(ref, rel=1e-12)


def test_per_task_for_two_dimensional_y():
    X, y1 = _fitted(3)
    y2 = (X[:, 0] > 0).astype(int)
    a, b = LogisticRegression().fit(X, y1), LogisticRegression().fit(X, y2)
    Y, P = np.c_[y1, y2], np.c_[a.predict(X), b.predict(X)]
    s = classification_scores(Y, P, y_score=[a.predict_proba(X), b.predict_proba(X)],
                              task_names=["digit", "sign"])
    assert list(s) == ["digit", "sign"]
    single = classification_scores(y2, b.predict(X), y_score=b.predict_proba(X))
    for key in ("accuracy", "f1_macro", "f1_micro", "roc_auc_ovr"):
        assert s["sign"][key] == single[key]
    assert_allclose(s["digit"]["confusion_matrix"], confusion_matrix(y1, a.predict(X)))
    assert "roc_auc_ovr" not in classification_scores(Y, P)["task0"]


def test_labels_order_the_confusion_matrix_and_bad_input():
    s = classification_scores(["b", "a", "a"], ["a", "a", "b"], labels=["b", "a"])
    assert_array_equal(s["confusion_matrix"], [[0, 1], [1, 1]])
    with pytest.raises(ValueError, match=r"y_true has shape \(3,\) but y_pred has shape \(2,\)"):
        classification_scores([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="one column per class"):
        classification_scores([0, 1, 2], [0, 1, 2], y_score=np.ones((3, 2)))
    with pytest.raises(ValueError, match="list with one entry per task"):
        classification_scores(np.zeros((3, 2)), np.zeros((3, 2)), y_score=np.ones((3, 2)))
