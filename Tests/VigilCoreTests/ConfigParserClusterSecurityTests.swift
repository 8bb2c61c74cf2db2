import Testing
import VigilCore

/// TLS and credentials in `[cluster]`.
@Suite struct ConfigParserClusterSecurityTests {
    static func problems(_ text: String) -> [String] {
        ConfigParser.parseAll("[cluster]\nnode = \"n1\"\n" + text).problems.map(\.description)
    }

    static func cluster(_ text: String) throws -> ClusterConfig {
        try #require(try ConfigParser.parse("[cluster]\nnode = \"n1\"\n" + text, file: "vigil.toml").cluster)
    }

    @Test func tlsFilesAndAPasswordFileAreKeptWithHttpsEndpoints() throws {
        let cluster = try Self.cluster(
            """
            endpoints = ["https://10.0.0.1:2379", "https://etcd-2.example:2379"]
            ca_file = "/etc/vigil/etcd-ca.pem"
            cert_file = "/etc/vigil/etcd-client.pem"
            key_file = "/etc/vigil/etcd-client.key"
            username = "vigil"
            password_file = "/etc/vigil/etcd.password"
            """
        )
        #expect(
            cluster.tls
                == ClusterTLS(
                    caFile: "/etc/vigil/etcd-ca.pem",
                    certFile: "/etc/vigil/etcd-client.pem",
                    keyFile: "/etc/vigil/etcd-client.key"
                )
        )
        #expect(
            cluster.credentials == ClusterCredentials(username: "vigil", password: .file("/etc/vigil/etcd.password"))
        )
    }

    @Test func httpsEndpointsAloneMeanTLSWithTheSystemRootsAndBareEndpointsWithACAFileMeanTLS() throws {
        #expect(try Self.cluster("endpoints = [\"https://10.0.0.1:2379\"]").tls == ClusterTLS())
        let bare = try Self.cluster("endpoints = [\"10.0.0.1:2379\"]\nca_file = \"/etc/ca.pem\"")
        #expect(bare.tls == ClusterTLS(caFile: "/etc/ca.pem"))
        let plain = try Self.cluster("endpoints = [\"10.0.0.1:2379\", \"http://10.0.0.2:2379\"]")
        #expect(plain.tls == nil && plain.credentials == nil)
    }

    @Test func aPasswordInClearIsAcceptedOnlyToLoopbackEndpoints() throws {
        let local = try Self.cluster(
            "endpoints = [\"127.0.0.1:2379\", \"localhost:2380\", \"[::1]:2381\"]\nusername = \"root\"\npassword = \"pw\""
        )
        #expect(local.tls == nil && local.credentials == ClusterCredentials(username: "root", password: .inline("pw")))
        let remote = Self.problems(
            "endpoints = [\"127.0.0.1:2379\", \"10.0.0.2:2379\"]\nusername = \"root\"\npassword = \"pw\""
        )
        #expect(
            remote.contains {
                $0.contains(
                    "cluster.username: etcd's password and token would cross the network in clear to \"10.0.0.2:2379\""
                )
            },
            "\(remote)"
        )
        let overTLS = try Self.cluster(
            "endpoints = [\"https://10.0.0.2:2379\"]\nusername = \"root\"\npassword_file = \"/etc/vigil/pw\""
        )
        #expect(overTLS.credentials?.username == "root")
    }

    @Test func contradictionsAndHalfGivenSettingsAreRefusedWithTheKeyAndWhy() {
        let cases: [(String, String)] = [
            (
                "endpoints = [\"https://10.0.0.1:2379\", \"10.0.0.2:2379\"]",
                "cluster.endpoints: mixes https:// with plaintext endpoints"
            ),
            (
                "endpoints = [\"http://10.0.0.1:2379\"]\nca_file = \"/etc/ca.pem\"",
                "cluster.endpoints: \"http://10.0.0.1:2379\" is plaintext but ca_file/cert_file/key_file ask for TLS"
            ),
            (
                "endpoints = [\"10.0.0.1:2379\"]\ncert_file = \"/etc/client.pem\"",
                "cluster.key_file: a client certificate needs both cert_file and key_file"
            ),
            ("endpoints = [\"10.0.0.1:2379\"]\nca_file = \"ca.pem\"", "cluster.ca_file: must be an absolute path"),
            (
                "endpoints = [\"127.0.0.1:2379\"]\nusername = \"root\"",
                "cluster.username: needs password or password_file"
            ),
            (
                "endpoints = [\"127.0.0.1:2379\"]\npassword = \"pw\"",
                "cluster.password: needs username"
            ),
            (
                "endpoints = [\"127.0.0.1:2379\"]\nusername = \"root\"\npassword = \"pw\"\npassword_file = \"/etc/pw\"",
                "cluster.password: give password or password_file, not both"
            ),
            ("endpoints = [\"127.0.0.1:2379\"]\nusername = \"\"\npassword = \"pw\"", "cluster.username:"),
        ]
        for (text, expected) in cases {
            let found = Self.problems(text)
            #expect(found.contains { $0.contains(expected) }, "missing \(expected) in \(found)")
        }
    }

    @Test func loopbackIsTheLoopbackRangeLocalhostAndV6One() {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1"] {
            #expect(ClusterCredentials.isLoopback(host: host), "\(host)")
        }
        for host in ["10.0.0.1", "127.0.0", "128.0.0.1", "127.0.0.256", "example.com", "fd00::1"] {
            #expect(!ClusterCredentials.isLoopback(host: host), "\(host)")
        }
    }
}
