import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

extension EtcdClusterTests {
    /// Fencing beyond the node's own deadline timer: a watchdog (a stand-in that kills the node's cgroup) for a
    /// vigild that cannot act, one-way cuts, a restart of every vigild, and the token in exec hooks. Three vigild
    /// nodes in the etcd members' namespaces (`withClusterNodes`), the checker of `ResourceStamps` with its external
    /// register.
    @Suite struct ClusterFencingTests {
        @Test func aVigildStoppedPastItsTTLIsKilledByItsWatchdogBeforeAnotherNodeStartsItsResource() async throws {
            try await withClusterNodes(watchdog: .seconds(1)) { nodes, resource, _ in
                let first = try await resource.waitForStart(count: 1)
                let owner = try #require(nodes.firstIndex { $0.name == first.node })
                let standIn = try #require(nodes[owner].watchdog?.standIn)
                let armed = try await nodes[owner].vigild.waitForEvent(.watchdogArmed, timeout: .seconds(30))
                #expect(armed.fields["VIGIL_DEVICE"] == standIn.path)
                _ = try await standIn.waitFor("armed")
                // The nodes that own nothing never open their device.
                for (index, node) in nodes.enumerated() where index != owner {
                    #expect(node.vigild.events(.watchdogArmed).isEmpty, "\(node.name) armed its watchdog")
                }

                // vigild stops (SIGSTOP): no more feeds, no more keepalives; its resource runs on, unfenced by it.
                nodes[owner].vigild.signal(SIGSTOP)
                let stoppedAt = MonotonicClock.now()
                let fired = try await standIn.waitFor("fired", timeout: .seconds(30))
                #expect(fired.detail.contains("not fed"), "\(fired.detail)")
                let second = try await resource.waitForStart(count: 2, timeout: .seconds(60))
                #expect(second.node != first.node && second.token > first.token)
                let died = try #require(resource.lifetimes?.end(of: first.pid), "the first instance still runs")
                #expect(died < second.at, "the stopped node's resource died after the other node started it")
                let left = nodes[owner].watchdog?.processes
                #expect(left?.isEmpty == true, "the node's cgroup still has processes: \(left ?? [])")
                print(
                    "ClusterFencingTests: vigild stopped → watchdog fired after \((fired.at - stoppedAt).milliseconds), "
                        + "resource dead after \((died - stoppedAt).milliseconds), started on \(second.node) after "
                        + "\((second.at - stoppedAt).milliseconds) (\((second.at - died).milliseconds) after its death)"
                )
                try resource.check(killed: nil)
            }
        }

        @Test(arguments: [CutDirection.incoming, .outgoing])
        func aNodeCutOffOneWayStopsItsResourceBeforeTheMajorityStartsIt(_ direction: CutDirection) async throws {
            try await withClusterNodes { nodes, resource, _ in
                let network = try #require(nodes.first?.network)
                let first = try await resource.waitForStart(count: 1)
                let owner = try #require(nodes.firstIndex { $0.name == first.node })
                let cutAt = MonotonicClock.now()
                try network.cut(owner, only: direction)
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
                    "ClusterFencingTests: \(direction) cut → stopped on \(first.node) after "
                        + "\((stop.at - cutAt).milliseconds), started on \(second.node) after "
                        + "\((second.at - cutAt).milliseconds) (\((second.at - stop.at).milliseconds) apart)"
                )
                try resource.check(killed: nil)

                // Healed, the cut node joins again and the resource stays where it now runs.
                try network.heal(owner)
                healed = true
                try await nodes[owner].vigild.waitForEvent(.clusterJoined, count: 2, timeout: .seconds(30))
                try await Task.sleep(for: .seconds(2))
                #expect(resource.stamps.filter { $0.kind == "start" }.count == 2, "the resource moved again")
                try resource.check(killed: nil)
            }
        }

