import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The configuration as hostile input: mutated TOML never crashes or hangs `vigild --check-config`, and a reload
/// of a garbage file changes nothing in a running vigild.
@Suite struct ConfigFuzzTests {
    /// The shipped example configuration, the seed of every mutation.
    static let example: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("config/vigil.toml"), encoding: .utf8)) ?? ""
    }()

    /// Values that stress a TOML parser and the checks behind it.
    static let hostileValues = [
        "\"99999999999999999999h\"", "\"18446744073709551615ms\"", "\"1e300s\"", "\"-1s\"", "\"0\"", "\"\"",
        "9223372036854775807", "-9223372036854775808", "99999999999999999999", "1e309", "nan", "inf", "-0", "[]",
        "{}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "\"\\u0000\"", "\"\\uD800\"",
        "\"" + String(repeating: "x", count: 5_000) + "\"", "true", "'''\n", "\"\"\"", "1979-05-27T07:32:00Z",
        "\"200%\"", "\"101%\"", "\"1PB\"", "\"-5MB\"", "\"unix:\"", "\"udp:[::1]:99999\"",
    ]

    /// A mutation of the example: TOML-aware splices (a value replaced by a hostile one, a line duplicated or
    /// dropped, a table header repeated) and blind byte edits.
    static func mutate(_ text: String, _ input: inout FuzzInput) -> [UInt8] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for _ in 0..<input.int(1...5) {
            let at = input.int(0...lines.count - 1)
            switch input.int(0...4) {
            case 0:
                if let equals = lines[at].firstIndex(of: "=") {
                    lines[at] = lines[at][...equals] + " " + input.pick(hostileValues)
                }
            case 1:
                lines.insert(lines[at], at: at)
            case 2:
                lines.remove(at: at)
            case 3:
                lines.insert(
                    input.pick(["[[target]]", "[daemon]", "[[target.standby]]", "[target]", "[[", "]]"]),
                    at: at
                )
            default:
                break
            }
        }
        var bytes = Array(lines.joined(separator: "\n").utf8)
        if input.chance(0.4) {
            bytes = input.mutate(bytes)
        }
        if input.chance(0.1) {
            bytes = Array(bytes.prefix(input.int(0...bytes.count)))
        }
        return bytes
    }

    /// Runs `vigild --check-config FILE`, killing it after `timeout`.
    /// - Returns: the exit status and whether it was killed by a signal, or `nil` when it hung.
    static func checkConfig(_ file: String, output: String, timeout: Duration) throws -> (Int32, Bool)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: VigildProcess.binary)
        process.arguments = ["--check-config", file]
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let sink = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        defer { try? sink.close() }
        process.standardOutput = sink
        process.standardError = sink
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            usleep(5_000)
        }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal)
    }

    @Test func checkConfigOfMutatedFilesExitsZeroOrOneWithMessagesAndNeverCrashesOrHangs() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var input = FuzzInput()
        print("config fuzz seed \(input.seed) (replay with VIGIL_FUZZ_SEED=\(input.seed))")
        let started = ContinuousClock.now
        var valid = 0
        var invalid = 0
        var failures: [String] = []
        while ContinuousClock.now - started < .seconds(15) && failures.isEmpty {
            let file = directory + "/fuzz.toml"
            let bytes = Self.mutate(Self.example, &input)
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            let output = directory + "/output"
            let result = try Self.checkConfig(file, output: output, timeout: .seconds(10))
            let said = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            switch result {
            case nil:
                failures.append("hung on:\n\(String(decoding: bytes, as: UTF8.self))")
            case (let status, true)?:
                failures.append("killed by signal \(status) on:\n\(String(decoding: bytes, as: UTF8.self))")
            case (0, false)?:
                valid += 1
            case (1, false)? where said.contains("\(file):"):
                invalid += 1
            case (let status, false)?:
                failures.append(
                    "exit \(status) saying \(said.prefix(300)) on:\n\(String(decoding: bytes, as: UTF8.self))"
                )
            }
        }
        print("config fuzz seed \(input.seed), \(ContinuousClock.now - started): \(valid) valid, \(invalid) invalid")
        #expect(failures.isEmpty, "seed \(input.seed): \(failures.first ?? "")")
        #expect(valid + invalid > 0)
    }

    @Test func reloadOfGarbageFilesIsRejectedAndLeavesEveryTargetRunning() async throws {
        let vigild = try VigildProcess(config: HostileControlClientTests.twoSleepers)
        try await vigild.waitForEvent(.daemonReady)
        let pids = vigild.events(.targetStarted).compactMap(\.pid).sorted()
        let original = try String(contentsOfFile: vigild.configPath, encoding: .utf8)
        var input = FuzzInput()
        print("reload fuzz seed \(input.seed)")
        // Every one invalid. (An empty file is not among them: it is a valid configuration with no targets.)
        let cut = try #require(original.range(of: "/bin/sl", options: .backwards)).lowerBound
        let garbage: [[UInt8]] = [
            input.bytes(4_096), Array(original[..<cut].utf8), Array(original.utf8) + [0, 0xFF, 0xFE],
            Array(String(repeating: "[[target]]\n", count: 5_000).utf8), Array("[daemon]\n[[\n".utf8),
            Array((original + "\n[[target]]\nname = \"a\"\nexec = [\"/bin/true\"]\n").utf8),
            Array(original.replacingOccurrences(of: "/bin/sleep", with: "/nonexistent").utf8),
        ]
        for (index, bytes) in garbage.enumerated() {
            try Data(bytes).write(to: URL(fileURLWithPath: vigild.configPath))
            let answer = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .reload))
            #expect(!answer.ok, "garbage file \(index) was accepted: \(answer.message ?? "")")
            #expect(answer.error?.hasPrefix("configuration not reloaded: ") == true, "garbage file \(index)")
        }
        // Over SIGHUP too, with the last garbage still in place.
        vigild.signal(SIGHUP)
        try await vigild.waitForEvent(.reloadRejected, count: garbage.count + 1)
        let status = try #require(try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status)).status)
        #expect(status.targets.compactMap(\.pid).sorted() == pids)
        #expect(status.summary == "2 targets: 2 running")
        #expect(vigild.events(.targetStopping).isEmpty && vigild.events(.reloadSucceeded).isEmpty)
        try original.write(toFile: vigild.configPath, atomically: true, encoding: .utf8)
        let reloaded = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .reload))
        let summary = "0 added, 0 removed, 0 changed, 0 changed in place, 2 unchanged"
        #expect(reloaded.ok && reloaded.message == "configuration reloaded: \(summary)")
    }
}
