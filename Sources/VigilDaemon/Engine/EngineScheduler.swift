import Dispatch
import VigilCore
import VigilLinux

/// Time and timers for the engine: the monotonic clock and Dispatch timers in vigild (`DispatchScheduler`), a clock
/// moved by hand in tests (`ManualScheduler`). Everything in the engine that reads the time or waits for it goes
/// through here, so orchestration is tested in-process without sleeping.
public protocol EngineScheduler: AnyObject, Sendable {
    /// The current instant on the monotonic clock.
    func now() -> MonotonicInstant
    /// A one-shot timer whose `fire` runs on `queue` when an armed deadline passes; disarmed until `arm(at:)`.
    func makeTimer(on queue: DispatchQueue, _ fire: @escaping @Sendable () -> Void) -> any EngineTimer
    /// A timer that fires on `queue` every `period`, the first time after `period`; `leeway` is how late it may be.
    func makeRepeatingTimer(
        on queue: DispatchQueue,
        every period: Duration,
        leeway: Duration,
        _ fire: @escaping @Sendable () -> Void
    ) -> any EngineTimer
    /// Runs `work` once on `queue` after `delay`.
    func after(_ delay: Duration, on queue: DispatchQueue, _ work: @escaping @Sendable () -> Void)
}

/// A timer made by an `EngineScheduler`. Confined to the engine queue.
public protocol EngineTimer: AnyObject {
    /// (Re)arms the timer for `deadline`, replacing any earlier arming; a deadline in the past fires at once.
    func arm(at deadline: MonotonicInstant)
    /// Keeps the timer but stops it from firing until it is armed again.
    func disarm()
    /// Releases the timer for good.
    func cancel()
}

/// The scheduler vigild runs with: `CLOCK_MONOTONIC` and Dispatch timer sources on the engine queue.
public final class DispatchScheduler: EngineScheduler {
    public init() {}

    public func now() -> MonotonicInstant {
        MonotonicClock.now()
    }

    public func makeTimer(on queue: DispatchQueue, _ fire: @escaping @Sendable () -> Void) -> any EngineTimer {
        let source = DispatchSource.makeTimerSource(flags: .strict, queue: queue)
        source.setEventHandler { @Sendable in fire() }
        // Never activated without a deadline: an unscheduled timer source may fire at once.
        source.schedule(deadline: .distantFuture)
        source.activate()
        return DispatchEngineTimer(source: source)
    }

    public func makeRepeatingTimer(
        on queue: DispatchQueue,
        every period: Duration,
        leeway: Duration,
        _ fire: @escaping @Sendable () -> Void
    ) -> any EngineTimer {
        let source = DispatchSource.makeTimerSource(flags: .strict, queue: queue)
        source.setEventHandler { @Sendable in fire() }
        source.schedule(
            deadline: .now() + .nanoseconds(Int(period.nanoseconds)),
            repeating: .nanoseconds(Int(period.nanoseconds)),
            leeway: .nanoseconds(Int(leeway.nanoseconds))
        )
        source.activate()
        return DispatchEngineTimer(source: source)
    }

    public func after(_ delay: Duration, on queue: DispatchQueue, _ work: @escaping @Sendable () -> Void) {
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(max(delay, .zero).nanoseconds))) { @Sendable in work() }
    }
}

/// A Dispatch timer source; holding it keeps the source alive.
private final class DispatchEngineTimer: EngineTimer {
    private var source: (any DispatchSourceTimer)?

    init(source: any DispatchSourceTimer) {
        self.source = source
    }

    func arm(at deadline: MonotonicInstant) {
        let delay = max(deadline - MonotonicClock.now(), .zero)
        source?.schedule(deadline: .now() + .nanoseconds(Int(delay.nanoseconds)), leeway: .milliseconds(1))
    }

    func disarm() {
        source?.schedule(deadline: .distantFuture)
    }

    func cancel() {
        source?.cancel()
        source = nil
    }
}

/// One timer of an owner that arms it now and then: made on first arming (most targets never arm theirs, and at a
/// thousand targets idle timer sources are a good part of vigild's memory), refused after `close()`.
package final class LazyTimer {
    private let scheduler: any EngineScheduler
    private let queue: DispatchQueue
    private let fire: @Sendable () -> Void
    private var timer: (any EngineTimer)?
    private var closed = false

    init(scheduler: any EngineScheduler, queue: DispatchQueue, fire: @escaping @Sendable () -> Void) {
        self.scheduler = scheduler
        self.queue = queue
        self.fire = fire
    }

    package func arm(at deadline: MonotonicInstant) {
        guard !closed else { return }
        let timer = self.timer ?? scheduler.makeTimer(on: queue, fire)
        self.timer = timer
        timer.arm(at: deadline)
    }

    package func disarm() {
        timer?.disarm()
    }

    package func close() {
        closed = true
        timer?.cancel()
        timer = nil
    }
}
