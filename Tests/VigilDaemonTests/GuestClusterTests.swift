import Foundation
import Synchronization
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A real QEMU guest as a cluster resource: three vigild nodes on a three-member etcd, each node a host of its own
/// with its own libvirtd (QEMU driver, session mode) on which the same domain is defined (its own disk, sockets and
/// console). Separate daemons, because a host's hypervisor is the host's: a libvirtd shared by the three nodes would
/// refuse a second start of a running domain by itself, so "never on two nodes at once" would say nothing about
/// vigild's fencing. Under the guest tests' serialization (`GuestDomainTests`): QEMU guests on two shared cores must
/// not boot side by side.
extension GuestDomainTests {
    @Test func aDomainWhoseNodeIsKilledRunsOnAnotherNodeWithAHigherTokenAndNeverOnTwo() async throws {
        // Members in network namespaces of their own, on etcd's own ports: the cluster tests (another serialized
        // suite) may start loopback members at the same time, and free loopback ports picked by two suites can meet.
        let etcd = try EtcdCluster(inNamespaces: true)
        defer { etcd.stop() }
        try await etcd.waitUntilHealthy()
        var hosts: [GuestHost] = []
        defer {
            for host in hosts {
                host.stop()
            }
        }
        for _ in 0..<3 {
            hosts.append(try await GuestHost())
        }
        let name = "vigil-c1"
        var guests: [TestGuest] = []
        var nodes: [VigildProcess] = []
        defer {
            for node in nodes {
                node.stop()
            }
        }
        let prefix = EtcdCluster.testPrefix()
        for (index, host) in hosts.enumerated() {
            let guest = try await host.define(name, target: name, key: Self.key, start: false)
            guests.append(guest)
            let keyFile = try Self.keyFile(name, on: host)
            let config =
                etcd.clusterTable(node: index, leaseTTL: "3s", prefix: prefix)
                + Self.target(guest, host: host, keyFile: keyFile, extra: "cluster = true\nstop_timeout = \"1s\"")
            nodes.append(try VigildProcess(config: config))
        }
        let sampler = RunningListSampler(hosts: hosts, domain: name)
        defer { sampler.stop() }
        do {
            // One node claims the domain and boots it; its guest heartbeats.
            let owner = try await Self.firstClaimant(of: name, among: nodes)
            let claimed = try await nodes[owner].waitForEvent(.resourceClaimed, target: name)
            let firstToken = try #require(claimed.fields["VIGIL_FENCING_TOKEN"].flatMap { Int64($0) })
            try await nodes[owner].waitForEvent(.targetStarted, target: name, timeout: .seconds(120))
            try await Self.waitForHeartbeats(nodes[owner], name, timeout: .seconds(120))
            #expect(try await Self.state(of: name, host: hosts[owner]) == "running")

            // The owner host is lost: its vigild and its guest's QEMU SIGKILLed.
            let emulator = try Self.emulatorPID(guests[owner], host: hosts[owner])
            nodes[owner].killWithTargets()
            #expect(kill(emulator, SIGKILL) == 0)
            try await Self.waitForDeath(of: emulator)
            // QEMU is dead (a zombie until libvirtd reaps it): the guest cannot run on the first owner from here on.
            let killedAt = MonotonicClock.now()

            let (next, token) = try await Self.nextClaimant(of: name, among: nodes, except: owner)
            #expect(token > firstToken, "tokens did not increase: \(firstToken) then \(token)")
            try await nodes[next].waitForEvent(.targetStarted, target: name, timeout: .seconds(120))
            // Its guest heartbeats again, to the new owner's vigild.
            try await Self.waitForHeartbeats(nodes[next], name, timeout: .seconds(120))
            let servedAt = MonotonicClock.now()
            #expect(try await Self.state(of: name, host: hosts[next]) == "running")
            let started = try #require(sampler.firstRunning(on: next))
            print(
                "GuestClusterTests: node n\(owner + 1) killed → domain running on n\(next + 1) after "
                    + "\(Self.milliseconds(started - killedAt)) (token \(firstToken) → \(token)), its guest "
                    + "heartbeating there after \(Self.milliseconds(servedAt - killedAt)) (\(hosts[next].accelerator))"
            )
            // A second's more samples, then the check over all of them.
            try await Task.sleep(for: .seconds(1))
            sampler.stop()
            let report = try sampler.check(killed: (owner, killedAt))
            print("GuestClusterTests: \(report)")
            #expect(sampler.firstRunning(on: owner) != nil, "the first owner was never seen running its domain")
            #expect(sampler.firstRunning(on: next) != nil)
        } catch {
            let logs = nodes.enumerated().map { index, node in
                "--- n\(index + 1):\n" + node.lines.suffix(30).map(\.raw).joined(separator: "\n")
            }
            throw LibvirtdError(message: "\(error)\n\(logs.joined(separator: "\n"))\netcd: \(etcd.logTails())")
        }
    }

    /// The index of the node whose `resource-claimed` for `name` comes first.
    static func firstClaimant(of name: String, among nodes: [VigildProcess]) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let index = nodes.firstIndex(where: { !$0.events(.resourceClaimed, target: name).isEmpty }) {
                return index
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw LibvirtdError(message: "no node claimed \(name) within 60 s")
    }

