#if canImport(Glibc)
import Glibc
#endif

/// Whether a UDP heartbeat listener's address is one this host has now. An address that is not (a typo, another
/// host's address, a floating address not up yet) parses, but vigild's bind would fail and every target that sends
/// there would be convicted by silence: the loader warns of it.
enum HeartbeatListenCheck {
    /// Binds a UDP socket to the endpoint's host on an ephemeral port (so a running vigild's own socket on the
    /// configured port is no obstacle) and closes it again.
    /// - Returns: why the address cannot be bound, or `nil` when it can (and for unix endpoints, whose directories
    ///   vigild creates).
    static func problem(_ endpoint: HeartbeatEndpoint) -> String? {
        guard case .udp(let host, _) = endpoint, let address = SocketAddress(host: host, port: 0) else { return nil }
        let fd = socket(address.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard address.withSockaddr({ bind(fd, $0, $1) }) != 0 else { return nil }
        return "\(host) is not an address of this host now (bind: \(String(cString: strerror(errno)))): vigild cannot "
            + "receive heartbeats there until it is"
    }
}
