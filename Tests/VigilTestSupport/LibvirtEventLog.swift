import CLinux
import Foundation
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// Every event libvirt sends about a `GuestHost`'s domains, as `virsh event --all --loop --timestamp` prints them,
/// written to a file while the test runs: what libvirt itself saw (a `reboot` for a reset, `Stopped`/`Started`
/// lifecycle events for a destroy and a start), to check what vigild did from outside vigild.
///
/// `stop()` kills and reaps the `virsh`; it runs on deinit too.
public final class LibvirtEventLog: @unchecked Sendable {
    public let file: String
    private var process: SpawnedProcess?

    /// Starts following the events of `uri` into `file`.
    /// - Throws: what spawning `virsh` threw.
    public init(uri: String, file: String) throws {
        self.file = file
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LibvirtdError(message: "open \(file): errno \(errno)") }
        defer { close(fd) }
        process = try ProcessLauncher.spawn(
            LaunchSpec(
                path: "/usr/bin/virsh",
                arguments: ["virsh", "-c", uri, "event", "--all", "--loop", "--timestamp"],
                environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"]
            ),
            stdout: fd,
            stderr: fd
        )
    }

    deinit {
        stop()
    }

    /// The lines printed so far that concern `domain`.
    public func lines(about domain: String) -> [String] {
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init).filter { $0.contains("'\(domain)'") }
    }

    public func stop() {
        guard let child = process else { return }
        process = nil
        _ = try? ProcessLauncher.signalGroup(child.pid, .kill)
        var info = vigil_exit_info()
        _ = vigil_pidfd_reap(child.pidfd, 0, &info)
        close(child.pidfd)
    }
}
