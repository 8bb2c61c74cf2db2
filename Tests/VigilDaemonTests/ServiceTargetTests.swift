import Dispatch
import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `kind = "service"` against a real systemd (booted in nspawn from this host's tree) over its own D-Bus system bus:
/// vigild starts the unit with StartUnit, sees it go down through PropertiesChanged and starts it again.
@Suite struct ServiceTargetTests {
    /// The process running `command` among the descendants of `ancestor` (the container's processes, seen from
    /// the host).
    static func descendant(of ancestor: Int32, command: [String]) -> Int32? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for pid in entries.compactMap({ Int32($0) }) {
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                data.split(separator: 0).map({ String(decoding: $0, as: UTF8.self) }) == command
            else { continue }
            var current = pid
            for _ in 0..<32 {
                guard let stat = try? CgroupProcess.stat(of: current), stat.parentPID > 1 else { break }
                if stat.parentPID == ancestor {
                    return pid
                }
                current = stat.parentPID
            }
        }
        return nil
    }

    /// The unit's `sleep`, waiting up to 5 s: Type=simple is active as soon as systemd has forked, and the child
    /// may not have run execve yet.
    static func waitForDescendant(of ancestor: Int32) async throws -> Int32? {
        for _ in 0..<250 {
            if let pid = descendant(of: ancestor, command: ["/bin/sleep", "1000"]) {
                return pid
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// The PID a process has in its own (innermost) PID namespace: the last number of `NSpid:`.
    static func namespacePID(of pid: Int32) -> Int32? {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("NSpid:") }
        return line?.split(whereSeparator: { $0 == " " || $0 == "\t" }).last.flatMap { Int32($0) }
    }

    @Test func aServiceTargetIsStartedOverDBusAndStartedAgainWhenItsUnitFails() async throws {
        try #require(geteuid() == 0, "systemd-nspawn needs root")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-nspawn"))
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/dbus-daemon"), "apt-get install dbus")
        let container = try await SystemdContainer(units: [
            "probe.service": "[Unit]\nDescription=vigil probe\n[Service]\nExecStart=/bin/sleep 1000\n"
        ])
        defer { container.stop() }
        // Other tests boot containers too; under a full run the bus can take a while.
        try #require(try await container.waitForBus(timeout: .seconds(90)), "the container's system bus did not appear")
        guard case .bus(let address) = container.busAddress else {
            Issue.record("expected a bus address")
            return
        }
        let vigild = try VigildProcess(
            config: """
                [daemon]
                systemd_bus = "\(address)"

                [[target]]
                name = "probe"
                kind = "service"
                unit = "probe.service"
                restart = { backoff = "0..1s", start_grace = "100ms" }
                """
        )
        let started = try await vigild.waitForEvent(.targetStarted, target: "probe", timeout: .seconds(30))
        try await vigild.waitForEvent(.daemonReady)
        let context = ActuatorContext(
            completionQueue: DispatchQueue(label: "test.actuator"),
            busAddress: container.busAddress
        )
        let probe = SystemdActuator(target: "probe", unit: "probe.service", context: context)
        let status = try await SystemdUnitState.current(of: probe)
        #expect(status?.phase == .active, "vigild started the unit: \(String(describing: status))")

        // The unit's process dies (SIGKILL from outside systemd): the unit fails, vigild hears it through
        // PropertiesChanged and starts the unit again.
        let main = try #require(try await Self.waitForDescendant(of: container.process.pid))
        // The target's PID is the unit's MainPID read over D-Bus: the container's own number for that process.
        #expect(started.pid != nil && started.pid == Self.namespacePID(of: main), "\(started), host PID \(main)")
        kill(main, SIGKILL)
        let exited = try await vigild.waitForEvent(.targetExited, target: "probe", timeout: .seconds(30))
        #expect(exited.fields["VIGIL_CAUSE"]?.contains("failed") == true, "\(exited)")
        try await vigild.waitForEvent(.targetStarted, target: "probe", count: 2, timeout: .seconds(30))
        let restarted = try #require(vigild.events(.targetStarted, target: "probe").last)
        let second = try #require(try await Self.waitForDescendant(of: container.process.pid))
        #expect(restarted.pid == Self.namespacePID(of: second), "\(restarted), host PID \(second)")
        let again = try await SystemdUnitState.current(of: probe)
        #expect(again?.phase == .active, "\(String(describing: again))")
    }
}
