"""Three Pacemaker + corosync nodes on one machine, for bench/pacemaker-failover and bench/cluster-idle.

Debian's packages (`pacemaker`, `corosync`, `pacemaker-cli-utils`, `resource-agents`) installed, nothing of theirs
started. Each node is a network namespace of its own joined by a veth to a bridge in a hub namespace (as
bench/cluster-failover's vigild nodes), plus, inside `ip netns exec`, a UTS namespace (its host name is its node
name) and a mount namespace in which per-node directories are bind-mounted over `/etc/corosync`,
`/var/lib/corosync`, `/var/lib/pacemaker`, `/var/log`, `/run` and `/dev/shm` (libqb's IPC: abstract sockets are
per network namespace already, its ring buffers are files in /dev/shm). Each node runs in a cgroup v2 of its own
(under /sys/fs/cgroup/unified), so that a node's loss is one write to `cgroup.kill`: corosync, pacemakerd, its six
daemons and the resources they started die at the same instant.

corosync 3.1 with knet, `token: 1000` and `token_coefficient: 0` (else corosync adds 650 ms per node beyond two:
the runtime token would be 1650 ms), consensus its default 1.2 × token, no crypto (test-only); Pacemaker with `stonith-enabled=false` (test-only:
without fencing a node that is merely cut off may still run its resources; `no-quorum-policy=stop` stops them on
the minority side), `no-quorum-policy=stop`, `resource-stickiness=100` (a node that comes back takes nothing back).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup/unified")
PACKAGES = ["pacemaker", "corosync", "pacemaker-cli-utils", "resource-agents"]
# Bind-mounted per node, in this order (a path's parent must not be mounted over after it).
PRIVATE_DIRS = ["/etc/corosync", "/var/lib/corosync", "/var/lib/pacemaker", "/var/log", "/run", "/dev/shm"]


def require_packages() -> None:
    """Exits with the apt-get command when Debian's Pacemaker packages are missing (this script installs nothing)."""
    missing = [p for p in ["/usr/sbin/corosync", "/usr/sbin/pacemakerd", "/usr/sbin/crm_mon",
                           "/usr/lib/ocf/resource.d/heartbeat/anything"] if not os.path.exists(p)]  # fmt: skip
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}: apt-get install -y {' '.join(PACKAGES)}")


def ip(*arguments: str) -> None:
    result = subprocess.run(["ip", *arguments], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(arguments)}: {result.stderr.strip()}")


class Network:
    """`size` namespaces `pcmk-TAG-nI`, each with a veth into the bridge of `pcmk-TAG-hub`, on 10.213.S.0/24."""

    def __init__(self, size: int, prefix: str = "pcmk") -> None:
        self.tag = f"{random.randrange(1 << 24):06x}"
        self.hub = f"{prefix}-{self.tag}-hub"
        self.namespaces = [f"{prefix}-{self.tag}-n{i + 1}" for i in range(size)]
        subnet = random.randrange(256)
        self.addresses = [f"10.213.{subnet}.{11 + i}" for i in range(size)]
        try:
            ip("netns", "add", self.hub)
            ip("-n", self.hub, "link", "add", "br0", "type", "bridge")
            ip("-n", self.hub, "link", "set", "br0", "up")
            for index, namespace in enumerate(self.namespaces):
                ip("netns", "add", namespace)
                ip("-n", namespace, "link", "set", "lo", "up")
                near, far = f"pk{self.tag}n{index}", f"pk{self.tag}n{index}b"
                ip("link", "add", near, "type", "veth", "peer", "name", far)
                ip("link", "set", far, "netns", self.hub)
                ip("-n", self.hub, "link", "set", far, "master", "br0")
                ip("-n", self.hub, "link", "set", far, "up")
                ip("link", "set", near, "netns", namespace)
                ip("-n", namespace, "addr", "add", self.addresses[index] + "/24", "dev", near)
                ip("-n", namespace, "link", "set", near, "up")
        except BaseException:
            self.remove()
            raise

    def cut(self, index: int) -> None:
        """Drops every packet between node `index` and the others, both ways, inside its namespace (nftables)."""
        peers = ", ".join(a for i, a in enumerate(self.addresses) if i != index)
        rules = (
            "table inet pcmk_cut {\n"
            f"  chain input {{ type filter hook input priority 0; ip saddr {{ {peers} }} drop; }}\n"
            f"  chain output {{ type filter hook output priority 0; ip daddr {{ {peers} }} drop; }}\n"
            "}\n"
        )
        subprocess.run(["ip", "netns", "exec", self.namespaces[index], "nft", "-f", "-"], input=rules.encode(),
                       check=True)  # fmt: skip

    def heal(self, index: int) -> None:
        subprocess.run(["ip", "netns", "exec", self.namespaces[index], "nft", "delete", "table", "inet", "pcmk_cut"],
                       check=True)  # fmt: skip

    def remove(self) -> None:
        for namespace in self.namespaces + [self.hub]:
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)


