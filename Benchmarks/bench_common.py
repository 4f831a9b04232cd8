"""What the benchmark drivers (run_core.py, run_np.py) share: building a Swift benchmark,
running one benchmark process, and giving PyTorch the process set-up Penumbra gives itself."""
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(product):
    """Builds a Swift benchmark product in release mode (build output to stderr)."""
    subprocess.run(["swift", "build", "-c", "release", "--product", product], cwd=ROOT, check=True, stdout=sys.stderr)


def run(command, env):
    """Runs one benchmark process and returns its JSON report (its last stdout line)."""
    result = subprocess.run([str(c) for c in command], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{Path(sys.argv[0]).name}: {' '.join(map(str, command))} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def paired_ratio(swift, pytorch):
    """The median of the per-round ratios swift[i] / pytorch[i] (steps/s): each round's two runs
    are adjacent in time, so this is less sensitive to the machine's drift than the ratio of
    the two medians."""
    return statistics.median(s / p for s, p in zip(swift, pytorch))


def match_penumbra_process(env, blas_core):
    """Sets `env` so both sides use the OpenBLAS kernels the Swift side reported (`blas_core`,
    from Torch.selectBLASKernel; a user's OPENBLAS_CORETYPE wins) and glibc settings equal to
    Torch.keepFreedMemory's."""
    env.setdefault("OPENBLAS_CORETYPE", blas_core)
    env.update(MALLOC_MMAP_MAX_="0", MALLOC_TRIM_THRESHOLD_="2147483647")
