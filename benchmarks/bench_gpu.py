"""CCA fit and codebook assignment on GPU (CuPy) against the same code on CPU (NumPy).

One numeric path serves both: the estimators take CuPy arrays and keep the
work on the device. Run where a CUDA device and CuPy are available:

    python benchmarks/bench_gpu.py [--out benchmarks/results/gpu.md]
"""

import argparse
import os
import platform
import time

import numpy as np

from skmm.cross_decomposition import CCA
from skmm.feature_extraction import hard_assignments


def _best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    try:
        import cupy as cp

        cp.cuda.runtime.getDeviceCount()
    except Exception as exc:  # no CuPy, or no CUDA device: nothing to time here
        print(f"bench_gpu: no GPU run ({type(exc).__name__}: {exc}). Install skmm[gpu] "
              "on a machine with a CUDA device to time the GPU path.")
        return

    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results",
                                                      "gpu.md"))
    args = parser.parse_args()
    sync = cp.cuda.Device().synchronize
    rng = np.random.default_rng(0)
    rows = []

    for n, d1, d2 in [(100_000, 300, 200), (1_000_000, 300, 200)]:
        for dtype in (np.float64, np.float32):
            X = rng.standard_normal((n, d1 + d2)).astype(dtype)
            X[:, d1:d1 + 10] += X[:, :10]  # some shared signal
            Xg = cp.asarray(X)
            cpu_fit = CCA(10, views=[d1, d2], reg=1e-3)
            gpu_fit = CCA(10, views=[d1, d2], reg=1e-3)

            def run_gpu():
                gpu_fit.fit(Xg)
                sync()

            run_gpu()  # warm-up: CUDA context, cuBLAS/cuSOLVER handles
            t_cpu = _best(lambda: cpu_fit.fit(X), repeat=2)
            t_gpu = _best(run_gpu)

            def gemm():
                (Xg.T @ Xg).sum()
                sync()

            gemm()
            t_gemm = _best(gemm)
            gap = np.max(np.abs(cpu_fit.canonical_correlations_ - gpu_fit.canonical_correlations_))
            rows.append((f"CCA fit {n:,} x ({d1}+{d2}), k=10, {np.dtype(dtype).name}",
                         t_cpu, t_gpu, f"GPU XᵀX alone {t_gemm * 1e3:.1f} ms; max |Δρ| {gap:.1e}"))
            del Xg

    for n, k in [(1_000_000, 1024)]:
        D = rng.standard_normal((n, 128)).astype(np.float32)
        C = rng.standard_normal((k, 128)).astype(np.float32)
        Dg, Cg = cp.asarray(D), cp.asarray(C)

        def run_gpu_assign():
            hard_assignments(Dg, Cg)
            sync()

        run_gpu_assign()
        t_cpu = _best(lambda: hard_assignments(D, C), repeat=1)
        t_gpu = _best(run_gpu_assign)
        same = np.mean(cp.asnumpy(hard_assignments(Dg, Cg))
                       == hard_assignments(D, C))
        rows.append((f"hard assignment {n:,} SIFT x {k} words, float32", t_cpu, t_gpu,
                     f"same word for {same:.4%} of descriptors"))

    props = cp.cuda.runtime.getDeviceProperties(0)
    lines = [
        "# GPU (CuPy) vs CPU (NumPy), same skmm code path",
        "",
        f"GPU: {props['name'].decode()}; CuPy {cp.__version__}; CPU: {os.cpu_count()} cores "
        f"({platform.processor() or platform.machine()}), NumPy {np.__version__}.",
        "Best of 2-3 runs after a warm-up; GPU times include synchronisation.",
        "",
        "| task | CPU (s) | GPU (s) | speed-up | note |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {name} | {c:.3f} | {g:.4f} | {c / g:.1f}x | {note} |"
              for name, c, g, note in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
