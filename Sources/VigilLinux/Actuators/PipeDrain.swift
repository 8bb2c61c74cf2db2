import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Reads a pipe to its end on a thread of its own, with `poll`, handing each chunk to `onData` and closing the pipe
/// when done; `stop()` ends it early (what is waiting is still read).
///
/// Not a `DispatchSourceRead`: tearing such a source down while its pipe has just hung up (the writer killed a moment
/// before) crashes libdispatch's event loop on Linux now and then (`_dispatch_event_loop_drain`, seen in the chaos
/// soak about once in 50 cancelled hooks, and reproduced by `HookRunTests`), taking vigild down with it.
final class PipeDrain: Sendable {
    private let stopping = Atomic<Bool>(false)

    /// - Parameters:
    ///   - fd: the read end; the drain owns it from now on and closes it.
    ///   - onData: called on the drain's thread with each chunk read.
    ///   - onEnd: called on the drain's thread once, after the last chunk, when the pipe is closed.
    init(
        fd: Int32,
        onData: @escaping @Sendable (UnsafeRawBufferPointer) -> Void,
        onEnd: @escaping @Sendable () -> Void
    ) {
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        // A queue of its own (overcommit): the blocking loop gets a thread and takes none from the shared pool.
        DispatchQueue(label: "vigil.pipe-drain").async { @Sendable [self] in
            run(fd: fd, onData: onData)
            close(fd)
            onEnd()
        }
    }

    /// Ends the drain after reading what is waiting now, even if a writer still holds the pipe open.
    func stop() {
        stopping.store(true, ordering: .releasing)
    }

    private func run(fd: Int32, onData: (UnsafeRawBufferPointer) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let stop = stopping.load(ordering: .acquiring)
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, stop ? 0 : 50)
            if ready < 0, errno == EINTR {
                continue
            }
            guard ready > 0 else {
                if stop || ready < 0 { return }
                continue
            }
            // Read what is there: to the end of the pipe, or until it would block.
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    buffer.withUnsafeBytes { onData(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
                    continue
                }
                if count < 0, errno == EINTR {
                    continue
                }
                if count == 0 {
                    return
                }
                break
            }
            if stop {
                return
            }
        }
    }
}
