import Foundation
import Testing
import VigilTestSupport

/// `make install`, `make uninstall` and `scripts/package-deb` in temporary trees, through `scripts/check-install`,
/// with the vigild and vigilctl this test run built (so nothing is compiled again; the release build is the same
/// Makefile with another `BUILD_DIR`).
@Suite struct InstallTests {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var toolsPresent: Bool {
        ["/usr/bin/make", "/usr/bin/dpkg-deb", "/usr/bin/dpkg"].allSatisfy(FileManager.default.isExecutableFile)
    }

    @Test(.enabled(if: InstallTests.toolsPresent, "needs make and dpkg"))
    func installKeepsAnEditedConfigUninstallLeavesOnlyConfigAndStateAndTheDebHasEveryPiece() async throws {
        let binaries = URL(fileURLWithPath: VigildProcess.siblingExecutable("vigild")).deletingLastPathComponent()
        // Tens of seconds of make and dpkg-deb: waited for off the cooperative pool.
        let (status, text) = try await Blocking.run { () -> (Int32, String) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [Self.repository.appendingPathComponent("scripts/check-install").path, binaries.path]
            process.currentDirectoryURL = Self.repository
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }
        #expect(status == 0, "\(text)")
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("ok: ") }.count == 5, "\(text)")
    }
}
