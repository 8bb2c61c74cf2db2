import Logging
import VigilCore

/// Writes events to the log: one entry each, with the event's `MESSAGE_ID`, `VIGIL_EVENT`, `VIGIL_TARGET`, its
/// `VIGIL_*` fields and `VIGIL_MONOTONIC_USEC` (when it happened, so outside tools can line events up with their
/// own clock readings). The journal log handler turns the metadata into journal fields one to one.
struct EventLog {
    var logger: Logger

    func record(_ event: Event) {
        var metadata: Logger.Metadata = [:]
        for field in event.journalFields {
            metadata[field.name] = .string(field.value)
        }
        metadata["VIGIL_MONOTONIC_USEC"] = .string(String(event.time.microseconds))
        logger.log(
            level: Self.level(event.severity),
            "\(event.message)",
            metadata: metadata,
            file: event.source.file,
            function: event.source.function,
            line: event.source.line
        )
    }

    static func level(_ severity: EventSeverity) -> Logger.Level {
        switch severity {
        case .emergency, .alert, .critical: .critical
        case .error: .error
        case .warning: .warning
        case .notice: .notice
        case .info: .info
        case .debug: .debug
        }
    }
}
