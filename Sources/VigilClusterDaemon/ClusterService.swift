import Dispatch
import Foundation
import Synchronization
import VigilCluster
import VigilCore
import VigilDaemon
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// Cluster mode (`[cluster]`): this node's lease and node key in etcd, and the cluster resources it owns. Made only
/// when the configuration has a `[cluster]` table; a vigild without one has no etcd client and no thread for it.
///
/// The decisions are `ClusterOwnership`'s (VigilCore); this carries them out. etcd is spoken to from one session
/// task at a time (off the engine queue), whose findings come back as `EngineEvent.cluster`. The session grants a
/// lease, keeps it with a `LeaseKeeper` (its own Dispatch timer, `.lost` before the deadline by the resources' stop
/// budget), writes the node key under it, and reads the cluster's keys after every change a watch reports and every
/// second; a new lease follows a lost one. Confined to the engine queue, like the engine.
///
/// It is the recovery coordinator's authority on cluster resources: a cluster resource starts only on the node that
/// owns it, with the owner key's create revision as its fencing token.
final class ClusterService {
    unowned let engine: Engine
    let config: ClusterConfig
    private(set) var ownership: ClusterOwnership
    let client: EtcdClient
    /// The node's figures for the session to write into the node key; updated on the engine queue.
    private let figures = NodeKeyFigures()
    private let host = HostReader()
    private var session: Task<Void, Never>?
    /// The lease of the session in force; a claim or view of an earlier one is ignored.
    private var lease: EtcdLease?
    private var stopped = false
    /// The last view of the cluster, and whether etcd answered the last time it was asked, for `vigilctl status`.
    private(set) var lastView = ClusterView()
    private var etcdReachable = false
    /// Owned resources whose start waits for an earlier instance to be down.
    private var pendingStarts: Set<String> = []
    /// The token each resource was last started with here.
    private var instanceTokens: [String: Int64] = [:]
    /// Owner keys to delete (guarded by their token) once the resource's instance here is down.
    private var pendingReleases: [String: Int64] = [:]
    /// A `releaseCheck` is due: one at a time.
    var releaseCheckDue = false
    /// The placer election, and the assignments while this node is the placer.
    let placer: ClusterPlacer
    /// The watchdog device (`[cluster] watchdog`), armed while this node owns a resource (`ClusterService+Watchdog`).
    /// Instances found running at start wait for the session to adopt the predecessor's lease (`+Adoption`).
    var adoptionPending = false
    private(set) lazy var watchdog = config.watchdog.map { NodeWatchdog(engine: engine, path: $0, config: config) }

    /// - Throws: `EtcdError` when an endpoint cannot be used.
    init(engine: Engine, config: ClusterConfig) throws {
        self.engine = engine
        self.config = config
        self.ownership = ClusterOwnership(node: config.node)
        client = try EtcdClient(cluster: config)
        placer = ClusterPlacer(engine: engine, config: config, client: client)
    }

    /// Starts the first session.
    func start() {
        updateFigures()
        beginAdoption()
        startSession()
    }

    /// The fencing token of a resource this node owns, or of its instance still stopping after the ownership
    /// ended, for its actuators and events.
    func token(of resource: String) -> Int64? {
        if let token = ownership.token(of: resource) {
            return token
        }
        guard let token = instanceTokens[resource], engine.targets[resource]?.isDownForGood == false else {
            return nil
        }
        return token
    }

    /// Cluster mode as this node sees it now, for `vigilctl status`.
    func status() -> ClusterStatus {
        var status = ClusterStatus(
            node: config.node,
            lease: lease.map { String($0.id, radix: 16) },
            leaseTTLSeconds: Double(config.leaseTTL.nanoseconds) / 1e9,
            etcdReachable: etcdReachable,
            nodes: lastView.nodes.sorted { $0.key < $1.key }.map {
                ClusterStatus.Node(name: $0.key, figures: $0.value)
            },
            resources: engine.loaded.config.clusterResources.map { resource in
                let owner = lastView.owners[resource.name]
                return ClusterStatus.Resource(name: resource.name, owner: owner?.node, fencingToken: owner?.token)
            }
        )
        let resources = engine.loaded.config.clusterResources.map(\.name)
        status.placement = ClusterPlacementStatus(view: lastView, resources: resources)
        return status
    }

