/// An etcd operation that failed, with what a person needs to act on it.
public struct EtcdError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// An endpoint that is not `host:port`.
        public static let invalidEndpoint = Code("invalid-endpoint")
        /// No endpoint answered (every member down, unreachable, stopped, or without a leader).
        public static let unavailable = Code("unavailable")
        /// etcd answered with an error that trying another member does not cure.
        public static let rejected = Code("rejected")
        /// etcd cancelled a watch (compaction past its start revision, or the member lost its leader).
        public static let watchCancelled = Code("watch-cancelled")
        /// A keepalive stream ended or stopped being answered.
        public static let streamEnded = Code("stream-ended")
        /// The TLS files cannot be used (missing, unreadable, not PEM, a key that does not match its certificate).
        public static let tlsConfiguration = Code("tls-configuration")
        /// etcd refused the user name or password, or the user lacks the permission a request needs.
        public static let authenticationFailed = Code("authentication-failed")

        public var description: String {
            name
        }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String {
        "\(message) (\(code))"
    }
}
