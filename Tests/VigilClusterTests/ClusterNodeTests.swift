import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

extension EtcdClusterTests {
    /// Three real vigild nodes, each in the network namespace of its own etcd member (three members, lease TTL 2 s),
    /// running one cluster resource: a small process that stamps its start and stop (CLOCK_MONOTONIC, which every
    /// namespace shares) with the fencing token it was given. The checker: the resource's [start, stop) intervals
    /// never overlap, and the tokens strictly increase from owner to owner.
    @Suite struct ClusterNodeTests {
        @Test func aNodeKilledWithItsResourceHasItRunOnAnotherNodeWithAHigherToken() async throws {
            try await withClusterNodes { nodes, resource, _ in
                let first = try await resource.waitForStart(count: 1)
                let owner = try #require(nodes.firstIndex { $0.name == first.node })
                let claimed = try await nodes[owner].vigild.waitForEvent(.resourceClaimed, target: "res")
                #expect(claimed.fields["VIGIL_FENCING_TOKEN"] == String(first.token))
                // vigilctl status on the owner shows the cluster: every node, and the resource on it with its token.
                let status = try await nodes[owner].vigild.waitFor("a status naming three nodes", timeout: .seconds(30))
                {
                    _ in
                    let cluster = try? ControlProbe.ask(
                        nodes[owner].vigild.controlSocket,
                        ControlRequest(command: .status)
                    )
                    .status?.cluster
                    return cluster.flatMap { $0.nodes.count == 3 ? $0 : nil }
                }
                #expect(status.node == first.node && status.lease != nil && status.etcdReachable)
                #expect(status.nodes.map(\.name) == ["n1", "n2", "n3"])
                #expect(
                    status.resources == [
                        ClusterStatus.Resource(name: "res", owner: first.node, fencingToken: first.token)
                    ]
                )
                // Every event about the resource carries the token, not just the claim.
                let started = try await nodes[owner].vigild.waitForEvent(.targetStarted, target: "res")
                #expect(started.fields["VIGIL_FENCING_TOKEN"] == String(first.token))

                nodes[owner].vigild.killWithTargets()
                // The instance is gone by now: the end of its interval, on the clock the stamps use.
                let killedAt = MonotonicClock.now()
                let second = try await resource.waitForStart(count: 2, timeout: .seconds(60))
                #expect(second.node != first.node)
                #expect(second.token > first.token)
                let moved = second.at - killedAt
                print("ClusterNodeTests: node killed → resource started on \(second.node) after \(moved.milliseconds)")
                try resource.check(killed: (first.node, first.token, killedAt))
                for (index, node) in nodes.enumerated() where index != owner {
                    try await node.vigild.waitForEvent(.nodeLost, timeout: .seconds(30))
                    #expect(node.vigild.events(.nodeLost).contains { $0.fields["VIGIL_NODE"] == first.node })
                }
            }
        }

        @Test func aPartitionedNodeStopsItsResourceBeforeTheMajorityStartsIt() async throws {
            try await withClusterNodes { nodes, resource, _ in
                let network = try #require(nodes.first?.network)
                let first = try await resource.waitForStart(count: 1)
                let owner = try #require(nodes.firstIndex { $0.name == first.node })
                let cutAt = MonotonicClock.now()
                try network.cut(owner)
                var healed = false
                defer {
                    if !healed { try? network.heal(owner) }
                }
                let second = try await resource.waitForStart(count: 2, timeout: .seconds(60))
                let stop = try #require(resource.stamps.first { $0.kind == "stop" && $0.token == first.token })
                #expect(second.node != first.node && second.token > first.token)
                #expect(stop.at < second.at, "the cut node stopped its resource after the majority started it")
                let fenced = try await nodes[owner].vigild.waitForEvent(.selfFenced)
                #expect(fenced.fields["VIGIL_RESOURCES"] == "res")
                print(
                    "ClusterNodeTests: cut → stopped on \(first.node) after \((stop.at - cutAt).milliseconds), "
                        + "started on \(second.node) after \((second.at - cutAt).milliseconds) "
                        + "(\((second.at - stop.at).milliseconds) apart)"
                )
                try resource.check(killed: nil)
                try await nodes[owner].vigild.waitForEvent(.etcdUnreachable)

                // Healed, the cut node joins again with a new lease and leaves the resource where it now runs.
                try network.heal(owner)
                healed = true
                try await nodes[owner].vigild.waitForEvent(.clusterJoined, count: 2, timeout: .seconds(30))
                try await Task.sleep(for: .seconds(2))
                #expect(resource.stamps.filter { $0.kind == "start" }.count == 2, "the resource moved again")
                try resource.check(killed: nil)
            }
        }

