import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A client that samples every instance of a `RoleService` continuously on a thread of its own, recording when
/// any instance answered `primary`, and every moment two did.
///
/// One sample reads the ports in order, twice (a, b, a, b): two instances count as primary at once only when one
/// answered `primary` on both sides of the other's `primary` answer, so a role that moved between two reads is not
/// mistaken for two primaries, and a real overlap is.
final class RoleSampler: @unchecked Sendable {
    let ports: [UInt16]
    private let lock = NSLock()
    private var running = false
    private var thread: Thread?
    private var primaryTimes: [ContinuousClock.Instant] = []
    private var overlaps: [String] = []
    private var count = 0
    private let done = DispatchSemaphore(value: 0)

    init(ports: [UInt16]) {
        self.ports = ports
    }

    func start() {
        lock.withLock { running = true }
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                sample()
                // Leaves the CPU to the rest of the suite between samples.
                usleep(200)
            }
            done.signal()
        }
        self.thread = thread
        thread.start()
    }

    func stop() {
        let wasRunning = lock.withLock {
            defer { running = false }
            return running
        }
        if wasRunning {
            done.wait()
        }
    }

    private func sample() {
        // Stamped when it starts: a sample stamped after an instant read every port after it.
        let now = ContinuousClock.now
        let first = ports.map { RoleService.role(at: $0) }
        let second = ports.map { RoleService.role(at: $0) }
        var found: [String] = []
        for i in ports.indices {
            for j in ports.indices where i < j {
                // i before and after j's answer, or j before and after i's.
                let iAround = first[i] == "primary" && second[i] == "primary" && first[j] == "primary"
                let jAround = first[j] == "primary" && second[j] == "primary" && second[i] == "primary"
                if iAround || jAround {
                    found.append("ports \(ports[i]) and \(ports[j]) at \(now)")
                }
            }
        }
        lock.withLock {
            count += 1
            overlaps += found
            if (first + second).contains("primary") {
                primaryTimes.append(now)
            }
        }
    }

    /// Moments two instances answered `primary`.
    var violations: [String] { lock.withLock { overlaps } }
    var samples: Int { lock.withLock { count } }

    /// The first sample after `instant` in which an instance answered `primary`.
    func firstPrimary(after instant: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        lock.withLock { primaryTimes.first { $0 > instant } }
    }
}
