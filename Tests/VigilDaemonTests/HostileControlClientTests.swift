import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Control clients that hang up early must not take vigild down (issue 15: SIGPIPE killed it).
@Suite struct HostileControlClientTests {
    static let twoSleepers = """
        [[target]]
        name = "a"
        exec = ["/bin/sleep", "1000"]
        restart = { backoff = "0..1s", start_grace = "100ms" }

        [[target]]
        name = "b"
        exec = ["/bin/sleep", "1000"]
        restart = { backoff = "0..1s", start_grace = "100ms" }
        """

    /// How vigild ended, for a failure message.
    static func death(of vigild: VigildProcess) -> String {
        guard !vigild.process.isRunning else { return "running" }
        let how = vigild.process.terminationReason == .uncaughtSignal ? "killed by signal" : "exited with status"
        return "vigild \(how) \(vigild.process.terminationStatus)"
    }

    @Test func clientsThatHangUpWithoutReadingTheReplyLeaveVigildRunningAndAnswering() async throws {
        let vigild = try VigildProcess(config: Self.twoSleepers)
        try await vigild.waitForEvent(.daemonReady)
        let pids = vigild.events(.targetStarted).compactMap(\.pid)
        let status = Array(#"{"command":"status","version":1}"#.utf8) + [10]
        let requests: [(String, [UInt8])] = [
            ("status", status),
            ("a garbage line", Array("garbage\n".utf8)),
            ("version 99", Array(#"{"version":99,"command":"status"}"#.utf8) + [10]),
            ("a 70 KB line", [UInt8](repeating: UInt8(ascii: "x"), count: 70_000)),
            ("events --follow", Array(#"{"command":"events","follow":true,"version":1}"#.utf8) + [10]),
        ]
        // Each several times: the reply must find the client gone, so the hang-up has to beat vigild's answer.
        for (what, request) in requests {
            for _ in 0..<5 {
                let client = try StreamClient(unixPath: vigild.controlSocket)
                client.send(request)
                client.close()
            }
            try await Task.sleep(for: .milliseconds(300))
            try #require(vigild.process.isRunning, "after \(what): \(Self.death(of: vigild))")
        }
        let answer = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status))
        #expect(answer.ok && answer.status?.pid == vigild.pid)
        #expect(answer.status?.targets.compactMap(\.pid).sorted() == pids.sorted())
    }

    @Test func extremeNumbersInARequestAreAnsweredInsteadOfTrapping() async throws {
        let vigild = try VigildProcess(config: Self.twoSleepers)
        try await vigild.waitForEvent(.daemonReady)
        // `1e300` seconds overflowed the conversion to microseconds and killed vigild (found by the fuzz test).
        for since in ["1e300", "-1e300", "1.7976931348623157e308", "9223372036854.775807", "-0", "0"] {
            let probe = try ControlProbe(path: vigild.controlSocket)
            probe.send(raw: Array(#"{"command":"report","sinceSeconds":\#(since),"version":1}"#.utf8) + [10])
            let answer = try probe.next()
            #expect(
                answer?.ok == true && answer?.report?.count == 2,
                "report since \(since): \(String(describing: answer))"
            )
        }
        for limit in ["-9223372036854775808", "9223372036854775807", "0"] {
            let probe = try ControlProbe(path: vigild.controlSocket)
            probe.send(raw: Array(#"{"command":"events","limit":\#(limit),"version":1}"#.utf8) + [10])
            #expect(try probe.next()?.ok == true, "events limit \(limit)")
        }
        #expect(vigild.process.isRunning, "\(Self.death(of: vigild))")
    }

    @Test func outOfDescriptorsVigildWaitsForOneInsteadOfSpinningAndAnswersOnceClientsLeave() async throws {
        let vigild = try VigildProcess(config: Self.twoSleepers)
        try await vigild.waitForEvent(.daemonReady)
        let pids = vigild.events(.targetStarted).compactMap(\.pid).sorted()
        // Leave vigild a few descriptors to spare, then take them with connections that say nothing.
        let open = ControlProtocolFuzzTests.descriptorTargets(of: vigild.pid).count
        let lowered = try ProcessProbe.run("/usr/bin/prlimit", ["--pid", "\(vigild.pid)", "--nofile=\(open + 8)"])
        try #require(lowered.status == 0, "\(lowered.err)")
        var clients = try (0..<20).map { _ in try StreamClient(unixPath: vigild.controlSocket, timeout: .seconds(2)) }
        try await Task.sleep(for: .milliseconds(500))
        let before = ControlProtocolFuzzTests.cpuTicks(of: vigild.pid)
        try await Task.sleep(for: .seconds(1))
        let ticks = ControlProtocolFuzzTests.cpuTicks(of: vigild.pid) - before
        #expect(ticks < 30, "vigild used \(ticks) ticks of CPU in a second with clients waiting and no descriptor")
        clients.removeAll()
        // The silent clients it did accept are dropped after 5 s; then the waiting one is served.
        let answer = try await vigild.waitFor("a status answer", timeout: .seconds(20)) { _ in
            try? ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status))
        }
        #expect(answer.ok && answer.status?.targets.compactMap(\.pid).sorted() == pids)
    }

    @Test func aClientThatShutsDownItsSideAfterTheRequestStillGetsAReplyLargerThanTheSocketTakes() async throws {
        let vigild = try VigildProcess(config: Self.twoSleepers)
        try await vigild.waitForEvent(.daemonReady)
        let original = try String(contentsOfFile: vigild.configPath, encoding: .utf8)
        // 3000 nameless tables: a reply of 6000 problems, some 800 KB, more than a unix socket buffers.
        try (original + "\n" + String(repeating: "[[target]]\n", count: 3_000))
            .write(toFile: vigild.configPath, atomically: true, encoding: .utf8)
        let client = try StreamClient(unixPath: vigild.controlSocket)
        client.send(Array(#"{"command":"reload","version":1}"#.utf8) + [10])
        client.shutdownWrite()
        try await Task.sleep(for: .milliseconds(500))
        let reply = client.receiveAll()
        #expect(reply.count > 500_000 && reply.last == 10, "\(reply.count) bytes")
        let answer = try? JSONDecoder().decode(ControlResponse.self, from: Data(reply.dropLast()))
        #expect(answer?.problems?.count == 6_000)
    }

    /// The `SigIgn` mask of `/proc/PID/status`.
    static func ignoredSignals(of pid: Int32) throws -> UInt64 {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("SigIgn:") })
        return try #require(UInt64(line.dropFirst("SigIgn:".count).trimmingCharacters(in: .whitespaces), radix: 16))
    }

    @Test func vigildIgnoresSigpipeButItsTargetsStartWithTheDefaultDisposition() async throws {
        let vigild = try VigildProcess(config: Self.twoSleepers)
        try await vigild.waitForEvent(.daemonReady)
        let sigpipe = UInt64(1) << (UInt64(SIGPIPE) - 1)
        #expect(try Self.ignoredSignals(of: vigild.pid) & sigpipe != 0, "vigild ignores SIGPIPE")
        for started in vigild.events(.targetStarted) {
            let pid = try #require(started.pid)
            #expect(try Self.ignoredSignals(of: pid) == 0, "target \(started.target ?? "?") ignores nothing")
        }
        #expect(vigild.events(.targetStarted).count == 2)
    }
}
