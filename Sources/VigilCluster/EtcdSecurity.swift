/// How the client proves etcd is etcd, and itself to etcd: TLS with a CA and an optional client certificate.
///
/// The files are read when the client is made (`EtcdClient.init`), so a missing or unreadable file is an error
/// there, not on the first request. Replacing them on disk takes effect at the next restart of the client.
public struct EtcdTLS: Sendable, Equatable {
    /// The CA (PEM) the members' server certificates must chain to; nil for the system's trust roots.
    public var caFile: String?
    /// The client certificate (PEM) presented to members that ask for one (etcd's `--client-cert-auth`).
    public var certFile: String?
    /// The client certificate's private key (PEM).
    public var keyFile: String?

    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
    }
}

/// An etcd user and its password, for etcd's own authentication (`etcdctl auth enable`).
///
/// The client authenticates before its first request and sends the token etcd returns as the `token` metadata of
/// every call; when etcd no longer knows a token (it expired, `--auth-token-ttl`, or the member restarted), the
/// client authenticates again and repeats the request once. Without TLS the password crosses the network in clear.
public struct EtcdCredentials: Sendable, Equatable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}
