import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

extension SystemIntegrationTests {
    /// The state store against what only a real kernel does: a read-only file system, and a writer SIGKILLed at
    /// random instants.
    @Suite struct StateStoreSystemTests {
        @Test func aReadOnlyDirectoryGivesAClearErrorAndKeepsThePreviousState() throws {
            let directory = try VigildProcess.makeDirectory()
            let store = StateStore(directory: directory)
            try store.save(StateStoreTests.sample(generation: 1))
            var mounted = false
            defer {
                if mounted {
                    umount2(directory, Int32(MNT_DETACH))
                } else {
                    chmod(directory, 0o700)
                }
                try? FileManager.default.removeItem(atPath: directory)
            }
            if geteuid() == 0 {
                // Root ignores permission bits: a read-only bind mount is what refuses root.
                try #require(mount(directory, directory, nil, UInt(MS_BIND), nil) == 0)
                mounted = true
                try #require(
                    mount(nil, directory, nil, UInt(MS_REMOUNT | MS_BIND | MS_RDONLY), nil) == 0
                )
            } else {
                try #require(chmod(directory, 0o500) == 0)
            }
            let error = try #require(throws: StateStoreError.self) {
                try store.save(StateStoreTests.sample(generation: 2))
            }
            #expect(error.code == .io)
            #expect(error.errno == (geteuid() == 0 ? EROFS : EACCES))
            #expect(error.description.hasPrefix("state file \(store.path): open \(store.path).tmp: "))
            #expect(store.load().state?.generation == 1)
        }

        /// `vigil-state-torture` saves generation after generation; it is SIGKILLed at a random instant 60 times.
        /// Each time, the file must load whole, and be the last generation it reported saved or the one after
        /// (saved, killed before it could say so).
        @Test func aWriterKilledAtRandomInstantsAlwaysLeavesAWholeState() throws {
            let directory = try VigildProcess.makeDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let store = StateStore(directory: directory)
            var known: UInt64 = 0
            var advanced = 0
            var generator = SystemRandomNumberGenerator()
            let kills = 60
            for round in 0..<kills {
                let process = Process()
                process.executableURL = URL(
                    fileURLWithPath: VigildProcess.siblingExecutable("vigil-state-torture")
                )
                process.arguments = [directory]
                let output = Pipe()
                process.standardOutput = output
                try process.run()
                // The writer needs some 40 ms to start and 15 ms per save (two fsyncs): most kills land inside a save.
                usleep(UInt32.random(in: 20_000...200_000, using: &generator))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                #expect(process.terminationReason == .uncaughtSignal, "round \(round): it died on its own")
                let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    .split(separator: "\n").compactMap { UInt64($0) }
                let lastReported = printed.last ?? known
                let load = store.load()
                #expect(load.problem == nil, "round \(round): \(String(describing: load.problem))")
                let state = try #require(load.state ?? (known == 0 ? PersistedState() : nil))
                #expect(
                    state.generation == lastReported || state.generation == lastReported + 1,
                    "round \(round): loaded \(state.generation), last reported \(lastReported)"
                )
                // Whole: every figure in the file belongs to the same generation.
                for (_, target) in state.targets {
                    #expect(target.restarts == Int(state.generation))
                    #expect(target.recentEvents.allSatisfy { $0.fields["GENERATION"] == String(state.generation) })
                }
                if state.generation > known {
                    advanced += 1
                }
                known = state.generation
            }
            #expect(advanced >= kills / 2, "the writer made progress in only \(advanced) of \(kills) rounds")
            #expect(known > UInt64(kills), "only \(known) generations were written")
        }
    }
}
