import VigilCore

/// A state file that could not be written or read, naming the path.
public struct StateStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// A system call failed (permissions, read-only file system, disk full, I/O error).
        case io
        /// The file is there but is not a state file this build wrote whole: truncated, garbled, wrong checksum.
        case corrupt
        /// The file was written by a newer vigild in a format this one does not know.
        case unsupportedVersion
    }

    public var code: Code
    /// The file or directory the problem is about.
    public var path: String
    /// What went wrong, as a clause: `checksum mismatch (file says …, content is …)`.
    public var message: String
    /// The `errno` of a failed system call.
    public var errno: Int32?

    public init(code: Code, path: String, message: String, errno: Int32? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.errno = errno
    }

    init(_ error: SystemError, path: String) {
        self.init(code: .io, path: path, message: error.description, errno: error.errno)
    }

    public var description: String {
        "state file \(path): \(message)"
    }
}

/// What `StateStore.load` found.
public struct StateLoad: Sendable, Equatable {
    /// The saved state; nil when there was none or it could not be used (start from what can be observed).
    public var state: PersistedState?
    /// Why a state file that exists could not be used; nil when it was read, or when there was none.
    public var problem: StateStoreError?
    /// Where a corrupt file was moved for inspection.
    public var setAside: String?

    public init(state: PersistedState?, problem: StateStoreError? = nil, setAside: String? = nil) {
        self.state = state
        self.problem = problem
        self.setAside = setAside
    }
}
