import Dispatch
import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Heartbeats over a real network path: the sender runs in its own network namespace and reaches vigild over a
/// veth pair. This kernel is built without `sch_netem` (CONFIG_NET_SCH_NETEM is not set and modules cannot be
/// loaded), so delay, jitter and loss are applied on the path by a relay in this test instead of a qdisc.
@Suite(.serialized) struct HeartbeatNetworkTests {
    /// Forwards each datagram after 20 ms ± 10 ms (Gaussian), dropping 1 %.
    final class ImpairedRelay: @unchecked Sendable {
        let listener: DatagramListener
        let forward: HeartbeatSender
        let queue = DispatchQueue(label: "relay")
        var source: (any DispatchSourceRead)?
        var random = SplitMix64(seed: 7)
        var forwarded = 0
        var dropped = 0

        init(listenOn host: String, forwardTo port: UInt16) throws {
            listener = try DatagramListener(endpoint: .udp(host: host, port: 0))
            forward = try HeartbeatSender(to: .udp(host: "127.0.0.1", port: port))
            let source = DispatchSource.makeReadSource(fileDescriptor: listener.fileDescriptor, queue: queue)
            source.setEventHandler { @Sendable [unowned self] in self.drain() }
            source.activate()
            self.source = source
        }

        private func drain() {
            var buffer = [UInt8](repeating: 0, count: 2048)
            while let datagram = try? buffer.withUnsafeMutableBytes({ try listener.receive(into: $0) }) {
                guard random.nextUnit() >= 0.01 else {
                    dropped += 1
                    continue
                }
                // Box–Muller for the jitter.
                let u1 = max(random.nextUnit(), 1e-12)
                let u2 = random.nextUnit()
                let normal = (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
                let delay = max(0, 0.020 + 0.010 * normal)
                let bytes = Array(buffer[0..<datagram.count])
                forwarded += 1
                queue.asyncAfter(deadline: .now() + delay) { @Sendable [forward] in
                    try? forward.send(bytes)
                }
            }
        }

        func stop() {
            queue.sync { source?.cancel() }
        }
    }

    @Test func senderInAnotherNamespaceOverAnImpairedLinkIsTrustedUntilItHangsThenConvictedWithinItsBound()
        async throws
    {
        let network = try NetworkNamespace()
        defer { network.remove() }
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keyFile = directory + "/net.key"
        try (HeartbeatKey.generate() + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile, 0o600)
        // vigild's listening port, found by binding and letting go.
        let probe = try DatagramListener(endpoint: .udp(host: "127.0.0.1", port: 0))
        let port = try #require(probe.port)
        _ = consume probe
        let relay = try ImpairedRelay(listenOn: network.hostAddress, forwardTo: port)
        defer { relay.stop() }
        let relayPort = try #require(relay.listener.port)
        let sender = network.exec([
            VigildProcess.siblingExecutable("vigilctl"), "heartbeat", "--target", "net", "--key-file", keyFile,
            "--interval", "100ms", "--to", "udp://\(network.hostAddress):\(relayPort)",
        ])
        let vigild = try VigildProcess(
            config: """
                [daemon]
                runtime_dir = "\(directory)/run"
                heartbeat_listen = ["udp://127.0.0.1:\(port)"]

                [[target]]
                name = "net"
                exec = [\(sender.map { "\"\($0)\"" }.joined(separator: ", "))]
                restart = { backoff = "1s..1s", start_grace = "200ms" }
                heartbeat = { interval = "100ms", detector = "phi", key_file = "\(keyFile)" }
                """
        )
        let pid = try #require(try await vigild.waitForEvent(.targetStarted, target: "net").pid)
        try await vigild.waitForEvent(.daemonReady)
        try await Task.sleep(for: .seconds(8))
        #expect(vigild.events(.targetFaulted).isEmpty, "no conviction of a live sender over the impaired link")
        #expect(relay.queue.sync { relay.forwarded } > 50, "heartbeats crossed the veth and the relay")

        var hungAt = timespec()
        clock_gettime(CLOCK_MONOTONIC, &hungAt)
        #expect(kill(pid, SIGSTOP) == 0)
        let faulted = try await vigild.waitForEvent(.targetFaulted, target: "net")
        let convictedAt = try #require(faulted.fields["VIGIL_MONOTONIC_USEC"].flatMap(Int64.init))
        let detection = Double(convictedAt - (Int64(hungAt.tv_sec) * 1_000_000 + Int64(hungAt.tv_nsec) / 1_000)) / 1e6
        // Bound: the mean inter-arrival plus phi's default one-interval pause, plus φ = 8 standard deviations of
        // 20 ms jitter and the relay's delay: well under a second.
        #expect(detection > 0 && detection < 1.0, "detection took \(detection) s")
    }
}
