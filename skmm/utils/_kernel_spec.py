"""One kernel per view: the specification shared by every multi-view kernel method.

:class:`~skmm.svm.MultiKernelSVC` and
:class:`~skmm.cross_decomposition.KernelCCA` take the same ``kernel``
parameter, parsed here once:

- a kernel name (``"rbf"``, ``"linear"``, ``"poly"``, ``"chi2"``,
  ``"additive_chi2"``, ``"intersection"``, ``"precomputed"``): the same kernel
  in every view, with the estimator's own ``gamma``, ``degree`` and ``coef0``;
- a :class:`ViewKernel`: the same kernel and parameters in every view;
- a list of ``(view_name, kernel)`` pairs, one per view, where ``kernel`` is a
  name or a :class:`ViewKernel`.

The list form is exposed to ``get_params``/``set_params`` the way a
``Pipeline`` exposes its steps, so ``GridSearchCV`` reaches every view's
parameters: ``"<step>__image__gamma"`` (a parameter of that view's
``ViewKernel``) or ``"<step>__image"`` (swap the whole kernel of that view,
e.g. for ``"linear"``). A parameter left ``None`` in a :class:`ViewKernel`
falls back to the estimator's ``gamma``/``degree``/``coef0``.

Kernel values come from :func:`skmm.utils._pairwise.pairwise_kernel` (equal
to scikit-learn's), and every error names the view.
"""

from numbers import Integral, Real

import numpy as np

from ._pairwise import KERNELS, pairwise_kernel
from ._sklearn_compat import _BaseComposition

__all__ = ["ViewKernel", "fit_view_kernel", "per_view_items", "resolve_gamma",
           "resolve_view_kernels", "view_kernel"]

VIEW_KERNELS = (*KERNELS, "precomputed")
# Kernels that read gamma / degree / coef0.
_USES = {"rbf": ("gamma",), "chi2": ("gamma",), "poly": ("gamma", "degree", "coef0")}


class ViewKernel:
    """The kernel of one view, with its own parameters.

    Not an estimator: a small parameter holder whose ``get_params`` /
    ``set_params`` let ``GridSearchCV`` tune it inside a multi-view kernel
    estimator (``"svc__image__gamma"``).

    Parameters
    ----------
    kernel : {"rbf", "linear", "poly", "chi2", "additive_chi2", "intersection", \
            "precomputed"}, default="rbf"
        See :func:`skmm.utils._pairwise.pairwise_kernel`. ``"precomputed"``
        means the view's columns already hold the kernel against the training
        rows (a square block at ``fit``, ``(n_test, n_train)`` afterwards).
    gamma : float, "scale", "auto" or None, default=None
        Coefficient of ``"rbf"``, ``"poly"`` and ``"chi2"``. ``"scale"``:
        ``1 / (n_features_of_view * X_view.var())`` for rbf and poly (as
        :class:`sklearn.svm.SVC`), ``1 / mean chi2 distance`` between training
        rows for chi2 (Zhang et al. 2007). ``"auto"``: ``1 / n_features_of_view``
        for rbf and poly, 1 for chi2. None: the estimator's ``gamma``.
    degree : int or None, default=None
        Degree of ``"poly"``; None: the estimator's ``degree``.
    coef0 : float or None, default=None
        Constant of ``"poly"``; None: the estimator's ``coef0``.

    Examples
    --------
    >>> from skmm.svm import ViewKernel
    >>> k = ViewKernel("chi2", gamma=0.5)
    >>> k
    ViewKernel('chi2', gamma=0.5)
    >>> k.set_params(gamma=2.0).get_params()["gamma"]
    2.0
    """

    def __init__(self, kernel="rbf", *, gamma=None, degree=None, coef0=None):
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0

    def get_params(self, deep=True):
        """Parameters of this kernel (``deep`` is accepted for scikit-learn)."""
        return {"kernel": self.kernel, "gamma": self.gamma, "degree": self.degree,
                "coef0": self.coef0}

    def set_params(self, **params):
        """Set parameters; unknown names raise a ``ValueError``."""
        valid = self.get_params()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"Invalid parameter {key!r} for ViewKernel; valid "
                                 f"parameters are {sorted(valid)}.")
            setattr(self, key, value)
        return self

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.get_params().items()
                        if k != "kernel" and v is not None)
        return f"ViewKernel({self.kernel!r}{extra})"


