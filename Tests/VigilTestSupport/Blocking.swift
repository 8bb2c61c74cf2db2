import Dispatch

/// Blocking work of an async test (a child process waited for, a lock, `connect` and `recv`), run on a Dispatch
/// thread instead of one of Swift's cooperative threads. The test process's cooperative pool has as many threads as
/// the machine has cores (two here): two tests blocking in it freeze every other test's awaits, and their deadlines
/// pass while they cannot look.
public enum Blocking {
    /// Runs `body` on a global Dispatch queue and returns (or throws) what it did.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }
}
