import CLinux
import Dispatch
import FoundationEssentials
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// One client of the control socket: reads one request line (at most 64 KiB, within 5 s), hands it to the server's
/// handler, and writes responses without ever blocking the queue (what the socket cannot take now waits for a write
/// source; a follower that lets more than 1 MiB pile up is dropped). Everything runs on the server's queue.
public final class ControlConnection: Sendable {
    public let peer: ControlAccess.Peer
    private let fd: Int32
    private let state: QueueConfined<State>

    struct State {
        var input: [UInt8] = []
        var output: [UInt8] = []
        var readSource: (any DispatchSourceRead)?
        var writeSource: (any DispatchSourceWrite)?
        var timer: (any DispatchSourceTimer)?
        var requestSeen = false
        var closed = false
        var closeWhenFlushed = false
        /// Reading stopped at the client's end of stream while the last reply is still being written.
        var readSuspended = false
    }

    /// Every source ever made on `fd` until its cancellation is complete: the descriptor is closed only then. Closing it
    /// while a cancelled write source is still registered with libdispatch's epoll loop (the read source's cancel
    /// handler used to close it on its own) crashed that loop now and then (SIGSEGV in `_dispatch_event_loop_drain`,
    /// seen under the control protocol fuzz test with clients that stop reading and hang up).
    private let sourcesOnDescriptor = DispatchGroup()

    static let maximumRequest = 64 * 1024
    static let maximumBacklog = 1 << 20
    static let requestTimeout = DispatchTimeInterval.seconds(5)

    init(
        fd: Int32,
        peer: ControlAccess.Peer,
        queue: DispatchQueue,
        onRequest: @escaping @Sendable (ControlConnection, ControlRequest) -> Void
    ) {
        self.fd = fd
        self.peer = peer
        self.state = QueueConfined(State(), queue: queue)
        let readSource = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        sourcesOnDescriptor.enter()
        readSource.setCancelHandler { @Sendable [sourcesOnDescriptor] in sourcesOnDescriptor.leave() }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        state.value.readSource = readSource
        state.value.timer = timer
        // The read source keeps its connection alive (nothing else need hold it); `close()` breaks the cycle by
        // releasing the sources.
        readSource.setEventHandler { @Sendable in
            self.readAvailable(onRequest: onRequest)
        }
        timer.setEventHandler { @Sendable [weak self] in
            guard let self, !self.state.value.requestSeen else { return }
            self.fail("no request within 5 s")
        }
        timer.schedule(deadline: .now() + Self.requestTimeout)
        readSource.activate()
        timer.activate()
    }

    /// Whether the connection has been closed (by either side).
    public var isClosed: Bool { state.value.closed }

    private func readAvailable(onRequest: @Sendable (ControlConnection, ControlRequest) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        // At most 64 KiB per wake-up: a client that keeps writing after its request (which is read and dropped)
        // must not hold the engine queue. The read source fires again for what is left.
        for _ in 0..<16 where !state.value.closed {
            let count: Int
            do throws(SystemError) {
                count = try valueOrErrno("read", "control client") { read(fd, &buffer, buffer.count) }
            } catch {
                // EAGAIN: all read for now. ECONNRESET and the like: the client is gone.
                if error.errno != EAGAIN { close() }
                return
            }
            if count == 0 {
                // The client shut down its side. The rest of a last reply is still written (a half-close after the
                // request is how `socat` and `nc -N` say "that was all"); a follower or an answered client is done.
                if state.value.closeWhenFlushed, !state.value.output.isEmpty, let source = state.value.readSource {
                    source.suspend()
                    state.value.readSuspended = true
                } else {
                    close()
                }
                return
            }
            guard !state.value.requestSeen else { continue }
            state.value.input.append(contentsOf: buffer[0..<count])
            if let newline = state.value.input.firstIndex(of: UInt8(ascii: "\n")) {
                state.value.requestSeen = true
                state.value.timer?.cancel()
                let line = Data(state.value.input[..<newline])
                state.value.input = []
                do {
                    let request = try JSONDecoder().decode(ControlRequest.self, from: line)
                    guard request.version == ControlRequest.currentVersion else {
                        fail(
                            "unsupported protocol version \(request.version); this vigild speaks "
                                + "\(ControlRequest.currentVersion)"
                        )
                        return
                    }
                    onRequest(self, request)
                } catch {
                    fail("malformed request: not a JSON control request (\(error))")
                }
                return
            }
            if state.value.input.count > Self.maximumRequest {
                fail("request larger than 64 KiB")
                return
            }
        }
    }

    /// Sends one response line. With `last`, the connection closes once it is written.
    public func send(_ response: ControlResponse, last: Bool = true) {
        guard !state.value.closed else { return }
        guard var data = try? JSONEncoder().encode(response) else { return }
        data.append(UInt8(ascii: "\n"))
        state.value.output.append(contentsOf: data)
        state.value.closeWhenFlushed = last
        // The limit is for a follower that stops reading while events keep coming. A last response goes out whole
        // however large (a reload's every problem with a garbage file of 10,000 tables is megabytes).
        if !last && state.value.output.count > Self.maximumBacklog {
            close()
            return
        }
        flush()
    }

    private func fail(_ message: String) {
        send(.failure(message), last: true)
    }

    /// Writes what the socket takes now. `MSG_NOSIGNAL`: a client that hung up gives `EPIPE` (or `ECONNRESET`),
    /// which closes the connection, instead of a SIGPIPE.
    private func flush() {
        while !state.value.output.isEmpty {
            do throws(SystemError) {
                let written = try valueOrErrno("send", "control client") {
                    state.value.output.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                }
                state.value.output.removeFirst(written)
            } catch {
                if error.errno == EAGAIN {
                    waitForWritable()
                } else {
                    close()
                }
                return
            }
        }
        if state.value.closeWhenFlushed {
            close()
        }
    }

    private func waitForWritable() {
        guard state.value.writeSource == nil else { return }
        let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: state.queue)
        sourcesOnDescriptor.enter()
        source.setCancelHandler { @Sendable [sourcesOnDescriptor] in sourcesOnDescriptor.leave() }
        source.setEventHandler { @Sendable [weak self] in
            guard let self else { return }
            self.state.value.writeSource?.cancel()
            self.state.value.writeSource = nil
            self.flush()
        }
        state.value.writeSource = source
        source.activate()
    }

    /// Closes the connection: sources cancelled, the descriptor closed once they let go of it.
    public func close() {
        guard !state.value.closed else { return }
        state.value.closed = true
        state.value.timer?.cancel()
        state.value.writeSource?.cancel()
        let fd = self.fd
        if let readSource = state.value.readSource {
            readSource.cancel()
            if state.value.readSuspended {
                // A suspended source runs no cancel handler, and releasing it would be a crash.
                readSource.resume()
            }
        }
        // Once every source on the descriptor has let go of it.
        sourcesOnDescriptor.notify(queue: state.queue) { @Sendable in Glibc.close(fd) }
        state.value = State(closed: true)
    }

    /// Reads the peer's credentials from a connected socket.
    static func peer(of fd: Int32) -> ControlAccess.Peer? {
        var pid: pid_t = 0
        var uid: uid_t = 0
        var gids = [gid_t](repeating: 0, count: 257)
        let count = vigil_peer_credentials(fd, &pid, &uid, &gids, Int32(gids.count))
        guard count >= 0 else { return nil }
        return ControlAccess.Peer(pid: pid, uid: uid, gids: Array(gids.prefix(Int(count))))
    }
}
