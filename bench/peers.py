"""How each benchmarked supervisor is configured to run `count` copies of the stamp program.

Every function writes its configuration into `workdir` and returns the command line to run (under bench/reaper.c);
service `i` runs `stamp STAMPS` and so appends one `<pid> <ns>` line to the shared stamp file when it starts. The
restart policy is each supervisor's fastest: restart always, no delay, no start-rate limit the run can reach.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from benchlib import BenchError


def vigild(workdir: Path, vigild: Path, stamp: Path, stamps: Path, count: int, fast_restart: bool = True) -> list[str]:
    """vigild: `count` targets; with `fast_restart` restart = always, backoff 0, stable_after 0 (as
    bench/restart-latency), else vigild's default restart policy."""
    run = workdir / "vigil-run"
    run.mkdir(exist_ok=True)
    config = workdir / "vigil.toml"
    lines = [
        "# Written by bench/ (compare-restart, footprint, heartbeat-load).",
        "[daemon]",
        'log_level = "info"',
        'log_target = "stderr"',
        f'runtime_dir = "{run}"',
        f'state_dir = "{workdir}/vigil-state"',
    ]
    for index in range(count):
        lines += [
            "",
            "[[target]]",
            f'name = "stamp{index}"',
            f'exec = ["{stamp}", "{stamps}"]',
        ]
        if fast_restart:
            lines.append(
                'restart = { mode = "always", backoff = "0..1s", burst = 100000, within = "1s", stable_after = "0", '
                'start_grace = "0" }'
            )
    config.write_text("\n".join(lines) + "\n")
    check = subprocess.run([str(vigild), "--check-config", str(config)], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        raise BenchError(f"vigild rejects the benchmark configuration {config}:\n{check.stdout}{check.stderr}")
    return [str(vigild), "--config", str(config), "--log-target", "stderr"]


def monit(workdir: Path, stamp: Path, stamps: Path, count: int) -> list[str]:
    """Monit at its fastest cycle (`set daemon 1`); each service is started in the background by /bin/sh, which
    writes its pid file, and Monit watches the pid file."""
    directory = workdir / "monit"
    directory.mkdir(exist_ok=True)
    lines = [
        "set daemon 1",
        f"set logfile {directory}/monit.log",
        f"set idfile {directory}/monit.id",
        f"set statefile {directory}/monit.state",
        f"set pidfile {directory}/monit.pid",
    ]
    for index in range(count):
        pidfile = directory / f"stamp{index}.pid"
        start = f"{shlex.quote(str(stamp))} {shlex.quote(str(stamps))} </dev/null >/dev/null 2>&1 & echo $! > {pidfile}"
        lines += [
            f"check process stamp{index} with pidfile {pidfile}",
            f"  start program = \"/bin/sh -c '{start}'\"",
            f"  stop program = \"/bin/sh -c 'kill -9 $(cat {pidfile})'\"",
        ]
    config = directory / "monitrc"
    config.write_text("\n".join(lines) + "\n")
    os.chmod(config, 0o600)
    check = subprocess.run(["monit", "-t", "-c", str(config)], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        raise BenchError(f"monit rejects {config}:\n{check.stdout}{check.stderr}")
    return ["monit", "-I", "-c", str(config)]


def supervisord(workdir: Path, stamp: Path, stamps: Path, count: int) -> list[str]:
    """supervisord: `numprocs = count`, autorestart, startsecs = 0 (counts as running at once), output discarded."""
    directory = workdir / "supervisord"
    directory.mkdir(exist_ok=True)
    config = directory / "supervisord.conf"
    config.write_text(
        "\n".join(
            [
                "[supervisord]",
                "nodaemon = true",
                "user = root",
                f"logfile = {directory}/supervisord.log",
                f"pidfile = {directory}/supervisord.pid",
                f"childlogdir = {directory}",
                f"minfds = {max(1024, 4 * count + 64)}",
                "",
                "[program:stamp]",
                f"command = {stamp} {stamps}",
                "process_name = %(program_name)s%(process_num)d",
                f"numprocs = {count}",
                "autorestart = true",
                "startsecs = 0",
                "startretries = 1000000",
                "stdout_logfile = NONE",
                "stderr_logfile = NONE",
                "",
            ]
        )
    )
    return ["supervisord", "-n", "-c", str(config)]


def shell_loop(stamp: Path, stamps: Path) -> list[str]:
    """The floor: `while :; do stamp STAMPS; done`."""
    return ["/bin/sh", "-c", 'while :; do "$0" "$1"; done', str(stamp), str(stamps)]


# MARK: - systemd in a container


def systemd_units(units: Path, services: dict[str, str], probe: str | None, count: int = 1) -> None:
    """Unit files for a container booted into bench.target.

    - Parameters:
      - services: unit name → extra [Service] lines, for services whose ExecStart runs `/bench/stamp
        /bench/<name>.stamps`. With `count` > 1 each becomes a template started `count` times.
      - probe: the probe's ExecStart, run as a oneshot after the services; the container powers off when it ends.
    """
    units.mkdir(parents=True, exist_ok=True)
    wants = []
    for name, extra in services.items():
        template = count > 1
        unit = f"{name}@.service" if template else f"{name}.service"
        (units / unit).write_text(
            "\n".join(
                [
                    "[Unit]",
                    "Description=bench stamp service",
                    # Without this, 5 starts in 10 s put the unit in the failed state (the default start limit).
                    "StartLimitIntervalSec=0",
                    "DefaultDependencies=no",
                    "",
                    "[Service]",
                    f"ExecStart=/bench/stamp /bench/{name}.stamps",
                    "Restart=always",
                    extra,
                    "",
                ]
            )
        )
        if template:
            wants_dir = units / "bench.target.wants"
            wants_dir.mkdir(exist_ok=True)
            for index in range(count):
                (wants_dir / f"{name}@{index}.service").symlink_to(f"../{unit}")
        else:
            wants.append(unit)
    after = " ".join(wants) or ""
    if probe:
        (units / "bench-probe.service").write_text(
            "\n".join(
                [
                    "[Unit]",
                    "Description=bench probe",
                    f"After={after}",
                    "SuccessAction=poweroff-force",
                    "FailureAction=poweroff-force",
                    "",
                    "[Service]",
                    "Type=oneshot",
                    f"ExecStart={probe}",
                    "TimeoutStartSec=1h",
                    "StandardOutput=append:/bench/probe.log",
                    "StandardError=append:/bench/probe.log",
                    "",
                ]
            )
        )
        wants.append("bench-probe.service")
    (units / "bench.target").write_text(
        "\n".join(["[Unit]", "Description=bench", f"Wants={' '.join(wants)}", ""]) if wants else "[Unit]\n"
    )


def nspawn_command(workdir: Path, units: Path, machine: str, timeout_s: int) -> list[str]:
    """Boots the host's own tree in a container: systemd is PID 1 there, /bench is `workdir`, and only the bench
    units exist in /etc/systemd/system."""
    return [
        "timeout",
        "--kill-after=10",
        str(timeout_s),
        "systemd-nspawn",
        "--quiet",
        "--directory=/",
        "--volatile=yes",
        "--register=no",
        "--keep-unit",
        f"--machine={machine}",
        f"--bind={workdir}:/bench",
        f"--bind-ro={units}:/etc/systemd/system",
        "--boot",
        "--",
        "systemd.firstboot=off",
        "systemd.unit=bench.target",
    ]
