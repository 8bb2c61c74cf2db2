import Foundation
import Testing
import VigilLinux

@Suite struct HeartbeatKeyTests {
    let goodHex = String(repeating: "0123456789abcdef", count: 4)

    /// Writes `contents` to a new file with `mode` in a fresh directory; returns its path.
    func keyFile(_ contents: String, mode: Int) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-key-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/web.key"
        try contents.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test func keyFileReadableByOthersIsRefusedNamingThePathAndMode() throws {
        let path = try keyFile(goodHex + "\n", mode: 0o644)
        let error = #expect(throws: HeartbeatKeyError.self) { try HeartbeatKey.load(path: path) }
        #expect(error?.code == .tooOpen)
        #expect(error?.description == "\(path): mode 0644 is too open; chmod 600 it")
    }

    @Test func keyFileReadableByItsGroupIsRefused() throws {
        let path = try keyFile(goodHex, mode: 0o640)
        let error = #expect(throws: HeartbeatKeyError.self) { try HeartbeatKey.load(path: path) }
        #expect(error?.code == .tooOpen)
        #expect(error?.message.contains("0640") == true)
    }

    @Test func keyShorterThan32BytesIsRefused() throws {
        let path = try keyFile(String(goodHex.prefix(62)), mode: 0o600)
        let error = #expect(throws: HeartbeatKeyError.self) { try HeartbeatKey.load(path: path) }
        #expect(error?.code == .tooShort)
        #expect(error?.description.hasPrefix("\(path): key is 31 bytes, at least 32 needed") == true)
    }

    @Test func keyThatIsNotHexIsRefused() throws {
        let path = try keyFile(String(goodHex.dropLast(2)) + "zz", mode: 0o600)
        let error = #expect(throws: HeartbeatKeyError.self) { try HeartbeatKey.load(path: path) }
        #expect(error?.code == .notHex)
    }

    @Test func missingKeyFileIsUnreadableNamingThePath() {
        let path = "/nonexistent/vigil-\(UUID())/web.key"
        let error = #expect(throws: HeartbeatKeyError.self) { try HeartbeatKey.load(path: path) }
        #expect(error?.code == .unreadable)
        #expect(error?.description == "\(path): cannot open: No such file or directory")
    }

    @Test func directoryIsNotAKeyFile() throws {
        let path = try keyFile(goodHex, mode: 0o600)
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
        let error = #expect(throws: HeartbeatKeyError.self) { try HeartbeatKey.load(path: directory) }
        #expect(error?.code == .notRegularFile)
    }

    @Test func goodKeyWithSurroundingWhitespaceLoadsAsItsBytes() throws {
        let path = try keyFile("  \(goodHex.uppercased())\n\n", mode: 0o600)
        let key = try HeartbeatKey.load(path: path)
        let bytes = key.withUnsafeBytes { Array($0) }
        #expect(bytes == Array(repeating: [0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF], count: 4).flatMap { $0 })
    }

    @Test func readOnlyKeyFileLoads() throws {
        let path = try keyFile(goodHex, mode: 0o400)
        #expect(try HeartbeatKey.load(path: path).bitCount == 256)
    }

    @Test func generatedKeyIs64HexDigitsThatParse() throws {
        let text = HeartbeatKey.generate()
        #expect(text.count == 64)
        #expect(text.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(try HeartbeatKey.parse(hex: text, path: "generated").bitCount == 256)
        #expect(HeartbeatKey.generate() != text)
    }
}
