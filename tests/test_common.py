"""scikit-learn's common estimator checks over every skmm estimator taking a 2-D X.

Estimators whose input is raw items (images, audio, text, record tables) are
listed by ``all_estimators`` too but declare ``two_d_array=False``; they are
held to ``skmm.utils.estimator_checks.check_raw_input_estimator`` in their own
test modules instead.
"""

from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmm.utils import all_estimators

# Constructor arguments for estimators without usable defaults. The house rule
# is that defaults work on tiny data; a meta-estimator needs its parts.
INSTANCE_PARAMS: dict = {
    "MultiModalTransformer": {"modalities": [("numeric", "passthrough", ["x"])]},
}

# check name -> reason, per estimator class name. Each entry must say why.
EXPECTED_FAILED_CHECKS: dict = {}


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
