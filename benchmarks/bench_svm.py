"""One kernel per view: MultiKernelSVC against single views, the concatenation and late fusion.

Two data sets, each on a stratified half split (``random_state=0``), every
SVM with ``C=10``:

- ``uci_mfeat``: 2,000 handwritten digits, 6 views (649 columns); one RBF
  kernel per view with ``gamma="scale"`` on the raw features (the per-view
  scale adapts to each view; standardising every column first gave 0.985 /
  0.986 instead of 0.987 / 0.992). scikit-learn's SVC on the concatenation
  gets standardised columns, its best setting.
- ``ucm_captions``: 2,100 aerial images with 5 captions each; the image view
  is a dense-SIFT bag of visual words (``SIFTBoVW``, 200 words, codebook
  learned on the training images only), the text view TF-IDF of the captions;
  chi2 kernel (``gamma="scale"``: 1 / mean chi2 distance) on the images, linear
  on the text.

For each: the best single view (scikit-learn ``SVC`` on that view alone),
scikit-learn ``SVC`` (rbf) on the concatenated views, a hand-made sum of the
per-view kernels fed to ``SVC(kernel="precomputed")``, ``MultiKernelSVC``
with uniform, alignment (alignf) and EasyMKL weights, and ``LateFusionClassifier``
(stacking of per-view SVCs). Times are fit + predict, median of repeats, and
the floor is the per-view kernel computation alone (train x train and
test x train), measured in the same run.

Run from the repository root::

    SKMM_DATA_HOME=/path/to/data python benchmarks/bench_svm.py

The UCM image features are cached (``SKMM_BENCH_CACHE``, default a folder in
the system temp directory). Writes ``benchmarks/results/svm.md``.
"""

import functools
import os
import platform
import tempfile
import time
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import additive_chi2_kernel, chi2_kernel, rbf_kernel
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skmm.datasets import load_mfeat, load_ucm_captions
from skmm.feature_extraction import SIFTBoVW
from skmm.fusion import LateFusionClassifier
from skmm.svm import MultiKernelSVC, ViewKernel
from skmm.utils import get_namespace
from skmm.utils._pairwise import pairwise_kernel

print = functools.partial(print, flush=True)  # noqa: A001 (progress lines in logs)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "svm.md"
CACHE = Path(os.environ.get("SKMM_BENCH_CACHE", Path(tempfile.gettempdir()) / "skmm_bench"))
C = 10.0
REPEATS = 3
SEED = 0


