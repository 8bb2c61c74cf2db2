import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A domain target's checks read its emulator's figures on a real guest (`GuestHost`): the QEMU process is found by
/// the domain's UUID, its resident memory and its virtual CPU threads' time are checked like a process target's
/// figures, and its PID is the one `vigilctl status` shows.
@Suite(.serialized) struct GuestFiguresTests {
    /// The first event of `kind` about `target` whose check is `check`.
    static func checkEvent(
        _ kind: EventKind,
        _ check: String,
        of target: String,
        in vigild: VigildProcess,
        timeout: Duration = .seconds(60)
    ) async throws -> LogLine {
        try await vigild.waitFor("\(kind.rawValue) for \(check)", timeout: timeout) { lines in
            lines.first { $0.event == kind.rawValue && $0.target == target && $0.fields["VIGIL_CHECK"] == check }
        }
    }

    @Test func aGuestBurningCPUIsFaultedByItsGuestCPUCheckAndRestartedWhileTheEmulatorsRSSIsChecked() async throws {
        let host = try await GuestHost()
        defer { host.stop() }
        let guest = try await host.define("vigil-f1", target: "vigil-f1", key: GuestDomainTests.key)
        let checks = """
            checks = [
              { when = "guest.cpu > 40 for 3s", severity = "fault" },
              { when = "main.rss > 16MiB for 0s" },
              { when = "memory.current > 1GiB for 0s" },
            ]
            """
        let (vigild, _) = try GuestDomainTests.vigild(guest, host: host, extra: checks)
        defer { vigild.stop() }
        try await vigild.waitForEvent(.targetAdopted, target: guest.name, timeout: .seconds(90))
        try await GuestDomainTests.waitForHeartbeats(vigild, guest.name)

        // The emulator's figures: its PID in the status, its RSS in the raised check.
        let emulator = try GuestDomainTests.emulatorPID(guest, host: host)
        let status = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status))
        #expect(status.status?.targets.first { $0.name == guest.name }?.pid == emulator)
        let rss = try await Self.checkEvent(.checkRaised, "main.rss > 16MiB for 0s", of: guest.name, in: vigild)
        let value = try #require(rss.fields["VIGIL_VALUE"].flatMap(Double.init))
        #expect(value > 16 * 1024 * 1024, "QEMU's resident memory: \(value)")
        // The test's libvirtd runs in session mode: it makes no cgroup for its domains, and the check says so
        // rather than reading the cgroup QEMU shares with its daemon.
        let unavailable = try await Self.checkEvent(
            .checkUnavailable,
            "memory.current > 1GiB for 0s",
            of: guest.name,
            in: vigild
        )
        #expect(unavailable.fields["VIGIL_ERROR"]?.contains("libvirt made no cgroup for the domain") == true)
        #expect(
            vigild.events(.checkRaised, target: guest.name).allSatisfy {
                $0.fields["VIGIL_CHECK"] != "guest.cpu > 40 for 3s"
            }
        )

        // The guest spins: its virtual CPU's time raises the fault, the domain is destroyed and started again.
        let boot = try await guest.ask("ping")
        #expect(try await guest.ask("burn") == "ok")
        let raised = try await Self.checkEvent(.checkRaised, "guest.cpu > 40 for 3s", of: guest.name, in: vigild)
        #expect((raised.fields["VIGIL_VALUE"].flatMap(Double.init) ?? 0) > 40)
        let fault = try await vigild.waitForEvent(.targetFaulted, target: guest.name, timeout: .seconds(30))
        #expect(fault.fields["VIGIL_FAULT"]?.contains("guest.cpu") == true, "\(fault)")
        try await vigild.waitForEvent(.targetStarted, target: guest.name, timeout: .seconds(120))
        try await GuestDomainTests.waitForHeartbeats(vigild, guest.name)
        let again = try await guest.ask("ping")
        #expect(again.hasPrefix("pong") && again != boot, "the guest booted again: \(boot) then \(again)")
        // The new emulator is the one the status names.
        let restarted = try GuestDomainTests.emulatorPID(guest, host: host)
        #expect(restarted != emulator)
        let after = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status))
        #expect(after.status?.targets.first { $0.name == guest.name }?.pid == restarted)
    }
}
