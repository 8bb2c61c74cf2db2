import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A hot standby guest with a heartbeat, on real QEMU: kept paused (its silence not judged), resumed when the
/// primary guest's emulator is killed, and the promotion holding only once the resumed guest heartbeats again.
extension GuestDomainTests {
    /// The domain and event word of each line `virsh event --loop --event lifecycle` printed, in order:
    /// `event 'lifecycle' for domain 'vigil-h1': Suspended Paused` gives `("vigil-h1", "Suspended")`.
    static func lifecycle(_ path: String) -> [(domain: String, event: String)] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let start = line.range(of: "for domain '"),
                let end = line.range(of: "': ", range: start.upperBound..<line.endIndex)
            else { return nil }
            let event = line[end.upperBound...].split(separator: " ").first.map(String.init) ?? ""
            return (String(line[start.upperBound..<end.lowerBound]), event)
        }
    }

    @Test func aPausedHotStandbyGuestIsResumedWhenThePrimarysEmulatorDiesAndHoldsOnceItHeartbeatsAgain() async throws {
        let host = try await GuestHost()
        defer { host.stop() }
        let events = host.directory + "/lifecycle.log"
        try host.recordLifecycle(into: events)
        let a = try await host.define("vigil-h1", target: "vigil-h1", key: Self.key, start: false)
        let b = try await host.define("vigil-h2", target: "vigil-h2", key: Self.key, start: false)
        let keyFile = try Self.keyFile("hot", on: host)
        func member(_ guest: TestGuest, _ extra: String = "") -> String {
            Self.target(guest, host: host, keyFile: keyFile, extra: extra)
        }
        let vigild = try VigildProcess(
            config: member(
                a,
                "recovery = [\"failover\"]\nstandbys = [\"\(b.name)\"]\nstandby_mode = \"hot\"\nverify_window = \"60s\""
            ) + member(b)
        )
        defer { vigild.stop() }
        // Both boot; the standby is paused once its guest has heartbeated (it is hot: booted, ready to resume).
        try await vigild.waitForEvent(.targetStarted, target: a.name, timeout: .seconds(120))
        try await vigild.waitForEvent(.targetStarted, target: b.name, timeout: .seconds(120))
        try await Self.waitForHeartbeats(vigild, a.name)
        #expect(
            try await LibvirtDomainTests.waitForState("paused", of: b.name, on: host.libvirt, timeout: .seconds(60))
        )
        let boot = try #require(b.consoleTail(200_000).split(separator: "\n").first { $0.contains("booted") })
        try await vigild.waitFor("the standby eligible", timeout: .seconds(30)) { _ in
            let status = try? ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status)).status
            return status?.targets.first { $0.name == b.name }?.standbyEligible == true ? true : nil
        }
        // Paused, it cannot heartbeat, and its silence is not held against it (suspect after 3 s otherwise).
        let pausedArrivals = Self.arrivals(vigild, b.name)
        try await Task.sleep(for: .seconds(5))
        #expect(vigild.events(.heartbeatSuspected, target: b.name).isEmpty, "a paused standby is not suspected")
        #expect(Self.arrivals(vigild, b.name) == pausedArrivals)

        let killed = ContinuousClock.now
        #expect(kill(try Self.emulatorPID(a, host: host), SIGKILL) == 0)
        let completed = try await vigild.waitForEvent(.failoverCompleted, target: a.name, timeout: .seconds(60))
        let outage = ContinuousClock.now - killed
        #expect(completed.message.contains("from \(a.name) to \(b.name)"), "\(completed)")
        #expect(try await LibvirtDomainTests.waitForState("running", of: b.name, on: host.libvirt), "resumed")
        // The promotion held on the guest's own word: a heartbeat after the resume (b has no other way to report).
        let lines = vigild.lines
        let resumedLine = try #require(lines.firstIndex { $0.event == "domain-resumed" && $0.target == b.name })
        let confirmed = try #require(
            lines.firstIndex { $0.target == b.name && $0.fields["VIGIL_RESULT"] == "reports itself primary" }
        )
        let completedLine = try #require(lines.firstIndex { $0.event == "failover-completed" })
        #expect(lines[confirmed].message.contains("a heartbeat of its guest"), "\(lines[confirmed])")
        #expect(resumedLine < confirmed && confirmed < completedLine, "resumed, then heard, then completed")
        #expect(vigild.events(.targetStarted, target: b.name).count == 1, "resumed, not started again")
        let boots = b.consoleTail(200_000).split(separator: "\n").filter { $0.contains("booted") }
        #expect(boots.count == 1 && boots.first == boot, "the same boot of the guest: \(boots)")
        let pong = try await b.ask("ping")
        #expect(boot.contains(pong.replacingOccurrences(of: "pong ", with: "")), "\(pong) vs \(boot)")
        try await Self.waitForHeartbeats(vigild, b.name)
        print("hot standby guest: qemu killed → failover verified by its heartbeat: \(outage) (\(host.accelerator))")

        // The former primary boots again and is paused as the standby; the new primary runs on.
        try await vigild.waitForEvent(.targetStarted, target: a.name, count: 2, timeout: .seconds(120))
        #expect(
            try await LibvirtDomainTests.waitForState("paused", of: a.name, on: host.libvirt, timeout: .seconds(60))
        )
        #expect(try await LibvirtDomainTests.waitForState("running", of: b.name, on: host.libvirt))
        #expect(vigild.events(.heartbeatSuspected, target: b.name).isEmpty)

        // Never both serving: b, paused, ran again only after a's emulator had died, and a ran again only to boot as
        // the standby, paused once booted. (A domain starts as Resumed then Started in libvirt's events.)
        let seen = Self.lifecycle(events)
        let paused = try #require(seen.firstIndex { $0.domain == b.name && $0.event == "Suspended" }, "\(seen)")
        let died = try #require(seen.firstIndex { $0.domain == a.name && $0.event == "Stopped" }, "\(seen)")
        #expect(paused < died, "the standby was paused before the primary died: \(seen)")
        #expect(seen[(paused + 1)...].filter { $0.domain == b.name }.map(\.event) == ["Resumed"], "\(seen)")
        // The standby resumed after the primary's emulator died. libvirt reports the death only once QEMU is reaped
        // (1.2–2 s late here), vigild from QEMU's pidfd at once, so the order is vigild's own: its log is causal.
        let emulatorDied = try #require(
            lines.firstIndex { $0.event == "domain-emulator-died" && $0.target == a.name },
            "\(lines.map(\.raw))"
        )
        let promoted = try #require(
            lines.firstIndex {
                $0.event == "role-changed" && $0.target == b.name && $0.fields["VIGIL_OPERATION"] == "promote"
            }
        )
        #expect(emulatorDied < promoted, "the standby was resumed after the primary's emulator died")
        // a after its death: booted (libvirt says Resumed, Started), perhaps again by its restart policy, and paused;
        // never unpaused.
        let rejoin = seen[(died + 1)...].filter { $0.domain == a.name }.map(\.event)
        let unpaused = rejoin.indices.filter { rejoin[$0] == "Resumed" && rejoin.dropFirst($0 + 1).first != "Started" }
        #expect(rejoin.last == "Suspended" && unpaused.isEmpty, "\(seen)")
    }
}
