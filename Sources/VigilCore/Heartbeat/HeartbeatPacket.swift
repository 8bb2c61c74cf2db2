/// One heartbeat as the wire carries it (format v1, see `docs/heartbeat-protocol.md`), once its MAC is verified.
public struct HeartbeatPacket: Sendable, Equatable {
    /// The target the heartbeat is for, as named in the configuration.
    public var target: String
    /// Chosen anew, larger than before, each time the sender starts; a larger incarnation resets replay tracking.
    public var incarnation: UInt64
    /// Counts packets within one incarnation.
    public var sequence: UInt64
    /// The sender's `CLOCK_REALTIME` in nanoseconds when it sent the packet. Informational only: hosts' clocks
    /// disagree, so vigild never judges freshness by it.
    public var senderTime: UInt64

    public init(target: String, incarnation: UInt64, sequence: UInt64, senderTime: UInt64) {
        self.target = target
        self.incarnation = incarnation
        self.sequence = sequence
        self.senderTime = senderTime
    }
}
