import Foundation
import VigilLinux

/// Access to a real `systemd-journald` for tests.
public enum Journald {
    /// Runs `body` with a journald answering on the system socket. If none answers, one is started and stopped
    /// afterwards (by its pid, whatever `body` does); a journald that was already running is left alone.
    public static func withRunningJournal<T>(_ body: () async throws -> T) async throws -> T {
        var started: Process?
        if !LogBackend.journalAvailable() {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/lib/systemd/systemd-journald")
            try process.run()
            started = process
        }
        defer {
            if let started {
                started.terminate()
                started.waitUntilExit()
            }
        }
        for _ in 0..<50 where !LogBackend.journalAvailable() {
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await body()
    }

    /// Entries matching `match` (journalctl `FIELD=value` terms), polled for up to five seconds because journald
    /// writes asynchronously. Each entry maps field names to values; fields given more than once keep the last.
    public static func entries(matching match: [String]) async throws -> [[String: String]] {
        for _ in 0..<50 {
            let entries = try read(match)
            if !entries.isEmpty {
                return entries
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return []
    }

    private static func read(_ match: [String]) throws -> [[String: String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/journalctl")
        process.arguments = ["-o", "json", "--no-pager", "--all"] + match
        let output = Foundation.Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8))
            return (object as? [String: Any])?.compactMapValues(text)
        }
    }

    /// journalctl writes a value as a string, as an array of bytes when it is not printable, and as an array of
    /// those when the field repeats.
    private static func text(_ value: Any) -> String? {
        if let string = value as? String {
            return string
        }
        if let bytes = value as? [Int] {
            return String(decoding: bytes.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
        }
        if let values = value as? [Any] {
            return values.last.flatMap(text)
        }
        return nil
    }
}