COROSYNC_CONF = """totem {{
    version: 2
    cluster_name: pcmkbench
    transport: knet
    token: {token}
    token_coefficient: 0
    crypto_cipher: none
    crypto_hash: none
}}
logging {{
    to_logfile: yes
    logfile: /var/log/corosync/corosync.log
    to_syslog: no
    to_stderr: no
    timestamp: hires
    debug: off
}}
quorum {{
    provider: corosync_votequorum
}}
nodelist {{
{nodes}
}}
"""

# Runs as the node's first process, inside its network, UTS and mount namespaces: private directories, host name,
# corosync, then pacemakerd in its place (so the Popen's pid is pacemakerd's).
NODE_SCRIPT = r"""
set -e
R="$1"; NAME="$2"
for d in {dirs}; do
    mount --bind "$R/root$d" "$d"
done
hostname "$NAME"
export PCMK_logfile=/var/log/pacemaker/pacemaker.log PCMK_logfacility=none PCMK_debug=no
/usr/sbin/corosync -f >/var/log/corosync/stdout.log 2>&1 &
i=0
until /usr/sbin/corosync-cfgtool -s >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 300 ] || {{ echo "corosync did not start" >&2; exit 1; }}
    sleep 0.05
done
exec /usr/sbin/pacemakerd
"""


