import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The shipped `systemd/vigild.service`, unchanged, under a real systemd: PID 1 of a container booted from this
/// host's own tree with systemd-nspawn. A probe unit inside drives it with systemctl and journalctl.
@Suite(.serialized) struct SystemdUnitTests {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test func shippedUnitIsReadyReportsStatusReloadsIsRestartedByItsWatchdogAndStopsEveryTarget() async throws {
        let root = try VigildProcess.makeDirectory()
        defer {
            if ProcessInfo.processInfo.environment["VIGIL_KEEP_TEST_DIR"] == nil {
                try? FileManager.default.removeItem(atPath: root)
            }
        }
        let results = root + "/results"
        let units = root + "/units"
        let config = root + "/etc-vigil"
        // journalctl --update-catalog reads /usr/local/lib/systemd/catalog, where an install under /usr/local puts it.
        let localLib = root + "/usr-local-lib"
        for directory in [results, units + "/vigild.service.d", config, localLib + "/systemd/catalog"] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(
            atPath: Self.repository.appendingPathComponent("systemd/vigild.service").path,
            toPath: units + "/vigild.service"
        )
        try FileManager.default.copyItem(
            atPath: Self.repository.appendingPathComponent("systemd/vigil.catalog").path,
            toPath: localLib + "/systemd/catalog/vigil.catalog"
        )
        // The one change for the test: short timeouts, so that a stuck vigild is killed within seconds and what it
        // leaves behind (KillMode=mixed) is cleaned up after 5 s instead of 90.
        try "[Service]\nWatchdogSec=2s\nTimeoutStopSec=5s\n".write(
            toFile: units + "/vigild.service.d/test.conf",
            atomically: true,
            encoding: .utf8
        )
        try """
        [Unit]
        Description=vigild test
        Wants=vigild.service vigil-probe.service
        """.write(toFile: units + "/vigil-test.target", atomically: true, encoding: .utf8)
        try """
        [Unit]
        Description=drive vigild like an operator
        Wants=vigild.service
        After=vigild.service
        SuccessAction=poweroff-force
        FailureAction=poweroff-force

        [Service]
        Type=oneshot
        ExecStart=/vigil-test/systemd-probe.sh
        TimeoutStartSec=90s
        """.write(toFile: units + "/vigil-probe.service", atomically: true, encoding: .utf8)
        try """
        [[target]]
        name = "ticker"
        exec = ["/bin/sh", "-c", "echo $$ > /results/ticker.pid; exec sleep 1000"]
        restart = { backoff = "0..1s", start_grace = "200ms" }

        [[target]]
        name = "worker"
        exec = ["/bin/sleep", "1000"]
        restart = { start_grace = "200ms" }
        """.write(toFile: config + "/vigil.toml", atomically: true, encoding: .utf8)

        let binaries = URL(fileURLWithPath: VigildProcess.binary).resolvingSymlinksInPath().deletingLastPathComponent()
        let machine = "vigiltest\(UInt32.random(in: 0...UInt32.max))"
        // A minute or two of waiting for the container: off the cooperative pool (two threads for every test here).
        let nspawn = try await Blocking.run {
            try ProcessProbe.run(
                "/usr/bin/timeout",
                [
                    "--kill-after=10", "150", "/usr/bin/systemd-nspawn", "--quiet", "--directory=/", "--volatile=yes",
                    "--register=no", "--keep-unit", "--machine=\(machine)",
                    "--bind=\(results):/results",
                    "--bind-ro=\(units):/etc/systemd/system",
                    "--bind-ro=\(config):/etc/vigil",
                    "--bind-ro=\(binaries.path):/usr/local/bin",
                    "--bind-ro=\(localLib):/usr/local/lib",
                    "--bind-ro=\(Self.repository.appendingPathComponent("Tests/VigilDaemonTests/Fixtures").path):/vigil-test",
                    "--bind-ro=/opt/swift",
                    "--boot", "--", "systemd.firstboot=off", "systemd.unit=vigil-test.target",
                ]
            )
        }
        func result(_ name: String) -> String {
            (try? String(contentsOfFile: "\(results)/\(name)", encoding: .utf8)) ?? ""
        }
        #expect(
            FileManager.default.fileExists(atPath: results + "/done"),
            "probe did not finish: \(nspawn.status)\n\(nspawn.out)\n\(nspawn.err)"
        )

        // Type=notify: the probe ran after vigild became active, so systemd had READY=1 and the STATUS= line.
        let ready = result("ready.txt")
        #expect(ready.contains("ActiveState=active"))
        #expect(ready.contains("Type=notify"))
        #expect(ready.contains("NotifyAccess=main"))
        #expect(ready.contains("WatchdogUSec=2s"))
        #expect(ready.contains("StatusText=2 targets: 2 running"))

        // vigild in its leaf, the target in its own cgroup beside it, both in the unit's (delegated) cgroup.
        let cgroups = result("cgroups.txt")
        #expect(cgroups.contains("vigild=/system.slice/vigild.service/daemon\n"), "\(cgroups)")
        #expect(cgroups.contains("ticker=/system.slice/vigild.service/targets/ticker\n"), "\(cgroups)")

        let restart = result("restart.txt").split(separator: " ")
        #expect(restart.count == 2 && restart[0] != restart[1], "ticker restarted: \(restart)")
        #expect(result("status.txt").contains("Status: \"2 targets: 2 running\""), "\(result("status.txt"))")

        // The journal: structured fields, and the catalog entry shown by journalctl -x.
        let journal = result("journal.json").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let exited = journal.first { $0["VIGIL_EVENT"] as? String == "target-exited" }
        #expect(exited?["MESSAGE_ID"] as? String == EventKind.targetExited.messageID)
        #expect(exited?["VIGIL_SIGNAL"] as? String == "SIGKILL")
        #expect(exited?["SYSLOG_IDENTIFIER"] as? String == "vigild")
        #expect(exited?["_SYSTEMD_UNIT"] as? String == "vigild.service")
        #expect(result("journal-x.txt").contains("Vigil target ticker exited"), "\(result("journal-x.txt"))")

        let reload = result("reload.txt")
        #expect(reload.contains("reload=0"))
        #expect(reload.contains("ActiveState=active"))
        #expect(result("reload-journal.json").contains("configuration reloaded"))

        // SIGSTOP froze the engine: the watchdog pings stopped, systemd killed vigild and started it again.
        let watchdog = result("watchdog.txt")
        #expect(watchdog.contains("NRestarts=0"))
        #expect(watchdog.contains("NRestarts=1"), "\(watchdog)\n\(result("unit-log.txt"))")
        #expect(result("unit-log.txt").lowercased().contains("watchdog timeout"))

        let stop = result("stop.txt")
        #expect(stop.contains("stop=0"))
        #expect(stop.contains("ActiveState=inactive"))
        #expect(stop.contains("Result=success"))
        #expect(stop.contains("survivor=none"))
    }
}
