import CLinux
import Crypto
import Dispatch
import Logging
import VigilCore
import VigilLinux

/// Receives authenticated heartbeats on every configured listener and hands each accepted one to the engine.
///
/// Per datagram, cheapest check first: the rate limit (by source address or sending process, and globally), so a
/// flood cannot make vigild spend HMACs; the framing and the target's key and MAC (`HeartbeatCodec`); then the
/// target's replay window, updated only for packets whose MAC verified. Drops are counted by reason. Confined to
/// the engine queue.
final class HeartbeatIngress {
    private let queue: DispatchQueue
    private var listeners: [DatagramListener] = []
    private var sources: [any DispatchSourceRead] = []
    private var keys: [String: SymmetricKey]
    private var windows: [String: ReplayWindow] = [:]
    private var limiter = RateLimiter()
    private var buffer = [UInt8](repeating: 0, count: 2048)
    private let deliver: (String, HeartbeatPacket, MonotonicInstant) -> Void
    private let report: ([HeartbeatDropReason: Int]) -> Void
    /// Drops since the last report; reported at most every `reportInterval`, so a flood cannot flood the journal.
    private var unreported: [HeartbeatDropReason: Int] = [:]
    private var lastReport: MonotonicInstant?
    static let reportInterval = Duration.seconds(5)
    /// Datagrams dropped, by reason.
    private(set) var dropped: [HeartbeatDropReason: Int] = [:]
    /// Heartbeats accepted.
    private(set) var accepted = 0

    /// Binds every endpoint. On failure nothing stays bound.
    /// - Parameters:
    ///   - onHeartbeat: called on `queue` with the target, the packet and when it was read.
    ///   - onDrops: called on `queue` with the drops by reason since the previous call, at most every 5 s.
    /// - Throws: `SystemError` from the first endpoint that cannot be bound.
    init(
        endpoints: [HeartbeatEndpoint],
        keys: [String: SymmetricKey],
        queue: DispatchQueue,
        onHeartbeat: @escaping (String, HeartbeatPacket, MonotonicInstant) -> Void,
        onDrops: @escaping ([HeartbeatDropReason: Int]) -> Void
    ) throws(SystemError) {
        self.queue = queue
        self.keys = keys
        self.deliver = onHeartbeat
        self.report = onDrops
        do {
            for endpoint in endpoints {
                listeners.append(try DatagramListener(endpoint: endpoint))
            }
        } catch {
            listeners = []
            throw error
        }
    }

    /// Starts the read sources; `ingress` is this object, boxed for the `@Sendable` handlers.
    func activate(_ ingress: QueueConfined<HeartbeatIngress?>) {
        for listener in listeners {
            let source = DispatchSource.makeReadSource(fileDescriptor: listener.fileDescriptor, queue: queue)
            source.setEventHandler { @Sendable in
                ingress.value?.drain()
            }
            // The listener closes its socket when released: keep it until the source has let go of the descriptor.
            source.setCancelHandler { @Sendable in
                withExtendedLifetime(listener) {}
            }
            source.activate()
            sources.append(source)
        }
    }

    /// New keys after a reload; the replay windows of targets that keep their key stay.
    func update(keys: [String: SymmetricKey]) {
        self.keys = keys
        windows = windows.filter { keys[$0.key] != nil }
    }

    /// Reads every listener until it is empty.
    func drain() {
        dispatchPrecondition(condition: .onQueue(queue))
        for listener in listeners {
            while true {
                let received: ReceivedDatagram?
                do {
                    received = try buffer.withUnsafeMutableBytes { bytes throws(SystemError) in
                        try listener.receive(into: bytes)
                    }
                } catch {
                    break
                }
                guard let received else { break }
                handle(received)
            }
        }
        let now = MonotonicClock.now()
        if !unreported.isEmpty, lastReport.map({ now - $0 >= Self.reportInterval }) ?? true {
            report(unreported)
            unreported = [:]
            lastReport = now
        }
    }

    private func drop(_ reason: HeartbeatDropReason) {
        dropped[reason, default: 0] += 1
        unreported[reason, default: 0] += 1
    }

    private func handle(_ datagram: ReceivedDatagram) {
        let now = MonotonicClock.now()
        guard limiter.allow(source: datagram.source.rateKey, now: now) else {
            drop(.rateLimited)
            return
        }
        if datagram.isTruncated {
            drop(.oversized)
            return
        }
        let decoded = buffer.withUnsafeBytes { bytes in
            HeartbeatCodec.decode(UnsafeRawBufferPointer(rebasing: bytes[0..<datagram.count])) { self.keys[$0] }
        }
        switch decoded {
        case .failure(let reason):
            drop(reason)
        case .success(let packet):
            guard
                windows[packet.target, default: ReplayWindow()].accept(
                    incarnation: packet.incarnation,
                    sequence: packet.sequence
                )
            else {
                drop(.replay)
                return
            }
            accepted += 1
            deliver(packet.target, packet, now)
        }
    }

    /// Stops receiving; each socket closes once its source is cancelled.
    func close() {
        for source in sources {
            source.cancel()
        }
        sources = []
        listeners = []
    }
}
