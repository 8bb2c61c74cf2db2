import CLinux
import Foundation
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// A real `libvirtd` for one test, serving libvirt's built-in test driver (no hypervisor) on a socket of its own.
///
/// It runs unprivileged (as `nobody`, so in libvirt's session mode) with `HOME`, `XDG_*`, its configuration, socket,
/// log and PID file all in a temporary directory, and with no driver modules (`LIBVIRT_DRIVER_DIR` is an empty
/// directory): nothing of the host's libvirt is read or written. vigild, as root, connects to it with
/// `test+unix:///default?socket=…`.
///
/// The test driver's `default` world lives as long as some connection to it is open, so the daemon is
/// accompanied by a keeper (`virsh event --loop`) holding one for its whole life: domain state then persists across
/// `virsh` invocations and lifecycle events are delivered, as with a real hypervisor. Its initial world has one
/// domain, `test`, running.
public final class Libvirtd: @unchecked Sendable {
    public static let program = "/usr/sbin/libvirtd"
    public let directory: String
    public let process: SpawnedProcess
    private var keeper: SpawnedProcess?
    private var stopped = false
    /// Whether `stop()` (and deinit) remove `directory`; cleared to start the next daemon in it.
    public var removesDirectory = true

    /// Whether it loads libvirt's QEMU driver (real guests) instead of serving the test driver alone.
    public let qemu: Bool

    /// The connection URI: this daemon's test driver, or its QEMU driver in session mode.
    public var uri: String {
        qemu
            ? "qemu+unix:///session?socket=\(directory)/run/libvirt-sock"
            : "test+unix:///default?socket=\(directory)/run/libvirt-sock"
    }

    /// Whether this host can run one: root (to switch to `nobody`), `libvirtd` and `virsh` installed.
    public static var available: Bool {
        geteuid() == 0 && FileManager.default.isExecutableFile(atPath: program)
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/virsh")
    }

    /// Starts a daemon in `directory` (a fresh one by default; a directory of a stopped daemon to start it again on
    /// the same socket).
    /// - Parameter qemu: load the QEMU driver (QEMU guests run as `nobody`, under TCG unless `/dev/kvm` is theirs).
    public init(directory existing: String? = nil, qemu: Bool = false) throws {
        self.qemu = qemu
        // QEMU's monitor socket lives under HOME/.config/libvirt/qemu/lib/qmp-XXXXXX/: a short root keeps it within
        // the 108 bytes of a unix socket path.
        let fresh =
            qemu
            ? "/tmp/vgq-" + UUID().uuidString.prefix(8).lowercased()
            : FileManager.default.temporaryDirectory.appendingPathComponent("vigil-libvirtd-\(UUID())").path
        let directory = existing ?? fresh
        self.directory = directory
        for sub in ["run", "home", "drivers"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
        }
        try? FileManager.default.removeItem(atPath: directory + "/run/libvirt-sock")
        let config = """
            unix_sock_dir = "\(directory)/run"
            log_outputs = "3:file:\(directory)/libvirtd.log"
            """
        try config.write(toFile: directory + "/libvirtd.conf", atomically: true, encoding: .utf8)
        for path in [directory, directory + "/run", directory + "/home", directory + "/drivers"] {
            chown(path, 65534, 65534)
        }
        // With QEMU, at the lowest CPU priority (nice execs libvirtd in its own process, so the PID is libvirtd's):
        // its capability probes and the TCG guests it starts would otherwise take the two cores from the suite's
        // other tests (one clean-clone run starved a check-config past 10 s and a container's boot past 90 s).
        let daemon = ["libvirtd", "--config", directory + "/libvirtd.conf", "--pid-file", directory + "/libvirtd.pid"]
        process = try ProcessLauncher.spawn(
            LaunchSpec(
                path: qemu ? "/usr/bin/nice" : Self.program,
                arguments: qemu ? ["nice", "-n", "19", Self.program] + daemon.dropFirst() : daemon,
                environment: [
                    "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=\(directory)/home",
                    "XDG_RUNTIME_DIR=\(directory)/run", "XDG_CONFIG_HOME=\(directory)/home/.config",
                    "XDG_CACHE_HOME=\(directory)/home/.cache",
                ] + (qemu ? [] : ["LIBVIRT_DRIVER_DIR=\(directory)/drivers"]),
                workingDirectory: directory,
                credentials: Credentials(uid: 65534, gid: 65534, groups: [])
            ),
            stdout: Self.devNull,
            stderr: Self.devNull
        )
    }

    deinit {
        stop()
    }

