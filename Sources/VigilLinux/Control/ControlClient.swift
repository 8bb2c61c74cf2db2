import VigilCore

/// The client side of vigild's control socket (`docs/control-protocol.md`): connects, sends one
/// `ControlRequest` line and reads `ControlResponse` lines back.
///
/// Blocking, for a command-line tool: each call owns its connection on the calling thread. A response with
/// `ok: false` (permission denied, unknown target, a refused reload) is a response, not a thrown error; errors
/// are for not getting an answer at all.
public struct ControlClient: Sendable {
    /// Where vigild listens unless told otherwise.
    public static let defaultSocketPath = "/run/vigil/control.sock"
    /// The environment variable that overrides `defaultSocketPath` (a `--socket` option overrides both).
    public static let socketEnvironmentVariable = "VIGIL_CONTROL_SOCKET"

    /// The control socket.
    public var socketPath: String
    /// How long a request may take from connect to the first response line.
    public var timeout: Duration

    /// - Parameters:
    ///   - socketPath: The control socket.
    ///   - timeout: How long to wait for the (first) response.
    public init(socketPath: String = ControlClient.defaultSocketPath, timeout: Duration = .seconds(10)) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    /// The socket to use: `option` when given, else `$VIGIL_CONTROL_SOCKET` when set and not empty, else the
    /// default.
    /// - Parameters:
    ///   - option: The value of a `--socket` option, if any.
    ///   - environment: The process environment.
    public static func socketPath(option: String?, environment: [String: String]) -> String {
        if let option {
            return option
        }
        if let value = environment[socketEnvironmentVariable], !value.isEmpty {
            return value
        }
        return defaultSocketPath
    }

    /// Sends `request` and returns vigild's one response.
    /// - Parameter request: Any request; `follow` is ignored here (use `follow(_:onResponse:)`).
    /// - Throws: `ControlClientError`: vigild unreachable, silent for `timeout`, closing early, or answering
    ///   something that is not a response.
    public func send(_ request: ControlRequest) throws(ControlClientError) -> ControlResponse {
        var single = request
        single.follow = nil
        let deadline = MonotonicClock.now() + timeout
        let connection = try open(single, deadline: deadline)
        guard let response = try next(connection, deadline: deadline) else {
            throw .closedEarly(socketPath)
        }
        return response
    }

    /// Sends `request` with `follow: true` and hands each response to `onResponse` as it arrives: first the
    /// recent history, then one response per new event, until vigild closes the connection or `onResponse`
    /// returns false.
    ///
    /// Only the first response is bound by `timeout`; after it, silence just means nothing happened.
    /// - Parameters:
    ///   - request: An `events` request; `follow` is set to true.
    ///   - onResponse: Called on the calling thread for each response; return false to stop.
    /// - Throws: `ControlClientError` as for `send(_:)`; vigild closing the connection between lines is the
    ///   normal end and not an error.
    public func follow(
        _ request: ControlRequest,
        onResponse: (ControlResponse) -> Bool
    ) throws(ControlClientError) {
        var streaming = request
        streaming.follow = true
        let deadline = MonotonicClock.now() + timeout
        let connection = try open(streaming, deadline: deadline)
        guard let first = try next(connection, deadline: deadline) else {
            throw .closedEarly(socketPath)
        }
        guard onResponse(first) else { return }
        while let response = try next(connection, deadline: nil) {
            guard onResponse(response) else { return }
        }
    }

    /// Connects and writes the request line.
    private func open(
        _ request: ControlRequest,
        deadline: MonotonicInstant
    ) throws(ControlClientError)
        -> ControlClientSocket
    {
        let line: [UInt8]
        do {
            line = try ControlLine.encode(request)
        } catch {
            // Only non-finite numbers fail to encode, and a request has none; say so rather than crash.
            throw ControlClientError(code: .io, socketPath: socketPath, message: "cannot encode the request: \(error)")
        }
        let connection = try ControlClientSocket(path: socketPath)
        try connection.write(line, deadline: deadline, timeout: timeout)
        return connection
    }

    /// The next response, or nil when vigild has closed the connection.
    private func next(
        _ connection: ControlClientSocket,
        deadline: MonotonicInstant?
    ) throws(ControlClientError)
        -> ControlResponse?
    {
        guard let line = try connection.readLine(deadline: deadline, timeout: timeout) else { return nil }
        do {
            return try ControlLine.decode(ControlResponse.self, from: line)
        } catch {
            let preview = String(decoding: line.prefix(200), as: UTF8.self)
            throw .malformed(socketPath, "\(error) in '\(preview)'")
        }
    }
}
