import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `vigild-cluster`: vigild with cluster mode, installed beside `vigild`. Plain `vigild` links no etcd client and no
/// gRPC, so that a single host pays nothing for cluster mode; given a `[cluster]` table, it becomes
/// `vigild-cluster` by exec: the same PID (systemd's MainPID, sd_notify, a supervisor's pidfd stay right), the same
/// arguments, environment and open file descriptors.
enum ClusterExecutable {
    static let name = "vigild-cluster"

    /// `vigild-cluster` in the directory of the running executable (`/proc/self/exe`).
    static var path: String {
        let own =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// Replaces this process with `vigild-cluster`, given the arguments vigild was started with.
    ///
    /// - Returns: only when the exec failed, with a message that says what to install.
    static func exec(arguments: [String]) -> String {
        let path = self.path
        let argv = [path] + arguments.dropFirst()
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArguments.append(nil)
        execv(path, cArguments)
        let error = errno
        for argument in cArguments {
            free(argument)
        }
        return "the configuration has [cluster], and cluster mode runs in \(name), which cannot be started from "
            + "\(path): \(String(cString: strerror(error))) (install \(name) beside vigild, as make install does)"
    }
}
