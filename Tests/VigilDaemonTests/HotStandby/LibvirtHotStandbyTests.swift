import Foundation
import Testing
import VigilCore
import VigilTestSupport

/// A hot standby domain on a real libvirtd (the test driver, whose state persists while the daemon runs): kept
/// paused while it stands by, resumed as its promotion, and the fenced primary domain back as a paused standby.
extension LibvirtDomainTests {
    @Test func aHotStandbyDomainIsKeptPausedAndResumedAsItsPromotion() async throws {
        let libvirt = try await Self.daemon()
        defer { libvirt.stop() }
        try libvirt.define("db-a")
        try libvirt.define("db-b", start: false)
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "db-a"
                kind = "vm"
                domain = "db-a"
                uri = "\(libvirt.uri)"
                restart = { start_grace = "100ms" }
                recovery = ["failover"]
                verify_window = "1s"
                standbys = ["db-b"]
                standby_mode = "hot"

                [[target]]
                name = "db-b"
                kind = "vm"
                domain = "db-b"
                uri = "\(libvirt.uri)"
                restart = { start_grace = "100ms" }
                """
        )
        defer { vigild.stop() }
        try await vigild.waitForEvent(.targetAdopted, target: "db-a")
        try await vigild.waitForEvent(.targetStarted, target: "db-b")
        #expect(try await Self.waitForState("paused", of: "db-b", on: libvirt), "the hot standby waits paused")
        try await vigild.waitForEvent(.daemonReady)
        try await vigild.waitFor("db-b eligible") { _ in
            let status = try? ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status)).status
            return status?.targets.first { $0.name == "db-b" }?.standbyEligible == true ? true : nil
        }

        #expect(try libvirt.virsh(["destroy", "db-a"]).status == 0)
        let completed = try await vigild.waitForEvent(.failoverCompleted, target: "db-a", timeout: .seconds(30))
        #expect(completed.message.contains("from db-a to db-b"), "\(completed)")
        #expect(libvirt.state(of: "db-b") == "running", "resumed, not started")
        #expect(vigild.events(.targetStarted, target: "db-b").count == 1)
        let promoted = try #require(vigild.events(.roleChanged, target: "db-b").first)
        #expect(promoted.fields["VIGIL_OPERATION"] == "promote", "\(promoted)")
        // The fenced primary comes back as a standby: started, then paused.
        try await vigild.waitForEvent(.targetStarted, target: "db-a", timeout: .seconds(30))
        #expect(try await Self.waitForState("paused", of: "db-a", on: libvirt))
        #expect(libvirt.state(of: "db-b") == "running")
    }
}
