import Foundation
import Testing
import VigilCore

@Suite struct EventKindTests {
    @Test func everyKindHasItsOwnMessageIDExplainedInTheCatalog() throws {
        let ids = EventKind.allCases.map(\.messageID)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) && $0 == $0.lowercased() })
        let catalog = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("systemd/vigil.catalog")
        let text = try String(contentsOf: catalog, encoding: .utf8)
        for kind in EventKind.allCases {
            #expect(text.contains("-- \(kind.messageID)\n"), "\(kind) has no catalog entry")
        }
        #expect(Set(EventKind.allCases.map(\.rawValue)).count == EventKind.allCases.count)
    }
}
