import Foundation
import Testing
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

@Suite struct TextfileWriterTests {
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-textfile-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aReaderOnlyEverSeesOneWholeVersionAndNoTemporaryFileRemains() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/vigil.prom"
        // Large enough that a plain rewrite would be caught half-way by a reader.
        let versions = ["a", "b"].map { String(repeating: "vigil_\($0) 1\n", count: 100_000) }
        let writer = TextfileWriter(path: path)
        try writer.write(versions[0])

        // A thread that reads the file as fast as it can while the writer replaces it.
        let tally = Tally()
        let reader = Thread {
            while !tally.stopped {
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                let text = String(decoding: data, as: UTF8.self)
                tally.count(torn: text != versions[0] && text != versions[1])
            }
            tally.finish()
        }
        reader.start()
        while tally.reads == 0 {
            Thread.sleep(forTimeInterval: 0.001)
        }
        for round in 0..<60 {
            try writer.write(versions[round % 2])
        }
        let (reads, torn) = tally.stop()
        #expect(reads > 0)
        #expect(torn == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == versions[1])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["vigil.prom"])
        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o644)
    }

    @Test func theTemporaryFileSitsBesideTheTargetAndIsNotAPromFile() {
        let writer = TextfileWriter(path: "/var/lib/node_exporter/vigil.prom")
        #expect(writer.temporaryPath == "/var/lib/node_exporter/vigil.prom.tmp.\(getpid())")
        #expect(!writer.temporaryPath.hasSuffix(".prom"))
    }

    @Test func aMissingDirectoryIsReportedWithThePath() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = TextfileWriter(path: directory + "/missing/vigil.prom")
        do {
            try writer.write("vigil_x 1\n")
            Issue.record("wrote into a missing directory")
        } catch {
            #expect(error.errno == ENOENT)
            #expect(error.description.contains(directory + "/missing/vigil.prom.tmp."))
        }
    }

    @Test func aFailedRenameLeavesTheOldFileAndNoTemporaryFile() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The target path is a non-empty directory: rename fails, after the temporary file was written.
        let path = directory + "/vigil.prom"
        try FileManager.default.createDirectory(atPath: path + "/inside", withIntermediateDirectories: true)
        #expect(throws: SystemError.self) { try TextfileWriter(path: path).write("vigil_x 1\n") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["vigil.prom"])
    }
}

/// What the reader thread saw, shared with the test under a lock.
private final class Tally: @unchecked Sendable {
    private let lock = NSCondition()
    private var reading = true
    private var done = false
    private var seen = 0
    private var tornReads = 0

    var stopped: Bool { lock.withLock { !reading } }
    var reads: Int { lock.withLock { seen } }

    func count(torn: Bool) {
        lock.withLock {
            seen += 1
            tornReads += torn ? 1 : 0
        }
    }

    func finish() {
        lock.withLock {
            done = true
            lock.broadcast()
        }
    }

    /// Stops the reader and waits for it: how many reads, how many of them torn.
    func stop() -> (reads: Int, torn: Int) {
        lock.withLock {
            reading = false
            while !done {
                lock.wait()
            }
            return (seen, tornReads)
        }
    }
}
