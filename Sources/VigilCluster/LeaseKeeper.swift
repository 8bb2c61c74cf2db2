import Dispatch
import EtcdAPI
import GRPCCore
import Synchronization
import VigilCore

/// Keeps one etcd lease alive on one keepalive stream, and says when the node can no longer rely on it.
///
/// Keepalives go every `ttl / 4` on one stream to the client's preferred member. When that stream breaks, the next
/// member gets one; when its oldest keepalive stays unanswered for `ttl / 4` (a member stopped or cut off, or
/// waiting for a new raft leader), the next member gets one beside it, and the first stream answered stays.
///
/// The deadline is `LeaseDeadline`'s: the TTL counted from the **send** time of the last acknowledged keepalive.
/// A Dispatch timer of the keeper's own fires at that deadline (less `margin`), whatever the network, etcd or
/// Swift's cooperative threads are doing; if no later keepalive was acknowledged by then, the keeper reports
/// `.lost` and stops. This is what self-fencing builds on: a node stops its resources when told `.lost`, which
/// is never after etcd can have expired the lease and the other nodes can have seen its keys go.
public final class LeaseKeeper: Sendable {
    public enum Event: Sendable, Equatable {
        /// A keepalive sent on `endpoint` was acknowledged; the lease holds at least until `deadline`.
        case renewed(deadline: MonotonicInstant, endpoint: EtcdEndpoint)
        /// The keepalive stream on `from` broke or stopped being answered; keepalives now go to `to` (beside
        /// `from` while it is only unanswered, until one of the two answers).
        case failedOver(from: EtcdEndpoint, to: EtcdEndpoint, reason: String)
        /// The lease can no longer be relied on (noticed at `at`); the keeper has stopped.
        case lost(LeaseDeadline.Loss, at: MonotonicInstant)
    }

    private struct State {
        var deadline: LeaseDeadline
        var running = true
        /// The open keepalive streams by number: the member each goes to, and its task.
        var streams: [Int: (member: Int, task: Task<Void, Never>)] = [:]
        var nextStream = 0
        /// Why streams ended since the supervisor last looked.
        var endReasons: [String] = []
    }

    public let lease: EtcdLease
    /// What happened to the lease, in order; finishes after `.lost` or `stop()`.
    public let events: AsyncStream<Event>
    /// The time to act before the lease can expire at etcd: `.lost` comes this much before the deadline.
    public let margin: Duration
    private let client: EtcdClient
    private let state: Mutex<State>
    private let continuation: AsyncStream<Event>.Continuation
    /// The deadline timer: one Dispatch timer source on a queue of its own, rescheduled at each deadline it meets.
    private let timer: Mutex<any DispatchSourceTimer>
    private let tasks = Mutex<[Task<Void, Never>]>([])

