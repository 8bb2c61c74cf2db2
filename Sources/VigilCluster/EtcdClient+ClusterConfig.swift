import Foundation
import VigilCore

extension EtcdClient {
    /// The client of a vigild node: the `[cluster]` table's endpoints, TLS and credentials.
    ///
    /// A `password_file` is read here, once: its first line is the password (a trailing newline is not part of it).
    ///
    /// - Throws: `EtcdError`: `invalidEndpoint` for an endpoint that is not `host:port`, `tlsConfiguration` when a
    ///   TLS file cannot be used, `authenticationFailed` when the password file cannot be read or is empty.
    public convenience init(cluster: ClusterConfig, requestTimeout: Duration = .seconds(1)) throws {
        var credentials: EtcdCredentials?
        if let user = cluster.credentials {
            credentials = EtcdCredentials(username: user.username, password: try EtcdClient.password(user.password))
        }
        try self.init(
            endpoints: try cluster.endpoints.map(EtcdEndpoint.init(parsing:)),
            tls: cluster.tls,
            credentials: credentials,
            requestTimeout: requestTimeout
        )
    }

    static func password(_ password: ClusterCredentials.Password) throws -> String {
        switch password {
        case .inline(let text):
            return text
        case .file(let path):
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw EtcdError(.authenticationFailed, "cannot read the etcd password_file \(path): \(error)")
            }
            let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            guard !line.isEmpty else {
                throw EtcdError(.authenticationFailed, "the etcd password_file \(path) is empty")
            }
            return String(line)
        }
    }
}
