"""skmm.base: the views contract and the embedder outputs, for every embedder."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skmm.base import MultiViewEmbedderMixin, MultiViewMixin
from skmm.cross_decomposition import (
    CCA,
    MCCA,
    CollectiveNMF,
    KernelCCA,
    ProbabilisticCCA,
    TripletEmbedding,
)

EMBEDDERS = [
    CCA(2), MCCA(2), KernelCCA(2, approximation="nystroem", n_approx_components=20,
                               random_state=0),
    ProbabilisticCCA(2), CollectiveNMF(2, random_state=0), TripletEmbedding(2, max_iter=5,
                                                                            random_state=0),
]
_ids = [type(e).__name__ for e in EMBEDDERS]


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    z = rng.uniform(size=(80, 2))
    # two non-negative views sharing z (NMF needs non-negative input)
    return np.hstack([z @ rng.uniform(size=(2, 5)), z @ rng.uniform(size=(2, 4))]) \
        + 0.05 * rng.uniform(size=(80, 9))


def _fit(est, X):
    return clone(est).set_params(views={"image": 5, "text": 4}).fit(X)


@pytest.mark.parametrize("est", EMBEDDERS, ids=_ids)
def test_every_embedder_uses_the_base(est):
    assert isinstance(est, MultiViewEmbedderMixin)
    assert isinstance(est, MultiViewMixin)


@pytest.mark.parametrize("container", ["pandas", "polars"])
@pytest.mark.parametrize("est", EMBEDDERS, ids=_ids)
def test_set_output_wraps_transform_and_transform_view(est, container, X):
    lib = pytest.importorskip(container)
    plain = _fit(est, X)
    fitted = _fit(est, X).set_output(transform=container)
    Z = fitted.transform(X)
    assert isinstance(Z, lib.DataFrame)
    assert list(Z.columns) == list(fitted.get_feature_names_out())
    np.testing.assert_allclose(Z.to_numpy(), plain.transform(X), rtol=1e-10, atol=1e-12)
    for view, cols in [("image", slice(0, 5)), ("text", slice(5, 9))]:
        V = fitted.transform_view(X[:, cols], view)
        assert isinstance(V, lib.DataFrame)
        name = type(est).__name__.lower()
        assert list(V.columns) == [f"{name}{j}" for j in range(2)]
        np.testing.assert_allclose(V.to_numpy(), plain.transform_view(X[:, cols], view),
                                   rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("est", EMBEDDERS, ids=_ids)
def test_set_output_inside_a_pipeline(est, X):
    pd = pytest.importorskip("pandas")
    pipe = make_pipeline(clone(est).set_params(views={"image": 5, "text": 4}))
    pipe.set_output(transform="pandas").fit(X)
    assert isinstance(pipe.transform(X), pd.DataFrame)
    step = pipe.steps[-1][1]
    assert isinstance(step.transform_view(X[:, 5:], "text"), pd.DataFrame)


def test_feature_names_one_scheme(X):
    cca = _fit(CCA(2), X)
    assert list(cca.get_feature_names_out()) == [
        "cca_image_0", "cca_image_1", "cca_text_0", "cca_text_1"]
    assert list(_fit(CCA(2, combine="mean"), X).get_feature_names_out()) == ["cca0", "cca1"]
    assert list(_fit(ProbabilisticCCA(2), X).get_feature_names_out()) == [
        "probabilisticcca0", "probabilisticcca1"]
    assert list(_fit(CollectiveNMF(2, random_state=0), X).get_feature_names_out()) == [
        "collectivenmf0", "collectivenmf1"]


@pytest.mark.parametrize("est", EMBEDDERS, ids=_ids)
def test_fit_x1_x2_is_refused(est, X):
    # scikit-learn's CCA.fit(X, Y) habit: Y would be ignored and the halves of
    # X1 fitted instead. Refused directly, in a Pipeline and in GridSearchCV.
    X1, X2 = X[:, :5], X[:, 5:]
    with pytest.raises(ValueError, match=r"got a 2-D y of shape \(80, 4\).*side by side"):
        clone(est).fit(X1, X2)
    with pytest.raises(ValueError, match="got a 2-D y"):
        make_pipeline(StandardScaler(), clone(est)).fit(X1, X2)
    search = GridSearchCV(clone(est), {"n_components": [1]}, cv=2, error_score="raise",
                          scoring=lambda est, X, y=None: 0.0)
    with pytest.raises(ValueError, match="got a 2-D y"):
        search.fit(X1, X2)


@pytest.mark.parametrize("est", EMBEDDERS, ids=_ids)
def test_list_of_views_is_refused_naming_views(est, X):
    with pytest.raises(TypeError, match=r"not a list of 2 arrays.*views=\[5, 4\]"):
        clone(est).fit([X[:, :5], X[:, 5:]])
    with pytest.raises(ValueError, match=r"3-D array of shape \(2, 80, 4\).*`views`"):
        clone(est).fit(np.stack([X[:, :4], X[:, 5:]]))


@pytest.mark.parametrize("est", EMBEDDERS, ids=_ids)
def test_transform_view_errors_name_the_view(est, X):
    fitted = _fit(est, X)
    with pytest.raises(ValueError, match="Unknown view 'audio'; the fitted views are"):
        fitted.transform_view(X[:, 5:], "audio")
    with pytest.raises(ValueError, match="View 'text' has 4 features, but X has 5"):
        fitted.transform_view(X[:, :5], "text")
    with pytest.raises(ValueError, match="view 'text'"):
        fitted.transform_view(np.full((3, 4), np.nan), "text")


@pytest.mark.parametrize("est", EMBEDDERS, ids=_ids)
def test_array_api_input_without_support_is_refused(est, X):
    xps = pytest.importorskip("array_api_strict")
    if getattr(type(est), "array_api_support", False):
        pytest.skip("supported: tested by tests/test_common.py::test_array_api_device")
    X_dev = xps.asarray(X, device=xps.Device("device1"))
    with pytest.raises(TypeError, match=f"{type(est).__name__} computes with NumPy only"):
        clone(est).fit(X_dev)


class _Widths(MultiViewMixin, BaseEstimator):
    """A learner that needs views but no transform."""

    array_api_support = True

    def __init__(self, views=None):
        self.views = views

    def fit(self, X, y=None):
        X = self._validate_multiview(X, reset=True)
        self.widths_ = self._view_widths()
        return self


def test_mixin_serves_a_learner_without_transform():
    X = np.arange(24.0).reshape(4, 6)
    est = _Widths(views={"a": 2, "b": [2, 5], "c": [3, 4]}).fit(X)
    assert est.view_names_ == ["a", "b", "c"] and est.widths_ == [2, 2, 2]
    assert est._view_index("b") == 1 and est._view_index(2) == 2
    with pytest.raises(ValueError, match="Views overlap"):
        _Widths(views=[slice(0, 4), slice(3, 6)]).fit(X)
    with pytest.raises(ValueError, match="sum to 5, but X has 6"):
        _Widths(views=[3, 2]).fit(X)
    with pytest.raises(ValueError, match=r"`view` must be one of \['a', 'b', 'c'\]"):
        est._view_index(True)


def test_array_api_input_keeps_namespace_and_device():
    xps = pytest.importorskip("array_api_strict")
    dev = xps.Device("device1")
    X = xps.asarray(np.random.default_rng(0).normal(size=(30, 4)), device=dev)
    est = _Widths().fit(X)
    assert est.widths_ == [2, 2]
    assert est._view_blocks(X)[1].device == dev
    with pytest.raises(ValueError, match="NaN or infinity"):
        _Widths().fit(xps.asarray(np.full((3, 4), np.nan), device=dev))


def test_pipeline_named_steps_transform_view(X):
    pd = pytest.importorskip("pandas")
    pipe = Pipeline([("scale", StandardScaler()), ("cca", CCA(2, views=[5, 4]))])
    pipe.set_output(transform="pandas").fit(X)
    out = pipe.named_steps["cca"].transform_view(X[:, :5], 0)
    assert isinstance(out, pd.DataFrame) and out.shape == (80, 2)


def test_device_switch_values_and_errors(X):
    from skmm.utils import resolve_device

    assert resolve_device(None) is None
    assert resolve_device("cpu")[1] == "cpu"
    try:
        import cupy  # noqa: F401
        has_cupy = True
    except ImportError:
        has_cupy = False
    if not has_cupy:
        # "auto" falls back silently; "gpu" names the extra to install.
        assert resolve_device("auto") is None
        with pytest.raises(ImportError, match=r"skmm\[gpu\]"):
            CCA(2, views=[5, 4], device="gpu").fit(X)
    with pytest.raises(ValueError, match="device must be None, 'cpu', 'gpu', 'auto'"):
        CCA(2, views=[5, 4], device="tpu").fit(X)
    with pytest.raises(TypeError, match="Unknown device object"):
        CCA(2, views=[5, 4], device=object()).fit(X)
    # device="cpu" on NumPy input: same as no switch.
    np.testing.assert_array_equal(CCA(2, views=[5, 4], device="cpu").fit(X).transform(X),
                                  CCA(2, views=[5, 4]).fit(X).transform(X))


def test_device_switch_model_pickles_to_numpy(X):
    import pickle

    xps = pytest.importorskip("array_api_strict")
    dev = xps.Device("device1")
    cca = CCA(2, views=[5, 4], device=dev).fit(X)
    loaded = pickle.loads(pickle.dumps(cca)).set_params(device=None)
    # Loaded where the device is absent: NumPy state predicts on NumPy input.
    np.testing.assert_allclose(loaded.transform(X), CCA(2, views=[5, 4]).fit(X).transform(X),
                               rtol=1e-8, atol=1e-12)
