import CLinux
import Dispatch
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// A target's own `NOTIFY_SOCKET`: a unix datagram socket that receives the sd_notify protocol with the sender's
/// PID (`SCM_CREDENTIALS`), drained by a read source on the engine queue. The caller checks the PID: only the
/// target's main process may speak for it, as with systemd's `NotifyAccess=main`.
public final class NotifySocket: Sendable {
    public let path: String
    private let source: QueueConfined<any DispatchSourceRead>
    private let receiveAll: @Sendable () -> Void

    /// Where a target's notify socket lives: `<runtime_dir>/notify/<target>.sock`.
    public static func path(runtimeDirectory: String, target: String) -> String {
        "\(runtimeDirectory)/notify/\(target).sock"
    }

    /// The longest path a unix socket can have (`sun_path` less its terminating NUL).
    public static let maximumPathLength = 107

    /// A message and who sent it.
    public struct Received: Sendable {
        public var pid: Int32
        public var message: NotifyMessage
        public var receivedAt: MonotonicInstant
    }

    /// Creates the socket (replacing a stale one; the directory must exist) and starts receiving.
    /// - Parameters:
    ///   - path: where the socket lives, e.g. `/run/vigil/notify/web.sock`.
    ///   - queue: where `onMessage` runs.
    ///   - onMessage: called once per datagram.
    /// - Throws: `SystemError` from `socket`, `bind` or `chmod`.
    public init(
        path: String,
        queue: DispatchQueue,
        onMessage: @escaping @Sendable (Received) -> Void
    ) throws(SystemError) {
        self.path = path
        let fd = try valueOrNegatedErrno("notify socket", path) { vigil_notify_open(path) }
        var info = stat()
        let inode = stat(path, &info) == 0 ? info.st_ino : 0
        let readSource = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source = QueueConfined(readSource, queue: queue)
        let receiveAll: @Sendable () -> Void = {
            var buffer = [CChar](repeating: 0, count: 4096)
            var pid: pid_t = 0
            while true {
                let count = buffer.withUnsafeMutableBufferPointer {
                    vigil_notify_receive(fd, $0.baseAddress, $0.count, &pid)
                }
                if count == -Int(EMSGSIZE) {
                    continue
                }
                guard count >= 0 else { return }
                let text = buffer.prefix(count).withUnsafeBufferPointer {
                    String(decoding: UnsafeRawBufferPointer($0), as: UTF8.self)
                }
                onMessage(Received(pid: pid, message: NotifyMessage(text), receivedAt: MonotonicClock.now()))
            }
        }
        self.receiveAll = receiveAll
        readSource.setEventHandler(handler: receiveAll)
        readSource.setCancelHandler { @Sendable in
            close(fd)
            // Only our own socket file: a successor (a reloaded target) may already have bound the same path.
            var current = stat()
            if stat(path, &current) == 0, current.st_ino == inode {
                unlink(path)
            }
        }
        readSource.activate()
    }

    /// Takes every message waiting now, as the read source would. Only on the queue, before it is cancelled.
    public func drain() {
        dispatchPrecondition(condition: .onQueue(source.queue))
        receiveAll()
    }

    /// Stops receiving and removes the socket file. Only on the queue.
    public func cancel() {
        source.value.cancel()
    }
}
