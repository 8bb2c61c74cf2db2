/// Why a target is judged suspect or failed: which detector said so, with its figures. Made once, where the
/// detector decides, and carried as a value to the ladder, `vigilctl status`, metrics and events; nobody recovers
/// it from a message.
public struct Evidence: Sendable, Equatable, Hashable {
    /// What judged the target.
    public enum Detector: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
        /// The process (or the unit, domain or cgroup standing for it) ended.
        case exit
        /// The target could not be started.
        case start
        /// A configured check (`checks = [...]`) was raised.
        case check
        /// The heartbeat detector suspected or convicted it.
        case heartbeat
        /// The target asked for its own restart (`WATCHDOG=trigger` over its notify socket).
        case watchdog
        /// The restart policy gave up (crash loop) or is waiting out its backoff.
        case restartPolicy = "restart-policy"
    }

    public var detector: Detector
    /// One line for people, as `vigilctl status` shows it: `exited with status 1`, `memory.current=97% for 40s`.
    public var summary: String
    /// The check's text, for `check` evidence.
    public var check: String?
    /// The detector's figures, named as journal fields are (`LEVEL`, `SILENCE_USEC`, `VALUE`, …).
    public var figures: [String: String]

    public init(_ detector: Detector, _ summary: String, check: String? = nil, figures: [String: String] = [:]) {
        self.detector = detector
        self.summary = summary
        self.check = check
        self.figures = figures
    }
}

extension Evidence: CustomStringConvertible {
    /// The summary with what it is about, as events say it: `check "memory.current > 95%": memory.current=97% for 40s`.
    public var description: String {
        check.map { "check \"\($0)\": \(summary)" } ?? summary
    }
}