class _ViewKernelComposition(_BaseComposition):
    """get_params/set_params that expose a per-view ``kernel`` list like Pipeline steps."""

    def get_params(self, deep=True):
        """Get parameters, including ``<view>`` and ``<view>__<param>`` of a kernel list.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of each view's :class:`ViewKernel`.

        Returns
        -------
        params : dict
        """
        return self._get_params("kernel", deep=deep)

    def set_params(self, **params):
        """Set parameters, including ``<view>`` and ``<view>__<param>``.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : object
        """
        self._set_params("kernel", **params)
        return self


def _check_kernel_name(kernel, view, owner):
    if not isinstance(kernel, str) or kernel not in VIEW_KERNELS:
        raise ValueError(f"{owner}: unknown kernel {kernel!r} for view {view!r}; expected "
                         f"one of {', '.join(map(repr, VIEW_KERNELS))} or a ViewKernel.")


def _check_params(spec, view, owner):
    gamma, degree, coef0 = spec["gamma"], spec["degree"], spec["coef0"]
    ok_gamma = (gamma is None or gamma in ("scale", "auto")
                or (isinstance(gamma, Real) and not isinstance(gamma, bool) and gamma > 0))
    if not ok_gamma:
        raise ValueError(f"{owner}: view {view!r} has gamma={gamma!r}; expected a positive "
                         "number, 'scale', 'auto' or None.")
    if not (isinstance(degree, Integral) and not isinstance(degree, bool) and degree >= 1):
        raise ValueError(f"{owner}: view {view!r} has degree={degree!r}; expected an "
                         "integer >= 1.")
    if not (isinstance(coef0, Real) and not isinstance(coef0, bool)):
        raise ValueError(f"{owner}: view {view!r} has coef0={coef0!r}; expected a number.")


def per_view_items(items, view_names, *, owner, param):
    """Order a list of ``(view_name, item)`` pairs by the fitted views, checking names.

    Parameters
    ----------
    items : list of (str, object)
        One pair per view, in any order.
    view_names : list of str
        The fitted views, in order.
    owner : str
        The estimator's name, for error messages.
    param : str
        The parameter holding ``items``, for error messages.

    Returns
    -------
    ordered : list
        The items in view order.
    """
    if not all(isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
               for item in items):
        raise ValueError(f"{owner}: a per-view `{param}` must be a list of (view_name, "
                         f"value) pairs, got {items!r}.")
    given = [name for name, _ in items]
    unknown = [name for name in given if name not in view_names]
    if unknown:
        raise ValueError(f"{owner}: `{param}` names view(s) {unknown} that X does not "
                         f"have; the views are {list(view_names)}.")
    repeated = sorted({name for name in given if given.count(name) > 1})
    if repeated:
        raise ValueError(f"{owner}: `{param}` gives view(s) {repeated} more than once.")
    missing = [name for name in view_names if name not in given]
    if missing:
        raise ValueError(f"{owner}: `{param}` gives nothing for view(s) {missing}; give "
                         f"one (view_name, value) pair for each of {list(view_names)}.")
    lookup = dict(items)
    return [lookup[name] for name in view_names]


def resolve_view_kernels(kernel, view_names, *, gamma, degree, coef0, owner,
                         allowed=VIEW_KERNELS):
    """Turn a ``kernel`` parameter into one kernel specification per view.

    Parameters
    ----------
    kernel : str, ViewKernel or list of (str, str or ViewKernel)
        See the module docstring.
    view_names : list of str
        The fitted views, in order.
    gamma, degree, coef0
        The estimator's values, used where a view does not set its own.
    owner : str
        The estimator's name, for error messages.
    allowed : tuple of str
        Kernel names this estimator supports.

    Returns
    -------
    specs : list of dict
        Per view, in view order: ``{"kernel", "gamma", "degree", "coef0"}``
        (``gamma`` may still be ``"scale"``/``"auto"``/None; see
        :func:`fit_view_kernel`).
    """
    if isinstance(kernel, (str, ViewKernel)):
        per_view = [(name, kernel) for name in view_names]
    elif isinstance(kernel, (list, tuple)):
        per_view = list(zip(view_names, per_view_items(kernel, view_names, owner=owner,
                                                       param="kernel")))
    else:
        raise TypeError(f"{owner}: `kernel` must be a kernel name, a ViewKernel or a list "
                        f"of (view_name, kernel) pairs, got {type(kernel).__name__}.")
    specs = []
    for name, k in per_view:
        if isinstance(k, ViewKernel):
            p = k.get_params()
            spec = {"kernel": p["kernel"],
                    "gamma": gamma if p["gamma"] is None else p["gamma"],
                    "degree": degree if p["degree"] is None else p["degree"],
                    "coef0": coef0 if p["coef0"] is None else p["coef0"]}
        else:
            spec = {"kernel": k, "gamma": gamma, "degree": degree, "coef0": coef0}
        _check_kernel_name(spec["kernel"], name, owner)
        if spec["kernel"] not in allowed:
            raise ValueError(f"{owner} does not support kernel {spec['kernel']!r} (view "
                             f"{name!r}); supported: {', '.join(map(repr, allowed))}.")
        _check_params(spec, name, owner)
        specs.append(spec)
    return specs


