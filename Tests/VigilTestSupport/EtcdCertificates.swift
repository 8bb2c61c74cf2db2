import Foundation
import VigilCluster

/// A CA, a server certificate for etcd's members and a client certificate, made with `openssl` for one test, plus
/// a second CA that signed none of them (a client trusting it must refuse the members).
///
/// Keys are EC P-256 (fast to make), valid one day. The server certificate names every member address as an IP
/// address SAN, and is also good for client authentication (etcd's gateway dials its own port with it).
public struct EtcdCertificates: Sendable {
    public let directory: String
    public let caFile: String
    public let serverCertFile: String
    public let serverKeyFile: String
    public let clientCertFile: String
    public let clientKeyFile: String
    /// A CA that signed nothing of this set.
    public let otherCAFile: String

    /// The client's side: this set's CA and client certificate.
    public var clientTLS: EtcdTLS {
        EtcdTLS(caFile: caFile, certFile: clientCertFile, keyFile: clientKeyFile)
    }

    /// Makes the certificates in `directory` (which must exist) with `/usr/bin/openssl`.
    ///
    /// - Parameter addresses: the IP addresses the members listen on (the server certificate's SANs).
    /// - Throws: `EtcdClusterError` with openssl's message when a step fails.
    public init(in directory: String, addresses: [String]) throws {
        self.directory = directory
        caFile = directory + "/ca.pem"
        serverCertFile = directory + "/server.pem"
        serverKeyFile = directory + "/server.key"
        clientCertFile = directory + "/client.pem"
        clientKeyFile = directory + "/client.key"
        otherCAFile = directory + "/other-ca.pem"
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        for (name, subject) in [("ca", "vigil-test-ca"), ("other-ca", "vigil-test-other-ca")] {
            try Self.openssl(
                ["req", "-x509"] + key
                    + ["-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).pem", "-days", "1"]
                    + ["-subj", "/CN=\(subject)"]
            )
        }
        let sans = Set(addresses + ["127.0.0.1"]).sorted().map { "IP:\($0)" }.joined(separator: ",")
        let leaves = [
            ("server", "etcd", "subjectAltName=\(sans)\nextendedKeyUsage=serverAuth,clientAuth\n"),
            ("client", "root", "extendedKeyUsage=clientAuth\n"),
        ]
        for (name, subject, extensions) in leaves {
            try extensions.write(toFile: "\(directory)/\(name).ext", atomically: true, encoding: .utf8)
            try Self.openssl(
                ["req"] + key
                    + ["-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).csr"]
                    + ["-subj", "/CN=\(subject)"]
            )
            try Self.openssl([
                "x509", "-req", "-in", "\(directory)/\(name).csr", "-CA", caFile, "-CAkey", "\(directory)/ca.key",
                "-CAcreateserial", "-out", "\(directory)/\(name).pem", "-days", "1",
                "-extfile", "\(directory)/\(name).ext",
            ])
        }
    }

    private static func openssl(_ arguments: [String]) throws {
        let result = try ProcessProbe.run("/usr/bin/openssl", arguments)
        guard result.status == 0 else {
            throw EtcdClusterError("openssl \(arguments.joined(separator: " ")): \(result.err)")
        }
    }
}
