import Glibc
import VigilLinux

/// A pipe whose write end a handler writes to and whose read end the test reads, standing in for stderr.
public final class TestPipe {
    public let readEnd: Int32
    public let writeEnd: Int32

    public init() throws {
        var fds: [Int32] = [-1, -1]
        try valueOrErrno("pipe") { pipe(&fds) }
        readEnd = fds[0]
        writeEnd = fds[1]
        // Non-blocking so reading "everything so far" stops at an empty pipe instead of waiting.
        try valueOrErrno("fcntl") { fcntl(readEnd, F_SETFL, O_NONBLOCK) }
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Everything written so far (the write end stays open, so this never waits).
    public func readAvailable() -> String {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(readEnd, &buffer, buffer.count)
            guard count > 0 else {
                break
            }
            result += buffer[..<count]
        }
        return String(decoding: result, as: UTF8.self)
    }
}
