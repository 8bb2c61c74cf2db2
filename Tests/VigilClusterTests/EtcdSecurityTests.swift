import Foundation
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilCluster

extension EtcdClusterTests {
    /// The etcd client against real members that speak TLS only and require a client certificate (certificates made
    /// with openssl for the test), and against members with etcd's authentication on.
    @Suite struct EtcdSecurityTests {
        @Test func aClientWithTheClusterCAAndItsCertificateWorksOverTLSAndKeepsALease() async throws {
            try await withSecuredEtcdCluster(tls: true) { cluster in
                let certificates = try #require(cluster.certificates)
                let allHTTPS = cluster.endpoints.allSatisfy { $0.https }
                #expect(allHTTPS, "the members' client URLs are https")
                let client = try EtcdClient(endpoints: cluster.endpoints, tls: certificates.clientTLS)
                defer { Task { await client.close() } }
                let revision = try await client.put("/vigil/tls/a", value: "over TLS")
                let read = try #require(try await client.get("/vigil/tls/a"))
                #expect(read.value == "over TLS" && read.modRevision == revision)

                let watch = Recorder(client.watch(prefix: "/vigil/tls/"))
                let created = try await watch.first(within: .seconds(5)) {
                    if case .created = $0 { true } else { false }
                }
                #expect(created != nil, "the watch was not created: \(watch.ended ?? "no answer")")
                try await client.put("/vigil/tls/b", value: "seen")
                let seen = try await watch.first(within: .seconds(5)) {
                    if case .put(let kv) = $0 { kv.key == "/vigil/tls/b" } else { false }
                }
                #expect(seen != nil, "the watch did not see the put: \(watch.ended ?? "still running")")

                let (lease, sentAt) = try await client.grantLease(ttl: .seconds(2))
                let keeper = LeaseKeeper(client: client, lease: lease, grantSentAt: sentAt)
                let events = Recorder(keeper.events)
                try await client.put("/vigil/tls/node", value: "alive", lease: lease)
                // Three TTLs: only keepalives acknowledged over the TLS stream keep the key.
                try await Task.sleep(for: .seconds(6))
                #expect(try await client.get("/vigil/tls/node")?.lease == lease.id)
                #expect(!events.events.contains { if case .lost = $0.element { true } else { false } })
                #expect(events.events.contains { if case .renewed = $0.element { true } else { false } })
                keeper.stop()
                await keeper.finished()
                await events.cancel()
                await watch.cancel()
            }
        }

