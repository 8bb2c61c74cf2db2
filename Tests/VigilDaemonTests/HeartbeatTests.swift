import Crypto
import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Heartbeats end to end: the real `vigilctl heartbeat` sender and systemd-notify speaking to the real vigild.
@Suite struct HeartbeatTests {
    /// A directory with a 0600 key file, and the config lines for one heartbeat target sending with vigilctl.
    private struct Setup {
        let directory: String
        let keyFile: String
        let socket: String
        let key: SymmetricKey

        init() throws {
            directory = try VigildProcess.makeDirectory()
            keyFile = directory + "/hb.key"
            socket = directory + "/hb.sock"
            let hex = HeartbeatKey.generate()
            try (hex + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
            chmod(keyFile, 0o600)
            key = try HeartbeatKey.load(path: keyFile)
        }

        func config(target: String = "hb", detector: String = "phi", extra: String = "") -> String {
            let vigilctl = VigildProcess.siblingExecutable("vigilctl")
            return """
                [daemon]
                runtime_dir = "\(directory)/run"
                heartbeat_listen = ["unix:\(socket)"]

                [[target]]
                name = "\(target)"
                exec = ["\(vigilctl)", "heartbeat", "--target", "\(target)", "--key-file", "\(keyFile)", "--interval", "100ms", "--to", "unix:\(socket)"]
                restart = { backoff = "0..1s", start_grace = "200ms" }
                heartbeat = { interval = "100ms", detector = "\(detector)", key_file = "\(keyFile)"\(extra) }
                """
        }
    }

    @Test func hungSenderIsSuspectedConvictedKilledAndRestarted() async throws {
        let setup = try Setup()
        defer { try? FileManager.default.removeItem(atPath: setup.directory) }
        let vigild = try VigildProcess(config: setup.config())
        let pid = try #require(try await vigild.waitForEvent(.targetStarted, target: "hb").pid)
        try await vigild.waitForEvent(.daemonReady)
        try await Task.sleep(for: .seconds(1))
        #expect(vigild.events(.heartbeatSuspected).isEmpty, "a healthy sender is not suspected")
        #expect(kill(pid, SIGSTOP) == 0)
        let suspected = try await vigild.waitForEvent(.heartbeatSuspected, target: "hb")
        #expect(suspected.fields["VIGIL_DETECTOR"] == "phi")
        let faulted = try await vigild.waitForEvent(.targetFaulted, target: "hb")
        #expect(faulted.pid == pid)
        #expect(faulted.fields["VIGIL_FAULT"]?.hasPrefix("heartbeat: phi level") == true)
        let silence = try #require(suspected.fields["VIGIL_SILENCE_USEC"].flatMap(Int.init))
        #expect(silence > 100_000)
        let exited = try await vigild.waitForEvent(.targetExited, target: "hb")
        #expect(exited.fields["VIGIL_SIGNAL"] == "SIGKILL")
        #expect(exited.fields["VIGIL_FAULT"] != nil)
        let restarted = try #require(try await vigild.waitForEvent(.targetStarted, target: "hb", count: 2).pid)
        #expect(restarted != pid)
        #expect(try await ProcessProbe.waitUntilGone(pid))
        // The new sender is trusted again: no second conviction while it runs.
        try await Task.sleep(for: .seconds(1))
        #expect(vigild.events(.targetFaulted).count == 1)
    }

