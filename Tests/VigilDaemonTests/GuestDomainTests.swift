import Crypto
import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Real QEMU guests under a libvirtd of the test's own (`GuestHost`): vigild reads each guest's heartbeats from its
/// virtio-serial channel, hears from libvirt that the emulator died, the guest panicked or its watchdog fired, and
/// a step of recovery holds once the guest heartbeats again, checked from inside the guest (its boot id, its disk).
@Suite(.serialized) struct GuestDomainTests {
    static let key = "6b65792d666f722d7468652d7265616c2d67756573742d74657374732d766967"

    /// A vigild supervising domain `guest` of `host` (`target`), with the key file it reads.
    static func vigild(_ guest: TestGuest, host: GuestHost, extra: String = "") throws -> (VigildProcess, String) {
        let keyFile = try Self.keyFile(guest.name, on: host)
        return (try VigildProcess(config: target(guest, host: host, keyFile: keyFile, extra: extra)), keyFile)
    }

    /// The tests' key, written as `NAME.key` (mode 0600) into `host`'s directory.
    static func keyFile(_ name: String, on host: GuestHost) throws -> String {
        let keyFile = host.directory + "/\(name).key"
        try key.write(toFile: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile, 0o600)
        return keyFile
    }

    /// The `[[target]]` table of domain `guest` of `host`, with the guest's heartbeats over its channel: suspected
    /// after 3 silent intervals, convicted only after 30 (so a hang is convicted by the watchdog, and heartbeats only
    /// tell).
    static func target(_ guest: TestGuest, host: GuestHost, keyFile: String, extra: String = "") -> String {
        """
        [[target]]
        name = "\(guest.name)"
        kind = "vm"
        domain = "\(guest.name)"
        uri = "\(host.uri)"
        channel = "\(guest.heartbeatSocket)"
        restart = { backoff = "0..100ms", start_grace = "1s" }
        start_timeout = "90s"
        heartbeat = { interval = "1s", key_file = "\(keyFile)", detector = "fixed", suspect = 3, convict = 30, first_grace = "60s" }
        \(extra)

        """
    }

