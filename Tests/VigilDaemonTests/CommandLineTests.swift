import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `vigild --check-config`, `vigilctl check-config` and refusing to start on a bad file.
@Suite struct CommandLineTests {
    private static let bad = """
        [daemon]
        log_levl = "info"

        [[target]]
        name = "web"
        exec = ["/nonexistent/web-server"]
        stop_timeout = 30

        [[target]]
        name = "web"
        exec = []
        """

    private func write(_ text: String) throws -> (directory: String, file: String) {
        let directory = try VigildProcess.makeDirectory()
        let file = directory + "/vigil.toml"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return (directory, file)
    }

    @Test func checkConfigListsEveryProblemWithFileLineAndKeyAndExitsOne() throws {
        let (directory, file) = try write(Self.bad)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try ProcessProbe.run(VigildProcess.binary, ["--check-config", file])
        #expect(result.status == 1)
        let lines = result.err.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("\(file):2: daemon.log_levl: unknown key") })
        #expect(lines.contains { $0.hasPrefix("\(file):7: target[web].stop_timeout: expected a duration string") })
        #expect(lines.contains { $0.hasPrefix("\(file):10: target[#2].name: duplicate target name \"web\"") })
        #expect(lines.contains { $0.hasPrefix("\(file):11: target[#2].exec: must not be empty") })
        // The host's problems come with the text's: the first target parsed, and its program does not exist.
        #expect(lines.contains { $0.hasPrefix("\(file):6: target[web].exec: executable \"/nonexistent/web-server\"") })
        #expect(lines.count == 5, "\(lines)")
        #expect(result.out.isEmpty)
    }

    @Test func checkConfigNamesAMissingExecutableUserAndDirectory() throws {
        let (directory, file) = try write(
            """
            [[target]]
            name = "api"
            exec = ["/nonexistent/api"]

            [[target]]
            name = "worker"
            exec = ["no-such-command-anywhere"]
            user = "no-such-user"
            cwd = "/nonexistent/dir"
            """
        )
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try ProcessProbe.run(VigildProcess.binary, ["--check-config", file])
        #expect(result.status == 1)
        #expect(result.err.contains("\(file):3: target[api].exec: executable \"/nonexistent/api\": No such file"))
        #expect(result.err.contains("\(file):7: target[worker].exec: command \"no-such-command-anywhere\" not found"))
        #expect(result.err.contains("\(file):8: target[worker].user: unknown user \"no-such-user\""))
        #expect(result.err.contains("\(file):9: target[worker].cwd: directory \"/nonexistent/dir\": No such file"))
    }

    @Test func checkConfigSummarisesAValidFileInOneLineAndExitsZero() throws {
        let (directory, file) = try write("[[target]]\nname = \"a\"\nexec = [\"sleep\", \"1\"]\n")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try ProcessProbe.run(VigildProcess.binary, ["--check-config", file])
        #expect(result.status == 0)
        #expect(result.out == "\(file): OK, 1 target: a\n")
    }

    @Test func shippedExampleConfigurationIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let example = root.appendingPathComponent("config/vigil.toml").path
        let result = try ProcessProbe.run(VigildProcess.binary, ["--check-config", example])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.contains("OK, 3 targets: ticker, flaky, watched"))
    }

    @Test func vigilctlChecksConfigurationTheSameWay() throws {
        let (directory, file) = try write(Self.bad)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let vigilctl = VigildProcess.siblingExecutable("vigilctl")
        let fromCtl = try ProcessProbe.run(vigilctl, ["check-config", file])
        let fromDaemon = try ProcessProbe.run(VigildProcess.binary, ["--check-config", file])
        #expect(fromCtl.status == 1)
        #expect(fromCtl.err == fromDaemon.err)
        let version = try ProcessProbe.run(vigilctl, ["--version"])
        #expect(version.status == 0)
        #expect(version.out == VigilVersion.string + "\n")
    }

    @Test func vigildRefusesToStartOnAnInvalidConfiguration() throws {
        let (directory, file) = try write(Self.bad)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try ProcessProbe.run(VigildProcess.binary, ["--config", file, "--log-target", "stderr"])
        #expect(result.status == 1)
        #expect(result.err.contains("\(file):2: daemon.log_levl: unknown key"))
        #expect(result.err.contains("not starting"))
    }
}

@Suite struct HeartbeatKeyCommandLineTests {
    @Test func vigildRefusesAHeartbeatKeyFileOthersCanRead() throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = directory + "/web.key"
        try (HeartbeatKey.generate() + "\n").write(toFile: key, atomically: true, encoding: .utf8)
        chmod(key, 0o644)
        let file = directory + "/vigil.toml"
        try """
        [[target]]
        name = "web"
        exec = ["/bin/sleep", "1000"]
        heartbeat = { interval = "1s", key_file = "\(key)" }
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let check = try ProcessProbe.run(VigildProcess.binary, ["--check-config", file])
        #expect(check.status == 1)
        #expect(check.err.contains("\(file):4: target[web].heartbeat.key_file: \(key): mode 0644 is too open"))
        let start = try ProcessProbe.run(VigildProcess.binary, ["--config", file, "--log-target", "stderr"])
        #expect(start.status == 1)
        #expect(start.err.contains("not starting"))
    }
}
