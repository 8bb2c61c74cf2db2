import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

extension EtcdClusterTests {
    /// A cluster resource with a recovery ladder, on three real vigild nodes and three etcd members (lease TTL 2 s):
    /// the ladder's restarts run on the node that owns the resource, its `failover` step gives the resource up there,
    /// and another node runs it with a higher fencing token. The checker: the instances' [start, end) intervals never
    /// overlap, and the token grows strictly whenever the node changes (restarts on one node keep its token).
    @Suite struct ClusterLadderNodeTests {
        @Test func aResourceThatKeepsCrashingIsRestartedOnItsNodeByItsLadderThenMovedToAnother() async throws {
            try await withLadderNodes { nodes, resource in
                let first = try await resource.waitForStart(count: 1)
                let owner = try #require(nodes.firstIndex { $0.name == first.node })
                // From now on every instance on the owner crashes 300 ms after it started.
                try first.node.write(toFile: resource.path + ".crash", atomically: true, encoding: .utf8)
                kill(first.pid, SIGKILL)
                let killedAt = MonotonicClock.now()

                let moved = try await resource.waitForStart(timeout: .seconds(60)) { $0.node != first.node }
                #expect(moved.token > first.token)
                // Before the move, the owner's ladder restarted it twice there (its two `restart` steps), under the
                // owner's token, and then handed it over with its `failover` step.
                let onOwner = resource.stamps.filter { $0.kind == "start" && $0.node == first.node }
                #expect(onOwner.count == 3, "starts on the owner: \(onOwner)")
                #expect(onOwner.allSatisfy { $0.token == first.token })
                let vigild = nodes[owner].vigild
                #expect(
                    vigild.events(.recoveryStep, target: "res").map { $0.fields["VIGIL_STEP"] ?? "" } == [
                        "restart", "restart", "failover",
                    ]
                )
                let gaveUp = try await vigild.waitForEvent(.recoveryExhausted, target: "res")
                #expect(gaveUp.message.contains("gives the cluster resource up"), "\(gaveUp.raw)")
                let released = try await vigild.waitForEvent(.resourceReleased, target: "res")
                #expect(released.fields["VIGIL_FENCING_TOKEN"] == String(first.token))
                print(
                    "ClusterLadderNodeTests: first kill → started on \(moved.node) after "
                        + "\((moved.at - killedAt).milliseconds), after 2 restarts on \(first.node)"
                )
                try resource.check(killed: (first.pid, killedAt))

                // The owner lists the resource as refused in its node key, as every node sees it.
                let newOwner = try #require(nodes.firstIndex { $0.name == moved.node })
                try await Self.waitForRefused(["res"], of: first.node, seenBy: nodes[newOwner].vigild)
                // An operator clears it there: the node accepts it again (it is no longer refused) without starting
                // it, and the resource stays where it runs.
                let answer = try ControlProbe.ask(
                    vigild.controlSocket,
                    ControlRequest(command: .resetFailed, target: "res")
                )
                #expect(answer.ok && answer.message?.contains("accepted again") == true, "\(answer)")
                try await Self.waitForRefused([], of: first.node, seenBy: nodes[newOwner].vigild)
                try await Task.sleep(for: .seconds(2))
                let starts = resource.stamps.filter { $0.kind == "start" }
                #expect(starts.count == 4 && starts.last?.node == moved.node, "the resource moved again: \(starts)")
                try resource.check(killed: (first.pid, killedAt))
            }
        }

        /// Waits until `vigild`'s view of the cluster shows `node`'s key refusing exactly `resources`.
        static func waitForRefused(_ resources: [String], of node: String, seenBy vigild: VigildProcess) async throws {
            _ = try await vigild.waitFor("\(node) refusing \(resources)", timeout: .seconds(30)) { _ in
                let status = try? ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status))
                let figures = status?.status?.cluster?.nodes.first { $0.name == node }?.figures
                return figures.flatMap { $0.refused == resources ? true : nil }
            }
        }
    }
}

/// The stamps of a cluster resource whose instances may crash: `start|stop|exit MONOTONIC_NS TOKEN NODE PID`, one
/// file shared by every node. An instance's interval ends at its `stop` (SIGTERM) or `exit` (its crash) stamp.
struct LadderResourceStamps: Sendable {
    let path: String

    var stamps: [ResourceStamps.Stamp] {
        ResourceStamps(path: path).stamps
    }

