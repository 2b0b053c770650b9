"""MultiKernelSVC: values against sklearn's SVC, learned weights, tuning, bad input."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import minimize
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics.pairwise import chi2_kernel, rbf_kernel
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skmm.compose import MultiModalTransformer
from skmm.svm import MultiKernelSVC, ViewKernel
from skmm.svm._multikernel import alignment_weights


def _data(n=90, seed=0, n_classes=3):
    """Three views: histograms (class-dependent), a Gaussian view, and noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    hist = rng.random((n, 6)) + 0.8 * np.eye(n_classes, 6)[y]
    hist /= hist.sum(axis=1, keepdims=True)
    gauss = rng.normal(size=(n, 4)) + 1.2 * np.eye(n_classes, 4)[y]
    noise = rng.normal(size=(n, 3))
    return np.hstack([hist, gauss, noise]), y


VIEWS = {"hist": 6, "gauss": 4, "noise": 3}


def _blocks(X):
    return X[:, :6], X[:, 6:10], X[:, 10:]


def test_uniform_rbf_equals_svc_on_hand_made_kernel_sum():
    X, y = _data()
    Xt, _ = _data(seed=1)
    gammas = [2.0, 0.3, 0.5]
    kernel = [(name, ViewKernel("rbf", gamma=g)) for name, g in zip(VIEWS, gammas)]
    clf = MultiKernelSVC(kernel=kernel, views=VIEWS, C=3.0).fit(X, y)

    K = sum(rbf_kernel(A, gamma=g) for A, g in zip(_blocks(X), gammas))
    Kt = sum(rbf_kernel(A, B, gamma=g) for A, B, g in zip(_blocks(Xt), _blocks(X), gammas))
    ref = SVC(kernel="precomputed", C=3.0).fit(K, y)
    assert_allclose(clf.decision_function(Xt), ref.decision_function(Kt), atol=1e-8)
    assert_allclose(clf.kernel_weights_, 1.0)
    np.testing.assert_array_equal(clf.predict(Xt), ref.predict(Kt))
    np.testing.assert_array_equal(clf.classes_, ref.classes_)


def test_one_view_with_default_gamma_equals_svc_rbf_scale():
    # weight 0 on the other views: SVC(kernel="rbf", gamma="scale") on that view
    X, y = _data()
    Xt, _ = _data(seed=2)
    clf = MultiKernelSVC(views=VIEWS, weights=[0, 1, 0]).fit(X, y)
    ref = SVC().fit(X[:, 6:10], y)
    assert_allclose(clf.decision_function(Xt), ref.decision_function(Xt[:, 6:10]), atol=1e-8)
    assert clf.kernel_params_[1]["gamma"] == pytest.approx(1 / (4 * X[:, 6:10].var()))


def test_histogram_kernels_and_precomputed_view():
    X, y = _data()
    Xt, _ = _data(seed=3)
    hist, gauss = X[:, :6], X[:, 6:10]
    hist_t, gauss_t = Xt[:, :6], Xt[:, 6:10]
    inter = np.minimum(hist[:, None, :], hist[None, :, :]).sum(axis=2)
    inter_t = np.minimum(hist_t[:, None, :], hist[None, :, :]).sum(axis=2)
    clf = MultiKernelSVC(kernel=[("hist", ViewKernel("chi2", gamma=0.7)),
                                 ("gauss", "linear"), ("inter", "precomputed")],
                         views={"hist": 6, "gauss": 4, "inter": len(X)},
                         normalize=None).fit(np.hstack([hist, gauss, inter]), y)
    K = chi2_kernel(hist, gamma=0.7) + gauss @ gauss.T + inter
    Kt = chi2_kernel(hist_t, hist, gamma=0.7) + gauss_t @ gauss.T + inter_t
    ref = SVC(kernel="precomputed").fit(K, y)
    assert_allclose(clf.decision_function(np.hstack([hist_t, gauss_t, inter_t])),
                    ref.decision_function(Kt), atol=1e-8)


