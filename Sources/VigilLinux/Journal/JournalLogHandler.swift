import Logging

/// A swift-log handler that writes one journal entry per log call: to the journal, or as one line.
///
/// Each entry carries `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, `CODE_FILE`, `CODE_LINE`, `CODE_FUNC` and one
/// field per metadata entry (handler metadata, then the metadata provider's, then the call's; the call wins),
/// named by `JournalFieldName.forMetadataKey(_:)`. With the `.journal` destination, an entry the journal cannot
/// take is written to the fallback as a `JournalEntry.stderrLine`, so nothing is lost when journald is restarting
/// or absent; with `.lines` every entry is such a line (`log_target = "stderr"`), carrying the same fields.
public struct JournalLogHandler: LogHandler, Sendable {
    /// Where entries go.
    public enum Destination: Sendable {
        /// The native journal protocol; `fallback` takes the entries the journal cannot.
        case journal(JournalSender, fallback: LineWriter)
        /// One `JournalEntry.stderrLine` per entry.
        case lines(LineWriter)
    }

    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info

    /// The `SYSLOG_IDENTIFIER` of every entry.
    public var identifier: String
    /// The label the logger was created with; swift-log's, not written to the journal.
    public let label: String
    public let destination: Destination

    /// Whether entries go to the journal first (rather than only as lines).
    public var writesToJournal: Bool {
        if case .journal = destination { return true }
        return false
    }

    /// - Parameters:
    ///   - label: The logger's label.
    ///   - identifier: The `SYSLOG_IDENTIFIER`; `journalctl -t vigild` finds entries by it.
    ///   - destination: The journal (through libsystemd, falling back to stderr) unless told otherwise.
    ///   - metadataProvider: Metadata added to every entry, e.g. from a task-local.
    public init(
        label: String,
        identifier: String = "vigild",
        destination: Destination = .journal(.systemd, fallback: .standardError),
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
    ) {
        self.label = label
        self.identifier = identifier
        self.destination = destination
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
        switch destination {
        case .journal(let sender, let fallback):
            do {
                try sender.send(entry.journalFields)
            } catch {
                fallback.write(entry.stderrLine)
            }
        case .lines(let writer):
            writer.write(entry.stderrLine)
        }
    }
}
