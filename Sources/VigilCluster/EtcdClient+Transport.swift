import GRPCNIOTransportHTTP2Posix

#if canImport(Glibc)
import Glibc
#endif

extension EtcdClient {
    /// Plaintext, or TLS when `tls` is given or the endpoints are written `https://`: the server's certificate is
    /// verified against `tls.caFile` (or the system's trust roots) and the endpoint's host name or IP address, and
    /// the client certificate is presented when one is given.
    ///
    /// - Throws: `EtcdError` `invalidEndpoint` when the endpoints mix `http://`-or-bare with `https://` under no
    ///   TLS files, `tlsConfiguration` when a certificate is given without its key or the other way round.
    static func transportSecurity(endpoints: [EtcdEndpoint], tls: EtcdTLS?) throws -> Transport.TransportSecurity {
        let https = endpoints.filter(\.https)
        guard let tls = tls ?? (https.isEmpty ? nil : EtcdTLS()) else {
            return .plaintext
        }
        if tls == EtcdTLS(), https.count != endpoints.count {
            let plain = endpoints.filter { !$0.https }.map(\.description).joined(separator: ", ")
            throw EtcdError(.invalidEndpoint, "etcd endpoints mix https:// with plaintext ones (\(plain))")
        }
        guard (tls.certFile == nil) == (tls.keyFile == nil) else {
            throw EtcdError(.tlsConfiguration, "an etcd client certificate needs both its certificate and its key")
        }
        return .tls { config in
            if let caFile = tls.caFile {
                config.trustRoots = .certificates([.file(path: caFile, format: .pem)])
            }
            if let certFile = tls.certFile, let keyFile = tls.keyFile {
                config.certificateChain = [.file(path: certFile, format: .pem)]
                config.privateKey = .file(path: keyFile, format: .pem)
            }
            config.serverCertificateVerification = .fullVerification
        }
    }

    /// Where an endpoint's transport connects. An IP address is given as one, so that TLS checks it against the
    /// certificate's IP address SANs (an IP address may not be sent as a TLS server name); a host name is resolved
    /// and sent as the server name, and checked against the certificate's DNS names.
    static func target(_ endpoint: EtcdEndpoint) -> any ResolvableTarget {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, endpoint.host, &v4) == 1 {
            let target: ResolvableTargets.IPv4 = .ipv4(address: endpoint.host, port: endpoint.port)
            return target
        }
        if inet_pton(AF_INET6, endpoint.host, &v6) == 1 {
            let target: ResolvableTargets.IPv6 = .ipv6(address: endpoint.host, port: endpoint.port)
            return target
        }
        let target: ResolvableTargets.DNS = .dns(host: endpoint.host, port: endpoint.port)
        return target
    }
}
