/// Limits how many recoveries run at once on the host; the others wait, highest priority first and, within a
/// priority, in the order they asked.
///
/// Engine use: `request` before running a target's recovery step and run it only when granted; `finish` when the
/// step's outcome is in (or the target no longer needs it) and start the targets it returns.
public struct RecoveryLimiter: Sendable, Equatable {
    /// Recoveries allowed at once; at least 1.
    public private(set) var limit: Int
    public private(set) var running: Set<String> = []
    /// Waiting targets, in the order they will be granted.
    public var waiting: [String] {
        queue.map(\.target)
    }
    private var queue: [Entry] = []
    private var nextTicket = 0

    private struct Entry: Sendable, Equatable {
        var target: String
        var priority: Int
        var ticket: Int
    }

    /// - Parameter limit: recoveries allowed at once (raised to 1 if lower).
    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Asks to run a recovery for `target`.
    /// - Parameters:
    ///   - target: the target's name. Asking again while running is granted; while waiting, it keeps its place
    ///     (its priority is raised if the new one is higher).
    ///   - priority: higher goes first.
    /// - Returns: true if the recovery may run now; false if it is queued.
    public mutating func request(_ target: String, priority: Int) -> Bool {
        if running.contains(target) {
            return true
        }
        if let index = queue.firstIndex(where: { $0.target == target }) {
            queue[index].priority = max(queue[index].priority, priority)
            sortQueue()
            return false
        }
        if running.count < limit, queue.isEmpty {
            running.insert(target)
            return true
        }
        queue.append(Entry(target: target, priority: priority, ticket: nextTicket))
        nextTicket += 1
        sortQueue()
        return false
    }

    /// `target`'s recovery is over, or it no longer wants one (removed, stopped, maintenance).
    /// - Returns: the targets granted in its place, in order; the caller starts their recoveries.
    public mutating func finish(_ target: String) -> [String] {
        running.remove(target)
        queue.removeAll { $0.target == target }
        return grantWaiting()
    }

    /// Changes the limit (a reload), keeping what runs and what waits.
    /// - Returns: the targets granted because the limit rose, in order.
    public mutating func setLimit(_ newLimit: Int) -> [String] {
        limit = max(1, newLimit)
        return grantWaiting()
    }

    /// Moves waiting targets, in order, into the free slots; returns them.
    private mutating func grantWaiting() -> [String] {
        var granted: [String] = []
        while running.count < limit, !queue.isEmpty {
            let next = queue.removeFirst()
            running.insert(next.target)
            granted.append(next.target)
        }
        return granted
    }

    /// Where `target` waits (1 is next), or `nil` when it does not.
    public func position(of target: String) -> Int? {
        queue.firstIndex { $0.target == target }.map { $0 + 1 }
    }

    private mutating func sortQueue() {
        queue.sort { ($0.priority, -$0.ticket) > ($1.priority, -$1.ticket) }
    }
}
