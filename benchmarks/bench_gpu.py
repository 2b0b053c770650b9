"""skmm on GPU (CuPy) against the same code on CPU (NumPy), each next to its floor.

One numeric path serves both: the estimators take CuPy arrays (or
``device="gpu"``) and keep the work on the device. Timed here: CCA fit,
codebook assignment, k-means fits (next to the GEMMs of their Lloyd steps),
CollectiveNMF iterations (HALS, per iteration, next to
the two GEMMs an iteration needs) and SIFTBoVW encoding of precomputed
descriptors (transfers included, next to the descriptor-codeword GEMM),
MFCC frames of many clips (next to the rfft + power of the same frames) and
top_k ranking, cosine and Hamming (next to the query-item GEMM), and
multi-view spectral clustering (dense graph and eigh on the device, next
to that eigh alone; the CPU builds a sparse graph and uses ARPACK).
Run where a CUDA device and CuPy are available:

    python benchmarks/bench_gpu.py [--out benchmarks/results/gpu.md]

The CPU side runs with 2 BLAS threads (``--cpu-threads``; the targets are
against a 2-core CPU). Without CuPy it says so and exits 0. ``--smoke`` runs
the NMF, k-means, SIFTBoVW, MFCC, retrieval and spectral sections at toy sizes with the CPU standing in for the GPU (prints only),
to check the script itself on a machine without a GPU (MFCC, retrieval and
spectral clustering on array-api-strict's simulated device, so their device
code runs).
"""

import argparse
import os
import pickle
import platform
import time
import warnings

import numpy as np

from skmm.cross_decomposition import CCA, CollectiveNMF
from skmm.feature_extraction import SIFTBoVW, hard_assignments
from skmm.utils import get_namespace, to_numpy


