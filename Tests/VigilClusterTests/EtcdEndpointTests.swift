import Testing
import VigilCluster

@Suite struct EtcdEndpointTests {
    @Test func endpointsAreReadAsEtcdctlWritesThem() throws {
        #expect(try EtcdEndpoint(parsing: "10.0.0.1:2379") == EtcdEndpoint(host: "10.0.0.1", port: 2379))
        #expect(
            try EtcdEndpoint(parsing: "http://etcd-1.example:2379/") == EtcdEndpoint(host: "etcd-1.example", port: 2379)
        )
        let v6 = try EtcdEndpoint(parsing: "[fd00::1]:2379")
        #expect(v6 == EtcdEndpoint(host: "fd00::1", port: 2379))
        #expect(v6.description == "[fd00::1]:2379")
    }

    @Test func anEndpointWithoutAUsablePortOrHostIsRefusedWithItsText() {
        for text in ["10.0.0.1", "10.0.0.1:0", "10.0.0.1:70000", ":2379", "http://:2379"] {
            let error = #expect(throws: EtcdError.self) { try EtcdEndpoint(parsing: text) }
            #expect(error?.code == .invalidEndpoint)
            #expect(error?.message.contains("'\(text)'") == true)
        }
    }
}
