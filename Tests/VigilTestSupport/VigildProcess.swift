import Foundation
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// A real `vigild` started by a test from the binary built beside the test bundle, with its own temporary
/// directory and configuration. Its stderr log is collected and parsed; `stop()` (or deinit) ends it and
/// every process it started (found by a mark in their environment), even when the test failed half-way.
public final class VigildProcess: @unchecked Sendable {
    public let directory: String
    public let configPath: String
    /// The state directory in the configuration (the harness's own unless the test chose one).
    public let stateDirectory: String
    public let process: Process
    private let lock = NSLock()
    private var collected: [LogLine] = []
    private var unparsed: [String] = []
    private var pending = Data()
    private var stdoutData = Data()
    private var stopped = false
    private var stderrClosed = false
    /// `VIGIL_TEST_OWNER=<uuid>`: put in this vigild's environment, so every process it starts (targets, hooks
    /// and what they start) inherits it and `stop()` can find them without trusting PIDs, which the suite
    /// recycles (`pid_max` is 32768 here and a full run starts tens of thousands of processes).
    private let ownerMark = (name: "VIGIL_TEST_OWNER", value: UUID().uuidString)

    /// The `vigild` executable: `$VIGILD_BINARY`, or the one SwiftPM built next to the test bundle.
    public static var binary: String {
        if let path = ProcessInfo.processInfo.environment["VIGILD_BINARY"] {
            return path
        }
        return siblingExecutable("vigild")
    }