def test_trace_normalisation_and_chi2_scale():
    X, y = _data()
    hist, gauss = X[:, :6], X[:, 6:10]
    clf = MultiKernelSVC(kernel=[("hist", "chi2"), ("gauss", "linear"), ("noise", "poly")],
                         views=VIEWS).fit(X, y)
    d = -np.sum((hist[:, None] - hist[None]) ** 2 / (hist[:, None] + hist[None]), axis=2)
    assert clf.kernel_params_[0]["gamma"] == pytest.approx(1 / np.mean(-d))
    assert clf.kernel_scales_[0] == pytest.approx(1.0)
    assert clf.kernel_scales_[1] == pytest.approx(np.mean(np.sum(gauss**2, axis=1)))
    assert clf.kernel_params_[2] == {"kernel": "poly", "gamma": pytest.approx(
        1 / (3 * X[:, 10:].var())), "degree": 3, "coef0": 0.0}


def test_alignment_weights_solve_the_alignf_program():
    X, y = _data()
    grams = [rbf_kernel(A, gamma=g) for A, g in zip(_blocks(X), [2.0, 0.3, 0.5])]
    w, align = alignment_weights(grams, y)
    # the same quantities written with explicit n x n matrices
    n = len(y)
    H = np.eye(n) - 1.0 / n
    Kc = [H @ K @ H for K in grams]
    Ky = H @ (y[:, None] == y[None, :]).astype(float) @ H
    ref_align = [np.sum(K * Ky) / np.linalg.norm(K) / np.linalg.norm(Ky) for K in Kc]
    assert_allclose(align, ref_align, rtol=1e-10)

    def objective(c):
        return np.linalg.norm(sum(ci * K for ci, K in zip(c, Kc)) - Ky) ** 2

    ref = minimize(objective, np.ones(3), bounds=[(0, None)] * 3, method="L-BFGS-B",
                   options={"ftol": 1e-15, "gtol": 1e-12})
    assert_allclose(w, ref.x, atol=1e-5)
    # the noise view gets (almost) nothing; uniform-scaled weights sum to n_views
    clf = MultiKernelSVC(kernel=[(v, ViewKernel("rbf", gamma=g)) for v, g in
                                 zip(VIEWS, [2.0, 0.3, 0.5])],
                         views=VIEWS, weights="alignment").fit(X, y)
    assert_allclose(clf.kernel_weights_, 3 * w / w.sum())
    assert clf.kernel_weights_[2] < 0.1 * clf.kernel_weights_[:2].min()
    assert_allclose(clf.alignments_, align)


def test_grid_search_reaches_each_views_parameters():
    X, y = _data()
    pipe = Pipeline([("scale", "passthrough"),
                     ("mksvc", MultiKernelSVC(kernel=[("hist", ViewKernel("chi2")),
                                                      ("gauss", ViewKernel("rbf")),
                                                      ("noise", "linear")], views=VIEWS))])
    params = pipe.get_params()
    assert "mksvc__hist__gamma" in params and "mksvc__noise" in params
    grid = GridSearchCV(pipe, {"mksvc__hist__gamma": [0.1, 5.0],
                               "mksvc__noise": ["linear", ViewKernel("rbf", gamma=0.1)],
                               "mksvc__C": [1.0]}, cv=StratifiedKFold(3))
    grid.fit(X, y)
    best = grid.best_estimator_.named_steps["mksvc"]
    assert best.kernel_params_[0]["gamma"] == grid.best_params_["mksvc__hist__gamma"]
    # set_params does not leak into the original (clone copies the ViewKernels)
    est = pipe.named_steps["mksvc"]
    c = clone(est).set_params(hist__gamma=9.0)
    assert c.kernel[0][1].gamma == 9.0 and est.kernel[0][1].gamma is None


