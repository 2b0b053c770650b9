#!/usr/bin/env bash
# The GPU checks of skmm as one run, for a machine with CuPy and a CUDA GPU
# that cannot download packages (the lent device machine of this project).
#
#   bash benchmarks/gpu_checks.sh --fetch   # here, with network: wheels the
#                                           # GPU image lacks, into .whl/
#   bash benchmarks/gpu_checks.sh [DIR]     # there: the checks, logs in DIR
#
# The second form installs .whl/*.whl (pure-Python wheels) into /tmp/site,
# runs skmm from the source tree (no build needed), then
#   1. the tests marked gpu and the device tests against CuPy,
#   2. benchmarks/bench_gpu.py (CPU vs GPU, each GPU time beside its floor),
# and copies benchmarks/results/gpu.md and the logs to DIR (default $OUT,
# else /tmp/gpu_checks). It exits non-zero if the tests fail.
set -uo pipefail
cd "$(dirname "$0")/.."

# What skmm and its tests import that a CUDA image with NumPy, SciPy,
# scikit-learn, numba, OpenCV and CuPy may lack (all pure Python).
WHEELS="array-api-compat array-api-strict"

if [ "${1:-}" = "--fetch" ]; then
  mkdir -p .whl
  grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
  # shellcheck disable=SC2086
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d .whl $WHEELS
  ls -l .whl
  exit
fi

out="${1:-${OUT:-/tmp/gpu_checks}}"
mkdir -p "$out"
if compgen -G ".whl/*.whl" > /dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
    --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH="/tmp/site:${PYTHONPATH:-}"
fi
export PYTHONPATH="$PWD:${PYTHONPATH:-}" PYTHONUNBUFFERED=1 SCIPY_ARRAY_API=1

python3 - <<'EOF' 2>&1 | tee "$out/versions.txt"
import importlib
for name in ["numpy", "scipy", "sklearn", "cupy", "numba", "cv2", "array_api_compat",
             "array_api_strict"]:
    try:
        print(name, importlib.import_module(name).__version__)
    except Exception as exc:  # report and go on: the tests say what is missing
        print(name, "MISSING", type(exc).__name__, exc)
import cupy
print("GPU:", cupy.cuda.runtime.getDeviceProperties(0)["name"].decode())
EOF

python3 -m pytest -q -p no:cacheprovider -o addopts="" -rs \
  tests/test_gpu.py tests/test_spectral_device.py tests/cross_decomposition/test_nmf_scale.py \
  2>&1 | tee "$out/tests.log"
tests_rc=${PIPESTATUS[0]}

python3 benchmarks/bench_gpu.py 2>&1 | tee "$out/bench_gpu.log"
cp benchmarks/results/gpu.md "$out/" 2>/dev/null
exit "$tests_rc"