def _best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _median(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def _nmf_rows(sizes, *, to_gpu, gpu_device, sync, repeat):
    """CollectiveNMF HALS iterations, CPU vs GPU, float32.

    Per-iteration time = (fit with 21 iterations - fit with 1) / 20, so the
    initialization and the one transfer of X are left out; the GPU floor is
    the two GEMMs of an iteration (X H^T and W^T X) on the GPU. The full fit
    time (transfer and host NNDSVD included) is in the note.
    """
    rows = []
    k = 10
    for n, d1, d2 in sizes:
        rng = np.random.default_rng(0)
        W0 = rng.random((n, k), dtype=np.float32)
        X = W0 @ rng.random((k, d1 + d2), dtype=np.float32)
        X += 0.01 * rng.random(X.shape, dtype=np.float32)

        def fit(device, iters):
            est = CollectiveNMF(k, views=[d1, d2], max_iter=iters, tol=0, random_state=0,
                                device=device)
            W = est.fit_transform(X)
            sync()
            return est, W

        fit(gpu_device, 2)  # warm-up: CUDA context, cuBLAS handles
        per_iter = {}
        for name, dev in [("cpu", None), ("gpu", gpu_device)]:
            t1 = _median(lambda: fit(dev, 1), repeat)
            t21 = _median(lambda: fit(dev, 21), repeat)
            per_iter[name] = (max(t21 - t1, 0.0) / 20, t21)
        Xg, Hg, Wg = to_gpu(X), to_gpu(rng.random((k, d1 + d2), dtype=np.float32)), to_gpu(W0)

        def gemms():
            Xg @ Hg.T
            Wg.T @ Xg
            sync()

        gemms()
        floor = _median(gemms, max(repeat, 5))
        ref, _ = fit(None, 21)
        gpu, _ = fit(gpu_device, 21)
        gap = abs(ref.reconstruction_err_ - gpu.reconstruction_err_) / ref.reconstruction_err_
        (c_it, c_fit), (g_it, g_fit) = per_iter["cpu"], per_iter["gpu"]
        rows.append((f"CollectiveNMF HALS iteration {n:,} x ({d1}+{d2}), k={k}, float32",
                     c_it, g_it,
                     f"GPU floor (X Hᵀ + Wᵀ X) {floor * 1e3:.2f} ms = {g_it / floor:.1f}x; "
                     f"fit of 21 iterations CPU {c_fit:.2f} s, GPU {g_fit:.3f} s (host init "
                     f"and transfer included); rel. gap of error {gap:.1e}"))
    return rows


def _kmeans_rows(sizes, *, to_gpu, sync, repeat):
    """k-means fits (:func:`skmm.cluster.kmeans`), CPU vs GPU, float32.

    Both start from the same centres and run ``max_iter`` Lloyd steps
    (``tol=0``), so they do the same work and should reach the same
    inertia; the GPU floor is that many ``X @ C.T`` GEMMs on the GPU.
    """
    from sklearn.exceptions import ConvergenceWarning

    from skmm.cluster import kmeans

    rows = []
    iters = 10
    for n, d, k in sizes:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((n, d), dtype=np.float32)
        X += 3 * rng.standard_normal((k, d), dtype=np.float32)[rng.integers(0, k, n)]
        C0 = X[rng.choice(n, k, replace=False)]
        Xg = to_gpu(X)

        def fit(data):
            with warnings.catch_warnings():  # tol=0: a fixed number of steps on purpose
                warnings.simplefilter("ignore", ConvergenceWarning)
                out = kmeans(data, k, init=C0, max_iter=iters, tol=0)
            sync()
            return out

        fit(Xg)  # warm-up: CUDA context, cuBLAS handles
        t_cpu = _median(lambda: fit(X), repeat)
        t_gpu = _median(lambda: fit(Xg), repeat)
        Cg = to_gpu(C0)

        def gemms():
            for _ in range(iters):
                Xg @ Cg.T
            sync()

        gemms()
        floor = _median(gemms, max(repeat, 5))
        inertia_cpu, inertia_gpu = fit(X)[2], fit(Xg)[2]
        gap = abs(float(inertia_cpu) - float(inertia_gpu)) / float(inertia_cpu)
        rows.append((f"k-means {iters} Lloyd steps {n:,} x {d}, k={k}, float32",
                     t_cpu, t_gpu,
                     f"GPU floor ({iters} GEMMs X Cᵀ) {floor * 1e3:.2f} ms = "
                     f"{t_gpu / floor:.1f}x; rel. gap of inertia {gap:.1e}"))
    return rows


def _bovw_rows(sizes, *, to_gpu, gpu_device, sync, repeat):
    """SIFTBoVW encoding of precomputed descriptors, CPU vs GPU (transfers included).

    One codebook (k-means fitted once on the CPU) serves both; the GPU floor
    is the float32 GEMM of all descriptors against the codewords on the GPU.
    """
    rows = []
    for n_images, per_image, k in sizes:
        rng = np.random.default_rng(0)
        descs = [(rng.random((per_image, 128), dtype=np.float32) * 255,
                  rng.random((per_image, 2))) for _ in range(n_images)]
        for encoding in ("hist", "vlad"):
            cpu = SIFTBoVW(k, encoding=encoding, codebook_sample=20 * k,
                           random_state=0).fit_descriptors(descs)
            # Same codebook on both devices: copy the CPU fit, switch the device.
            gpu = pickle.loads(pickle.dumps(cpu)).set_params(device=gpu_device)

            def enc_gpu():
                gpu.transform_descriptors(descs)
                sync()

            enc_gpu()  # warm-up
            t_cpu = _median(lambda: cpu.transform_descriptors(descs), repeat)
            t_gpu = _median(enc_gpu, repeat)
            D = to_gpu(np.concatenate([d for d, _ in descs]))
            C = to_gpu(cpu.cluster_centers_)

            def gemm():
                D @ C.T
                sync()

            gemm()
            floor = _median(gemm, max(repeat, 5))
            same = np.max(np.abs(cpu.transform_descriptors(descs[:50])
                                 - gpu.transform_descriptors(descs[:50])))
            rows.append((f"SIFTBoVW {encoding} encoding {n_images:,} images x {per_image} "
                         f"SIFT, {k} words", t_cpu, t_gpu,
                         f"GPU floor (D Cᵀ) {floor * 1e3:.2f} ms = {t_gpu / floor:.0f}x "
                         f"(per-image loop); max |Δcode| {same:.1e}"))
    return rows


def _mfcc_rows(sizes, *, to_gpu, gpu_device, sync, repeat):
    """MFCC frames of many clips (FSDD-like: 8 kHz, 0.2-0.8 s), CPU vs device.

    ``MFCC.transform_frames`` with ``device=`` (clips read on the host, moved
    once per block, frames returned on the device). The GPU floor is the
    rfft + power of the same frames, built beforehand on the device.
    """
    from skmm.feature_extraction import MFCC

    params = dict(sr=8000, n_mfcc=13, n_fft=256, hop_length=80, n_mels=40)
    rows = []
    for n_clips in sizes:
        rng = np.random.default_rng(0)
        clips = [0.1 * rng.standard_normal(int(n)) for n in rng.integers(1600, 6400, n_clips)]
        cpu = MFCC(**params).fit(clips[:2])
        dev = MFCC(**params, device=gpu_device).fit(clips[:2])

        def run_dev():
            dev.transform_frames(clips)
            sync()

        run_dev()  # warm-up: FFT plans, kernels
        t_cpu = _median(lambda: cpu.transform_frames(clips), repeat)
        t_dev = _median(run_dev, repeat)
        frames = np.vstack([np.lib.stride_tricks.sliding_window_view(
            np.pad(y, 128), 256)[::80] for y in clips])
        Fg = to_gpu(frames)

        xp = get_namespace(Fg)

        def floor():
            spec = xp.fft.rfft(Fg, axis=1)
            xp.sum(xp.real(spec) ** 2 + xp.imag(spec) ** 2)
            sync()

        floor()
        t_floor = _median(floor, max(repeat, 5))
        gap = max(float(np.max(np.abs(np.asarray(to_numpy(b)) - a)))
                  for a, b in zip(cpu.transform_frames(clips[:50]),
                                  dev.transform_frames(clips[:50])))
        rows.append((f"MFCC frames of {n_clips:,} clips ({frames.shape[0]:,} frames), "
                     "n_fft 256, 40 mels, 13 coefficients, float64", t_cpu, t_dev,
                     f"device floor (rfft + power) {t_floor * 1e3:.2f} ms = "
                     f"{t_dev / t_floor:.1f}x; max |Δ| {gap:.1e}"))
    return rows


def _retrieval_rows(sizes, *, to_gpu, sync, repeat):
    """top_k ranking, CPU vs device: cosine (float32) and Hamming (packed codes).

    The GPU floor of cosine is the query-item GEMM alone on the device.
    """
    from skmm.retrieval import top_k

    rows = []
    for n_q, n_i, d, n_bits, k in sizes:
        rng = np.random.default_rng(0)
        Q = rng.standard_normal((n_q, d), dtype=np.float32)
        items = rng.standard_normal((n_i, d), dtype=np.float32)
        Qb = np.packbits(rng.integers(0, 2, (n_q, n_bits), dtype=np.uint8), axis=1)
        Ib = np.packbits(rng.integers(0, 2, (n_i, n_bits), dtype=np.uint8), axis=1)
        for metric, (A, B) in (("cosine", (Q, items)), ("hamming", (Qb, Ib))):
            Ag, Bg = to_gpu(A), to_gpu(B)

            def run_dev():
                top_k(Ag, Bg, k, metric=metric)
                sync()

            run_dev()
            t_cpu = _median(lambda: top_k(A, B, k, metric=metric, engine="numpy"), 1)
            t_dev = _median(run_dev, repeat)
            same = np.array_equal(to_numpy(top_k(Ag, Bg, k, metric=metric)[0]),
                                  top_k(A, B, k, metric=metric, engine="numpy")[0])
            note = f"same indices: {same}"
            if metric == "cosine":
                def gemm():
                    get_namespace(Ag).sum(Ag @ Bg.T)
                    sync()

                gemm()
                t_gemm = _median(gemm, max(repeat, 5))
                note += f"; device GEMM alone {t_gemm * 1e3:.1f} ms = {t_dev / t_gemm:.1f}x"
            what = f"{d} dims float32" if metric == "cosine" else f"{n_bits}-bit codes"
            rows.append((f"top_k {metric}, {n_q:,} queries x {n_i:,} items, {what}, k={k}",
                         t_cpu, t_dev, note))
    return rows


def _spectral_rows(sizes, *, to_gpu, gpu_device, sync, repeat):
    """MultiViewSpectralClustering fit, CPU (sparse kNN graph, ARPACK) vs device.

    Three views of 10 noisy clusters. The device builds the dense n x n graph
    and takes a dense eigh of it; its floor is that eigh alone, on the device.
    """
    from sklearn.metrics import adjusted_rand_score

    from skmm.cluster import MultiViewSpectralClustering

    rows = []
    for n in sizes:
        rng = np.random.default_rng(0)
        y = rng.integers(0, 10, n)
        X = np.hstack([rng.normal(size=(10, d))[y] + rng.normal(scale=s, size=(n, d))
                       for d, s in ((20, 1.0), (30, 1.5), (6, 0.5))])
        params = {"n_clusters": 10, "views": [20, 30, 6], "random_state": 0}
        cpu = MultiViewSpectralClustering(**params)
        dev = MultiViewSpectralClustering(**params, device=gpu_device)

        def fit_dev():
            dev.fit(X)
            sync()

        fit_dev()  # warm-up: kernels, solver handles
        t_cpu = _median(lambda: cpu.fit(X), repeat)
        t_dev = _median(fit_dev, repeat)
        S = to_gpu(np.asarray(dev.affinity_matrix_))
        xp = get_namespace(S)

        def eigh():
            xp.linalg.eigh(S)
            sync()

        eigh()
        t_eigh = _median(eigh, repeat)
        ari = adjusted_rand_score(cpu.labels_, dev.labels_)
        rows.append(((f"MultiViewSpectralClustering fit {n:,} x (20+30+6), 10 clusters, "
                      "kNN self-tuning, float64"), t_cpu, t_dev,
                     (f"device floor (dense eigh n x n) {t_eigh * 1e3:.1f} ms = "
                      f"{t_dev / t_eigh:.1f}x; ARI(CPU, device) {ari:.4f}")))
    return rows


def _smoke():
    """Every section at toy sizes: the CPU (NMF, SIFTBoVW) or array-api-strict
    (MFCC, retrieval) standing in for the GPU."""
    rows = _nmf_rows([(2_000, 30, 20)], to_gpu=np.asarray, gpu_device="cpu",
                     sync=lambda: None, repeat=1)
    rows += _bovw_rows([(20, 100, 16)], to_gpu=np.asarray, gpu_device="cpu",
                       sync=lambda: None, repeat=1)
    rows += _kmeans_rows([(2_000, 16, 8)], to_gpu=np.asarray, sync=lambda: None, repeat=1)
    # MFCC and retrieval on array-api-strict's simulated device: the device code runs.
    import array_api_strict as xps

    dev = xps.Device("device1")
    rows += _mfcc_rows([30], to_gpu=lambda a: xps.asarray(a, device=dev), gpu_device=dev,
                       sync=lambda: None, repeat=1)
    rows += _retrieval_rows([(20, 500, 16, 64, 5)], to_gpu=lambda a: xps.asarray(a, device=dev),
                            sync=lambda: None, repeat=1)
    rows += _spectral_rows([300], to_gpu=lambda a: xps.asarray(a, device=dev), gpu_device=dev,
                           sync=lambda: None, repeat=1)
    for name, c, g, note in rows:
        print(f"| {name} | {c:.4f} | {g:.4f} | {c / g:.1f}x | {note} |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results",
                                                      "gpu.md"))
    parser.add_argument("--smoke", action="store_true",
                        help="toy sizes, CPU standing in for the GPU, print only")
    parser.add_argument("--cpu-threads", type=int, default=2,
                        help="BLAS threads of the CPU side (the issue's targets are "
                             "against a 2-core CPU; 0: no limit)")
    args = parser.parse_args()
    if args.cpu_threads > 0:
        # CPU BLAS only (OpenBLAS/MKL); cuBLAS is not a thread pool.
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=args.cpu_threads)
    if args.smoke:
        _smoke()
        return
    try:
        import cupy as cp

        cp.cuda.runtime.getDeviceCount()
    except Exception as exc:  # no CuPy, or no CUDA device: nothing to time here
        print(f"bench_gpu: no GPU run ({type(exc).__name__}: {exc}). Install skmm[gpu] "
              "on a machine with a CUDA device to time the GPU path.")
        return

    sync = cp.cuda.Device().synchronize
    rng = np.random.default_rng(0)
    rows = []

    for n, d1, d2 in [(10_000, 300, 200), (100_000, 300, 200), (1_000_000, 300, 200)]:
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

    rows += _nmf_rows([(10_000, 300, 200), (100_000, 300, 200), (1_000_000, 300, 200)],
                      to_gpu=cp.asarray, gpu_device="gpu", sync=sync, repeat=3)
    rows += _kmeans_rows([(10_000, 128, 256), (100_000, 128, 256), (1_000_000, 128, 256)],
                         to_gpu=cp.asarray, sync=sync, repeat=3)
    rows += _bovw_rows([(2_000, 500, 256)], to_gpu=cp.asarray, gpu_device="gpu", sync=sync,
                       repeat=3)
    rows += _mfcc_rows([3_000, 30_000], to_gpu=cp.asarray, gpu_device="gpu", sync=sync,
                       repeat=3)
    rows += _retrieval_rows([(10_000, 1_000_000, 128, 64, 10)], to_gpu=cp.asarray, sync=sync,
                            repeat=3)
    rows += _spectral_rows([2_000, 10_000], to_gpu=cp.asarray, gpu_device="gpu", sync=sync,
                           repeat=3)

    props = cp.cuda.runtime.getDeviceProperties(0)
    lines = [
        "# GPU (CuPy) vs CPU (NumPy), same skmm code path",
        "",
        f"GPU: {props['name'].decode()}; CuPy {cp.__version__}; CPU: {os.cpu_count()} cores "
        f"({platform.processor() or platform.machine()}), NumPy {np.__version__}, "
        + (f"BLAS limited to {args.cpu_threads} threads (`--cpu-threads`)."
           if args.cpu_threads > 0 else "BLAS threads not limited."),
        "CCA and assignment rows: best of 2-3 runs; NMF and SIFTBoVW rows: medians of 3 "
        "(floors: medians of 5). All after a warm-up; GPU times include "
        "synchronisation. The CPU may have been shared with other jobs (timings under load).",
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
