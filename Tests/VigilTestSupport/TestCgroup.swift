import Foundation
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// A real cgroup made for one test: the same path under the cgroup2 mount and under the v1 controllers asked for,
/// found from `/proc/self/mountinfo`. `remove()` (also run on deinit) kills whatever the test left in it and removes
/// the directories, deepest first, so cleanup happens even when the test fails.
public final class TestCgroup {
    /// The cgroup path as `/proc/PID/cgroup` and vigil's configuration write it (`/vigil-test-123`).
    public let path: String
    public let unified: String
    public let controllers: [String: String]
    /// Directories created, outermost first.
    private var created: [String] = []

    /// - Parameters:
    ///   - path: the cgroup path; random under the root when absent. Missing parents are created (and removed).
    ///   - controllers: v1 controllers to create it under as well (`memory`, `pids`).
    public init(path: String? = nil, controllers: [String] = []) throws {
        let mounts = CgroupLocator(mountInfo: try HostReader(root: .host).mountInfo()).mounts
        guard let unifiedMount = mounts.unified else { throw TestCgroupError("cgroup2 is not mounted") }
        self.path = path ?? "/vigil-test-\(UInt64.random(in: 0...UInt64.max))"
        unified = unifiedMount.mountPoint + self.path
        var controllerDirectories: [String: String] = [:]
        for controller in controllers {
            guard let mount = mounts.controllers[controller] else {
                throw TestCgroupError("the v1 \(controller) controller is not mounted")
            }
            controllerDirectories[controller] = mount.mountPoint + self.path
        }
        self.controllers = controllerDirectories
        for base in [unifiedMount.mountPoint] + controllers.compactMap({ mounts.controllers[$0]?.mountPoint }) {
            var directory = base
            for component in self.path.split(separator: "/") {
                directory += "/" + component
                if mkdir(directory, 0o755) == 0 {
                    created.append(directory)
                } else if errno != EEXIST {
                    let reason = String(cString: strerror(errno))
                    remove()
                    throw TestCgroupError("mkdir \(directory): \(reason)")
                }
            }
        }
    }

    deinit {
        remove()
    }

    /// Writes `text` to a file of the v2 directory (`controller` nil) or of a v1 controller's.
    @discardableResult
    public func write(_ text: String, to file: String, controller: String? = nil) -> Bool {
        let directory = controller.map { controllers[$0] ?? "" } ?? unified
        let fd = open(directory + "/" + file, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return text.withCString { Glibc.write(fd, $0, strlen($0)) } == text.utf8.count
    }

    /// Moves `pid` into the cgroup in every hierarchy.
    public func add(_ pid: Int32) -> Bool {
        var ok = write("\(pid)\n", to: "cgroup.procs")
        for controller in controllers.keys {
            ok = write("\(pid)\n", to: "cgroup.procs", controller: controller) && ok
        }
        return ok
    }

    /// The processes in the cgroup now.
    public var processes: [Int32] {
        ((try? FileText.read(unified + "/cgroup.procs")) ?? "").split(separator: "\n").compactMap { Int32($0) }
    }

    /// A shell command that moves the shell into the cgroup in every hierarchy and then runs `command`.
    public func shell(_ command: String) -> [String] {
        let moves = ([unified] + controllers.keys.sorted().compactMap { controllers[$0] })
            .map { "echo $$ > '\($0)/cgroup.procs'" }
        return ["/bin/sh", "-c", (moves + ["exec " + command]).joined(separator: " && ")]
    }

    /// Kills what is left in the cgroup and removes its directories.
    public func remove() {
        for directory in created.reversed() {
            for _ in 0..<50 {
                let procs = ((try? FileText.read(directory + "/cgroup.procs")) ?? "").split(separator: "\n")
                for pid in procs.compactMap({ Int32($0) }) {
                    kill(pid, SIGKILL)
                }
                if rmdir(directory) == 0 || errno == ENOENT {
                    break
                }
                usleep(20_000)
            }
        }
        created = []
    }
}

public struct TestCgroupError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

extension TestCgroup {
    /// The cgroup directory under which a vigild that is not a systemd service puts its process targets' cgroups
    /// (`/vigil/INSTANCE`, named after its state directory); `nil` without cgroup2.
    public static func targetCgroupsDirectory(stateDirectory: String) -> String? {
        guard let mounts = try? CgroupLocator(mountInfo: HostReader(root: .host).mountInfo()).mounts,
            let unified = mounts.unified
        else { return nil }
        let layout = TargetCgroupLayout.decide(
            ownCgroup: "/",
            isServiceMainProcess: false,
            hierarchyRoot: unified.root,
            stateDirectory: stateDirectory
        )
        let relative = layout.targetsParent.dropFirst(unified.root == "/" ? 0 : unified.root.count)
        return unified.mountPoint + relative
    }

    /// Kills whatever is left in the process targets' cgroups of a vigild with this state directory and removes
    /// them, deepest first, then the shared `vigil` cgroup if no other vigild uses it: for tests that kill vigild
    /// with SIGKILL, which leaves its cgroups behind.
    public static func removeTargetCgroups(stateDirectory: String) {
        guard let directory = targetCgroupsDirectory(stateDirectory: stateDirectory) else { return }
        removeTree(directory)
        _ = rmdir((directory as NSString).deletingLastPathComponent)
    }

    /// Kills every process in the cgroup tree at `directory` and removes it, children first.
    public static func removeTree(_ directory: String) {
        let children = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: directory + "/" + $0, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
        for child in children {
            removeTree(directory + "/" + child)
        }
        for _ in 0..<100 {
            if rmdir(directory) == 0 || errno == ENOENT {
                return
            }
            let procs = ((try? FileText.read(directory + "/cgroup.procs")) ?? "").split(separator: "\n")
            for pid in procs.compactMap({ Int32($0) }) {
                kill(pid, SIGKILL)
            }
            usleep(10_000)
        }
    }
}
