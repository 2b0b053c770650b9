"""Benchmark: CCA on a Dask cluster and out of core, against the in-memory fit;
feature extraction to a .npy memmap, against the in-memory transform.

    python benchmarks/bench_dask.py [--quick] [--only {cca,extraction}]

Writes ``benchmarks/results/dask.md``. Each measurement runs in its own
Python process, so its peak resident memory (``ru_maxrss``) is its own:

1. Dask: ``CCA.fit`` on a ``dask.array`` held by a LocalCluster of 2 worker
   processes (1 thread each; the array is generated and persisted on the
   workers), against ``CCA.fit`` on the same rows as one NumPy array, and
   the floor, the covariance product ``X^T X`` (SYRK) on that array. The
   client's peak RSS is the point: the client never holds the array.
2. Out of core: a float64 matrix written to a file larger than a memory cap
   (``RLIMIT_DATA``, which bounds the heap and anonymous mappings but not a
   read-only file mapping); ``CCA.partial_fit`` over row blocks, each a
   ``np.memmap`` view of the file, under the cap, against ``CCA.fit`` on the
   whole matrix loaded in memory (no cap). The same in-memory fit under the
   cap fails with MemoryError, which is why the blocks are needed.
3. Extraction: a fitted ``SIFTBoVW`` over the bundled UCM images (the list
   repeated to make a longer corpus): ``transform_to_memmap`` in chunks
   against ``transform`` of the whole list in memory, and the floor, only
   reading and decoding the images (``read_image``). The peak RSS above the
   process's RSS after loading the model is the point: ``transform`` holds
   every image's descriptors before encoding, the memmap driver one chunk.

``--only`` runs one section and replaces only its part of the results file.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

D1, D2 = 60, 40  # view widths


def _block(seed, rows):
    # Two views sharing 5 latent factors; one deterministic block per seed.
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(rows, 5))
    mix = np.random.default_rng(12345).normal(size=(5, D1 + D2))
    return z @ mix + rng.normal(size=(rows, D1 + D2)) + 3.0


def _peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _median_time(f, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


# ---------------------------------------------------------------- parts (subprocesses)
def part_memory(n_blocks, rows, repeat):
    from skmm.cross_decomposition import CCA

    X = np.vstack([_block(s, rows) for s in range(n_blocks)])
    t_floor, _ = _median_time(lambda: X.T @ X, repeat)
    t_fit, est = _median_time(lambda: CCA(5, views=[D1, D2]).fit(X), repeat)
    return {"fit_s": t_fit, "floor_s": t_floor, "rss_mib": _peak_rss_mib(),
            "corr": est.canonical_correlations_.tolist()}


def part_dask(n_blocks, rows, repeat):
    import dask.array as da
    from distributed import Client, LocalCluster, wait

    from skmm.cross_decomposition import CCA

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.run(lambda: __import__("skmm.cross_decomposition") and None)
        seeds = da.arange(n_blocks, chunks=1)
        X = seeds.map_blocks(lambda s: _block(int(s[0]), rows), chunks=((rows,) * n_blocks,
                             (D1 + D2,)), new_axis=1, dtype=np.float64,
                             meta=np.empty((0, 0)))
        X = X.persist()  # generated on the workers, kept there
        wait(X)
        rss_before = _peak_rss_mib()
        t_fit, est = _median_time(lambda: CCA(5, views=[D1, D2]).fit(X), repeat)
    return {"fit_s": t_fit, "rss_mib": _peak_rss_mib(), "rss_before_fit_mib": rss_before,
            "corr": est.canonical_correlations_.tolist()}


def part_write(path, n_blocks, rows):
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64,
                                    shape=(n_blocks * rows, D1 + D2))
    for s in range(n_blocks):
        out[s * rows:(s + 1) * rows] = _block(s, rows)
    out.flush()
    del out
    return {"gib": os.path.getsize(path) / 2**30}


def part_outofcore(path, cap_mib, block_rows):
    from skmm.cross_decomposition import CCA

    resource.setrlimit(resource.RLIMIT_DATA, (cap_mib * 2**20, cap_mib * 2**20))
    header = np.load(path, mmap_mode="r")
    n, d, offset = header.shape[0], header.shape[1], header.offset
    del header  # one block mapped at a time: resident pages stay bounded

    def fit():
        est = CCA(5, views=[D1, D2])
        for start in range(0, n, block_rows):
            rows = min(block_rows, n - start)
            block = np.memmap(path, dtype=np.float64, mode="r", shape=(rows, d),
                              offset=offset + start * d * 8)
            est.partial_fit(block)
            del block
        return est

    t_fit, est = _median_time(fit, 1)
    rss = _peak_rss_mib()
    try:
        np.load(path)  # the whole matrix under the same cap
        in_memory_under_cap = "fits"
    except MemoryError:
        in_memory_under_cap = "MemoryError"
    return {"fit_s": t_fit, "rss_mib": rss, "corr": est.canonical_correlations_.tolist(),
            "in_memory_under_cap": in_memory_under_cap}


def part_loaded(path):
    from skmm.cross_decomposition import CCA

    t0 = time.perf_counter()
    X = np.load(path)
    t_load = time.perf_counter() - t0
    t_fit, est = _median_time(lambda: CCA(5, views=[D1, D2]).fit(X), 1)
    return {"fit_s": t_fit, "load_s": t_load, "rss_mib": _peak_rss_mib(),
            "corr": est.canonical_correlations_.tolist()}


def _bovw_paths(repeat):
    from skmm.datasets import load_ucm_captions

    return list(load_ucm_captions(subset="bundled").frame["image"]) * repeat


def part_fit_bovw(model_path):
    import pickle

    from skmm.feature_extraction import SIFTBoVW

    est = SIFTBoVW(n_clusters=128, random_state=0).fit(_bovw_paths(1)[::4])
    with open(model_path, "wb") as f:
        pickle.dump(est, f)
    return {"n_descriptors_fit": est.n_descriptors_fit_}


def part_extract(mode, model_path, repeat, out_path, batch_size):
    import pickle

    from skmm.feature_extraction import read_image, transform_to_memmap

    paths = _bovw_paths(repeat)
    with open(model_path, "rb") as f:
        est = pickle.load(f)
    read_image(paths[0])  # import cv2 before the baseline
    base = _peak_rss_mib()
    t0 = time.perf_counter()
    if mode == "floor":
        for p in paths:
            read_image(p)
        rows = None
    elif mode == "memory":
        rows = est.transform(paths)
        np.save(out_path, rows)
    else:
        rows = transform_to_memmap(est, paths, out_path, batch_size=batch_size)
    t = time.perf_counter() - t0
    return {"s": t, "rss_above_mib": _peak_rss_mib() - base, "base_mib": base,
            "n": len(paths), "shape": None if rows is None else list(rows.shape)}


PARTS = {"memory": part_memory, "dask": part_dask, "write": part_write,
         "outofcore": part_outofcore, "loaded": part_loaded, "fit_bovw": part_fit_bovw,
         "extract": part_extract}


def run_part(name, *args):
    out = subprocess.run([sys.executable, __file__, "--part", name, json.dumps(args)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def extraction_section(quick=False):
    repeat, batch_size = (1, 32) if quick else (4, 32)
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "bovw.pkl")
        run_part("fit_bovw", model)
        res = {mode: run_part("extract", mode, model, repeat,
                              os.path.join(tmp, f"{mode}.npy"), batch_size)
               for mode in ("floor", "memory", "memmap")}
        same = bool(np.array_equal(np.load(os.path.join(tmp, "memory.npy")),
                                   np.load(os.path.join(tmp, "memmap.npy"))))
    load = os.getloadavg()[0]
    mem, mm, floor = res["memory"], res["memmap"], res["floor"]
    n = mem["n"]
    return [
        f"## Extraction to a .npy memmap: SIFTBoVW over {n} image paths",
        "",
        f"The 210 bundled UCM images (256 x 256) listed {repeat} times; dense SIFT every "
        "8 px (about 900 descriptors per image), 128 codewords, histograms. Peak RSS is "
        "above the process's RSS after loading the model "
        f"({mem['base_mib']:.0f} MiB). One run each; **shared machine, 1-minute load "
        f"average {load:.1f} after the runs: the times are under load** (the memory "
        "figures are not affected).",
        "",
        "| run | time (s) | ratio to in-memory | peak RSS above base (MiB) |",
        "|---|---:|---:|---:|",
        f"| floor: read and decode the images only | {floor['s']:.2f} | "
        f"{floor['s'] / mem['s']:.2f} | {floor['rss_above_mib']:.0f} |",
        f"| `transform` of the whole list in memory (+ `np.save`) | {mem['s']:.2f} | 1.00 | "
        f"{mem['rss_above_mib']:.0f} |",
        f"| `transform_to_memmap`, batch_size={batch_size} | {mm['s']:.2f} | "
        f"{mm['s'] / mem['s']:.2f} | {mm['rss_above_mib']:.0f} |",
        "",
        f"Rows of the two files identical: {same}. In memory, ``transform`` holds every "
        "image's descriptors (about 0.45 MiB each) before encoding, so its peak grows "
        "with the list; the memmap driver holds one chunk of images and its rows.",
        "",
    ]


def _replace_section(text, title_prefix, new_lines):
    """Replace the ``## `` section whose title starts with ``title_prefix`` (or append)."""
    parts = text.rstrip("\n").split("\n## ")
    head, sections = parts[0], ["## " + p for p in parts[1:]]
    new = "\n".join(new_lines).rstrip("\n")
    kept = [sec for sec in sections if not sec.startswith(title_prefix)]
    return "\n\n".join([head.rstrip("\n")] + [k.rstrip("\n") for k in kept] + [new]) + "\n"


