import Dispatch
import Foundation
import Testing
import VigilCore
import VigilLinux

/// The rendered text through `scripts/check-metrics`: the official Python client's parser plus the format's
/// stricter rules. Skipped where python3 has no prometheus_client (`scripts/test` installs it).
@Suite(.enabled(if: PythonPrometheusParser.isAvailable, "python3 with prometheus_client is not installed"))
struct ExpositionFormatTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let script = repository.appendingPathComponent("scripts/check-metrics").path

    /// Every feature at once: several targets, awkward names, full default histograms, infinite and fractional
    /// values, a state the renderer does not know.
    static var busy: MetricsSnapshot {
        var detection = Histogram()
        var lateness = Histogram()
        for sample in [0.000_01, 0.000_05, 0.000_7, 0.003, 0.04, 0.9, 3, 42] {
            detection.observe(sample)
            lateness.observe(sample / 10)
        }
        var snapshot = MetricsSnapshot(
            startTimeSeconds: 1_750_000_000.123,
            targets: [
                .init(
                    name: "web",
                    state: "running",
                    restartsTotal: 7,
                    faultsTotal: 8,
                    heartbeatLevel: 1.5,
                    detection: detection
                ),
                .init(name: "quote\"back\\slash\nnewline", state: "backoff", heartbeatLevel: .infinity),
                .init(name: "vm@host.example", kind: "vm", state: "failing-over", recovery: detection),
            ],
            heartbeatDrops: [.replay: 3, .rateLimited: 12_345_678_901],
            engineLateness: lateness,
            reloads: .init(ok: 2, rejected: 1)
        )
        snapshot.hostPressure = HostPressure(
            cpu: .init(some: .init(avg10: 3.5, avg60: 1.25, avg300: 0.5, totalMicroseconds: 2_963_393_323)),
            memory: .init(
                some: .init(avg10: 0, avg60: 0, avg300: 0, totalMicroseconds: 0),
                full: .init(avg10: 100, avg60: 0, avg300: 0, totalMicroseconds: 1)
            )
        )
        snapshot.hostFaultsRaised = 1
        snapshot.stateFileWritable = false
        return snapshot
    }

    @Test func theOfficialParserAndTheStrictChecksAcceptTheRenderedText() throws {
        let result = try PythonPrometheusParser.check([Self.script], input: PrometheusText.render(Self.busy))
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.hasPrefix("ok: 23 families"), "\(result.output)")
    }

    @Test func anEmptyDaemonIsValidToo() throws {
        let result = try PythonPrometheusParser.check(
            [Self.script],
            input: PrometheusText.render(MetricsSnapshot(startTimeSeconds: 0))
        )
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func theCheckerRejectsWhatTheFormatForbids() throws {
        let broken = [
            "vigil_x 1\n",  // no TYPE
            "# HELP vigil_x x\n# TYPE vigil_x gauge\nvigil_x{a=\"b\"} 1",  // no final newline
            "# HELP vigil_x x\n# TYPE vigil_x gauge\nvigil_x{a=\"b\nc\"} 1\n",  // raw newline in a label
            "# HELP vigil_x x\n# TYPE vigil_x histogram\nvigil_x_bucket{le=\"1\"} 1\nvigil_x_sum 1\nvigil_x_count 1\n",
        ]
        for text in broken {
            #expect(try PythonPrometheusParser.check([Self.script], input: text).status != 0, "\(text)")
        }
    }

    @Test func whatTheServerSendsParses() throws {
        let text = PrometheusText.render(Self.busy)
        let server = try MetricsHTTPServer(address: .init(host: "127.0.0.1", port: 0), queue: DispatchQueue(label: "m"))
        {
            text
        }
        defer { server.stop() }
        let reply = try HTTPClient.exchange("GET /metrics HTTP/1.1\r\n\r\n", port: server.address.port)
        #expect(try PythonPrometheusParser.check([Self.script], input: reply.body).status == 0)
    }
}

/// python3 and the official parser; outside the suite, which cannot name itself in its own traits.
enum PythonPrometheusParser {
    static let isAvailable = (try? check(["-c", "import prometheus_client"], input: "").status) == 0

    /// Runs `python3 ARGUMENTS` (or another executable found in PATH) with `input` on stdin.
    static func check(
        _ arguments: [String],
        input: String,
        executable: String = "python3"
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let stdin = Pipe()
        let output = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
