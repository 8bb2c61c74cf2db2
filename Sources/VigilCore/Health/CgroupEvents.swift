/// A cgroup v2 `cgroup.events` file: `populated 1` and `frozen 0` (Documentation/admin-guide/cgroup-v2.rst).
public struct CgroupEvents: Sendable, Equatable {
    /// Whether the cgroup or any descendant has live processes.
    public var populated: Bool
    /// Whether the cgroup is frozen; `nil` before Linux 5.2.
    public var frozen: Bool?

    public init(populated: Bool, frozen: Bool? = nil) {
        self.populated = populated
        self.frozen = frozen
    }

    /// Parses the text of `cgroup.events`; other keys are ignored.
    /// - Throws: `KernelTextError` when `populated` is missing or a value is not a number.
    public static func parse(_ text: String) throws(KernelTextError) -> CgroupEvents {
        let keyed = FlatKeyedText(text, file: .cgroupEvents)
        return CgroupEvents(
            populated: try keyed.required("populated") != 0,
            frozen: try keyed.optional("frozen").map { $0 != 0 }
        )
    }
}
