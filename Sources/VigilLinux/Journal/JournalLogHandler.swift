import Logging

/// A swift-log handler that writes one journal entry per log call.
///
/// Each entry carries `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, `CODE_FILE`, `CODE_LINE`, `CODE_FUNC` and one
/// field per metadata entry (handler metadata, then the metadata provider's, then the call's; the call wins),
/// named by `JournalFieldName.forMetadataKey(_:)`. When the journal cannot be reached the same entry is written
/// to the fallback as a `JournalEntry.stderrLine`, so nothing is lost when journald is restarting or absent.
public struct JournalLogHandler: LogHandler, Sendable {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info

    /// The `SYSLOG_IDENTIFIER` of every entry.
    public var identifier: String
    /// The label the logger was created with; swift-log's, not written to the journal.
    public let label: String
    private let sender: JournalSender
    private let fallback: LineWriter

    /// - Parameters:
    ///   - label: The logger's label.
    ///   - identifier: The `SYSLOG_IDENTIFIER`; `journalctl -t vigild` finds entries by it.
    ///   - sender: How entries reach journald; `.systemd` unless a test or a journal namespace needs another.
    ///   - fallback: Where entries go when the sender fails.
    ///   - metadataProvider: Metadata added to every entry, e.g. from a task-local.
    public init(
        label: String,
        identifier: String = "vigild",
        sender: JournalSender = .systemd,
        fallback: LineWriter = .standardError,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
    ) {
        self.label = label
        self.identifier = identifier
        self.sender = sender
        self.fallback = fallback
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
        do {
            try sender.send(entry.journalFields)
        } catch {
            fallback.write(entry.stderrLine)
        }
    }
}
