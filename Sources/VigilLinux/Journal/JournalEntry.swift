import Logging

/// One log entry as both the journal and the stderr fallback see it: built once per log call, so the two sinks
/// can never disagree on what was logged.
public struct JournalEntry: Sendable, Equatable {
    /// Syslog priority, 0 (emergency) to 7 (debug).
    public var priority: Int
    /// `SYSLOG_IDENTIFIER`, e.g. `vigild`.
    public var identifier: String
    /// `MESSAGE`.
    public var message: String
    /// Fields from metadata, already mapped to journal names, sorted by name so output is stable.
    public var fields: [JournalField]
    /// The source location of the log call: `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`.
    public var file: String
    public var line: UInt
    public var function: String

    /// - Parameters:
    ///   - priority: Syslog priority, 0 to 7.
    ///   - identifier: The `SYSLOG_IDENTIFIER`.
    ///   - message: The `MESSAGE`.
    ///   - fields: Additional fields with valid names.
    ///   - file: The log call's file.
    ///   - line: The log call's line.
    ///   - function: The log call's function.
    public init(
        priority: Int,
        identifier: String,
        message: String,
        fields: [JournalField],
        file: String,
        line: UInt,
        function: String
    ) {
        self.priority = priority
        self.identifier = identifier
        self.message = message
        self.fields = fields
        self.file = file
        self.line = line
        self.function = function
    }

    /// Builds the entry for one swift-log call.
    ///
    /// - Parameters:
    ///   - level: The swift-log level; becomes `PRIORITY` (see `syslogPriority(for:)`).
    ///   - message: The log message.
    ///   - metadata: Handler metadata already merged with the call's metadata; keys are mapped with
    ///     `JournalFieldName.forMetadataKey(_:)`, values rendered with `render(_:)`.
    ///   - identifier: The `SYSLOG_IDENTIFIER`.
    ///   - file: swift-log's `file` (a `#fileID`).
    ///   - line: swift-log's `line`.
    ///   - function: swift-log's `function`.
    public init(
        level: Logger.Level,
        message: Logger.Message,
        metadata: Logger.Metadata,
        identifier: String,
        file: String,
        line: UInt,
        function: String
    ) {
        let fields = metadata.map {
            JournalField(name: JournalFieldName.forMetadataKey($0.key), value: Self.render($0.value))
        }
        .sorted { ($0.name, $0.value) < ($1.name, $1.value) }
        self.init(
            priority: Self.syslogPriority(for: level),
            identifier: identifier,
            message: message.description,
            fields: fields,
            file: file,
            line: line,
            function: function
        )
    }

    /// Every field of the entry in the order it is sent: `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, the metadata
    /// fields, then `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`. libsystemd adds no source location for Swift callers,
    /// so the entry carries the one swift-log captured at the call site.
    public var journalFields: [JournalField] {
        var result = [
            JournalField(name: "MESSAGE", value: message),
            JournalField(name: "PRIORITY", value: String(priority)),
        ]
        if !identifier.isEmpty {
            result.append(JournalField(name: "SYSLOG_IDENTIFIER", value: identifier))
        }
        result += fields
        result += [
            JournalField(name: "CODE_FILE", value: file),
            JournalField(name: "CODE_LINE", value: String(line)),
            JournalField(name: "CODE_FUNC", value: function),
        ]
        return result
    }

    /// The syslog priority of a swift-log level: trace and debug 7, info 6, notice 5, warning 4, error 3,
    /// critical 2.
    ///
    /// - Parameters:
    ///   - level: A swift-log level.
    /// - Returns: The matching `PRIORITY`.
    public static func syslogPriority(for level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Renders a metadata value as field text: strings as they are, arrays as `[a, b]`, dictionaries as
    /// `[key: value, …]` with keys sorted so the same metadata always gives the same text.
    ///
    /// - Parameters:
    ///   - value: A swift-log metadata value.
    /// - Returns: The text for the journal field.
    public static func render(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let string):
            string
        case .stringConvertible(let convertible):
            convertible.description
        case .array(let array):
            "[" + array.map(render).joined(separator: ", ") + "]"
        case .dictionary(let dictionary):
            "["
                + dictionary.sorted { $0.key < $1.key }.map { "\($0.key): \(render($0.value))" }
                .joined(separator: ", ") + "]"
        }
    }
}

extension JournalEntry {
    /// The entry for a swift-log event, with metadata merged the way every handler of ours does it: handler
    /// metadata, then the provider's, then the call's, the later winning. An error attached to the event becomes
    /// `VIGIL_ERROR` unless metadata already names one.
    init(event: LogEvent, handlerMetadata: Logger.Metadata, provider: Logger.MetadataProvider?, identifier: String) {
        var merged = handlerMetadata
        if let error = event.error, merged["error"] == nil {
            merged["error"] = .string(String(describing: error))
        }
        if let provided = provider?.get() {
            merged.merge(provided) { _, provided in provided }
        }
        if let callMetadata = event.metadata {
            merged.merge(callMetadata) { _, call in call }
        }
        self.init(
            level: event.level,
            message: event.message,
            metadata: merged,
            identifier: identifier,
            file: event.file,
            line: event.line,
            function: event.function
        )
    }
}