        @Test func theEtcdLeaderKilledMovesNothingAtLeaseTTL5s() async throws {
            try await withClusterNodes(leaseTTL: "5s") { nodes, resource, cluster in
                let first = try await resource.waitForStart(count: 1)
                let leader = try await cluster.leaderIndex()
                try cluster.kill(leader)
                // Past a whole TTL and the stop budget after the leader's loss: a lease lost anywhere would have
                // stopped or moved the resource by now.
                try await Task.sleep(for: .seconds(8))
                #expect(resource.stamps.count == 1, "the resource stopped or moved: \(resource.stamps)")
                for node in nodes {
                    #expect(node.vigild.events(.selfFenced).isEmpty, "\(node.name) fenced itself")
                    #expect(node.vigild.events(.nodeLost).isEmpty, "\(node.name) saw a node lost")
                }
                #expect(resource.stamps.first?.token == first.token)
            }
        }

        @Test func aFlappingLinkShorterThanTheTTLMovesNothing() async throws {
            try await withClusterNodes(leaseTTL: "5s") { nodes, resource, _ in
                let network = try #require(nodes.first?.network)
                let first = try await resource.waitForStart(count: 1)
                let owner = try #require(nodes.firstIndex { $0.name == first.node })
                // Three cuts of 1 s, 1 s apart: each shorter than the lease's TTL less the stop budget.
                for _ in 0..<3 {
                    try network.cut(owner)
                    try await Task.sleep(for: .seconds(1))
                    try network.heal(owner)
                    try await Task.sleep(for: .seconds(1))
                }
                try await Task.sleep(for: .seconds(4))
                #expect(resource.stamps.count == 1, "the resource stopped or moved: \(resource.stamps)")
                for node in nodes {
                    #expect(node.vigild.events(.selfFenced).isEmpty, "\(node.name) fenced itself")
                    #expect(node.vigild.events(.nodeLost).isEmpty, "\(node.name) saw a node lost")
                }
            }
        }

        @Test func aResourceWhoseRestartPolicyGivesUpOnItsNodeIsReleasedAndRunsOnAnother() async throws {
            try await withClusterNodes { nodes, resource, _ in
                let first = try await resource.waitForStart(count: 1)
                let owner = try #require(nodes.firstIndex { $0.name == first.node })
                // From now on the owner cannot run it: its instance is killed and every restart there exits at once.
                try first.node.write(toFile: resource.path + ".poison", atomically: true, encoding: .utf8)
                kill(first.pid, SIGKILL)
                let killedAt = MonotonicClock.now()
                try await nodes[owner].vigild.waitForEvent(.targetGaveUp, target: "res", timeout: .seconds(30))
                let second = try await resource.waitForStart(count: 2, timeout: .seconds(60))
                #expect(second.node != first.node && second.token > first.token)
                let released = try await nodes[owner].vigild.waitForEvent(.resourceReleased, target: "res")
                #expect(released.fields["VIGIL_FENCING_TOKEN"] == String(first.token))
                try resource.check(killed: (first.node, first.token, killedAt))
            }
        }