def test_calibrated_probabilities():
    X, y = _data()
    Xt, _ = _data(seed=4)
    gammas = [2.0, 0.3, 0.5]
    clf = MultiKernelSVC(kernel=[(v, ViewKernel("rbf", gamma=g)) for v, g in
                                 zip(VIEWS, gammas)], views=VIEWS)
    proba = CalibratedClassifierCV(clf, cv=3).fit(X, y).predict_proba(Xt)
    assert proba.shape == (len(Xt), 3)
    assert_allclose(proba.sum(axis=1), 1.0)
    # equals calibrating SVC on the hand-made kernel: scikit-learn slices a
    # precomputed kernel's rows and columns per fold, the skmm model rebuilds it
    K = sum(rbf_kernel(A, gamma=g) for A, g in zip(_blocks(X), gammas))
    Kt = sum(rbf_kernel(A, B, gamma=g) for A, B, g in zip(_blocks(Xt), _blocks(X), gammas))
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    ours = CalibratedClassifierCV(clf, cv=cv, ensemble=False).fit(X, y)
    ref = CalibratedClassifierCV(SVC(kernel="precomputed"), cv=cv, ensemble=False).fit(K, y)
    assert_allclose(ours.predict_proba(Xt), ref.predict_proba(Kt), atol=1e-8)


def test_binary_decision_is_1d():
    X, y = _data(n_classes=2)
    dec = MultiKernelSVC(views=VIEWS).fit(X, y).decision_function(X)
    assert dec.shape == (len(y),)


def test_after_multimodal_transformer_in_a_pipeline():
    rng = np.random.default_rng(0)
    y = np.arange(60) % 3
    records = {"a": rng.normal(size=60) + y, "b": rng.normal(size=60),
               "c": rng.normal(size=60) - y, "d": rng.normal(size=60) * y}
    mm = MultiModalTransformer([("left", StandardScaler(), ["a", "b"]),
                                ("right", StandardScaler(), ["c", "d"])])
    pipe = Pipeline([("views", mm), ("mksvc", MultiKernelSVC(views={"left": 2, "right": 2}))])
    pipe.fit(records, y)
    Z = StandardScaler().fit_transform(np.column_stack([records[k] for k in "abcd"]))
    ref = MultiKernelSVC(views=[2, 2]).fit(Z, y)
    assert_allclose(pipe.decision_function(records), ref.decision_function(Z), atol=1e-10)


# --- bad input ---------------------------------------------------------------
def test_bad_input_names_the_view():
    X, y = _data()
    with pytest.raises(ValueError, match=r"View widths \[6, 4, 4\] sum to 14, but X has 13"):
        MultiKernelSVC(views=[6, 4, 4]).fit(X, y)
    with pytest.raises(ValueError, match="unknown kernel 'chi3' for view 'gauss'"):
        MultiKernelSVC(kernel=[("hist", "chi2"), ("gauss", "chi3"), ("noise", "rbf")],
                       views=VIEWS).fit(X, y)
    with pytest.raises(ValueError, match=r"view 'gauss' has negative values \(first at row"):
        MultiKernelSVC(kernel="chi2", views=VIEWS).fit(np.abs(X) * np.r_[[1] * 6, [-1] * 7],
                                                        y)
    with pytest.raises(ValueError, match=r"names view\(s\) \['img'\] that X does not have"):
        MultiKernelSVC(kernel=[("img", "rbf"), ("gauss", "rbf"), ("noise", "rbf")],
                       views=VIEWS).fit(X, y)
    with pytest.raises(ValueError, match=r"`kernel` gives nothing for view\(s\) \['noise'\]"):
        MultiKernelSVC(kernel=[("hist", "rbf"), ("gauss", "rbf")], views=VIEWS).fit(X, y)
    with pytest.raises(ValueError, match="view 'hist' has gamma=-1"):
        MultiKernelSVC(kernel=[("hist", ViewKernel(gamma=-1)), ("gauss", "rbf"),
                               ("noise", "rbf")], views=VIEWS).fit(X, y)
    with pytest.raises(ValueError, match="at least two classes in y; got one class"):
        MultiKernelSVC(views=VIEWS).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match=r"one weight per view"):
        MultiKernelSVC(views=VIEWS, weights=[1, 1]).fit(X, y)
    with pytest.raises(ValueError, match="view 'sq' has kernel='precomputed'.*square"):
        MultiKernelSVC(kernel=[("a", "rbf"), ("sq", "precomputed")],
                       views={"a": 3, "sq": 10}).fit(X, y)
    with pytest.raises(ValueError, match="'additive_chi2' kernel of view 'hist' has a non-pos"):
        MultiKernelSVC(kernel=[("hist", "additive_chi2"), ("gauss", "rbf"), ("noise", "rbf")],
                       views=VIEWS).fit(X, y)