        @Test func aClientTrustingAnotherCAOrWithoutACertificateIsRefusedAndSaysWhy() async throws {
            try await withSecuredEtcdCluster(tls: true) { cluster in
                let certificates = try #require(cluster.certificates)
                let wrongCA = EtcdTLS(
                    caFile: certificates.otherCAFile,
                    certFile: certificates.clientCertFile,
                    keyFile: certificates.clientKeyFile
                )
                let attempts: [(String, EtcdTLS?, String)] = [
                    ("a CA that did not sign the members' certificates", wrongCA, "CERTIFICATE_VERIFY_FAILED"),
                    ("no client certificate", EtcdTLS(caFile: certificates.caFile), "ALERT_BAD_CERTIFICATE"),
                ]
                for (what, tls, mentions) in attempts {
                    let client = try EtcdClient(
                        endpoints: cluster.endpoints,
                        tls: tls,
                        requestTimeout: .seconds(2)
                    )
                    let error = await #expect(throws: EtcdError.self, "\(what)") {
                        try await client.put("/vigil/tls/refused", value: "x")
                    }
                    print("EtcdSecurityTests: \(what): \(error.map(\.description) ?? "no error")")
                    #expect(error?.code == .unavailable, "\(what)")
                    #expect(error?.message.contains(mentions) == true, "\(what): \(error?.message ?? "")")
                    await client.close()
                }
                // Nothing was written by the refused clients.
                let client = try cluster.makeClient(cluster.endpoints)
                #expect(try await client.get("/vigil/tls/refused") == nil)
                await client.close()

                let missing = #expect(throws: EtcdError.self) {
                    try EtcdClient(
                        endpoints: cluster.endpoints,
                        tls: EtcdTLS(caFile: certificates.directory + "/no-such-ca.pem")
                    )
                }
                #expect(missing?.code == .tlsConfiguration)
                #expect(missing?.message.contains(cluster.endpoints[0].description) == true)
            }
        }

        @Test func aClientAuthenticatesSendsItsTokenAndAuthenticatesAgainWhenEtcdForgotIt() async throws {
            // Tokens forgotten after 2 s unused, so the test sees a stale token without waiting 5 minutes.
            try await withSecuredEtcdCluster(tls: false, arguments: ["--auth-token-ttl", "2"]) { cluster in
                try await Blocking.run { try cluster.enableAuthentication(rootPassword: "s3cret-\(UUID())") }
                let credentials = try #require(cluster.credentials)

                let anonymous = try EtcdClient(endpoints: cluster.endpoints)
                let refused = await #expect(throws: EtcdError.self) { try await anonymous.get("/vigil/auth/a") }
                #expect(refused?.message.contains("user name is empty") == true, "\(refused?.message ?? "")")
                await anonymous.close()

                let client = try EtcdClient(endpoints: cluster.endpoints, credentials: credentials)
                defer { Task { await client.close() } }
                try await client.put("/vigil/auth/a", value: "one")
                #expect(try await client.get("/vigil/auth/a")?.value == "one")
                #expect(client.authentications == 1, "one token serves every call while etcd knows it")

                // Unused for longer than --auth-token-ttl, the token is gone at etcd: the next call is refused with
                // "invalid auth token", the client authenticates again and repeats it.
                try await Task.sleep(for: .seconds(4))
                try await client.put("/vigil/auth/a", value: "two")
                #expect(try await client.get("/vigil/auth/a")?.value == "two")
                #expect(client.authentications == 2, "the stale token was not replaced")

                // A lease kept on the token: keepalives go on one stream that carries it.
                let (lease, sentAt) = try await client.grantLease(ttl: .seconds(2))
                let keeper = LeaseKeeper(client: client, lease: lease, grantSentAt: sentAt)
                let events = Recorder(keeper.events)
                try await client.put("/vigil/auth/node", value: "alive", lease: lease)
                try await Task.sleep(for: .seconds(6))
                #expect(try await client.get("/vigil/auth/node")?.lease == lease.id)
                #expect(!events.events.contains { if case .lost = $0.element { true } else { false } })
                keeper.stop()
                await keeper.finished()
                await events.cancel()

                let wrong = try EtcdClient(
                    endpoints: cluster.endpoints,
                    credentials: EtcdCredentials(username: "root", password: "not-the-password")
                )
                let failed = await #expect(throws: EtcdError.self) { try await wrong.put("/vigil/auth/b", value: "x") }
                print("EtcdSecurityTests: wrong password: \(failed.map(\.description) ?? "no error")")
                #expect(failed?.code == .authenticationFailed)
                #expect(failed?.message.contains("user 'root'") == true)
                #expect(failed?.message.contains("invalid user ID or password") == true)
                await wrong.close()
                #expect(try await client.get("/vigil/auth/b") == nil)
            }
        }
    }
}

/// Starts a three-member etcd on loopback (with TLS and client certificates when `tls`), waits for a leader, runs
/// `body`, and stops the members and removes their directory whether `body` passed or threw.
func withSecuredEtcdCluster(
    tls: Bool,
    arguments: [String] = [],
    _ body: (EtcdCluster) async throws -> Void
) async throws {
    let cluster = try await Blocking.run { try EtcdCluster(tls: tls, arguments: arguments) }
    defer { cluster.stop() }
    try await cluster.waitUntilHealthy()
    do {
        try await body(cluster)
    } catch {
        throw EtcdClusterError("\(error)\netcd logs:\n\(cluster.logTails())")
    }
}
