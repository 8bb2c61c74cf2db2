import CLinux
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// One accepted connection of the metrics server: read the request head, answer, close. Confined to the
/// server's queue (it is only reached through a `QueueConfined`), and never blocks it: the socket is
/// non-blocking, reads and writes happen when Dispatch says the socket is ready, and a deadline bounds the whole
/// exchange so a client that sends nothing, or reads nothing, is dropped.
final class MetricsConnection {
    private enum Phase {
        /// Collecting the request head.
        case reading
        /// Sending the response; what the client still sends is read and discarded.
        case writing
        /// Response sent and our side shut down: waiting for the client to close, so that closing does not reset
        /// the connection while the response is still in flight.
        case draining
        case closed
    }

    /// `MSG_NOSIGNAL`: a client that went away gives `EPIPE` instead of killing vigild with `SIGPIPE`. Spelled out
    /// because whether the Glibc macro is visible here depends on which C module the compiler happened to load
    /// first (the optimized build of this module does not see it).
    private static let noSignal: Int32 = 0x4000

    let id: UInt64
    private let fd: Int32
    private let metrics: @Sendable () -> String
    private let onClose: (UInt64) -> Void
    private var phase = Phase.reading
    private var received: [UInt8] = []
    private var output: [UInt8] = []
    private var written = 0
    /// The client has shut down its side (read returned 0): nothing more will arrive.
    private var peerClosed = false
    private var readSource: (any DispatchSourceRead)?
    private var writeSource: (any DispatchSourceWrite)?
    private var deadline: (any DispatchSourceTimer)?
    /// Sources still watching `fd`: it is closed only once their cancel handlers have run, as Dispatch requires.
    private var liveSources = 0

    /// Takes over `fd`, a connected non-blocking socket, and starts watching it.
    /// - Parameters:
    ///   - id: The server's key for this connection, passed back to `onClose`.
    ///   - timeout: How long the whole exchange may take.
    ///   - metrics: The body of `GET /metrics`, called on `queue`.
    ///   - onClose: Called on `queue` once `fd` is closed.
    static func start(
        id: UInt64,
        fd: Int32,
        queue: DispatchQueue,
        timeout: Duration,
        metrics: @escaping @Sendable () -> String,
        onClose: @escaping (UInt64) -> Void
    ) -> MetricsConnection {
        let connection = MetricsConnection(id: id, fd: fd, metrics: metrics, onClose: onClose)
        let confined = QueueConfined(connection, queue: queue)
        let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        read.setEventHandler { @Sendable in confined.value.readable() }
        read.setCancelHandler { @Sendable in
            confined.value.readSource = nil
            confined.value.sourceCancelled()
        }
        connection.readSource = read
        connection.liveSources = 1
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds))
        timer.setEventHandler { @Sendable in confined.value.close() }
        connection.deadline = timer
        connection.confined = confined
        read.activate()
        timer.activate()
        return connection
    }

    /// Itself, for the handlers of a write source made later; dropped on close to end the reference cycle.
    private var confined: QueueConfined<MetricsConnection>?

    private init(id: UInt64, fd: Int32, metrics: @escaping @Sendable () -> String, onClose: @escaping (UInt64) -> Void)
    {
        self.id = id
        self.fd = fd
        self.metrics = metrics
        self.onClose = onClose
    }

    /// Ends the exchange now: stops every source; `fd` is closed when the last one is cancelled.
    func close() {
        guard phase != .closed else { return }
        phase = .closed
        deadline?.cancel()
        deadline = nil
        readSource?.cancel()
        writeSource?.cancel()
        if liveSources == 0 {
            finish()
        }
    }

    private func sourceCancelled() {
        liveSources -= 1
        if liveSources == 0 && phase == .closed {
            finish()
        }
    }

    private func finish() {
        Glibc.close(fd)
        confined = nil
        onClose(id)
    }

    private func readable() {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count: Int
        do {
            count = try valueOrErrno("recv") { chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) } }
        } catch {
            if error.errno != EAGAIN && error.errno != EWOULDBLOCK {
                close()
            }
            return
        }
        switch phase {
        case .reading:
            guard count > 0 else {
                close()  // gone before a whole request: nobody to answer
                return
            }
            received += chunk.prefix(count)
            let parsed = HTTPRequestHead.parse(received)
            guard parsed != .incomplete else { return }
            received = []
            output = MetricsHTTPResponse.answering(parsed, metrics: metrics).serialized
            phase = .writing
            writeSome()
        case .writing:
            if count == 0 {
                // The client shut its side down; stop watching a socket that would now always be readable.
                peerClosed = true
                readSource?.cancel()
            }
        case .draining:
            if count == 0 {
                close()
            }
        case .closed:
            break
        }
    }

    private func writeSome() {
        while written < output.count {
            let sent: Int
            do {
                sent = try valueOrErrno("send") {
                    output.withUnsafeBytes {
                        send(fd, $0.baseAddress! + written, $0.count - written, Self.noSignal)
                    }
                }
            } catch {
                if error.errno == EAGAIN || error.errno == EWOULDBLOCK {
                    armWriteSource()
                } else {
                    close()
                }
                return
            }
            written += sent
        }
        output = []
        writeSource?.cancel()
        shutdown(fd, Int32(SHUT_WR))
        phase = .draining
        if peerClosed {
            close()
        }
    }

    private func armWriteSource() {
        guard writeSource == nil, let confined else { return }
        let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: confined.queue)
        source.setEventHandler { @Sendable in
            if confined.value.phase == .writing {
                confined.value.writeSome()
            }
        }
        source.setCancelHandler { @Sendable in
            confined.value.writeSource = nil
            confined.value.sourceCancelled()
        }
        writeSource = source
        liveSources += 1
        source.activate()
    }
}
