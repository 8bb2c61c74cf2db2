import Logging
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

@Suite struct LogBackendTests {
    @Test func journalIsUnavailableWhenTheSocketFileIsMissing() {
        #expect(!LogBackend.journalAvailable(socketPath: "/nonexistent/vigil/socket"))
    }

    @Test func journalIsUnavailableWhenNothingListensOnAStaleSocketFile() async throws {
        let socket = try DatagramSocket()
        #expect(LogBackend.journalAvailable(socketPath: socket.path))
        socket.closeKeepingPath()
        // A child spawned concurrently by another test holds a copy of every descriptor between its clone and its
        // exec, so the socket may outlive close() by a moment.
        var available = true
        for _ in 0..<100 where available {
            available = LogBackend.journalAvailable(socketPath: socket.path)
            if available {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        #expect(!available)
    }

    @Test func stderrTargetAlwaysGivesALineHandlerWithTheConfiguredLevel() {
        let handler = LogBackend.makeHandler(label: "test", target: .stderr, identifier: "vigild", level: .debug)
        #expect((handler as? JournalLogHandler)?.writesToJournal == false)
        #expect(handler.logLevel == .debug)
    }

    @Test func journalTargetAlwaysGivesAJournalHandler() {
        #expect(
            (LogBackend.makeHandler(label: "test", target: .journal) as? JournalLogHandler)?.writesToJournal == true
        )
    }

    @Test(arguments: [
        (VigilCore.LogLevel.debug, Logger.Level.debug), (.info, .info), (.notice, .notice), (.warning, .warning),
        (.error, .error),
    ])
    func configuredLevelsMapOneToOne(configured: VigilCore.LogLevel, expected: Logger.Level) {
        #expect(LogBackend.logLevel(configured) == expected)
    }
}
