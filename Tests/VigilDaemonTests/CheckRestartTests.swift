import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A raised `fault` check kills the instance; the replacement is judged afresh, so a condition that still holds
/// convicts it too (and the crash-loop limit ends it), rather than a check left raised from the last instance
/// letting the new one run unjudged.
@Suite struct CheckRestartTests {
    @Test func aFaultCheckThatStillHoldsConvictsEveryNewInstanceUntilTheRestartPolicyGivesUp() async throws {
        let vigild = try VigildProcess(
            config: """
                [daemon]
                tick = "100ms"

                [[target]]
                name = "bloat"
                exec = ["/bin/sleep", "1000"]
                restart = { backoff = "100ms..100ms", burst = 2, within = "1m", start_grace = "100ms" }
                checks = [{ when = "main.rss > 1KiB for 200ms", severity = "fault" }]
                """
        )
        let first = try await vigild.waitForEvent(.targetFaulted, target: "bloat")
        #expect(first.fields["VIGIL_FAULT_DETECTOR"] == "check", "\(first)")
        #expect(first.fields["VIGIL_FAULT"]?.hasPrefix("check \"main.rss > 1KiB for 200ms\": main.rss=") == true)
        let second = try await vigild.waitForEvent(.targetFaulted, target: "bloat", count: 2)
        #expect(second.pid != first.pid, "the restarted process was judged, and convicted, on its own")
        try await vigild.waitForEvent(.targetGaveUp, target: "bloat")
        let status = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status))
        let row = try #require(status.status?.targets.first { $0.name == "bloat" })
        #expect(row.health == .failed && row.evidence?.hasPrefix("gave up after") == true, "\(row)")
    }
}
