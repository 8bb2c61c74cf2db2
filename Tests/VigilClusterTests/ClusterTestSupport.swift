import Foundation
import Synchronization
import Testing
import VigilCluster
import VigilCore
import VigilLinux
import VigilTestSupport

/// Every test against a real etcd cluster, one at a time: each starts its own three members, and leader elections
/// on two shared cores must not race each other.
@Suite(.serialized) enum EtcdClusterTests {}

/// Starts a three-member etcd cluster (on loopback, or in network namespaces), waits for a leader, runs `body`, and
/// stops the members this test started (by pidfd) and removes their directory and namespaces whether `body` passed
/// or threw.
func withEtcdCluster(inNamespaces: Bool = false, _ body: (EtcdCluster) async throws -> Void) async throws {
    let cluster = try EtcdCluster(inNamespaces: inNamespaces)
    defer { cluster.stop() }
    try await cluster.waitUntilHealthy()
    do {
        try await body(cluster)
    } catch {
        throw EtcdClusterError("\(error)\netcd logs:\n\(cluster.logTails())")
    }
}

/// Runs `body` with a client of `endpoints` and closes it afterwards, also when `body` throws.
func withEtcdClient<Result>(
    _ endpoints: [EtcdEndpoint],
    requestTimeout: Duration = .seconds(1),
    _ body: (EtcdClient) async throws -> Result
) async throws -> Result {
    let client = try EtcdClient(endpoints: endpoints, requestTimeout: requestTimeout)
    do {
        let result = try await body(client)
        await client.close()
        return result
    } catch {
        await client.close()
        throw error
    }
}

/// Everything a stream delivered, each with the monotonic instant it arrived, taken by one task from the start.
final class Recorder<Element: Sendable>: Sendable {
    private final class Log: Sendable {
        let mutex = Mutex<(events: [(at: MonotonicInstant, element: Element)], ended: String?)>(([], nil))

        func withLock<Result>(
            _ body: (inout (events: [(at: MonotonicInstant, element: Element)], ended: String?)) -> Result
        ) -> Result {
            mutex.withLock { body(&$0) }
        }
    }

    private let log = Log()
    private let task: Task<Void, Never>

    init<Stream: AsyncSequence & Sendable>(_ stream: Stream) where Stream.Element == Element {
        let log = self.log
        task = Task {
            do {
                for try await element in stream {
                    let now = monotonicNow()
                    log.withLock { $0.events.append((now, element)) }
                }
                log.withLock { $0.ended = "ended" }
            } catch {
                log.withLock { $0.ended = "\(error)" }
            }
        }
    }

    var events: [(at: MonotonicInstant, element: Element)] {
        log.withLock { $0.events }
    }

    /// How the stream ended (`ended`, or its error), nil while it runs.
    var ended: String? {
        log.withLock { $0.ended }
    }

    /// The first recorded element that `matches`, waiting up to `timeout` for it.
    func first(
        within timeout: Duration,
        where matches: (Element) -> Bool
    ) async throws -> (at: MonotonicInstant, element: Element)? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let found = events.first(where: { matches($0.element) }) {
                return found
            }
            if ContinuousClock.now >= deadline {
                return nil
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func cancel() async {
        task.cancel()
        await task.value
    }
}

/// The current `CLOCK_MONOTONIC` instant, the clock the lease keeper's deadlines are on.
func monotonicNow() -> MonotonicInstant {
    MonotonicClock.now()
}

extension Duration {
    /// Milliseconds with one decimal, for the measured figures the tests print.
    var milliseconds: String {
        String(format: "%.1f ms", Double(nanoseconds) / 1e6)
    }
}

/// Stops every node's vigild this test started (and, through it, the node's resources).
func stopNodes(_ nodes: [ClusterNode]) {
    for node in nodes {
        node.vigild.stop()
    }
}

/// The last `count` lines each node's vigild printed, one block per node, for a failing test's message.
func nodeLogs(_ nodes: [ClusterNode], last count: Int) -> String {
    nodes.map { node in
        "--- \(node.name):\n" + node.vigild.lines.suffix(count).map(\.raw).joined(separator: "\n")
    }
    .joined(separator: "\n")
}
