/// What the placer decision asks the daemon to do.
public enum ClusterPlacerAction: Sendable, Equatable {
    /// Stand for election: put the placer key on its absence and this node's key existing, under this node's lease.
    case elect
    /// Write these assignments in one transaction guarded by the placer key's create revision.
    case assign(ClusterAssignmentWrite)
    case emit(Event)
}

/// One transaction of the placer: the assignments it writes and the move requests it has handled, applied only
/// while the placer key still has the create revision `token` (a deposed placer's writes fail).
public struct ClusterAssignmentWrite: Sendable, Equatable {
    public var token: Int64
    /// Resource → node.
    public var assignments: [String: String]
    /// Move requests handled (their keys are deleted).
    public var clearedMoves: [String]
    /// Recorded once the write succeeded (`resource-moved`).
    public var events: [Event]

    public init(token: Int64, assignments: [String: String] = [:], clearedMoves: [String] = [], events: [Event] = []) {
        self.token = token
        self.assignments = assignments
        self.clearedMoves = clearedMoves
        self.events = events
    }

    public var isEmpty: Bool { assignments.isEmpty && clearedMoves.isEmpty }
}

/// The placer: one node of the cluster, elected on etcd, assigns the cluster resources to nodes. A value-type
/// state machine fed the views of etcd and the answers of its transactions; every node runs one and only the
/// elected one plans. Time is passed in.
///
/// The rules, over the live nodes (their node keys):
/// - an ownerless resource is assigned by its strategy (`ClusterPlacementRule`) to a node that is not draining, has
///   no host fault, has not given the resource up (`refused`), holds none of its anti-affinity partners, and has
///   the free memory and CPU for its reservation beyond the reservations of what is already placed there; an
///   assignment to a node that still qualifies is kept. A resource no node can take stays unplaced, with one
///   `resource-unplaceable` event per reason;
/// - a follower (`follows`) is assigned wherever its leader is;
/// - planned moves (a `vigilctl cluster move`, then the resources of draining nodes) go one at a time: a move is
///   written only while nothing is between owners (stopping at its old node or not yet claimed at its new one).
public struct ClusterPlacement: Sendable {
    /// A cluster resource to place, in configuration order.
    public struct Resource: Sendable, Equatable {
        public var name: String
        public var rule: ClusterPlacementRule

        public init(name: String, rule: ClusterPlacementRule = ClusterPlacementRule()) {
            self.name = name
            self.rule = rule
        }
    }

    /// This node's name.
    public let node: String
    /// The placer key's create revision while this node is the placer.
    public private(set) var token: Int64?
    private var electing = false
    private var writing = false
    /// The revision of this placer's last write: an older view does not show it and is not planned on.
    private var writtenAt: Int64 = 0
    /// Round-robin and weighted memory, per resource (a new placer starts afresh).
    private var memory: [String: PlacementMemory] = [:]
    /// The reason last reported for each resource that could not be placed.
    private var unplaceable: [String: String] = [:]
    /// Planned moves not known to run at their destination yet: resource → destination.
    private var moving: [String: String] = [:]

    public init(node: String) {
        self.node = node
    }

    /// A view of the cluster. Stands for election when there is no placer; plans when this node is it.
    ///
    /// - Parameters:
    ///   - lease: this node's lease, nil while it holds none.
    ///   - resources: the cluster resources configured here, in configuration order.
    public mutating func observe(
        _ view: ClusterView,
        lease: Int64?,
        resources: [Resource],
        now: MonotonicInstant
    ) -> [ClusterPlacerAction] {
        guard let lease, view.nodes[node] != nil else {
            token = nil
            return []
        }
        guard let placer = view.placer else {
            token = nil
            guard !electing else { return [] }
            electing = true
            return [.elect]
        }
        guard placer.node == node, placer.lease == lease else {
            token = nil
            return []
        }
        var actions: [ClusterPlacerAction] = []
        if token != placer.token {
            token = placer.token
            writing = false
            writtenAt = 0
            unplaceable = [:]
            moving = [:]
            let event = Event(
                kind: .placerElected,
                message: "cluster: node \(node) is the placer (placer token \(placer.token))",
                fields: ["NODE": node, "PLACER_TOKEN": String(placer.token)],
                time: now
            )
            actions.append(.emit(event))
        }
        guard !writing, view.revision >= writtenAt else { return actions }
        let (write, events) = plan(view, resources: resources, token: placer.token, now: now)
        actions += events.map(ClusterPlacerAction.emit)
        if !write.isEmpty {
            writing = true
            actions.append(.assign(write))
        }
        return actions
    }

    /// The election's transaction answered (won or not, the next view says who the placer is).
    public mutating func electionAnswered() {
        electing = false
    }

    /// An assignment transaction answered: `revision` when it was applied, nil when the placer key had changed
    /// (this node was deposed) or etcd did not answer.
    public mutating func assignAnswered(_ write: ClusterAssignmentWrite, revision: Int64?) -> [ClusterPlacerAction] {
        guard write.token == token else { return [] }
        writing = false
        guard let revision else { return [] }
        writtenAt = revision
        return write.events.map(ClusterPlacerAction.emit)
    }

