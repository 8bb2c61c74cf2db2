import Dispatch
import VigilCore

@testable import VigilDaemon

/// A scheduler whose clock moves only when told to: in-process engine tests advance it and the timers that fall due
/// fire on the engine queue, in deadline order, at their deadlines.
///
/// `@unchecked Sendable`: its state is guarded by `lock`; timers fire outside it.
final class ManualScheduler: EngineScheduler, @unchecked Sendable {
    private let lock = DispatchQueue(label: "vigil.manual-scheduler")
    private var current: MonotonicInstant
    private var entries: [Int: Entry] = [:]
    private var nextID = 0

    private struct Entry {
        var deadline: MonotonicInstant?
        var period: Duration?
        var queue: DispatchQueue
        var fire: @Sendable () -> Void
        var oneShot: Bool
    }

    /// - Parameter start: the clock's first reading.
    init(start: MonotonicInstant = MonotonicInstant(nanoseconds: 1_000_000_000)) {
        current = start
    }

    public func now() -> MonotonicInstant {
        lock.sync { current }
    }

    public func makeTimer(on queue: DispatchQueue, _ fire: @escaping @Sendable () -> Void) -> any EngineTimer {
        ManualTimer(
            scheduler: self,
            id: add(Entry(deadline: nil, period: nil, queue: queue, fire: fire, oneShot: false))
        )
    }

    public func makeRepeatingTimer(
        on queue: DispatchQueue,
        every period: Duration,
        leeway: Duration,
        _ fire: @escaping @Sendable () -> Void
    ) -> any EngineTimer {
        let first = now() + period
        return ManualTimer(
            scheduler: self,
            id: add(Entry(deadline: first, period: period, queue: queue, fire: fire, oneShot: false))
        )
    }

    public func after(_ delay: Duration, on queue: DispatchQueue, _ work: @escaping @Sendable () -> Void) {
        _ = add(Entry(deadline: now() + max(delay, .zero), period: nil, queue: queue, fire: work, oneShot: true))
    }

    /// Moves the clock forward by `duration`, firing every timer that falls due on the way, each at its deadline.
    func advance(by duration: Duration) {
        let target = now() + duration
        while let (id, entry) = nextDue(before: target) {
            lock.sync {
                current = max(current, entry.deadline ?? current)
                if entry.oneShot {
                    entries[id] = nil
                } else if let period = entry.period {
                    entries[id]?.deadline = (entry.deadline ?? current) + period
                } else {
                    entries[id]?.deadline = nil
                }
            }
            entry.queue.sync { entry.fire() }
        }
        lock.sync { current = max(current, target) }
    }

    /// Runs what is due now (deadlines at or before the current instant) without moving the clock.
    func runDue() {
        advance(by: .zero)
    }

    /// The earliest armed deadline, if any.
    var nextDeadline: MonotonicInstant? {
        lock.sync { entries.values.compactMap(\.deadline).min() }
    }

    private func nextDue(before target: MonotonicInstant) -> (Int, Entry)? {
        lock.sync {
            entries.filter { $0.value.deadline.map { $0 <= target } ?? false }
                .min { ($0.value.deadline!, $0.key) < ($1.value.deadline!, $1.key) }
                .map { ($0.key, $0.value) }
        }
    }

    private func add(_ entry: Entry) -> Int {
        lock.sync {
            nextID += 1
            entries[nextID] = entry
            return nextID
        }
    }

    fileprivate func set(_ id: Int, deadline: MonotonicInstant?) {
        lock.sync { entries[id]?.deadline = deadline }
    }

    fileprivate func remove(_ id: Int) {
        lock.sync { entries[id] = nil }
    }
}

private final class ManualTimer: EngineTimer {
    private let scheduler: ManualScheduler
    private let id: Int

    init(scheduler: ManualScheduler, id: Int) {
        self.scheduler = scheduler
        self.id = id
    }

    func arm(at deadline: MonotonicInstant) {
        scheduler.set(id, deadline: deadline)
    }

    func disarm() {
        scheduler.set(id, deadline: nil)
    }

    func cancel() {
        scheduler.remove(id)
    }
}
