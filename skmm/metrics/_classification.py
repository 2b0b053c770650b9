"""One report of the classification metrics a multimodal comparison quotes.

Everything is computed by :mod:`sklearn.metrics`; this module only gathers
the numbers and runs them per task when ``y`` has one column per task.
"""

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, roc_auc_score
from sklearn.preprocessing import label_binarize
from sklearn.utils.multiclass import unique_labels

__all__ = ["classification_scores"]


def _as_2d_tasks(y, what):
    y = np.asarray(y)
    if y.ndim == 1:
        return y[:, None], False
    if y.ndim == 2:
        return y, True
    raise ValueError(f"{what} must be 1-D (one task) or 2-D (one column per task), got "
                     f"shape {y.shape}.")


def _auc_ovr(y_true, score, labels, task):
    """Macro one-vs-rest ROC AUC of any scores (probabilities or decision values)."""
    score = np.asarray(score, dtype=np.float64)
    if len(labels) == 2:
        if score.ndim == 2:
            if score.shape[1] != 2:
                raise ValueError(f"{task}: y_score has {score.shape[1]} columns for 2 "
                                 f"classes {labels.tolist()}.")
            score = score[:, 1]
        return float(roc_auc_score(y_true == labels[1], score))
    if score.ndim != 2 or score.shape[1] != len(labels):
        raise ValueError(f"{task}: y_score must have one column per class "
                         f"({len(labels)}: {labels.tolist()}), got shape {score.shape}.")
    # The multilabel form of roc_auc_score is exactly one-vs-rest and, unlike
    # multi_class="ovr", also takes decision values that do not sum to 1.
    return float(roc_auc_score(label_binarize(y_true, classes=labels), score,
                               average="macro"))


def _one_task(y_true, y_pred, y_score, labels, task):
    labels = unique_labels(y_true, y_pred) if labels is None else np.asarray(labels)
    out = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "f1_macro": float(f1_score(y_true, y_pred, labels=labels, average="macro",
                                   zero_division=0.0)),
        "f1_micro": float(f1_score(y_true, y_pred, labels=labels, average="micro",
                                   zero_division=0.0)),
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels),
        "labels": labels,
    }
    if y_score is not None:
        out["roc_auc_ovr"] = _auc_ovr(y_true, y_score, labels, task)
    return out


def classification_scores(y_true, y_pred, *, y_score=None, labels=None, task_names=None):
    """Accuracy, macro/micro F1, one-vs-rest ROC AUC and the confusion matrix.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_tasks)
        True labels; a 2-D array holds one task per column.
    y_pred : array-like of the same shape as ``y_true``
        Predicted labels.
    y_score : array-like, list of array-like, or None, default=None
        Scores for the ROC AUC: probabilities or decision values, of shape
        ``(n_samples, n_classes)`` (columns in the order of ``labels``, which
        is that of a classifier's ``classes_``) or ``(n_samples,)`` for two
        classes (the score of the second class). For several tasks, a list
        with one such array per task. None skips the AUC.
    labels : array-like, list of array-like, or None, default=None
        Class labels (per task for several tasks); None: the sorted labels
        present in ``y_true`` and ``y_pred``.
    task_names : list of str or None, default=None
        Names of the tasks of a 2-D ``y``; None: ``"task0"``, ``"task1"``, ...

    Returns
    -------
    scores : dict
        For one task: ``accuracy``, ``f1_macro``, ``f1_micro``,
        ``confusion_matrix`` (rows: true labels, columns: predicted, in the
        order of ``labels``), ``labels`` and, with ``y_score``,
        ``roc_auc_ovr`` (macro average of the one-vs-rest AUCs). For a 2-D
        ``y``: ``{task_name: that dict}``.

    Examples
    --------
    >>> from skmm.metrics import classification_scores
    >>> s = classification_scores([0, 1, 2, 2], [0, 2, 2, 2],
    ...                           y_score=[[.8, .1, .1], [.2, .3, .5], [.1, .1, .8],
    ...                                    [.3, .3, .4]])
    >>> s["accuracy"], round(s["f1_macro"], 3), round(s["roc_auc_ovr"], 3)
    (0.75, 0.6, 0.861)
    >>> s["confusion_matrix"]
    array([[1, 0, 0],
           [0, 0, 1],
           [0, 0, 2]])
    """
    yt, multi = _as_2d_tasks(y_true, "y_true")
    yp, _ = _as_2d_tasks(y_pred, "y_pred")
    if yt.shape != yp.shape:
        raise ValueError(f"y_true has shape {np.shape(y_true)} but y_pred has shape "
                         f"{np.shape(y_pred)}.")
    n_tasks = yt.shape[1]
    if not multi:
        return _one_task(yt[:, 0], yp[:, 0], y_score, labels, "y")
    names = [f"task{t}" for t in range(n_tasks)] if task_names is None else list(task_names)
    if len(names) != n_tasks:
        raise ValueError(f"task_names has {len(names)} names for {n_tasks} tasks.")

    def per_task(value, what):
        if value is None:
            return [None] * n_tasks
        if not isinstance(value, (list, tuple)) or len(value) != n_tasks:
            raise ValueError(f"For {n_tasks} tasks, {what} must be a list with one entry "
                             f"per task ({names}).")
        return list(value)

    scores, label_sets = per_task(y_score, "y_score"), per_task(labels, "labels")
    return {name: _one_task(yt[:, t], yp[:, t], scores[t], label_sets[t], f"task {name!r}")
            for t, name in enumerate(names)}
