/// A heartbeat address that cannot be used, e.g. `udp://::1:7600` (IPv6 needs brackets).
public struct HeartbeatEndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, for code that reacts to it; `message` is for people.
    public enum Code: String, Sendable, Equatable {
        /// Neither `udp://` nor `unix:`.
        case unknownScheme = "unknown-scheme"
        /// The host is not an IPv4 or bracketed IPv6 address.
        case badHost = "bad-host"
        /// The port is missing or not a number in 0...65535.
        case badPort = "bad-port"
        /// The unix socket path is not absolute, or too long for `sockaddr_un`.
        case badPath = "bad-path"
    }

    public var code: Code
    /// The address as written.
    public var text: String
    /// What is wrong and what is expected.
    public var message: String

    public init(code: Code, text: String, message: String) {
        self.code = code
        self.text = text
        self.message = message
    }

    /// `"text": message`.
    public var description: String {
        "\"\(text)\": \(message)"
    }
}
