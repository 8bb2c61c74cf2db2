"""Shared pieces of the side-by-side benchmarks (compare-restart, footprint, heartbeat-load).

Reuses bench/restart-latency's stamp file reader, kill loop, percentiles and vigild build step, and adds what the
peers need: the subreaper every supervisor runs under, per-process RSS and CPU readings, peer versions, and the
RESULTS.md section writer.
"""

from __future__ import annotations

import datetime
import importlib.machinery
import importlib.util
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "RESULTS.md"
PEER_PACKAGES = ["monit", "supervisor", "systemd-container", "gcc"]


def _load_restart_latency():
    loader = importlib.machinery.SourceFileLoader("restart_latency", str(BENCH_DIR / "restart-latency"))
    spec = importlib.util.spec_from_loader("restart_latency", loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["restart_latency"] = module
    loader.exec_module(module)
    return module


rl = _load_restart_latency()
BenchError = rl.BenchError
StampFile = rl.StampFile
Kill = rl.Kill
kill_loop = rl.kill_loop
percentile = rl.percentile
now_ns = rl.now_ns
# The build `make` ships: release, the Swift runtime linked in statically (its RSS differs from a dynamic build's).
rl.BUILD_COMMAND = [
    "swift", "build", "-c", "release", "--static-swift-stdlib", "--scratch-path", ".build-bench-static",
    "--product", "vigild",
]  # fmt: skip
# Monit polls once a second: a restart may take a cycle and a half before its stamp appears.
rl.RESTART_TIMEOUT_S = 10.0

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# MARK: - Set-up


def install_peers(packages: list[str] | None = None) -> None:
    """Installs the peers (or `packages`) from Debian's packages with scripts/setup's vigil_install_packages."""
    subprocess.run(
        ["bash", "-c", 'source scripts/setup && vigil_install_packages "$@"', "setup", *(packages or PEER_PACKAGES)],
        cwd=REPO_ROOT,
        check=True,
    )


def compile_c(source: str, output: Path, *libraries: str) -> Path:
    subprocess.run(
        ["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", str(output), str(BENCH_DIR / source), *libraries],
        check=True,
    )
    return output


def build_vigil(product: str = "vigild") -> tuple[Path, str]:
    """vigild (or vigilctl, next to it) in release mode, or the binary in $VIGILD (vigilctl: $VIGILCTL if set)."""
    if product == "vigilctl" and os.environ.get("VIGILCTL"):
        return Path(os.environ["VIGILCTL"]).resolve(), f"given as VIGILCTL={os.environ['VIGILCTL']}"
    vigild, build = rl.build_vigild()
    if os.environ.get("VIGILD"):
        build += f"; repository at {rl.git_describe()}"
    if product == "vigild":
        return vigild, build
    other = vigild.parent / product
    if not other.exists():
        subprocess.run(rl.BUILD_COMMAND[:-1] + [product], cwd=REPO_ROOT, check=True)
    return other, build


# MARK: - Processes


def start_under_reaper(reaper: Path, argv: list[str], log: Path, cwd: Path | None = None) -> subprocess.Popen:
    """Starts `reaper argv…` in a session of its own, output to `log`."""
    handle = log.open("ab")
    try:
        return subprocess.Popen(
            [str(reaper), *argv],
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=handle,
            start_new_session=True,
            cwd=cwd,
        )
    finally:
        handle.close()


def children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


def stop_process(process: subprocess.Popen | None, name: str, timeout_s: float = 15) -> None:
    """SIGTERM, then SIGKILL after `timeout_s`; the reaper passes SIGTERM on and kills what it adopted."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        print(f"{name} (pid {process.pid}) did not stop within {timeout_s:.0f}s of SIGTERM; SIGKILL", file=sys.stderr)
        for child in children_of(process.pid):
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.kill()
        process.wait()


def kill_strays(binary: Path) -> int:
    """SIGKILLs every process whose executable is `binary` (a file in this run's temp directory), by pid."""
    killed = 0
    target = str(binary)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.readlink(entry / "exe") == target:
                os.kill(int(entry.name), signal.SIGKILL)
                killed += 1
        except (OSError, ProcessLookupError):
            pass
    return killed


def count_alive(binary: Path) -> int:
    target = str(binary)
    alive = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "exe") == target:
                    alive += 1
            except OSError:
                pass
    return alive


# MARK: - Readings


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (its own threads, not its children), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command: state is field 3, utime field 14, stime field 15 (1-based, man 5 proc).
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and RssAnon (and VmHWM) of one process, in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "RssAnon", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def idle_window(pid: int, window_s: float) -> dict[str, float]:
    """CPU used by `pid` over `window_s` seconds (as % of one core), and its memory at the end."""
    cpu_before = cpu_seconds(pid)
    started = time.monotonic()
    time.sleep(window_s)
    cpu_after = cpu_seconds(pid)
    elapsed = time.monotonic() - started
    memory = memory_kib(pid)
    return {
        "cpu_s": cpu_after - cpu_before,
        "cpu_percent": 100 * (cpu_after - cpu_before) / elapsed,
        "elapsed_s": elapsed,
        "rss_kib": memory.get("VmRSS", 0),
        "anon_kib": memory.get("RssAnon", 0),
        "hwm_kib": memory.get("VmHWM", 0),
    }


def wait_until(condition, timeout_s: float, what: str, alive=lambda: True, interval_s: float = 0.05) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if not alive():
            raise BenchError(f"the supervisor exited while waiting for {what}")
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(interval_s)


def count_lines(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(1 for _ in handle)
    except FileNotFoundError:
        return 0


# MARK: - Reporting


def first_line(argv: list[str]) -> str:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError:
        return "not installed"
    text = (result.stdout or result.stderr).strip()
    return text.splitlines()[0] if text else "unknown"


def package_version(package: str) -> str:
    return first_line(["dpkg-query", "-W", "-f=${Version}", package])


def peer_versions() -> dict[str, str]:
    """Debian package versions of the peers."""
    return {
        "systemd": f"systemd {package_version('systemd')}",
        "monit": f"monit {package_version('monit')}",
        "supervisord": f"supervisor {package_version('supervisor')}",
        "sh": f"dash {package_version('dash')}",
    }


def machine_line() -> str:
    machine = rl.machine_description()
    return f"Linux {machine['kernel']}, {machine['nproc']} CPUs, {machine['cpu']}"


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def git_describe() -> str:
    return rl.git_describe()


def write_section(name: str, section: str) -> None:
    """Replaces the `<!-- name:begin/end -->` section of RESULTS.md, or appends it."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{section.rstrip()}\n{end}\n"
    text = RESULTS.read_text()
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail.lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    RESULTS.write_text(text)


def kernel_release() -> str:
    return platform.release()
