/// The few ANSI styles `vigilctl` uses, and the mapping from states, health and syslog priorities to them.
public enum TerminalStyle: String, Sendable, CaseIterable {
    case red = "31"
    case green = "32"
    case yellow = "33"
    case cyan = "36"
    case bold = "1"
    case dim = "2"

    /// `text` wrapped in this style's escape and a reset, or unchanged when `enabled` is false.
    /// - Parameters:
    ///   - text: The text to style.
    ///   - enabled: Whether colour is wanted at all.
    public func apply(_ text: String, enabled: Bool) -> String {
        enabled ? "\u{1B}[\(rawValue)m\(text)\u{1B}[0m" : text
    }

    /// Wraps `text` in `style` when there is one and colour is enabled.
    static func apply(_ style: TerminalStyle?, _ text: String, enabled: Bool) -> String {
        style?.apply(text, enabled: enabled) ?? text
    }

    /// A target's state: running green, on its way somewhere yellow, given up red, under maintenance cyan.
    /// - Parameters:
    ///   - state: `TargetStatus.state`.
    ///   - maintenance: Whether the target (or the host) is in maintenance, which outranks the state.
    public static func forState(_ state: String, maintenance: Bool) -> TerminalStyle? {
        if maintenance {
            return .cyan
        }
        switch state {
        case "running": return .green
        case "starting", "backoff", "recovering", "stopping", "waiting": return .yellow
        case "failed": return .red
        default: return nil
        }
    }

    /// A health verdict: healthy green, suspect yellow, failed red, unknown plain.
    public static func forHealth(_ health: HealthWord) -> TerminalStyle? {
        switch health {
        case .healthy: .green
        case .suspect: .yellow
        case .failed: .red
        case .unknown: nil
        }
    }

    /// A syslog priority, as `journalctl` colours it: error and worse red, warning yellow, notice bold, debug dim.
    public static func forPriority(_ priority: Int) -> TerminalStyle? {
        switch priority {
        case ...3: .red
        case 4: .yellow
        case 5: .bold
        case 7...: .dim
        default: nil
        }
    }
}
