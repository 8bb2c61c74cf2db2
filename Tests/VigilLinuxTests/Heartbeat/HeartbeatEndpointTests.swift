import Testing
import VigilLinux

@Suite struct HeartbeatEndpointTests {
    @Test func parsesIPv4IPv6AndUnixAddresses() throws {
        #expect(try HeartbeatEndpoint(parsing: "udp://0.0.0.0:7600") == .udp(host: "0.0.0.0", port: 7600))
        #expect(try HeartbeatEndpoint(parsing: "udp://[::]:7600") == .udp(host: "::", port: 7600))
        #expect(
            try HeartbeatEndpoint(parsing: "unix:/run/vigil/heartbeat.sock")
                == .unix(path: "/run/vigil/heartbeat.sock")
        )
    }

    @Test func describesItselfAsItIsWritten() throws {
        for text in ["udp://127.0.0.1:7600", "udp://[::1]:0", "unix:/run/vigil/heartbeat.sock"] {
            #expect(try HeartbeatEndpoint(parsing: text).description == text)
        }
    }

    @Test(arguments: [
        ("tcp://127.0.0.1:1", HeartbeatEndpointError.Code.unknownScheme),
        ("127.0.0.1:7600", .unknownScheme),
        ("udp://localhost:7600", .badHost),
        ("udp://::1:7600", .badHost),
        ("udp://[::1]7600", .badHost),
        ("udp://:7600", .badHost),
        ("udp://127.0.0.1", .badPort),
        ("udp://127.0.0.1:", .badPort),
        ("udp://127.0.0.1:65536", .badPort),
        ("udp://127.0.0.1:+1", .badPort),
        ("unix:relative.sock", .badPath),
        ("unix:/" + String(repeating: "x", count: 120), .badPath),
    ])
    func badAddressIsRefusedWithWhatIsWrong(text: String, code: HeartbeatEndpointError.Code) {
        let error = #expect(throws: HeartbeatEndpointError.self) { try HeartbeatEndpoint(parsing: text) }
        #expect(error?.code == code)
        #expect(error?.description.hasPrefix("\"\(text)\": ") == true)
    }
}
