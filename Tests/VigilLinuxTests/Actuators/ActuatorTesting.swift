import Dispatch
import Foundation
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// Runs actuators from async tests.
enum ActuatorTesting {
    static let queue = DispatchQueue(label: "vigil.test.actuators")

    static func context(environment: [String: String]? = nil) -> ActuatorContext {
        ActuatorContext(completionQueue: queue, environment: environment ?? ProcessEnvironment.current())
    }

    /// Performs `operation` and waits for its outcome; `cancelAfter` cancels it that long after the start.
    static func outcome(
        _ actuator: any Actuator,
        _ operation: ActuatorOperation,
        timeout: Duration = .seconds(10),
        cancelAfter: Duration? = nil
    ) async -> ActuatorOutcome {
        await withCheckedContinuation { continuation in
            let cancellation = actuator.perform(operation, timeout: timeout) { @Sendable outcome in
                dispatchPrecondition(condition: .onQueue(queue))
                continuation.resume(returning: outcome)
            }
            if let cancelAfter {
                DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(cancelAfter.nanoseconds))) {
                    @Sendable in cancellation.cancel()
                }
            }
        }
    }

    /// A fresh temporary directory; the caller removes it.
    static func makeDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-actuator-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The PID written to `path`, waiting up to 5 s for it to appear.
    static func pid(in path: String) async throws -> Int32? {
        for _ in 0..<500 {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                return pid
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    /// Whether `pid` is alive (a zombie counts as dead).
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        guard let state = stat.split(separator: ")").last?.split(separator: " ").first else { return false }
        return state != "Z" && state != "X"
    }

    static func waitUntilGone(_ pid: Int32, timeout: Duration = .seconds(5)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning(pid) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        return !isRunning(pid)
    }
}
