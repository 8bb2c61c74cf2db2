import Logging
import Testing
import VigilCore
import VigilLinux

@Suite struct LogBackendTests {
    @Test func journalIsUnavailableWhenTheSocketFileIsMissing() {
        #expect(!LogBackend.journalAvailable(socketPath: "/nonexistent/vigil/socket"))
    }

    @Test func journalIsUnavailableWhenNothingListensOnAStaleSocketFile() throws {
        let socket = try DatagramSocket()
        #expect(LogBackend.journalAvailable(socketPath: socket.path))
        socket.closeKeepingPath()
        #expect(!LogBackend.journalAvailable(socketPath: socket.path))
    }

    @Test func stderrTargetAlwaysGivesAStderrHandlerWithTheConfiguredLevel() {
        let handler = LogBackend.makeHandler(label: "test", target: .stderr, identifier: "vigild", level: .debug)
        #expect(handler is StderrLogHandler)
        #expect(handler.logLevel == .debug)
    }

    @Test func journalTargetAlwaysGivesAJournalHandler() {
        #expect(LogBackend.makeHandler(label: "test", target: .journal) is JournalLogHandler)
    }

    @Test(arguments: [
        (VigilCore.LogLevel.debug, Logger.Level.debug), (.info, .info), (.notice, .notice), (.warning, .warning),
        (.error, .error),
    ])
    func configuredLevelsMapOneToOne(configured: VigilCore.LogLevel, expected: Logger.Level) {
        #expect(LogBackend.logLevel(configured) == expected)
    }
}
