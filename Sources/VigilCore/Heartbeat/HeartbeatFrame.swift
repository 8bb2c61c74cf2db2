/// The framing of heartbeat format v1 without the cryptography: where the fields are, what makes a packet
/// well-formed, and the bytes the MAC covers. `docs/heartbeat-protocol.md` is the specification.
///
/// ```
/// magic "VGHB" | version u8 = 1 | flags u8 = 0 | name length u16 | incarnation u64 | sequence u64 |
/// sender time u64 | target name (UTF-8) | HMAC-SHA256 over every byte before it (32 bytes)
/// ```
/// Integers are big-endian. Checking the MAC is `HeartbeatCodec`'s job (in `VigilLinux`, which has the crypto).
public struct HeartbeatFrame: Sendable, Equatable {
    /// The fields, not yet authenticated.
    public var packet: HeartbeatPacket
    /// The bytes the MAC covers: header and name.
    public var signedRange: Range<Int>
    /// Where the 32-byte MAC is.
    public var macRange: Range<Int>

    public static let magic: [UInt8] = Array("VGHB".utf8)
    public static let version: UInt8 = 1
    /// Everything before the name: 4 + 1 + 1 + 2 + 3 × 8 bytes.
    public static let headerSize = 32
    public static let macSize = 32
    public static let maximumNameLength = 64
    /// A packet with a one-byte name.
    public static let minimumSize = headerSize + 1 + macSize
    /// A packet with a 64-byte name. Anything longer is dropped before its header is read.
    public static let maximumSize = headerSize + maximumNameLength + macSize

    /// Splits a datagram into its fields, or says why it is not a well-formed v1 packet.
    ///
    /// The checks run in the order the protocol document lists, cheapest first, so a flood of junk costs a few
    /// comparisons per datagram: longer than 128 bytes → `oversized`; shorter than the 8 bytes that hold the name
    /// length → `truncated`; wrong magic, version or flags, or a name length outside 1...64 → `malformed`; shorter
    /// or longer than the declared length → `truncated` or `oversized`; a name that is not UTF-8 → `malformed`.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<HeartbeatFrame, HeartbeatDropReason> {
        guard bytes.count <= maximumSize else { return .failure(.oversized) }
        guard bytes.count >= 8 else { return .failure(.truncated) }
        guard bytes[0] == magic[0], bytes[1] == magic[1], bytes[2] == magic[2], bytes[3] == magic[3],
            bytes[4] == version, bytes[5] == 0
        else {
            return .failure(.malformed)
        }
        let nameLength = Int(bytes[6]) << 8 | Int(bytes[7])
        guard nameLength >= 1, nameLength <= maximumNameLength else { return .failure(.malformed) }
        let signedCount = headerSize + nameLength
        let total = signedCount + macSize
        guard bytes.count >= total else { return .failure(.truncated) }
        guard bytes.count == total else { return .failure(.oversized) }
        guard let target = String(validating: bytes[headerSize..<signedCount], as: UTF8.self) else {
            return .failure(.malformed)
        }
        let packet = HeartbeatPacket(
            target: target,
            incarnation: readUInt64(bytes, at: 8),
            sequence: readUInt64(bytes, at: 16),
            senderTime: readUInt64(bytes, at: 24)
        )
        return .success(HeartbeatFrame(packet: packet, signedRange: 0..<signedCount, macRange: signedCount..<total))
    }

    /// `parse` for bytes in an array.
    public static func parse(_ bytes: [UInt8]) -> Result<HeartbeatFrame, HeartbeatDropReason> {
        bytes.withUnsafeBytes { parse($0) }
    }

    /// The bytes a sender signs: header and name, everything but the MAC.
    ///
    /// - Parameter packet: Its target must satisfy `isValidTarget` (a programming error otherwise: senders
    ///   check the name once, when they start).
    public static func body(_ packet: HeartbeatPacket) -> [UInt8] {
        let name = Array(packet.target.utf8)
        precondition(isValidTarget(packet.target), "heartbeat target name must be 1...64 bytes of UTF-8")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headerSize + name.count + macSize)
        bytes += magic
        bytes.append(version)
        bytes.append(0)
        bytes.append(UInt8(name.count >> 8))
        bytes.append(UInt8(name.count & 0xFF))
        for value in [packet.incarnation, packet.sequence, packet.senderTime] {
            withUnsafeBytes(of: value.bigEndian) { bytes += $0 }
        }
        bytes += name
        return bytes
    }

    /// Whether `name` fits in a packet: 1 to 64 bytes of UTF-8.
    public static func isValidTarget(_ name: String) -> Bool {
        (1...maximumNameLength).contains(name.utf8.count)
    }

    private static func readUInt64(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
