/// Where the metrics HTTP server listens: an IP literal and a TCP port, written `127.0.0.1:9701` or
/// `[::1]:9701` (brackets around IPv6, as in a URL).
///
/// Only literals: a host name would make the listening address depend on name resolution at start-up.
public struct MetricsListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// The port Vigil's metrics listen on unless configured otherwise.
    public static let defaultPort: UInt16 = 9701
    /// Loopback only by default: metrics name every target, which is not for the whole network to read.
    public static let `default` = MetricsListenAddress(host: "127.0.0.1", port: defaultPort)

    /// The IP literal, without brackets.
    public var host: String
    /// The TCP port; 0 lets the kernel choose (for tests).
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` or `[HOST]:PORT`. Whether `HOST` is a valid IP literal is checked when binding.
    /// - Parameter text: The address as written in the configuration.
    /// - Throws: `MetricsListenAddress.ParseError` saying what is wrong with `text`.
    public init(parsing text: String) throws(ParseError) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[close...].hasPrefix("]:") else {
                throw ParseError(text: text, reason: "an IPv6 address is written [ADDRESS]:PORT")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ParseError(text: text, reason: "expected HOST:PORT, e.g. 127.0.0.1:9701")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") {
                throw ParseError(text: text, reason: "put an IPv6 address in brackets: [ADDRESS]:PORT")
            }
        }
        guard !hostPart.isEmpty else {
            throw ParseError(text: text, reason: "the host is empty (use 0.0.0.0 or [::] for every address)")
        }
        guard let port = UInt16(portPart) else {
            throw ParseError(text: text, reason: "the port must be a number from 0 to 65535")
        }
        self.init(host: String(hostPart), port: port)
    }

    /// `HOST:PORT`, with brackets around an IPv6 host.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// A listen address that could not be read.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The text as given.
        public var text: String
        /// What is wrong and how it should look.
        public var reason: String

        public var description: String { "metrics listen address \"\(text)\": \(reason)" }
    }
}
