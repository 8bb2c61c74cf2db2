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
    ///
    /// Values above `maximumWatchdogTimeout` (systemd's "infinity", 2^64-1, among them) are ignored like 0 and
    /// text: the timeout stays as it was. They would overflow the 64-bit microseconds of the deadlines.
    public var watchdogTimeout: Duration? {
        guard let text = value(of: "WATCHDOG_USEC"), let microseconds = UInt64(text), microseconds > 0,
            microseconds <= Self.maximumWatchdogTimeoutMicroseconds
        else { return nil }
        return .microseconds(Int64(microseconds))
    }

    /// The longest watchdog timeout a program may set: one year.
    public static let maximumWatchdogTimeoutMicroseconds: UInt64 = 365 * 86_400 * 1_000_000

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.assignments.elementsEqual(rhs.assignments) { $0.key == $1.key && $0.value == $1.value }
    }
}