    /// An executable built by SwiftPM into the same directory as the running test bundle.
    public static func siblingExecutable(_ name: String) -> String {
        let bundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// A fresh temporary directory for one test; the caller removes it (VigildProcess does for its own).
    public static func makeDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-test-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes `config` and starts vigild on it.
    /// - Parameters:
    ///   - config: the TOML text.
    ///   - arguments: extra arguments (the default logs to stderr so the test can read the events).
    ///   - environment: variables added to the test's own environment.
    ///   - launcher: a command that execs vigild in its place (`ip netns exec NS`), so its PID is vigild's.
    public init(
        config: String,
        arguments: [String] = ["--log-target", "stderr"],
        environment: [String: String] = [:],
        launcher: [String] = []
    ) throws {
        directory = try Self.makeDirectory()
        configPath = directory + "/vigil.toml"
        // Every vigild of a test gets its own runtime directory (control socket, notify sockets) unless the test
        // chose one, so tests running side by side never share a socket.
        var text = config
        // Its own state directory too, so no test reads another's (or the host's) state file.
        for (key, value) in [("runtime_dir", directory + "/run"), ("state_dir", directory + "/state")]
        where !text.contains(key) {
            let line = "\(key) = \"\(value)\"\n"
            if let table = text.range(of: "[daemon]\n") {
                text.insert(contentsOf: line, at: table.upperBound)
            } else {
                text = "[daemon]\n" + line + "\n" + text
            }
        }
        stateDirectory = Self.stateDirectory(in: text) ?? directory + "/state"
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        process = Process()
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(launcher.dropFirst()) + [Self.binary, "--config", configPath] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = ["--config", configPath] + arguments
        }
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = nil
        env["WATCHDOG_USEC"] = nil
        env["WATCHDOG_PID"] = nil
        for (name, value) in environment {
            env[name] = value
        }
        env[ownerMark.name] = ownerMark.value
        process.environment = env
        let stderr = Pipe()
        let stdout = Pipe()
        process.standardError = stderr
        process.standardOutput = stdout
        stderr.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
            }
            self?.consume(data)
        }
        stdout.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            self.lock.lock()
            self.stdoutData.append(data)
            self.lock.unlock()
        }
        try process.run()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    public var pid: Int32 { process.processIdentifier }

    /// SIGKILLs every process whose environment holds `mark` (a `NAME=value` entry), with the process group
    /// it leads, until none is left.
    static func killMarked(_ mark: String) {
        let needle = Array(mark.utf8) + [0]
        for _ in 0..<50 {
            var found = false
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            for entry in entries {
                guard let pid = Int32(entry), pid > 1, pid != getpid(),
                    let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
                    Self.holds(Array(environ), needle)
                else { continue }
                found = true
                if getpgid(pid) == pid {
                    kill(-pid, SIGKILL)
                }
                kill(pid, SIGKILL)
            }
            guard found else { return }
            usleep(10_000)
        }
    }

    /// Whether a NUL-separated environment block holds `entry` (NUL-terminated) as one of its entries.
    private static func holds(_ block: [UInt8], _ entry: [UInt8]) -> Bool {
        var start = 0
        while start < block.count {
            let end = block[start...].firstIndex(of: 0) ?? block.count
            if end - start + 1 == entry.count, block[start..<end].elementsEqual(entry.dropLast()) {
                return true
            }
            start = end + 1
        }
        return false
    }

    /// The control socket of this vigild, when the test left the runtime directory to the harness.
    public var controlSocket: String { directory + "/run/control.sock" }

    private func consume(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        if data.isEmpty {
            stderrClosed = true
        }
        pending.append(data)
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
            pending.removeSubrange(pending.startIndex...newline)
            if let parsed = LogLine(line) {
                collected.append(parsed)
            } else {
                unparsed.append(line)
            }
        }
    }

    /// Every log line so far.
    public var lines: [LogLine] {
        lock.lock()
        defer { lock.unlock() }
        return collected
    }

    /// What reached vigild's standard output (its targets' output when it logs to stderr).
    public var standardOutput: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: stdoutData, as: UTF8.self)
    }

    /// Lines vigild wrote that are not in its log format (there should be none).
    public var strayOutput: [String] {
        lock.lock()
        defer { lock.unlock() }
        return unparsed
    }

    /// Events of one type, optionally for one target, in order.
    public func events(_ kind: EventKind, target: String? = nil) -> [LogLine] {
        lines.filter { $0.event == kind.rawValue && (target == nil || $0.target == target) }
    }

    /// Waits until `condition` holds for the lines so far, or fails after `timeout`.
    /// - Throws: `VigildTestError.timedOut` with what was logged, so a failure explains itself.
    @discardableResult
    public func waitFor<T>(
        _ what: String,
        timeout: Duration = .seconds(15),
        _ condition: ([LogLine]) -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value = condition(lines) {
                return value
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        if let value = condition(lines) {
            return value
        }
        throw VigildTestError.timedOut(what, log: lines.map(\.raw) + strayOutput)
    }

    /// Waits for the `count`-th event of a kind (1-based) and returns it.
    @discardableResult
    public func waitForEvent(
        _ kind: EventKind,
        target: String? = nil,
        count: Int = 1,
        timeout: Duration = .seconds(15)
    ) async throws -> LogLine {
        try await waitFor("\(count)× \(kind.rawValue) for \(target ?? "daemon")", timeout: timeout) { _ in
            let found = events(kind, target: target)
            return found.count >= count ? found[count - 1] : nil
        }
    }

    public func signal(_ number: Int32) {
        kill(pid, number)
    }

    /// Waits for vigild to exit and returns its exit status, or `nil` after `timeout`. Everything it logged has
    /// been read by then (its stderr is at end of file).
    public func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while (process.isRunning || !isStderrClosed) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.isRunning ? nil : process.terminationStatus
    }

    private var isStderrClosed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stderrClosed
    }

    /// The loss of a host: SIGKILL to vigild and to every process it started (its targets die with it, unwarned).
    public func killWithTargets() {
        kill(pid, SIGKILL)
        Self.killMarked("\(ownerMark.name)=\(ownerMark.value)")
    }

    /// Ends vigild (SIGTERM, SIGKILL after 10 s) and kills the process group of every target it reported, so a
    /// failed test leaves nothing behind.
    public func stop() {
        lock.lock()
        let alreadyStopped = stopped
        stopped = true
        lock.unlock()
        guard !alreadyStopped else { return }
        if process.isRunning {
            kill(pid, SIGTERM)
            let deadline = ContinuousClock.now + .seconds(10)
            while process.isRunning && ContinuousClock.now < deadline {
                usleep(10_000)
            }
            if process.isRunning {
                kill(pid, SIGKILL)
                process.waitUntilExit()
            }
        }
        // Every process that still carries this vigild's mark: its targets and hooks, and what they started,
        // even when vigild was SIGKILLed and they were left behind. A service target's instance runs under the
        // container's systemd and carries no mark; the container's own clean-up ends it.
        Self.killMarked("\(ownerMark.name)=\(ownerMark.value)")
        // A vigild killed with SIGKILL leaves its targets' cgroups (and what runs in them) behind.
        TestCgroup.removeTargetCgroups(stateDirectory: stateDirectory)
    }

    /// The `state_dir = "…"` of a configuration's text.
    static func stateDirectory(in text: String) -> String? {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == "state_dir" else { continue }
            return parts[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(
                in: CharacterSet(charactersIn: "\"")
            )
        }
        return nil
    }
}

/// Why a test's wait for vigild failed.
public enum VigildTestError: Error, CustomStringConvertible {
    case timedOut(String, log: [String])

    public var description: String {
        switch self {
        case .timedOut(let what, let log):
            "timed out waiting for \(what); vigild logged:\n" + log.joined(separator: "\n")
        }
    }
}

/// Process helpers for assertions about real PIDs.
public enum ProcessProbe {
    /// Whether `pid` is a live process (a zombie counts as dead: it has exited and only awaits reaping).
    public static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        guard let state = stat.split(separator: ")").last?.split(separator: " ").first else { return false }
        return state != "Z" && state != "X"
    }

    /// Waits until `pid` is no longer running; `false` after `timeout`.
    public static func waitUntilGone(_ pid: Int32, timeout: Duration = .seconds(10)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning(pid) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        return !isRunning(pid)
    }

    /// Runs a command to completion and returns its exit status, standard output and standard error.
    public static func run(_ path: String, _ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outData, as: UTF8.self),
            String(decoding: errData, as: UTF8.self)
        )
    }
}
