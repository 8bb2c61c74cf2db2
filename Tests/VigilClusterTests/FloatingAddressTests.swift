import Foundation
import Synchronization
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

extension EtcdClusterTests {
    /// A service address that moves with its service, on three real vigild nodes (each in its etcd member's
    /// namespace, lease TTL 2 s): a small TCP service answering its node's name is a cluster resource, and a floating
    /// address follows it. A client in a fourth namespace on the same bridge keeps connecting to the address. After
    /// the owner is lost, the client is answered by the new owner; the address is never on two nodes at once
    /// (sampled on every node throughout); and the client's ARP entry for the address points to the new owner's MAC
    /// at once, which only the announcement can do (the client's entries stay reachable for 10 minutes).
    @Suite struct FloatingAddressTests {
        @Test func aKilledOwnersAddressMovesWithItsServiceAndTheClientFollowsIt() async throws {
            try await withFloatingAddressCluster { nodes, setup in
                let owner = try await setup.waitForOwner(nodes)
                let before = try await setup.client.waitForAnswer(after: 0) { $0 == nodes[owner].name }
                // The host's loss: its vigild and the service die unwarned, and its address with it (a dead host
                // answers for nothing; a killed vigild cannot remove it).
                nodes[owner].vigild.killWithTargets()
                try LinkedNamespaces.ip([
                    "-n", setup.namespaces[owner], "addr", "del", setup.floating + "/24", "dev",
                    setup.interfaces[owner],
                ])
                setup.sampler.deadNode(owner)
                let after = try await setup.client.waitForAnswer(after: before.at, timeout: .seconds(60)) {
                    $0 != nodes[owner].name
                }
                let newOwner = try #require(nodes.firstIndex { $0.name == after.node })
                try await setup.checkMoved(to: newOwner, nodes: nodes)
                print("FloatingAddressTests: killed \(nodes[owner].name) → \(after.node): \(setup.client.outage())")

                // The killed node's vigild comes back with the address still on its link (as a killed vigild leaves
                // it): it does not own web-ip any more, so it removes the address at once.
                try LinkedNamespaces.ip([
                    "-n", setup.namespaces[owner], "addr", "add", setup.floating + "/24", "dev",
                    setup.interfaces[owner],
                ])
                let config = try String(contentsOfFile: nodes[owner].vigild.configPath, encoding: .utf8)
                let launcher = setup.network.launcher(owner)
                let restarted = try VigildProcess(config: config, launcher: launcher)
                defer { restarted.stop() }
                let removed = try await restarted.waitForEvent(.addressRemoved, target: "web-ip", timeout: .seconds(30))
                #expect(removed.fields["VIGIL_REASON"]?.contains("this node does not own it") == true, "\(removed)")
                #expect(restarted.events(.addressAdded, target: "web-ip").isEmpty)
                let left = try ProcessProbe.run(
                    "/usr/sbin/ip",
                    ["-n", setup.namespaces[owner], "-o", "-4", "addr", "show", "dev", setup.interfaces[owner]]
                )
                #expect(!left.out.contains(" \(setup.floating)/"), "the restarted node kept the address: \(left.out)")
            }
        }

        @Test func aPartitionedOwnerRemovesItsAddressBeforeTheMajorityAddsIt() async throws {
            try await withFloatingAddressCluster { nodes, setup in
                let owner = try await setup.waitForOwner(nodes)
                let before = try await setup.client.waitForAnswer(after: 0) { $0 == nodes[owner].name }
                try setup.network.cut(owner)
                var healed = false
                defer {
                    if !healed { try? setup.network.heal(owner) }
                }
                let after = try await setup.client.waitForAnswer(after: before.at, timeout: .seconds(60)) {
                    $0 != nodes[owner].name
                }
                let newOwner = try #require(nodes.firstIndex { $0.name == after.node })
                // The cut node removed the address itself, before its lease could expire.
                try await nodes[owner].vigild.waitForEvent(.selfFenced)
                try await nodes[owner].vigild.waitForEvent(.targetExited, target: "web")
                let lines = nodes[owner].vigild.lines
                let removed = try #require(lines.firstIndex { $0.event == "address-removed" && $0.target == "web-ip" })
                let exited = try #require(lines.firstIndex { $0.event == "target-exited" && $0.target == "web" })
                #expect(removed < exited, "the service stopped before its address was removed")
                #expect(lines[removed].fields["VIGIL_REASON"] == "web is stopping", "\(lines[removed])")
                try await setup.checkMoved(to: newOwner, nodes: nodes)
                print("FloatingAddressTests: cut \(nodes[owner].name) → \(after.node): \(setup.client.outage())")
                try setup.network.heal(owner)
                healed = true
            }
        }
    }
}

