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
    /// How the relay loses and delays datagrams.
    struct Impairment {
        /// Independent loss probability.
        var loss = 0.0
        /// Gilbert–Elliott: P(good → bad), P(bad → good) per datagram; everything is lost while bad.
        var burst: (enterBad: Double, leaveBad: Double)?
        /// Delay spikes: probability, least and most extra seconds.
        var spikes: (probability: Double, minimum: Double, maximum: Double)?

        /// The relay's random stream. Its draws depend only on how many datagrams pass, so a seed fixes the link's
        /// realisation: the bursty one's was picked (by replaying the draws) to be typical of its parameters over
        /// ~1800 datagrams: about 27 lost in 9 bursts, the longest 7, and 6 spikes.
        var seed: UInt64 = 7

        static let independent = Impairment(loss: 0.01)
        /// The issue's relay: 1.4 % lost on average in bursts of 2.9, and 0.2 % of datagrams 100–400 ms late.
        static let bursty = Impairment(burst: (0.005, 0.35), spikes: (0.002, 0.1, 0.4), seed: 29)
    }

    /// Forwards each datagram after 20 ms ± 10 ms (Gaussian), losing and delaying as `impairment` says.
    final class ImpairedRelay: @unchecked Sendable {
        let listener: DatagramListener
        let forward: HeartbeatSender
        let queue = DispatchQueue(label: "relay")
        let impairment: Impairment
        var source: (any DispatchSourceRead)?
        var random: SplitMix64
        var bad = false
        var forwarded = 0
        var dropped = 0
        var longestBurst = 0
        private var burst = 0

        init(listenOn host: String, forwardTo port: UInt16, impairment: Impairment = .independent) throws {
            self.impairment = impairment
            random = SplitMix64(seed: impairment.seed)
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
                var lost = random.nextUnit() < impairment.loss
                if let (enterBad, leaveBad) = impairment.burst {
                    bad = bad ? random.nextUnit() >= leaveBad : random.nextUnit() < enterBad
                    lost = lost || bad
                }
                guard !lost else {
                    dropped += 1
                    burst += 1
                    longestBurst = max(longestBurst, burst)
                    continue
                }
                burst = 0
                // Box–Muller for the jitter.
                let u1 = max(random.nextUnit(), 1e-12)
                let u2 = random.nextUnit()
                let normal = (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
                var delay = max(0, 0.020 + 0.010 * normal)
                if let spikes = impairment.spikes, random.nextUnit() < spikes.probability {
                    delay += spikes.minimum + (spikes.maximum - spikes.minimum) * random.nextUnit()
                }
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

    /// Three minutes of the issue's bursty link with the defaults (a `key_file`, no detector settings): under φ's 57
    /// false convictions an hour on such a link (bench/RESULTS.md, "Heartbeat detectors under bursty loss") three
    /// minutes would pass without one only 6 % of the time; the default for keyed heartbeats (the loss detector
    /// configured by quality of service: within 2 s, one false conviction a week) allows none. Then a hang must still
    /// be convicted within the default bound of 2 s (plus the relay's delay).
    @Test func aTargetWithDefaultDetectionBehindABurstyLinkIsNeverFalselyConvictedAndAHangIsConvictedWithinTheBound()
        async throws
    {
        let network = try NetworkNamespace()
        defer { network.remove() }
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keyFile = directory + "/net.key"
        try (HeartbeatKey.generate() + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile, 0o600)
        let probe = try DatagramListener(endpoint: .udp(host: "127.0.0.1", port: 0))
        let port = try #require(probe.port)
        _ = consume probe
        let relay = try ImpairedRelay(listenOn: network.hostAddress, forwardTo: port, impairment: .bursty)
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
                heartbeat = { interval = "100ms", key_file = "\(keyFile)" }
                """
        )
        let pid = try #require(try await vigild.waitForEvent(.targetStarted, target: "net").pid)
        try await vigild.waitForEvent(.daemonReady)
        try await Task.sleep(for: .seconds(180))
        #expect(vigild.events(.targetFaulted).isEmpty, "no false conviction in three minutes of bursty loss")
        let (forwarded, dropped, longest) = relay.queue.sync { (relay.forwarded, relay.dropped, relay.longestBurst) }
        #expect(forwarded > 1_500, "heartbeats crossed the relay: \(forwarded)")
        #expect(dropped >= 15 && longest >= 5, "the link lost heartbeats in bursts: \(dropped), longest \(longest)")

        var hungAt = timespec()
        clock_gettime(CLOCK_MONOTONIC, &hungAt)
        #expect(kill(pid, SIGSTOP) == 0)
        let faulted = try await vigild.waitForEvent(.targetFaulted, target: "net")
        #expect(faulted.fields["VIGIL_DETECTOR"] == "loss", "the default for a keyed heartbeat")
        let convictedAt = try #require(faulted.fields["VIGIL_MONOTONIC_USEC"].flatMap(Int64.init))
        let detection = Double(convictedAt - (Int64(hungAt.tv_sec) * 1_000_000 + Int64(hungAt.tv_nsec) / 1_000)) / 1e6
        // The bound is the silence after the last heartbeat received; that heartbeat was sent before the hang and
        // crossed the relay's 20 ± 10 ms (rarely 400 ms more), so detection from the hang is within 2 s plus that.
        #expect(detection > 0 && detection < 2.5, "detection took \(detection) s")
        // The figures bench/RESULTS.md quotes.
        let unmet = vigild.events(.heartbeatQoSUnmet).map(\.message)
        print(
            "bursty relay: forwarded \(forwarded), dropped \(dropped), longest burst \(longest); detection \(detection) s; "
                + "qos events: \(unmet)"
        )
    }
}