    private static let devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)

    /// Why the daemon did not answer: the last `virsh` error and the end of its log.
    public private(set) var lastError = ""

    /// Waits until the daemon answers, then opens the keeper's connection. It usually answers within 0.3 s, but in
    /// a full test run its first start has taken about 30 s once (sleeping in `poll` after its D-Bus probes, cause
    /// not found), hence the long default.
    /// - Returns: `false` when it did not answer within `timeout` (`lastError` says what was seen).
    public func waitUntilReady(timeout: Duration = .seconds(90)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var listed: (status: Int32, out: String, err: String)?
            if FileManager.default.fileExists(atPath: directory + "/run/libvirt-sock") {
                listed = try? virsh(["list", "--all"])
                lastError = listed?.err ?? "virsh could not be run"
            } else {
                lastError = "no socket \(directory)/run/libvirt-sock"
            }
            if listed?.status == 0 {
                keeper = try ProcessLauncher.spawn(
                    LaunchSpec(
                        path: "/usr/bin/virsh",
                        arguments: ["virsh", "-c", uri, "event", "--loop", "--event", "lifecycle"],
                        environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"]
                    ),
                    stdout: Self.devNull,
                    stderr: Self.devNull
                )
                // The keeper's connection is open once the world it keeps alive is the one others see.
                try await Task.sleep(for: .milliseconds(300))
                return true
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let log = (try? String(contentsOfFile: directory + "/libvirtd.log", encoding: .utf8)) ?? ""
        var info = vigil_exit_info()
        let exited = vigil_pidfd_reap(process.pidfd, 1, &info) > 0 ? "libvirtd exited; " : ""
        // Where a live one is stuck: its state, what it waits in, its threads.
        let proc = "/proc/\(process.pid)"
        let state = ((try? String(contentsOfFile: proc + "/status", encoding: .utf8)) ?? "").split(separator: "\n")
            .filter { $0.hasPrefix("State") || $0.hasPrefix("Threads") || $0.hasPrefix("SigBlk") }
        let wchan = (try? String(contentsOfFile: proc + "/wchan", encoding: .utf8)) ?? "?"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/run")) ?? []
        lastError =
            exited + lastError + "; \(state.joined(separator: ", ")), wchan \(wchan), run/ holds \(files)"
            + "; log: " + String(log.suffix(2000))
        return false
    }

    /// Runs `virsh -c URI arguments`.
    @discardableResult
    public func virsh(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try ProcessProbe.run("/usr/bin/virsh", ["-c", uri] + arguments)
    }

    /// `virsh domstate`'s first line (`running`, `shut off`), or the error.
    public func state(of domain: String) -> String {
        guard let result = try? virsh(["domstate", domain]) else { return "virsh failed" }
        let text = result.status == 0 ? result.out : result.err
        return text.split(separator: "\n").first.map(String.init) ?? ""
    }

    /// Defines (and, with `start`, starts) a test-driver domain with nothing but a name.
    public func define(_ domain: String, start: Bool = true) throws {
        let xml = directory + "/\(domain).xml"
        try "<domain type='test'><name>\(domain)</name><memory>8192</memory><os><type>hvm</type></os></domain>"
            .write(toFile: xml, atomically: true, encoding: .utf8)
        let defined = try virsh(["define", xml])
        guard defined.status == 0 else { throw LibvirtdError(message: "define \(domain): \(defined.err)") }
        if start {
            let started = try virsh(["start", domain])
            guard started.status == 0 else { throw LibvirtdError(message: "start \(domain): \(started.err)") }
        }
    }

    /// Stops the keeper and the daemon (SIGTERM, SIGKILL after 10 s), and removes the directory unless told not to.
    public func stop() {
        if !stopped {
            stopped = true
            for child in [keeper, process].compactMap({ $0 }) {
                _ = try? ProcessLauncher.signalGroup(child.pid, .term)
                var info = vigil_exit_info()
                let deadline = ContinuousClock.now + .seconds(10)
                while vigil_pidfd_reap(child.pidfd, 1, &info) == 0 && ContinuousClock.now < deadline {
                    usleep(20_000)
                }
                if ContinuousClock.now >= deadline {
                    _ = try? ProcessLauncher.signalGroup(child.pid, .kill)
                    _ = vigil_pidfd_reap(child.pidfd, 0, &info)
                }
                close(child.pidfd)
            }
            keeper = nil
        }
        if removesDirectory {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}

/// A test's libvirtd did not do what the test set up.
public struct LibvirtdError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    public init(message: String) {
        self.message = message
    }
}