    /// The first start stamp that `matches`.
    func waitForStart(
        timeout: Duration = .seconds(90),
        where matches: (ResourceStamps.Stamp) -> Bool = { _ in true }
    ) async throws -> ResourceStamps.Stamp {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = stamps.first(where: { $0.kind == "start" && matches($0) }) {
                return found
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ClusterNodeTestError("no matching start of the resource within \(timeout); stamps:\n\(stamps)")
    }

    /// The `count`-th start stamp (1-based).
    func waitForStart(count: Int) async throws -> ResourceStamps.Stamp {
        try await ResourceStamps(path: path).waitForStart(count: count)
    }

    /// The checker: in start order, every instance ended (its stamp, or `killed`'s instant for the instance killed
    /// unwarned) no later than the next one started; tokens never decrease, and grow strictly from one node to the
    /// next.
    func check(killed: (pid: Int32, at: MonotonicInstant)?) throws {
        let all = stamps
        let starts = all.filter { $0.kind == "start" }
        var compared = 0
        for (earlier, later) in zip(starts, starts.dropFirst()) {
            var end = all.first { $0.kind != "start" && $0.pid == earlier.pid && $0.node == earlier.node }?.at
            if let killed, killed.pid == earlier.pid, end == nil {
                end = killed.at
            }
            guard let end else {
                throw ClusterNodeTestError("two actives: \(earlier) never ended before \(later)")
            }
            compared += 1
            #expect(end <= later.at, "overlap: \(earlier.node) until \(end), \(later.node) from \(later.at)")
            if later.node == earlier.node {
                #expect(later.token >= earlier.token, "the token went down on \(later.node): \(earlier), \(later)")
            } else {
                #expect(later.token > earlier.token, "tokens did not increase: \(earlier) then \(later)")
            }
        }
        print("ClusterLadderNodeTests: checker compared \(compared) pairs of intervals, \(starts.count) tokens")
    }
}

/// The resource: stamps its start with its fencing token, its stop on SIGTERM, and, on a node named in the crash
/// file, crashes 300 ms after starting (stamping its exit first).
let crashingResourceScript = """
    import os, signal, sys, time
    path, node = sys.argv[1], sys.argv[2]
    token = os.environ.get("VIGIL_FENCING_TOKEN", "0")
    def stamp(kind):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(fd, f"{kind} {time.monotonic_ns()} {token} {node} {os.getpid()}\\n".encode())
        os.close(fd)
    def stop(*_):
        stamp("stop")
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    stamp("start")
    try:
        crash = open(path + ".crash").read().strip() == node
    except FileNotFoundError:
        crash = False
    if crash:
        time.sleep(0.3)
        stamp("exit")
        os._exit(1)
    while True:
        time.sleep(3600)
    """

/// Three etcd members on loopback and three vigild nodes (lease TTL 2 s), each with cluster resource `res` whose
/// ladder is restart, restart, failover; runs `body`; stops every vigild (and what it started) and member whether
/// `body` passed or threw.
func withLadderNodes(_ body: ([ClusterNode], LadderResourceStamps) async throws -> Void) async throws {
    try await withEtcdCluster { cluster in
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = directory + "/resource.py"
        try crashingResourceScript.write(toFile: script, atomically: true, encoding: .utf8)
        let stamps = LadderResourceStamps(path: directory + "/stamps")
        let prefix = EtcdCluster.testPrefix()
        var nodes: [ClusterNode] = []
        defer { stopNodes(nodes) }
        for index in cluster.endpoints.indices {
            let name = "n\(index + 1)"
            let config =
                cluster.clusterTable(node: index, leaseTTL: "2s", prefix: prefix) + """
                    [[target]]
                    name = "res"
                    exec = ["/usr/bin/python3", "\(script)", "\(stamps.path)", "\(name)"]
                    stop_timeout = "500ms"
                    cluster = true
                    restart = { backoff = "100ms..200ms" }
                    recovery = ["restart", "restart", "failover"]
                    verify_window = "5s"
                    """
            nodes.append(ClusterNode(name: name, vigild: try VigildProcess(config: config), network: nil))
        }
        do {
            try await body(nodes, stamps)
        } catch {
            throw ClusterNodeTestError("\(error)\n\(nodeLogs(nodes, last: 40))\nstamps: \(stamps.stamps)")
        }
    }
}
