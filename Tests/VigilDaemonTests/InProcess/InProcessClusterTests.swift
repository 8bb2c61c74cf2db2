import Foundation
import Testing
import VigilCore

@testable import VigilDaemon

/// Cluster mode seen from one engine: the cluster machinery exists only with `[cluster]`, and a cluster resource
/// never starts on a node that does not own it (here: etcd cannot be reached at all).
@Suite struct InProcessClusterTests {
    static let targets = """
        [[target]]
        name = "local"
        exec = ["/bin/true"]
        restart = { start_grace = "100ms" }

        [[target]]
        name = "db"
        exec = ["/bin/true"]
        stop_timeout = "500ms"
        cluster = true

        """

    @Test func aClusterResourceNeverStartsWhereItIsNotOwnedWhileOtherTargetsDoAndVigildIsReady() async throws {
        // Port 1 on loopback: nothing listens, so no lease can be had and nothing can be owned.
        let cluster = """
            [cluster]
            endpoints = ["127.0.0.1:1"]
            node = "a"
            lease_ttl = "2s"

            """
        let harness = try EngineHarness(config: cluster + Self.targets)
        defer { harness.removeDirectory() }
        harness.start()
        harness.advance(.milliseconds(200))
        #expect(harness.onQueue { $0.cluster != nil })
        #expect(harness.world.started["local"]?.count == 1)
        #expect(harness.world.started["db"] == nil, "a cluster resource started without being owned")
        #expect(!harness.events(.daemonReady).isEmpty, "vigild waits for no verdict of a resource it does not own")
        let refusal = harness.onQueue { $0.recovery.refusesManualStart(of: "db") }
        #expect(refusal?.contains("cluster resource this node does not own") == true)
        #expect(harness.onQueue { $0.recovery.fencingToken(of: "db") } == nil)
        await Self.stopCluster(of: harness)
    }

    @Test func aClusterResourceFoundRunningAfterARestartOfVigildIsStoppedUnlessOwned() async throws {
        let cluster = """
            [cluster]
            endpoints = ["127.0.0.1:1"]
            node = "a"
            lease_ttl = "2s"

            """
        let world = FakeWorld()
        // vigild was killed and restarted: both instances still run; the local one is kept, the cluster one (whose
        // ownership went with the old lease) is stopped, since another node may start it once that lease expires.
        world.leftovers = ["local": 501, "db": 502]
        let harness = try EngineHarness(config: cluster + Self.targets, world: world)
        defer { harness.removeDirectory() }
        harness.start()
        harness.advance(.milliseconds(200))
        #expect(world.log.contains("adopt local") && world.log.contains("adopt db"))
        #expect(world.log.contains("signal db SIGTERM"), "\(world.log)")
        #expect(world.running["db"] == nil && world.running["local"] == 501)
        #expect(!world.log.contains("signal local SIGTERM"))
        await Self.stopCluster(of: harness)
    }

    /// Stops the cluster service (nothing after `start()` throws, so every test gets here). `stop()` waits up to a
    /// second for the lease's revocation on a task of Swift's cooperative pool, so it is called from a Dispatch
    /// thread: two such tests calling it on the pool's two threads would freeze every test's awaits for that second.
    private static func stopCluster(of harness: EngineHarness) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                harness.onQueue { $0.cluster?.stop() }
                done.resume()
            }
        }
    }

    @Test func withoutAClusterTableNoClusterMachineryIsMade() throws {
        let harness = try EngineHarness(config: "[[target]]\nname = \"local\"\nexec = [\"/bin/true\"]\n")
        defer { harness.removeDirectory() }
        harness.start()
        harness.advance(.milliseconds(200))
        #expect(harness.onQueue { $0.cluster == nil })
        #expect(harness.world.started["local"]?.count == 1)
    }
}
