import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Lists and signals the processes of a cgroup, in whichever hierarchy has the cgroup.
public enum CgroupControl {
    /// The processes in the cgroup, from the v2 directory if it has one, else the first v1 controller's; empty
    /// when the cgroup is gone.
    public static func processes(in directories: CgroupDirectories) -> [Int32] {
        for directory in candidateDirectories(directories) {
            guard let text = try? FileText.read(directory + "/cgroup.procs") else { continue }
            return text.split(separator: "\n").compactMap { Int32($0) }
        }
        return []
    }

    /// Sends `signal` to every process of the cgroup. `SIGKILL` on a v2 cgroup goes through `cgroup.kill` where the
    /// kernel has it (5.14 and later), which also catches processes forked while the list is walked.
    /// - Returns: how many processes were signalled (0 with `cgroup.kill`, which does not say).
    @discardableResult
    public static func signal(_ signal: VigilCore.Signal, _ directories: CgroupDirectories) -> Int {
        if signal == .kill, let unified = directories.unified, write("1", to: unified + "/cgroup.kill") {
            return 0
        }
        var count = 0
        for pid in processes(in: directories) where pid > 1 && kill(pid, signal.number) == 0 {
            count += 1
        }
        return count
    }

    /// The directories whose `cgroup.procs` list the cgroup's processes, v2 first.
    static func candidateDirectories(_ directories: CgroupDirectories) -> [String] {
        var result: [String] = []
        if let unified = directories.unified {
            result.append(unified)
        }
        result += directories.controllers.keys.sorted().compactMap { directories.controllers[$0] }
        return result
    }

    private static func write(_ text: String, to path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return text.withCString { Glibc.write(fd, $0, strlen($0)) } == text.utf8.count
    }
}
