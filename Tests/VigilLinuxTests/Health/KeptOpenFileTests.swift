import Foundation
import Testing
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

@Suite struct KeptOpenFileTests {
    @Test func rereadsTheCurrentContentsThroughTheSameDescriptor() throws {
        let tree = try FixtureTree()
        defer { tree.remove() }
        try tree.write("/f", "populated 0\n")
        let file = try KeptOpenFile(path: tree.root + "/f")
        #expect(try file.read() == "populated 0\n")
        // Rewrite in place (same inode): the kept descriptor sees the new text.
        let handle = try #require(FileHandle(forWritingAtPath: tree.root + "/f"))
        try handle.write(contentsOf: Data("populated 1\n".utf8))
        try handle.close()
        #expect(try file.read() == "populated 1\n")
    }

    @Test func growsItsBufferForAFileLargerThanTheFirstFourKiB() throws {
        let tree = try FixtureTree()
        defer { tree.remove() }
        let big = String(repeating: "0123456789abcdef", count: 1000)
        try tree.write("/big", big)
        let file = try KeptOpenFile(path: tree.root + "/big")
        #expect(try file.read() == big)
        #expect(try file.read() == big)
    }

    @Test func aFileDeletedBetweenOpenAndReadIsAVanishedError() throws {
        let tree = try FixtureTree()
        defer { tree.remove() }
        try tree.write("/cgroup.events", "populated 1\n")
        let file = try KeptOpenFile(path: tree.root + "/cgroup.events")
        try tree.delete("/cgroup.events")
        let error = try #require(throws: SystemError.self) { try file.read() }
        #expect(error.fileVanished)
        #expect(error.subject == tree.root + "/cgroup.events")
    }

    @Test func openingAMissingFileIsAVanishedErrorNamingThePath() throws {
        let error = try #require(throws: SystemError.self) { try KeptOpenFile(path: "/nonexistent/vigil/file") }
        #expect(error.fileVanished)
        #expect(error.description.contains("/nonexistent/vigil/file"))
    }

    @Test func procFilesReadThroughAKeptDescriptorChangeBetweenReads() throws {
        let file = try KeptOpenFile(path: "/proc/self/stat")
        let first = try file.read()
        // utime/stime and the like move; spin a little so at least the CPU time changes.
        var second = first
        let deadline = Date().addingTimeInterval(2)
        while second == first && Date() < deadline {
            var sink = 0
            for value in 0..<1_000_000 { sink &+= value }
            #expect(sink != 1)
            second = try file.read()
        }
        #expect(first != second)
        #expect(second.hasPrefix("\(getpid()) ("))
    }
}
