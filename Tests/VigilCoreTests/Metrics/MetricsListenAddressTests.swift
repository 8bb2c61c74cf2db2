import Testing
import VigilCore

@Suite struct MetricsListenAddressTests {
    @Test func readsIPv4AndBracketedIPv6() throws {
        #expect(try MetricsListenAddress(parsing: "127.0.0.1:9701") == .default)
        #expect(try MetricsListenAddress(parsing: "[::1]:9701") == MetricsListenAddress(host: "::1", port: 9701))
        #expect(try MetricsListenAddress(parsing: "0.0.0.0:0").port == 0)
        #expect(MetricsListenAddress(host: "::", port: 80).description == "[::]:80")
        #expect(MetricsListenAddress.default.description == "127.0.0.1:9701")
    }

    @Test(arguments: ["127.0.0.1", "::1:9701", "[::1]9701", ":9701", "127.0.0.1:http", "127.0.0.1:70000", "[::1"])
    func refusesWhatIsNotHostColonPort(text: String) {
        #expect(throws: MetricsListenAddress.ParseError.self) { try MetricsListenAddress(parsing: text) }
    }
}
