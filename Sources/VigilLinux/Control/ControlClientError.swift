#if canImport(Glibc)
import Glibc
#endif

/// Why `ControlClient` got no usable answer from vigild, with a message that says what to check.
public struct ControlClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure, for callers that react differently to each.
    public enum Code: Sendable, Equatable {
        /// The socket is missing, nobody listens on it, or we may not open it.
        case unreachable
        /// vigild accepted the connection but did not answer in time.
        case timedOut
        /// vigild closed the connection before a whole response line arrived.
        case closedEarly
        /// A line arrived that is not a `ControlResponse`.
        case malformedResponse
        /// Reading or writing the socket failed.
        case io
    }

    public var code: Code
    /// The control socket the client used.
    public var socketPath: String
    /// The whole text, e.g. `cannot reach vigild at /run/vigil/control.sock: No such file or directory — is
    /// vigild running?`.
    public var message: String

    public init(code: Code, socketPath: String, message: String) {
        self.code = code
        self.socketPath = socketPath
        self.message = message
    }

    public var description: String { message }

    /// A failed `socket` or `connect`, with a hint fitting the errno.
    static func unreachable(_ path: String, _ error: SystemError) -> ControlClientError {
        let hint =
            switch error.errno {
            case ENOENT, ECONNREFUSED: " — is vigild running?"
            case EACCES, EPERM: " — only root and vigild's control groups may use it"
            case ENAMETOOLONG: " — the path is longer than a unix socket address allows"
            default: ""
            }
        return ControlClientError(
            code: .unreachable,
            socketPath: path,
            message: "cannot reach vigild at \(path): \(error.reason)\(hint)"
        )
    }

    static func timedOut(_ path: String, after timeout: Duration) -> ControlClientError {
        ControlClientError(
            code: .timedOut,
            socketPath: path,
            message: "vigild at \(path) did not answer within \(timeout.humanReadable)"
        )
    }

    static func closedEarly(_ path: String) -> ControlClientError {
        ControlClientError(
            code: .closedEarly,
            socketPath: path,
            message: "vigild at \(path) closed the connection without a complete answer"
        )
    }

    static func malformed(_ path: String, _ detail: String) -> ControlClientError {
        ControlClientError(
            code: .malformedResponse,
            socketPath: path,
            message: "vigild at \(path) sent something that is not a control response: \(detail)"
        )
    }

    static func io(_ path: String, _ error: SystemError) -> ControlClientError {
        ControlClientError(code: .io, socketPath: path, message: "control socket \(path): \(error)")
    }
}
