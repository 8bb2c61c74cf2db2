#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which call, on what, and the `errno` it gave.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call that failed, e.g. `open` or `pidfd_open`.
    public var call: String
    /// What it was about (a path, a pid, a target), when there is one.
    public var subject: String?
    public var errno: Int32

    public init(call: String, subject: String? = nil, errno: Int32) {
        self.call = call
        self.subject = subject
        self.errno = errno
    }

    /// The C library's text for `errno`, e.g. `No such file or directory`.
    public var reason: String {
        String(cString: strerror(errno))
    }

    public var description: String {
        if let subject {
            return "\(call) \(subject): \(reason)"
        }
        return "\(call): \(reason)"
    }
}

/// Runs a raw call that returns -1 and sets `errno` on failure, retrying `EINTR`.
///
/// Every raw call in `VigilLinux` goes through here (or `valueOrNegatedErrno`), so none forgets `EINTR`.
/// - Throws: `SystemError` naming `call` and `subject`.
@discardableResult
public func valueOrErrno<T: BinaryInteger>(
    _ call: String,
    _ subject: String? = nil,
    _ body: () -> T
) throws(SystemError) -> T {
    while true {
        let result = body()
        if result != -1 {
            return result
        }
        let code = Glibc.errno
        if code != EINTR {
            throw SystemError(call: call, subject: subject, errno: code)
        }
    }
}

/// Runs a shim call that returns `-errno` on failure (the kernel's convention), retrying `EINTR`.
/// - Throws: `SystemError` naming `call` and `subject`.
@discardableResult
public func valueOrNegatedErrno<T: SignedInteger>(
    _ call: String,
    _ subject: String? = nil,
    _ body: () -> T
) throws(SystemError) -> T {
    while true {
        let result = body()
        if result >= 0 {
            return result
        }
        if result != -T(EINTR) {
            throw SystemError(call: call, subject: subject, errno: Int32(truncatingIfNeeded: -result))
        }
    }
}
