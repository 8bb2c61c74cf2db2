import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `[daemon] concurrent_recoveries`: ladders beyond the limit wait, and start by priority as running ones rest.
@Suite struct RecoveryLimitTests {
    static func service(_ name: String, priority: Int, verify: String = "1s") -> String {
        """
        [[target]]
        name = "\(name)"
        exec = ["/bin/sleep", "1000"]
        restart = { start_grace = "100ms" }
        recovery = ["restart"]
        verify_window = "\(verify)"
        priority = \(priority)

        """
    }

    @Test func recoveriesBeyondTheLimitWaitAndStartByPriority() async throws {
        let vigild = try VigildProcess(
            config: "[daemon]\nconcurrent_recoveries = 1\n\n"
                + Self.service("low", priority: 10, verify: "60s") + Self.service("mid", priority: 50)
                + Self.service("high", priority: 90)
        )
        var first: [String: Int32] = [:]
        for name in ["low", "mid", "high"] {
            let pid = try #require(try await vigild.waitForEvent(.targetStarted, target: name).pid)
            first[name] = pid
        }
        try await vigild.waitForEvent(.daemonReady)

        // `low` fails first and takes the one slot; `mid` and `high` fail while its restart is being verified (for
        // a minute: the slot stays taken, however slow the machine).
        kill(first["low"]!, SIGKILL)
        try await vigild.waitForEvent(.recoveryStep, target: "low")
        let lowAgain = try #require(try await vigild.waitForEvent(.targetStarted, target: "low", count: 2).pid)
        kill(first["mid"]!, SIGKILL)
        let midQueued = try await vigild.waitForEvent(.recoveryQueued, target: "mid")
        kill(first["high"]!, SIGKILL)
        let highQueued = try await vigild.waitForEvent(.recoveryQueued, target: "high")
        #expect(midQueued.fields["VIGIL_POSITION"] == "1", "\(midQueued)")
        #expect(highQueued.fields["VIGIL_POSITION"] == "1", "the higher priority goes ahead: \(highQueued)")
        #expect(highQueued.fields["VIGIL_RUNNING"] == "1")
        #expect(highQueued.message.contains("(low)"), "\(highQueued)")
        #expect(vigild.events(.recoveryStep, target: "mid").isEmpty, "no step runs while queued")
        #expect(vigild.events(.recoveryStep, target: "high").isEmpty)

        // low fails again inside its window: its one-step ladder is exhausted, which frees the slot. The waiting
        // ladders run one at a time: high (priority 90), then mid once high's restart is verified.
        kill(lowAgain, SIGKILL)
        try await vigild.waitForEvent(.recoveryExhausted, target: "low")
        try await vigild.waitForEvent(.recoveryVerified, target: "high")
        try await vigild.waitForEvent(.recoveryVerified, target: "mid")
        func stepTime(_ name: String) -> Int64 {
            Int64(vigild.events(.recoveryStep, target: name).first?.fields["VIGIL_MONOTONIC_USEC"] ?? "") ?? 0
        }
        func time(_ kind: EventKind, _ name: String) -> Int64 {
            Int64(vigild.events(kind, target: name).first?.fields["VIGIL_MONOTONIC_USEC"] ?? "") ?? 0
        }
        #expect(stepTime("high") >= time(.recoveryExhausted, "low"), "high waited for low's slot")
        #expect(stepTime("mid") >= time(.recoveryVerified, "high"), "mid waited for high")
        #expect(vigild.events(.recoveryQueued, target: "mid").count == 1, "queued once, not every settle")
        for name in ["mid", "high"] {
            #expect(vigild.events(.targetStarted, target: name).count == 2, "\(name) restarted once")
        }
    }

    @Test func theLimitIsValidated() throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/bad.toml"
        try "[daemon]\nconcurrent_recoveries = 0\n".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try ProcessProbe.run(VigildProcess.binary, ["--check-config", file])
        #expect(result.status == 1)
        #expect(
            result.err.contains("daemon.concurrent_recoveries: must be between 1 and 1000, found 0"),
            "\(result.err)"
        )
    }
}