def test_negative_histogram_at_predict_names_the_view():
    X, y = _data()
    clf = MultiKernelSVC(kernel=[("hist", "chi2"), ("gauss", "rbf"), ("noise", "rbf")],
                         views=VIEWS).fit(X, y)
    Xt = X.copy()
    Xt[4, 2] = -0.5
    with pytest.raises(ValueError, match="view 'hist' has negative values"):
        clf.predict(Xt)
    with pytest.raises(ValueError, match="X has 12 features, but MultiKernelSVC is expecting 13"):
        clf.predict(X[:, :12])


def test_easymkl_weights_solve_its_quadratic_program():
    from scipy.optimize import minimize as sp_minimize

    from skmm.svm._multikernel import _easymkl_margin, easymkl_weights

    X, y = _data(n=40, n_classes=2)
    grams = [rbf_kernel(A, gamma=g) for A, g in zip(_blocks(X), [2.0, 0.3, 0.5])]
    K = sum(grams) / 3
    s = np.where(y == 1, 1.0, -1.0)
    lam = 0.1
    Q = (1 - lam) * np.outer(s, s) * K + lam * np.eye(len(s))
    pos = s > 0
    ref = sp_minimize(lambda g: g @ Q @ g, np.where(pos, 1 / pos.sum(), 1 / (~pos).sum()),
                      jac=lambda g: 2 * Q @ g, bounds=[(0, None)] * len(s), method="SLSQP",
                      constraints=[{"type": "eq", "fun": lambda g: g[pos].sum() - 1},
                                   {"type": "eq", "fun": lambda g: g[~pos].sum() - 1}],
                      options={"ftol": 1e-14, "maxiter": 500})
    g = _easymkl_margin(K, s, lam, 5000, 1e-12)
    assert g @ Q @ g == pytest.approx(ref.fun, rel=1e-7)
    assert_allclose(g, ref.x, atol=1e-4)
    d = np.array([(s * g) @ G @ (s * g) for G in grams])
    assert_allclose(easymkl_weights(grams, y, lam, tol=1e-10), d / d.sum(), rtol=1e-6)
    # through the estimator: rescaled to sum to n_views, noise view weighted least
    X3, y3 = _data()
    clf = MultiKernelSVC(views=VIEWS, weights="easymkl").fit(X3, y3)
    assert clf.kernel_weights_.sum() == pytest.approx(3)
    assert clf.kernel_weights_[2] == clf.kernel_weights_.min()


def test_no_aligned_view_warns_and_falls_back_to_uniform():
    X = np.hstack([np.ones((20, 1)), 2 * np.ones((20, 1))])  # constant kernels
    y = np.arange(20) % 2
    with pytest.warns(UserWarning, match="No view's kernel aligns with the labels"):
        clf = MultiKernelSVC(kernel="linear", views=[1, 1], weights="alignment").fit(X, y)
    assert_allclose(clf.kernel_weights_, [1.0, 1.0])
