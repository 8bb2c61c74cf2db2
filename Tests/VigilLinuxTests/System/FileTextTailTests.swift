import Foundation
import Testing
import VigilLinux

/// `FileText.tail`: the end of a file read without reading the rest (a guest's console log can be large).
@Suite struct FileTextTailTests {
    @Test func theTailIsTheLastBytesOfALongFileAndAllOfAShortOne() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-tail-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = (1...1000).map { "line \($0)" }.joined(separator: "\n") + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try FileText.tail(path, bytes: 19) == "line 999\nline 1000\n")
        #expect(try FileText.tail(path, bytes: 1 << 20) == text)
        #expect(throws: SystemError.self) { try FileText.tail(path + ".missing", bytes: 10) }
    }
}
