"""TripletEmbedding: analytic gradient vs finite differences, training, retrieval."""

import numpy as np
import pytest

from skmm.cross_decomposition import TripletEmbedding
from skmm.cross_decomposition._triplet import _loss_grad, _mine, _pairwise, _unit_rows
from skmm.utils import get_namespace


def _paired(seed=0, n=600, d1=20, d2=15, k=5, noise=0.5):
    # Two views, each a linear image of a shared latent plus noise.
    rng = np.random.default_rng(seed)
    S = rng.standard_normal((n, k))
    X = np.hstack([S @ rng.standard_normal((k, d1)), S @ rng.standard_normal((k, d2))])
    return X + noise * rng.standard_normal(X.shape)


def _recall_at_1(est, X, d1):
    A = est.transform_view(X[:, :d1], 0)
    B = est.transform_view(X[:, d1:], 1)
    return float(np.mean(np.argmax(A @ B.T, axis=1) == np.arange(len(X))))


@pytest.mark.parametrize("distance, unit", [("cosine", True), ("sqeuclidean", True),
                                            ("sqeuclidean", False)])
@pytest.mark.parametrize("shared", [False, True])
def test_gradient_matches_finite_differences(distance, unit, shared):
    rng = np.random.default_rng(1)
    b, d, k = 12, 6, 3
    Xs = [rng.standard_normal((b, d)), rng.standard_normal((b, d))]
    Ws = [rng.standard_normal((d, k))] if shared else [rng.standard_normal((d, k)) for _ in Xs]
    xp = get_namespace(Xs[0])
    ar = np.arange(b)
    # Fixed triplets in both directions, negatives shifted so that many hinges
    # are active; margin chosen so that none sits exactly on the kink.
    trip = [(0, 1, ar, ar, (ar + 1) % b), (1, 0, ar, ar, (ar + 5) % b)]
    kw = dict(distance=distance, unit=unit, margin=0.7, alpha=0.1, shared=shared)

    def f(params):
        return _loss_grad(xp, params * 2 if shared else params, Xs, trip, **kw)

    loss, grads = f(Ws)
    assert loss > 0.7 * 0.5  # a good share of active hinges
    h = 1e-6
    for p, g in zip(range(len(Ws)), grads):
        num = np.zeros_like(g)
        for idx in np.ndindex(*g.shape):
            Wp = [w.copy() for w in Ws]
            Wm = [w.copy() for w in Ws]
            Wp[p][idx] += h
            Wm[p][idx] -= h
            num[idx] = (f(Wp)[0] - f(Wm)[0]) / (2 * h)
        np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-8)


def test_mining_picks_the_right_negative():
    xp = get_namespace(np.zeros(1))
    D = np.array([[0.5, 0.1, 0.6, 0.9],
                  [0.3, 0.2, 0.25, 0.8],
                  [0.4, 0.45, 0.1, 0.5],
                  [0.1, 0.2, 0.3, 0.0]])
    pos = np.arange(4)
    valid = ~np.eye(4, dtype=bool)
    rng = np.random.RandomState(0)
    np.testing.assert_array_equal(_mine(xp, D, pos, valid, 0.2, "hard", rng), [1, 2, 0, 0])
    # Semi-hard: d_ap < d_an < d_ap + margin, closest such; else hardest.
    np.testing.assert_array_equal(_mine(xp, D, pos, valid, 0.2, "semi-hard", rng), [2, 2, 0, 0])
    neg = _mine(xp, D, pos, valid, 0.2, "random", rng)
    assert np.all(neg != pos)
    none = np.zeros((4, 4), dtype=bool)
    np.testing.assert_array_equal(_mine(xp, D, pos, none, 0.2, "hard", rng), [-1] * 4)
    A = _unit_rows(xp, np.array([[3.0, 4.0], [1.0, 0.0]]))[0]
    np.testing.assert_allclose(_pairwise(xp, A, A, "cosine"), [[0, 0.4], [0.4, 0]], atol=1e-12)
    np.testing.assert_allclose(_pairwise(xp, A, A, "sqeuclidean"), [[0, 0.8], [0.8, 0]],
                               atol=1e-12)


@pytest.mark.parametrize("kw", [{}, {"mining": "hard"}, {"mining": "random"},
                                {"distance": "sqeuclidean"}, {"shared_weights": True}])
