import Logging
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Chooses where `vigild` logs: the journal or standard error.
public enum LogBackend {
    /// journald's native protocol socket.
    public static let journalSocketPath = "/run/systemd/journal/socket"

    /// Whether a journald is listening on `socketPath`.
    ///
    /// The check is a real `connect` of an `AF_UNIX` datagram socket: a stale socket file left behind by a
    /// journald that is gone refuses it (`ECONNREFUSED`), so the file merely existing proves nothing.
    ///
    /// - Parameters:
    ///   - socketPath: The socket to try; the system journal's unless given.
    /// - Returns: `true` when the connect succeeded.
    public static func journalAvailable(socketPath: String = journalSocketPath) -> Bool {
        guard let fd = try? UnixDatagramSocket.connect(to: socketPath) else {
            return false
        }
        close(fd)
        return true
    }

    /// A log handler for the configured target, for `LoggingSystem.bootstrap`.
    ///
    /// `.journal` always gives a `JournalLogHandler` (entries fall back to stderr one by one while the journal is
    /// unreachable); `.auto` gives one only when `journalAvailable()` holds when the logger is made, else a
    /// handler writing lines to stderr; `.stderr` always gives the latter.
    ///
    /// - Parameters:
    ///   - label: The logger's label.
    ///   - target: The configured `log-target`.
    ///   - identifier: The `SYSLOG_IDENTIFIER`.
    ///   - level: The least severe level logged.
    /// - Returns: The handler.
    public static func makeHandler(
        label: String,
        target: LogTarget,
        identifier: String = "vigild",
        level: Logger.Level = .info
    ) -> any LogHandler {
        let destination: JournalLogHandler.Destination =
            usesJournal(target) ? .journal(.systemd, fallback: .standardError) : .lines(.standardError)
        var handler = JournalLogHandler(label: label, identifier: identifier, destination: destination)
        handler.logLevel = level
        return handler
    }

    /// Whether `target` means the journal on this host now: `.auto` asks whether journald answers.
    public static func usesJournal(_ target: LogTarget) -> Bool {
        switch target {
        case .journal: true
        case .stderr: false
        case .auto: journalAvailable()
        }
    }

    /// The swift-log level for a configured `log-level`; the names match one to one.
    ///
    /// - Parameters:
    ///   - level: The configured level.
    /// - Returns: The swift-log level.
    public static func logLevel(_ level: VigilCore.LogLevel) -> Logger.Level {
        switch level {
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        }
    }
}
