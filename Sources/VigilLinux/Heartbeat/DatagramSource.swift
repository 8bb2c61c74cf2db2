#if canImport(Glibc)
import Glibc
#endif

/// Who sent a datagram: an IP address and port, or the process behind a unix socket (the kernel's credentials,
/// which a sender cannot forge). A plain value, so receiving allocates nothing; text is made only when needed.
public enum DatagramSource: Sendable, Hashable, CustomStringConvertible {
    /// `address` in network byte order, as in `in_addr`.
    case ipv4(address: UInt32, port: UInt16)
    /// The 16 address bytes as two big-endian halves. IPv4-mapped addresses (`::ffff:a.b.c.d`, how a dual-stack
    /// socket shows IPv4 senders) are `ipv4` instead, so one sender has one source whichever way it came.
    case ipv6(high: UInt64, low: UInt64, port: UInt16)
    case unix(pid: Int32, uid: UInt32)
    /// A unix sender whose credentials did not arrive (not expected on Linux), or an unknown family.
    case unknown

    /// The key a rate limiter should count this source under: the address without the port (a sender can pick
    /// any port, and several targets may share a host), or the pid of a local sender.
    public var rateKey: String {
        switch self {
        case .ipv4(let address, _): Self.text(ipv4: address)
        case .ipv6(let high, let low, _): Self.text(ipv6High: high, low: low)
        case .unix(let pid, _): "pid \(pid)"
        case .unknown: "unknown"
        }
    }

    /// `udp:192.0.2.7:40123`, `udp:[2001:db8::1]:40123`, `unix:pid=812,uid=1000`.
    public var description: String {
        switch self {
        case .ipv4(let address, let port): "udp:\(Self.text(ipv4: address)):\(port)"
        case .ipv6(let high, let low, let port): "udp:[\(Self.text(ipv6High: high, low: low))]:\(port)"
        case .unix(let pid, let uid): "unix:pid=\(pid),uid=\(uid)"
        case .unknown: "unknown"
        }
    }

    /// The source in a filled-in address from `recvmsg`.
    init(_ address: SocketAddress) {
        self = withUnsafeBytes(of: address.storage) { bytes in
            switch address.family {
            case AF_INET:
                let v4 = bytes.load(as: sockaddr_in.self)
                return .ipv4(address: v4.sin_addr.s_addr, port: UInt16(bigEndian: v4.sin_port))
            case AF_INET6:
                let v6 = bytes.load(as: sockaddr_in6.self)
                let port = UInt16(bigEndian: v6.sin6_port)
                let (high, low) = withUnsafeBytes(of: v6.sin6_addr) {
                    (
                        UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                        UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                    )
                }
                if high == 0, low >> 32 == 0xFFFF {
                    return .ipv4(address: UInt32(truncatingIfNeeded: low).bigEndian, port: port)
                }
                return .ipv6(high: high, low: low, port: port)
            default:
                return .unknown
            }
        }
    }

    private static func text(ipv4 address: UInt32) -> String {
        withUnsafeBytes(of: in_addr(s_addr: address)) { format(family: AF_INET, $0) }
    }

    private static func text(ipv6High high: UInt64, low: UInt64) -> String {
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { bytes in
            bytes.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
            bytes.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
        }
        return withUnsafeBytes(of: raw) { format(family: AF_INET6, $0) }
    }

    /// `address` holds an `in_addr` or `in6_addr`.
    private static func format(family: Int32, _ address: UnsafeRawBufferPointer) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(family, address.baseAddress, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
