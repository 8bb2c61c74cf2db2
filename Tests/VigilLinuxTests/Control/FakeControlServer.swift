import Foundation
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// A stand-in for vigild's control socket: a real unix stream socket in a temp directory that accepts
/// connections on a background thread, reads one request line, records it and answers as the test says.
final class FakeControlServer: @unchecked Sendable {
    /// What to do with a request.
    enum Reply: Sendable {
        /// Send these lines (each gets a `\n`), pausing `interval` between them, then close.
        case lines([String], interval: Duration = .zero)
        /// Send these responses, then close.
        case responses([ControlResponse])
        /// Read the request and never answer (until the server stops).
        case silent
    }

    let directory: String
    let path: String
    private let listener: Int32
    private let reply: @Sendable (ControlRequest) -> Reply
    // `lock` guards `requests`, `rawLines` and `stopped`: the accept thread writes, the test reads.
    private let lock = NSLock()
    private var requests: [ControlRequest] = []
    private var rawLines: [String] = []
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    /// Binds and listens on `<temp dir>/control.sock` and starts accepting.
    init(reply: @escaping @Sendable (ControlRequest) -> Reply) throws {
        directory = "/tmp/vigil-ctl-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/control.sock"
        self.reply = reply
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, listen(listener, 8) == 0 else {
            throw SystemError(call: "bind", subject: path, errno: errno)
        }
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// A server that answers every request with `response`.
    convenience init(answering response: ControlResponse) throws {
        try self.init { _ in .responses([response]) }
    }

    /// Every request received so far, decoded.
    var received: [ControlRequest] {
        lock.withLock { requests }
    }

    /// Every request line received so far, as sent (without the `\n`).
    var receivedLines: [String] {
        lock.withLock { rawLines }
    }

    /// Stops accepting, lets silent connections go and removes the directory; safe to call twice. The accept
    /// thread holds the server, so a test must call this (`defer`) rather than rely on deinit.
    func stop() {
        let first = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        if first {
            // shutdown wakes the thread blocked in accept; close alone would not.
            shutdown(listener, Int32(SHUT_RDWR))
            finished.signal()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR {
                    continue
                }
                close(listener)
                return
            }
            serve(connection)
            close(connection)
        }
    }

    private func serve(_ connection: Int32) {
        guard let line = readLine(connection) else { return }
        let request = try? ControlLine.decode(ControlRequest.self, from: Array(line.utf8))
        lock.withLock {
            rawLines.append(line)
            if let request {
                requests.append(request)
            }
        }
        switch reply(request ?? ControlRequest(command: .status)) {
        case .lines(let lines, let interval):
            for (index, line) in lines.enumerated() {
                if index > 0 {
                    Thread.sleep(forTimeInterval: Double(interval.nanoseconds) / 1e9)
                }
                write(connection, line + "\n")
            }
        case .responses(let responses):
            for response in responses {
                write(connection, String(decoding: try! ControlLine.encode(response), as: UTF8.self))
            }
        case .silent:
            finished.wait()
            finished.signal()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    private func readLine(_ connection: Int32) -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while read(connection, &byte, 1) == 1 {
            if byte == UInt8(ascii: "\n") {
                return String(decoding: bytes, as: UTF8.self)
            }
            bytes.append(byte)
        }
        return nil
    }

    private func write(_ connection: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}