def resolve_gamma(spec, X):
    """``spec`` with a numeric ``gamma`` from the view's training columns ``X``.

    ``"scale"`` of the chi2 kernel stays as it is: it needs the chi2
    distances, which :func:`fit_view_kernel` computes anyway.
    """
    if spec["kernel"] == "chi2" and spec["gamma"] == "scale":
        return dict(spec)
    return {**spec, "gamma": _default_gamma(spec["kernel"], spec["gamma"], X)}


def _default_gamma(kernel, gamma, X):
    """Resolve ``"scale"``/``"auto"``/None to a number (chi2 "scale" is done by the caller)."""
    if isinstance(gamma, Real):
        return float(gamma)
    d = X.shape[1]
    if kernel == "chi2":
        return 1.0
    if gamma == "scale":
        var = float(np.var(np.asarray(X, dtype=np.float64)))
        return 1.0 / (d * var) if var > 0 else 1.0
    return 1.0 / d


def _kernel_args(params):
    """Keyword arguments of :func:`pairwise_kernel` for one resolved spec."""
    used = _USES.get(params["kernel"], ())
    return {k: params[k] for k in used}


def fit_view_kernel(xp, X, spec, name):
    """Training Gram matrix of one view, and the spec with every parameter resolved.

    Parameters
    ----------
    xp : namespace
    X : array of shape (n_samples, n_features_of_view)
        The view's training columns (for ``"precomputed"``: its square Gram matrix).
    spec : dict
        One entry of :func:`resolve_view_kernels`.
    name : str
        The view's name.

    Returns
    -------
    K : array of shape (n_samples, n_samples)
    params : dict
        ``{"kernel", ...}`` with numeric ``gamma`` (and ``degree``/``coef0`` for
        poly): what :func:`view_kernel` needs for test rows.
    """
    kernel = spec["kernel"]
    label = f"view {name!r}"
    if kernel == "precomputed":
        if X.shape[0] != X.shape[1]:
            raise ValueError(f"{label} has kernel='precomputed', so its columns must be the "
                             f"Gram matrix of the training rows: a square block, got "
                             f"{X.shape[0]} rows and {X.shape[1]} columns.")
        return X, {"kernel": kernel}
    params = {"kernel": kernel, "gamma": spec["gamma"], "degree": spec["degree"],
              "coef0": spec["coef0"]}
    if kernel == "chi2" and spec["gamma"] == "scale":
        # One pass: the chi2 distances give both the scale and the kernel.
        D = -pairwise_kernel(xp, X, kernel="additive_chi2", name=label)
        mean = float(xp.mean(D))
        params["gamma"] = 1.0 / mean if mean > 0 else 1.0
        return xp.exp(-params["gamma"] * D), _used(params)
    params["gamma"] = _default_gamma(kernel, spec["gamma"], X)
    params = _used(params)
    return pairwise_kernel(xp, X, **_kernel_args(params), kernel=kernel, name=label), params


def _used(params):
    return {"kernel": params["kernel"], **{k: params[k] for k in _USES.get(params["kernel"], ())}}


def view_kernel(xp, A, B, params, name):
    """Kernel between rows ``A`` and training rows ``B`` of one view, from fitted params.

    For ``"precomputed"``, ``A`` already holds the kernel against all training
    rows and ``B`` is ignored.
    """
    if params["kernel"] == "precomputed":
        return A
    return pairwise_kernel(xp, A, B, **_kernel_args(params), kernel=params["kernel"],
                           name=f"view {name!r}")
