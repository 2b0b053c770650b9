"""Benchmark: skmm CCA (closed form) against scikit-learn, cca-zoo, pyrcca and
the GEMM floor, in one run.

    python benchmarks/bench_cca.py [--quick]

Writes ``benchmarks/results/cca.md``. The floor is the covariance product
``X^T X`` (NumPy runs it as SYRK) on the same array; a closed-form CCA cannot
be cheaper than one pass of it.
"""

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

from skmm.cross_decomposition import CCA


def latent_views(n, d1, d2, k=10, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    rhos = np.linspace(0.95, 0.3, k)
    z1 = rng.normal(size=(n, k))
    z2 = rhos * z1 + np.sqrt(1 - rhos**2) * rng.normal(size=(n, k))
    X1 = np.c_[z1, rng.normal(size=(n, d1 - k))] @ (rng.normal(size=(d1, d1)) / np.sqrt(d1)
                                                     + np.eye(d1))
    X2 = np.c_[z2, rng.normal(size=(n, d2 - k))] @ (rng.normal(size=(d2, d2)) / np.sqrt(d2)
                                                     + np.eye(d2))
    return np.hstack([X1, X2]).astype(dtype)


def best_of(f, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def pair_corr(A, B):
    return np.array([np.corrcoef(A[:, j], B[:, j])[0, 1] for j in range(A.shape[1])])


def blas_name():
    try:
        cfg = np.show_config(mode="dicts")
        return cfg["Build Dependencies"]["blas"]["name"]
    except Exception:  # pragma: no cover - older NumPy
        return "unknown"


def main(quick=False):
    rows = []
    n, d1, d2, k = 5000, 300, 200, 10
    X = latent_views(n, d1, d2, k)
    X1, X2 = X[:, :d1], X[:, d1:]
    rep = 3 if quick else 7
    # interleave floor and fit so machine load hits both alike
    floor, fit = [], []
    for _ in range(rep):
        floor.append(best_of(lambda: X.T @ X, 1))
        fit.append(best_of(lambda: CCA(k, views=[d1, d2], reg=0).fit(X), 1))
    t_floor, t_fit = min(floor), min(fit)
    ours = CCA(k, views=[d1, d2], reg=0).fit(X)
    rho = ours.canonical_correlations_
    X32 = X.astype(np.float32)
    t_fit32 = best_of(lambda: CCA(k, views=[d1, d2], reg=0).fit(X32), rep)
    t_floor32 = best_of(lambda: X32.T @ X32, rep)
    rho32 = CCA(k, views=[d1, d2], reg=0).fit(X32).canonical_correlations_
    rows.append(("skmm CCA float64", t_fit, 0.0))
    rows.append(("skmm CCA float32", t_fit32, float(np.max(np.abs(rho32 - rho)))))

    from sklearn.cross_decomposition import CCA as SkCCA

    t0 = time.perf_counter()
    sk = SkCCA(k).fit(X1, X2)  # defaults: max_iter=500, tol=1e-6
    t_sk = time.perf_counter() - t0
    rho_sk = pair_corr(*sk.transform(X1, X2))
    rows.append(("scikit-learn CCA (NIPALS, defaults)", t_sk, float(np.max(np.abs(rho_sk - rho)))))

    others = []
    try:
        from cca_zoo.linear import CCA as ZooCCA

        t0 = time.perf_counter()
        zoo = ZooCCA(n_components=k).fit([X1, X2])
        t_zoo = time.perf_counter() - t0
        Z1, Z2 = zoo.transform([X1, X2])
        rows.append(("cca-zoo 4 CCA", t_zoo, float(np.max(np.abs(pair_corr(Z1, Z2) - rho)))))
        others.append("cca-zoo")
    except Exception as exc:  # report, do not abort the run
        print("cca-zoo failed:", repr(exc))
    try:
        import rcca

        t0 = time.perf_counter()
        rc = rcca.CCA(kernelcca=False, reg=1e-8, numCC=k, verbose=False)
        rc.train([X1, X2])
        t_rc = time.perf_counter() - t0
        Z1, Z2 = rc.comps
        rows.append(("pyrcca (reg=1e-8)", t_rc, float(np.max(np.abs(pair_corr(Z1, Z2) - rho)))))
        others.append("pyrcca")
    except Exception as exc:
        print("pyrcca failed:", repr(exc))

    # scaling in n (d small enough for 1e6 rows) and in d
    scale_n = []
    for nn in ([1_000, 10_000, 100_000] if quick else [1_000, 10_000, 100_000, 1_000_000]):
        Xn = latent_views(nn, 60, 40, 10, seed=1)
        r = 2 if nn >= 100_000 else rep
        tf = best_of(lambda: Xn.T @ Xn, r)
        tc = best_of(lambda: CCA(10, views=[60, 40], reg=0).fit(Xn), r)
        scale_n.append((nn, 100, tc, tf))
        del Xn
    scale_d = []
    for d in ([100, 500, 1000] if quick else [100, 250, 500, 1000, 2000]):
        Xd = latent_views(5000, d * 3 // 5, d - d * 3 // 5, 10, seed=2)
        tf = best_of(lambda: Xd.T @ Xd, 3)
        tc = best_of(lambda: CCA(10, views=[d * 3 // 5, d - d * 3 // 5], reg=0).fit(Xd), 3)
        scale_d.append((5000, d, tc, tf))

    lines = [
        "# CCA benchmark",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"NumPy {np.__version__} ({blas_name()}), load average at end "
        f"{os.getloadavg()[0]:.1f}. Data: synthetic latent views, "
        f"n={n}, d={d1}+{d2}, k={k}, float64. Times are the best of {rep} runs except the "
        "third-party libraries (one run each). `|drho|` is the largest difference of the "
        "paired projection correlations from skmm's (reg=0).",
        "",
        f"GEMM floor (`X.T @ X`, SYRK): {t_floor * 1e3:.1f} ms float64, "
        f"{t_floor32 * 1e3:.1f} ms float32. skmm fit / floor: {t_fit / t_floor:.2f} float64, "
        f"{t_fit32 / t_floor32:.2f} float32.",
        "",
        "| method | fit time (s) | x skmm | max abs drho |",
        "|---|---|---|---|",
    ]
    for name, t, drho in rows:
        lines.append(f"| {name} | {t:.3f} | {t / t_fit:.1f} | {drho:.1e} |")
    lines += ["", f"Canonical correlations (skmm, first 5): {np.round(rho[:5], 4).tolist()}", "",
              "## Fit time vs n (d = 60 + 40, k = 10)", "",
              "| n | d | skmm fit (s) | X^T X (s) | fit / floor |", "|---|---|---|---|---|"]
    lines += [f"| {a:,} | {b} | {c:.4f} | {e:.4f} | {c / e:.2f} |" for a, b, c, e in scale_n]
    lines += ["", "## Fit time vs d (n = 5,000, split 3:2, k = 10)", "",
              "| n | d | skmm fit (s) | X^T X (s) | fit / floor |", "|---|---|---|---|---|"]
    lines += [f"| {a:,} | {b} | {c:.4f} | {e:.4f} | {c / e:.2f} |" for a, b, c, e in scale_d]
    lines += ["", f"Third-party libraries timed: {', '.join(others) or 'none installed'} "
              "(mvlearn 0.5 was not installable here: it needs matplotlib/seaborn builds)."]
    text = "\n".join(lines) + "\n"
    out = Path(__file__).parent / "results" / "cca.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes and repeats")
    main(**vars(parser.parse_args()))
