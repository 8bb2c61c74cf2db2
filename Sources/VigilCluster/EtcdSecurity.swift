import VigilCore

/// How the client proves etcd is etcd, and itself to etcd: TLS with a CA and an optional client certificate, as
/// `[cluster]` gives it (`ca_file`, `cert_file`, `key_file`).
///
/// The files are read when the client is made (`EtcdClient.init`), so a missing or unreadable file is an error
/// there, not on the first request. Replacing them on disk takes effect at the next restart of the client.
public typealias EtcdTLS = ClusterTLS

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
