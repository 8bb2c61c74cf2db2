import Crypto
import VigilCore

/// The heartbeats of one guest's virtio-serial channel: the same packets, MAC and replay window as a datagram
/// listener's (`HeartbeatCodec`, `ReplayWindow`), but bound to one target. Only that guest can write into the
/// channel, so a packet naming any other target is dropped (`wrong-channel`) whatever its MAC: a compromised guest
/// cannot speak for another, even one whose key it stole.
///
/// A guest's counters live in its memory, which a snapshot revert (or a reset) sets back: `restart()` starts the
/// replay window afresh whenever the domain's memory was replaced, so the guest's next heartbeats count.
/// Not `Sendable` (its key is not): the engine queue owns it.
public struct ChannelHeartbeats {
    public let target: String
    private let key: SymmetricKey
    private var window = ReplayWindow()

    public init(target: String, key: [UInt8]) {
        self.target = target
        self.key = SymmetricKey(data: key)
    }

    /// The heartbeat in one line's bytes (`nil`: the line was not hex), or why it was dropped.
    public mutating func accept(_ bytes: [UInt8]?) -> Result<HeartbeatPacket, HeartbeatDropReason> {
        guard let bytes else { return .failure(.malformed) }
        if case .success(let frame) = HeartbeatFrame.parse(bytes), frame.packet.target != target {
            return .failure(.wrongChannel)
        }
        let decoded = HeartbeatCodec.decode(bytes) { $0 == target ? key : nil }
        guard case .success(let packet) = decoded else { return decoded }
        guard window.accept(incarnation: packet.incarnation, sequence: packet.sequence) else {
            return .failure(.replay)
        }
        return .success(packet)
    }

    /// The guest's memory was replaced (booted, reset, reverted): its counters may go back.
    public mutating func restart() {
        window = ReplayWindow()
    }
}
