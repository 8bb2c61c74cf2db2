/// One sd_notify datagram, as a program written for systemd sends it: newline-separated `KEY=VALUE` assignments.
public struct NotifyMessage: Sendable, Equatable {
    /// The assignments in order; a key given twice keeps both (the last one wins in `value(of:)`).
    public var assignments: [(key: String, value: String)]

    /// Parses the text of a datagram. Lines without `=` are ignored, as systemd ignores them.
    public init(_ text: String) {
        assignments = text.split(separator: "\n", omittingEmptySubsequences: true).compactMap { line in
            guard let equals = line.firstIndex(of: "=") else { return nil }
            return (String(line[..<equals]), String(line[line.index(after: equals)...]))
        }
    }

    /// The last value given for `key`.
    public func value(of key: String) -> String? {
        assignments.last { $0.key == key }?.value
    }

    /// `READY=1`.
    public var isReady: Bool { value(of: "READY") == "1" }
    /// `WATCHDOG=1`: the keep-alive ping.
    public var isWatchdogPing: Bool { value(of: "WATCHDOG") == "1" }
    /// `WATCHDOG=trigger`: the program asks to be treated as failed.
    public var isWatchdogTrigger: Bool { value(of: "WATCHDOG") == "trigger" }
    /// `STATUS=…`.
    public var status: String? { value(of: "STATUS") }
    /// `WATCHDOG_USEC=…`: the program changes its watchdog timeout.
    public var watchdogTimeout: Duration? {
        value(of: "WATCHDOG_USEC").flatMap(UInt64.init).flatMap { $0 > 0 ? .microseconds(Int64($0)) : nil }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.assignments.elementsEqual(rhs.assignments) { $0.key == $1.key && $0.value == $1.value }
    }
}
