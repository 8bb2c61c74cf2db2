import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Metrics from the real vigild: over HTTP and as a textfile, checked against what happened.
@Suite struct MetricsTests {
    private func get(_ port: UInt16) throws -> String {
        let result = try ProcessProbe.run("/usr/bin/curl", ["-sS", "-i", "http://127.0.0.1:\(port)/metrics"])
        return result.out
    }

    @Test func metricsReportStateRestartsAndDetectionOverHTTPAndInTheTextfile() async throws {
        let probe = try DatagramListener(endpoint: .udp(host: "127.0.0.1", port: 0))
        let port = try #require(probe.port)
        _ = consume probe
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let textfile = directory + "/vigil.prom"
        let vigild = try VigildProcess(
            config: """
                [daemon]
                metrics_listen = "127.0.0.1:\(port)"
                metrics_textfile = "\(textfile)"

                [[target]]
                name = "web"
                exec = ["/bin/sleep", "1000"]
                restart = { backoff = "0..1s", start_grace = "100ms" }
                """
        )
        let pid = try #require(try await vigild.waitForEvent(.targetStarted, target: "web").pid)
        try await vigild.waitForEvent(.daemonReady)
        kill(pid, SIGKILL)
        try await vigild.waitForEvent(.targetStarted, target: "web", count: 2)
        let response = try await vigild.waitFor("metrics over HTTP") { _ in
            let text = try? get(port)
            return text?.contains("vigil_target_restarts_total{target=\"web\"} 1") == true ? text : nil
        }
        #expect(response.hasPrefix("HTTP/1.1 200"))
        #expect(response.contains("Content-Type: text/plain; version=0.0.4"))
        #expect(response.contains("vigil_build_info{version=\"\(VigilVersion.string)\"} 1"))
        #expect(response.contains("vigil_detection_seconds_count{target=\"web\"} 1"))
        #expect(response.contains("vigil_recovery_seconds_count{target=\"web\"} 1"))
        #expect(response.contains("vigil_engine_lateness_seconds_count"))
        // What was scraped passes the official parser and the format's stricter rules.
        let body = try #require(response.components(separatedBy: "\r\n\r\n").last)
        try body.write(toFile: directory + "/scraped.prom", atomically: true, encoding: .utf8)
        let checker = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/check-metrics").path
        let check = try ProcessProbe.run("/usr/bin/env", ["python3", checker, directory + "/scraped.prom"])
        #expect(check.status == 0, "\(check.out)\(check.err)")
        let file = try await vigild.waitFor("the textfile") { _ in
            try? String(contentsOfFile: textfile, encoding: .utf8)
        }
        #expect(file.contains("vigil_target_info{target=\"web\",kind=\"process\"} 1"))
        let notFound = try ProcessProbe.run(
            "/usr/bin/curl",
            ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/nope"]
        )
        #expect(notFound.out == "404")
    }

    @Test func anUnexpectedExitCountsAsAFaultAndAStateFileThatCannotBeWrittenShowsAsUnwritable() async throws {
        let probe = try DatagramListener(endpoint: .udp(host: "127.0.0.1", port: 0))
        let port = try #require(probe.port)
        _ = consume probe
        let vigild = try VigildProcess(
            config: """
                [daemon]
                metrics_listen = "127.0.0.1:\(port)"

                [[target]]
                name = "web"
                exec = ["/bin/sleep", "1000"]
                restart = { backoff = "0..1s", start_grace = "100ms" }
                """
        )
        let pid = try #require(try await vigild.waitForEvent(.targetStarted, target: "web").pid)
        try await vigild.waitForEvent(.daemonReady)
        try await vigild.waitFor("vigil_state_file_writable 1") { _ in
            (try? get(port))?.contains("\nvigil_state_file_writable 1\n") == true ? true : nil
        }
        // A non-empty directory where the state file goes: the rename of the next write over it fails.
        let stateFile = vigild.stateDirectory + "/state.json"
        try? FileManager.default.removeItem(atPath: stateFile)
        try FileManager.default.createDirectory(atPath: stateFile + "/blocker", withIntermediateDirectories: true)
        kill(pid, SIGKILL)
        try await vigild.waitForEvent(.stateFileUnwritable)
        let scraped = try await vigild.waitFor("vigil_state_file_writable 0") { _ in
            let text = try? get(port)
            return text?.contains("\nvigil_state_file_writable 0\n") == true ? text : nil
        }
        #expect(scraped.contains("vigil_target_faults_total{target=\"web\"} 1"), "\(scraped)")
        #expect(scraped.contains("vigil_recovery_exhausted_total{target=\"web\"} 0"), "\(scraped)")
    }
}