def timed(fn, repeats=REPEATS):
    """Median wall time of ``fn()`` over repeats, and its last result."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def fit_score(model, Xtr, ytr, Xte, yte):
    def run():
        m = model.fit(Xtr, ytr)
        return m, float(np.mean(m.predict(Xte) == yte))
    t, (m, acc) = timed(run)
    return acc, t, m


def precomputed_score(kernel_fn, Xtr, ytr, Xte, yte):
    """SVC(kernel="precomputed") on a hand-made kernel; time includes the kernels."""
    def run():
        svc = SVC(kernel="precomputed", C=C).fit(kernel_fn(Xtr, Xtr), ytr)
        return float(np.mean(svc.predict(kernel_fn(Xte, Xtr)) == yte))
    t, acc = timed(run)
    return acc, t


def mfeat():
    data = load_mfeat()
    X, y, views = data.data, data.target, data.views
    tr, te = train_test_split(np.arange(len(y)), test_size=0.5, stratify=y, random_state=SEED)
    Xtr, Xte = X[tr], X[te]
    bounds = np.cumsum([0, *views.values()])
    cols = {v: slice(a, b) for v, a, b in zip(views, bounds[:-1], bounds[1:])}

    def gamma(v):
        return 1.0 / (Xtr[:, cols[v]].shape[1] * Xtr[:, cols[v]].var())

    def hand_sum(A, B):
        return sum(rbf_kernel(A[:, c], B[:, c], gamma=gamma(v)) for v, c in cols.items())

    def floor(A, B):
        return [A[:, c] @ B[:, c].T for c in cols.values()]

    singles = {v: fit_score(make_pipeline(StandardScaler(), SVC(C=C)), Xtr[:, c], y[tr],
                            Xte[:, c], y[te])[:2]
               for v, c in cols.items()}
    return dict(name="uci_mfeat", n=(len(tr), len(te)), views=views, Xtr=Xtr, Xte=Xte,
                ytr=y[tr], yte=y[te], singles=singles, hand_sum=hand_sum, floor=floor,
                kernel="rbf", late=make_pipeline(StandardScaler(), SVC(C=C)),
                concat=make_pipeline(StandardScaler(), SVC(C=C)),
                concat_note="rbf, gamma='scale', standardised columns")


def ucm():
    data = load_ucm_captions()
    frame, y = data.frame, data.target
    tr, te = train_test_split(np.arange(len(y)), test_size=0.5, stratify=y, random_state=SEED)
    CACHE.mkdir(parents=True, exist_ok=True)
    cache = CACHE / f"ucm_bovw200_{len(y)}_split{SEED}.joblib"
    if cache.exists():
        Htr, Hte, t_bovw = joblib.load(cache)
    else:
        print(f"extracting SIFT bag of words for {len(y)} images (cached in {cache})")
        t0 = time.perf_counter()
        bovw = SIFTBoVW(n_clusters=200, step=8, patch_size=16, max_side=128,
                        codebook_sample=50_000, random_state=SEED)
        Htr = bovw.fit_transform(list(frame.image.iloc[tr]))
        Hte = bovw.transform(list(frame.image.iloc[te]))
        t_bovw = time.perf_counter() - t0
        joblib.dump((Htr, Hte, t_bovw), cache)
    tfidf = TfidfVectorizer(sublinear_tf=True).fit(frame.text.iloc[tr])
    Ttr = tfidf.transform(frame.text.iloc[tr]).toarray()
    Tte = tfidf.transform(frame.text.iloc[te]).toarray()
    Xtr, Xte = np.hstack([Htr, Ttr]), np.hstack([Hte, Tte])
    views = {"image": Htr.shape[1], "text": Ttr.shape[1]}
    img, txt = slice(0, Htr.shape[1]), slice(Htr.shape[1], Xtr.shape[1])
    g_img = 1.0 / np.mean(-additive_chi2_kernel(Htr))  # 1 / mean chi2 distance

    def hand_sum(A, B):
        Ki = chi2_kernel(A[:, img], B[:, img], gamma=g_img)
        Kt = A[:, txt] @ B[:, txt].T
        return Ki + Kt / np.mean(np.sum(Xtr[:, txt] ** 2, axis=1))

    def floor(A, B):
        # the chi2 terms are an n x m x d pass; a GEMM is the dense floor of the text view
        return [A[:, img] @ B[:, img].T, A[:, txt] @ B[:, txt].T]

    # the chi2 kernel of the training images: skmm's array-API path vs sklearn's Cython
    t_skmm, _ = timed(lambda: pairwise_kernel(get_namespace(Htr), Htr, kernel="chi2",
                                              gamma=g_img))
    t_sk, _ = timed(lambda: chi2_kernel(Htr, gamma=g_img))
    note = (f"- chi2 kernel of the {len(Htr)} training histograms ({Htr.shape[1]} bins): "
            f"skmm.utils._pairwise {t_skmm:.2f} s, sklearn chi2_kernel {t_sk:.2f} s "
            f"({t_skmm / t_sk:.1f}x): this kernel is most of MultiKernelSVC's time here.")

    singles = {
        "image": precomputed_score(lambda A, B: chi2_kernel(A, B, gamma=g_img),
                                   Htr, y[tr], Hte, y[te]),
        "text": fit_score(SVC(kernel="linear", C=C), Ttr, y[tr], Tte, y[te])[:2],
    }
    return dict(name="ucm_captions", n=(len(tr), len(te)), views=views, Xtr=Xtr, Xte=Xte,
                ytr=y[tr], yte=y[te], singles=singles, hand_sum=hand_sum, floor=floor,
                kernel=[("image", ViewKernel("chi2")), ("text", "linear")],
                late=SVC(C=C), concat=SVC(C=C), concat_note="rbf, gamma='scale'",
                bovw_time=t_bovw, note=note)


def run(ds):
    Xtr, Xte, ytr, yte, views = ds["Xtr"], ds["Xte"], ds["ytr"], ds["yte"], ds["views"]
    rows = []
    t_floor, _ = timed(lambda: (ds["floor"](Xtr, Xtr), ds["floor"](Xte, Xtr)))
    for v, (acc, t) in ds["singles"].items():
        rows.append((f"single view `{v}` (sklearn SVC)", acc, t, ""))
    acc, t, _ = fit_score(ds["concat"], Xtr, ytr, Xte, yte)
    rows.append((f"sklearn SVC on the concatenation ({ds['concat_note']})", acc, t, ""))
    t_sk = t
    acc, t = precomputed_score(ds["hand_sum"], Xtr, ytr, Xte, yte)
    rows.append(("hand-made kernel sum + SVC(kernel='precomputed')", acc, t, ""))
    for weights in ("uniform", "alignment", "easymkl"):
        model = MultiKernelSVC(kernel=ds["kernel"], views=views, weights=weights, C=C)
        acc, t, m = fit_score(model, Xtr, ytr, Xte, yte)
        w = ", ".join(f"{v} {x:.2f}" for v, x in zip(m.view_names_, m.kernel_weights_))
        rows.append((f"**MultiKernelSVC** weights='{weights}'", acc, t, w))
        print(f"  {ds['name']} {weights}: acc {acc:.4f} in {t:.2f} s; weights {w}")
        if weights == "uniform":
            t_uniform = t
    late = LateFusionClassifier(ds["late"], views=views, fusion="stacking", cv=5,
                                final_estimator=LogisticRegression(max_iter=2000))
    acc, t, _ = fit_score(late, Xtr, ytr, Xte, yte)
    rows.append(("LateFusionClassifier(SVC, fusion='stacking')", acc, t, ""))
    return rows, t_floor, t_uniform, t_sk


def main():
    lines = [
        "# One kernel per view: MultiKernelSVC (`benchmarks/bench_svm.py`)",
        "",
        f"Hardware: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}. "
        "Timings were taken **under load** (the machine was shared with other agents "
        f"at the time); each is the median of {REPEATS} repeats of fit + predict. "
        f"Stratified half split (random_state={SEED}); C={C:g} for every SVM.",
        "",
    ]
    for make in (mfeat, ucm):
        ds = make()
        print(f"{ds['name']}: train {ds['n'][0]}, test {ds['n'][1]}, views {ds['views']}")
        rows, t_floor, t_uniform, t_sk = run(ds)
        best = max(acc for _, (acc, _) in ds["singles"].items())
        lines += [
            f"## {ds['name']} (train {ds['n'][0]}, test {ds['n'][1]}; views "
            f"{', '.join(f'{k} {v}' for k, v in ds['views'].items())})",
            "",
            "| model | test accuracy | fit + predict (s) | kernel weights |",
            "|---|---|---|---|",
        ]
        lines += [f"| {name} | {acc:.4f} | {t:.2f} | {w} |" for name, acc, t, w in rows]
        lines += [
            "",
            f"- Best single view: {best:.4f}. Floor (the per-view Gram GEMMs, train x train "
            f"+ test x train): {t_floor:.3f} s; MultiKernelSVC uniform is "
            f"{t_uniform / t_floor:.1f}x the floor and {t_uniform / t_sk:.2f}x sklearn SVC on "
            "the concatenation.",
        ]
        if "note" in ds:
            lines.append(ds["note"])
        if "bovw_time" in ds:
            lines.append(f"- SIFT bag of words for all images (not in the times above): "
                         f"{ds['bovw_time']:.0f} s, cached.")
        lines.append("")
    lines += [
        "## Reading",
        "",
        "- mfeat: learned weights beat uniform ones and every single view; alignment "
        "drops two views (pix, zer) whose kernels add nothing the others lack. "
        "DESIGN.md's reference (hand-made RBF sum 0.993, best single view 0.978) used "
        "other preprocessing; here the same hand-made sum gives the uniform result exactly.",
        "- UCM: the captions are templated, so text alone is already at 0.994 and no "
        "fusion can add to it; alignment gives the image kernel weight 0, EasyMKL a small "
        "one. The image view alone (200-word SIFT bag of words, chi2) reaches 0.65.",
        "- Time: on mfeat MultiKernelSVC costs about the same as sklearn's SVC on the "
        "concatenation; on UCM it is dominated by the chi2 kernel of "
        "skmm.utils._pairwise, several times slower than sklearn's Cython chi2_kernel "
        "(line above). EasyMKL solves one quadratic program per class (one-vs-rest), "
        "hence its extra seconds.",
        "",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