        @Test func aRestartOfEveryVigildAtOnceKeepsEveryResourceWhereItWas() async throws {
            try await withClusterNodes(leaseTTL: "5s") { nodes, resource, _ in
                let first = try await resource.waitForStart(count: 1)
                let owner = try #require(nodes.firstIndex { $0.name == first.node })
                try await nodes[owner].vigild.waitForEvent(.resourceClaimed, target: "res", timeout: .seconds(30))
                // Every vigild killed at once (their resources run on), then every one started again on the same
                // configuration and state directory.
                for node in nodes {
                    node.vigild.signal(SIGKILL)
                }
                for node in nodes {
                    // Not `waitForExit()`: the resource keeps vigild's stderr open.
                    #expect(try await ProcessProbe.waitUntilGone(node.vigild.pid), "\(node.name) still runs")
                }
                var restarted: [VigildProcess] = []
                defer {
                    for vigild in restarted { vigild.stop() }
                }
                for node in nodes {
                    restarted.append(try VigildProcess(config: node.config, launcher: node.launcher))
                }
                // The owner's new vigild takes over its predecessor's lease, so the instance it finds running is its
                // own: adopted, with the same fencing token, never stopped.
                let adopted = try await restarted[owner].waitForEvent(
                    .targetAdopted,
                    target: "res",
                    timeout: .seconds(30)
                )
                #expect(adopted.pid == first.pid)
                let claimed = try await restarted[owner].waitForEvent(
                    .resourceClaimed,
                    target: "res",
                    timeout: .seconds(30)
                )
                #expect(claimed.fields["VIGIL_FENCING_TOKEN"] == String(first.token))
                // Past the old leases' TTL and a stop budget: nothing stopped, moved or fenced.
                try await Task.sleep(for: .seconds(7))
                #expect(resource.stamps.count == 1, "the resource stopped or moved: \(resource.stamps)")
                #expect(ProcessProbe.isRunning(first.pid))
                for (index, vigild) in restarted.enumerated() {
                    #expect(vigild.events(.selfFenced).isEmpty, "\(nodes[index].name) fenced itself")
                    #expect(vigild.events(.resourceReleased).isEmpty, "\(nodes[index].name) released the resource")
                }
                try resource.check(killed: nil)
            }
        }

        @Test func theHooksOfAClusterResourceSeeItsFencingToken() async throws {
            try await withEtcdCluster { cluster in
                let directory = try VigildProcess.makeDirectory()
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let log = directory + "/hooks.log"
                try ExecutableFile.write(
                    """
                    #!/bin/sh
                    echo "start $VIGIL_FENCING_TOKEN" >> \(log)
                    # A daemon in a session of its own (the hook's process group ends with the hook).
                    setsid sh -c 'echo $$ > \(directory)/d.pid.new && mv \(directory)/d.pid.new \(directory)/d.pid && exec sleep 3600' \\
                        < /dev/null > /dev/null 2>&1 &
                    while [ ! -s \(directory)/d.pid ]; do sleep 0.01; done
                    """,
                    to: directory + "/start.sh"
                )
                try ExecutableFile.write(
                    """
                    #!/bin/sh
                    echo "stop $VIGIL_FENCING_TOKEN" >> \(log)
                    kill "$(cat \(directory)/d.pid)" && rm -f \(directory)/d.pid
                    """,
                    to: directory + "/stop.sh"
                )
                let endpoints = cluster.endpoints.map { "\"\($0)\"" }.joined(separator: ", ")
                let config = """
                    [cluster]
                    endpoints = [\(endpoints)]
                    node = "solo"
                    lease_ttl = "2s"
                    prefix = "/vigil-test-\(UUID().uuidString.prefix(8))/"

                    [[target]]
                    name = "hooked"
                    pid_file = "\(directory)/d.pid"
                    stop_timeout = "700ms"
                    cluster = true
                    actuator = { name = "exec", start = ["\(directory)/start.sh"], stop = ["\(directory)/stop.sh"] }
                    """
                let vigild = try VigildProcess(config: config)
                defer { vigild.stop() }
                let claimed = try await vigild.waitForEvent(.resourceClaimed, target: "hooked", timeout: .seconds(30))
                let token = try #require(claimed.fields["VIGIL_FENCING_TOKEN"])
                let started = try await vigild.waitForEvent(.targetStarted, target: "hooked", timeout: .seconds(30))
                #expect(started.fields["VIGIL_FENCING_TOKEN"] == token)
                func hooks() -> [String] {
                    ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
                }
                #expect(hooks() == ["start \(token)"])
                // The stop hook of the instance acts for the same ownership.
                vigild.signal(SIGTERM)
                #expect(try await vigild.waitForExit() == 0)
                #expect(hooks() == ["start \(token)", "stop \(token)"])
            }
        }
    }
}

