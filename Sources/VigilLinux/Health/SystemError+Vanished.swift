#if canImport(Glibc)
import Glibc
#endif

extension SystemError {
    /// The file is gone: removed before it was opened (`ENOENT`) or, for a cgroup removed while its files were
    /// open, on read (`ENODEV`). A health source treats this as "the thing went away", not as a fault of its own.
    public var fileVanished: Bool {
        errno == ENOENT || errno == ENODEV
    }
}
