import Foundation
import Testing
import VigilCluster
import VigilCore
import VigilLinux
import VigilTestSupport

extension EtcdClusterTests {
    /// Real vigild nodes against etcd members that speak TLS only, require a client certificate, and have etcd's
    /// authentication on (the `root` user).
    @Suite struct ClusterSecurityNodeTests {
        @Test func aNodeJoinsOverTLSWithAPasswordFileClaimsItsResourceAndKeepsItsLease() async throws {
            try await withSecuredEtcdCluster(tls: true) { cluster in
                let password = "pw-\(UUID())"
                try await Blocking.run { try cluster.enableAuthentication(rootPassword: password) }
                let certificates = try #require(cluster.certificates)
                let passwordFile = certificates.directory + "/etcd.password"
                try (password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
                let prefix = "/vigil-test-\(UUID().uuidString.prefix(8))/"
                let vigild = try VigildProcess(
                    config: securedNodeConfig(
                        cluster,
                        prefix: prefix,
                        credentials: "username = \"root\"\npassword_file = \"\(passwordFile)\""
                    )
                )
                defer { vigild.stop() }
                try await vigild.waitForEvent(.clusterJoined, timeout: .seconds(30))
                let claimed = try await vigild.waitForEvent(.resourceClaimed, target: "res", timeout: .seconds(30))
                let token = try #require(claimed.fields["VIGIL_FENCING_TOKEN"].flatMap { Int64($0) })
                try await vigild.waitForEvent(.targetStarted, target: "res")

                // What vigild wrote is in etcd: its node key and the owner key with the token, read by a client of
                // our own through the same TLS and authentication.
                let client = try cluster.makeClient(cluster.endpoints)
                let owner = try #require(try await client.get(prefix + "owners/res"))
                #expect(owner.value == "n1" && owner.createRevision == token)
                #expect(try await client.get(prefix + "nodes/n1") != nil)
                await client.close()

                // Four TTLs later the node still holds its lease and its resource: keepalives and reads go through.
                try await Task.sleep(for: .seconds(8))
                #expect(vigild.events(.selfFenced).isEmpty, "the node fenced itself")
                #expect(
                    vigild.events(.etcdUnreachable).isEmpty,
                    "etcd was unreachable: \(vigild.events(.etcdUnreachable))"
                )
                #expect(vigild.events(.resourceClaimed).count == 1 && vigild.events(.targetStopping).isEmpty)
                let status = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status)).status?
                    .cluster
                #expect(status?.etcdReachable == true && status?.lease != nil)
                #expect(status?.resources.first?.fencingToken == token)
            }
        }

        @Test func aNodeWithAWrongPasswordOrAnotherCASaysSoAndClaimsNothing() async throws {
            try await withSecuredEtcdCluster(tls: true) { cluster in
                try await Blocking.run { try cluster.enableAuthentication(rootPassword: "pw-\(UUID())") }
                let certificates = try #require(cluster.certificates)
                let cases: [(what: String, credentials: String, caFile: String, expected: String)] = [
                    (
                        "wrong password", "username = \"root\"\npassword = \"wrong\"", certificates.caFile,
                        "invalid user ID or password"
                    ),
                    (
                        "another CA", "username = \"root\"\npassword = \"wrong\"", certificates.otherCAFile,
                        "CERTIFICATE_VERIFY_FAILED"
                    ),
                ]
                for (what, credentials, caFile, expected) in cases {
                    let vigild = try VigildProcess(
                        config: securedNodeConfig(
                            cluster,
                            prefix: "/vigil-test-\(UUID().uuidString.prefix(8))/",
                            credentials: credentials,
                            caFile: caFile
                        )
                    )
                    defer { vigild.stop() }
                    let unreachable = try await vigild.waitForEvent(.etcdUnreachable, timeout: .seconds(30))
                    let reason = unreachable.fields["VIGIL_REASON"] ?? ""
                    print("ClusterSecurityNodeTests: \(what): \(reason)")
                    #expect(reason.contains(expected), "\(what): \(reason)")
                    #expect(vigild.events(.clusterJoined).isEmpty && vigild.events(.resourceClaimed).isEmpty, "\(what)")
                    #expect(vigild.events(.targetStarted, target: "res").isEmpty, "\(what): started unowned")
                }
            }
        }
    }
}

/// A node `n1` of the TLS cluster with one cluster resource (`sleep`), lease TTL 2 s.
func securedNodeConfig(_ cluster: EtcdCluster, prefix: String, credentials: String, caFile: String? = nil) -> String {
    let certificates = cluster.certificates
    let endpoints = cluster.endpoints.map { "\"https://\($0)\"" }.joined(separator: ", ")
    return """
        [cluster]
        endpoints = [\(endpoints)]
        node = "n1"
        lease_ttl = "2s"
        prefix = "\(prefix)"
        ca_file = "\(caFile ?? certificates?.caFile ?? "")"
        cert_file = "\(certificates?.clientCertFile ?? "")"
        key_file = "\(certificates?.clientKeyFile ?? "")"
        \(credentials)

        [[target]]
        name = "res"
        exec = ["/bin/sleep", "1000"]
        stop_timeout = "500ms"
        cluster = true
        """
}
