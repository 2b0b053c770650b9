"""Shared helpers: array namespaces, optional imports, the views contract."""

from ._array_api import device, get_namespace, resolve_device, to_device, to_numpy
from ._discovery import all_estimators
from ._optional import import_optional
from ._views import resolve_views

__all__ = [
    "all_estimators",
    "device",
    "get_namespace",
    "import_optional",
    "resolve_device",
    "resolve_views",
    "to_device",
    "to_numpy",
]