    /// Whether `name` may start here now: not a cluster resource, or one this node owns.
    func permitsStart(of name: String) -> Bool {
        guard engine.loaded.config.target(named: name)?.cluster == true else {
            return true
        }
        return ownership.token(of: name) != nil
    }

    /// The cluster resources whose restart policy or recovery ladder gave up here.
    private var failedHere: Set<String> {
        Set(
            engine.loaded.config.clusterResources.map(\.name).filter { name in
                guard let supervisor = engine.targets[name], case .failed = supervisor.machine.state else {
                    return engine.recovery.gaveUp(name)
                }
                return true
            }
        )
    }

    /// Stops every cluster resource that runs here without this node owning it: an instance found running when
    /// vigild starts (vigild was killed and restarted; its old lease, and the ownership with it, is gone or going,
    /// and another node may start the resource once it expires) is adopted like any target and then stopped here.
    func stopUnowned() {
        guard !adoptionPending else { return }
        for name in engine.loaded.config.clusterResources.map(\.name) where ownership.token(of: name) == nil {
            guard let supervisor = engine.targets[name], !supervisor.machine.isDown else { continue }
            let reason = "runs here without this node owning it in the cluster (found after a restart of vigild?)"
            supervisor.perform(supervisor.machine.stop(now: engine.now, reason: reason))
        }
    }

    /// Starts every resource this node owns whose instance is idle: a start asked while an earlier instance was
    /// still stopping (which the machine ignores) is made good once it is down.
    private func startOwned() {
        pendingStarts = pendingStarts.filter { ownership.token(of: $0) != nil }
        for name in pendingStarts.sorted() {
            guard let supervisor = engine.targets[name], case .idle = supervisor.machine.state else { continue }
            pendingStarts.remove(name)
            supervisor.perform(supervisor.machine.start(now: engine.now))
        }
    }

