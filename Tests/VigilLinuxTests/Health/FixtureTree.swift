import Foundation

/// A temporary directory laid out like the parts of `/proc` and `/sys` a test needs; removed by `remove()`.
struct FixtureTree {
    let root: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-health-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    /// Writes `text` at `path` (absolute as on the host, e.g. `/proc/meminfo`), creating directories above it.
    func write(_ path: String, _ text: String) throws {
        let full = root + path
        let directory = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
    }

    func makeDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: root + path, withIntermediateDirectories: true)
    }

    func delete(_ path: String) throws {
        try FileManager.default.removeItem(atPath: root + path)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}
