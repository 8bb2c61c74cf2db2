import Foundation
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// A bare client of vigild's control socket, independent of vigilctl: sends one request line and reads response
/// lines, so the server is tested against the protocol itself.
public final class ControlProbe {
    private let fd: Int32
    private var pending = Data()

    /// Connects to `path`.
    public init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw ControlProbeError(message: "connect \(path): \(String(cString: strerror(code)))")
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(fd)
    }

    /// Sends raw bytes (for malformed requests).
    public func send(raw: [UInt8]) {
        _ = raw.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    public func send(_ request: ControlRequest) throws {
        var data = try JSONEncoder().encode(request)
        data.append(UInt8(ascii: "\n"))
        send(raw: Array(data))
    }

    /// The next response line; `nil` at end of stream or after the 10 s receive timeout.
    public func next() throws -> ControlResponse? {
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[pending.startIndex..<newline]
                pending.removeSubrange(pending.startIndex...newline)
                return try JSONDecoder().decode(ControlResponse.self, from: Data(line))
            }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else { return nil }
            pending.append(contentsOf: buffer[0..<count])
        }
    }

    /// One request, one response.
    public static func ask(_ path: String, _ request: ControlRequest) throws -> ControlResponse {
        let probe = try ControlProbe(path: path)
        try probe.send(request)
        guard let response = try probe.next() else {
            throw ControlProbeError(message: "no response to \(request.command.rawValue)")
        }
        return response
    }
}

public struct ControlProbeError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