/// Which packets a one-way cut drops in the cut node's namespace.
enum CutDirection: String, Sendable, CustomStringConvertible {
    /// Only packets from the other members (the node still sends to them).
    case incoming
    /// Only packets to the other members (the node still hears them).
    case outgoing

    var description: String { rawValue }
}

extension EtcdNetwork {
    /// Drops only incoming or only outgoing packets between member `index` and the other members, inside its
    /// namespace; `heal(index)` removes the rule.
    func cut(_ index: Int, only direction: CutDirection) throws {
        let peers = addresses.indices.filter { $0 != index }.map { addresses[$0] }.joined(separator: ", ")
        let chain =
            direction == .incoming
            ? "chain input { type filter hook input priority 0; ip saddr { \(peers) } drop; }"
            : "chain output { type filter hook output priority 0; ip daddr { \(peers) } drop; }"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-cut-\(tag)-\(index).nft").path
        try "table inet vigil_cut {\n    \(chain)\n}\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let argv = exec(index, ["/usr/sbin/nft", "-f", file])
        let result = try ProcessProbe.run(argv[0], Array(argv.dropFirst()))
        guard result.status == 0 else {
            throw ClusterNodeTestError("\(argv.joined(separator: " ")): \(result.err)")
        }
    }
}

/// A node's watchdog in the cluster tests: a cgroup of its own, which vigild joins before it execs (and divides as a
/// systemd service's: vigild in `daemon`, its resources under `targets`), and a stand-in at a FIFO that kills the
/// whole cgroup when vigild stops feeding it. `remove()` ends the stand-in and kills and removes the cgroup.
final class NodeWatchdogSetup: @unchecked Sendable {
    let cgroup: TestCgroup
    let standIn: WatchdogStandIn
    let timeout: Duration

    init(node: String, directory: String, timeout: Duration) async throws {
        self.timeout = timeout
        cgroup = try TestCgroup()
        let own = directory + "/watchdog-" + node
        do {
            try FileManager.default.createDirectory(atPath: own, withIntermediateDirectories: true)
            standIn = try await WatchdogStandIn(directory: own, cgroup: cgroup.unified, timeout: timeout)
        } catch {
            TestCgroup.removeTree(cgroup.unified)
            throw error
        }
    }

    /// `config` with the device and its timeout in its `[cluster]` table.
    func configure(_ config: String) -> String {
        let seconds = timeout.components.seconds
        return config.replacingOccurrences(
            of: "[cluster]\n",
            with: "[cluster]\nwatchdog = \"\(standIn.path)\"\nwatchdog_timeout = \"\(seconds)s\"\n"
        )
    }

    /// `inner` started from a shell that first moves itself into the cgroup and names itself the service's main
    /// process (`SYSTEMD_EXEC_PID`: the shell execs `inner`, which execs vigild, all one PID).
    func launcher(_ inner: [String]) -> [String] {
        let script = "echo $$ > '\(cgroup.unified)/cgroup.procs' && export SYSTEMD_EXEC_PID=$$ && exec \"$@\""
        return ["/bin/sh", "-c", script, "vigild-launcher"] + inner
    }

    /// Every process in the node's cgroup tree (vigild's leaf and its resources' cgroups).
    var processes: [Int32] {
        var found: [Int32] = []
        var directories = [cgroup.unified]
        while let directory = directories.popLast() {
            let procs = (try? String(contentsOfFile: directory + "/cgroup.procs", encoding: .utf8)) ?? ""
            found += procs.split(separator: "\n").compactMap { Int32($0) }
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: directory + "/" + entry, isDirectory: &isDirectory),
                    isDirectory.boolValue
                {
                    directories.append(directory + "/" + entry)
                }
            }
        }
        return found
    }

    func remove() {
        standIn.stop()
        TestCgroup.removeTree(cgroup.unified)
        cgroup.remove()
    }
}
