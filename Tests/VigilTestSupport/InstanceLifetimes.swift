import CLinux
import Foundation
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// When each instance of a cluster resource died, seen through a pidfd: the checker's end of an instance's
/// [started, stopped) interval, on CLOCK_MONOTONIC (which every network namespace shares). `pids` lists the PIDs
/// started so far (from the resource's start stamps); a thread of its own opens a pidfd for each new one and notes
/// the instant it becomes readable. A PID already gone when first seen ends at that instant (no later than it).
public final class InstanceLifetimes: @unchecked Sendable {
    private let lock = NSLock()
    private var ends: [Int32: MonotonicInstant] = [:]
    private var watched: [Int32: Int32] = [:]
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    public init(pids: @escaping @Sendable () -> [Int32]) {
        Thread.detachNewThread { [self] in
            while lock.withLock({ running }) {
                look(at: pids())
            }
            lock.withLock {
                for fd in watched.values { close(fd) }
                watched = [:]
            }
            done.signal()
        }
    }

    deinit {
        stop()
    }

    /// When `pid` died, if it has.
    public func end(of pid: Int32) -> MonotonicInstant? {
        lock.withLock { ends[pid] }
    }

    /// Ends the watch (its pidfds are closed).
    public func stop() {
        let wasRunning = lock.withLock {
            defer { running = false }
            return running
        }
        if wasRunning {
            done.wait()
        }
    }

    private func look(at pids: [Int32]) {
        for pid in pids where lock.withLock({ ends[pid] == nil && watched[pid] == nil }) {
            let fd = vigil_pidfd_open(pid)
            lock.withLock {
                if fd >= 0 {
                    watched[pid] = fd
                } else {
                    ends[pid] = MonotonicClock.now()
                }
            }
        }
        var polled = lock.withLock { watched.map { pollfd(fd: $0.value, events: Int16(POLLIN), revents: 0) } }
        guard !polled.isEmpty else {
            usleep(10_000)
            return
        }
        _ = poll(&polled, nfds_t(polled.count), 10)
        let now = MonotonicClock.now()
        lock.withLock {
            for entry in polled where entry.revents != 0 {
                guard let pid = watched.first(where: { $0.value == entry.fd })?.key else { continue }
                ends[pid] = now
                watched[pid] = nil
                close(entry.fd)
            }
        }
    }
}
