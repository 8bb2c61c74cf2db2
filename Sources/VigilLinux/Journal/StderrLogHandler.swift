import Logging

/// A swift-log handler that writes each entry as one `JournalEntry.stderrLine` to standard error (or another
/// descriptor), for `log-target = "stderr"` and for hosts without a journal.
///
/// Entries carry the same fields a `JournalLogHandler` would send, so switching targets loses nothing.
public struct StderrLogHandler: LogHandler, Sendable {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info

    /// The identifier shown in each line's prefix.
    public var identifier: String
    /// The label the logger was created with; swift-log's, not written out.
    public let label: String
    private let writer: LineWriter

    /// - Parameters:
    ///   - label: The logger's label.
    ///   - identifier: The identifier in each line's prefix, like `SYSLOG_IDENTIFIER`.
    ///   - writer: Where lines go; standard error unless a test wants them elsewhere.
    ///   - metadataProvider: Metadata added to every entry, e.g. from a task-local.
    public init(
        label: String,
        identifier: String = "vigild",
        writer: LineWriter = .standardError,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
    ) {
        self.label = label
        self.identifier = identifier
        self.writer = writer
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let entry = JournalEntry(
            event: event,
            handlerMetadata: metadata,
            provider: metadataProvider,
            identifier: identifier
        )
        writer.write(entry.stderrLine)
    }
}
