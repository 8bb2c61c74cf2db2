#if canImport(Glibc)
import CLinux
import Glibc
#endif

/// Sends datagrams to a heartbeat endpoint from an unbound socket: what `vigilctl heartbeat` and tests use.
public final class HeartbeatSender: Sendable {
    public let endpoint: HeartbeatEndpoint
    private let fileDescriptor: Int32
    private let address: SocketAddress

    /// Opens a socket of the endpoint's family.
    /// - Parameter endpoint: Where to send; a UDP endpoint needs a port other than 0.
    /// - Throws: `SystemError` from `socket`, or `EINVAL` for port 0 or a hand-built endpoint with a bad address.
    public init(to endpoint: HeartbeatEndpoint) throws(SystemError) {
        guard let address = endpoint.socketAddress, address.port != 0 else {
            throw SystemError(call: "sendto", subject: endpoint.description, errno: EINVAL)
        }
        let flags = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        fileDescriptor = try valueOrErrno("socket", endpoint.description) { socket(address.family, flags, 0) }
        self.endpoint = endpoint
        self.address = address
    }

    deinit {
        close(fileDescriptor)
    }

    /// Sends `bytes` as one datagram.
    /// - Parameter bytes: The datagram.
    /// - Throws: `SystemError` from `sendto`, e.g. `ENOENT` or `ECONNREFUSED` when no one listens on a unix
    ///   socket. (UDP does not report a missing listener.)
    public func send(_ bytes: [UInt8]) throws(SystemError) {
        try valueOrErrno("sendto", endpoint.description) {
            bytes.withUnsafeBytes { buffer in
                address.withSockaddr { sendto(fileDescriptor, buffer.baseAddress, buffer.count, 0, $0, $1) }
            }
        }
    }
}
