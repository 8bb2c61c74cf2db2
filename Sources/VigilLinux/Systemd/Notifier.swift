import CSystemd
import VigilCore

/// Tells systemd about the daemon's state through libsystemd's `sd_notify`: the one place that knows the notify
/// protocol.
///
/// Every call returns whether systemd got the message, and the result is discardable on purpose: a daemon that
/// is not run by systemd (no `NOTIFY_SOCKET`) gets `false` from a silent no-op, and a failed send must never take
/// the daemon down — the watchdog, not the daemon, is what notices a daemon systemd cannot hear.
///
/// The environment is never unset (libsystemd's `unset_environment` stays 0): the engine notifies for its whole
/// life, from `READY=1` through every reload to `STOPPING=1`. Children must not see these variables, though, or
/// a child speaking sd_notify would talk for `vigild`: spawners drop `inheritedVariablesToDrop`.
public struct Notifier: Sendable {
    /// Variables systemd passes to `vigild` that describe `vigild` itself and must not reach its children.
    public static let inheritedVariablesToDrop = [
        "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
    ]

    public init() {}

    /// `READY=1`: start-up is complete; with a status line when given.
    ///
    /// - Parameters:
    ///   - status: The `STATUS=` text shown by `systemctl status`, or `nil`.
    /// - Returns: `true` when systemd got the message.
    @discardableResult
    public func ready(status: String? = nil) -> Bool {
        var lines = ["READY=1"]
        if let status {
            lines.append("STATUS=" + Self.singleLine(status))
        }
        return send(lines)
    }

    /// `STATUS=`: the one-line summary `systemctl status` shows.
    ///
    /// - Parameters:
    ///   - text: The summary; newlines become spaces.
    /// - Returns: `true` when systemd got the message.
    @discardableResult
    public func status(_ text: String) -> Bool {
        send(["STATUS=" + Self.singleLine(text)])
    }

    /// `RELOADING=1` with `MONOTONIC_USEC=`, which `Type=notify-reload` requires to tell this reload from an
    /// older one; follow it with `ready(status:)` when the reload is done.
    ///
    /// - Parameters:
    ///   - monotonicUsec: `CLOCK_MONOTONIC` in microseconds when the reload started; now unless given.
    /// - Returns: `true` when systemd got the message.
    @discardableResult
    public func reloading(monotonicUsec: Int64 = MonotonicClock.now().microseconds) -> Bool {
        send(["RELOADING=1", "MONOTONIC_USEC=\(monotonicUsec)"])
    }

    /// `STOPPING=1`: shutdown has begun.
    ///
    /// - Returns: `true` when systemd got the message.
    @discardableResult
    public func stopping() -> Bool {
        send(["STOPPING=1"])
    }

    /// `WATCHDOG=1`: the daemon is alive. Send it from the engine queue, so a blocked engine stops the pings.
    ///
    /// - Returns: `true` when systemd got the message.
    @discardableResult
    public func watchdog() -> Bool {
        send(["WATCHDOG=1"])
    }

    /// The watchdog timeout systemd set for this process (`WATCHDOG_USEC`, when `WATCHDOG_PID` is unset or is
    /// this process); ping at half of it.
    ///
    /// - Returns: The timeout, or `nil` when there is no watchdog or the variables are malformed.
    public func watchdogInterval() -> Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else {
            return nil
        }
        return .microseconds(usec)
    }

    private func send(_ lines: [String]) -> Bool {
        let state = lines.joined(separator: "\n")
        let result = try? valueOrNegatedErrno("sd_notify") { sd_notify(0, state) }
        return (result ?? 0) > 0
    }

    /// A newline in `STATUS=` would start a new assignment, letting text such as a target's name say `READY=1`.
    private static func singleLine(_ text: String) -> String {
        text.map { $0.isNewline ? " " : $0 }.reduce(into: "") { $0.append($1) }
    }
}
