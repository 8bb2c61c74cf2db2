/// The directory the host's `/proc`, `/sys` and cgroup trees are read under: `/` in production, a fixture tree in
/// tests, a host mount inside a container.
public struct HostRoot: Sendable, Equatable {
    /// The root directory.
    public var path: String

    public init(path: String) {
        self.path = path
    }

    /// The real host.
    public static let host = HostRoot(path: "/")

    /// `absolute` (a path as the kernel names it, e.g. `/proc/meminfo`) under this root.
    public func resolve(_ absolute: String) -> String {
        var base = path
        while base.hasSuffix("/") { base.removeLast() }
        if base.isEmpty {
            return absolute
        }
        return absolute.hasPrefix("/") ? base + absolute : base + "/" + absolute
    }
}