class PacemakerCluster:
    """Three (or `size`) Pacemaker nodes `n1`…; `nodes[name]` is the node's pacemakerd Popen."""

    def __init__(self, directory: Path, size: int = 3, token_ms: int = 1000) -> None:
        self.directory = directory
        self.network = Network(size)
        self.names = [f"n{i + 1}" for i in range(size)]
        self.nodes: dict[str, subprocess.Popen] = {}
        self.cgroups = {name: CGROUP_ROOT / f"pcmk-{self.network.tag}-{name}" for name in self.names}
        nodes = "\n".join(
            f"    node {{\n        name: {name}\n        nodeid: {i + 1}\n        ring0_addr: {self.network.addresses[i]}\n    }}"
            for i, name in enumerate(self.names)
        )
        self.corosync_conf = COROSYNC_CONF.format(token=token_ms, nodes=nodes)
        try:
            for name in self.names:
                self.cgroups[name].mkdir()
                self.prepare(name, fresh=True)
            for name in self.names:
                self.start_node(name)
        except BaseException:
            self.stop()
            raise

    # MARK: node directories and processes

    def root(self, name: str) -> Path:
        return self.directory / name / "root"

    def prepare(self, name: str, fresh: bool) -> None:
        """The node's private directories; `fresh=False` (a restart) empties only /run and /dev/shm, as a reboot."""
        root = self.root(name)
        if fresh:
            for d in PRIVATE_DIRS:
                (root / d.lstrip("/")).mkdir(parents=True, exist_ok=True)
            shutil.rmtree(root / "var/lib/pacemaker")
            shutil.copytree("/var/lib/pacemaker", root / "var/lib/pacemaker", symlinks=True)
            shutil.copystat("/var/lib/pacemaker", root / "var/lib/pacemaker")
            for sub in ["corosync", "pacemaker", "pacemaker/bundles"]:
                (root / "var/log" / sub).mkdir(exist_ok=True)
            shutil.chown(root / "var/log/pacemaker", "hacluster", "haclient")
            (root / "var/log/pacemaker").chmod(0o770)
            (root / "etc/corosync/corosync.conf").write_text(self.corosync_conf)
        for d in ["run", "dev/shm"]:
            shutil.rmtree(root / d, ignore_errors=True)
            (root / d).mkdir()
        (root / "run").chmod(0o755)
        (root / "dev/shm").chmod(0o1777)

    def start_node(self, name: str) -> None:
        index = self.names.index(name)
        script = NODE_SCRIPT.format(dirs=" ".join(PRIVATE_DIRS))
        argv = ["ip", "netns", "exec", self.network.namespaces[index], "unshare", "--uts", "--mount",
                "--propagation", "private", "sh", "-c", script, "node", str(self.directory / name), name]  # fmt: skip
        procs = self.cgroups[name] / "cgroup.procs"
        log = (self.directory / name / "node.log").open("ab")

        def enter_cgroup() -> None:
            procs.write_text(str(os.getpid()))

        self.nodes[name] = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                            start_new_session=True, preexec_fn=enter_cgroup)  # fmt: skip
        log.close()

    def pids(self, name: str) -> list[int]:
        try:
            return [int(p) for p in (self.cgroups[name] / "cgroup.procs").read_text().split()]
        except FileNotFoundError:
            return []

    def kill_node(self, name: str) -> None:
        """SIGKILL of everything the node runs at once (cgroup.kill), then reaps pacemakerd."""
        (self.cgroups[name] / "cgroup.kill").write_text("1")
        self.nodes[name].wait()

    def wait_empty(self, name: str, timeout_s: float = 10) -> None:
        deadline = time.monotonic() + timeout_s
        while self.pids(name) and time.monotonic() < deadline:
            time.sleep(0.02)

    def restart_node(self, name: str) -> None:
        self.wait_empty(name)
        self.prepare(name, fresh=False)
        self.start_node(name)

    def run(self, name: str, argv: list[str], check: bool = True, timeout: float = 30) -> str:
        """`argv` inside node `name`'s namespaces (its running pacemakerd's), output returned."""
        pid = self.nodes[name].pid
        result = subprocess.run(["nsenter", "-t", str(pid), "-m", "-n", "-u", "--", *argv], capture_output=True,
                                text=True, timeout=timeout)  # fmt: skip
        if check and result.returncode != 0:
            raise RuntimeError(f"{name}: {' '.join(argv)}: exit {result.returncode}: {result.stderr.strip()}")
        return result.stdout

    def totem(self, via: str) -> str:
        """The runtime token and consensus timeouts, as corosync computed them (`corosync-cmapctl`)."""
        out = self.run(via, ["corosync-cmapctl", "-g", "runtime.config.totem.token"], check=False)
        out += self.run(via, ["corosync-cmapctl", "-g", "runtime.config.totem.consensus"], check=False)
        return "; ".join(line.split("runtime.config.totem.", 1)[-1] for line in out.splitlines() if line)

    def online(self, via: str) -> list[str]:
        """The nodes `via`'s crm_mon sees online (empty while its pacemaker is not answering)."""
        try:
            xml = self.run(via, ["crm_mon", "-1", "--output-as=xml"], check=False, timeout=10)
        except subprocess.TimeoutExpired:
            return []
        return re.findall(r'<node name="([^"]+)" id="[^"]*" online="true"', xml)

    def resource_nodes(self, via: str, resource: str) -> list[str]:
        try:
            out = self.run(via, ["crm_resource", "--locate", "--resource", resource, "-Q"], check=False, timeout=10)
        except subprocess.TimeoutExpired:
            return []
        return out.split()

    def wait_all_online(self, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if all(self.nodes[n].poll() is None for n in self.names) and all(
                sorted(self.online(n)) == sorted(self.names) for n in self.names
            ):
                return
            time.sleep(0.5)
        raise RuntimeError(f"the nodes were not all online within {timeout_s:.0f}s; logs in {self.directory}")

    def configure(self, via: str, resources_xml: str, stickiness: int = 100) -> None:
        """The cluster options (stonith off: test-only) and the resources, through node `via`."""
        for option, value in [("stonith-enabled", "false"), ("no-quorum-policy", "stop")]:
            self.run(via, ["crm_attribute", "--type", "crm_config", "--name", option, "--update", value])
        self.run(via, ["crm_attribute", "--type", "rsc_defaults", "--name", "resource-stickiness",
                       "--update", str(stickiness)])  # fmt: skip
        self.run(via, ["cibadmin", "--create", "--scope", "resources", "--xml-text", resources_xml])

    def stop(self) -> None:
        """Stops every node (SIGKILL through the cgroups), removes the cgroups and the namespaces."""
        for name, cgroup in self.cgroups.items():
            if cgroup.exists():
                try:
                    (cgroup / "cgroup.kill").write_text("1")
                except OSError:
                    pass
        for name, process in self.nodes.items():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        for name, cgroup in self.cgroups.items():
            if cgroup.exists():
                self.wait_empty(name)
                try:
                    cgroup.rmdir()
                except OSError as error:
                    print(f"could not remove {cgroup}: {error}")
        self.network.remove()


def log_lines(path: Path) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return []