    /// The event of a drain or undrain an operator asked for through this node.
    public static func drainEvent(of node: String, draining: Bool, by who: String, now: MonotonicInstant) -> Event {
        Event(
            kind: draining ? .nodeDraining : .nodeUndrained,
            message: draining
                ? "cluster: node \(node) draining (asked by \(who)): its resources move to other nodes one at a time"
                : "cluster: node \(node) takes resources again (undrained by \(who))",
            fields: ["NODE": node, "REQUESTED_BY": who],
            time: now
        )
    }

    // MARK: - Planning

    /// The assignments one view calls for, and the events to record now (`resource-unplaceable`).
    mutating func plan(
        _ view: ClusterView,
        resources: [Resource],
        token: Int64,
        now: MonotonicInstant
    ) -> (ClusterAssignmentWrite, [Event]) {
        var planner = ClusterPlanner(view: view, resources: resources, memory: memory)
        var write = ClusterAssignmentWrite(token: token)
        var events: [Event] = []
        let report = { (resource: String, reason: String?, unplaceable: inout [String: String]) in
            guard let reason else {
                unplaceable[resource] = nil
                return
            }
            guard unplaceable[resource] != reason else { return }
            unplaceable[resource] = reason
            events.append(
                Event(
                    kind: .resourceUnplaceable,
                    target: resource,
                    message: "\(resource): no node can take it: \(reason)",
                    fields: ["REASON": reason, "PLACER_TOKEN": String(token)],
                    time: now
                )
            )
        }
        // A planned move is done once its resource runs at the new node (its owner says so), not merely once it is
        // claimed there; a move whose destination went away is done too.
        moving = moving.filter { resource, destination in
            guard let owner = view.owners[resource] else {
                return view.assignments[resource]?.node == destination
            }
            if owner.node == destination {
                return view.running[resource] != "\(destination):\(owner.token)"
            }
            return view.assignments[resource]?.node == destination
        }
        let inFlight = planner.moveInFlight || !moving.isEmpty
        // Leaders first, so that a follower finds where its leader goes.
        let ordered = resources.filter { $0.rule.follows == nil } + resources.filter { $0.rule.follows != nil }
        for resource in ordered {
            let name = resource.name
            if let owner = view.owners[name] {
                if let leader = resource.rule.follows, let there = planner.destination(of: leader),
                    there != (view.assignments[name]?.node ?? owner.node)
                {
                    planner.assign(name, to: there)
                    write.assignments[name] = there
                } else if view.assignments[name] == nil {
                    // Owned from before any assignment: its owner's, from now on.
                    planner.assign(name, to: owner.node)
                    write.assignments[name] = owner.node
                }
                continue
            }
            let requested = view.moves[name].flatMap { $0.isEmpty ? nil : $0 }
            if let assigned = view.assignments[name]?.node, requested == nil || requested == assigned,
                planner.ineligibility(of: assigned, for: name, admission: false) == nil,
                resource.rule.follows.flatMap({ planner.destination(of: $0) }).map({ $0 == assigned }) ?? true
            {
                report(name, nil, &unplaceable)
                continue
            }
            var choice = planner.choose(name)
            if let requested, planner.ineligibility(of: requested, for: name, admission: true) == nil {
                choice = (requested, nil)
            }
            if let chosen = choice.node {
                planner.assign(name, to: chosen)
                write.assignments[name] = chosen
            }
            report(name, choice.node == nil ? choice.reason : nil, &unplaceable)
        }
        // Requests for resources without an owner were taken into account above; unknown ones are dropped.
        let configured = Set(resources.map(\.name))
        for name in view.moves.keys.sorted() where view.owners[name] == nil || !configured.contains(name) {
            write.clearedMoves.append(name)
        }
        if !inFlight, let move = planner.nextMove(), let owner = view.owners[move.resource] {
            if let destination = move.destination {
                moving[move.resource] = destination
                planner.assign(move.resource, to: destination)
                write.assignments[move.resource] = destination
                for follower in resources where follower.rule.follows == move.resource {
                    planner.assign(follower.name, to: destination)
                    write.assignments[follower.name] = destination
                }
                write.events.append(
                    Event(
                        kind: .resourceMoved,
                        target: move.resource,
                        message: "\(move.resource): moving from \(owner.node) to \(destination) (\(move.why)): "
                            + "stopped on \(owner.node) first, then started on \(destination)",
                        fields: [
                            "FROM": owner.node, "TO": destination, "REASON": move.why,
                            "FENCING_TOKEN": String(owner.token), "PLACER_TOKEN": String(token),
                        ],
                        time: now
                    )
                )
            }
            if move.requested {
                write.clearedMoves.append(move.resource)
            }
            report(move.resource, move.reason.map { "\(move.why): \($0)" }, &unplaceable)
        }
        for (resource, reason) in planner.blocked {
            report(resource, reason, &unplaceable)
        }
        memory = planner.memory
        return (write, events)
    }
}
