"""Contract checks for estimators whose input is not a 2-D array.

Image, audio and text transformers take a 1-D sequence of items (paths,
arrays, strings), which scikit-learn's common checks cannot generate. This
module holds the subset of that contract every such estimator must honour;
``tests/`` calls :func:`check_raw_input_estimator` for each of them.
"""

import pickle

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

__all__ = ["check_raw_input_estimator"]


def _output(est, X):
    if hasattr(est, "transform"):
        out = est.transform(X)
    else:
        out = est.predict(X)
    return out.toarray() if hasattr(out, "toarray") else np.asarray(out)


def check_raw_input_estimator(estimator, X, y, param_grid=None, *, rtol=1e-7):
    """Run the raw-input contract on ``estimator`` with a tiny corpus.

    Checks clone, ``get_params``/``set_params`` round trip, ``fit`` returning
    ``self``, ``NotFittedError`` before fit, identical output after refitting
    (idempotence), identical output after a pickle round trip, and fitting
    inside a ``Pipeline`` tuned by ``GridSearchCV`` over ``param_grid``.

    Parameters
    ----------
    estimator : estimator
        An unfitted transformer (or predictor) taking a sequence of raw items.
    X : sequence
        Tiny corpus, at least 4 items of 2 classes (for the 2-fold search).
    y : array-like
        Class labels for ``X``.
    param_grid : dict or None
        Grid over the estimator's own parameters for the GridSearchCV check.
    rtol : float
        Relative tolerance for output equality.
    """
    params = estimator.get_params(deep=False)
    cloned = clone(estimator)
    assert cloned.get_params(deep=False).keys() == params.keys()
    cloned.set_params(**params)

    with np.testing.assert_raises(NotFittedError):
        _output(clone(estimator), X)

    est = clone(estimator)
    assert est.fit(X, y) is est, "fit must return self"
    first = _output(est, X)
    assert first.ndim == 2 and first.shape[0] == len(X), (
        f"expected one output row per input item, got shape {first.shape}"
    )
    assert np.all(np.isfinite(first)), "output has NaN or inf"
    again = _output(clone(estimator).fit(X, y), X)
    np.testing.assert_allclose(again, first, rtol=rtol, atol=1e-12,
                               err_msg="refitting gave different output")

    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_allclose(_output(loaded, X), first, rtol=rtol, atol=1e-12,
                               err_msg="output changed after a pickle round trip")

    if param_grid is not None and not is_classifier(estimator):
        pipe = Pipeline([("features", clone(estimator)),
                         ("clf", LogisticRegression(max_iter=200))])
        grid = {f"features__{k}": v for k, v in param_grid.items()}
        search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
        assert set(search.best_params_) == set(grid)
        assert len(search.predict(X)) == len(X)