def test_cross_view_retrieval_beats_random_projection(kw):
    d1 = 20 if not kw.get("shared_weights") else 15
    X = _paired(n=600, d1=d1)
    train, test = X[:400], X[400:]
    est = TripletEmbedding(5, views=[d1, 15], max_iter=40, random_state=0, **kw).fit(train)
    r1 = _recall_at_1(est, test, d1)
    # Same model with its initial random maps: train for 1 step at lr ~ 0.
    rand = TripletEmbedding(5, views=[d1, 15], max_iter=1, learning_rate=1e-12,
                            random_state=0, **kw).fit(train)
    r1_rand = _recall_at_1(rand, test, d1)
    chance = 1 / 200
    assert r1_rand < 10 * chance
    # One shared map cannot undo two different view transforms as well.
    floor = 0.3 if kw.get("shared_weights") else 0.6
    assert r1 > floor and r1 > 20 * max(r1_rand, chance), (r1, r1_rand)
    curve = np.asarray(est.loss_curve_)
    assert est.n_iter_ == len(curve) == 40
    assert curve[-5:].mean() < (0.8 if kw.get("shared_weights") else 0.6) * curve[:5].mean()


def test_loss_curve_decreases_full_batch():
    # Full batch, hard mining, small steps: the loss goes down almost monotonically.
    X = _paired(seed=2, n=200)
    est = TripletEmbedding(5, views=[20, 15], batch_size=200, max_iter=60, learning_rate=5e-3,
                           mining="hard", random_state=0).fit(X)
    curve = np.asarray(est.loss_curve_)
    assert curve[-1] < 0.5 * curve[0]
    assert np.mean(np.diff(curve) <= 0) > 0.85


def test_labels_make_class_neighbours():
    rng = np.random.default_rng(3)
    y = np.repeat(np.arange(4), 50)
    centers = rng.standard_normal((4, 6)) * 3
    S = centers[y] + rng.standard_normal((200, 6))
    X = np.hstack([S @ rng.standard_normal((6, 10)), S @ rng.standard_normal((6, 8))])
    est = TripletEmbedding(4, views=[10, 8], max_iter=30, random_state=0).fit(X, y)
    A, B = est.transform_view(X[:, :10], 0), est.transform_view(X[:, 10:], 1)
    # Class of the nearest other-view item.
    acc = np.mean(y[np.argmax(A @ B.T, axis=1)] == y)
    assert acc > 0.95


