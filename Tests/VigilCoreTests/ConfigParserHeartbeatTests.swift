import Testing
import VigilCore

@Suite struct ConfigParserHeartbeatTests {
    private func problems(_ text: String) -> [String] {
        ConfigParser.parseAll(text).problems.map(\.description)
    }

    @Test func heartbeatTableParsesWithDefaultsPerDetector() throws {
        let config = try ConfigParser.parse(
            """
            [daemon]
            runtime_dir = "/run/vigil-test"
            heartbeat_listen = ["udp://127.0.0.1:7600", "unix:/run/vigil-test/hb.sock"]

            [[target]]
            name = "web"
            exec = ["/bin/true"]
            notify_socket = true
            heartbeat = { interval = "100ms", detector = "phi", convict = 10.5, key_file = "/etc/vigil/web.key" }

            [[target]]
            name = "job"
            exec = ["/bin/true"]
            [target.heartbeat]
            interval = "2s"
            detector = "fixed"
            acceptable_pause = "1s"
            key_file = "/etc/vigil/job.key"
            """,
            file: "t.toml"
        )
        #expect(config.daemon.runtimeDirectory == "/run/vigil-test")
        #expect(config.daemon.heartbeatListen == ["udp://127.0.0.1:7600", "unix:/run/vigil-test/hb.sock"])
        let web = try #require(config.targets[0].heartbeat)
        #expect(config.targets[0].notifySocket)
        #expect(web.interval == .milliseconds(100))
        #expect(web.suspect == 8)
        #expect(web.convict == 10.5)
        #expect(web.minStandardDeviation == .milliseconds(10))
        #expect(web.firstHeartbeatGrace == .seconds(1))
        let job = try #require(config.targets[1].heartbeat)
        #expect(job.detector == .fixed)
        #expect(job.suspect == 3 && job.convict == 4)
        #expect(job.acceptablePause == .seconds(1))
        #expect(!config.targets[1].notifySocket)
    }

    @Test func defaultListenerIsAUnixSocketInTheRuntimeDirectoryOnlyWhenATargetNeedsOne() throws {
        let withKey = try ConfigParser.parse(
            "[[target]]\nname = \"a\"\nexec = [\"/bin/true\"]\nheartbeat = { interval = \"1s\", key_file = \"/k\" }\n",
            file: "t.toml"
        )
        #expect(withKey.daemon.effectiveHeartbeatListen(targets: withKey.targets) == ["unix:/run/vigil/heartbeat.sock"])
        let without = try ConfigParser.parse("[[target]]\nname = \"a\"\nexec = [\"/bin/true\"]\n", file: "t.toml")
        #expect(without.daemon.effectiveHeartbeatListen(targets: without.targets).isEmpty)
    }

    @Test func heartbeatProblemsNameKeyAndLine() {
        let found = problems(
            """
            [[target]]
            name = "web"
            exec = ["/bin/true"]
            notify_socket = "yes"
            [target.heartbeat]
            detector = "gossip"
            suspect = 5
            convict = 2
            window = 1
            intervl = "1s"
            key_file = "web.key"
            """
        )
        #expect(found.contains { $0.hasPrefix("4: target[web].notify_socket: expected true or false") })
        #expect(found.contains { $0.hasPrefix("5: target[web].heartbeat.interval: missing required key") })
        #expect(
            found.contains { $0.hasPrefix("6: target[web].heartbeat.detector: unknown heartbeat detector \"gossip\"") }
        )
        #expect(found.contains { $0.hasPrefix("8: target[web].heartbeat.convict: convict 2.0 is below suspect 5.0") })
        #expect(found.contains { $0.hasPrefix("9: target[web].heartbeat.window: must be between 2 and 100000") })
        #expect(
            found.contains {
                $0.hasPrefix("10: target[web].heartbeat.intervl: unknown key; did you mean \"interval\"?")
            }
        )
        #expect(found.contains { $0.hasPrefix("11: target[web].heartbeat.key_file: must be an absolute path") })
    }

    @Test func heartbeatThatNothingCanDeliverIsRefused() {
        let found = problems("[[target]]\nname = \"a\"\nexec = [\"/bin/true\"]\nheartbeat = { interval = \"1s\" }\n")
        #expect(
            found == [
                "4: target[a].heartbeat: nothing can deliver these heartbeats: set heartbeat.key_file (UDP or unix datagrams) or notify_socket = true (sd_notify WATCHDOG=1)"
            ]
        )
    }
}

@Suite struct HeartbeatDefaultsTests {
    @Test func phiToleratesOneLostHeartbeatByDefaultAndTheOthersNothing() {
        #expect(HeartbeatConfig(interval: .milliseconds(100), detector: .phi).acceptablePause == .milliseconds(100))
        #expect(HeartbeatConfig(interval: .milliseconds(100), detector: .fixed).acceptablePause == .zero)
        #expect(HeartbeatConfig(interval: .milliseconds(100), detector: .chen).acceptablePause == .zero)
        let explicit = HeartbeatConfig(interval: .milliseconds(100), detector: .phi, acceptablePause: .zero)
        #expect(explicit.acceptablePause == .zero)
    }
}
