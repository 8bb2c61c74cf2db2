import Testing
import VigilCore

/// The `[cluster]` table and `cluster = true` targets.
@Suite struct ConfigParserClusterTests {
    static func problems(_ text: String) -> [String] {
        ConfigParser.parseAll(text).problems.map(\.description)
    }

    @Test func aClusterTableGivesTheEndpointsNodeTTLAndPrefix() throws {
        let config = try ConfigParser.parse(
            """
            [cluster]
            endpoints = ["10.0.0.1:2379", "http://10.0.0.2:2379", "[fd00::3]:2379"]
            node = "node-1"
            lease_ttl = "2s"
            prefix = "/vigil/prod/"

            [[target]]
            name = "db"
            exec = ["/bin/sleep", "1000"]
            stop_timeout = "500ms"
            cluster = true

            [[target]]
            name = "local"
            exec = ["/bin/sleep", "1000"]
            """,
            file: "vigil.toml"
        )
        let cluster = try #require(config.cluster)
        #expect(cluster.endpoints == ["10.0.0.1:2379", "http://10.0.0.2:2379", "[fd00::3]:2379"])
        #expect(cluster.node == "node-1" && cluster.leaseTTL == .seconds(2) && cluster.prefix == "/vigil/prod/")
        #expect(cluster.nodeKey("node-1") == "/vigil/prod/nodes/node-1")
        #expect(cluster.ownerKey("db") == "/vigil/prod/owners/db")
        #expect(config.clusterResources.map(\.name) == ["db"])
        #expect(config.target(named: "local")?.cluster == false)
    }

    @Test func withoutAClusterTableThereIsNoClusterAndTheDefaultsAreKept() throws {
        let plain = try ConfigParser.parse("[[target]]\nname = \"a\"\nexec = [\"/bin/true\"]\n", file: "vigil.toml")
        #expect(plain.cluster == nil && plain.clusterResources.isEmpty)
        let defaults = try ConfigParser.parse(
            "[cluster]\nendpoints = [\"127.0.0.1:2379\"]\nnode = \"a\"\n",
            file: "vigil.toml"
        )
        #expect(defaults.cluster?.leaseTTL == .seconds(5) && defaults.cluster?.prefix == "/vigil/")
    }

    @Test func mistakesInTheClusterTableAreRefusedWithTheKeyAndWhy() {
        let found = Self.problems(
            """
            [cluster]
            endpoints = ["10.0.0.1", "https://10.0.0.2:2379"]
            node = "node 1"
            lease_ttl = "1s"
            prefix = "vigil"
            ca_file = "/etc/vigil/etcd-ca.pem"
            password_file = "/etc/vigil/etcd.password"
            lease = "5s"
            """
        )
        let expected = [
            "cluster.endpoints: \"10.0.0.1\": expected host:port",
            "cluster.endpoints: mixes https:// with plaintext endpoints",
            "cluster.node: invalid node name \"node 1\"",
            "cluster.lease_ttl: must be between 2s (etcd's shortest lease) and 5m",
            "cluster.prefix: must begin and end with \"/\"",
            "cluster.password_file: needs username",
            "cluster.lease: unknown key",
        ]
        for text in expected {
            #expect(found.contains { $0.contains(text) }, "missing \(text) in \(found)")
        }
        let missing = Self.problems("[cluster]\nlease_ttl = \"5s\"\n")
        #expect(missing.contains { $0.contains("cluster.endpoints: missing required key") }, "\(missing)")
        #expect(missing.contains { $0.contains("cluster.node: missing required key") }, "\(missing)")
    }

    @Test func aClusterResourceNeedsAClusterTableAStopThatFitsTheLeaseAndNoLadder() {
        let orphan = Self.problems("[[target]]\nname = \"db\"\nexec = [\"/bin/true\"]\ncluster = true\n")
        #expect(orphan.contains { $0.contains("target[db].cluster: a cluster resource needs a [cluster] table") })
        let found = Self.problems(
            """
            [cluster]
            endpoints = ["127.0.0.1:2379"]
            node = "a"
            lease_ttl = "2s"

            [[target]]
            name = "slow"
            exec = ["/bin/true"]
            cluster = true

            [[target]]
            name = "laddered"
            exec = ["/bin/true"]
            stop_timeout = "500ms"
            recovery = ["restart", "fence"]
            cluster = true

            [[target]]
            name = "typed"
            exec = ["/bin/true"]
            cluster = "yes"
            """
        )
        let expected = [
            "target[slow].cluster: stop_timeout",
            "target[laddered].cluster: \"fence\" would leave a cluster resource down on the node that owns it",
            "target[typed].cluster: expected true or false",
        ]
        for text in expected {
            #expect(found.contains { $0.contains(text) }, "missing \(text) in \(found)")
        }
        #expect(!found.contains { $0.contains("target[laddered].cluster: stop_timeout") })
    }
}