def test_deterministic_and_transform_contract():
    X = _paired(seed=4, n=150)
    a = TripletEmbedding(3, views=[20, 15], max_iter=5, random_state=7).fit(X)
    b = TripletEmbedding(3, views=[20, 15], max_iter=5, random_state=7).fit(X)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    assert a.loss_curve_ == b.loss_curve_
    Z = a.transform(X)
    assert Z.shape == (150, 6)
    np.testing.assert_allclose(np.linalg.norm(Z[:, :3], axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(Z[:, 3:], a.transform_view(X[:, 20:], "view1"), rtol=1e-12)
    m = TripletEmbedding(3, views=[20, 15], combine="mean", max_iter=5, random_state=7).fit(X)
    np.testing.assert_allclose(m.transform(X), (Z[:, :3] + Z[:, 3:]) / 2, rtol=1e-12)
    raw = TripletEmbedding(3, views=[20, 15], normalize=False, max_iter=2, random_state=0).fit(X)
    Xc = (X[:, :20] - X[:, :20].mean(0)) / raw.scales_[0]
    np.testing.assert_allclose(raw.transform_view(X[:, :20], 0), Xc @ raw.weights_[0], rtol=1e-10)


def test_siamese_shares_one_map_and_checks_widths():
    X = _paired(seed=5, n=100, d1=15, d2=15)
    est = TripletEmbedding(3, shared_weights=True, max_iter=3, random_state=0).fit(X)
    assert est.weights_[0] is est.weights_[1]
    with pytest.raises(ValueError, match=r"equal width.*'view0': 20, 'view1': 15"):
        TripletEmbedding(views=[20, 15], shared_weights=True).fit(_paired(n=30))
    with pytest.raises(ValueError, match="y has 3 entries"):
        TripletEmbedding().fit(X, [0, 1, 2])


def test_bad_labels():
    X = _paired(n=40)
    y = np.arange(40) % 2.0
    y[3] = np.nan
    with pytest.raises(ValueError, match="y contains NaN"):
        TripletEmbedding(views=[20, 15], max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="y has 1 class"):
        TripletEmbedding(views=[20, 15], max_iter=1).fit(X, np.zeros(40))


# --- several tasks (2-D y), -1 unlabelled ------------------------------------
def _three_class_data():
    rng = np.random.default_rng(11)
    y = np.repeat(np.arange(3), 20)
    X = np.hstack([rng.standard_normal((60, 5)) + y[:, None],
                   rng.standard_normal((60, 4)) - y[:, None]])
    return X, y


@pytest.mark.parametrize("mining, curve, w00", [
    ("semi-hard", [0.9132441640571276, 0.9565896118598849, 0.7786402062530815],
     [0.8286344464900494, 0.09991006565245564]),
    ("random", [0.9819090383308748, 1.0194827381091374, 1.0178031146125033],
     [0.8295567175565524, 0.08186384914723231]),
])
def test_one_d_labels_unchanged_by_tasks(mining, curve, w00):
    # Numbers recorded with the single-task code (commit f4afcfc): a 1-D y
    # without -1 must give the same fit, bit for bit.
    X, y = _three_class_data()
    est = TripletEmbedding(2, views=[5, 4], max_iter=3, batch_size=16, mining=mining,
                           random_state=0).fit(X, y)
    assert est.loss_curve_ == curve
    assert est.weights_[0][0].tolist() == w00
    np.testing.assert_array_equal(est.classes_[0], [0, 1, 2])


def test_task_weights_sum_the_per_task_means():
    rng = np.random.default_rng(2)
    b, d, k = 10, 4, 3
    Xs = [rng.standard_normal((b, d)), rng.standard_normal((b, d))]
    Ws = [rng.standard_normal((d, k)) for _ in Xs]
    xp = get_namespace(Xs[0])
    ar = np.arange(b)
    t0 = [(0, 1, ar, ar, (ar + 1) % b)]
    t1 = [(1, 0, ar[:6], ar[:6], (ar[:6] + 3) % b)]
    kw = dict(distance="cosine", unit=True, margin=0.7, alpha=0.0, shared=False)
    l0, g0 = _loss_grad(xp, Ws, Xs, t0, **kw)
    l1, g1 = _loss_grad(xp, Ws, Xs, t1, **kw)
    both = [(*t, 0) for t in t0] + [(*t, 1) for t in t1]
    loss, grads = _loss_grad(xp, Ws, Xs, both, task_weights=(0.5, 2.0), **kw)
    # Each task is averaged over its own triplets (6 vs 10), then weighted.
    assert loss == pytest.approx(0.5 * l0 + 2.0 * l1, rel=1e-12)
    for g, a, c in zip(grads, g0, g1):
        np.testing.assert_allclose(g, 0.5 * a + 2.0 * c, rtol=1e-12, atol=1e-15)
    # Finite differences on the weighted two-task loss.
    h = 1e-6
    for p in range(2):
        num = np.zeros_like(grads[p])
        for idx in np.ndindex(*num.shape):
            Wp = [w.copy() for w in Ws]
            Wm = [w.copy() for w in Ws]
            Wp[p][idx] += h
            Wm[p][idx] -= h
            num[idx] = (_loss_grad(xp, Wp, Xs, both, task_weights=(0.5, 2.0), **kw)[0]
                        - _loss_grad(xp, Wm, Xs, both, task_weights=(0.5, 2.0), **kw)[0]) / (2 * h)
        np.testing.assert_allclose(grads[p], num, rtol=1e-6, atol=1e-8)


def test_unlabelled_rows_never_in_a_tasks_triplets():
    rng = np.random.default_rng(0)
    b = 24
    y = np.column_stack([rng.integers(0, 3, b), rng.integers(0, 2, b)])
    y[::3, 1] = -1
    y[5, 0] = -1
    xp = get_namespace(np.zeros(1))
    G = [_unit_rows(xp, rng.standard_normal((b, 3)))[0] for _ in range(2)]
    est = TripletEmbedding(mining="random")
    trip = est._batch_triplets(xp, G, y, np.random.RandomState(0))
    assert {t for *_, t in trip} == {0, 1} and len(trip) == 4  # 2 tasks x 2 view pairs
    for u, v, anc, pos, neg, t in trip:
        assert anc.size > 0
        for rows in (anc, pos, neg):
            assert np.all(y[rows, t] >= 0)
        np.testing.assert_array_equal(y[anc, t], y[pos, t])
        assert np.all(y[anc, t] != y[neg, t])
        # Every labelled anchor of the batch is used (all classes present).
        np.testing.assert_array_equal(anc, np.flatnonzero(y[:, t] >= 0))


def _two_factor_data(seed=0, n=300):
    # Task 0 (3 classes) lives in latent dims 0-1, task 1 (2 classes) in dims
    # 2-3; both views see all four dims through their own maps.
    rng = np.random.default_rng(seed)
    y = np.column_stack([rng.integers(0, 3, n), rng.integers(0, 2, n)])
    S = np.zeros((n, 4))
    S[:, :2] = 2.0 * np.array([[1, 0], [-0.5, 0.87], [-0.5, -0.87]])[y[:, 0]]
    S[:, 2:] = 2.0 * np.array([[1, 1], [-1, -1]])[y[:, 1]] / np.sqrt(2)
    S += 0.8 * rng.standard_normal(S.shape)
    X = np.hstack([S @ rng.standard_normal((4, 12)), S @ rng.standard_normal((4, 10))])
    return X + 0.3 * rng.standard_normal(X.shape), y


def _cross_view_knn_accuracy(est, X, y):
    A, B = est.transform_view(X[:, :12], 0), est.transform_view(X[:, 12:], 1)
    S = A @ B.T
    np.fill_diagonal(S, -np.inf)  # not the row's own other view
    return float(np.mean(y[np.argmax(S, axis=1)] == y))


def test_one_embedding_learns_both_tasks():
    X, y = _two_factor_data()
    kw = dict(views=[12, 10], max_iter=30, random_state=0)
    acc = {}
    for name, yy, w in [("both", y, None), ("only0", y[:, 0], None),
                        ("only1", y[:, 1], None), ("w10", y, [1.0, 0.0])]:
        est = TripletEmbedding(3, task_weights=w, **kw).fit(X, yy)
        acc[name] = [_cross_view_knn_accuracy(est, X, y[:, t]) for t in range(2)]
    # A 3-D space trained on one task spends it on that task (the other stays
    # near chance, 0.33 and 0.5); trained on both it keeps both. Measured:
    # both 0.94 / 1.00, only0 0.98 / 0.55, only1 0.32 / 1.00.
    assert acc["both"][0] > 0.85 and acc["both"][1] > 0.9, acc
    assert acc["both"][1] > acc["only0"][1] + 0.3, acc
    assert acc["both"][0] > acc["only1"][0] + 0.3, acc
    # Zero weight on task 1 gives it up again.
    assert acc["w10"][1] < acc["both"][1] - 0.3, acc


def test_partly_labelled_task_still_learns():
    X, y = _two_factor_data(seed=1)
    y_part = y.copy()
    y_part[np.arange(len(y)) % 4 != 0, 1] = -1  # task 1 labelled on a quarter
    est = TripletEmbedding(3, views=[12, 10], max_iter=30, random_state=0).fit(X, y_part)
    [np.testing.assert_array_equal(c, e) for c, e in zip(est.classes_, [[0, 1, 2], [0, 1]])]
    # Measured on all rows, including those unlabelled in training.
    assert _cross_view_knn_accuracy(est, X, y[:, 1]) > 0.75


def test_one_d_minus_one_is_unlabelled():
    X, y = _three_class_data()
    y = y.copy()
    y[::2] = -1
    est = TripletEmbedding(2, views=[5, 4], max_iter=2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(est.classes_[0], [0, 1, 2])
    # String labels have no unlabelled marker: "-1" is a class.
    est.fit(X, np.where(y == -1, "-1", "a"))
    np.testing.assert_array_equal(est.classes_[0], ["-1", "a"])
    est.fit(X)
    assert not hasattr(est, "classes_")


def test_bad_task_labels_name_the_column():
    X, y = _two_factor_data(n=60)
    y = y.copy()
    y[:, 1] = np.where(y[:, 1] == 1, -1, 0)
    with pytest.raises(ValueError, match=r"y column 1 \(task 1\) has 1 labelled class"):
        TripletEmbedding(views=[12, 10], max_iter=1).fit(X, y)
    y[:, 1] = -1
    with pytest.raises(ValueError, match=r"y column 1 \(task 1\) has 0 labelled classes"):
        TripletEmbedding(views=[12, 10], max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="y has 0 labelled classes"):
        TripletEmbedding(views=[12, 10], max_iter=1).fit(X, -np.ones(60))
    with pytest.raises(ValueError, match=r"task_weights must hold 2 finite non-negative"):
        TripletEmbedding(views=[12, 10], max_iter=1, task_weights=[1.0]).fit(
            X, np.abs(y) + np.arange(60)[:, None] % 2)
    with pytest.raises(ValueError, match=r"task_weights must hold 1 finite"):
        TripletEmbedding(views=[12, 10], max_iter=1, task_weights=[1.0, -1.0]).fit(
            X, np.arange(60) % 2)


def test_task_labels_on_an_array_api_device():
    xp = pytest.importorskip("array_api_strict")
    X, y = _two_factor_data(n=60)
    y = y.copy()
    y[::4, 1] = -1
    dev = xp.Device("device1")
    Xs = xp.asarray(X, device=dev)
    est = TripletEmbedding(2, views=[12, 10], max_iter=3, random_state=0)
    Z = est.fit(Xs, xp.asarray(y, device=dev)).transform(Xs)
    ref = TripletEmbedding(2, views=[12, 10], max_iter=3, random_state=0).fit(X, y)
    assert Z.device == dev
    Z_np = np.asarray(xp.asarray(Z, device=xp.Device("CPU_DEVICE")))
    np.testing.assert_allclose(Z_np, ref.transform(X), rtol=1e-12, atol=1e-14)