    @Test func forgedReplayedAndJunkHeartbeatsNeverKeepAHungTargetAlive() async throws {
        let setup = try Setup()
        defer { try? FileManager.default.removeItem(atPath: setup.directory) }
        let vigild = try VigildProcess(config: setup.config(target: "victim", detector: "fixed"))
        let pid = try #require(try await vigild.waitForEvent(.targetStarted, target: "victim").pid)
        try await vigild.waitForEvent(.daemonReady)
        let forger = try HeartbeatSender(to: .unix(path: setup.socket))
        let wrongKey = SymmetricKey(size: .bits256)
        // Authentic packets of an older incarnation: what an attacker who recorded traffic could replay.
        let recorded = (1...5).map { sequence in
            HeartbeatCodec.encode(
                HeartbeatPacket(target: "victim", incarnation: 1, sequence: UInt64(sequence), senderTime: 0),
                key: setup.key
            )
        }
        #expect(kill(pid, SIGSTOP) == 0)
        let flood = Task {
            var sequence: UInt64 = 1_000
            while !Task.isCancelled {
                // Replays and junk first, while the source's bucket has tokens (a rate-limited packet is not looked
                // at further); then a forged burst, so that the per-source limit is passed however slowly a loaded
                // machine runs this loop.
                for replay in recorded {
                    try? forger.send(replay)
                }
                try? forger.send(Array("not a heartbeat".utf8))
                for _ in 0..<120 {
                    sequence += 1
                    let packet = HeartbeatPacket(
                        target: "victim",
                        incarnation: UInt64.max,
                        sequence: sequence,
                        senderTime: 0
                    )
                    try? forger.send(HeartbeatCodec.encode(packet, key: wrongKey))
                }
                // Long enough for the bucket to refill a little between bursts.
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        defer { flood.cancel() }
        let faulted = try await vigild.waitForEvent(.targetFaulted, target: "victim")
        #expect(faulted.pid == pid)
        // Reports come at most every 5 s; together they account for every kind of junk sent, and for the flood
        // itself (bursts of 126 packets from one process, above the per-source burst of 100).
        let reasons = [
            "VIGIL_DROPPED_BAD_MAC", "VIGIL_DROPPED_REPLAY", "VIGIL_DROPPED_MALFORMED", "VIGIL_DROPPED_RATE_LIMITED",
        ]
        try await vigild.waitFor("reports of dropped forged, replayed and junk heartbeats") { lines in
            let reports = lines.filter { $0.message.hasPrefix("dropped heartbeat packets") }
            return reasons.allSatisfy { reason in
                reports.contains { ($0.fields[reason].flatMap(Int.init) ?? 0) > 0 }
            } ? true : nil
        }
    }

    @Test func descriptorsOversizedAndRandomDatagramsOnTheHeartbeatSocketLeaveNothingBehind() async throws {
        let setup = try Setup()
        defer { try? FileManager.default.removeItem(atPath: setup.directory) }
        let vigild = try VigildProcess(config: setup.config())
        let pid = try #require(try await vigild.waitForEvent(.targetStarted, target: "hb").pid)
        try await vigild.waitForEvent(.daemonReady)
        let devNullBefore = HostileNotifyTests.devNull(of: vigild.pid)
        var input = FuzzInput()
        var delivered = 0
        for round in 0..<200 {
            let descriptors = (0..<input.pick([0, 1, 16, 40])).map { _ in open("/dev/null", O_RDONLY) }
            let size = round % 2 == 0 ? input.int(0...200) : input.int(1_000...200_000)
            if HostileNotifyTests.send(input.bytes(size), to: setup.socket, descriptors: descriptors) {
                delivered += 1
            }
            for descriptor in descriptors { close(descriptor) }
        }
        print(
            "heartbeat socket sweep seed \(input.seed): \(delivered) of 200 datagrams taken, some with 40 descriptors"
        )
        #expect(delivered > 100)
        try await Task.sleep(for: .seconds(1))
        #expect(vigild.process.isRunning, "\(HostileControlClientTests.death(of: vigild))")
        #expect(HostileNotifyTests.devNull(of: vigild.pid) == devNullBefore, "no descriptor passed along was kept")
        #expect(vigild.events(.targetFaulted).isEmpty && ProcessProbe.isRunning(pid), "the sender still trusted")
    }

    @Test func programWrittenForTheSystemdWatchdogIsSupervisedUnchanged() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let vigild = try VigildProcess(
            config: """
                [daemon]
                runtime_dir = "\(directory)/run"

                [[target]]
                name = "watchdogged"
                exec = ["/bin/sh", "-c", "echo WATCHDOG_USEC=$WATCHDOG_USEC; systemd-notify --pid=$$ --ready --status=serving; while :; do systemd-notify --pid=$$ WATCHDOG=1; sleep 0.1; done"]
                notify_socket = true
                restart = { backoff = "0..1s", start_grace = "10s" }
                heartbeat = { interval = "200ms", detector = "fixed", suspect = 10, convict = 25 }
                """
        )
        // Each ping forks systemd-notify and sleep: under the full suite's load one took 800 ms (a false conviction at
        // the former convict = 4); 5 s of silence is a stopped program, not a busy host.
        let pid = try #require(try await vigild.waitForEvent(.targetStarted, target: "watchdogged").pid)
        // READY=1 settles the start at once: without it vigild would wait the 10 s start grace.
        try await vigild.waitForEvent(.daemonReady, timeout: .seconds(5))
        try await vigild.waitFor("the watchdog timeout the program saw") { _ in
            vigild.standardOutput.contains("WATCHDOG_USEC=400000\n") ? true : nil
        }
        try await Task.sleep(for: .seconds(1))
        #expect(vigild.events(.targetFaulted).isEmpty)
        #expect(kill(pid, SIGSTOP) == 0)
        let faulted = try await vigild.waitForEvent(.targetFaulted, target: "watchdogged")
        #expect(faulted.fields["VIGIL_FAULT"]?.contains("fixed level") == true)
        try await vigild.waitForEvent(.targetStarted, target: "watchdogged", count: 2)
    }

    @Test func vigildStalledItselfDoesNotConvictTargetsThatKeptSending() async throws {
        let setup = try Setup()
        defer { try? FileManager.default.removeItem(atPath: setup.directory) }
        let vigild = try VigildProcess(config: setup.config(target: "steady"))
        try await vigild.waitForEvent(.targetStarted, target: "steady")
        try await vigild.waitForEvent(.daemonReady)
        try await Task.sleep(for: .seconds(1))
        vigild.signal(SIGSTOP)
        try await Task.sleep(for: .seconds(2))
        vigild.signal(SIGCONT)
        try await vigild.waitFor("vigild noticing its own stall") { lines in
            lines.first { $0.message.hasPrefix("vigild itself was stalled") }
        }
        try await Task.sleep(for: .seconds(1))
        #expect(vigild.events(.targetFaulted).isEmpty, "silence during vigild's own stall is excused")
        #expect(vigild.events(.targetStarted, target: "steady").count == 1)
    }
}
