/// How long this node may still rely on its etcd lease, kept by the node's own clock.
///
/// etcd starts a lease's new TTL when its leader handles a keepalive, which is after the client sent it. So the
/// lease lives at least until `ttl` after the **send** time of the last keepalive etcd acknowledged: that instant
/// is the deadline. Counting from when an answer (or a blocking call) came back instead overestimates the lease by
/// the whole round trip, and a node partitioned away would act as owner after the other side had seen its keys
/// deleted (measured on issue 14: 1.9 s too late, against 1.2–2.5 s early with this rule).
///
/// Keepalives travel on a stream and etcd answers them in order, so an acknowledgement belongs to the oldest
/// keepalive still unanswered on that stream. A stream that breaks takes its unanswered keepalives with it:
/// `streamEnded(_:)` forgets them, and only a later keepalive can move the deadline again. Streams are told apart by
/// a number the caller chooses: while one member does not answer (stopped, or waiting for a new raft leader), a
/// second stream to another member may be open beside it.
///
/// A value type with the time passed in; `LeaseKeeper` in `VigilCluster` carries it out with a real clock and
/// a timer of its own that fires at `deadline` whatever the network does.
public struct LeaseDeadline: Sendable, Equatable {
    /// Why the lease can no longer be relied on.
    public enum Loss: Sendable, Equatable {
        /// No keepalive sent early enough was acknowledged: the lease may have expired at etcd.
        case deadlinePassed(MonotonicInstant)
        /// etcd answered a keepalive with TTL 0: the lease is gone (expired or revoked).
        case expiredAtEtcd
    }

    public enum State: Sendable, Equatable {
        /// The lease is alive at least until `until`; `inFlight` are the send times of the keepalives not yet
        /// answered, per stream, oldest first.
        case held(until: MonotonicInstant, inFlight: [Int: [MonotonicInstant]])
        case lost(Loss)
    }

    /// The TTL etcd granted.
    public let ttl: Duration
    public private(set) var state: State

    /// - Parameters:
    ///   - ttl: the TTL etcd granted (the `TTL` of its answer to `LeaseGrant`, which may exceed the one asked).
    ///   - grantSentAt: when the `LeaseGrant` request was sent; the lease cannot have started earlier.
    public init(ttl: Duration, grantSentAt: MonotonicInstant) {
        self.ttl = ttl
        self.state = .held(until: grantSentAt + ttl, inFlight: [:])
    }

    /// The instant after which the lease may be gone at etcd, or nil once it is lost.
    public var deadline: MonotonicInstant? {
        if case .held(let until, _) = state {
            return until
        }
        return nil
    }

    /// A keepalive was sent at `instant` on `stream`.
    public mutating func keepaliveSent(at instant: MonotonicInstant, on stream: Int) {
        guard case .held(let until, var inFlight) = state else {
            return
        }
        inFlight[stream, default: []].append(instant)
        state = .held(until: until, inFlight: inFlight)
    }

    /// etcd answered the oldest unanswered keepalive of `stream` with `grantedTTL` (0: the lease is gone). Checks
    /// the deadline first: an answer that arrives after the deadline passed does not revive a lease this node has
    /// already given up.
    public mutating func keepaliveAcknowledged(on stream: Int, grantedTTL: Duration, at now: MonotonicInstant) {
        expire(at: now)
        guard case .held(let until, var inFlight) = state, var sent = inFlight[stream], !sent.isEmpty else {
            return
        }
        let sentAt = sent.removeFirst()
        inFlight[stream] = sent
        if grantedTTL <= .zero {
            state = .lost(.expiredAtEtcd)
            return
        }
        state = .held(until: max(until, sentAt + grantedTTL), inFlight: inFlight)
    }

    /// `stream` ended (broken, timed out, replaced): its unanswered keepalives never count.
    public mutating func streamEnded(_ stream: Int) {
        if case .held(let until, var inFlight) = state {
            inFlight[stream] = nil
            state = .held(until: until, inFlight: inFlight)
        }
    }

    /// Marks the lease lost if `now` is at or past the deadline less `margin` (the time the caller needs to act
    /// before the lease can expire elsewhere). Returns the loss, if any.
    @discardableResult
    public mutating func expire(at now: MonotonicInstant, margin: Duration = .zero) -> Loss? {
        switch state {
        case .held(let until, _):
            if now >= until - margin {
                state = .lost(.deadlinePassed(until))
                return .deadlinePassed(until)
            }
            return nil
        case .lost(let loss):
            return loss
        }
    }

    /// How old the oldest unanswered keepalive on `stream` is at `now`: a stream whose answers stop coming (a
    /// member stopped, cut off, or waiting for a new leader) needs another beside it when this grows past the
    /// caller's patience.
    public func oldestUnansweredAge(on stream: Int, at now: MonotonicInstant) -> Duration? {
        guard case .held(_, let inFlight) = state, let oldest = inFlight[stream]?.first else {
            return nil
        }
        return now - oldest
    }
}
