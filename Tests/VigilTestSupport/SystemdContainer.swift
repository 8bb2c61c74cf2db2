import CLinux
import Foundation
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// A real systemd booted by systemd-nspawn from this host's own tree (`--volatile=yes`: nothing of the host is
/// changed), with test units bound in and its D-Bus system bus socket bound out, so a test on the host talks to
/// that systemd through its bus daemon exactly as vigild talks to the host's.
public final class SystemdContainer: @unchecked Sendable {
    public let directory: String
    public let process: SpawnedProcess

    /// The bus address of the container's system bus.
    public var busAddress: SystemdBusAddress {
        .bus("unix:path=\(directory)/dbus/system_bus_socket")
    }

    /// Held while this container runs: one container at a time, so that tests booting systemd do not starve each
    /// other's boots on a small machine.
    private let lock: Int32

    /// The host directory bound over the container's `/run/systemd/system` (its runtime units and drop-ins), when
    /// the container was made with `runtimeUnits`.
    public var runtimeUnitDirectory: String { directory + "/runtime" }

    /// Boots a container whose default target pulls in the bus; `units` are unit files by name (bound read-only
    /// at `/etc/systemd/system`, where other files, a unit's program, may be put too).
    /// - Parameter runtimeUnits: bind `runtimeUnitDirectory` over the container's `/run/systemd/system`, so a
    ///   vigild on the host can write drop-ins its systemd reads.
    public init(units: [String: String], runtimeUnits: Bool = false) async throws {
        // Another test's container may hold the lock for a minute: wait off the cooperative pool, whose two threads
        // the whole test process shares.
        let lock = try await Blocking.run { () -> Int32 in
            let lock = open("/tmp/vigil-test-nspawn.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            if lock >= 0 {
                while flock(lock, LOCK_EX) != 0 && errno == EINTR {}
            }
            return lock
        }
        self.lock = lock
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-systemd-\(UUID())").path
        self.directory = directory
        do {
            for sub in ["units", "dbus", "runtime"] {
                try FileManager.default.createDirectory(
                    atPath: directory + "/" + sub,
                    withIntermediateDirectories: true
                )
            }
            var all = units
            all["vigil-actuator-test.target"] = "[Unit]\nDescription=actuator test\nWants=dbus.socket dbus.service\n"
            for (name, text) in all {
                try text.write(toFile: "\(directory)/units/\(name)", atomically: true, encoding: .utf8)
            }
            // ProcessLauncher, not Foundation's Process: the child starts with no blocked signals (a test thread's
            // blocked SIGTERM would be inherited), in a process group of its own that `stop` can signal.
            process = try ProcessLauncher.spawn(
                LaunchSpec(
                    path: "/usr/bin/timeout",
                    arguments: [
                        "timeout", "--kill-after=10", "120", "/usr/bin/systemd-nspawn", "--quiet", "--directory=/",
                        "--volatile=yes", "--register=no", "--keep-unit",
                        "--machine=vigilact\(UInt32.random(in: 0...UInt32.max))",
                        "--bind=\(directory)/dbus:/run/dbus",
                        "--bind-ro=\(directory)/units:/etc/systemd/system",
                    ] + (runtimeUnits ? ["--bind=\(directory)/runtime:/run/systemd/system"] : []) + [
                        "--boot", "--", "systemd.firstboot=off", "systemd.unit=vigil-actuator-test.target",
                    ],
                    environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]
                ),
                stdout: Self.devNull,
                stderr: Self.devNull
            )
        } catch {
            // Not booted: let the next test have its turn.
            if lock >= 0 {
                close(lock)
            }
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    private static let devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)

    private var exited: Bool {
        var info = vigil_exit_info()
        return vigil_pidfd_reap(process.pidfd, 1, &info) != 0
    }

    /// Waits until the container's bus socket accepts connections.
    public func waitForBus(timeout: Duration = .seconds(20)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            // The socket file appears at bind(), a moment before systemd listens on it.
            if FileManager.default.fileExists(atPath: "\(directory)/dbus/system_bus_socket"),
                let bus = try? SystemdBus.open(busAddress)
            {
                bus.close()
                return true
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Shuts the container down (nspawn asks systemd to halt on SIGTERM), kills its process group if it does not go
    /// within 10 s, and removes the directory.
    public func stop() {
        _ = try? ProcessLauncher.signalGroup(process.pid, .term)
        let deadline = ContinuousClock.now + .seconds(10)
        var gone = exited
        while !gone && ContinuousClock.now < deadline {
            usleep(20_000)
            gone = exited
        }
        if !gone {
            _ = try? ProcessLauncher.signalGroup(process.pid, .kill)
            var info = vigil_exit_info()
            _ = vigil_pidfd_reap(process.pidfd, 0, &info)
        }
        close(process.pidfd)
        try? FileManager.default.removeItem(atPath: directory)
        if lock >= 0 {
            close(lock)
        }
    }
}
