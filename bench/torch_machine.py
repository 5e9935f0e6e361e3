"""Where a PyTorch figure was measured: the machine and the BLAS that PyTorch actually loaded, recorded with
every stored figure (bench/pytorch_w3.py, bench/tasks/pytorch_tasks.py) because these shared machines differ
from day to day and a figure means little without them; and the fallback to the Python that has torch."""

import os
import platform
import re
import sys


def require_torch():
    """Re-runs the script under Debian's Python (which has python3-torch) when this one cannot import torch."""
    try:
        import torch  # noqa: F401
    except ModuleNotFoundError:
        debian_python = "/usr/bin/python3"
        if os.path.realpath(sys.executable) != os.path.realpath(debian_python) and os.path.exists(debian_python):
            print(f"torch is not importable from {sys.executable}; re-running under {debian_python}", file=sys.stderr)
            os.execv(debian_python, [debian_python] + sys.argv)
        raise


def loaded_blas():
    """Shared BLAS/LAPACK libraries actually mapped into this process."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = os.path.basename(path)
                if re.search(r"blas|lapack|mkl|dnnl", name, re.I):
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(libs)


def blas_summary():
    import torch  # here, so that the scripts can re-run themselves under a Python that has torch first

    cfg = torch.__config__.show()
    parts = []
    for key in ("BLAS_INFO", "LAPACK_INFO", "USE_MKLDNN", "USE_OPENMP"):
        m = re.search(key + r"=([^,\s]+)", cfg)
        if m:
            parts.append(f"{key}={m.group(1)}")
    m = re.search(r"MKL-DNN (v[\d.]+)", cfg)
    if m:
        parts.append(f"oneDNN {m.group(1)}")
    m = re.search(r"CPU capability usage: (\S+)", cfg)
    if m:
        parts.append(f"CPU capability {m.group(1)}")
    parts.append("MKL " + ("available" if torch.backends.mkl.is_available() else "not available"))
    libs = [l for l in loaded_blas() if re.search(r"blas|lapack", os.path.basename(l), re.I)]
    if libs:
        parts.append("loaded BLAS " + " ".join(libs))
    return ", ".join(parts)


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    os_name = platform.platform()
    try:
        with open("/etc/os-release") as f:
            rel = dict(l.rstrip().split("=", 1) for l in f if "=" in l)
        os_name = rel.get("PRETTY_NAME", os_name).strip('"')
        with open("/etc/debian_version") as f:
            os_name += f" ({f.read().strip()})"
    except OSError:
        pass
    affinity = sorted(os.sched_getaffinity(0))
    return (f"{cpu}, {os.cpu_count()} vCPUs (shared), {os_name}, Linux {platform.release()}, "
            f"{platform.machine()}, process affinity CPUs {affinity}")


def stored_header(source, command):
    """The fields every stored figures file starts with: what ran, on which machine, when, and how to rerun it."""
    import time
    return {"source": source, "machine": machine(), "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "command": command}
