/// Space on the file system holding a path, from `statvfs`, in bytes and inodes.
public struct FileSystemSpace: Sendable, Equatable {
    public var totalBytes: UInt64
    /// Free to unprivileged users (`f_bavail`): what a service running as a user can still write.
    public var availableBytes: UInt64
    /// Free including the root reserve (`f_bfree`).
    public var freeBytes: UInt64
    public var totalInodes: UInt64
    public var availableInodes: UInt64
    /// Mounted read-only (`ST_RDONLY`).
    public var isReadOnly: Bool

    public init(
        totalBytes: UInt64,
        availableBytes: UInt64,
        freeBytes: UInt64,
        totalInodes: UInt64,
        availableInodes: UInt64,
        isReadOnly: Bool
    ) {
        self.totalBytes = totalBytes
        self.availableBytes = availableBytes
        self.freeBytes = freeBytes
        self.totalInodes = totalInodes
        self.availableInodes = availableInodes
        self.isReadOnly = isReadOnly
    }
}
