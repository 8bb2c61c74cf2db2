import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The state file as hostile input: whatever lies at `<state_dir>/state.json`, vigild starts, says what it
/// ignored, and supervises its targets from scratch.
@Suite struct HostileStateFileTests {
    /// A state file whose header and checksum are right, for content that must still not be trusted.
    static func wellFormed(_ targets: [String: PersistedTargetState]) throws -> [UInt8] {
        try StateFileFormat.encode(PersistedState(generation: 1, targets: targets))
    }

    /// What lies at the state file's path, and whether vigild must report it unusable.
    enum Content {
        case bytes([UInt8], reported: Bool)
        case fifo
        case directory
    }

    static func cases() throws -> [(String, Content)] {
        var input = FuzzInput()
        print("state file fuzz seed \(input.seed)")
        let valid = try wellFormed(["web": PersistedTargetState(pid: 999_999, pidStartTime: 1)])
        var newer = valid
        newer.replaceSubrange(0..<"vigil-state 1".utf8.count, with: Array("vigil-state 99".utf8))
        var flipped = valid
        flipped[flipped.count - 3] ^= 0x20
        return [
            ("empty", .bytes([], reported: true)),
            ("truncated", .bytes(Array(valid.prefix(valid.count / 2)), reported: true)),
            ("random bytes", .bytes(input.bytes(input.int(1...65_536)), reported: true)),
            ("a newer format version", .bytes(newer, reported: true)),
            ("one bit flipped", .bytes(flipped, reported: true)),
            (
                "huge (80 MB)",
                .bytes(
                    Array("vigil-state 1 length=83886080 sha256=00\n".utf8) + [UInt8](repeating: 32, count: 80 << 20),
                    reported: true
                )
            ),
            // Well-formed, but naming PIDs no target can have. (Init with its true start time is not tried here: on a
            // vigild that adopted it, stopping would signal every process on the host. `StateFileFormatTests`
            // proves such PIDs are dropped when the file is read.)
            ("PID 1", .bytes(try wellFormed(["web": PersistedTargetState(pid: 1, pidStartTime: 1)]), reported: false)),
            (
                "PID -1",
                .bytes(try wellFormed(["web": PersistedTargetState(pid: -1, pidStartTime: 0)]), reported: false)
            ),
            (
                "absurd counts",
                .bytes(
                    try wellFormed([
                        "web": PersistedTargetState(restarts: Int.max, restartAttempt: Int.max, failed: true),
                        "gone": PersistedTargetState(pid: Int32.max),
                    ]),
                    reported: false
                )
            ),
            ("a FIFO", .fifo),
            ("a directory", .directory),
        ]
    }

    @Test func vigildStartsAndSupervisesWhateverLiesAtTheStateFilesPath() async throws {
        for (what, content) in try Self.cases() {
            let state = try VigildProcess.makeDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let file = state + "/state.json"
            var reported = true
            switch content {
            case .bytes(let bytes, let isReported):
                try Data(bytes).write(to: URL(fileURLWithPath: file))
                reported = isReported
            case .fifo:
                #expect(mkfifo(file, 0o600) == 0)
            case .directory:
                try FileManager.default.createDirectory(atPath: file, withIntermediateDirectories: false)
            }
            let vigild = try VigildProcess(
                config: """
                    [daemon]
                    state_dir = "\(state)"

                    [[target]]
                    name = "web"
                    exec = ["/bin/sleep", "1000"]
                    restart = { backoff = "0..1s", start_grace = "100ms" }
                    """
            )
            do {
                try await vigild.waitForEvent(.daemonReady, timeout: .seconds(20))
            } catch {
                Issue.record("state file \(what): vigild not ready (\(HostileControlClientTests.death(of: vigild)))")
                continue
            }
            let started = try #require(vigild.events(.targetStarted, target: "web").first?.pid, "\(what)")
            #expect(started > 1 && started != 999_999, "state file \(what)")
            if reported {
                #expect(!vigild.events(.stateFileCorrupt).isEmpty, "state file \(what) reported unusable")
            }
            let status = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status))
            #expect(status.status?.summary == "1 targets: 1 running" || status.status?.summary == "1 target: 1 running")
            #expect(status.status?.targets.first?.pid == started, "state file \(what)")
            vigild.stop()
            #expect(ProcessProbe.isRunning(1), "init survived vigild's stop after state file \(what)")
        }
    }
}
