/// Rejects heartbeats that were already accepted, for one target: an attacker on the path can record an
/// authentic packet and send it again, and the MAC alone cannot tell.
///
/// It remembers the sender's current incarnation, the highest sequence seen in it, and which of the 64 sequences
/// up to and including the highest have arrived (the sliding bitmap of IPsec's and WireGuard's anti-replay
/// windows), so packets that UDP reorders within 64 of each other are still accepted once each.
///
/// Call `accept` only after the packet's MAC has verified. Otherwise anyone could send a forged packet with a huge
/// incarnation or sequence: it would move the window forward, and every authentic packet after it would then be
/// rejected as old — a denial of service that needs no key.
public struct ReplayWindow: Sendable, Equatable {
    /// How many sequences behind the highest are still accepted (once).
    public static let width: UInt64 = 64

    /// The incarnation being tracked; `nil` until the first packet.
    public private(set) var incarnation: UInt64?
    /// The highest sequence accepted in `incarnation`.
    public private(set) var highest: UInt64 = 0
    /// Bit `i` is set when sequence `highest - i` has been accepted.
    private var seen: UInt64 = 0

    public init() {}

    /// Whether an authenticated packet is new, recording it when it is.
    ///
    /// An older incarnation is rejected: it is a sender that has since restarted, or a recording of one. A newer
    /// incarnation is a restarted sender: the window starts again from its sequence. Within the current
    /// incarnation, a sequence that is 64 or more behind the highest, or was already accepted, is a replay.
    /// - Parameters:
    ///   - incarnation: The packet's incarnation.
    ///   - sequence: The packet's sequence number.
    /// - Returns: `true` when the packet is accepted (and recorded), `false` for a replay.
    public mutating func accept(incarnation: UInt64, sequence: UInt64) -> Bool {
        if let current = self.incarnation, incarnation <= current {
            if incarnation < current {
                return false
            }
            return acceptInCurrentIncarnation(sequence)
        }
        self.incarnation = incarnation
        highest = sequence
        seen = 1
        return true
    }

    private mutating func acceptInCurrentIncarnation(_ sequence: UInt64) -> Bool {
        if sequence > highest {
            let shift = sequence - highest
            seen = shift >= Self.width ? 1 : (seen << shift) | 1
            highest = sequence
            return true
        }
        let behind = highest - sequence
        guard behind < Self.width else { return false }
        let bit: UInt64 = 1 << behind
        guard seen & bit == 0 else { return false }
        seen |= bit
        return true
    }
}