        @Test func aNodeStoppedOnPurposeHandsItsResourceOverAtOnceByRevokingItsLease() async throws {
            try await withClusterNodes { nodes, resource, _ in
                let first = try await resource.waitForStart(count: 1)
                let owner = try #require(nodes.firstIndex { $0.name == first.node })
                nodes[owner].vigild.stop()
                let second = try await resource.waitForStart(count: 2, timeout: .seconds(60))
                let stop = try #require(resource.stamps.first { $0.kind == "stop" && $0.token == first.token })
                #expect(second.node != first.node && second.token > first.token)
                print(
                    "ClusterNodeTests: vigild stopped → resource started on \(second.node) "
                        + "\((second.at - stop.at).milliseconds) after it stopped on \(first.node)"
                )
                try resource.check(killed: nil)
            }
        }
    }
}

/// One vigild node of a test cluster.
struct ClusterNode {
    var name: String
    var vigild: VigildProcess
    var network: EtcdNetwork?
    /// What started it, to start it again (`ClusterNodeTests+Fencing`).
    var config = ""
    var launcher: [String] = []
    /// With a watchdog: the node's cgroup (vigild and its resources) and the stand-in that kills it.
    var watchdog: NodeWatchdogSetup?
}

/// The stamps a cluster resource's instances write to one shared file: `start|stop MONOTONIC_NS TOKEN NODE PID`.
struct ResourceStamps: Sendable {
    struct Stamp: Sendable {
        var kind: String
        var at: MonotonicInstant
        var token: Int64
        var node: String
        var pid: Int32
    }

    let path: String
    /// The external register every instance writes to with its token, and each instance's death seen by pidfd.
    var register: FencingRegister?
    var lifetimes: InstanceLifetimes?

    var stamps: [Stamp] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count == 5, let at = Int64(parts[1]), let token = Int64(parts[2]), let pid = Int32(parts[4])
            else { return nil }
            return Stamp(kind: parts[0], at: MonotonicInstant(nanoseconds: at), token: token, node: parts[3], pid: pid)
        }
    }

    /// The `count`-th start stamp (1-based).
    func waitForStart(count: Int, timeout: Duration = .seconds(90)) async throws -> Stamp {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let starts = stamps.filter { $0.kind == "start" }
            if starts.count >= count {
                return starts[count - 1]
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ClusterNodeTestError("no start #\(count) of the resource within \(timeout); stamps:\n\(stamps)")
    }

    /// The checker: every instance's [start, stop) interval (an instance killed unwarned ends at `killed`'s instant,
    /// or when its pidfd said it died), in start order, ends before the next begins, and the fencing tokens strictly
    /// increase from one to the next; every earlier instance is dead (pidfd), and the register refused no write.
    func check(killed: (node: String, token: Int64, at: MonotonicInstant)?) throws {
        let all = stamps
        let starts = all.filter { $0.kind == "start" }
        var intervals: [(start: Stamp, end: MonotonicInstant?)] = []
        for start in starts {
            var end = all.first { $0.kind == "stop" && $0.token == start.token && $0.node == start.node }?.at
            if let killed, killed.node == start.node, killed.token == start.token, end == nil {
                end = killed.at
            }
            if end == nil, let died = lifetimes?.end(of: start.pid) {
                end = died
            }
            intervals.append((start, end))
        }
        for (earlier, later) in zip(intervals, intervals.dropFirst()) {
            guard let end = earlier.end else {
                throw ClusterNodeTestError("two actives: \(earlier.start) never stopped before \(later.start)")
            }
            #expect(
                end <= later.start.at,
                "overlap: \(earlier.start.node) until \(end), \(later.start.node) from \(later.start.at)"
            )
            #expect(
                later.start.token > earlier.start.token,
                "tokens did not increase: \(earlier.start) then \(later.start)"
            )
        }
        for earlier in intervals.dropLast() where lifetimes != nil {
            #expect(lifetimes?.end(of: earlier.start.pid) != nil, "\(earlier.start) still runs (pidfd)")
        }
        let writes = register?.writes ?? []
        let refusals = writes.filter { !$0.accepted }
        #expect(refusals.isEmpty, "the register refused writes of live instances: \(refusals)")
        if register != nil {
            #expect(!writes.isEmpty, "no instance wrote to the register")
        }
        let registered =
            register == nil ? "no register" : "register: \(writes.count) writes, \(refusals.count) refusals"
        print(
            "ClusterNodeTests: checker compared \(max(0, intervals.count - 1)) pairs of intervals, "
                + "\(intervals.count) tokens; \(registered)"
        )
    }
}

