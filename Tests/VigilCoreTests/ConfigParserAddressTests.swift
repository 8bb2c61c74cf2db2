import Testing
import VigilCore

/// `kind = "address"` targets and `follows`.
@Suite struct ConfigParserAddressTests {
    static func problems(_ text: String) -> [String] {
        ConfigParser.parseAll(text).problems.map(\.description)
    }

    @Test func anAddressTargetGivesItsAddressPrefixInterfaceAndAnnouncements() throws {
        let config = try ConfigParser.parse(
            """
            [[target]]
            name = "web"
            exec = ["/bin/sleep", "1000"]

            [[target]]
            name = "web-ip"
            kind = "address"
            address = "10.212.5.100/24"
            interface = "eth0"
            follows = "web"

            [[target]]
            name = "web-ip6"
            kind = "address"
            address = "FD00:0:0::100"
            interface = "eth0"
            announce = 0
            announce_interval = "50ms"
            """,
            file: "vigil.toml"
        )
        let ip = try #require(config.target(named: "web-ip"))
        #expect(ip.kind == .address && ip.follows == "web" && ip.exec.isEmpty)
        #expect(ip.address?.text == "10.212.5.100/24" && ip.address?.interface == "eth0")
        #expect(ip.address?.announcements == 3 && ip.address?.announceInterval == .milliseconds(200))
        // Removing an address takes no time: the default stop budget is small enough for any lease TTL.
        #expect(ip.stopTimeout == .milliseconds(500))
        let ip6 = try #require(config.target(named: "web-ip6")?.address)
        #expect(ip6.text == "fd00::100/128" && ip6.announcements == 0 && ip6.announceInterval == .milliseconds(50))
    }

    @Test func aBadAddressAMissingInterfaceAndCommandKeysAreRefusedSayingWhy() {
        let found = Self.problems(
            """
            [[target]]
            name = "vip"
            kind = "address"
            address = "10.0.0.300/24"
            exec = ["/bin/true"]
            announce = 1000
            """
        )
        #expect(found.contains { $0.contains("address") && $0.contains("is not an IPv4 or IPv6 address") })
        #expect(found.contains { $0.contains("interface") && $0.contains("missing required key") })
        #expect(found.contains { $0.contains("exec") && $0.contains("vigild adds the address itself") })
        #expect(found.contains { $0.contains("announce") && $0.contains("0 (no announcements) to 100") })
        let prefix = Self.problems(
            "[[target]]\nname = \"vip\"\nkind = \"address\"\naddress = \"10.0.0.1/33\"\ninterface = \"eth0\"\n"
        )
        #expect(prefix.contains { $0.contains("is not an IPv4 or IPv6 address") })
        let elsewhere = Self.problems("[[target]]\nname = \"p\"\nexec = [\"/bin/true\"]\nfollows = \"x\"\n")
        #expect(elsewhere.contains { $0.contains("follows") && $0.contains("only for kind = \"address\"") })
    }

    @Test func followsMustNameAnotherTargetAndMatchItsClusterMembership() {
        let unknown = Self.problems(
            "[[target]]\nname = \"vip\"\nkind = \"address\"\naddress = \"10.0.0.1\"\ninterface = \"eth0\"\n"
                + "follows = \"nope\"\n"
        )
        #expect(unknown.contains { $0.contains("follows") && $0.contains("no other target is named \"nope\"") })
        let mixed = Self.problems(
            """
            [cluster]
            endpoints = ["10.0.0.1:2379"]
            node = "n1"

            [[target]]
            name = "web"
            exec = ["/bin/sleep", "1000"]
            stop_timeout = "500ms"
            cluster = true

            [[target]]
            name = "vip"
            kind = "address"
            address = "10.0.0.100/24"
            interface = "eth0"
            follows = "web"
            """
        )
        #expect(mixed.contains { $0.contains("web is a cluster resource: an address that follows it must be one too") })
    }

    @Test func addressesParseInTheirTextFormsAndPrintCanonically() {
        #expect(IPAddress("10.1.2.3")?.bytes == [10, 1, 2, 3])
        #expect(IPAddress("10.1.2") == nil && IPAddress("10.1.2.256") == nil && IPAddress("010.1.2.3") == nil)
        #expect(IPAddress("fd00::1")?.description == "fd00::1")
        #expect(IPAddress("2001:DB8:0:0:1:0:0:1")?.description == "2001:db8::1:0:0:1")
        #expect(IPAddress("::")?.description == "::")
        #expect(IPAddress("::ffff:10.0.0.1")?.bytes.suffix(6) == [0xff, 0xff, 10, 0, 0, 1])
        #expect(IPAddress("1::2::3") == nil && IPAddress("1:2:3:4:5:6:7:8:9") == nil && IPAddress("g::1") == nil)
    }
}
