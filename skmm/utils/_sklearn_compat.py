"""The one module that imports scikit-learn's private API.

Everything else in skmm imports these names from here, so a scikit-learn
upgrade that moves them is fixed in one place.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils._set_output import (
    _get_container_adapter,
    _get_output_config,
    _safe_set_output,
)
from sklearn.utils.metadata_routing import _raise_for_params
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

__all__ = [
    "HasMethods",
    "Interval",
    "Options",
    "StrOptions",
    "_BaseComposition",
    "_check_feature_names_in",
    "_fit_context",
    "_get_container_adapter",
    "_get_output_config",
    "_raise_for_params",
    "_safe_set_output",
    "check_is_fitted",
    "validate_data",
    "validate_parameter_constraints",
]
