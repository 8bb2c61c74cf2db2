#if canImport(Glibc)
import CLinux
import Glibc
#endif

/// Where heartbeats are sent and received: `udp://0.0.0.0:7600`, `udp://[::]:7600`, `udp://192.0.2.1:7600` or
/// `unix:/run/vigil/heartbeat.sock`.
///
/// Hosts are IP address literals, not names: a listener binds an address, and a sender that resolved a name
/// at every start could silently follow a changed DNS record to the wrong host.
public enum HeartbeatEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// `host` is an IPv4 or IPv6 literal, without brackets.
    case udp(host: String, port: UInt16)
    /// An absolute path of a unix datagram socket.
    case unix(path: String)

    /// vigild's default: a unix socket in its runtime directory.
    public static let defaultLocal = HeartbeatEndpoint.unix(path: "/run/vigil/heartbeat.sock")

    /// Parses an address as written in the configuration or on the command line.
    /// - Parameter text: `udp://HOST:PORT` (IPv6 in brackets: `udp://[::1]:7600`) or `unix:/absolute/path`.
    /// - Throws: `HeartbeatEndpointError` naming `text` and what is wrong with it.
    public init(parsing text: String) throws(HeartbeatEndpointError) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst("unix:".count))
            guard path.hasPrefix("/") else {
                throw HeartbeatEndpointError(code: .badPath, text: text, message: "expected an absolute path")
            }
            let capacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
            guard path.utf8.count < capacity else {
                throw HeartbeatEndpointError(
                    code: .badPath,
                    text: text,
                    message: "path is longer than the \(capacity - 1) bytes a unix socket address holds"
                )
            }
            self = .unix(path: path)
            return
        }
        guard text.hasPrefix("udp://") else {
            throw HeartbeatEndpointError(
                code: .unknownScheme,
                text: text,
                message: "expected udp://HOST:PORT, udp://[IPV6]:PORT or unix:/PATH"
            )
        }
        let (host, portText) = try Self.splitHostPort(String(text.dropFirst("udp://".count)), text: text)
        guard SocketAddress(host: host, port: 0) != nil else {
            throw HeartbeatEndpointError(
                code: .badHost,
                text: text,
                message: "\"\(host)\" is not an IPv4 or IPv6 address (names are not resolved)"
            )
        }
        guard !portText.isEmpty, portText.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let port = UInt16(portText)
        else {
            throw HeartbeatEndpointError(code: .badPort, text: text, message: "port must be a number in 0...65535")
        }
        self = .udp(host: host, port: port)
    }

    /// `HOST:PORT` or `[HOST]:PORT` split in two, brackets removed.
    private static func splitHostPort(
        _ rest: String,
        text: String
    ) throws(HeartbeatEndpointError) -> (String, Substring) {
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].hasPrefix(":") else {
                throw HeartbeatEndpointError(code: .badHost, text: text, message: "expected [IPV6]:PORT")
            }
            let host = String(rest[rest.index(after: rest.startIndex)..<close])
            return (host, rest[rest.index(close, offsetBy: 2)...])
        }
        guard let colon = rest.lastIndex(of: ":") else {
            throw HeartbeatEndpointError(code: .badPort, text: text, message: "missing :PORT")
        }
        let host = String(rest[..<colon])
        guard !host.contains(":") else {
            throw HeartbeatEndpointError(
                code: .badHost,
                text: text,
                message: "write IPv6 addresses in brackets, e.g. udp://[::1]:7600"
            )
        }
        return (host, rest[rest.index(after: colon)...])
    }

    /// The address as it would be written: `udp://[::1]:7600`, `unix:/run/vigil/heartbeat.sock`.
    public var description: String {
        switch self {
        case .udp(let host, let port):
            host.contains(":") ? "udp://[\(host)]:\(port)" : "udp://\(host):\(port)"
        case .unix(let path):
            "unix:\(path)"
        }
    }

    /// The socket address to bind or send to; `nil` only for a case built by hand with a bad host or path
    /// (parsing checks both).
    var socketAddress: SocketAddress? {
        switch self {
        case .udp(let host, let port): SocketAddress(host: host, port: port)
        case .unix(let path): SocketAddress(unixPath: path)
        }
    }
}