/// What `withFloatingAddressCluster` sets up beside the nodes.
struct FloatingAddressSetup: Sendable {
    let network: EtcdNetwork
    let floating: String
    let namespaces: [String]
    let interfaces: [String]
    let clientNamespace: String
    let client: ServiceClient
    let sampler: AddressSampler

    /// The node that runs the service and holds its address, once it announced it.
    func waitForOwner(_ nodes: [ClusterNode]) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            if let owner = nodes.firstIndex(where: { !$0.vigild.events(.addressAnnounced, target: "web-ip").isEmpty }) {
                return owner
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ClusterNodeTestError("no node announced web-ip within 90 s")
    }

    /// After a move to `newOwner`: it claimed web before web-ip, added the address after web started, the address
    /// was never on two nodes, and the client's ARP entry for it points to the new owner's MAC.
    func checkMoved(to newOwner: Int, nodes: [ClusterNode]) async throws {
        let vigild = nodes[newOwner].vigild
        let announced = try await vigild.waitForEvent(.addressAnnounced, target: "web-ip")
        let lines = vigild.lines
        let started = try #require(lines.firstIndex { $0.event == "target-started" && $0.target == "web" })
        let claimed = try #require(lines.firstIndex { $0.event == "resource-claimed" && $0.target == "web-ip" })
        #expect(started < claimed, "web-ip was claimed before web started on \(nodes[newOwner].name)")
        let mac = try mac(of: newOwner)
        #expect(announced.fields["VIGIL_MAC"] == mac)
        // The client's entries stay REACHABLE for 10 minutes (base_reachable_time_ms): only the gratuitous ARP
        // can have replaced the old owner's MAC by now.
        let entry = try await vigild.waitFor("the client's ARP entry for \(floating) to name \(mac)") { _ in
            let neighbour = try? ProcessProbe.run(
                "/usr/sbin/ip",
                ["-n", clientNamespace, "neigh", "show", floating]
            )
            return neighbour.flatMap { $0.out.contains("lladdr \(mac)") ? $0.out : nil }
        }
        print("FloatingAddressTests: client's entry now \(entry.trimmingCharacters(in: .whitespacesAndNewlines))")
        let samples = sampler.samples
        #expect(samples > 10, "only \(samples) samples of the nodes' addresses")
        #expect(sampler.overlaps.isEmpty, "the address was on two nodes at once: \(sampler.overlaps)")
        print("FloatingAddressTests: \(samples) samples of every node's addresses, \(sampler.overlaps.count) overlaps")
    }

    func mac(of node: Int) throws -> String {
        let result = try ProcessProbe.run(
            "/usr/sbin/ip",
            ["-n", namespaces[node], "-o", "link", "show", interfaces[node]]
        )
        let parts = result.out.split(separator: " ")
        guard let index = parts.firstIndex(of: "link/ether"), index + 1 < parts.count else {
            throw ClusterNodeTestError("no MAC for \(interfaces[node]): \(result.out)")
        }
        return String(parts[index + 1])
    }
}

/// A client in its own namespace that connects to the floating address every 20 ms and logs who answered:
/// `ok NODE MONOTONIC_NS` or `fail ERROR MONOTONIC_NS`.
struct ServiceClient: Sendable {
    static let script = """
        import socket, sys, time
        address, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        out = open(path, "a", buffering=1)
        while True:
            try:
                s = socket.create_connection((address, port), timeout=0.2)
                s.settimeout(0.2)
                name = s.recv(64).decode().strip()
                s.close()
                if not name:
                    raise ConnectionResetError()
                out.write("ok %s %d\\n" % (name, time.monotonic_ns()))
            except OSError as e:
                out.write("fail %s %d\\n" % (type(e).__name__, time.monotonic_ns()))
            time.sleep(0.02)
        """

