import Testing

@testable import VigilCore

/// `vm` targets driven through libvirt: `domain`, `uri`, `snapshot`, `shutdown_timeout`.
@Suite struct ConfigParserDomainTests {
    static func problems(_ text: String) -> [String] {
        ConfigParser.parseAll(text).problems.map(\.description)
    }

    @Test func aDomainTargetParsesWithItsDefaultsAndWithEverySetting() throws {
        let text = """
            [[target]]
            name = "web"
            kind = "vm"
            domain = "web"

            [[target]]
            name = "db"
            kind = "vm"
            domain = "db-1"
            machine = "db-1"
            uri = "test+unix:///default?socket=/run/test/libvirt-sock"
            snapshot = "nightly"
            shutdown_timeout = "1m"
            stop_timeout = "2m"
            recovery = ["restart", "revert", "fence"]
            """
        let config = try ConfigParser.parse(text, file: "vigil.toml")
        let web = try #require(config.target(named: "web"))
        #expect(
            web.domain == DomainConfig(name: "web", uri: "qemu:///system", snapshot: nil, shutdownTimeout: .seconds(30))
        )
        #expect(web.machine == nil)
        #expect(web.exec.isEmpty)
        // The guest's 30 s to shut down, then 10 s for the destroy; no stuck-in-D check without a scope to read.
        #expect(web.stopTimeout == .seconds(40))
        #expect(web.checks.isEmpty)
        let db = try #require(config.target(named: "db"))
        #expect(
            db.domain
                == DomainConfig(
                    name: "db-1",
                    uri: "test+unix:///default?socket=/run/test/libvirt-sock",
                    snapshot: "nightly",
                    shutdownTimeout: .seconds(60)
                )
        )
        #expect(db.machine == "db-1")
        #expect(db.stopTimeout == .seconds(120))
        #expect(db.checks.map(\.text) == ["main.uninterruptible == 1 for 10s"])
        #expect(db.recovery?.ladder == [.restart, .revert, .fence])
    }

    @Test func theEmulatorsPidFileDefaultsToTheSystemDaemonsAndIsRefusedWhenNotAbsolute() throws {
        let text = """
            [[target]]
            name = "sys"
            kind = "vm"
            domain = "sys"

            [[target]]
            name = "session"
            kind = "vm"
            domain = "session"
            uri = "qemu:///session"

            [[target]]
            name = "given"
            kind = "vm"
            domain = "given"
            uri = "qemu:///session"
            emulator_pid_file = "/run/user/1000/libvirt/qemu/run/given.pid"
            """
        let config = try ConfigParser.parse(text, file: "vigil.toml")
        #expect(config.target(named: "sys")?.domain?.emulatorPidPath == "/run/libvirt/qemu/sys.pid")
        #expect(config.target(named: "session")?.domain?.emulatorPidPath == nil)
        #expect(
            config.target(named: "given")?.domain?.emulatorPidPath == "/run/user/1000/libvirt/qemu/run/given.pid"
        )
        let wrong = Self.problems(
            """
            [[target]]
            name = "v"
            kind = "vm"
            domain = "v"
            emulator_pid_file = "v.pid"
            """
        )
        #expect(wrong.count == 1)
        #expect(wrong.first?.contains("emulator_pid_file: must be the absolute path") == true, "\(wrong)")
    }

    @Test func domainKeysAreRefusedOnOtherKindsAndWithoutADomain() {
        let text = """
            [[target]]
            name = "p"
            exec = ["/bin/true"]
            domain = "web"

            [[target]]
            name = "s"
            kind = "service"
            unit = "web.service"
            snapshot = "nightly"

            [[target]]
            name = "m"
            kind = "vm"
            machine = "web"
            uri = "qemu:///system"
            shutdown_timeout = "10s"

            [[target]]
            name = "d"
            kind = "vm"
            domain = "web"
            start = ["/usr/bin/virsh", "start", "web"]
            """
        let problems = Self.problems(text)
        #expect(problems.contains("4: target[p].domain: only for kind = \"vm\" targets driven by libvirt"))
        #expect(
            problems.contains("10: target[s].snapshot: only for kind = \"vm\" targets driven by libvirt")
        )
        #expect(problems.contains("16: target[m].uri: only with domain = \"NAME\" (a vm driven by libvirt)"))
        #expect(
            problems.contains(
                "17: target[m].shutdown_timeout: only with domain = \"NAME\" (a vm driven by libvirt)"
            )
        )
        #expect(problems.contains { $0.hasPrefix("23: target[d].start: not with domain: libvirt starts") })
        #expect(problems.count == 5, "\(problems)")
    }

    @Test func badNamesURIsAndTimeoutsAreReportedWithWhatIsWrong() {
        let text = """
            [[target]]
            name = "a"
            kind = "vm"
            domain = "it's"

            [[target]]
            name = "b"
            kind = "vm"
            domain = "--all"
            snapshot = "a/b"

            [[target]]
            name = "c"
            kind = "vm"
            domain = ""
            uri = "qemu"
            shutdown_timeout = "0s"

            [[target]]
            name = "d"
            kind = "vm"
            domain = 3
            uri = "qemu:///system extra"
            """
        let problems = Self.problems(text)
        let rule = "(no quotes, backslashes, / or control characters, and no leading -)"
        #expect(problems.contains("4: target[a].domain: invalid domain name \"it's\" \(rule)"))
        #expect(problems.contains("9: target[b].domain: invalid domain name \"--all\" \(rule)"))
        #expect(problems.contains("10: target[b].snapshot: invalid snapshot name \"a/b\" \(rule)"))
        #expect(problems.contains("15: target[c].domain: must not be empty"))
        #expect(
            problems.contains(
                "16: target[c].uri: \"qemu\" is not a libvirt connection URI (e.g. \"qemu:///system\")"
            )
        )
        #expect(
            problems.contains(
                "17: target[c].shutdown_timeout: must be more than 0s (the guest's time to shut down)"
            )
        )
        #expect(problems.contains { $0.hasPrefix("22: target[d].domain: expected a string") })
        #expect(problems.contains { $0.hasPrefix("23: target[d].uri: \"qemu:///system extra\" is not") })
        #expect(problems.count == 8, "\(problems)")
    }
}
