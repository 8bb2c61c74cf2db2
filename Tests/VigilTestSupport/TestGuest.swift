import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One guest of a `GuestHost`: its domain name, its sockets and console log, and its control channel.
public struct TestGuest: Sendable {
    public var name: String
    public var directory: String
    public var uri: String

    /// The host end of its heartbeat channel (the domain's `org.vigil.heartbeat.0`), which vigild connects to.
    public var heartbeatSocket: String { directory + "/heartbeat.sock" }
    /// The host end of its control channel (`org.vigil.test.0`).
    public var controlSocket: String { directory + "/control.sock" }
    /// Its serial console.
    public var console: String { directory + "/console.log" }

    /// Sends one command on the control channel and returns the guest's one-line answer; retries the connection
    /// until `timeout` (the socket exists only while QEMU runs, and the guest answers once its init runs).
    /// - Throws: `LibvirtdError` when no answer came within `timeout`.
    public func ask(_ command: String, timeout: Duration = .seconds(30)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var last = "no attempt"
        while ContinuousClock.now < deadline {
            let left = deadline - ContinuousClock.now
            let path = controlSocket
            let answer = try await Blocking.run {
                Self.exchange(path: path, line: command, timeout: min(left, .seconds(3)))
            }
            switch answer {
            case .success(let answer): return answer
            case .failure(let error): last = error.message
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw LibvirtdError(message: "guest \(name) did not answer \"\(command)\" within \(timeout): \(last)")
    }

    /// Sends a command the guest does not answer (`panic`).
    public func tell(_ command: String) async throws {
        let fd = try Self.connect(controlSocket)
        defer { close(fd) }
        let line = Array((command + "\n").utf8)
        _ = line.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        try await Task.sleep(for: .milliseconds(200))
    }

    /// The tail of its console log.
    public func consoleTail(_ count: Int = 1500) -> String {
        String(((try? String(contentsOfFile: console, encoding: .utf8)) ?? "").suffix(count))
    }

    private static func connect(_ path: String) throws(LibvirtdError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LibvirtdError(message: "socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { bytes in
            for (index, byte) in path.utf8.prefix(bytes.count - 1).enumerated() {
                bytes[index] = byte
            }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw LibvirtdError(message: "connect \(path): errno \(code)")
        }
        return fd
    }

    private static func exchange(path: String, line: String, timeout: Duration) -> Result<String, LibvirtdError> {
        let fd: Int32
        do {
            fd = try connect(path)
        } catch {
            return .failure(error)
        }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count else {
            return .failure(LibvirtdError(message: "send: errno \(errno)"))
        }
        let deadline = ContinuousClock.now + timeout
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while ContinuousClock.now < deadline {
            var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pollfd, 1, 100) >= 0 else { continue }
            guard pollfd.revents != 0 else { continue }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return .failure(LibvirtdError(message: "the channel closed")) }
            received += chunk[..<count]
            if let newline = received.firstIndex(of: UInt8(ascii: "\n")) {
                return .success(String(decoding: received[..<newline], as: UTF8.self))
            }
        }
        return .failure(LibvirtdError(message: "no answer within \(timeout)"))
    }
}
