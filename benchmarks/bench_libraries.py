"""skmm against scikit-learn, mvlearn and cca-zoo, measured side by side on real data.

    PYTHONPATH=. SKMM_DATA_HOME=<data> python benchmarks/bench_libraries.py [--quick]

Writes ``benchmarks/results/libraries.md`` (issue 13: the README feature table
filled with what was measured, not claimed). One run measures, for every
capability a reference library offers, the same data with the same
``n_components`` and the same regularisation:

1. CCA of two views: UCI mfeat ``fou`` + ``kar`` and Wikipedia image + text
   (fit time, held-out canonical correlations, their agreement with skmm;
   cross-modal retrieval MAP on Wikipedia's test split).
2. Multi-set CCA of the six mfeat views.
3. Kernel CCA (rbf) of mfeat ``fou`` + ``kar``.
4. Multi-view spectral clustering and multi-view k-means of mfeat (NMI).
5. Capabilities, checked by import and a call, and scikit-learn's
   ``check_estimator`` on each library's CCA.

Regularisation. skmm shrinks each view's covariance ``C`` (divided by
``n - 1``) to ``(1 - r) C + r tr(C)/d I``; cca-zoo to ``(1 - c) C + c I``;
mvlearn to ``(1 - c) X^T X + c I`` (kernel: ``(1 - c) K^2 + c K``). The same
problem is obtained with ``c / (1 - c) = s t r / (1 - r)``, ``t = tr(C)/d``
the view's mean variance and ``s`` 1 (cca-zoo) or ``n - 1`` (mvlearn);
:func:`identity_shrinkage` does this per view. scikit-learn's CCA (NIPALS)
and ``cca_zoo.linear.CCA`` have no regularisation: they are compared with
skmm at ``reg=0``.

A reference library that is not installed is skipped (its columns say so);
one that fails on this NumPy / scikit-learn is reported as ``fails: <error>``,
never patched.
"""

import argparse
import importlib
import inspect
import os
import pkgutil
import platform
import re
import sys
import time
import traceback
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.cluster import KMeans, SpectralClustering
from sklearn.metrics import normalized_mutual_info_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import skmm
from skmm.cluster import MultiViewKMeans, MultiViewSpectralClustering
from skmm.cross_decomposition import CCA, MCCA, KernelCCA
from skmm.datasets import load_mfeat, load_wikipedia_features
from skmm.metrics import mean_average_precision
from skmm.retrieval import pairwise_scores

REFERENCES = {"mvlearn": "mvlearn", "cca-zoo": "cca_zoo"}
SLOW_S = 5.0  # a first fit slower than this is not repeated
RESULTS = Path(__file__).parent / "results" / "libraries.md"
ERRORS = {}  # "fails: <class>" of the tables -> first line of the message, for the notes


# --------------------------------------------------------------------------- helpers


def reference_versions():
    """``{name: version}`` of the installed reference libraries, and what is missing."""
    found, missing = {}, {}
    for name, module in REFERENCES.items():
        try:
            found[name] = importlib.import_module(module).__version__
        except Exception as exc:  # not installed, or broken at import
            missing[name] = f"{type(exc).__name__}: {exc}"
    return found, missing


def error_label(exc):
    label = f"fails: {type(exc).__name__}"
    ERRORS.setdefault(label, str(exc).splitlines()[0][:240] if str(exc) else "")
    return label


def timed(fit, repeat):
    """Best of ``repeat`` calls of ``fit`` (one if the first is slow), and its result.

    Returns ``(seconds, result, error)``; ``error`` is ``"fails: <class>"``
    when ``fit`` raised.
    """
    best, result = np.inf, None
    for i in range(repeat):
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = fit()
        except Exception as exc:
            print("   ", "".join(traceback.format_exception_only(exc)).strip()[:300])
            return np.nan, None, error_label(exc)
        best = min(best, time.perf_counter() - t0)
        if best > SLOW_S:
            break
    return best, result, None


