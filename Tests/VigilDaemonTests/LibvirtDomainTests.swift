import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `kind = "vm"` with `domain`: vigild drives domains of a real libvirtd (the test driver, on the test's own socket)
/// through `virsh`, hears of their deaths through libvirt's lifecycle events, and brings them back by restart,
/// snapshot revert or failover.
@Suite(.serialized) struct LibvirtDomainTests {
    static func daemon() async throws -> Libvirtd {
        try #require(Libvirtd.available, "root, libvirtd (libvirt-daemon) and virsh (libvirt-clients)")
        let daemon = try Libvirtd()
        guard try await daemon.waitUntilReady() else {
            let error = LibvirtdError(message: "libvirtd did not answer: \(daemon.lastError)")
            daemon.stop()
            throw error
        }
        return daemon
    }

    /// Waits until `virsh domstate` says `state`.
    static func waitForState(
        _ state: String,
        of domain: String,
        on daemon: Libvirtd,
        timeout: Duration = .seconds(15)
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while try await Blocking.run({ daemon.state(of: domain) }) != state {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    @Test func aDestroyedDomainIsStartedAgainAndStopLeavesDomainsRunning() async throws {
        let libvirt = try await Self.daemon()
        defer { libvirt.stop() }
        try libvirt.define("web", start: false)
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "web"
                kind = "vm"
                domain = "web"
                uri = "\(libvirt.uri)"
                restart = { backoff = "0..100ms", start_grace = "100ms" }
                """
        )
        defer { vigild.stop() }
        // A shut-off domain is started.
        try await vigild.waitForEvent(.targetStarted, target: "web")
        try await vigild.waitForEvent(.daemonReady)
        #expect(libvirt.state(of: "web") == "running")

        // Destroyed behind vigild's back: libvirt's event tells vigild, which starts it again.
        #expect(try libvirt.virsh(["destroy", "web"]).status == 0)
        let exited = try await vigild.waitForEvent(.targetExited, target: "web")
        #expect(exited.message.contains("domain shut off (destroyed)"), "\(exited)")
        try await vigild.waitForEvent(.targetStarted, target: "web", count: 2)
        #expect(try await Self.waitForState("running", of: "web", on: libvirt))
        // Detected from the event, not a poll: well within the restart's own 100 ms backoff plus a virsh start.
        let detectedAt = Int64(exited.fields["VIGIL_MONOTONIC_USEC"] ?? "") ?? 0
        let restartedAt =
            Int64(vigild.events(.targetStarted, target: "web")[1].fields["VIGIL_MONOTONIC_USEC"] ?? "") ?? .max
        #expect(restartedAt - detectedAt < 5_000_000)

        // vigild stops; the domain is not its child and keeps running. Started again, vigild adopts it.
        vigild.signal(SIGTERM)
        #expect(try await vigild.waitForExit() == 0)
        #expect(libvirt.state(of: "web") == "running")
        let again = try VigildProcess(config: try String(contentsOfFile: vigild.configPath, encoding: .utf8))
        defer { again.stop() }
        try await again.waitForEvent(.targetAdopted, target: "web")
        try await again.waitForEvent(.daemonReady)
        #expect(again.events(.targetStarted, target: "web").isEmpty, "adopted, not announced as a start")
        #expect(libvirt.state(of: "web") == "running")
        let events = try libvirt.virsh(["domstate", "web", "--reason"])
        #expect(events.out.hasPrefix("running (booted)"), "adopted, not started twice: \(events.out)")
    }

    @Test func theLaddersRevertGoesBackToTheDomainsSnapshot() async throws {
        let libvirt = try await Self.daemon()
        defer { libvirt.stop() }
        try libvirt.define("db")
        #expect(try libvirt.virsh(["snapshot-create-as", "db", "good"]).status == 0)
        #expect(try libvirt.virsh(["snapshot-create-as", "db", "later"]).status == 0)
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "db"
                kind = "vm"
                domain = "db"
                uri = "\(libvirt.uri)"
                snapshot = "good"
                restart = { start_grace = "100ms" }
                recovery = ["revert"]
                verify_window = "1s"
                """
        )
        defer { vigild.stop() }
        // Defined running: adopted.
        try await vigild.waitForEvent(.targetAdopted, target: "db")
        try await vigild.waitForEvent(.daemonReady)

        #expect(try libvirt.virsh(["destroy", "db"]).status == 0)
        let step = try await vigild.waitForEvent(.recoveryStep, target: "db")
        #expect(step.message.contains("revert"), "\(step)")
        try await vigild.waitForEvent(.recoveryVerified, target: "db", timeout: .seconds(20))
        #expect(libvirt.state(of: "db") == "running")
        let reason = try libvirt.virsh(["domstate", "db", "--reason"]).out
        #expect(reason.hasPrefix("running (from snapshot)"), "reverted, not merely started: \(reason)")
        let current = try libvirt.virsh(["snapshot-current", "db", "--name"]).out
        #expect(current.hasPrefix("good"), "the configured snapshot, not the latest: \(current)")
        #expect(vigild.events(.recoveryStepFailed, target: "db").isEmpty)
        #expect(vigild.events(.targetStarted, target: "db").count == 1, "the reverted domain counts as started")
        #expect(vigild.events(.targetAdopted, target: "db").count == 1, "only the domain found running at first")
    }

    @Test func aFailedPrimaryDomainIsFencedAndItsStandbyDomainPromoted() async throws {
        let libvirt = try await Self.daemon()
        defer { libvirt.stop() }
        try libvirt.define("web-a")
        try libvirt.define("web-b", start: false)
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "web-a"
                kind = "vm"
                domain = "web-a"
                uri = "\(libvirt.uri)"
                restart = { start_grace = "100ms" }
                recovery = ["failover"]
                verify_window = "1s"
                standbys = ["web-b"]

                [[target]]
                name = "web-b"
                kind = "vm"
                domain = "web-b"
                uri = "\(libvirt.uri)"
                restart = { start_grace = "100ms" }
                """
        )
        defer { vigild.stop() }
        try await vigild.waitForEvent(.targetAdopted, target: "web-a")
        try await vigild.waitForEvent(.daemonReady)
        #expect(libvirt.state(of: "web-b") == "shut off", "a standby waits for a failover")

        #expect(try libvirt.virsh(["destroy", "web-a"]).status == 0)
        let completed = try await vigild.waitForEvent(.failoverCompleted, target: "web-a", timeout: .seconds(30))
        #expect(completed.message.contains("from web-a to web-b"), "\(completed)")
        try await vigild.waitForEvent(.targetStarted, target: "web-b")
        #expect(libvirt.state(of: "web-b") == "running")
        #expect(libvirt.state(of: "web-a") == "shut off", "the fenced primary stays down")
    }
}
