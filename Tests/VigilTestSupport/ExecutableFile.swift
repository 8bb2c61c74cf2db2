import Foundation

/// Scripts a test writes and then has something execute.
public enum ExecutableFile {
    /// Writes `text` to `path` as an executable (mode 0755) that can be executed at once.
    ///
    /// Writing it from the test process itself races with every process the suite spawns meanwhile: a child
    /// forked between this process's `open` and `close` holds a copy of the written descriptor until it calls
    /// `exec`, and executing the file during that window fails with `ETXTBSY` ("Text file busy": one full run lost
    /// a test to it). So the test process only writes a scratch copy; `install` (a child of its own, which starts
    /// nothing else) writes the file that is executed.
    public static func write(_ text: String, to path: String) throws {
        let scratch = path + ".scratch-\(UUID().uuidString)"
        try text.write(toFile: scratch, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let result = try ProcessProbe.run("/usr/bin/install", ["-m", "0755", scratch, path])
        guard result.status == 0 else {
            throw ExecutableFileError(path: path, message: result.err)
        }
    }
}

/// `install` could not write an executable.
public struct ExecutableFileError: Error, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "could not install \(path): \(message)" }
}