    struct Answer: Sendable {
        var ok: Bool
        var node: String
        var at: Int64
    }

    let path: String

    var answers: [Answer] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 3, let at = Int64(parts[2]) else { return nil }
            return Answer(ok: parts[0] == "ok", node: String(parts[1]), at: at)
        }
    }

    /// The first answer after `after` (ns) from a node that `matches`.
    func waitForAnswer(
        after: Int64,
        timeout: Duration = .seconds(30),
        from matches: (String) -> Bool
    ) async throws -> Answer {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = answers.first(where: { $0.ok && $0.at > after && matches($0.node) }) {
                return found
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ClusterNodeTestError("the client got no matching answer within \(timeout): \(answers.suffix(10))")
    }

    /// The outage the client saw: its last answer from the first node to its first from another.
    func outage() -> String {
        let all = answers.filter(\.ok)
        guard let first = all.first,
            let change = all.firstIndex(where: { $0.node != first.node }), change > 0
        else { return "no move seen" }
        let gap = Duration.nanoseconds(all[change].at - all[change - 1].at)
        return "outage \(gap.milliseconds) (last answer from \(first.node) to the first from \(all[change].node))"
    }
}

/// Samples the addresses of every node's interface in the background (`ip -o addr`, every 50 ms) and records every
/// sample in which two live nodes hold the floating address. A node the test killed is left out from then on (its
/// namespace stands in for a dead host).
final class AddressSampler: Sendable {
    private struct State {
        var samples = 0
        var overlaps: [String] = []
        var dead: Set<Int> = []
        var stopped = false
    }

    private let state = Mutex(State())

    var samples: Int { state.withLock { $0.samples } }
    var overlaps: [String] { state.withLock { $0.overlaps } }

    func deadNode(_ index: Int) {
        state.withLock { _ = $0.dead.insert(index) }
    }

    func stop() {
        state.withLock { $0.stopped = true }
    }

    /// Samples until `stop()`, off the cooperative pool.
    func run(floating: String, namespaces: [String], interfaces: [String]) -> Task<Void, Never> {
        Task.detached { [self] in
            _ = try? await Blocking.run { [self] in
                while !state.withLock({ $0.stopped }) {
                    var holders: [Int] = []
                    for index in namespaces.indices {
                        let result = try? ProcessProbe.run(
                            "/usr/sbin/ip",
                            ["-n", namespaces[index], "-o", "-4", "addr", "show", "dev", interfaces[index]]
                        )
                        if result?.out.contains(" \(floating)/") == true {
                            holders.append(index)
                        }
                    }
                    state.withLock { state in
                        state.samples += 1
                        let live = holders.filter { !state.dead.contains($0) }
                        if live.count > 1 {
                            state.overlaps.append("nodes \(live) at \(MonotonicClock.now())")
                        }
                    }
                    usleep(50_000)
                }
            }
        }
    }
}

/// The service: answers every connection on port 8080 with its node's name.
let nameServiceScript = """
    import signal, socket, sys
    node = sys.argv[1]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", 8080))
    s.listen(64)
    while True:
        c, _ = s.accept()
        c.sendall((node + "\\n").encode())
        c.close()
    """

