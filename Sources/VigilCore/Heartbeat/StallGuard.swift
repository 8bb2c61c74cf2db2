/// An interval during which vigild itself did not run: CPU starvation, `SIGSTOP`, a suspended VM.
public struct Stall: Sendable, Equatable {
    /// When a timer was due; vigild was stalled at least from here (perhaps from earlier).
    public var start: MonotonicInstant
    /// When the timer actually fired: vigild runs again.
    public var end: MonotonicInstant

    public init(start: MonotonicInstant, end: MonotonicInstant) {
        self.start = start
        self.end = end
    }

    /// The stall's length, at least.
    public var duration: Duration {
        end - start
    }
}

/// vigild's self-check: a timer that fires much later than it was due means vigild was not running, and a target
/// must not be convicted for the silence vigild could not hear.
///
/// Heartbeats sent while vigild is stalled wait in the socket and are read at once afterwards; a target that shares
/// the stall (a suspended VM, a starved host) sends again within an interval of it ending. Either way the silence up
/// to the end of the stall is vigild's, not the target's. So on a stall every heartbeat judge is excused until the
/// stall's end: its silence restarts there and the backlog gives no inter-arrival samples. A target that really
/// died is convicted one threshold's worth of silence after the stall, as if it had died at its end.
///
/// Engine contract, on every timer firing (heartbeat deadlines, the watchdog ping, backoff timers — each one is a
/// probe of vigild's own liveness):
/// 1. `if let stall = stallGuard.timer(expected: deadline, fired: now)`, call `judge.excuse(stall)` on every
///    heartbeat judge;
/// 2. drain the heartbeat sockets (non-blocking) and feed each datagram to `judge.heartbeat(at:)`, because a stall
///    may have begun well before the late timer was due, so its lateness can stay under the threshold while
///    heartbeats wait unread;
/// 3. only then call `judge.evaluate(at: now)` and re-arm from `judge.nextDeadline()`.
///
/// Lateness never becomes negative; timers firing early are not stalls.
public struct StallGuard: Sendable {
    /// Lateness above which a timer firing counts as a stall of vigild.
    public var threshold: Duration
    /// Stalls seen.
    public private(set) var stalls = 0
    /// The latest stall.
    public private(set) var lastStall: Stall?
    /// The longest stall seen.
    public private(set) var longest: Duration = .zero

    /// - Parameter threshold: lateness that means a stall; 100 ms by default, well above scheduler noise on a
    ///   loaded host and well below any useful heartbeat threshold.
    public init(threshold: Duration = .milliseconds(100)) {
        self.threshold = threshold
    }

    /// A timer due at `expected` fired at `fired`. Returns the stall when it fired more than `threshold` late.
    public mutating func timer(expected: MonotonicInstant, fired: MonotonicInstant) -> Stall? {
        guard fired - expected > threshold else { return nil }
        let stall = Stall(start: expected, end: fired)
        stalls += 1
        lastStall = stall
        longest = max(longest, stall.duration)
        return stall
    }
}
