/// The single record of something that happened. Every sink (journal, status, later the state file and the
/// control socket) is fed from events.
public struct Event: Sendable, Equatable {
    public var kind: EventKind
    /// The target the event is about; `nil` for daemon-wide events.
    public var target: String?
    /// One human sentence, the journal's `MESSAGE`.
    public var message: String
    /// Structured fields without the `VIGIL_` prefix, e.g. `PID`, `ATTEMPT`, `BACKOFF_USEC`.
    public var fields: [String: String]
    public var time: MonotonicInstant
    /// The journal priority; the kind's, unless the event says otherwise (an exit vigild asked for is no warning).
    public var severity: EventSeverity
    /// Where the event was decided, for the journal's `CODE_FILE`, `CODE_LINE` and `CODE_FUNC`.
    public var source: SourceLocation

    public init(
        kind: EventKind,
        target: String? = nil,
        message: String,
        fields: [String: String] = [:],
        time: MonotonicInstant,
        severity: EventSeverity? = nil,
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        self.kind = kind
        self.target = target
        self.message = message
        self.fields = fields
        self.time = time
        self.severity = severity ?? kind.severity
        self.source = SourceLocation(file: file, function: function, line: line)
    }

    /// Every journal field the event carries but `MESSAGE` and `PRIORITY` (which the log level gives):
    /// `MESSAGE_ID`, `VIGIL_EVENT`, `VIGIL_TARGET` and the `VIGIL_`-prefixed fields, in a stable order.
    public var journalFields: [(name: String, value: String)] {
        var result: [(name: String, value: String)] = [
            ("MESSAGE_ID", kind.messageID),
            ("VIGIL_EVENT", kind.rawValue),
        ]
        if let target {
            result.append(("VIGIL_TARGET", target))
        }
        for key in fields.keys.sorted() {
            result.append(("VIGIL_" + key, fields[key]!))
        }
        return result
    }
}
