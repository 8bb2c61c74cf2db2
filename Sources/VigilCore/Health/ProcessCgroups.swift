/// The cgroups of one process, from `/proc/PID/cgroup` (see cgroups(7)):
///
/// ```
/// 4:memory:/system.slice/foo.service
/// 1:name=systemd:/system.slice/foo.service
/// 0::/system.slice/foo.service
/// ```
public struct ProcessCgroups: Sendable, Equatable {
    /// The v2 path (the `0::` line), relative to the cgroup namespace root.
    public var unified: String?
    /// The v1 path by controller (`memory`, `cpuacct`) or hierarchy name (`name=systemd`).
    public var controllers: [String: String]

    public init(unified: String? = nil, controllers: [String: String] = [:]) {
        self.unified = unified
        self.controllers = controllers
    }

    /// Parses the text of `/proc/PID/cgroup`.
    /// - Throws: `KernelTextError` naming the line when one is not `ID:controllers:path`.
    public static func parse(_ text: String) throws(KernelTextError) -> ProcessCgroups {
        var result = ProcessCgroups()
        for (number, line) in KernelText.lines(text) {
            // The path may itself contain ':', so split only twice.
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let hierarchy = Int(parts[0]), parts[2].hasPrefix("/") else {
                throw KernelTextError(file: .processCgroups, line: number, message: "expected ID:controllers:/path")
            }
            let path = String(parts[2])
            if hierarchy == 0 && parts[1].isEmpty {
                result.unified = path
            } else {
                for controller in parts[1].split(separator: ",") {
                    result.controllers[String(controller)] = path
                }
            }
        }
        return result
    }
}
