import CLinux
import Dispatch
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Reads a guest's heartbeats from the host end of a virtio-serial channel: the unix stream socket QEMU listens on
/// for a domain's `<channel type='unix'><source mode='bind' path='…'/>`. The stream carries one packet per line,
/// as hex digits (`docs/heartbeat-protocol.md`, "Virtio-serial channels"); each line is handed on as the packet's
/// bytes, or as `nil` when it is not hex.
///
/// The socket exists only while QEMU runs, so the channel connects when told (`connect()`, once the domain runs)
/// and again every 250 ms until it succeeds; when QEMU goes away the stream ends and the channel waits for the next
/// `connect()`. Handlers run on `queue`; `cancel()` closes everything.
public final class GuestChannel: Sendable {
    /// The longest line taken: a packet is at most 128 bytes, 256 hex digits.
    static let maximumLineLength = 2 * HeartbeatFrame.maximumSize
    static let retryInterval = Duration.milliseconds(250)

    /// What the channel reports.
    public enum Event: Sendable, Equatable {
        /// A line: the packet's bytes, or `nil` when the line was not an even number of hex digits.
        case packet([UInt8]?)
        /// The stream is open: the guest's heartbeats can reach vigild.
        case connected
        /// The stream ended (QEMU stopped or restarted).
        case disconnected
    }

    private struct State {
        var reader: (any DispatchSourceRead)?
        var retry: (any DispatchSourceTimer)?
        var buffer: [UInt8] = []
        var discarding = false
        var cancelled = false
    }

    public let path: String
    private let queue: DispatchQueue
    private let state: QueueConfined<State>
    private let handler: @Sendable (Event) -> Void

    /// - Parameters:
    ///   - path: the channel's host socket.
    ///   - queue: where `handler` runs and the socket is read (the engine queue).
    ///   - handler: gets the channel's events.
    public init(path: String, queue: DispatchQueue, handler: @escaping @Sendable (Event) -> Void) {
        self.path = path
        self.queue = queue
        self.handler = handler
        state = QueueConfined(State(), queue: queue)
    }

    /// Connects unless connected, retrying every 250 ms until the socket answers. Call on `queue`.
    public func connect() {
        guard !state.value.cancelled, state.value.reader == nil, state.value.retry == nil else { return }
        guard let fd = try? open() else {
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + DispatchTimeInterval(Self.retryInterval))
            timer.setEventHandler { @Sendable [self] in
                state.value.retry = nil
                connect()
            }
            state.value.retry = timer
            timer.activate()
            return
        }
        state.value.buffer = []
        state.value.discarding = false
        let reader = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        reader.setEventHandler { @Sendable [self] in
            if drain(fd) {
                state.value.reader?.cancel()
                state.value.reader = nil
                if !state.value.cancelled {
                    handler(.disconnected)
                }
            }
        }
        reader.setCancelHandler { @Sendable in close(fd) }
        state.value.reader = reader
        reader.activate()
        handler(.connected)
    }

    /// Stops reading and retrying; no event is delivered afterwards. Call on `queue`.
    public func cancel() {
        state.value.cancelled = true
        state.value.retry?.cancel()
        state.value.retry = nil
        state.value.reader?.cancel()
        state.value.reader = nil
    }

    private func open() throws(SystemError) -> Int32 {
        guard let address = SocketAddress(unixPath: path) else {
            throw SystemError(call: "connect", subject: path, errno: ENAMETOOLONG)
        }
        let flags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = try valueOrErrno("socket", path) { socket(AF_UNIX, flags, 0) }
        do {
            try valueOrErrno("connect", path) { address.withSockaddr { Glibc.connect(fd, $0, $1) } }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// Reads what is waiting and hands on each complete line; `true` at the end of the stream or on an error.
    private func drain(_ fd: Int32) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR {
                    continue
                }
                return errno != EAGAIN && errno != EWOULDBLOCK
            }
            guard count > 0 else { return true }
            for byte in chunk[..<count] {
                if byte == UInt8(ascii: "\n") {
                    if !state.value.discarding {
                        handler(.packet(Self.decodeHex(state.value.buffer)))
                    }
                    state.value.buffer.removeAll(keepingCapacity: true)
                    state.value.discarding = false
                } else if state.value.buffer.count >= Self.maximumLineLength {
                    // A runaway line: dropped whole, as one bad packet.
                    if !state.value.discarding {
                        handler(.packet(nil))
                    }
                    state.value.discarding = true
                    state.value.buffer.removeAll(keepingCapacity: true)
                } else if !state.value.discarding {
                    state.value.buffer.append(byte)
                }
            }
        }
    }

    /// The bytes a line of hex digits (either case, a trailing `\r` allowed) stands for; `nil` when it is not one.
    static func decodeHex(_ line: [UInt8]) -> [UInt8]? {
        var digits = line[...]
        if digits.last == UInt8(ascii: "\r") {
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var high: UInt8?
        for digit in digits {
            let value: UInt8
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = digit - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let first = high {
                bytes.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return bytes
    }
}
