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