/// Three etcd members and three vigild nodes in network namespaces (lease TTL 2 s), each running the cluster
/// resources `web` (the name service) and `web-ip` (address 10.212.S.100/24 on its bridge link, following `web`), and
/// a client in a fourth namespace on the bridge (10.212.S.50) whose ARP entries stay reachable for 10 minutes.
/// Stops the client, the sampler, every vigild, member and namespace whether `body` passed or threw.
func withFloatingAddressCluster(
    announce: Int = 3,
    _ body: ([ClusterNode], FloatingAddressSetup) async throws -> Void
) async throws {
    try await withEtcdCluster(inNamespaces: true) { cluster in
        let network = try #require(cluster.network)
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let subnet = network.addresses[0].split(separator: ".").dropLast().joined(separator: ".")
        let floating = subnet + ".100"
        let interfaces = network.namespaces.indices.map { "ve\(network.tag)m\($0)" }

        // The client's namespace, joined to the hub's bridge.
        let clientNamespace = "vigil-etcd-\(network.tag)-client"
        let near = "ve\(network.tag)c"
        try LinkedNamespaces.ip(["netns", "add", clientNamespace])
        defer { try? LinkedNamespaces.ip(["netns", "del", clientNamespace]) }
        try LinkedNamespaces.ip([
            "-n", clientNamespace, "link", "add", near, "type", "veth", "peer", "name", near + "b",
        ])
        try LinkedNamespaces.ip(["-n", clientNamespace, "link", "set", near + "b", "netns", network.hub])
        try LinkedNamespaces.ip(["-n", network.hub, "link", "set", near + "b", "master", "br0"])
        try LinkedNamespaces.ip(["-n", network.hub, "link", "set", near + "b", "up"])
        try LinkedNamespaces.ip(["-n", clientNamespace, "addr", "add", subnet + ".50/24", "dev", near])
        try LinkedNamespaces.ip(["-n", clientNamespace, "link", "set", near, "up"])
        try LinkedNamespaces.ip(["-n", clientNamespace, "link", "set", "lo", "up"])
        let sysctl = try ProcessProbe.run(
            "/usr/sbin/ip",
            ["netns", "exec", clientNamespace, "sysctl", "-w", "net.ipv4.neigh.\(near).base_reachable_time_ms=600000"]
        )
        guard sysctl.status == 0 else {
            throw ClusterNodeTestError("sysctl in the client's namespace: \(sysctl.err)")
        }

        let service = directory + "/service.py"
        try nameServiceScript.write(toFile: service, atomically: true, encoding: .utf8)
        let prefix = EtcdCluster.testPrefix()
        var nodes: [ClusterNode] = []
        defer { stopNodes(nodes) }
        for index in cluster.endpoints.indices {
            let name = "n\(index + 1)"
            let config =
                cluster.clusterTable(node: index, leaseTTL: "2s", prefix: prefix) + """
                    [[target]]
                    name = "web"
                    exec = ["/usr/bin/python3", "\(service)", "\(name)"]
                    stop_timeout = "500ms"
                    cluster = true

                    [[target]]
                    name = "web-ip"
                    kind = "address"
                    address = "\(floating)/24"
                    interface = "\(interfaces[index])"
                    follows = "web"
                    announce = \(announce)
                    cluster = true
                    """
            let vigild = try VigildProcess(config: config, launcher: network.launcher(index))
            nodes.append(ClusterNode(name: name, vigild: vigild, network: network))
        }

        let sampler = AddressSampler()
        let sampling = sampler.run(floating: floating, namespaces: network.namespaces, interfaces: interfaces)
        let clientScript = directory + "/client.py"
        try ServiceClient.script.write(toFile: clientScript, atomically: true, encoding: .utf8)
        let clientProcess = Process()
        clientProcess.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        clientProcess.arguments = [
            "netns", "exec", clientNamespace, "/usr/bin/python3", clientScript, floating, "8080", directory + "/client",
        ]
        try clientProcess.run()
        defer {
            kill(clientProcess.processIdentifier, SIGKILL)
            clientProcess.waitUntilExit()
        }
        let setup = FloatingAddressSetup(
            network: network,
            floating: floating,
            namespaces: network.namespaces,
            interfaces: interfaces,
            clientNamespace: clientNamespace,
            client: ServiceClient(path: directory + "/client"),
            sampler: sampler
        )
        do {
            try await body(nodes, setup)
            sampler.stop()
            await sampling.value
        } catch {
            sampler.stop()
            await sampling.value
            throw ClusterNodeTestError(
                "\(error)\n\(nodeLogs(nodes, last: 40))\nclient: \(setup.client.answers.suffix(20))"
            )
        }
    }
}
