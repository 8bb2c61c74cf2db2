/// TLS to etcd: `ca_file`, `cert_file`, `key_file` in `[cluster]`, or `https://` endpoints (then with the system's
/// trust roots unless `ca_file` is given).
public struct ClusterTLS: Sendable, Equatable {
    /// The CA the etcd members' server certificates must chain to (PEM); nil: the system's trust roots.
    public var caFile: String?
    /// The client certificate vigild presents (PEM), for etcd's `--client-cert-auth`; with `keyFile`.
    public var certFile: String?
    /// The client certificate's private key (PEM).
    public var keyFile: String?

    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
    }
}

/// The etcd user vigild authenticates as (`username`, with `password` or `password_file`).
public struct ClusterCredentials: Sendable, Equatable {
    /// Where the password is: in the configuration, or in a file of its own (read when vigild starts its cluster
    /// session; one line, a trailing newline ignored), which can be readable by root alone.
    public enum Password: Sendable, Equatable {
        case inline(String)
        case file(String)
    }

    public var username: String
    public var password: Password

    public init(username: String, password: Password) {
        self.username = username
        self.password = password
    }

    /// Whether `host` is this machine's loopback (127.0.0.0/8, ::1, localhost): traffic to it never leaves the
    /// host, so a password sent there without TLS cannot be read on a network.
    public static func isLoopback(host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" {
            return true
        }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
