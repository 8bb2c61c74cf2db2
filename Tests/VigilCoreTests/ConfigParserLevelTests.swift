import Testing
import VigilCore

@Suite struct ConfigParserLevelTests {
    @Test func aLevelSetsTheRestartAndDetectorFiguresTheTargetDidNotWrite() throws {
        let config = try ConfigParser.parse(
            """
            [[target]]
            name = "api"
            exec = ["/bin/true"]
            level = "high"
            notify_socket = true
            restart = { burst = 9 }
            heartbeat = { interval = "1s", detector = "phi", suspect = 7 }
            """,
            file: "vigil.toml"
        )
        let api = try #require(config.target(named: "api"))
        #expect(api.restart.burst == 9, "written: kept")
        #expect(api.restart.backoffMax == .seconds(5), "high: 0..5s")
        #expect(api.heartbeat?.convict == 12, "high: φ 12")
        #expect(api.heartbeat?.suspect == 7, "written: kept")
        #expect(api.recovery?.ladder.map(\.description) == ["restart", "restart"])
    }

    @Test func withoutRecoveryKeysNothingChanges() throws {
        let config = try ConfigParser.parse("[[target]]\nname = \"a\"\nexec = [\"/bin/true\"]\n", file: "x")
        #expect(config.targets[0].recovery == nil)
        #expect(config.targets[0].restart == RestartConfig())
    }
}
