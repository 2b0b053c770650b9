"""MFCC on the Free Spoken Digit Dataset: skmm against librosa and the FFT floor.

Runs on all 3,000 FSDD clips from ``$SKMM_DATA_HOME/fsdd`` (default
``../shared/data`` next to the repository root) and writes
``benchmarks/results/mfcc.md``.

1. MFCC alone, clips already in memory (float64 arrays), n_fft 256, hop 80,
   40 mels, 13 coefficients, in one run: skmm (batched; the compiled engine
   and the NumPy engine), librosa (``librosa.feature.mfcc`` clip by clip),
   and the floor: the rfft plus power of exactly the frames librosa reads
   (built and windowed beforehand, untimed), in the fastest of three forms.
   The floor and the two engines alternate round by round; medians.
   ``np.log`` of the mel energies, which no MFCC avoids, is timed too.
2. Equality of the frame-level MFCCs with librosa on every clip.
3. Path -> pooled row (WAV reading, deltas, mean/std): librosa cold (fresh
   interpreter: import + first call, numba JIT included) and warm; skmm cold
   and warm, with ``n_jobs`` 1 and 2.
4. Accuracy: StandardScaler + SVC(RBF, C=10) on the official split (index 0-4
   test) and leave-one-speaker-out (GroupKFold by speaker), for the
   reference features and variants that try to generalise across speakers.

Usage: ``python benchmarks/bench_mfcc.py [--quick] [--no-accuracy]``
(``--quick``: 300 clips, no accuracy).
"""

import argparse
import csv
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
PARAMS = dict(n_mfcc=13, n_fft=256, hop_length=80, n_mels=40)


def fsdd_root():
    home = os.environ.get("SKMM_DATA_HOME") or str(REPO.parent / "shared" / "data")
    root = Path(home) / "fsdd"
    if not (root / "metadata.csv").is_file():
        sys.exit(f"FSDD not found under {root}; set SKMM_DATA_HOME")
    return root


def load_metadata(root):
    with open(root / "metadata.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    paths = [str(root / r["path"]) if not os.path.isabs(r["path"]) else r["path"]
             for r in rows]
    if not os.path.exists(paths[0]):
        paths = [str(root / "recordings" / os.path.basename(r["path"])) for r in rows]
    digits = np.array([int(r["digit"]) for r in rows])
    speakers = np.array([r["speaker"] for r in rows])
    split = np.array([r["split"] for r in rows])
    return paths, digits, speakers, split


def librosa_rows(paths, dtype=np.float32):
    """librosa's way: load, mfcc, delta, mean/std over frames (one clip at a time)."""
    import librosa

    out = []
    for p in paths:
        y, sr = librosa.load(p, sr=None, dtype=dtype)
        m = librosa.feature.mfcc(y=y, sr=sr, **PARAMS)
        frames = np.vstack([m, librosa.feature.delta(m)])
        out.append(np.r_[frames.mean(axis=1), frames.std(axis=1)])
    return np.asarray(out)


def skmm_estimator(**kw):
    from skmm.feature_extraction import MFCC

    return MFCC(**{**PARAMS, "deltas": 1, "pooling": ["mean", "std"], **kw})


def cold(kind, paths):
    """Import + first call in a fresh interpreter (librosa's numba JIT included)."""
    if kind == "librosa":
        setup = "import librosa"
        call = ("y, sr = librosa.load(p, sr=None); "
                f"m = librosa.feature.mfcc(y=y, sr=sr, **{PARAMS!r}); "
                "librosa.feature.delta(m)")
    else:
        setup = "from skmm.feature_extraction import MFCC"
        call = f"MFCC(**{PARAMS!r}, deltas=1).fit([p]).transform([p])"
    code = (
        "import time; t0 = time.perf_counter(); " + setup + "; "
        "t1 = time.perf_counter(); p = " + repr(paths[0]) + "; " + call + "; "
        "t2 = time.perf_counter(); print(t1 - t0, t2 - t1)"
    )
    res = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                         text=True, check=True, cwd=REPO)
    imp, first = map(float, res.stdout.split())
    return imp, first