def paired_corr(A, B):
    """|corr| of each pair of columns (sign of a canonical pair is arbitrary)."""
    A = A - A.mean(0)
    B = B - B.mean(0)
    num = (A * B).sum(0)
    den = np.sqrt((A * A).sum(0) * (B * B).sum(0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(num / den)


def mean_pair_corr(Zs):
    """Per component, the mean over view pairs of |corr| (multi-set CCA)."""
    pairs = [paired_corr(Zs[i], Zs[j]) for i in range(len(Zs)) for j in range(i + 1, len(Zs))]
    return np.mean(pairs, axis=0)


def identity_shrinkage(r, views_train, scale):
    """Per view, the ``c`` of ``(1 - c) scale C + c I`` equal to skmm's ``reg=r``.

    ``views_train``: the training rows of each view, or (kernel CCA) ``(trace of C, d)``.
    """
    out = []
    for v in views_train:
        tr, d = v if isinstance(v, tuple) else (np.var(v, axis=0, ddof=1).sum(), v.shape[1])
        q = scale * (tr / d) * r / (1 - r)
        out.append(float(q / (1 + q)))
    return out


def split_views(X, views):
    starts = np.cumsum([0] + list(views.values()))
    return [X[:, a:b] for a, b in zip(starts[:-1], starts[1:])]


def fmt_t(t):
    return "—" if not np.isfinite(t) else f"{t:.3f}"


def fmt_rho(rho, k=3):
    return "—" if rho is None else ", ".join(f"{x:.3f}" for x in rho[:k])


def fmt_delta(a, b):
    """Largest |a - b| over the components both have (a library may return fewer)."""
    if a is None or b is None:
        return "—"
    m = min(len(a), len(b))
    d = np.abs(np.asarray(a[:m]) - np.asarray(b[:m]))
    note = "" if len(a) == len(b) else f" (first {m})"
    return ("nan" if np.isnan(d).any() else f"{d.max():.1e}") + note


def standardised_split(X, y, views, *, test_size=None, split=None, seed=0):
    """Train/test rows, each view standardised on the training rows."""
    if split is None:
        tr, te = train_test_split(np.arange(len(y)), test_size=test_size, stratify=y,
                                  random_state=seed)
    else:
        tr, te = np.flatnonzero(split == "train"), np.flatnonzero(split == "test")
    sc = StandardScaler().fit(X[tr])
    return sc.transform(X[tr]), sc.transform(X[te]), y[tr], y[te]


# --------------------------------------------------------------------------- 1. CCA


def cca_rows(Xtr, Xte, views, k, reg, have, repeat, ytr=None, yte=None):
    """One row per library; ``ref`` names the skmm row a row is compared with."""
    V = list(views.values())
    Vtr = split_views(Xtr, views)
    specs = [("skmm", f"CCA(reg={reg:g})", "reg",
              lambda: CCA(k, views=V, reg=reg).fit(Xtr),
              lambda m, X: [m.transform_view(x, i) for i, x in enumerate(split_views(X, views))]),
             ("skmm", "CCA(reg=0)", "zero",
              lambda: CCA(k, views=V, reg=0).fit(Xtr),
              lambda m, X: [m.transform_view(x, i) for i, x in enumerate(split_views(X, views))])]
    from sklearn.cross_decomposition import CCA as SkCCA

    specs.append(("scikit-learn", "CCA (NIPALS, no reg; max_iter=500)", "zero",
                  lambda: SkCCA(k, max_iter=500).fit(*Vtr),
                  lambda m, X: list(m.transform(*split_views(X, views)))))
    if "mvlearn" in have:
        from mvlearn.embed import CCA as MvCCA

        c_mv = identity_shrinkage(reg, Vtr, len(Xtr) - 1)
        specs.append(("mvlearn", f"embed.CCA(regs={c_mv[0]:.3g}, {c_mv[1]:.3g})", "reg",
                      lambda: MvCCA(k, regs=c_mv).fit(Vtr),
                      lambda m, X: m.transform(split_views(X, views))))
    if "cca-zoo" in have:
        from cca_zoo.linear import CCA as ZooCCA, RidgeCCA

        c_zoo = identity_shrinkage(reg, Vtr, 1)
        specs.append(("cca-zoo", "linear.CCA (no reg)", "zero",
                      lambda: ZooCCA(k).fit(Vtr),
                      lambda m, X: m.transform(split_views(X, views))))
        specs.append(("cca-zoo", f"linear.RidgeCCA(shrinkage={c_zoo[0]:.3g}, {c_zoo[1]:.3g})",
                      "reg", lambda: RidgeCCA(k, shrinkage=c_zoo).fit(Vtr),
                      lambda m, X: m.transform(split_views(X, views))))
    rows = []
    for lib, name, ref, fit, proj in specs:
        print(f"  {lib} {name}")
        t, model, err = timed(fit, repeat)
        row = dict(lib=lib, name=name, ref=ref, t=t, err=err, rho_tr=None, rho_te=None,
                   map_it=np.nan, map_ti=np.nan)
        if model is not None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    Ztr, Zte = proj(model, Xtr), proj(model, Xte)
                row["rho_tr"] = paired_corr(*Ztr)
                row["rho_te"] = paired_corr(*Zte)
                if yte is not None:  # cross-modal retrieval on the test split
                    S = pairwise_scores(Zte[0], Zte[1], metric="cosine")
                    row["map_it"] = mean_average_precision(yte, yte, S)
                    row["map_ti"] = mean_average_precision(yte, yte, S.T)
            except Exception as exc:
                print("    transform:", repr(exc)[:300])
                row["err"] = error_label(exc) + " (transform)"
        rows.append(row)
    return rows


def cca_table(rows, retrieval):
    refs = {r["ref"]: r for r in rows if r["lib"] == "skmm"}
    head = "| library | estimator | fit (s) | x skmm | test rho (1st 3) | max abs drho train " \
           "| max abs drho test |"
    sep = "|---|---|---|---|---|---|---|"
    if retrieval:
        head += " MAP img->txt | MAP txt->img |"
        sep += "---|---|"
    lines = [head, sep]
    for r in rows:
        ref = refs[r["ref"]]
        ratio = r["t"] / ref["t"] if np.isfinite(r["t"]) and np.isfinite(ref["t"]) else np.nan
        cells = [r["lib"], r["name"], r["err"] or fmt_t(r["t"]),
                 "—" if np.isnan(ratio) else f"{ratio:.1f}", fmt_rho(r["rho_te"]),
                 "(ref)" if r is ref else fmt_delta(r["rho_tr"], ref["rho_tr"]),
                 "(ref)" if r is ref else fmt_delta(r["rho_te"], ref["rho_te"])]
        if retrieval:
            cells += ["—" if np.isnan(r["map_it"]) else f"{r['map_it']:.4f}",
                      "—" if np.isnan(r["map_ti"]) else f"{r['map_ti']:.4f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


# --------------------------------------------------------------------------- 2. MCCA


def mcca_rows(Xtr, Xte, views, k, reg, have, repeat):
    V = list(views.values())
    Vtr = split_views(Xtr, views)
    specs = [("skmm", f"MCCA(reg={reg:g})",
              lambda: MCCA(k, views=V, reg=reg).fit(Xtr),
              lambda m, X: [m.transform_view(x, i) for i, x in enumerate(split_views(X, views))])]
    if "mvlearn" in have:
        from mvlearn.embed import MCCA as MvMCCA

        c_mv = identity_shrinkage(reg, Vtr, len(Xtr) - 1)
        specs.append(("mvlearn", "embed.MCCA(regs=mapped per view)",
                      lambda: MvMCCA(k, regs=c_mv).fit(Vtr),
                      lambda m, X: m.transform(split_views(X, views))))
    if "cca-zoo" in have:
        from cca_zoo.linear import MCCA as ZooMCCA

        c_zoo = identity_shrinkage(reg, Vtr, 1)
        specs.append(("cca-zoo", "linear.MCCA(shrinkage=mapped per view)",
                      lambda: ZooMCCA(k, shrinkage=c_zoo).fit(Vtr),
                      lambda m, X: m.transform(split_views(X, views))))
    rows = []
    for lib, name, fit, proj in specs:
        print(f"  {lib} {name}")
        t, model, err = timed(fit, repeat)
        row = dict(lib=lib, name=name, ref="reg", t=t, err=err, rho_tr=None, rho_te=None)
        if model is not None:
            row["rho_tr"] = mean_pair_corr(proj(model, Xtr))
            row["rho_te"] = mean_pair_corr(proj(model, Xte))
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- 3. KCCA


def kcca_rows(Xtr, Xte, views, k, reg, have, repeat):
    V = list(views.values())
    Vtr = split_views(Xtr, views)
    gammas = [1.0 / d for d in V]  # skmm's gamma=None, set explicitly for the others

    def proj_skmm(m, X):
        return [m.transform_view(x, i) for i, x in enumerate(split_views(X, views))]

    specs = [("skmm", f"KernelCCA(rbf, reg={reg:g}, exact)",
              lambda: KernelCCA(k, views=V, kernel="rbf", reg=reg).fit(Xtr), proj_skmm)]
    # The shrinkage target tr(C)/d of skmm is over its kernel PCA features.
    print("  (skmm fit for the regularisation map)")
    ref = KernelCCA(k, views=V, kernel="rbf", reg=reg).fit(Xtr)
    feats = [ref.feature_maps_[i].transform(x) for i, x in enumerate(Vtr)]
    tr_d = [(float(np.var(f, axis=0, ddof=1).sum()), f.shape[1]) for f in feats]
    if "mvlearn" in have:
        from mvlearn.embed import KMCCA

        c_mv = identity_shrinkage(reg, tr_d, len(Xtr) - 1)
        specs.append(("mvlearn", "embed.KMCCA(rbf, diag_mode='A', regs=mapped)",
                      lambda: KMCCA(k, kernel="rbf", regs=c_mv, diag_mode="A",
                                    kernel_params=[{"gamma": g} for g in gammas]).fit(Vtr),
                      lambda m, X: m.transform(split_views(X, views))))
    if "cca-zoo" in have:
        from cca_zoo.nonparametric import KCCA

        c_zoo = identity_shrinkage(reg, tr_d, 1)
        specs.append(("cca-zoo", f"nonparametric.KCCA(rbf, shrinkage={c_zoo[0]:.3g}, "
                      f"{c_zoo[1]:.3g})",
                      lambda: KCCA(k, kernel="rbf", gamma=gammas, shrinkage=c_zoo).fit(Vtr),
                      lambda m, X: m.transform(split_views(X, views))))
    rows = []
    for lib, name, fit, proj in specs:
        print(f"  {lib} {name}")
        t, model, err = timed(fit, repeat)
        row = dict(lib=lib, name=name, ref="reg", t=t, err=err, rho_tr=None, rho_te=None)
        if model is not None:
            row["rho_tr"] = paired_corr(*proj(model, Xtr))
            row["rho_te"] = paired_corr(*proj(model, Xte))
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- 4. clustering


def cluster_rows(X, y, views, have, repeat):
    Xs = StandardScaler().fit_transform(X)
    Vs = split_views(Xs, views)
    V = list(views.values())
    two = {n: views[n] for n in ("fou", "kar")}
    X2 = load_mfeat(views=list(two)).data  # fou and kar, side by side
    X2s = StandardScaler().fit_transform(X2)
    V2s = split_views(X2s, two)
    k, seed = 10, 0
    specs = [
        ("spectral, 6 views", "skmm", "MultiViewSpectralClustering (defaults: kNN(10) graph of "
         "the product of view affinities)",
         lambda: MultiViewSpectralClustering(k, views=V, random_state=seed).fit_predict(X)),
        ("spectral, 6 views", "scikit-learn", "SpectralClustering kNN(10), std. concatenation",
         lambda: SpectralClustering(k, affinity="nearest_neighbors", n_neighbors=10,
                                    random_state=seed).fit_predict(Xs)),
        ("k-means, 6 views", "skmm", "MultiViewKMeans (joint, n_init=10)",
         lambda: MultiViewKMeans(k, views=V, random_state=seed).fit_predict(X)),
        ("k-means, 6 views", "scikit-learn", "KMeans(n_init=10), std. concatenation",
         lambda: KMeans(k, n_init=10, random_state=seed).fit_predict(Xs)),
        ("k-means, 2 views (fou+kar)", "skmm", "MultiViewKMeans (joint, n_init=10)",
         lambda: MultiViewKMeans(k, views=list(two.values()), random_state=seed)
         .fit_predict(X2)),
        ("k-means, 2 views (fou+kar)", "skmm", "MultiViewKMeans (co-em, n_init=10)",
         lambda: MultiViewKMeans(k, views=list(two.values()), algorithm="co-em",
                                 random_state=seed).fit_predict(X2)),
        ("k-means, 2 views (fou+kar)", "scikit-learn", "KMeans(n_init=10), std. concatenation",
         lambda: KMeans(k, n_init=10, random_state=seed).fit_predict(X2s)),
    ]
    if "mvlearn" in have:
        from mvlearn.cluster import MultiviewKMeans, MultiviewSpectralClustering

        specs.insert(1, ("spectral, 6 views", "mvlearn",
                         "MultiviewSpectralClustering kNN(10), std. views, max_iter=10",
                         lambda: MultiviewSpectralClustering(
                             k, affinity="nearest_neighbors", n_neighbors=10, n_init=10,
                             random_state=seed).fit_predict(Vs)))
        # mvlearn's check_Xs(enforce_views=2) does not raise: it runs on Xs[0], Xs[1]
        specs.insert(4, ("k-means, 6 views", "mvlearn", "MultiviewKMeans (co-EM, n_init=10), "
                         "given 6 views: no error, but it uses only the first two (fou, fac)",
                         lambda: MultiviewKMeans(k, n_init=10, random_state=seed)
                         .fit_predict(Vs)))
        specs.append(("k-means, 2 views (fou+kar)", "mvlearn",
                      "MultiviewKMeans (co-EM, n_init=10), std. views",
                      lambda: MultiviewKMeans(k, n_init=10, random_state=seed).fit_predict(V2s)))
    rows = []
    for task, lib, name, fit in specs:
        print(f"  {task}: {lib} {name}")
        t, labels, err = timed(fit, repeat)
        nmi = np.nan if labels is None else normalized_mutual_info_score(y, labels)
        rows.append(dict(task=task, lib=lib, name=name, t=t, err=err, nmi=nmi))
    return rows


# --------------------------------------------------------------------------- 5. capabilities


def _public_names(package):
    """Public names of every importable public module of ``package`` (tests skipped)."""
    pkg = importlib.import_module(package)
    names = {n for n in dir(pkg) if not n.startswith("_")}
    for info in pkgutil.walk_packages(pkg.__path__, package + "."):
        parts = info.name.split(".")
        if any(p.startswith("_") or p in ("tests", "test", "conftest") for p in parts[1:]):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mod = importlib.import_module(info.name)
        except Exception:  # optional deep-learning backends and the like
            continue
        names |= {n for n in dir(mod) if not n.startswith("_")}
    return names


def _imports_module(package, module):
    """Does the package's (non-test) source import ``module``?"""
    root = Path(importlib.import_module(package).__file__).parent
    pat = re.compile(rf"^\s*(import {module}\b|from {module}\b)", re.M)
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "externals" in path.parts:  # vendored code
            continue
        if pat.search(path.read_text(errors="ignore")):
            return True
    return False


CAPABILITY_PATTERNS = {
    "SIFT bag of visual words": r"sift|bovw|visual_?words?",
    "MFCC (audio features)": r"mfcc",
    "cross-modal retrieval index": r"retriev",
    "retrieval scorer for GridSearchCV": r"retrieval_?scor|mean_average_precision",
    "cross-modal hashing": r"itq|cmfh|cross_?modal_?hash|correlation_?hash",
}


def skmm_capabilities():
    """Each capability of skmm, imported and called once on tiny input."""
    rng = np.random.default_rng(0)
    out = {}

    def check(label, call):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[label] = "yes: " + call()
        except Exception as exc:
            out[label] = error_label(exc)

    def sift():
        from skmm.feature_extraction import SIFTBoVW

        imgs = [rng.integers(0, 256, (48, 48), dtype=np.uint8) for _ in range(4)]
        return f"SIFTBoVW -> {SIFTBoVW(n_clusters=8, random_state=0).fit_transform(imgs).shape}"

    def mfcc():
        from skmm.feature_extraction import mfcc as f

        return f"mfcc -> {f(np.sin(np.arange(8000) / 5.0), 8000).shape}"

    Z = rng.standard_normal((200, 8))
    X = np.hstack([Z + 0.1 * rng.standard_normal((200, 8)), Z @ rng.standard_normal((8, 10))])
    y = rng.integers(0, 3, 200)

    def retriever():
        from skmm.retrieval import CrossModalRetriever

        CrossModalRetriever(CCA(2, views=[8, 10])).fit(X).query(X[:5, :8], k=3)
        return "CrossModalRetriever.query (exact top-k, block-wise)"

    def scorer():
        from sklearn.model_selection import GridSearchCV

        from skmm.retrieval import make_retrieval_scorer

        gs = GridSearchCV(CCA(views=[8, 10]), {"n_components": [1, 2]}, cv=2,
                          scoring=make_retrieval_scorer("map")).fit(X, y)
        return f"make_retrieval_scorer in GridSearchCV (best {gs.best_params_})"

    def hashing():
        from skmm.hashing import CCAITQ, CMFH, SemanticCorrelationHashing  # noqa: F401

        codes = CCAITQ(n_bits=8, views=[8, 10], random_state=0).fit(X).transform_view(X[:, 8:], 1)
        return f"CCAITQ codes {codes.shape} {codes.dtype}; CMFH, SemanticCorrelationHashing"

    def device():
        ok = "device" in inspect.signature(CCA).parameters
        CCA(2, views=[8, 10], device="cpu").fit(X)
        # the GPU branch needs CuPy and a device; the switch itself is what is checked here
        return "CCA(device='cpu'|'gpu'|'auto'), fitted with device='cpu'" if ok else \
            "no device parameter"

    def dask():
        import dask.array as da

        a = CCA(2, views=[8, 10]).fit(da.from_array(X, chunks=50)).canonical_correlations_
        b = CCA(2, views=[8, 10]).fit(X).canonical_correlations_
        return f"CCA.fit(dask array) == NumPy fit: {np.allclose(a, b)}"

    check("SIFT bag of visual words", sift)
    check("MFCC (audio features)", mfcc)
    check("cross-modal retrieval index", retriever)
    check("retrieval scorer for GridSearchCV", scorer)
    check("cross-modal hashing", hashing)
    check("GPU device switch", device)
    check("Dask fit", dask)
    return out


def reference_capabilities(package, cca_cls):
    names = _public_names(package)
    out = {}
    for label, pat in CAPABILITY_PATTERNS.items():
        hits = sorted(n for n in names if re.search(pat, n, re.I))
        out[label] = ("yes: " + ", ".join(hits[:4])) if hits else "no"
    if cca_cls is None:
        out["GPU device switch"] = "—"
    else:
        dev = "device" in inspect.signature(cca_cls).parameters
        try:
            from sklearn.utils import get_tags

            api = get_tags(cca_cls()).array_api_support
        except Exception as exc:
            api = error_label(exc)
        out["GPU device switch"] = ("yes" if dev else "no `device` parameter") + \
            f"; CCA takes array-API (GPU) input under sklearn's array_api_dispatch: {api}"
    out["Dask fit"] = "source imports dask" if _imports_module(package, "dask") else \
        "no: the source never imports dask (vendored array-api-compat aside)"
    return out


def estimator_check_counts(est):
    """``(failed, run, failed names, note)`` of scikit-learn's check_estimator."""
    from sklearn.utils import get_tags
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = check_estimator(est, on_fail=None, on_skip=None)
        except Exception as exc:  # the generator itself cannot handle the estimator
            return None, None, [error_label(exc)], "check_estimator raised before any check"
        try:
            two_d = get_tags(est).input_tags.two_d_array
        except Exception:
            two_d = True
    failed = [r["check_name"] for r in res if r["status"] == "failed"]
    # a check run twice (e.g. on read-only memmaps) is listed once, with its count
    failed_names = [n + (f" (x{failed.count(n)})" if failed.count(n) > 1 else "")
                    for n in dict.fromkeys(failed)]
    skipped = sum(r["status"] == "skipped" for r in res)
    note = f"{skipped} skipped" if skipped else ""
    if not two_d:
        note = ("its tags declare no 2-D `X` input (views as a list), so only "
                "`check_estimator_cloneable` runs")
    return len(failed), len(res), failed_names, note


# --------------------------------------------------------------------------- main


def main(quick=False):
    threadpool_limits(1)  # one BLAS thread for every library alike
    repeat = 1 if quick else 3
    have, missing = reference_versions()
    for name, why in missing.items():
        print(f"{name} is not installed ({why}): its column is skipped.")
    out = []

    # 1. CCA, two views --------------------------------------------------------
    k, reg = 10, 1e-3
    print("CCA mfeat fou+kar")
    mf = load_mfeat(views=["fou", "kar"])
    Xtr, Xte, _, _ = standardised_split(mf.data, mf.target, mf.views, test_size=0.5)
    rows_mf = cca_rows(Xtr, Xte, mf.views, k, reg, have, repeat)
    print("CCA wikipedia image+text")
    wk = load_wikipedia_features()
    Wtr, Wte, ytr, yte = standardised_split(wk.data, wk.target, wk.views, split=wk.split)
    rows_wk = cca_rows(Wtr, Wte, wk.views, k, reg, have, repeat, ytr, yte)

    # 2. MCCA ------------------------------------------------------------------
    print("MCCA mfeat 6 views")
    m6 = load_mfeat()
    Mtr, Mte, _, _ = standardised_split(m6.data, m6.target, m6.views, test_size=0.5)
    k_m = 5  # the "mor" view has 6 columns
    rows_m = mcca_rows(Mtr, Mte, m6.views, k_m, reg, have, repeat)

    # 3. Kernel CCA -------------------------------------------------------------
    print("KCCA mfeat fou+kar")
    reg_k = 0.1
    rows_k = kcca_rows(Xtr, Xte, mf.views, k, reg_k, have, repeat)

    # 4. clustering -------------------------------------------------------------
    print("clustering mfeat")
    rows_c = cluster_rows(m6.data, m6.target, m6.views, have, repeat)

    # 5. capabilities and estimator checks -------------------------------------
    print("capabilities")
    caps = {"skmm": skmm_capabilities()}
    from sklearn.cross_decomposition import CCA as SkCCA

    caps["scikit-learn"] = reference_capabilities("sklearn", SkCCA)
    cca_classes = {"skmm": CCA, "scikit-learn": SkCCA}
    if "mvlearn" in have:
        from mvlearn.embed import CCA as MvCCA

        caps["mvlearn"] = reference_capabilities("mvlearn", MvCCA)
        cca_classes["mvlearn"] = MvCCA
    if "cca-zoo" in have:
        from cca_zoo.linear import CCA as ZooCCA

        caps["cca-zoo"] = reference_capabilities("cca_zoo", ZooCCA)
        cca_classes["cca-zoo"] = ZooCCA
    print("estimator checks")
    checks = {}
    for lib, cls in cca_classes.items():
        print(" ", lib)
        checks[lib] = estimator_check_counts(cls(n_components=1))

    # ------------------------------------------------------------------ report
    libs = ["skmm", "scikit-learn"] + [n for n in REFERENCES if n in have]
    versions = {"skmm": skmm.__version__, "scikit-learn": sklearn.__version__, **have}
    # the command exactly as run (the interpreter is a venv holding the reference libraries)
    cmd = " ".join(f"{v}={os.environ[v]}" for v in ("PYTHONPATH", "SKMM_DATA_HOME")
                   if v in os.environ)
    cmd += f" {sys.executable} benchmarks/bench_libraries.py{' --quick' if quick else ''}"
    out += [
        "# skmm against scikit-learn, mvlearn and cca-zoo (`bench_libraries.py`)",
        "",
        f"Command: `{cmd.strip()}`",
        f"Versions: Python {platform.python_version()}, NumPy {np.__version__}, "
        + ", ".join(f"{n} {v}" for n, v in versions.items()) + ".",
    ]
    if missing:
        out.append("Not installed, skipped: " + ", ".join(missing) + ".")
    out += [
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        "one BLAS thread for every library. **Timings were taken on a machine shared with "
        f"other jobs** (1-min load average {os.getloadavg()[0]:.1f} at the end of the run): "
        "compare the ratios within a table, not seconds across runs.",
        f"Times: best of {repeat} fits (one fit when the first took over {SLOW_S:.0f} s); "
        "`x skmm`: time / the skmm row with the same regularisation.",
        "Data: real. Each view standardised on the training rows. mfeat: 2,000 digits, "
        "stratified half/half train/test split (seed 0). Wikipedia: the published split "
        "(2,173 train / 693 test), image = 128-d SIFT BoW, text = 10-d LDA topics.",
        "Regularisation (see the module docstring): skmm `reg=r` shrinks each view's "
        "covariance to `(1-r) C + r tr(C)/d I`; the mvlearn and cca-zoo values are mapped "
        "per view to the same problem. scikit-learn CCA and `cca_zoo.linear.CCA` have no "
        "regularisation and are compared with skmm at `reg=0`.",
        "`drho`: the canonical correlations (|corr| of each pair of projections, per "
        "component) minus skmm's, max over components; small values mean the same solution.",
        "",
        f"## 1. CCA, two views (n_components={k}, reg={reg:g})",
        "",
        "### UCI mfeat `fou` (76) + `kar` (64), 1,000 train / 1,000 test",
        "",
    ]
    out += cca_table(rows_mf, retrieval=False)
    out += ["", "### Wikipedia image (128) + text (10), cross-modal retrieval on the test split",
            "", "MAP: `skmm.metrics.mean_average_precision` over all 693 test queries "
            "against the 693 test items of the other modality, cosine scores of the "
            f"{k}-component test projections, relevant = same category.", ""]
    out += cca_table(rows_wk, retrieval=True)
    out += ["", f"## 2. Multi-set CCA, the six mfeat views (n_components={k_m}, reg={reg:g})",
            "", "rho: per component, the mean over the 15 view pairs of |corr|.", ""]
    out += cca_table(rows_m, retrieval=False)
    out += ["", f"## 3. Kernel CCA, rbf, mfeat `fou` + `kar` (n_components={k}, reg={reg_k:g})",
            "", "Exact kernel CCA on the 1,000 training rows; gamma = 1/n_features per view "
            "for every library; rho measured on the 1,000 test rows.", ""]
    out += cca_table(rows_k, retrieval=False)
    out += ["", "## 4. Clustering of mfeat (10 clusters, NMI against the digit labels, "
            "random_state=0)", "",
            "mvlearn's `MultiviewKMeans` handles two views only (given six, it silently "
            "clusters the first two), hence the 2-view rows (`fou` + `kar`). Times of the "
            "k-means rows include their `n_init=10` restarts.", "",
            "| task | library | estimator | NMI | fit (s) | x skmm |", "|---|---|---|---|---|---|"]
    skmm_t = {}
    for r in rows_c:
        if r["lib"] == "skmm":
            skmm_t.setdefault(r["task"], r["t"])
    for r in rows_c:
        base = skmm_t.get(r["task"], np.nan)
        ratio = r["t"] / base if np.isfinite(r["t"]) and np.isfinite(base) else np.nan
        nmi = "—" if np.isnan(r["nmi"]) else f"{r['nmi']:.3f}"
        ratio = "—" if np.isnan(ratio) else f"{ratio:.1f}"
        out.append(f"| {r['task']} | {r['lib']} | {r['name']} | {nmi} | "
                   f"{r['err'] or fmt_t(r['t'])} | {ratio} |")
    out += ["", "## 5. Capabilities (checked by import and a call, not claimed)", "",
            "skmm: each capability imported and called once on tiny input. Reference "
            "libraries: every importable public module was imported and its public names "
            "searched for the capability (names found are listed); GPU: a `device` parameter "
            "on the CCA class and its array-API tag; Dask: whether the source imports dask.",
            "", "| capability | " + " | ".join(libs) + " |",
            "|---|" + "---|" * len(libs)]
    for label in caps["skmm"]:
        out.append(f"| {label} | " + " | ".join(caps[lib].get(label, "—") for lib in libs)
                   + " |")
    out += ["", "### scikit-learn's `check_estimator` on each library's CCA", "",
            "`check_estimator(CCA(n_components=1), on_fail=None)`: one component, as "
            "scikit-learn's own test suite sets for its CCA (the checks' `y` has one column).",
            "",
            "| library | failed / run | failed checks | note |", "|---|---|---|---|"]
    for lib in libs:
        failed, total, names, note = checks[lib]
        shown = ", ".join(names[:6]) + (f", ... ({len(names) - 6} more)" if len(names) > 6
                                         else "")
        out.append(f"| {lib} | {'—' if total is None else f'{failed} / {total}'} | "
                   f"{shown or 'none'} | {note} |")
    out += ["", "skmm's failures are the checks that special-case an estimator named "
            "`CCA` and feed it a 2-D `y` as the second view (scikit-learn's `fit(X, Y)`); skmm "
            "takes the views side by side in `X` and refuses a 2-D `y` on purpose; "
            "`tests/test_common.py` lists them as expected. mvlearn and cca-zoo take a list of "
            "views in `fit`, which the checks (one 2-D `X`) cannot feed: the checks do not "
            "apply to them by design (cca-zoo declares so in its tags; mvlearn 0.5 predates "
            "the tags API of scikit-learn >= 1.6 and `check_estimator` stops at once).", ""]
    if ERRORS:
        out += ["## Errors met (reported, not patched)", ""]
        out += [f"- `{label}`: {msg}" for label, msg in ERRORS.items()]
        out.append("")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(out))
    print("\n".join(out))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one fit per timing")
    main(**vars(ap.parse_args()))
    sys.exit(0)
