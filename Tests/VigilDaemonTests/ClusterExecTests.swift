import Foundation
import Testing
import VigilCore
import VigilTestSupport

/// Plain vigild links no cluster mode: given a `[cluster]` table it becomes `vigild-cluster` by exec (same PID), and
/// without one it stays itself.
@Suite struct ClusterExecTests {
    /// A `[cluster]` table whose only member cannot be reached (port 1): enough for cluster mode to run and say so.
    static let clusterConfig = """
        [cluster]
        endpoints = ["127.0.0.1:1"]
        node = "a"

        [[target]]
        name = "local"
        exec = ["/bin/sleep", "1000"]
        """

    @Test func vigildWithAClusterTableBecomesVigildClusterUnderTheSamePID() async throws {
        let vigild = try VigildProcess(config: Self.clusterConfig)
        defer { vigild.stop() }
        try await vigild.waitForEvent(.targetStarted, target: "local")
        // The session runs (and finds etcd unreachable) in the process vigild was started as.
        try await vigild.waitForEvent(.etcdUnreachable, timeout: .seconds(30))
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(vigild.pid)/exe")
        #expect(executable == VigildProcess.siblingExecutable("vigild-cluster"), "\(executable)")
    }

    @Test func vigildWithoutAClusterTableStaysVigildAndStartsNoClusterSession() async throws {
        let vigild = try VigildProcess(config: "[[target]]\nname = \"local\"\nexec = [\"/bin/sleep\", \"1000\"]\n")
        defer { vigild.stop() }
        try await vigild.waitForEvent(.daemonReady)
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(vigild.pid)/exe")
        #expect(executable == VigildProcess.siblingExecutable("vigild"), "\(executable)")
        let status = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status)).status
        #expect(status != nil && status?.cluster == nil, "a vigild without [cluster] reports cluster mode")
    }

    @Test func vigildWithAClusterTableButNoVigildClusterBesideItRefusesToStartAndSaysWhat() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let lone = directory + "/vigild"
        try FileManager.default.copyItem(atPath: VigildProcess.siblingExecutable("vigild"), toPath: lone)
        try Self.clusterConfig.write(toFile: directory + "/vigil.toml", atomically: true, encoding: .utf8)
        let result = try await Blocking.run {
            try ProcessProbe.run(lone, ["--config", directory + "/vigil.toml", "--log-target", "stderr"])
        }
        #expect(result.status == 1)
        #expect(
            result.err.contains(
                "cluster mode runs in vigild-cluster, which cannot be started from \(directory)/vigild-cluster"
            ),
            "\(result.err)"
        )
    }
}
