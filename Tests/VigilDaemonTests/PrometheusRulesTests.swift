import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

/// The Prometheus rules shipped in `contrib/prometheus/`: valid, doing what their unit tests say, and built only on
/// metrics a real vigild exports.
@Suite struct PrometheusRulesTests {
    private static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("contrib/prometheus").path
    private static let rules = directory + "/vigil-rules.yml"
    /// Debian's `prometheus` package (scripts/test installs it).
    private static let promtool = "/usr/bin/promtool"

    @Test func theRulesPassPromtoolsCheckAndEveryAlertAndRecordingBehavesAsItsUnitTestSays() throws {
        let check = try ProcessProbe.run(Self.promtool, ["check", "rules", Self.rules])
        #expect(check.status == 0, "\(check.out)\(check.err)")
        #expect(check.out.contains("SUCCESS"), "\(check.out)")
        let test = try ProcessProbe.run(Self.promtool, ["test", "rules", Self.directory + "/tests.yml"])
        #expect(test.status == 0, "\(test.out)\(test.err)")
        #expect(test.out.contains("SUCCESS") && !test.out.contains("FAILED"), "\(test.out)\(test.err)")
    }

    @Test func everyMetricTheRulesUseIsExportedByARealVigild() async throws {
        let text = try String(contentsOfFile: Self.rules, encoding: .utf8)
        let used = Set(text.matches(of: /vigil_[a-z_]+/).map { String($0.output) })
        #expect(used.count >= 10, "\(used.sorted())")
        let probe = try DatagramListener(endpoint: .udp(host: "127.0.0.1", port: 0))
        let port = try #require(probe.port)
        _ = consume probe
        // A target with heartbeats, so that the per-target heartbeat series are written too; vigild keeps a state
        // file (VigildProcess gives it a state directory), so that its series is written.
        let vigild = try VigildProcess(
            config: """
                [daemon]
                metrics_listen = "127.0.0.1:\(port)"

                [[target]]
                name = "web"
                exec = ["/bin/sleep", "1000"]
                notify_socket = true
                heartbeat = { interval = "10s", detector = "fixed", suspect = 2, convict = 4 }
                """
        )
        try await vigild.waitForEvent(.targetStarted, target: "web")
        let exported = try await vigild.waitFor("metrics over HTTP") { _ in
            let scrape = try? ProcessProbe.run("/usr/bin/curl", ["-sS", "http://127.0.0.1:\(port)/metrics"])
            return scrape.flatMap { $0.status == 0 && $0.out.contains("vigil_state_file_writable") ? $0.out : nil }
        }
        let names = Set(
            exported.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
                $0.split(whereSeparator: { $0 == "{" || $0 == " " }).first.map(String.init)
            }
        )
        let missing = used.subtracting(names).sorted()
        #expect(missing.isEmpty, "the rules use metrics vigild does not export: \(missing)")
    }
}
