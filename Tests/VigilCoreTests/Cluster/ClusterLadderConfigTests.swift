import Testing
import VigilCore

/// What `vigild --check-config` accepts of a cluster resource's recovery: a ladder (restart, reset, revert, exec
/// hooks) that may end with `failover` (move to another node), but no standbys, no `fence` and nothing after the move.
@Suite struct ClusterLadderConfigTests {
    static let cluster = """
        [cluster]
        endpoints = ["127.0.0.1:2379"]
        node = "a"
        lease_ttl = "2s"

        """

    static func problems(_ targets: String) -> [String] {
        ConfigParser.parseAll(cluster + targets).problems.map(\.description)
    }

    @Test func aClusterResourceMayHaveALadderThatEndsWithAMove() throws {
        let config = try ConfigParser.parse(
            Self.cluster + """
                [[target]]
                name = "db"
                exec = ["/bin/true"]
                stop_timeout = "500ms"
                cluster = true
                recovery = ["restart", "restart", "failover"]
                verify_window = "5s"

                [[target]]
                name = "cache"
                exec = ["/bin/true"]
                stop_timeout = "500ms"
                cluster = true
                level = "high"
                """,
            file: "vigil.toml"
        )
        let db = try #require(config.target(named: "db")?.recovery)
        #expect(db.ladder == [.restart, .restart, .failover])
        #expect(db.standbys.isEmpty)
        // A level without standbys presets restarts only: its end moves the resource.
        #expect(config.target(named: "cache")?.recovery?.ladder == [.restart, .restart])
    }

    @Test func standbysAFenceAndStepsAfterTheMoveAreRefusedWithWhy() {
        let found = Self.problems(
            """
            [[target]]
            name = "fenced"
            exec = ["/bin/true"]
            stop_timeout = "500ms"
            cluster = true
            recovery = ["restart", "fence"]

            [[target]]
            name = "after"
            exec = ["/bin/true"]
            stop_timeout = "500ms"
            cluster = true
            recovery = ["failover", "restart"]

            [[target]]
            name = "paired"
            exec = ["/bin/true"]
            stop_timeout = "500ms"
            cluster = true
            recovery = ["restart", "failover"]
            standbys = ["plain"]

            [[target]]
            name = "plain"
            exec = ["/bin/true"]

            [[target]]
            name = "local"
            exec = ["/bin/true"]
            recovery = ["restart", "failover"]
            standbys = ["shared"]

            [[target]]
            name = "shared"
            exec = ["/bin/true"]
            stop_timeout = "500ms"
            cluster = true
            """
        )
        let expected = [
            "target[fenced].cluster: \"fence\" would leave a cluster resource down",
            "target[after].cluster: \"failover\" must be the last step of a cluster resource's ladder",
            "target[paired].cluster: a cluster resource has no standbys",
            "target[shared].cluster: a cluster resource cannot stand by for local",
        ]
        for text in expected {
            #expect(found.contains { $0.contains(text) }, "missing \(text) in \(found)")
        }
        #expect(found.count == expected.count, "\(found)")
    }
}
