/// Chooses the standby a failover promotes, by the target's `PlacementStrategy`. A value type: the little it
/// remembers between failovers (`memory`, for round-robin and weighted) is persisted with the target's state.
///
/// Every strategy skips standbys that are failed, in maintenance or not admitted, and breaks ties by configuration
/// order, so the choice is deterministic for the same inputs and memory.
public struct StandbyPlacement: Sendable, Equatable {
    public let strategy: PlacementStrategy
    /// The standbys in configuration order.
    public let standbys: [String]
    public let weights: [String: Int]
    public private(set) var memory: PlacementMemory

    /// - Parameters:
    ///   - strategy: how to choose.
    ///   - standbys: the configured standbys, in order.
    ///   - weights: `weighted` shares (default 1 each; a weight of 0 is never chosen).
    ///   - memory: what was remembered before vigild restarted, if anything.
    public init(
        strategy: PlacementStrategy,
        standbys: [String],
        weights: [String: Int] = [:],
        memory: PlacementMemory = PlacementMemory()
    ) {
        self.strategy = strategy
        self.standbys = standbys
        self.weights = weights
        self.memory = memory
    }

    /// Chooses among `candidates` (the standbys' current figures; a configured standby without one is skipped as
    /// unknown) and remembers the choice.
    /// - Parameters:
    ///   - candidates: what the engine knows about each standby, in any order.
    ///   - active: the member serving now, which is never its own standby (skipped without a word: after a
    ///     failover the configured primary is one of the standbys and the promoted one is active).
    public mutating func choose(from candidates: [StandbyCandidate], excluding active: String? = nil) -> StandbyChoice {
        var skipped: [SkippedStandby] = []
        var eligible: [StandbyCandidate] = []
        for name in standbys where name != active {
            guard let candidate = candidates.first(where: { $0.name == name }) else {
                skipped.append(SkippedStandby(name: name, reason: "no state known"))
                continue
            }
            if let reason = candidate.ineligibility {
                skipped.append(SkippedStandby(name: name, reason: reason))
            } else if strategy == .weighted, weight(of: name) <= 0 {
                skipped.append(SkippedStandby(name: name, reason: "weight 0"))
            } else {
                eligible.append(candidate)
            }
        }
        guard !eligible.isEmpty else { return StandbyChoice(standby: nil, skipped: skipped) }
        let chosen: String
        switch strategy {
        case .ordered:
            chosen = eligible[0].name
        case .roundRobin:
            chosen = nextRoundRobin(eligible.map(\.name))
        case .weighted:
            chosen = nextWeighted(eligible.map(\.name))
        case .leastLoaded:
            chosen = eligible.enumerated().min { Self.loadKey($0) < Self.loadKey($1) }!.element.name
        case .leastResponse:
            chosen = eligible.enumerated().min { Self.responseKey($0) < Self.responseKey($1) }!.element.name
        }
        memory.lastChosen = chosen
        return StandbyChoice(standby: chosen, skipped: skipped)
    }

    public func weight(of standby: String) -> Int {
        weights[standby] ?? 1
    }

    /// The first eligible standby after the last one chosen, in configuration order.
    private func nextRoundRobin(_ eligible: [String]) -> String {
        guard let last = memory.lastChosen, let lastIndex = standbys.firstIndex(of: last) else { return eligible[0] }
        for offset in 1...standbys.count {
            let name = standbys[(lastIndex + offset) % standbys.count]
            if eligible.contains(name) {
                return name
            }
        }
        return eligible[0]
    }

    /// Smooth weighted round-robin: every eligible standby's current weight grows by its weight; the largest is
    /// chosen (first in order on a tie) and loses the total of the eligible weights.
    private mutating func nextWeighted(_ eligible: [String]) -> String {
        var total = 0
        var best: String?
        var bestCurrent = Int.min
        for name in eligible {
            let current = memory.currentWeights[name, default: 0] + weight(of: name)
            memory.currentWeights[name] = current
            total += weight(of: name)
            if current > bestCurrent {
                best = name
                bestCurrent = current
            }
        }
        memory.currentWeights[best!, default: 0] -= total
        return best!
    }

    /// Least pressure first (in whole percent, unknown last), then most free memory (unknown last), then order.
    private static func loadKey(_ entry: (offset: Int, element: StandbyCandidate)) -> LoadKey {
        let pressure = entry.element.pressure.map { Int($0.rounded(.down)) } ?? Int.max
        let free = entry.element.freeMemory.map { UInt64.max - $0 } ?? UInt64.max
        return LoadKey(pressure: pressure, negatedFree: free, order: entry.offset)
    }

    /// Shortest round-trip first (unknown last), then order.
    private static func responseKey(_ entry: (offset: Int, element: StandbyCandidate)) -> ResponseKey {
        ResponseKey(roundTrip: entry.element.roundTrip?.nanoseconds ?? Int64.max, order: entry.offset)
    }

    private struct LoadKey: Comparable {
        var pressure: Int
        var negatedFree: UInt64
        var order: Int

        static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.pressure, lhs.negatedFree, lhs.order) < (rhs.pressure, rhs.negatedFree, rhs.order)
        }
    }

    private struct ResponseKey: Comparable {
        var roundTrip: Int64
        var order: Int

        static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.roundTrip, lhs.order) < (rhs.roundTrip, rhs.order)
        }
    }
}

/// What placement remembers between failovers; persisted with the target's state.
public struct PlacementMemory: Sendable, Equatable, Codable {
    /// The standby chosen last (round-robin continues after it).
    public var lastChosen: String?
    /// Smooth weighted round-robin's current weights.
    public var currentWeights: [String: Int]

    public init(lastChosen: String? = nil, currentWeights: [String: Int] = [:]) {
        self.lastChosen = lastChosen
        self.currentWeights = currentWeights
    }
}
