import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Events read back from a real systemd-journald with journalctl, as an operator would.
@Suite(.serialized) struct JournalTests {
    @Test func supervisionEventsAreStructuredJournalEntriesAndTargetOutputIsJournalledUnderItsName() async throws {
        try await Journald.withRunningJournal {
            let name = "jt-\(UInt32.random(in: 0...UInt32.max))"
            let vigild = try VigildProcess(
                config: """
                    [[target]]
                    name = "\(name)"
                    exec = ["/bin/sh", "-c", "echo hello from \(name); exec sleep 1000"]
                    restart = { backoff = "0..1s", start_grace = "100ms" }
                    """,
                arguments: ["--log-target", "journal"]
            )
            let started = try await Journald.entries(matching: ["VIGIL_TARGET=\(name)", "VIGIL_EVENT=target-started"])
            let firstPID = try #require(started.first?["VIGIL_PID"].flatMap { Int32($0) })
            #expect(kill(firstPID, SIGKILL) == 0)
            let exited = try #require(
                try await Journald.entries(matching: ["VIGIL_TARGET=\(name)", "VIGIL_EVENT=target-exited"]).first
            )
            #expect(exited["MESSAGE_ID"] == EventKind.targetExited.messageID)
            #expect(exited["SYSLOG_IDENTIFIER"] == "vigild")
            #expect(exited["PRIORITY"] == "4")
            #expect(exited["VIGIL_PID"] == String(firstPID))
            #expect(exited["VIGIL_SIGNAL"] == "SIGKILL")
            #expect(exited["MESSAGE"]?.hasPrefix("\(name): exited with signal SIGKILL") == true)
            #expect(exited["CODE_FILE"]?.hasSuffix(".swift") == true)
            #expect(exited["CODE_LINE"].flatMap(Int.init) != nil)
            #expect(exited["CODE_FUNC"]?.isEmpty == false)
            #expect(exited["_PID"] == String(vigild.pid))

            let scheduled = try #require(
                try await Journald.entries(matching: ["VIGIL_TARGET=\(name)", "VIGIL_EVENT=restart-scheduled"]).first
            )
            #expect(scheduled["VIGIL_ATTEMPT"] == "1")
            #expect(scheduled["VIGIL_BACKOFF_USEC"] == "0")
            #expect(scheduled["MESSAGE_ID"] == EventKind.restartScheduled.messageID)

            let restarted = try await Journald.entries(matching: ["VIGIL_TARGET=\(name)", "VIGIL_EVENT=target-started"])
            #expect(restarted.count >= 1)

            let output = try await Journald.entries(matching: ["SYSLOG_IDENTIFIER=\(name)"])
            #expect(output.first?["MESSAGE"] == "hello from \(name)")
            #expect(output.first?["PRIORITY"] == "6")

            let ready = try await Journald.entries(matching: ["_PID=\(vigild.pid)", "VIGIL_EVENT=daemon-ready"])
            #expect(ready.first?["MESSAGE_ID"] == EventKind.daemonReady.messageID)
            vigild.stop()
        }
    }
}