    /// How many heartbeats vigild has taken from the target so far.
    static func arrivals(_ vigild: VigildProcess, _ target: String) -> Int? {
        let response = try? ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status))
        return response?.status?.targets.first { $0.name == target }?.heartbeat?.arrivals
    }

    /// Waits until vigild has taken two more heartbeats of the target than when called.
    static func waitForHeartbeats(
        _ vigild: VigildProcess,
        _ target: String,
        timeout: Duration = .seconds(60)
    )
        async throws
    {
        let deadline = ContinuousClock.now + timeout
        var first: Int?
        while ContinuousClock.now < deadline {
            if let count = arrivals(vigild, target) {
                if let first, count >= first + 2 {
                    return
                }
                first = first ?? count
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        Issue.record("no new heartbeats of \(target) within \(timeout) (arrivals \(first.map(String.init) ?? "?"))")
        throw VigildTestError.timedOut("heartbeats of \(target)", log: vigild.lines.map(\.raw))
    }

    /// The PID of the domain's QEMU, from the PID file libvirt wrote.
    static func emulatorPID(_ guest: TestGuest, host: GuestHost) throws -> Int32 {
        let file = host.directory + "/run/libvirt/qemu/run/\(guest.name).pid"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test func aKilledEmulatorIsReportedAndTheDomainRestartedUntilItsGuestHeartbeatsAgain() async throws {
        let host = try await GuestHost()
        defer { host.stop() }
        let guest = try await host.define("vigil-g1", target: "vigil-g1", key: Self.key, start: false)
        let (vigild, _) = try Self.vigild(guest, host: host)
        defer { vigild.stop() }
        // vigild starts the shut-off domain; its guest's agent heartbeats through the channel.
        try await vigild.waitForEvent(.targetStarted, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)
        let boot = try await guest.ask("ping")

        let started = ContinuousClock.now
        #expect(kill(try Self.emulatorPID(guest, host: host), SIGKILL) == 0)
        let died = try await vigild.waitForEvent(.domainEmulatorDied, target: guest.name, timeout: .seconds(30))
        #expect(died.fields["VIGIL_DOMAIN"] == guest.name)
        try await vigild.waitForEvent(.targetStarted, target: guest.name, count: 2, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)
        let again = try await guest.ask("ping")
        #expect(again.hasPrefix("pong") && again != boot, "the guest booted again: \(boot) then \(again)")
        print("qemu killed → guest heartbeating again: \(ContinuousClock.now - started) (\(host.accelerator))")
        #expect(vigild.events(.targetExited, target: guest.name).count == 1)
    }

    @Test func aGuestKernelPanicIsReportedAsAPanicAndRecovered() async throws {
        let host = try await GuestHost()
        defer { host.stop() }
        let guest = try await host.define("vigil-g2", target: "vigil-g2", key: Self.key)
        let (vigild, _) = try Self.vigild(guest, host: host)
        defer { vigild.stop() }
        try await vigild.waitForEvent(.targetAdopted, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)
        let boot = try await guest.ask("ping")

        let started = ContinuousClock.now
        try await guest.tell("panic")
        let panicked = try await vigild.waitForEvent(.domainPanicked, target: guest.name, timeout: .seconds(30))
        #expect(panicked.message.contains("panicked"))
        #expect(guest.consoleTail(200_000).contains("Kernel panic"), "the guest's console shows the panic")
        #expect(vigild.events(.domainEmulatorDied, target: guest.name).isEmpty, "a panic, not a dead emulator")
        try await vigild.waitForEvent(.targetStarted, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)
        let again = try await guest.ask("ping")
        #expect(again.hasPrefix("pong") && again != boot)
        print("guest panic → guest heartbeating again: \(ContinuousClock.now - started) (\(host.accelerator))")
    }

    @Test func aHungGuestIsSuspectedByHeartbeatConvictedByItsWatchdogAndRecovered() async throws {
        let host = try await GuestHost()
        defer { host.stop() }
        let guest = try await host.define("vigil-g3", target: "vigil-g3", key: Self.key)
        let (vigild, _) = try Self.vigild(guest, host: host)
        defer { vigild.stop() }
        try await vigild.waitForEvent(.targetAdopted, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)
        let boot = try await guest.ask("ping")

        let started = ContinuousClock.now
        #expect(try await guest.ask("hang") == "ok")
        try await vigild.waitForEvent(.heartbeatSuspected, target: guest.name, timeout: .seconds(30))
        let fired = try await vigild.waitForEvent(.domainWatchdog, target: guest.name, timeout: .seconds(30))
        #expect(fired.fields["VIGIL_ACTION"] == "none")
        let fault = try await vigild.waitForEvent(.targetFaulted, target: guest.name, timeout: .seconds(30))
        #expect(fault.fields["VIGIL_FAULT"]?.contains("virtual watchdog") == true, "\(fault)")
        try await vigild.waitForEvent(.targetStarted, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)
        let again = try await guest.ask("ping")
        #expect(again.hasPrefix("pong") && again != boot)
        print("guest hang → guest heartbeating again: \(ContinuousClock.now - started) (\(host.accelerator))")
    }

    @Test func aHeartbeatForAnotherTargetWrittenIntoAGuestsChannelIsDropped() async throws {
        let host = try await GuestHost()
        defer { host.stop() }
        let guest = try await host.define("vigil-g4", target: "vigil-g4", key: Self.key)
        let (vigild, _) = try Self.vigild(guest, host: host)
        defer { vigild.stop() }
        try await vigild.waitForEvent(.targetAdopted, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)

        // A packet for another target, correctly signed with that target's key (as if the guest had stolen it).
        let other = HeartbeatPacket(target: "web", incarnation: 1, sequence: 1, senderTime: 0)
        let hex = Array(Self.key.utf8)
        let bytes = stride(from: 0, to: hex.count, by: 2).map {
            UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
        let key = SymmetricKey(data: bytes)
        let forged = HeartbeatCodec.encode(other, key: key).map { String(format: "%02x", $0) }.joined()
        #expect(try await guest.ask("send " + forged) == "ok")
        let report = try await vigild.waitFor("the channel's drop report", timeout: .seconds(20)) { lines in
            lines.first { $0.message.contains("dropped heartbeat packets from the guest's channel") }
        }
        #expect(report.fields["VIGIL_DROPPED_WRONG_CHANNEL"] == "1", "\(report)")
        #expect(report.target == guest.name)
    }

    @Test func theLaddersRevertRestoresTheSnapshotsDiskAsTheGuestReadsIt() async throws {
        let host = try await GuestHost()
        defer { host.stop() }
        let guest = try await host.define("vigil-g5", target: "vigil-g5", key: Self.key)
        let (vigild, _) = try Self.vigild(
            guest,
            host: host,
            extra: "snapshot = \"good\"\nrecovery = [\"revert\"]\nverify_window = \"3s\""
        )
        defer { vigild.stop() }
        try await vigild.waitForEvent(.targetAdopted, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)
        let boot = try await guest.ask("ping")
        #expect(try await guest.ask("write before-the-snapshot") == "ok")
        let snapshot = try await host.virsh(["snapshot-create-as", guest.name, "good"])
        #expect(snapshot.status == 0, "\(snapshot.err)")
        #expect(try await guest.ask("write after-the-snapshot") == "ok")
        #expect(try await guest.ask("read") == "after-the-snapshot")

        // The guest hangs: its watchdog fires, the ladder reverts to the snapshot (memory and disk).
        let started = ContinuousClock.now
        #expect(try await guest.ask("hang") == "ok")
        try await vigild.waitForEvent(.domainWatchdog, target: guest.name, timeout: .seconds(30))
        let step = try await vigild.waitForEvent(.recoveryStep, target: guest.name, timeout: .seconds(30))
        #expect(step.message.contains("revert"), "\(step)")
        try await vigild.waitForEvent(.recoveryVerified, target: guest.name, timeout: .seconds(60))
        try await Self.waitForHeartbeats(vigild, guest.name)
        // The guest runs from the snapshot: the same boot (its memory restored), the disk as it was then.
        #expect(try await guest.ask("ping") == boot)
        #expect(try await guest.ask("read") == "before-the-snapshot")
        #expect(vigild.events(.recoveryStepFailed, target: guest.name).isEmpty)
        print("guest hang → reverted guest heartbeating again: \(ContinuousClock.now - started) (\(host.accelerator))")
    }
}
