import Crypto
// For the `DataProtocol` conformance of `UnsafeRawBufferPointer` and `[UInt8]`, which HMAC's API takes.
import FoundationEssentials
import VigilCore

/// Turns heartbeats into authenticated datagrams (format v1) and back.
///
/// `HeartbeatFrame` does the framing; this adds HMAC-SHA256. Decoding is the hot path of the listener: it
/// allocates only the target's name, and a valid packet costs two SHA-256 passes over at most 100 bytes.
public enum HeartbeatCodec {
    /// The datagram for `packet`, signed with `key`.
    ///
    /// - Parameters:
    ///   - packet: Its target must be 1 to 64 bytes of UTF-8 (`HeartbeatFrame.isValidTarget`).
    ///   - key: The target's key.
    public static func encode(_ packet: HeartbeatPacket, key: SymmetricKey) -> [UInt8] {
        var bytes = HeartbeatFrame.body(packet)
        let mac = HMAC<SHA256>.authenticationCode(for: bytes, using: key)
        mac.withUnsafeBytes { bytes += $0 }
        return bytes
    }

    /// The heartbeat in `bytes`, or why it was dropped.
    ///
    /// Framing is checked first, because it is cheap and junk is the common attack; then the key is looked up
    /// (`unknown-target`: naming a target is no secret, and there is nothing to check the MAC with); then the MAC is
    /// compared in constant time, so a forger learns nothing from how long the answer takes. Replays are not
    /// checked here: that needs per-target state (`ReplayWindow`), updated only after this has succeeded.
    /// - Parameters:
    ///   - bytes: One whole datagram.
    ///   - key: The key of a target, or `nil` when the target has none.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer,
        key: (String) -> SymmetricKey?
    ) -> Result<HeartbeatPacket, HeartbeatDropReason> {
        let frame: HeartbeatFrame
        switch HeartbeatFrame.parse(bytes) {
        case .success(let parsed): frame = parsed
        case .failure(let reason): return .failure(reason)
        }
        guard let key = key(frame.packet.target) else {
            return .failure(.unknownTarget)
        }
        let signed = UnsafeRawBufferPointer(rebasing: bytes[frame.signedRange])
        let mac = UnsafeRawBufferPointer(rebasing: bytes[frame.macRange])
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: key) else {
            return .failure(.badMAC)
        }
        return .success(frame.packet)
    }

    /// `decode` for bytes in an array.
    public static func decode(
        _ bytes: [UInt8],
        key: (String) -> SymmetricKey?
    ) -> Result<HeartbeatPacket, HeartbeatDropReason> {
        bytes.withUnsafeBytes { decode($0, key: key) }
    }
}