    /// The node other than `except` that claims `name`, and the fencing token of its claim.
    static func nextClaimant(
        of name: String,
        among nodes: [VigildProcess],
        except: Int
    ) async throws -> (index: Int, token: Int64) {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            for (index, node) in nodes.enumerated() where index != except {
                if let claim = node.events(.resourceClaimed, target: name).first,
                    let token = claim.fields["VIGIL_FENCING_TOKEN"].flatMap({ Int64($0) })
                {
                    return (index, token)
                }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw LibvirtdError(message: "no other node claimed \(name) within 60 s")
    }

    /// Waits until process `pid` has died (a zombie or reaped).
    static func waitForDeath(of pid: Int32) async throws {
        let dead = try await Blocking.run {
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                    let close = stat.lastIndex(of: ")")
                else { return true }
                if stat[stat.index(close, offsetBy: 2)] == "Z" {
                    return true
                }
                usleep(5_000)
            }
            return false
        }
        guard dead else { throw LibvirtdError(message: "QEMU \(pid) did not die within 10 s of SIGKILL") }
    }

    static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.0f ms", Double(duration.nanoseconds) / 1e6)
    }
}

/// Samples, until stopped, which of the hosts' libvirtds list `domain` as running (`virsh list --name`, which lists
/// running and paused domains), one host after another, off the cooperative pool, each answer stamped with the
/// monotonic instants just before and after it was asked.
final class RunningListSampler: Sendable {
    struct Sample: Sendable {
        var host: Int
        var asked: MonotonicInstant
        var answered: MonotonicInstant
        var running: Bool
    }

    private let samples = Mutex<[Sample]>([])
    private let stopped = Atomic<Bool>(false)
    private let done = Mutex<Bool>(false)

    init(hosts: [GuestHost], domain: String) {
        let uris = hosts.map(\.uri)
        Thread { [self] in run(uris: uris, domain: domain) }.start()
    }

    private func run(uris: [String], domain: String) {
        while !stopped.load(ordering: .relaxed) {
            for (index, uri) in uris.enumerated() {
                let asked = MonotonicClock.now()
                let listed = try? ProcessProbe.run("/usr/bin/virsh", ["-c", uri, "list", "--name"])
                let answered = MonotonicClock.now()
                guard let listed, listed.status == 0 else { continue }
                let running = listed.out.split(separator: "\n").contains { $0 == domain }
                samples.withLock {
                    $0.append(Sample(host: index, asked: asked, answered: answered, running: running))
                }
            }
            usleep(250_000)
        }
        done.withLock { $0 = true }
    }

    /// Stops sampling and waits for the sampler's last round to end (at most a few seconds: one `virsh` per host).
    func stop() {
        stopped.store(true, ordering: .relaxed)
        let deadline = ContinuousClock.now + .seconds(30)
        while !done.withLock({ $0 }) && ContinuousClock.now < deadline {
            usleep(10_000)
        }
    }

    var all: [Sample] {
        samples.withLock { $0 }
    }

    static func text(_ duration: Duration) -> String {
        String(format: "%.0f ms", Double(duration.nanoseconds) / 1e6)
    }

    /// When `host` was first seen running the domain (the instant its answer came).
    func firstRunning(on host: Int) -> MonotonicInstant? {
        all.first { $0.host == host && $0.running }?.answered
    }

    /// The check, sound for the samples' timing: each host was seen running the domain over one unbroken stretch of
    /// samples; the killed owner's QEMU was dead from `killed` on (the test saw it die); and on exactly one other host
    /// the domain started after that: a sample asked after `killed` still saw it not running there, and every later
    /// one running. libvirt's own list on the killed host may lag behind its QEMU's death (libvirt takes a second or
    /// two to report it), so that lag is reported, not taken for a second instance.
    /// - Returns: what was compared, for the test's output.
    func check(killed: (host: Int, at: MonotonicInstant)) throws -> String {
        let samples = all
        var others: [Int] = []
        var lag = "none"
        for host in Set(samples.map(\.host)).sorted() {
            let mine = samples.filter { $0.host == host }
            guard let first = mine.firstIndex(where: \.running), let last = mine.lastIndex(where: \.running) else {
                // A host that never ran the domain is fine, but the killed owner must have been seen running it.
                if host == killed.host {
                    Issue.record("the killed owner (host \(host)) was never seen running the domain")
                }
                continue
            }
            let gaps = mine[first...last].filter { !$0.running }
            #expect(gaps.isEmpty, "host \(host) stopped and ran the domain again: \(gaps.count) gaps")
            if host == killed.host {
                #expect(mine[first].answered < killed.at, "the first owner ran the domain only after the kill")
                if mine[last].asked > killed.at {
                    lag = "libvirt listed it running there until \(Self.text(mine[last].asked - killed.at)) after"
                }
                continue
            }
            others.append(host)
            let before = mine[..<first].last
            #expect(
                before.map { $0.asked > killed.at } == true,
                "host \(host) was not seen without the domain after the kill before it ran it"
            )
        }
        #expect(others.count == 1, "the domain ran on \(others.count) hosts other than the killed owner's")
        let running = samples.filter(\.running).count
        return "checker: \(samples.count) samples of 3 libvirt running lists (\(running) running); the domain ran "
            + "on the killed owner, then on \(others.count) other host, never on two at once; killed host's lag: \(lag)"
    }
}