def main(quick=False, only=None):
    out = Path(__file__).parent / "results" / "dask.md"
    out.parent.mkdir(exist_ok=True)
    if only == "extraction":
        lines = extraction_section(quick)
        out.write_text(_replace_section(out.read_text(), "## Extraction", lines))
        print("\n".join(lines))
        return
    load = os.getloadavg()[0]
    rows = 20_000
    n_blocks = 10 if quick else 40              # 800k x 100 float64 = 610 MiB
    repeat = 3
    mem = run_part("memory", n_blocks, rows, repeat)
    dsk = run_part("dask", n_blocks, rows, repeat)
    corr_err = max(abs(a - b) for a, b in zip(mem["corr"], dsk["corr"]))

    ooc_blocks = 25 if quick else 200          # 4M x 100 float64 = 2.98 GiB
    cap_mib = 1024
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "X.npy")
        size = run_part("write", path, ooc_blocks, rows)["gib"]
        ooc = run_part("outofcore", path, cap_mib, 50_000)
        loaded = run_part("loaded", path)
    ooc_err = max(abs(a - b) for a, b in zip(ooc["corr"], loaded["corr"]))

    gib = n_blocks * rows * (D1 + D2) * 8 / 2**30
    lines = [
        "# CCA on a Dask cluster and out of core",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, NumPy {np.__version__}. **The machine was "
        f"shared with other jobs while timing (1-minute load average {load:.1f} at the "
        "start): times are medians of repeats under load; the memory figures are not "
        "affected.**",
        "",
        "Command: `python benchmarks/bench_dask.py" + (" --quick" if quick else "") + "`",
        "",
        f"## Dask: {n_blocks * rows:,} x {D1 + D2} float64 ({gib:.2f} GiB), "
        f"{n_blocks} row chunks, 2 worker processes x 1 thread",
        "",
        "| fit | time (s) | ratio to in-memory | peak client RSS (MiB) |",
        "|---|---:|---:|---:|",
        f"| floor: `X.T @ X` on the NumPy array | {mem['floor_s']:.3f} | "
        f"{mem['floor_s'] / mem['fit_s']:.2f} | - |",
        f"| CCA.fit(NumPy array) | {mem['fit_s']:.3f} | 1.00 | {mem['rss_mib']:.0f} |",
        f"| CCA.fit(dask array) | {dsk['fit_s']:.3f} | {dsk['fit_s'] / mem['fit_s']:.2f} | "
        f"{dsk['rss_mib']:.0f} |",
        "",
        f"Largest difference of the canonical correlations: {corr_err:.1e}. The client's "
        f"peak RSS includes the cluster's scheduler (it runs in the client process); "
        f"it was {dsk['rss_before_fit_mib']:.0f} MiB before the fits.",
        "",
        f"## Out of core: {ooc_blocks * rows:,} x {D1 + D2} float64 in a file "
        f"({size:.2f} GiB), memory cap {cap_mib} MiB (RLIMIT_DATA)",
        "",
        "| fit | time (s) | peak RSS (MiB) |",
        "|---|---:|---:|",
        f"| CCA.partial_fit over 50,000-row memmap blocks, under the cap | {ooc['fit_s']:.2f} | "
        f"{ooc['rss_mib']:.0f} |",
        f"| CCA.fit on the matrix loaded in memory, no cap | {loaded['fit_s']:.2f} "
        f"(+ {loaded['load_s']:.2f} to load) | {loaded['rss_mib']:.0f} |",
        "",
        f"Loading the whole matrix under the cap: {ooc['in_memory_under_cap']}. Largest "
        f"difference of the canonical correlations: {ooc_err:.1e}. The file was just "
        "written, so it was read from the page cache, not the disk.",
        "",
    ]
    if only is None:
        lines += extraction_section(quick)
    elif out.exists():  # --only cca: keep the extraction section of the last run
        old = [sec for sec in out.read_text().split("\n## ")[1:] if sec.startswith("Extraction")]
        lines += ["## " + sec.rstrip("\n") + "\n" for sec in old]
    out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller arrays")
    parser.add_argument("--only", choices=["cca", "extraction"], help="one section")
    parser.add_argument("--part", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="?", help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.part:
        print(json.dumps(PARTS[ns.part](*json.loads(ns.args))))
    else:
        main(quick=ns.quick, only=ns.only)
