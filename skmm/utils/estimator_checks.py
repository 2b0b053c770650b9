"""skmm's own contract checks, beside scikit-learn's common checks.

- :func:`check_raw_input_estimator`: image, audio and text transformers take
  a 1-D sequence of items (paths, arrays, strings), which scikit-learn's
  common checks cannot generate; this is the subset of the contract every
  such estimator must honour.
- :func:`check_array_api_device`: the array-API contract of :mod:`skmm.base`
  for every estimator whose class sets ``array_api_support = True``.
"""

import pickle

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

__all__ = ["check_array_api_device", "check_raw_input_estimator"]


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


def _numpy_only_state(est):
    """Names of fitted attributes that are not NumPy (or plain Python) values."""
    from ._array_api import get_namespace, is_numpy_namespace

    bad = []
    for key, value in vars(est).items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if hasattr(v, "__array_namespace__") and not isinstance(v, np.ndarray) \
                    and not is_numpy_namespace(get_namespace(v)):
                bad.append(key)
                break
    return bad


def check_array_api_device(estimator, X=None, *, rtol=1e-6, atol=1e-9):
    """The array-API contract on ``array_api_strict``'s simulated ``device1``.

    Fits a clone on NumPy and a clone on ``array_api_strict`` arrays placed on
    ``device1`` (where a silent fall-back to NumPy or to the default device
    fails loudly), then asserts that

    - ``transform`` (or, for an estimator without one, ``predict``; and
      ``transform_view`` for each view, when present) returns arrays of the
      input's namespace on the input's device, with values equal to the
      NumPy fit's; a clusterer with neither (spectral clustering) must find
      the NumPy fit's ``labels_``;
    - every fitted attribute is NumPy, so the model pickles and loads anywhere;
    - for an estimator with a ``device`` parameter, NumPy input with
      ``device=device1`` computes there: outputs on ``device1``, equal values.

    Parameters
    ----------
    estimator : estimator
        An unfitted estimator with ``transform``, ``predict`` or ``labels_``
        after fit, whose class sets ``array_api_support = True``.
    X : ndarray of shape (n_samples, n_features), default=None
        NumPy data to fit on; by default 150 x 6 non-negative random values
        (150 rows: more than one mini-batch of 64 or 128 rows, the last one
        partial, so that batched fits slice past a batch boundary).
    rtol, atol : float
        Tolerances of the value comparison.
    """
    import array_api_strict as xps

    from ._array_api import device, get_namespace, to_numpy

    if X is None:
        X = np.random.default_rng(0).uniform(0.1, 1.0, size=(150, 6))
    dev = xps.Device("device1")
    X_dev = xps.asarray(X, device=dev)
    estimator = clone(estimator)
    if "random_state" in estimator.get_params():
        estimator.set_params(random_state=0)  # both fits draw the same numbers
    est_np = clone(estimator).fit(X)
    est_dev = clone(estimator).fit(X_dev)
    name = type(estimator).__name__

    bad = _numpy_only_state(est_dev)
    assert not bad, f"{name}: fitted attributes {bad} are not NumPy after a device1 fit"

    def same(out, expected, what):
        assert get_namespace(out) is xps, f"{name}.{what} left the input's namespace"
        assert device(out) == dev, f"{name}.{what} returned an array on {device(out)}"
        np.testing.assert_allclose(to_numpy(out), expected, rtol=rtol, atol=atol,
                                   err_msg=f"{name}.{what}: device1 differs from NumPy")

    # What the estimator returns for new rows: its transform, else its predict,
    # else (a clusterer of the training rows only) its fitted labels.
    method = next((m for m in ("transform", "predict") if hasattr(est_np, m)), None)
    if method is None:
        np.testing.assert_array_equal(est_dev.labels_, est_np.labels_,
                                      err_msg=f"{name}.labels_: device1 differs from NumPy")
    else:
        same(getattr(est_dev, method)(X_dev), getattr(est_np, method)(X), method)
    if hasattr(est_dev, "transform_view"):
        for i, (view, cols) in enumerate(est_np.views_):
            X_view = X[:, cols]
            same(est_dev.transform_view(xps.asarray(X_view, device=dev), view),
                 est_np.transform_view(X_view, view), f"transform_view({view!r})")

    if "device" in estimator.get_params():
        # The device switch: NumPy in, the work and the output on device1.
        est_sw = clone(estimator).set_params(device=dev).fit(X)
        bad = _numpy_only_state(est_sw)
        assert not bad, f"{name}(device=...): fitted attributes {bad} are not NumPy"
        if method is None:
            np.testing.assert_array_equal(est_sw.labels_, est_np.labels_,
                                          err_msg=f"{name}(device=...).labels_ differ")
        else:
            same(getattr(est_sw, method)(X), getattr(est_np, method)(X),
                 f"{method} with device=")
        if hasattr(est_sw, "transform_view"):
            view, cols = est_np.views_[0]
            same(est_sw.transform_view(X[:, cols], view), est_np.transform_view(X[:, cols], view),
                 "transform_view with device=")