    /// Starts keeping `lease` alive.
    ///
    /// - Parameters:
    ///   - client: the client whose members the keepalives go to.
    ///   - lease: a lease `client.grantLease(ttl:)` granted.
    ///   - grantSentAt: when the grant was sent (`grantLease`'s `sentAt`): the first deadline counts from there.
    ///   - margin: how long before the deadline `.lost` is reported.
    public init(client: EtcdClient, lease: EtcdLease, grantSentAt: MonotonicInstant, margin: Duration = .zero) {
        self.client = client
        self.lease = lease
        self.margin = margin
        self.state = Mutex(State(deadline: LeaseDeadline(ttl: lease.ttl, grantSentAt: grantSentAt)))
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(256))
        let source = DispatchSource.makeTimerSource(flags: .strict, queue: DispatchQueue(label: "vigil.lease-keeper"))
        timer = Mutex(source)
        timer.withLock { $0.setEventHandler { @Sendable [weak self] in self?.checkDeadline() } }
        armTimer()
        timer.withLock { $0.activate() }
        let task = Task { [self] in await supervise() }
        tasks.withLock { $0.append(task) }
    }

    deinit {
        stop()
    }

    /// The instant after which the lease may be gone at etcd; nil once it is lost or the keeper stopped.
    public var deadline: MonotonicInstant? {
        state.withLock { $0.running ? $0.deadline.deadline : nil }
    }

    /// Stops sending keepalives without revoking: etcd expires the lease after its TTL.
    public func stop() {
        let wasRunning = state.withLock { state in
            defer { state.running = false }
            return state.running
        }
        guard wasRunning else {
            return
        }
        timer.withLock { $0.cancel() }
        cancelTasks()
        continuation.finish()
    }

    /// Waits until the keepalive tasks have ended (after `stop()` or `.lost`).
    public func finished() async {
        for task in tasks.withLock({ $0 }) {
            await task.value
        }
        while let stream = state.withLock({ $0.streams.first?.value.task }) {
            await stream.value
        }
    }

    // MARK: - The deadline timer

    /// Schedules the deadline timer at the current deadline less the margin. When it fires and a later keepalive
    /// moved the deadline meanwhile, it is scheduled again for the new one; otherwise the lease is lost.
    private func armTimer() {
        let now = MonotonicInstant.now()
        guard let deadline = state.withLock({ $0.running ? $0.deadline.deadline : nil }) else {
            return
        }
        let wait = max(.zero, deadline - margin - now)
        timer.withLock { timer in
            timer.schedule(deadline: .now() + .nanoseconds(Int(wait.nanoseconds)), leeway: .nanoseconds(0))
        }
    }

    private func checkDeadline() {
        let now = MonotonicInstant.now()
        let loss: LeaseDeadline.Loss? = state.withLock { state in
            guard state.running else {
                return nil
            }
            return state.deadline.expire(at: now, margin: margin)
        }
        if let loss {
            lose(loss, at: now)
        } else {
            armTimer()
        }
    }

    private func lose(_ loss: LeaseDeadline.Loss, at now: MonotonicInstant) {
        let wasRunning = state.withLock { state in
            defer { state.running = false }
            return state.running
        }
        guard wasRunning else {
            return
        }
        timer.withLock { $0.cancel() }
        continuation.yield(.lost(loss, at: now))
        continuation.finish()
        cancelTasks()
    }

    /// Cancels the supervisor and every keepalive stream.
    private func cancelTasks() {
        let streams = state.withLock { $0.streams.values.map(\.task) }
        for task in tasks.withLock({ $0 }) + streams {
            task.cancel()
        }
    }

    // MARK: - Keepalives

    private var isRunning: Bool {
        state.withLock { $0.running }
    }

    /// Keeps one keepalive stream open, and opens another on the next member when the open ones stop being
    /// answered or end. A stalled stream is not closed at once: a member waiting for a new raft leader answers as
    /// soon as there is one, and the first stream to be answered is the one that stays (the others are closed).
    private func supervise() async {
        let patience = lease.ttl / 4
        var lastOpened: (member: Int, at: MonotonicInstant)?
        var lastEnd = ""
        while isRunning, !Task.isCancelled {
            let now = MonotonicInstant.now()
            let (open, stalled, ended) = state.withLock { state in
                let ended = state.endReasons
                state.endReasons = []
                let stalled = state.streams.keys.allSatisfy { stream in
                    (state.deadline.oldestUnansweredAge(on: stream, at: now) ?? .zero) > patience
                }
                return (state.streams.map(\.value.member), stalled, ended)
            }
            lastEnd = ended.last ?? lastEnd
            let members = client.members.count
            var next: Int?
            if let last = lastOpened {
                if open.isEmpty, now - last.at >= .milliseconds(100) {
                    next = (last.member + 1) % members
                } else if !open.isEmpty, stalled, open.count < members {
                    next = (1..<members).map { (last.member + $0) % members }.first { !open.contains($0) }
                }
            } else {
                next = client.preferredMember
            }
            if let next {
                if let last = lastOpened {
                    let reason =
                        open.isEmpty ? lastEnd : "keepalive on \(client.members[last.member].endpoint) unanswered"
                    continuation.yield(
                        .failedOver(
                            from: client.members[last.member].endpoint,
                            to: client.members[next].endpoint,
                            reason: reason
                        )
                    )
                }
                openStream(on: next)
                lastOpened = (next, now)
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    private func openStream(on memberIndex: Int) {
        state.withLock { opening in
            let id = opening.nextStream
            opening.nextStream += 1
            let task = Task { [self] in
                let reason: String
                do {
                    try await keepAlive(stream: id, on: client.members[memberIndex])
                    reason = "keepalive stream on \(client.members[memberIndex].endpoint) ended"
                } catch {
                    reason = EtcdClient.reason(error)
                }
                state.withLock { state in
                    state.deadline.streamEnded(id)
                    state.streams[id] = nil
                    state.endReasons.append(reason)
                }
            }
            opening.streams[id] = (memberIndex, task)
        }
    }

    /// One keepalive stream: sends every `ttl / 4` and takes the acknowledgements, until it breaks or is cancelled.
    private func keepAlive(stream id: Int, on member: EtcdClient.Member) async throws {
        let interval = lease.ttl / 4
        let request = Etcdserverpb_LeaseKeepAliveRequest.with { $0.id = lease.id }
        let stream = StreamingClientRequest<Etcdserverpb_LeaseKeepAliveRequest> { [self] writer in
            while isRunning {
                state.withLock { $0.deadline.keepaliveSent(at: .now(), on: id) }
                try await writer.write(request)
                try await Task.sleep(for: interval)
            }
        }
        try await member.lease.leaseKeepAlive(request: stream, options: EtcdClient.streamOptions) { [self] response in
            for try await message in response.messages {
                acknowledged(ttl: .seconds(message.ttl), stream: id, on: member.endpoint)
            }
        }
        throw EtcdError(.streamEnded, "keepalive stream on \(member.endpoint) ended")
    }

    private func acknowledged(ttl: Duration, stream id: Int, on endpoint: EtcdEndpoint) {
        let now = MonotonicInstant.now()
        let (deadline, loss, others): (MonotonicInstant?, LeaseDeadline.Loss?, [Task<Void, Never>]) = state.withLock {
            state in
            guard state.running else {
                return (nil, nil, [])
            }
            state.deadline.keepaliveAcknowledged(on: id, grantedTTL: ttl, at: now)
            if case .lost(let loss) = state.deadline.state {
                return (nil, loss, [])
            }
            // The first stream answered is the one that stays.
            let others = state.streams.filter { $0.key != id }
            for stream in others.keys {
                state.streams[stream] = nil
                state.deadline.streamEnded(stream)
            }
            return (state.deadline.deadline, nil, others.map(\.value.task))
        }
        for task in others {
            task.cancel()
        }
        if let loss {
            lose(loss, at: now)
        } else if let deadline {
            continuation.yield(.renewed(deadline: deadline, endpoint: endpoint))
        }
    }
}