struct ClusterNodeTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The resource: stamps its start with its fencing token, and its stop on SIGTERM.
let clusterResourceScript = """
    import os, signal, socket, sys, time
    path, node = sys.argv[1], sys.argv[2]
    register = sys.argv[3] if len(sys.argv) > 3 else None
    token = os.environ.get("VIGIL_FENCING_TOKEN", "0")
    # A node named in the poison file cannot run the resource: it exits at once, unstamped.
    try:
        if open(path + ".poison").read().strip() == node:
            sys.exit(1)
    except FileNotFoundError:
        pass
    def stamp(kind):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(fd, f"{kind} {time.monotonic_ns()} {token} {node} {os.getpid()}\\n".encode())
        os.close(fd)
    def stop(*_):
        stamp("stop")
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    stamp("start")
    # Every 100 ms, a write to the external register with this instance's token.
    sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    while register:
        sender.sendto(f"write {token} {node} {os.getpid()}".encode(), register)
        time.sleep(0.1)
    while True:
        time.sleep(3600)
    """

/// Starts three etcd members in network namespaces and a vigild in each member's namespace (lease `leaseTTL`) (its own member first in
/// its endpoints), all running the resource `res`; runs `body`; stops every vigild (and what it started), member and
/// namespace whether `body` passed or threw.
func withClusterNodes(
    leaseTTL: String = "2s",
    watchdog: Duration? = nil,
    _ body: ([ClusterNode], ResourceStamps, EtcdCluster) async throws -> Void
) async throws {
    try await withEtcdCluster(inNamespaces: true) { cluster in
        let network = try #require(cluster.network)
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = directory + "/resource.py"
        try clusterResourceScript.write(toFile: script, atomically: true, encoding: .utf8)
        var stamps = ResourceStamps(path: directory + "/stamps")
        let register = try await FencingRegister(directory: directory)
        defer { register.stop() }
        stamps.register = register
        let lifetimes = InstanceLifetimes { [stamps] in stamps.stamps.filter { $0.kind == "start" }.map(\.pid) }
        defer { lifetimes.stop() }
        stamps.lifetimes = lifetimes
        let prefix = EtcdCluster.testPrefix()
        var nodes: [ClusterNode] = []
        defer { stopNodes(nodes) }
        var setups: [NodeWatchdogSetup] = []
        defer {
            for setup in setups { setup.remove() }
        }
        for index in cluster.endpoints.indices {
            let name = "n\(index + 1)"
            var config =
                cluster.clusterTable(node: index, leaseTTL: leaseTTL, prefix: prefix) + """
                    [daemon]
                    state_dir = "\(directory)/state-\(name)"

                    [[target]]
                    name = "res"
                    exec = ["/usr/bin/python3", "\(script)", "\(stamps.path)", "\(name)", "\(register.path)"]
                    stop_timeout = "500ms"
                    cluster = true
                    restart = { burst = 2, within = "60s", backoff = "100ms..200ms" }
                    """
            var launcher = network.launcher(index)
            var setup: NodeWatchdogSetup?
            if let watchdog {
                setup = try await NodeWatchdogSetup(node: name, directory: directory, timeout: watchdog)
                setups += setup.map { [$0] } ?? []
                config = setup?.configure(config) ?? config
                launcher = setup?.launcher(launcher) ?? launcher
            }
            let vigild = try VigildProcess(config: config, launcher: launcher)
            nodes.append(
                ClusterNode(
                    name: name,
                    vigild: vigild,
                    network: network,
                    config: config,
                    launcher: launcher,
                    watchdog: setup
                )
            )
        }
        do {
            try await body(nodes, stamps, cluster)
        } catch {
            throw ClusterNodeTestError("\(error)\n\(nodeLogs(nodes, last: 40))\nstamps: \(stamps.stamps)")
        }
    }
}
