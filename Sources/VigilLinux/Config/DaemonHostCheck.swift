import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Checks `[daemon]` settings that parse but may not work on this host now, for the loader's warnings: an address
/// to listen on that this host does not have (a typo, another host's address, a floating address not up yet) makes
/// vigild's bind fail, and a textfile in a missing directory is never written.
enum DaemonHostCheck {
    /// Why a UDP heartbeat listener cannot be bound here, or `nil` when it can (and for unix endpoints, whose
    /// directories vigild creates).
    static func problem(_ endpoint: HeartbeatEndpoint) -> String? {
        guard case .udp(let host, _) = endpoint else { return nil }
        return addressProblem(host, type: SOCK_DGRAM, what: "receive heartbeats")
    }

    /// Why `metrics_listen` cannot be bound here, or `nil` when it can.
    static func problem(metricsListen text: String) -> String? {
        guard let address = try? MetricsListenAddress(parsing: text) else { return nil }
        return addressProblem(address.host, type: SOCK_STREAM, what: "serve metrics")
    }

    /// Why `metrics_textfile` cannot be written, or `nil` when its directory exists.
    static func problem(metricsTextfile path: String) -> String? {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        guard !directory.isEmpty, !DirectoryEntries.isDirectory(directory) else { return nil }
        return "the directory \"\(directory)\" does not exist: the metrics textfile cannot be written until it does"
    }

    /// Binds a socket to `host` on an ephemeral port (so a running vigild's own socket on the configured port is no
    /// obstacle) and closes it again.
    private static func addressProblem(_ host: String, type: __socket_type, what: String) -> String? {
        guard let address = SocketAddress(host: host, port: 0) else { return nil }
        let fd = socket(address.family, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard address.withSockaddr({ bind(fd, $0, $1) }) != 0 else { return nil }
        return "\(host) is not an address of this host now (bind: \(String(cString: strerror(errno)))): vigild cannot "
            + "\(what) there until it is"
    }
}
