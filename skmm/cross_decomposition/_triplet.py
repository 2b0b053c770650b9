"""Linear multi-view embeddings learned with a triplet margin loss.

One linear map per view (or one shared map, the siamese variant) sends every
view to a common space where a row's views lie close together and other rows
lie at least ``margin`` further away::

    loss = mean_{(a, p, n)} max(0, d(a, p) - d(a, n) + margin) + alpha/2 sum_v ||W_v||^2

The anchor ``a`` comes from one view, the positive ``p`` is the same row in
another view (or, when ``y`` is given, a row of the same class), and the
negative ``n`` is mined in the current minibatch. A 2-D ``y`` holds one
label column per task: every task mines its own triplets and the per-task
mean hinges are summed with ``task_weights``; ``-1`` marks a row unlabelled
in a task. The gradient is written out
by hand (tests compare it with finite differences) and the optimizer is Adam,
all in the array namespace of the input.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import assert_all_finite, check_random_state, column_or_1d

from ..base import MultiViewEmbedderMixin
from ..utils._array_api import device, get_namespace, to_numpy
from ..utils._pairwise import one_hot, squared_distances
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context

__all__ = ["TripletEmbedding"]

_TINY = 1e-12


def _unit_rows(xp, Z):
    """Rows of ``Z`` scaled to unit norm, and the norms (for the backward pass)."""
    nrm = xp.sqrt(xp.sum(Z * Z, axis=1, keepdims=True))
    nrm = xp.maximum(nrm, _TINY)
    return Z / nrm, nrm


def _unit_rows_backward(xp, G, nrm, dG):
    """Gradient w.r.t. ``Z`` of a loss given its gradient ``dG`` w.r.t. ``G = Z/|Z|``."""
    return (dG - G * xp.sum(G * dG, axis=1, keepdims=True)) / nrm


def _is_unlabelled(col):
    """``-1`` marks an unlabelled row (numeric labels only, as in sklearn.semi_supervised)."""
    if col.dtype.kind in "if":
        return col == -1
    return np.zeros(col.shape, dtype=bool)


def _pairwise(xp, A, B, distance):
    if distance == "cosine":  # rows are unit vectors
        return 1.0 - A @ B.T
    return squared_distances(xp, A, B)


def _mine(xp, D, pos, valid, margin, mining, rng):
    """One negative per anchor from the minibatch; ``-1`` where none is valid.

    ``hard``: the closest valid negative. ``semi-hard`` (FaceNet): the closest
    negative farther than the positive but within the margin, else the
    closest valid one. ``random``: a uniformly drawn valid negative.
    """
    b = D.shape[0]
    inf = xp.asarray(float("inf"), dtype=D.dtype, device=device(D))
    has = xp.any(valid, axis=1)
    if mining == "random":
        r = xp.asarray(rng.random_sample(D.shape), dtype=D.dtype, device=device(D))
        neg = xp.argmax(xp.where(valid, r + 1.0, 0.0), axis=1)
    else:
        Dv = xp.where(valid, D, inf)
        neg = xp.argmin(Dv, axis=1)
        if mining == "semi-hard":
            d_ap = xp.sum(D * one_hot(xp, pos, b, D.dtype), axis=1)[:, None]
            band = valid & (D > d_ap) & (D < d_ap + margin)
            semi = xp.argmin(xp.where(band, D, inf), axis=1)
            neg = xp.where(xp.any(band, axis=1), semi, neg)
    return xp.where(has, neg, -1)


def _loss_grad(xp, Ws, Xs, triplets, *, distance, unit, margin, alpha, shared,
               task_weights=(1.0,)):
    """Loss and analytic gradients for fixed triplets.

    The hinge is averaged over the triplets of each task and the task means
    are summed with ``task_weights``: ``sum_t w_t mean_{triplets of t} hinge``.

    Parameters
    ----------
    Ws : list of arrays (d_v, k)
        One map per view (the same object repeated when ``shared``).
    Xs : list of arrays (b, d_v)
        The minibatch of every view.
    triplets : list of (u, v, anchors, pos, neg) or (u, v, anchors, pos, neg, task)
        Anchor rows of view ``u`` with positive and negative rows of view
        ``v``; ``task`` (default 0) indexes ``task_weights``.
    task_weights : sequence of float, default=(1.0,)
        Weight of each task's mean hinge.

    Returns
    -------
    loss : float
    grads : list of arrays, one per distinct parameter (one when ``shared``).
    """
    Z = [X @ W for X, W in zip(Xs, Ws)]
    if unit:
        GN = [_unit_rows(xp, z) for z in Z]
        G = [g for g, _ in GN]
    else:
        G = Z
    dG = [xp.zeros_like(g) for g in G]
    triplets = [t if len(t) == 6 else (*t, 0) for t in triplets]
    n_trip = [0] * len(task_weights)
    for _, _, a, _, _, t in triplets:
        n_trip[t] += int(a.shape[0])
    total = [0.0] * len(task_weights)
    for u, v, anc, pos, neg, t in triplets:
        if anc.shape[0] == 0:
            continue
        b_u, b_v = G[u].shape[0], G[v].shape[0]
        A_oh = one_hot(xp, anc, b_u, G[u].dtype)
        P_oh = one_hot(xp, pos, b_v, G[v].dtype)
        N_oh = one_hot(xp, neg, b_v, G[v].dtype)
        Ga, Gp, Gn = A_oh @ G[u], P_oh @ G[v], N_oh @ G[v]
        if distance == "cosine":
            d_ap = 1.0 - xp.sum(Ga * Gp, axis=1)
            d_an = 1.0 - xp.sum(Ga * Gn, axis=1)
        else:
            d_ap = xp.sum((Ga - Gp) ** 2, axis=1)
            d_an = xp.sum((Ga - Gn) ** 2, axis=1)
        lt = d_ap - d_an + margin
        # Times w_t after the division: w_t = 1 leaves one task's numbers
        # bit for bit as they were before tasks existed.
        act = xp.astype(lt > 0, Ga.dtype)[:, None] / n_trip[t] * task_weights[t]
        total[t] += float(xp.sum(xp.maximum(lt, 0.0)))
        if distance == "cosine":
            dA, dP, dN = act * (Gn - Gp), -act * Ga, act * Ga
        else:
            dA = 2.0 * act * (Gn - Gp)
            dP = -2.0 * act * (Ga - Gp)
            dN = 2.0 * act * (Ga - Gn)
        dG[u] = dG[u] + A_oh.T @ dA  # one-hot products stand in for scatter-add
        dG[v] = dG[v] + P_oh.T @ dP + N_oh.T @ dN
    dZ = [_unit_rows_backward(xp, g, n, d) for (g, n), d in zip(GN, dG)] if unit else dG
    dWs = [X.T @ d for X, d in zip(Xs, dZ)]
    if shared:
        params, grads = [Ws[0]], [sum(dWs[1:], dWs[0])]
    else:
        params, grads = list(Ws), dWs
    loss = 0.0
    for t, w in enumerate(task_weights):
        loss += total[t] / max(n_trip[t], 1) * w
    for i, W in enumerate(params):
        loss += 0.5 * alpha * float(xp.sum(W * W))
        grads[i] = grads[i] + alpha * W
    return loss, grads


class TripletEmbedding(MultiViewEmbedderMixin, BaseEstimator):
    """Linear cross-view embedding trained with a triplet margin loss.

    Learns one linear map per view, ``z_v = ((x_v - mean_v) / scale_v) W_v``,
    so that a row's views are closer to each other than to other rows' views
    by ``margin``. Without ``y`` the positive of an anchor is the same row in
    another view; with ``y`` it is a random row of the same class in the
    minibatch, and negatives are rows of other classes. Negatives are mined
    online in every minibatch, for every ordered pair of views. Training is
    minibatch Adam on the analytic gradient.

    With a 2-D ``y`` (one column per task, e.g. digit and speaker) one
    embedding learns from all tasks at once: each task mines its own
    triplets (positives share the task's label, negatives differ in it) and
    the loss is ``sum_t task_weights[t] * mean hinge of task t``. A label
    ``-1`` means "unlabelled in this task": such a row is neither anchor,
    positive nor negative for that task (scikit-learn's semi-supervised
    convention), yet still serves the other tasks.

    Parameters
    ----------
    n_components : int, default=2
        Dimension of the shared space.
    views : None, sequence of int, sequence of index arrays or dict, default=None
        Which columns of ``X`` form each view (see
        :func:`skmm.utils.resolve_views`; ``None``: the two halves).
    combine : {"concat", "mean"}, default="concat"
        How :meth:`transform` combines the per-view embeddings.
    distance : {"cosine", "sqeuclidean"}, default="cosine"
        ``1 - cos(a, b)`` (always on unit vectors) or ``|a - b|^2``.
    margin : float, default=0.2
        The margin of the hinge.
    mining : {"semi-hard", "hard", "random"}, default="semi-hard"
        How a negative is picked in the minibatch (see Notes).
    normalize : bool, default=True
        L2-normalize the outputs of :meth:`transform` (and, with
        ``distance="sqeuclidean"``, the embeddings inside the loss).
    shared_weights : bool, default=False
        Siamese variant: one map for all views (they must have equal width).
    learning_rate : float, default=1e-2
        Adam step size.
    batch_size : int, default=64
        Rows per minibatch (clipped to the number of samples).
    max_iter : int, default=100
        Number of epochs.
    alpha : float, default=1e-4
        L2 weight decay ``alpha / 2 * sum ||W_v||^2``.
    task_weights : array-like of shape (n_tasks,), default=None
        Weight of each task's mean hinge when ``y`` has several columns;
        ``None``: 1 for every task.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial maps, the shuffling and random mining.
    verbose : int, default=0
        Print the loss after every epoch.
    device : None, "cpu", "gpu", "auto" or a device object, default=None
        Where to compute (see :mod:`skmm.base`): ``None`` where the input
        lives (NumPy on the CPU, CuPy on its GPU), ``"cpu"``, ``"gpu"`` (CuPy;
        an ImportError naming the extra to install when it is missing) or
        ``"auto"`` (the GPU when CuPy finds one, else the CPU). The input is
        moved once; outputs stay on that device; fitted attributes are NumPy.

    Attributes
    ----------
    weights_ : list of ndarray
        ``W_v`` of each view, shape ``(n_features_of_view, n_components)``
        (the same array repeated when ``shared_weights``). NumPy, whatever
        the input's namespace.
    means_ : list of ndarray
        Per-view column means removed before projecting.
    scales_ : ndarray of shape (n_views,)
        Per-view scalar scale (root mean column variance).
    loss_curve_ : list of float
        Mean minibatch loss of every epoch.
    n_iter_ : int
        Number of epochs run.
    classes_ : list of ndarray
        The labelled classes of each task (column of ``y``), ``-1`` excluded;
        absent when fitted without ``y``.
    views_ : list of (str, slice or ndarray)
        The resolved views.
    n_views_ : int
        Number of views.
    n_features_in_ : int
        Number of features seen during fit.

    Notes
    -----
    Mining is a selection, held fixed while differentiating (as usual for
    triplet losses). ``semi-hard`` falls back to the hardest negative when no
    negative lies in the margin band. Anchors with no valid negative in their
    minibatch (e.g. a minibatch of one class) contribute no triplet, and
    neither do anchors unlabelled in a task or without a same-class row.
    Labels are any hashable values; ``-1`` marks "unlabelled" for numeric
    labels only. With a 1-D ``y`` free of ``-1`` the fit is the single-task
    fit, unchanged.

    References
    ----------
    F. Schroff, D. Kalenichenko, J. Philbin, "FaceNet: A unified embedding for
    face recognition and clustering", CVPR 2015. D. P. Kingma, J. Ba, "Adam:
    A method for stochastic optimization", ICLR 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.cross_decomposition import TripletEmbedding
    >>> rng = np.random.default_rng(0)
    >>> S = rng.standard_normal((200, 4))
    >>> X = np.hstack([S @ rng.standard_normal((4, 10)), S @ rng.standard_normal((4, 8))])
    >>> emb = TripletEmbedding(n_components=4, views=[10, 8], random_state=0).fit(X)
    >>> Za, Zb = emb.transform_view(X[:, :10], 0), emb.transform_view(X[:, 10:], 1)
    >>> recall_at_1 = np.mean(np.argmax(Za @ Zb.T, axis=1) == np.arange(200))
    >>> bool(recall_at_1 > 0.5)
    True

    Two tasks, the second labelled on half of the rows only:

    >>> y = np.column_stack([S[:, 0] > 0, S[:, 1] > 0]).astype(int)
    >>> y[::2, 1] = -1
    >>> emb = TripletEmbedding(n_components=4, views=[10, 8], max_iter=20,
    ...                        random_state=0).fit(X, y)
    >>> [c.tolist() for c in emb.classes_]
    [[0, 1], [0, 1]]
    """

    _parameter_constraints: dict = {
        **MultiViewEmbedderMixin._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "combine": [StrOptions({"concat", "mean"})],
        "distance": [StrOptions({"cosine", "sqeuclidean"})],
        "margin": [Interval(Real, 0, None, closed="neither")],
        "mining": [StrOptions({"semi-hard", "hard", "random"})],
        "normalize": ["boolean"],
        "shared_weights": ["boolean"],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "task_weights": ["array-like", None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "device": "no_validation",  # resolved (and checked) by skmm.utils.resolve_device
    }

    array_api_support = True

    def __init__(self, n_components=2, *, views=None, combine="concat", distance="cosine",
                 margin=0.2, mining="semi-hard", normalize=True, shared_weights=False,
                 learning_rate=1e-2, batch_size=64, max_iter=100, alpha=1e-4,
                 task_weights=None, random_state=None, verbose=0, device=None):
        self.n_components = n_components
        self.views = views
        self.combine = combine
        self.distance = distance
        self.margin = margin
        self.mining = mining
        self.normalize = normalize
        self.shared_weights = shared_weights
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.alpha = alpha
        self.task_weights = task_weights
        self.random_state = random_state
        self.verbose = verbose
        self.device = device

    def _unit(self):
        return self.distance == "cosine" or self.normalize

    def _batch_triplets(self, xp, G, y_b, rng):
        """Mine (u, v, anchors, pos, neg, task) for every task and ordered view pair.

        ``y_b`` is None (positives are the pairs) or an integer array of
        shape (b, n_tasks) with ``-1`` for unlabelled.
        """
        b = G[0].shape[0]
        ar = xp.arange(b, device=device(G[0]))
        if y_b is None:
            tasks = [(ar, ar[:, None] != ar[None, :], None)]
        else:
            tasks = []
            for t in range(y_b.shape[1]):
                yt = y_b[:, t]
                lab = yt >= 0
                both = lab[:, None] & lab[None, :]
                same = (yt[:, None] == yt[None, :]) & both
                # A random same-class row (possibly the row itself) as positive.
                r = xp.asarray(rng.random_sample((b, b)), device=device(G[0]))
                pos = xp.argmax(xp.where(same, r + 1.0, 0.0), axis=1)
                tasks.append((pos, both & ~same, lab))
        out = []
        for t, (pos, valid, lab) in enumerate(tasks):
            for u in range(len(G)):
                for v in range(len(G)):
                    if u == v:
                        continue
                    D = _pairwise(xp, G[u], G[v], self.distance)
                    neg = _mine(xp, D, pos, valid, self.margin, self.mining, rng)
                    # Unlabelled anchors have no valid negative: dropped here.
                    keep = neg >= 0
                    out.append((u, v, ar[keep], pos[keep], neg[keep], t))
        return out

    def _encode_labels(self, y, n):
        """Integer codes of shape (n, n_tasks), ``-1`` unlabelled; sets ``classes_``."""
        y = to_numpy(y)
        if np.ndim(y) == 2 and np.shape(y)[1] > 1:
            y = np.asarray(y)
            one_d = False
        else:
            y = column_or_1d(y, warn=True)[:, None]
            one_d = True
        if y.shape[0] != n:
            raise ValueError(f"y has {y.shape[0]} entries but X has {n} rows.")
        if y.dtype.kind == "f":
            assert_all_finite(y, input_name="y")
            if not np.all(y == np.round(y)):
                # Continuous values are no class labels: most likely a second
                # view passed as y (scikit-learn's CCA.fit(X, Y) habit).
                where = "" if one_d else f" of shape {y.shape}"
                raise ValueError(
                    f"{type(self).__name__}.fit got a {'1' if one_d else '2'}-D y{where} with "
                    "non-integer values, but y holds class labels (one column per task). "
                    "If y is another view, stack the views side by side in X: "
                    "fit(np.hstack([X1, X2]), views=[X1.shape[1], X2.shape[1]])."
                )
        codes = np.empty(y.shape, dtype=np.intp)
        self.classes_ = []
        for t in range(y.shape[1]):
            col = y[:, t]
            labelled = ~_is_unlabelled(col)
            classes, inv = np.unique(col[labelled], return_inverse=True)
            if classes.size < 2:
                what = "y" if one_d else f"y column {t} (task {t})"
                lab = "" if labelled.all() else " labelled"
                raise ValueError(
                    f"{what} has {classes.size}{lab} class{'' if classes.size == 1 else 'es'}: "
                    "same-class positives need at least two classes"
                    + (" (or pass y=None to use the pairs)." if one_d else
                       "; drop that column or label more rows (-1 is unlabelled).")
                )
            codes[:, t] = -1
            codes[labelled, t] = inv.reshape(-1)
            self.classes_.append(classes)
        if self.task_weights is None:
            weights = (1.0,) * y.shape[1]
        else:
            weights = np.asarray(self.task_weights, dtype=float).reshape(-1)
            if weights.size != y.shape[1] or np.any(~np.isfinite(weights)) \
                    or np.any(weights < 0):
                raise ValueError(
                    f"task_weights must hold {y.shape[1]} finite non-negative value(s), one "
                    f"per column of y, got {self.task_weights!r}."
                )
            weights = tuple(float(w) for w in weights)
        return codes, weights

    def _embed_batch(self, xp, Ws, Xs):
        Z = [X @ W for X, W in zip(Xs, Ws)]
        return [_unit_rows(xp, z)[0] for z in Z] if self._unit() else Z

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the per-view maps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            All views side by side; row ``i`` of every view is one item.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks), default=None
            Optional class labels: positives are then same-class rows,
            negatives other-class rows. One column per task for several
            tasks learned at once; ``-1`` marks a row unlabelled in a task.

        Returns
        -------
        self : TripletEmbedding
            The fitted estimator.
        """
        # Two rows at least: with one, no triplet can be formed and training
        # would be weight decay only.
        X = self._validate_multiview(X, reset=True, ensure_min_samples=2)
        views = self.views_
        if self.shared_weights:
            widths = self._view_widths()
            if len(set(widths)) != 1:
                raise ValueError(
                    "shared_weights=True needs views of equal width, got widths "
                    f"{dict(zip(self.view_names_, widths))}."
                )
        xp = get_namespace(X)
        dev = device(X)
        rng = check_random_state(self.random_state)
        n = X.shape[0]
        labels, task_weights = None, (1.0,)
        if y is not None:
            codes, task_weights = self._encode_labels(y, n)
            labels = xp.asarray(codes, device=dev)
        elif hasattr(self, "classes_"):
            del self.classes_  # refit without labels

        blocks = self._view_blocks(X)
        means = [xp.mean(B, axis=0) for B in blocks]
        # One scalar per view keeps relative feature scales but makes Adam's
        # step size comparable across views.
        scales = [float(xp.sqrt(xp.mean(xp.var(B, axis=0)))) for B in blocks]
        constant = [name for (name, _), s in zip(views, scales) if s <= _TINY]
        if constant:
            raise ValueError(
                f"View(s) {constant} are constant (zero variance in every column): their "
                "embedding would be all zeros. Drop them or pass other views."
            )
        Xs = [(B - m) / s for B, m, s in zip(blocks, means, scales)]

        k = self.n_components
        if self.shared_weights:
            d = Xs[0].shape[1]
            params = [xp.asarray(rng.standard_normal((d, k)) / np.sqrt(d), dtype=X.dtype,
                                 device=dev)]
        else:
            params = [xp.asarray(rng.standard_normal((B.shape[1], k)) / np.sqrt(B.shape[1]),
                                 dtype=X.dtype, device=dev) for B in Xs]
        m1 = [xp.zeros_like(p) for p in params]
        m2 = [xp.zeros_like(p) for p in params]
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        bs = min(self.batch_size, n)
        step = 0
        self.loss_curve_ = []
        kw = dict(distance=self.distance, unit=self._unit(), margin=self.margin,
                  alpha=self.alpha, shared=self.shared_weights, task_weights=task_weights)
        for epoch in range(self.max_iter):
            order = xp.asarray(rng.permutation(n), device=dev)
            losses = []
            for start in range(0, n, bs):
                # The standard forbids a stop past the end (NumPy clips it).
                idx = order[start:min(start + bs, n)]
                Xb = [xp.take(Xv, idx, axis=0) for Xv in Xs]
                yb = None if labels is None else xp.take(labels, idx, axis=0)
                Ws = params * len(Xs) if self.shared_weights else params
                trip = self._batch_triplets(xp, self._embed_batch(xp, Ws, Xb), yb, rng)
                loss, grads = _loss_grad(xp, Ws, Xb, trip, **kw)
                losses.append(loss)
                step += 1
                for i, g in enumerate(grads):
                    m1[i] = beta1 * m1[i] + (1 - beta1) * g
                    m2[i] = beta2 * m2[i] + (1 - beta2) * g * g
                    lr = float(self.learning_rate * np.sqrt(1 - beta2**step) / (1 - beta1**step))
                    params[i] = params[i] - lr * m1[i] / (xp.sqrt(m2[i]) + eps)
            self.loss_curve_.append(float(np.mean(losses)))
            if self.verbose:
                print(f"Epoch {epoch + 1}, loss = {self.loss_curve_[-1]:.6f}")
        self.n_iter_ = self.max_iter
        # Fitted state is NumPy (the array-API contract in skmm.base).
        params = [to_numpy(p) for p in params]
        self.weights_ = params * len(Xs) if self.shared_weights else params
        self.means_ = [to_numpy(m) for m in means]
        self.scales_ = np.asarray(scales)
        return self

    def _transform_one(self, X_view, i):
        xp = get_namespace(X_view)
        dev = device(X_view)
        mean = xp.asarray(self.means_[i], dtype=X_view.dtype, device=dev)
        W = xp.asarray(self.weights_[i], dtype=X_view.dtype, device=dev)
        Z = ((X_view - mean) / float(self.scales_[i])) @ W
        if self.normalize:
            Z = _unit_rows(xp, Z)[0]
        return Z

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Takes a 2-D y of labels (one column per task): what
        # skmm.multioutput.MultiTaskClassifier reads to hand it all tasks.
        tags.target_tags.multi_output = True
        return tags