    /// The pending releases whose instance here is down, taken off the list.
    func pendingReleasesReady() -> [(String, Int64)] {
        let ready = pendingReleases.filter { engine.targets[$0.key]?.isDownForGood ?? true }
        for resource in ready.keys {
            pendingReleases[resource] = nil
        }
        if !pendingReleases.isEmpty, !releaseCheckDue {
            // Released soon after the stop, not at the next view: the new owner waits for it.
            releaseCheckDue = true
            engine.after(.milliseconds(20), postCluster: ClusterEvent.releaseCheck)
        }
        return ready.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Follower → the resource it follows, among the cluster resources.
    private var follows: [String: String] {
        var follows: [String: String] = [:]
        for resource in engine.loaded.config.clusterResources {
            follows[resource.name] = resource.follows
        }
        return follows
    }

    /// The followed resources that run healthy here.
    private var readyFollowed: Set<String> {
        Set(follows.values.filter { engine.targets.runsHealthy($0) })
    }

    /// After every event: a follower whose followed resource now runs healthy here is claimed at once, rather than
    /// at the next view (`ClusterOwnership+Follows.swift`).
    func claimFollowers() {
        let follows = follows
        guard !follows.isEmpty, lease != nil, !engine.lifecycle.shuttingDown else { return }
        let here = Set(lastView.assignments.filter { $0.value.node == config.node }.keys)
        perform(ownership.claimFollowers(follows: follows, ready: readyFollowed, assignedHere: here))
    }

    /// The longest stop among the cluster resources: how long before its lease deadline the node starts stopping.
    private var stopBudget: Duration {
        engine.loaded.config.clusterResources.map(\.stopTimeout).max() ?? .zero
    }

    // MARK: - Events from the session

    func handle(_ event: ClusterEvent) {
        dispatchPrecondition(condition: .onQueue(engine.queue))
        guard !stopped else { return }
        defer {
            publishTokens()
            watchdogFollow(event)
        }
        let now = engine.now
        switch event {
        case .joined(let granted):
            endAdoption(stopping: false)
            lease = granted
            perform(ownership.joined(lease: granted.id, ttl: granted.ttl, now: now))
        case .lease(let granted, let news):
            guard case .lost(let loss, _) = news, granted == lease else { return }
            lease = nil
            let reason: String
            switch loss {
            case .deadlinePassed:
                reason = "no keepalive acknowledged within the lease TTL less the stop budget"
            case .expiredAtEtcd:
                reason = "etcd says the lease expired"
            }
            perform(ownership.leaseLost(reason: reason, now: now))
        case .view(let view, let granted):
            etcdReachable = true
            lastView = view
            guard granted == lease, !engine.lifecycle.shuttingDown else { return }
            let resources = engine.loaded.config.clusterResources.map(\.name)
            let busy = Set(resources.filter { engine.targets[$0].map { !$0.isDownForGood } ?? false })
                .filter { ownership.token(of: $0) == nil }
            perform(
                ownership.observe(
                    view,
                    resources: resources,
                    busy: busy,
                    failed: failedHere,
                    follows: follows,
                    ready: readyFollowed,
                    now: now
                )
            )
            stopUnowned()
            startOwned()
            releaseStopped()
            if ownership.lease != nil {
                publishRunning(lease: granted)
            }
            placer.observe(view, lease: ownership.lease == nil ? nil : granted)
            if ownership.lease == nil {
                // The read said this node's lease is gone; its keeper hears the same at its next keepalive, and
                // the session takes a new lease.
                lease = nil
            }
        case .claimed(let resource, let granted, let result):
            guard !engine.lifecycle.shuttingDown else { return }
            perform(ownership.claimAnswered(resource, lease: granted.id, result: result, now: now))
        case .unreachable(let reason):
            endAdoption(stopping: true)
            etcdReachable = false
            perform(ownership.unreachable(reason: reason, now: now))
        case .placer(let news):
            placer.handle(news)
        case .releaseCheck:
            releaseCheckDue = false
            releaseStopped()
        case .watchdogDue:
            break
        case .adoptionDecided:
            endAdoption(stopping: true)
        }
    }

    private func perform(_ actions: [ClusterAction]) {
        for action in actions {
            switch action {
            case .claim(let resource):
                claim(resource)
            case .start(let resource, let token):
                instanceTokens[resource] = token
                engine.targets.fencingTokens.set(token, for: resource)
                guard let supervisor = engine.targets[resource] else { continue }
                if case .stopping = supervisor.machine.state {
                    // The earlier instance is not down yet: started once it is (`startOwned`).
                    pendingStarts.insert(resource)
                } else {
                    supervisor.perform(supervisor.machine.start(now: engine.now))
                }
            case .stop(let resource, let reason):
                guard let supervisor = engine.targets[resource] else { continue }
                supervisor.perform(supervisor.machine.stop(now: engine.now, reason: reason))
                engine.recovery.ownershipEnded(resource)
            case .release(let resource, let token):
                // Only once the instance here is down: the next owner may start it as soon as the key is gone.
                pendingReleases[resource] = token
                releaseStopped()
            case .emit(let event):
                engine.events.record(event)
            }
        }
    }

    /// The claim's transaction: the owner key on its absence and on this node's key existing, under the lease.
    private func claim(_ resource: String) {
        guard let lease else { return }
        let client = client
        let owner = config.ownerKey(resource)
        let nodeKey = config.nodeKey(config.node)
        let node = config.node
        let post = poster
        guard let assignment = lastView.assignments[resource], assignment.node == node else {
            post(.claimed(resource: resource, lease: lease, result: .failed(reason: "not assigned here")))
            return
        }
        let assigned = EtcdCondition.modRevision(key: config.assignmentKey(resource), equals: assignment.revision)
        Task {
            let result: ClusterClaimResult
            do {
                switch try await client.put(
                    owner,
                    value: node,
                    lease: lease,
                    ifAll: [.absent(key: owner), .present(key: nodeKey), assigned]
                ) {
                case .written(let revision):
                    result = .written(token: revision)
                case .refused(let current):
                    result = .refused(owner: current.flatMap(ClusterService.owner))
                }
            } catch {
                result = .failed(reason: "\(error)")
            }
            post(.claimed(resource: resource, lease: lease, result: result))
        }
    }

    // MARK: - The session

    /// Posts the session's findings to the engine queue.
    private var poster: @Sendable (ClusterEvent) -> Void {
        { @Sendable [weak engine] event in engine?.post(cluster: event) }
    }

    /// Starts the sessions: one lease after another, until vigild stops.
    private func startSession() {
        let client = client
        let config = config
        let figures = figures
        let margin = ClusterConfig.fenceLead(stopBudget: stopBudget)
        let leaseFile = Self.leaseFile(engine)
        session = Self.sessions(
            client: client,
            config: config,
            figures: figures,
            margin: margin,
            leaseFile: leaseFile,
            post: poster
        )
    }

    private static func sessions(
        client: EtcdClient,
        config: ClusterConfig,
        figures: NodeKeyFigures,
        margin: Duration,
        leaseFile: String,
        post: @escaping @Sendable (ClusterEvent) -> Void
    ) -> Task<Void, Never> {
        Task.detached {
            // The first session may take over the lease of the vigild that ran here before (`+Adoption`).
            var adopting = true
            while !Task.isCancelled {
                await runSession(
                    client: client,
                    config: config,
                    figures: figures,
                    margin: margin,
                    leaseFile: leaseFile,
                    adopting: adopting,
                    post: post
                )
                adopting = false
            }
        }
    }

    /// One lease's life: grant, keep, node key, views; returns when the lease is lost or the task is cancelled.
    private static func runSession(
        client: EtcdClient,
        config: ClusterConfig,
        figures: NodeKeyFigures,
        margin: Duration,
        leaseFile: String,
        adopting: Bool,
        post: @escaping @Sendable (ClusterEvent) -> Void
    ) async {
        var granted: (lease: EtcdLease, sentAt: MonotonicInstant)?
        if adopting {
            granted = await adoptableLease(client: client, config: config, file: leaseFile, margin: margin)
        }
        while granted == nil, !Task.isCancelled {
            do {
                granted = try await client.grantLease(ttl: config.leaseTTL)
            } catch {
                post(.unreachable(reason: "lease grant: \(error)"))
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        guard let granted, !Task.isCancelled else { return }
        let lease = granted.lease
        let keeper = LeaseKeeper(client: client, lease: lease, grantSentAt: granted.sentAt, margin: margin)
        let (changes, changed) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let forwarder = Task {
            for await news in keeper.events {
                // Renewals only for a watchdog, which is fed within the deadline they carry.
                if case .renewed = news, config.watchdog == nil { continue }
                post(.lease(lease, news))
            }
            changed.finish()
        }
        let watcher = Task {
            while !Task.isCancelled {
                do {
                    for try await event in client.watch(prefix: config.prefix) {
                        if case .created = event { continue }
                        changed.yield()
                    }
                } catch {
                    changed.yield()
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                changed.yield()
            }
        }
        defer {
            keeper.stop()
            watcher.cancel()
            ticker.cancel()
            forwarder.cancel()
        }
        var written: NodeKeyValue?
        var writtenAt = ContinuousClock.now
        var joined = false
        changed.yield()
        for await _ in changes {
            if Task.isCancelled || keeper.deadline == nil { break }
            do {
                let current = figures.value
                // Figures that only drift are written every 10 s; a fault or a drain at once.
                if written?.urgent != current.urgent
                    || (current.json != written?.json && ContinuousClock.now - writtenAt >= .seconds(10))
                {
                    try await client.put(config.nodeKey(config.node), value: current.json, lease: lease)
                    written = current
                    writtenAt = ContinuousClock.now
                    if !joined {
                        joined = true
                        record(lease, node: config.node, in: leaseFile)
                        post(.joined(lease: lease))
                    }
                }
                let asked = ContinuousClock.now
                let (keys, revision) = try await client.list(prefix: config.prefix)
                figures.recordRoundTrip(ContinuousClock.now - asked)
                var view = Self.view(of: keys, config: config)
                view.revision = revision
                post(.view(view, lease: lease))
            } catch {
                post(.unreachable(reason: "\(error)"))
            }
        }
        await keeper.finished()
    }

    /// The view a list of the cluster's keys gives.
    static func view(of keys: [EtcdKeyValue], config: ClusterConfig) -> ClusterView {
        var view = ClusterView()
        let decoder = JSONDecoder()
        for kv in keys {
            if kv.key.hasPrefix(config.nodesPrefix) {
                let name = String(kv.key.dropFirst(config.nodesPrefix.count))
                view.nodes[name] =
                    (try? decoder.decode(ClusterNodeFigures.self, from: Data(kv.value.utf8))) ?? ClusterNodeFigures()
                view.leases[name] = kv.lease
            } else if kv.key.hasPrefix(config.ownersPrefix), let owner = owner(kv) {
                view.owners[String(kv.key.dropFirst(config.ownersPrefix.count))] = owner
            } else {
                placementKey(kv, into: &view, config: config)
            }
        }
        return view
    }

    static func owner(_ kv: EtcdKeyValue) -> ClusterOwner? {
        guard kv.createRevision > 0 else { return nil }
        return ClusterOwner(node: kv.value, lease: kv.lease, token: kv.createRevision)
    }

    // MARK: - Figures

    /// Reads this host's figures for the node key (on the health tick).
    func updateFigures() {
        var node = ClusterNodeFigures()
        node.freeMemory = (try? host.memInfo().available) ?? 0
        node.cpus = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        node.load = (try? host.loadAverage().one) ?? 0
        if case .supported(let pressure)? = try? host.pressure() {
            node.cpuPressure = pressure.cpu?.some.avg10 ?? 0
            node.memoryPressure = pressure.memory?.some.avg10 ?? 0
        }
        node.totalMemory = (try? host.memInfo().total) ?? 0
        node.etcdRoundTripMilliseconds = figures.roundTripMilliseconds
        node.draining = lastView.drained.contains(config.node)
        node.hostFaults = engine.health.hostFaults.map(\.metric.name)
        node.refused = failedHere.sorted()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(node) else { return }
        let value = NodeKeyValue(
            json: String(decoding: data, as: UTF8.self),
            urgent: node.hostFaults + node.refused.map { "refused " + $0 } + (node.draining ? ["draining"] : [])
        )
        figures.value = value
    }

    // MARK: - Shutdown

    /// vigild is exiting and its resources are down: the session ends and the lease is revoked, so the other nodes
    /// take the resources over at once instead of after the TTL. Waits at most a second (nothing runs after this).
    func stop() {
        guard !stopped else { return }
        stopped = true
        watchdog?.stop()
        // Revoked below: nothing for a successor to take over.
        try? FileManager.default.removeItem(atPath: Self.leaseFile(engine))
        session?.cancel()
        let client = client
        let lease = lease
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            if let lease {
                try? await client.revokeLease(lease)
            }
            await client.close()
            done.signal()
        }
        _ = done.wait(timeout: .now() + .seconds(1))
    }
}

/// The node key's value as written, and what in it must reach the other nodes at once (faults, a drain).
struct NodeKeyValue: Sendable, Equatable {
    var json = "{}"
    var urgent: [String] = []
}

/// The latest node key value: set on the engine queue, read by the session.
final class NodeKeyFigures: Sendable {
    private let mutex = Mutex(NodeKeyValue())
    /// The smoothed round trip of the session's reads, in milliseconds: measured by the session, published by the
    /// engine.
    private let roundTrip = Mutex(0.0)

    var roundTripMilliseconds: Double {
        roundTrip.withLock { $0 }
    }

    /// One read's round trip, folded in with weight 1/4.
    func recordRoundTrip(_ elapsed: Duration) {
        let milliseconds = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
        roundTrip.withLock { $0 = $0 == 0 ? milliseconds : $0 * 0.75 + milliseconds * 0.25 }
    }

    var value: NodeKeyValue {
        get { mutex.withLock { $0 } }
        set { mutex.withLock { $0 = newValue } }
    }
}
