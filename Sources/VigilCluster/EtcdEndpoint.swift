/// One etcd member's client address, `host:port`, and whether it was written `https://`.
public struct EtcdEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// Written `https://`: the member speaks TLS on this address (the client then uses TLS for every member).
    public var https: Bool

    public init(host: String, port: Int, https: Bool = false) {
        self.host = host
        self.port = port
        self.https = https
    }

    /// Parses `host:port`, `http://host:port`, `https://host:port` or `[v6]:port`, as `--endpoints` lists are
    /// written.
    ///
    /// - Throws: `EtcdError` with code `invalidEndpoint` when there is no port or it is not a TCP port.
    public init(parsing text: String) throws {
        var rest = Substring(text)
        var https = false
        if rest.hasPrefix("http://") {
            rest = rest.dropFirst("http://".count)
        } else if rest.hasPrefix("https://") {
            rest = rest.dropFirst("https://".count)
            https = true
        }
        while rest.hasSuffix("/") {
            rest = rest.dropLast()
        }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
            (1...65_535).contains(port)
        else {
            throw EtcdError(.invalidEndpoint, "etcd endpoint '\(text)': expected host:port")
        }
        var host = rest[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
        }
        guard !host.isEmpty else {
            throw EtcdError(.invalidEndpoint, "etcd endpoint '\(text)': no host")
        }
        self.init(host: String(host), port: port, https: https)
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
