"""scikit-learn's common estimator checks over every skmm estimator taking a 2-D X.

Estimators whose input is raw items (images, audio, text, record tables) are
listed by ``all_estimators`` too but declare ``two_d_array=False``; they are
held to ``skmm.utils.estimator_checks.check_raw_input_estimator`` in their own
test modules instead.
"""

import pytest
from sklearn.utils import estimator_checks, get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmm.utils import all_estimators
from skmm.utils.estimator_checks import check_array_api_device

# Constructor arguments for estimators without usable defaults. The house rule
# is that defaults work on tiny data; a meta-estimator needs its parts.
INSTANCE_PARAMS: dict = {
    "MultiModalTransformer": {"modalities": [("numeric", "passthrough", ["x"])]},
}

# check name -> reason, per estimator class name. Each entry must say why.
_CCA_IS_NOT_XY = (
    "scikit-learn's checks feed an estimator named 'CCA' a 2-D y as the second view "
    "(its CCA.fit(X, Y) convention). skmm's CCA takes both views side by side in X and "
    "refuses a 2-D y on purpose, so that fit(X1, X2) cannot silently fit the halves of X1."
)
EXPECTED_FAILED_CHECKS: dict = {
    "MultiViewLabelSpreading": {
        "check_classifiers_classes": (
            "the check feeds y in {-1, 1}, and -1 marks unlabelled rows (scikit-learn's "
            "semi-supervised convention); scikit-learn exempts its own LabelSpreading from "
            "this check by class name"
        ),
    },
    "CCA": {
        "check_transformer_data_not_an_array": _CCA_IS_NOT_XY,
        "check_transformer_general": _CCA_IS_NOT_XY,
        "check_transformer_general(readonly_memmap=True)": _CCA_IS_NOT_XY,
    },
}


def _two_d_instances():
    instances = []
    for name, cls in all_estimators():
        est = cls(**INSTANCE_PARAMS.get(name, {}))
        if get_tags(est).input_tags.two_d_array:
            instances.append(est)
    return instances


def test_every_two_d_estimator_is_checked():
    # Guards against the table silently going empty (e.g. a broken import).
    names = {type(e).__name__ for e in _two_d_instances()}
    assert {"CCA"} <= names, names


@parametrize_with_checks(
    _two_d_instances(),
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(type(est).__name__, {}),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# --- set_output -------------------------------------------------------------
# scikit-learn's parametrize_with_checks does not run its set_output checks;
# they are run here for every transformer. The checks special-case the name
# "CCA" (cross-decomposition, transform returning (X, Y)): a prefixed name
# keeps them on the plain transformer path that skmm's estimators follow.
_SET_OUTPUT_CHECKS = [
    "check_set_output_transform",
    "check_set_output_transform_pandas",
    "check_global_output_transform_pandas",
    "check_set_output_transform_polars",
    "check_global_set_output_transform_polars",
]


def _transformers():
    return [est for est in _two_d_instances() if hasattr(est, "transform")]


# The checks fit on a DataFrame and transform an array on purpose, which
# scikit-learn's validation warns about.
@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
@pytest.mark.filterwarnings("ignore:X has feature names, but")
@pytest.mark.parametrize("estimator", _transformers(), ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("check_name", _SET_OUTPUT_CHECKS)
def test_set_output_checks(estimator, check_name):
    if "pandas" in check_name:
        pytest.importorskip("pandas")
    if "polars" in check_name:
        pytest.importorskip("polars")
    check = getattr(estimator_checks, check_name)
    check(f"skmm.{type(estimator).__name__}", estimator)


@pytest.mark.parametrize("estimator", _transformers(), ids=lambda e: type(e).__name__)
def test_transformer_general_without_the_cca_special_case(estimator):
    # The checks marked as expected failures for CCA above, under a name
    # scikit-learn does not special-case: the contract itself holds.
    name = f"skmm.{type(estimator).__name__}"
    estimator_checks.check_transformer_general(name, estimator)
    estimator_checks.check_transformer_data_not_an_array(name, estimator)


# --- the array-API contract (skmm.base) --------------------------------------
def _array_api_claimants():
    return [est for est in _two_d_instances() if getattr(type(est), "array_api_support", False)]


def test_array_api_claims_are_checked():
    names = {type(e).__name__ for e in _array_api_claimants()}
    assert {"CCA", "MCCA", "TripletEmbedding"} <= names, names


@pytest.mark.parametrize("estimator", _array_api_claimants(), ids=lambda e: type(e).__name__)
def test_array_api_device(estimator):
    pytest.importorskip("array_api_strict")
    check_array_api_device(estimator)
