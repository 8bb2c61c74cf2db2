import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite struct StateStoreTests {
    static func sample(generation: UInt64 = 3) -> PersistedState {
        var web = PersistedTargetState(
            role: .primary,
            pid: 4242,
            pidStartTime: 987_654,
            restarts: 2,
            restartAttempt: 1,
            ladder: RecoveryLadderSnapshot(
                phase: "verifying",
                step: 1,
                position: 1,
                attempts: [
                    RecoveryAttempt(
                        index: 0,
                        step: .restart,
                        trigger: "exited",
                        result: .failedInWindow(
                            evidence: "heartbeat convicted",
                            after: .seconds(2),
                            window: .seconds(10)
                        )
                    ),
                    RecoveryAttempt(index: 1, step: .exec("flush"), trigger: "exited"),
                ],
                sequence: 2,
                maintenance: false,
                ladder: [.restart, .exec("flush"), .failover]
            ),
            roles: FailoverRoles(active: "web", standbys: ["web-b"]),
            placement: PlacementMemory(lastChosen: "web-b", currentWeights: ["web-b": -1])
        )
        var failover = FailoverProgress(primary: "web", trigger: "exited")
        failover.phase = .promoting
        failover.standby = "web-b"
        failover.primaryConfirmedDead = true
        web.failover = failover
        web.record(
            Event(kind: .recoveryStep, target: "web", message: "web: exited; recovery step 1/3", time: .zero),
            wallClockMicroseconds: 1_700_000_000_000_000
        )
        return PersistedState(
            generation: generation,
            targets: ["web": web, "web-b": PersistedTargetState(role: .standby, maintenance: true)]
        )
    }

    private func withDirectory(_ body: (String) throws -> Void) throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory)
    }

    private func contents(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    private func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func aSavedStateLoadsBackEqualAndTheFileIsReadable() throws {
        try withDirectory { directory in
            let store = StateStore(directory: directory + "/var/lib/vigil")
            // A directory that does not exist yet: nothing to load, and the first save creates it.
            #expect(store.load() == StateLoad(state: nil))
            try store.save(Self.sample())
            #expect(store.load() == StateLoad(state: Self.sample()))
            try store.save(Self.sample(generation: 4))
            #expect(store.load().state?.generation == 4)
            let text = String(decoding: try contents(store.path), as: UTF8.self)
            #expect(text.hasPrefix("vigil-state 1 length="))
            #expect(text.contains("\"phase\" : \"promoting\""))
            #expect(!FileManager.default.fileExists(atPath: store.path + ".tmp"))
            var info = stat()
            #expect(stat(directory + "/var/lib/vigil", &info) == 0 && info.st_mode & 0o777 == 0o700)
            #expect(stat(store.path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        }
    }

    /// Damages a saved file with `damage`, loads, and returns what load said and the files left in the directory.
    private func loadDamaged(_ damage: ([UInt8]) -> [UInt8]) throws -> (load: StateLoad, files: [String]) {
        var result: (StateLoad, [String])?
        try withDirectory { directory in
            let store = StateStore(directory: directory)
            try store.save(Self.sample())
            let damaged = damage(try contents(store.path))
            try write(damaged, to: store.path)
            let load = store.load()
            result = (load, try FileManager.default.contentsOfDirectory(atPath: directory).sorted())
            if let aside = load.setAside {
                #expect(aside.hasPrefix(store.path + ".corrupt-"))
                // Kept as it was, for inspection.
                #expect(try contents(aside) == damaged)
            }
            // The next save works and loads again.
            try store.save(Self.sample(generation: 9))
            #expect(store.load().state?.generation == 9)
        }
        return try #require(result)
    }

    @Test func aTruncatedFileIsSetAsideAndReportedNotHalfRead() throws {
        let (load, files) = try loadDamaged { Array($0.prefix($0.count / 2)) }
        #expect(load.state == nil)
        let problem = try #require(load.problem)
        #expect(problem.code == .corrupt)
        #expect(problem.description.contains("truncated"))
        #expect(problem.description.contains("moved aside to"))
        #expect(files.count == 1 && files[0].hasPrefix("state.json.corrupt-"))
    }

    @Test func aGarbledByteFailsTheChecksum() throws {
        let (load, _) = try loadDamaged { bytes in
            var bytes = bytes
            bytes[bytes.count - 10] ^= 0x20
            return bytes
        }
        #expect(load.state == nil)
        #expect(load.problem?.code == .corrupt)
        #expect(load.problem?.message.hasPrefix("checksum mismatch") == true)
    }

    @Test func aWrongChecksumInTheHeaderIsCaught() throws {
        let (load, _) = try loadDamaged { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            let range = text.range(of: "sha256=")!
            var changed = text
            changed.replaceSubrange(range.upperBound..<text.index(range.upperBound, offsetBy: 8), with: "00000000")
            return Array(changed.utf8)
        }
        #expect(load.problem?.message.hasPrefix("checksum mismatch") == true)
    }

    @Test func emptyForeignAndNewerFilesAreSetAsideWithAReason() throws {
        #expect(try loadDamaged { _ in [] }.load.problem?.message.hasPrefix("empty file") == true)
        #expect(
            try loadDamaged { _ in Array("{\"generation\": 1}\n".utf8) }.load.problem?.message.hasPrefix("bad header")
                == true
        )
        let newer = try loadDamaged { bytes in
            Array(
                String(decoding: bytes, as: UTF8.self).replacingOccurrences(
                    of: "vigil-state 1 ",
                    with: "vigil-state 7 "
                ).utf8
            )
        }
        #expect(newer.load.problem?.code == .unsupportedVersion)
        #expect(newer.load.problem?.description.contains("format version 7 is newer") == true)
    }

    @Test func aFileThatIsADirectoryIsAReadErrorNamingThePath() throws {
        try withDirectory { directory in
            let store = StateStore(directory: directory)
            #expect(mkdir(store.path, 0o700) == 0)
            let load = store.load()
            #expect(load.state == nil)
            #expect(load.problem?.code == .io)
            #expect(load.problem?.path == store.path)
            #expect(throws: StateStoreError.self) { try store.save(Self.sample()) }
        }
    }

    @Test func aFIFOAtThePathIsAReadErrorInsteadOfAHang() throws {
        try withDirectory { directory in
            let store = StateStore(directory: directory)
            #expect(mkfifo(store.path, 0o600) == 0)
            let load = store.load()
            #expect(load.state == nil && load.problem?.code == .io && load.problem?.path == store.path)
        }
    }

    @Test func aFileLargerThanTheLimitIsSetAsideUnread() throws {
        let (load, _) = try loadDamaged { bytes in bytes + [UInt8](repeating: 32, count: StateStore.maximumSize) }
        #expect(load.state == nil)
        #expect(load.problem?.message.hasPrefix("larger than 64 MiB") == true)
    }

    @Test func pidsNoTargetCanHaveAreDroppedWhenTheFileIsRead() throws {
        var state = PersistedState(generation: 3)
        for (name, pid) in [("zero", Int32(0)), ("init", 1), ("negative", -1), ("fine", 4242)] {
            state.targets[name] = PersistedTargetState(pid: pid, pidStartTime: 77, restarts: 2)
        }
        let decoded = try StateFileFormat.decode(try StateFileFormat.encode(state), path: "state.json")
        for name in ["zero", "init", "negative"] {
            #expect(decoded.targets[name]?.pid == nil && decoded.targets[name]?.pidStartTime == nil, "\(name)")
            #expect(decoded.targets[name]?.restarts == 2)
        }
        #expect(decoded.targets["fine"]?.pid == 4242 && decoded.targets["fine"]?.pidStartTime == 77)
    }
}
