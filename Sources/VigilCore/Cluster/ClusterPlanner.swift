/// One planning pass of the placer over one view: where each resource is or is headed, which node may take a
/// resource and why not, and the strategies' choice. Internal to `ClusterPlacement`.
struct ClusterPlanner {
    /// A planned move of an owned resource: from its owner to `destination`, or blocked (`reason`).
    struct Move {
        var resource: String
        var destination: String?
        /// Why it moves: `asked by an operator`, `node n2 draining`.
        var why: String
        /// Why no node can take it, when `destination` is nil.
        var reason: String?
        /// It answers a move request (whose key is then deleted).
        var requested: Bool
    }

    let view: ClusterView
    let order: [String]
    let rules: [String: ClusterPlacementRule]
    var memory: [String: PlacementMemory]
    /// Node → the resources on it or headed there.
    private(set) var occupants: [String: Set<String>] = [:]
    /// Resource → the node it runs on or is headed to.
    private var headed: [String: String] = [:]
    /// Resources of draining nodes that no other node can take now, with why.
    private(set) var blocked: [(resource: String, reason: String)] = []

    init(view: ClusterView, resources: [ClusterPlacement.Resource], memory: [String: PlacementMemory]) {
        self.view = view
        self.memory = memory
        order = resources.map(\.name)
        rules = Dictionary(resources.map { ($0.name, $0.rule) }, uniquingKeysWith: { first, _ in first })
        for name in order {
            if let owner = view.owners[name] {
                occupants[owner.node, default: []].insert(name)
                headed[name] = owner.node
            }
            if let assigned = view.assignments[name]?.node, view.nodes[assigned] != nil {
                occupants[assigned, default: []].insert(name)
                headed[name] = assigned
            }
        }
    }

    /// Where a resource runs or is headed, nil when it is nowhere.
    func destination(of resource: String) -> String? {
        headed[resource]
    }

    /// Records that `resource` now goes to `node`.
    mutating func assign(_ resource: String, to node: String) {
        if let old = headed[resource], old != view.owners[resource]?.node {
            occupants[old]?.remove(resource)
        }
        occupants[node, default: []].insert(resource)
        headed[resource] = node
    }

    /// Whether a resource is between owners: stopping at its owner for another node, or assigned to a node that
    /// may take it and not yet claimed there. Planned moves wait for it.
    var moveInFlight: Bool {
        order.contains { name in
            guard let assigned = view.assignments[name]?.node else { return false }
            if let owner = view.owners[name] {
                return assigned != owner.node
            }
            return ineligibility(of: assigned, for: name, admission: false) == nil
        }
    }

    /// The node takes no new resources: it has a drain key. (Its node key's `draining` repeats that for people and
    /// lags behind it, so an undrained node would be passed over for a while if it were read.)
    func isDraining(_ node: String) -> Bool {
        view.drained.contains(node)
    }

    /// Why `node` cannot take `resource`, or nil when it can.
    /// - Parameters:
    ///   - admission: also check its reservation against what the node has free beyond what is placed there.
    ///   - excluding: the node it runs on now (a move goes elsewhere).
    func ineligibility(of node: String, for resource: String, admission: Bool, excluding: String? = nil) -> String? {
        guard let figures = view.nodes[node] else {
            return "not a live node"
        }
        if node == excluding {
            return "runs it now"
        }
        if isDraining(node) {
            return "draining"
        }
        if !figures.hostFaults.isEmpty {
            return "host fault (\(figures.hostFaults.joined(separator: ", ")))"
        }
        if figures.refused.contains(resource) {
            return "gave it up (its restart policy)"
        }
        let there = occupants[node] ?? []
        if let partner = partners(of: resource).sorted().first(where: { there.contains($0) }) {
            return "anti-affinity with \(partner)"
        }
        if admission, let rule = rules[resource], !rule.reservation.isEmpty {
            let committed = there.subtracting([resource]).compactMap { rules[$0]?.reservation }
            let decision = AdmissionControl.decide(rule.reservation, on: host(figures), committed: committed)
            if case .refused(let reason) = decision {
                return "not admitted: " + reason
            }
        }
        return nil
    }

    /// The resources `resource` must not share a node with: those it names and those naming it.
    private func partners(of resource: String) -> Set<String> {
        var partners = Set(rules[resource]?.antiAffinity ?? [])
        for (name, rule) in rules where rule.antiAffinity.contains(resource) {
            partners.insert(name)
        }
        return partners
    }

    private func host(_ figures: ClusterNodeFigures) -> AdmissionControl.HostResources {
        AdmissionControl.HostResources(
            availableMemory: figures.freeMemory,
            totalMemory: figures.totalMemory,
            idleCPU: max(0, Double(figures.cpus) - figures.load)
        )
    }

