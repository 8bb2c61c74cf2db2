import Testing
import VigilCore

@Suite struct NotifyMessageTests {
    @Test func parsesAssignmentsAndIgnoresLinesWithoutEquals() {
        let message = NotifyMessage("READY=1\nnonsense\nSTATUS=serving\n\nWATCHDOG=1")
        #expect(message.isReady && message.isWatchdogPing && message.status == "serving")
        #expect(!NotifyMessage("READY=0").isReady && NotifyMessage("WATCHDOG=trigger").isWatchdogTrigger)
    }

    @Test func watchdogTimeoutsThatWouldOverflowTheDeadlinesAreIgnored() {
        #expect(NotifyMessage("WATCHDOG_USEC=400000").watchdogTimeout == .milliseconds(400))
        #expect(NotifyMessage("WATCHDOG_USEC=31536000000000").watchdogTimeout == .seconds(31_536_000))
        for ignored in [
            "0", "-1", "", "1e6", "31536000000001", "9223372036854775807", "18446744073709551615",
            "18446744073709551616",
        ] {
            #expect(NotifyMessage("WATCHDOG_USEC=\(ignored)").watchdogTimeout == nil, "WATCHDOG_USEC=\(ignored)")
        }
    }
}
