import Testing
import VigilCore

/// A cluster resource's placement keys: the standby keys' names and parsing, plus `anti_affinity`.
@Suite struct ConfigParserPlacementTests {
    static let cluster = """
        [cluster]
        endpoints = ["10.0.0.1:2379"]
        node = "n1"
        lease_ttl = "2s"

        """

    @Test func aClusterResourceHasAStrategyWeightsReservationsAndAntiAffinityWithoutARecoveryLadder() throws {
        let config = try ConfigParser.parse(
            Self.cluster + """
                [[target]]
                name = "db"
                exec = ["/bin/sleep", "1000"]
                stop_timeout = "500ms"
                cluster = true
                placement = "weighted"
                weights = { n1 = 3, n2 = 0 }
                reserve_memory = "512M"
                reserve_cpu = 0.5
                anti_affinity = ["replica"]

                [[target]]
                name = "replica"
                exec = ["/bin/sleep", "1000"]
                stop_timeout = "500ms"
                cluster = true
                """,
            file: "vigil.toml"
        )
        let db = try #require(config.target(named: "db"))
        #expect(db.recovery == nil)
        #expect(db.clusterPlacement.strategy == .weighted && db.clusterPlacement.weights == ["n1": 3, "n2": 0])
        #expect(db.clusterPlacement.reservation == ResourceReservation(memory: .bytes(512 << 20), cpu: 0.5))
        #expect(db.clusterPlacement.antiAffinity == ["replica"])
        #expect(config.target(named: "replica")?.clusterPlacement == ClusterPlacementRule())
        #expect(ClusterPlacementRule().strategy == .leastLoaded)
    }

    @Test func placementMistakesAreRefusedWithTheKeyAndWhy() {
        let problems = ConfigParser.parseAll(
            Self.cluster + """
                [[target]]
                name = "db"
                exec = ["/bin/sleep", "1000"]
                stop_timeout = "500ms"
                cluster = true
                placement = "nearest"
                anti_affinity = ["db", "ghost"]

                [[target]]
                name = "local"
                exec = ["/bin/sleep", "1000"]
                anti_affinity = ["db"]
                """
        )
        .problems.map(\.description)
        #expect(problems.contains { $0.contains("placement") && $0.contains("unknown placement strategy \"nearest\"") })
        #expect(problems.contains { $0.contains("anti_affinity") && $0.contains("cannot be kept apart from itself") })
        #expect(
            problems.contains {
                $0.contains("target[db].anti_affinity") && $0.contains("\"ghost\" is not a cluster resource")
            }
        )
        #expect(problems.contains { $0.contains("anti_affinity") && $0.contains("only for a cluster resource") })
    }
}