    /// The node `resource`'s strategy chooses among the eligible live nodes (never `excluding`), or why none is.
    mutating func choose(_ resource: String, excluding: String? = nil) -> (node: String?, reason: String?) {
        guard let rule = rules[resource] else {
            return (nil, "not configured on the placer's node")
        }
        if let leader = rule.follows {
            guard let there = destination(of: leader) else {
                return (nil, "follows \(leader), which is not placed")
            }
            if let why = ineligibility(of: there, for: resource, admission: true, excluding: excluding) {
                return (nil, "follows \(leader) on \(there), which cannot take it: \(why)")
            }
            return (there, nil)
        }
        let names = view.nodes.keys.sorted()
        guard !names.isEmpty else {
            return (nil, "no live node")
        }
        let candidates = names.map { name in
            let figures = view.nodes[name] ?? ClusterNodeFigures()
            let reserved = (occupants[name] ?? []).subtracting([resource]).compactMap {
                rules[$0]?.reservation.memory?.bytes(ofTotal: figures.totalMemory)
            }
            .reduce(UInt64(0), +)
            let roundTrip = figures.etcdRoundTripMilliseconds
            return StandbyCandidate(
                name: name,
                pressure: max(figures.cpuPressure, figures.memoryPressure),
                freeMemory: figures.freeMemory > reserved ? figures.freeMemory - reserved : 0,
                roundTrip: roundTrip > 0 ? .nanoseconds(Int64(roundTrip * 1e6)) : nil,
                unready: ineligibility(of: name, for: resource, admission: true, excluding: excluding)
                    ?? (rule.strategy == .weighted && rule.weights[name, default: 1] <= 0 ? "weight 0" : nil)
            )
        }
        if rule.strategy == .leastLoaded {
            let eligible = candidates.filter { $0.unready == nil }
            guard let best = eligible.min(by: { loadKey($0) < loadKey($1) }) else {
                return (nil, Self.skipped(candidates))
            }
            return (best.name, nil)
        }
        // Round-robin goes on after the node chosen last, even when that node is gone.
        let last = rule.strategy == .roundRobin ? memory[resource]?.lastChosen : nil
        var placement = StandbyPlacement(
            strategy: rule.strategy,
            standbys: Set(names + (last.map { [$0] } ?? [])).sorted(),
            weights: rule.weights,
            memory: memory[resource] ?? PlacementMemory()
        )
        let choice = placement.choose(from: candidates)
        guard let chosen = choice.standby else {
            return (nil, Self.skipped(candidates))
        }
        memory[resource] = placement.memory
        return (chosen, nil)
    }

    /// `least-loaded` for cluster nodes: least pressure (whole percent), then fewest cluster resources placed
    /// there, then most free memory beyond their reservations, then name.
    private func loadKey(_ candidate: StandbyCandidate) -> LoadKey {
        LoadKey(
            pressure: Int((candidate.pressure ?? 0).rounded(.down)),
            placed: occupants[candidate.name]?.count ?? 0,
            negatedFree: UInt64.max - (candidate.freeMemory ?? 0),
            name: candidate.name
        )
    }

    private struct LoadKey: Comparable {
        var pressure: Int
        var placed: Int
        var negatedFree: UInt64
        var name: String

        static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.pressure, lhs.placed, lhs.negatedFree, lhs.name) < (
                rhs.pressure, rhs.placed, rhs.negatedFree, rhs.name
            )
        }
    }

    private static func skipped(_ candidates: [StandbyCandidate]) -> String {
        candidates.compactMap { candidate in candidate.unready.map { "\(candidate.name) (\($0))" } }
            .joined(separator: ", ")
    }

    /// The next planned move: a move request first (by resource name), then a resource of a draining node (in
    /// configuration order; followers go with their leader). Resources of draining nodes that cannot move now are
    /// kept in `blocked`.
    mutating func nextMove() -> Move? {
        for (name, requested) in view.moves.sorted(by: { $0.key < $1.key }) where rules[name] != nil {
            guard let owner = view.owners[name] else { continue }
            let why = "asked by an operator"
            if requested == owner.node {
                return Move(resource: name, destination: nil, why: why, reason: nil, requested: true)
            }
            if !requested.isEmpty {
                let refusal = ineligibility(of: requested, for: name, admission: true, excluding: owner.node)
                return Move(
                    resource: name,
                    destination: refusal == nil ? requested : nil,
                    why: why,
                    reason: refusal.map { "\(requested): \($0)" },
                    requested: true
                )
            }
            let choice = choose(name, excluding: owner.node)
            return Move(resource: name, destination: choice.node, why: why, reason: choice.reason, requested: true)
        }
        for name in order where rules[name]?.follows == nil {
            guard let owner = view.owners[name], isDraining(owner.node),
                (view.assignments[name]?.node ?? owner.node) == owner.node
            else { continue }
            let why = "node \(owner.node) draining"
            let choice = choose(name, excluding: owner.node)
            if let destination = choice.node {
                return Move(resource: name, destination: destination, why: why, reason: nil, requested: false)
            }
            blocked.append((name, "\(why): \(choice.reason ?? "no node")"))
        }
        return nil
    }
}