def median_of(fn, repeats, clock=time.perf_counter):
    """Median time of ``repeats`` calls (the machine may be shared) and the output.

    ``clock=time.process_time`` counts this process's CPU time only, which
    other jobs on a shared machine disturb much less than wall time (for
    single-process work only: joblib's workers are not counted).
    """
    times = []
    for _ in range(repeats):
        t = clock()
        out = fn()
        times.append(clock() - t)
    return float(np.median(times)), out


def cpu_and_wall(fn, repeats):
    """(median CPU seconds, median wall seconds, output) of ``fn``."""
    cpu, out = median_of(fn, repeats, time.process_time)
    wall, _ = median_of(fn, max(1, repeats // 2))
    return cpu, wall, out


def interleaved(fns, rounds):
    """Run each of ``fns`` (name -> function) once per round, in turn.

    Returns ``(cpu, wall, out)``: per name the list of CPU seconds and of
    wall seconds, and the last output.
    """
    cpu = {k: [] for k in fns}
    wall = {k: [] for k in fns}
    out = {}
    for _ in range(rounds):
        for k, fn in fns.items():
            c, w = time.process_time(), time.perf_counter()
            out[k] = fn()
            cpu[k].append(time.process_time() - c)
            wall[k].append(time.perf_counter() - w)
    return cpu, wall, out


def numpy_engine(est):
    """``est``'s twin computed by the NumPy engine (as without Numba)."""
    from skmm.feature_extraction import _audio

    class NumpyEngine:
        def transform_frames(self, clips):
            available = _audio.kernel_available
            _audio.kernel_available = lambda: False
            try:
                return est.transform_frames(clips)
            finally:
                _audio.kernel_available = available

    return NumpyEngine()


def load_clips(paths):
    from skmm.feature_extraction import load_wav

    clips = [load_wav(p) for p in paths]
    assert len({sr for _, sr in clips}) == 1, "FSDD clips share one rate"
    return [y for y, _ in clips], clips[0][1]


def fft_floor(clips, block_rows):
    """rfft + power of librosa's frames of every clip (frames built untimed).

    Returns (number of frames, blocked run, whole-matrix run, blocked run
    into reused buffers). The power uses the cheapest form (square the
    interleaved re/im in place, add pairs), the one skmm uses; the caller
    takes the fastest of the three runs as the floor.
    """
    from scipy.fft import rfft
    from scipy.signal import get_window

    n_fft, hop = PARAMS["n_fft"], PARAMS["hop_length"]
    half = n_fft // 2
    win = get_window("hann", n_fft, fftbins=True)
    frames = []
    for y in clips:
        yp = np.pad(y, half)
        n = 1 + (yp.shape[0] - n_fft) // hop
        frames.append(np.lib.stride_tricks.as_strided(yp, (n, n_fft), (hop * 8, 8)) * win)
    F = np.vstack(frames)

    def power(block):
        spec = rfft(block, axis=1)
        flat = spec.view(np.float64)
        np.square(flat, out=flat)
        return flat[:, 0::2] + flat[:, 1::2]

    def blocked():
        for a in range(0, F.shape[0], block_rows):
            power(F[a:a + block_rows])

    spec = np.empty((block_rows, 1 + n_fft // 2), dtype=np.complex128)
    pw = np.empty((block_rows, 1 + n_fft // 2))

    def reused():
        # numpy.fft.rfft (NumPy >= 2) into reused buffers: no fresh ~1 MB
        # arrays to page-fault per block, the cheapest form skmm uses too.
        for a in range(0, F.shape[0], block_rows):
            block = F[a:a + block_rows]
            m = block.shape[0]
            flat = np.fft.rfft(block, axis=1, out=spec[:m]).view(np.float64)
            np.square(flat, out=flat)
            np.add(flat[:, 0::2], flat[:, 1::2], out=pw[:m])

    if np.lib.NumpyVersion(np.__version__) < "2.0.0":
        reused = blocked
    return F.shape[0], blocked, lambda: power(F), reused


def evaluate(X, digits, speakers, split):
    from sklearn.model_selection import GroupKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    model = make_pipeline(StandardScaler(), SVC(kernel="rbf", C=10, gamma="scale"))
    train, test = split == "train", split == "test"
    official = model.fit(X[train], digits[train]).score(X[test], digits[test])
    n_groups = len(np.unique(speakers))
    loso = cross_val_score(model, X, digits, groups=speakers,
                           cv=GroupKFold(n_splits=n_groups))
    return official, loso


def per_speaker_standardise(X, speakers):
    """Standardise pooled features within each speaker (no labels needed)."""
    Z = np.empty_like(X)
    for s in np.unique(speakers):
        idx = speakers == s
        Z[idx] = (X[idx] - X[idx].mean(0)) / (X[idx].std(0) + 1e-12)
    return Z


def hardware():
    import numpy
    import scipy

    blas = "unknown"
    try:
        cfg = numpy.show_config(mode="dicts")
        b = cfg["Build Dependencies"]["blas"]
        blas = f"{b.get('name')} {b.get('version', '')}".strip()
    except Exception:  # older numpy
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import librosa
    import sklearn

    return {
        "cpu": cpu,
        "cpu_count (os / affinity)": f"{os.cpu_count()} / {len(os.sched_getaffinity(0))}",
        "python": platform.python_version(),
        "numpy / BLAS": f"{numpy.__version__} / {blas}",
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "librosa": librosa.__version__,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 clips, no accuracy")
    parser.add_argument("--no-accuracy", action="store_true", help="skip part 4")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "mfcc.md"))
    args = parser.parse_args()

    import warnings

    import librosa

    from skmm.feature_extraction import MFCC, mfcc
    from skmm.feature_extraction._audio import _BLOCK_ROWS

    warnings.simplefilter("ignore")
    root = fsdd_root()
    paths, digits, speakers, split = load_metadata(root)
    if args.quick:
        paths, digits, speakers, split = (a[::10] for a in (paths, digits, speakers, split))
    n = len(paths)
    load_before = os.getloadavg()
    print(f"{n} clips from {root}; load average {load_before}")

    # -- 1. MFCC alone on clips in memory: skmm, floor, librosa in one run --
    clips, sr = load_clips(paths)
    n_frames, floor_blocked, floor_whole, floor_reused = fft_floor(clips, _BLOCK_ROWS)
    est = MFCC(sr=sr, **PARAMS).fit(clips[:2])
    est.transform_frames(clips[:20])
    for y in clips[:20]:
        librosa.feature.mfcc(y=y, sr=sr, **PARAMS)
    mel = np.random.default_rng(0).uniform(1e-10, 1.0, (n_frames, PARAMS["n_mels"]))
    r = args.repeats
    # The fastest form of the floor, then it and both engines in alternating
    # rounds, so that each round's ratio sees one state of a shared machine.
    t_floor_b = median_of(floor_blocked, r, time.process_time)[0]
    t_floor_w = median_of(floor_whole, r, time.process_time)[0]
    t_floor_r = median_of(floor_reused, r, time.process_time)[0]
    floor_fn = min(zip((t_floor_b, t_floor_w, t_floor_r),
                       (floor_blocked, floor_whole, floor_reused)), key=lambda tf: tf[0])[1]
    engine_numpy = numpy_engine(est)
    rounds = {"floor": floor_fn, "compiled": lambda: est.transform_frames(clips),
              "numpy": lambda: engine_numpy.transform_frames(clips)}
    n_rounds = 6 * r
    cpu, wall, out = interleaved(rounds, n_rounds)
    frames_sk = out["compiled"]
    t_floor, w_floor = np.median(cpu["floor"]), np.median(wall["floor"])
    t_skmm, w_skmm = np.median(cpu["compiled"]), np.median(wall["compiled"])
    t_np, w_np = np.median(cpu["numpy"]), np.median(wall["numpy"])
    per_round = np.asarray(cpu["compiled"]) / np.asarray(cpu["floor"])
    ratio_q1, ratio_rounds, ratio_q3 = np.percentile(per_round, [25, 50, 75])
    ratio_fastest = min(cpu["compiled"]) / min(cpu["floor"])
    t_log, w_log, _ = cpu_and_wall(lambda: np.log(mel), r)
    r_slow = max(1, r // 2)
    t_skmm_fn, w_skmm_fn, _ = cpu_and_wall(
        lambda: [mfcc(y, sr, **PARAMS) for y in clips], r_slow)
    t_lib_mfcc, w_lib_mfcc, frames_lib = cpu_and_wall(
        lambda: [librosa.feature.mfcc(y=y, sr=sr, **PARAMS) for y in clips], r_slow)
    rel_frames = max(float(np.max(np.abs(a - b.T)) / np.max(np.abs(b)))
                     for a, b in zip(frames_sk, frames_lib))
    rel_engines = max(float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
                      for a, b in zip(frames_sk, out["numpy"]))
    print(f"MFCC of {n_frames} frames, CPU s (medians of {3 * r} alternating rounds): "
          f"compiled {t_skmm:.3f}, NumPy engine {t_np:.3f}, floor {t_floor:.3f}; "
          f"compiled/floor {t_skmm / t_floor:.2f} (per-round median {ratio_rounds:.2f}, "
          f"wall {w_skmm / w_floor:.2f}), NumPy engine/floor {t_np / t_floor:.2f}; "
          f"log {t_log:.3f}, librosa {t_lib_mfcc:.3f} (librosa/skmm "
          f"{t_lib_mfcc / t_skmm:.2f}); max |diff| / max |ref| per clip: librosa "
          f"{rel_frames:.1e}, engines {rel_engines:.1e}")

    # -- 3. path -> pooled row; cold starts in fresh interpreters --
    lib_imp, lib_first = cold("librosa", paths)
    sk_imp, sk_first = cold("skmm", paths)
    librosa_rows(paths[:20])
    est = skmm_estimator().fit(paths)
    est.transform(paths[:20])
    rp = max(1, r // 2)
    t_lib, X_lib32 = median_of(lambda: librosa_rows(paths), rp)
    t_sk1, X_sk = median_of(lambda: est.set_params(n_jobs=1).transform(paths), rp)
    est.set_params(n_jobs=2).transform(paths[:50])  # start the workers
    t_sk2, X_sk2 = median_of(lambda: est.set_params(n_jobs=2).transform(paths), rp)
    np.testing.assert_allclose(X_sk2, X_sk, rtol=1e-10, atol=1e-10)  # BLAS threads differ
    load_after = os.getloadavg()

    # -- 2. equality of the pooled rows on every clip --
    X_lib64 = librosa_rows(paths, dtype=np.float64)

    def rel(a, b):
        return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))

    def rel_big(a, b, frac=1e-2):
        big = np.abs(b) >= frac * np.max(np.abs(b))
        return float(np.max(np.abs(a - b)[big] / np.abs(b)[big]))

    eq = {
        "frame MFCCs vs librosa (float64 signal): max over clips of max |diff| / max |ref|":
            rel_frames,
        "pooled rows vs librosa on a float64 signal: max |diff| / max |ref|": rel(X_sk, X_lib64),
        "pooled rows vs librosa on a float64 signal: max relative diff (|ref| >= 1% of max)":
            rel_big(X_sk, X_lib64),
        "pooled rows vs librosa default (float32 load): max |diff| / max |ref|":
            rel(X_sk, X_lib32),
        "pooled rows vs librosa default (float32 load): max relative diff (|ref| >= 1% of max)":
            rel_big(X_sk, X_lib32),
    }
    for k, v in eq.items():
        print(f"{k}: {v:.2e}")

    lines = ["# MFCC on FSDD: skmm vs librosa vs the FFT floor", ""]
    lines += ["Generated by `benchmarks/bench_mfcc.py`"
              + (" --quick" if args.quick else "") + f" on {n} clips "
              f"(FSDD, 8 kHz, median 0.42 s, {n_frames} frames). Parameters: `{PARAMS}`.", ""]
    lines += ["**Timings were taken on a machine shared with other jobs** (load average "
              f"{load_before[0]:.1f} at the start, {load_after[0]:.1f} at the end, on "
              f"{len(os.sched_getaffinity(0))} cores): all are medians of repeats, and the "
              "ratios, measured in the same run, mean more than the seconds.", ""]
    lines += ["## Hardware", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in hardware().items()]
    lines += ["", "## MFCC alone, clips in memory (one process, one thread)", "",
              "| what | CPU s | / FFT floor | librosa / this | wall s | / FFT floor (wall) |",
              "|---|---|---|---|---|---|"]
    rows = [
        ("floor: rfft + power of the same frames (built beforehand)", t_floor, w_floor),
        ("`np.log` of the mel energies alone (n_frames x 40)", t_log, w_log),
        ("skmm `MFCC.transform_frames`, compiled engine (Numba)", t_skmm, w_skmm),
        ("skmm `MFCC.transform_frames`, NumPy engine (without Numba)", t_np, w_np),
        ("skmm `mfcc()` called clip by clip", t_skmm_fn, w_skmm_fn),
        ("librosa `feature.mfcc` clip by clip", t_lib_mfcc, w_lib_mfcc),
    ]
    for name, t, w in rows:
        lines.append(f"| {name} | {t:.3f} | {t / t_floor:.2f}x | {t_lib_mfcc / t:.2f}x "
                     f"| {w:.3f} | {w / w_floor:.2f}x |")
    lines += ["", "CPU s is `time.process_time` of this process, the measure that other "
              "jobs on the machine disturb least; wall s is `time.perf_counter`. The "
              f"floor and both engines are medians of {n_rounds} alternating rounds (floor, "
              "compiled, NumPy, floor, ...), so that each ratio compares runs under the "
              "same load; the per-round ratios compiled / floor have median "
              f"{ratio_rounds:.2f} (quartiles {ratio_q1:.2f} and {ratio_q3:.2f}), and the "
              f"fastest round of each gives {ratio_fastest:.2f}. The floor is the fastest "
              f"of blocks of {_BLOCK_ROWS} "
              f"frames ({t_floor_b:.3f} s alone), one matrix ({t_floor_w:.3f} s) and "
              "blocks into reused buffers with `numpy.fft.rfft(out=)` "
              f"({t_floor_r:.3f} s); the clip-by-clip and log rows are medians of "
              f"{r_slow} and {r} runs.", "",
              f"Issue 11 asked for <= 1.3x the floor; this run gives {t_skmm / t_floor:.2f}x "
              f"(CPU) and {w_skmm / w_floor:.2f}x (wall) for the compiled engine, "
              f"{t_np / t_floor:.2f}x for the NumPy engine. What the compiled engine "
              "does (`skmm/feature_extraction/_mfcc_kernel.py`): the clips of a block lie "
              "on one hop grid, so `rfft` reads every frame in place from the samples "
              "(cheaper than the floor's reading of frames built beforehand, which are "
              "3.2x the signal); the Hann window is applied to the spectra as a 3-tap "
              "convolution; powers are stored one row per bin so that the mel "
              "projection (over each filter's support), a vectorised float64 logarithm "
              "(1 ulp of `np.log`; NumPy's own is scalar on CPUs without AVX-512, see "
              "the `np.log` row), the per-clip dB "
              "floor and the DCT run as loops over contiguous frames. The NumPy engine "
              "gathers and windows a frame matrix per block, then rfft, mel and DCT "
              "products and `np.log`.", ""]

    lines += ["## Equality", "", "| reference | value |", "|---|---|"]
    lines += [f"| {k} | {v:.2e} |" for k, v in eq.items()]
    lines += ["", f"The two skmm engines differ by at most {rel_engines:.1e} of a clip's "
              "largest coefficient. skmm computes in float64. librosa computes in its "
              "input's precision (`librosa.load` returns float32) with a float32 mel filter bank; on a "
              "float64 signal the two agree to about 1e-8 of the coefficient scale "
              "(and to 1e-13 when librosa's filter bank is float64, see the tests).", ""]
    lines += ["## Path to pooled row (WAV reading, deltas width 9, mean+std: 52 features)",
              "", "| what | seconds | per clip (ms) | librosa warm / this |",
              "|---|---|---|---|"]
    rows = [
        ("librosa: `import librosa` (lazy, fresh interpreter)", lib_imp, None),
        ("librosa: first clip, cold (submodule imports, numba JIT)", lib_first, None),
        ("skmm: `from skmm.feature_extraction import MFCC` (sklearn, scipy)", sk_imp, None),
        ("skmm: first clip, cold", sk_first, None),
        (f"librosa warm, {n} clips", t_lib, n),
        (f"skmm warm, n_jobs=1, {n} clips", t_sk1, n),
        (f"skmm warm, n_jobs=2, {n} clips", t_sk2, n),
    ]
    for name, t, count in rows:
        per = f"{1e3 * t / count:.3f}" if count else ""
        ratio = f"{t_lib / t:.2f}x" if count else ""
        lines.append(f"| {name} | {t:.3f} | {per} | {ratio} |")
    print(f"path -> row: librosa warm {t_lib:.2f}s, skmm {t_sk1:.2f}s "
          f"(x{t_lib / t_sk1:.2f}), n_jobs=2 {t_sk2:.2f}s (x{t_lib / t_sk2:.2f})")
    lines += ["", f"Warm timings are medians of {rp} runs.", ""]

    if not (args.quick or args.no_accuracy):
        lines += ["## Accuracy: StandardScaler + SVC(RBF, C=10, gamma='scale')", "",
                  "| features | dims | official split | leave-one-speaker-out mean "
                  "(per fold) |", "|---|---|---|---|"]

        def report(name, X):
            official, loso = evaluate(X, digits, speakers, split)
            folds = ", ".join(f"{a:.2f}" for a in loso)
            lines.append(f"| {name} | {X.shape[1]} | {official:.3f} | "
                         f"{loso.mean():.3f} ({folds}) |")
            print(f"{name}: official {official:.3f}, LOSO {loso.mean():.3f}")

        report("librosa reference (mfcc+delta, mean/std)", X_lib32)
        report("skmm MFCC (same)", X_sk)
        variants = {
            "skmm + delta2, mean/std": dict(deltas=2),
            "skmm + delta2, mean/std/min/max/p10/p50/p90":
                dict(deltas=2, pooling=["mean", "std", "min", "max", "p10", "p50", "p90"]),
            "skmm cmvn='mean' + delta2, std/min/max/p10/p50/p90":
                dict(deltas=2, cmvn="mean",
                     pooling=["std", "min", "max", "p10", "p50", "p90"]),
            "skmm n_mfcc=20, lifter=22, delta2, mean/std":
                dict(n_mfcc=20, lifter=22, deltas=2),
            "skmm + delta2, mean/std per third of the clip (n_segments=3)":
                dict(deltas=2, n_segments=3),
            "skmm + delta2, mean/std/min/max per third of the clip (n_segments=3)":
                dict(deltas=2, n_segments=3, pooling=["mean", "std", "min", "max"]),
        }
        for name, kw in variants.items():
            report(name, skmm_estimator(**kw).fit(paths).transform(paths))
        X_big = skmm_estimator(deltas=2).fit(paths).transform(paths)
        report("skmm + delta2 mean/std, standardised per speaker (transductive)",
               per_speaker_standardise(X_big, speakers))
        lines += ["", "Leave-one-speaker-out uses `GroupKFold` over the 6 speakers. The "
                  "per-speaker standardisation row uses each test speaker's own "
                  "unlabelled clips (speaker-level normalisation, transductive).", ""]

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
