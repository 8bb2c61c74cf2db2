import Crypto
import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Real QEMU guests under a libvirtd of the test's own (`GuestHost`): vigild reads each guest's heartbeats from its
/// virtio-serial channel, hears from libvirt that the emulator died, the guest panicked or its watchdog fired, and
/// a step of recovery holds once the guest heartbeats again, checked from inside the guest (its boot id, its disk).
@Suite(.serialized) struct GuestDomainTests {
    static let key = "6b65792d666f722d7468652d7265616c2d67756573742d74657374732d766967"

    /// A vigild supervising domain `guest` of `host` (`target`), with the key file it reads.
    static func vigild(
        _ guest: TestGuest,
        host: GuestHost,
        extra: String = "",
        convict: Int = 30,
        arguments: [String] = ["--log-target", "stderr"]
    ) throws -> (VigildProcess, String) {
        let keyFile = try Self.keyFile(guest.name, on: host)
        let config = target(guest, host: host, keyFile: keyFile, extra: extra, convict: convict)
        return (try VigildProcess(config: config, arguments: arguments), keyFile)
    }

    /// The tests' key, written as `NAME.key` (mode 0600) into `host`'s directory.
    static func keyFile(_ name: String, on host: GuestHost) throws -> String {
        let keyFile = host.directory + "/\(name).key"
        try key.write(toFile: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile, 0o600)
        return keyFile
    }

    /// The `[[target]]` table of domain `guest` of `host`, with the guest's heartbeats over its channel: suspected
    /// after 3 silent intervals, convicted only after `convict` (by default 30, so a hang is convicted by the
    /// watchdog, and heartbeats only tell).
    static func target(
        _ guest: TestGuest,
        host: GuestHost,
        keyFile: String,
        extra: String = "",
        convict: Int = 30
    ) -> String {
        """
        [[target]]
        name = "\(guest.name)"
        kind = "vm"
        domain = "\(guest.name)"
        uri = "\(host.uri)"
        channel = "\(guest.heartbeatSocket)"
        restart = { backoff = "0..100ms", start_grace = "1s" }
        start_timeout = "90s"
        heartbeat = { interval = "1s", key_file = "\(keyFile)", detector = "fixed", suspect = 3, convict = \(convict), first_grace = "60s" }
        \(extra)

        """
    }

    /// A step that boots the guest (a reset, a cold standby's start) holds once the guest has been healthy 2 s; the
    /// window leaves room for a boot under TCG and a loaded host.
    static let bootWindow = "verify_window = \"60s\"\nverify_healthy_for = \"2s\"\naction_timeout = \"90s\""
    static let resetLadder = "recovery = [\"reset\"]\n" + bootWindow

    /// How many heartbeats vigild has taken from the target so far.
    static func arrivals(_ vigild: VigildProcess, _ target: String) -> Int? {
        let response = try? ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status))
        return response?.status?.targets.first { $0.name == target }?.heartbeat?.arrivals
    }

    /// Waits until vigild has taken two more heartbeats of the target than when called.
    static func waitForHeartbeats(
        _ vigild: VigildProcess,
        _ target: String,
        timeout: Duration = .seconds(60)
    )
        async throws
    {
        let deadline = ContinuousClock.now + timeout
        var first: Int?
        while ContinuousClock.now < deadline {
            if let count = arrivals(vigild, target) {
                if let first, count >= first + 2 {
                    return
                }
                first = first ?? count
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        Issue.record("no new heartbeats of \(target) within \(timeout) (arrivals \(first.map(String.init) ?? "?"))")
        throw VigildTestError.timedOut("heartbeats of \(target)", log: vigild.lines.map(\.raw))
    }

    /// `virsh domstate`'s first line (`running`, `shut off`), off the cooperative pool.
    static func state(of domain: String, host: GuestHost) async throws -> String {
        let result = try await host.virsh(["domstate", domain])
        return (result.status == 0 ? result.out : result.err).split(separator: "\n").first.map(String.init) ?? ""
    }

    /// The PID of the domain's QEMU, from the PID file libvirt wrote.
    static func emulatorPID(_ guest: TestGuest, host: GuestHost) throws -> Int32 {
        let file = host.directory + "/run/libvirt/qemu/run/\(guest.name).pid"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test func aKilledEmulatorIsReportedOnceFromItsPidfdAndTheDomainRestartedUntilItsGuestHeartbeatsAgain()
        async throws
    {
        let host = try await GuestHost()
        defer { host.stop() }
        let guest = try await host.define("vigil-g1", target: "vigil-g1", key: Self.key, start: false)
        let (vigild, _) = try Self.vigild(guest, host: host)
        defer { vigild.stop() }
        // vigild starts the shut-off domain; its guest's agent heartbeats through the channel.
        try await vigild.waitForEvent(.targetStarted, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)
        let boot = try await guest.ask("ping")

        let started = ContinuousClock.now
        #expect(kill(try Self.emulatorPID(guest, host: host), SIGKILL) == 0)
        let died = try await vigild.waitForEvent(.domainEmulatorDied, target: guest.name, timeout: .seconds(30))
        #expect(died.fields["VIGIL_DOMAIN"] == guest.name)
        #expect(died.fields["VIGIL_SOURCE"] == "pidfd", "noticed from QEMU's pidfd: \(died)")
        // libvirt's own event follows (once QEMU is reaped) and is not reported again.
        let late = try await vigild.waitFor("libvirt's event after the pidfd", timeout: .seconds(30)) { lines in
            lines.first { $0.message.contains("after its QEMU's pidfd") }
        }
        try await vigild.waitForEvent(.targetStarted, target: guest.name, count: 2, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)
        let again = try await guest.ask("ping")
        #expect(again.hasPrefix("pong") && again != boot, "the guest booted again: \(boot) then \(again)")
        let lag = late.fields["VIGIL_LAG_USEC"].flatMap { Int($0) }.map { Double($0) / 1000 } ?? -1
        print(
            "qemu killed → guest heartbeating again: \(ContinuousClock.now - started) (\(host.accelerator)); "
                + "libvirt's event \(lag) ms after the pidfd"
        )
        #expect(vigild.events(.targetExited, target: guest.name).count == 1)
        #expect(vigild.events(.domainEmulatorDied, target: guest.name).count == 1)
    }

    @Test func aGuestKernelPanicIsReportedAsAPanicAndRecovered() async throws {
        let host = try await GuestHost()
        defer { host.stop() }
        let guest = try await host.define("vigil-g2", target: "vigil-g2", key: Self.key)
        let (vigild, _) = try Self.vigild(guest, host: host)
        defer { vigild.stop() }
        try await vigild.waitForEvent(.targetAdopted, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)
        let boot = try await guest.ask("ping")

        let started = ContinuousClock.now
        try await guest.tell("panic")
        let panicked = try await vigild.waitForEvent(.domainPanicked, target: guest.name, timeout: .seconds(30))
        #expect(panicked.message.contains("panicked"))
        #expect(guest.consoleTail(200_000).contains("Kernel panic"), "the guest's console shows the panic")
        #expect(vigild.events(.domainEmulatorDied, target: guest.name).isEmpty, "a panic, not a dead emulator")
        try await vigild.waitForEvent(.targetStarted, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)
        let again = try await guest.ask("ping")
        #expect(again.hasPrefix("pong") && again != boot)
        print("guest panic → guest heartbeating again: \(ContinuousClock.now - started) (\(host.accelerator))")
    }

    @Test func aHungGuestIsSuspectedByHeartbeatConvictedByItsWatchdogAndRecovered() async throws {
        let host = try await GuestHost()
        defer { host.stop() }
        let guest = try await host.define("vigil-g3", target: "vigil-g3", key: Self.key)
        let (vigild, _) = try Self.vigild(guest, host: host)
        defer { vigild.stop() }
        try await vigild.waitForEvent(.targetAdopted, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)
        let boot = try await guest.ask("ping")

        let started = ContinuousClock.now
        #expect(try await guest.ask("hang") == "ok")
        try await vigild.waitForEvent(.heartbeatSuspected, target: guest.name, timeout: .seconds(30))
        let fired = try await vigild.waitForEvent(.domainWatchdog, target: guest.name, timeout: .seconds(30))
        #expect(fired.fields["VIGIL_ACTION"] == "none")
        let fault = try await vigild.waitForEvent(.targetFaulted, target: guest.name, timeout: .seconds(30))
        #expect(fault.fields["VIGIL_FAULT"]?.contains("virtual watchdog") == true, "\(fault)")
        try await vigild.waitForEvent(.targetStarted, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)
        let again = try await guest.ask("ping")
        #expect(again.hasPrefix("pong") && again != boot)
        print("guest hang → guest heartbeating again: \(ContinuousClock.now - started) (\(host.accelerator))")
    }

    @Test func aHungGuestIsResetInPlaceByTheLadderAndHeartbeatsAgainWithoutItsDomainStoppingOrStarting() async throws {
        let host = try await GuestHost()
        defer { host.stop() }
        let guest = try await host.define("vigil-g6", target: "vigil-g6", key: Self.key)
        let libvirtEvents = try LibvirtEventLog(uri: host.uri, file: host.directory + "/events-g6.log")
        defer { libvirtEvents.stop() }
        let (vigild, _) = try Self.vigild(guest, host: host, extra: Self.resetLadder)
        defer { vigild.stop() }
        try await vigild.waitForEvent(.targetAdopted, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)
        let boot = try await guest.ask("ping")
        let emulator = try Self.emulatorPID(guest, host: host)

        // The guest hangs: its heartbeats stop (suspected) and its watchdog fires (convicted); the ladder resets it.
        let started = ContinuousClock.now
        #expect(try await guest.ask("hang") == "ok")
        try await vigild.waitForEvent(.heartbeatSuspected, target: guest.name, timeout: .seconds(30))
        try await vigild.waitForEvent(.domainWatchdog, target: guest.name, timeout: .seconds(30))
        let step = try await vigild.waitForEvent(.recoveryStep, target: guest.name, timeout: .seconds(30))
        #expect(step.fields["VIGIL_STEP"] == "reset", "\(step)")
        try await vigild.waitForEvent(.recoveryVerified, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)
        let again = try await guest.ask("ping")
        let took = ContinuousClock.now - started
        #expect(again.hasPrefix("pong") && again != boot, "the guest booted again: \(boot) then \(again)")
        #expect(vigild.events(.recoveryStepFailed, target: guest.name).isEmpty)

        // In place: the same QEMU process, and libvirt saw a reset (its reboot event), never a stop or a start.
        #expect(try Self.emulatorPID(guest, host: host) == emulator)
        let seen = libvirtEvents.lines(about: guest.name)
        #expect(seen.contains { $0.contains("event 'reboot'") }, "libvirt's events: \(seen)")
        #expect(
            !seen.contains { $0.contains("Stopped") || $0.contains("Started") || $0.contains("Shutdown") },
            "libvirt's events: \(seen)"
        )
        print("guest hang → reset guest heartbeating again: \(took) (\(host.accelerator))")
    }

    @Test func aPanickedGuestsEventCarriesTheTailOfItsSerialConsoleInTheJournal() async throws {
        try await Journald.withRunningJournal {
            let host = try await GuestHost()
            defer { host.stop() }
            let guest = try await host.define("vigil-g7", target: "vigil-g7", key: Self.key)
            let (vigild, _) = try Self.vigild(guest, host: host, arguments: ["--log-target", "journal"])
            defer { vigild.stop() }
            try await Self.waitForHeartbeats(vigild, guest.name, timeout: .seconds(120))

            try await guest.tell("panic")
            var entry: [String: String]?
            let deadline = ContinuousClock.now + .seconds(60)
            while entry == nil, ContinuousClock.now < deadline {
                entry = try await Journald.entries(
                    matching: ["_PID=\(vigild.pid)", "VIGIL_TARGET=\(guest.name)", "VIGIL_EVENT=domain-panicked"]
                ).first
            }
            let panicked = try #require(entry, "no domain-panicked entry of \(guest.name) in the journal")
            let console = try #require(panicked["VIGIL_CONSOLE"], "\(panicked)")
            // The kernel's own panic line, as the guest wrote it to its serial console, and its trace, bounded.
            #expect(console.hasPrefix("[") && console.contains("Kernel panic - not syncing"), "\(console)")
            #expect(console.split(separator: "\n").count <= 40)
            #expect(panicked["MESSAGE_ID"] == EventKind.domainPanicked.messageID)
        }
    }

    @Test func aGuestPausedByAnotherAndADiskIOErrorAreReportedAndTheStoppedGuestIsRestartedOnceConvicted() async throws
    {
        // The guest's disk is a sparse raw file on a 1 MiB tmpfs that the test fills: the guest's first write to it
        // fails with ENOSPC, and with error_policy='stop' QEMU pauses the guest.
        let mount = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-ioerror-\(UUID())").path
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mount) }
        let mounted = try ProcessProbe.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m,mode=0777", "tmpfs", mount])
        #expect(mounted.status == 0, "\(mounted.err)")
        defer { _ = try? ProcessProbe.run("/bin/umount", ["-l", mount]) }
        let disk = mount + "/disk.raw"
        #expect(FileManager.default.createFile(atPath: disk, contents: nil))
        #expect(truncate(disk, 16 << 20) == 0)
        chown(disk, 65534, 65534)

        let host = try await GuestHost()
        defer { host.stop() }
        let guest = try await host.define(
            "vigil-g8",
            target: "vigil-g8",
            key: Self.key,
            rawDisk: disk,
            errorPolicy: "stop"
        )
        let (vigild, _) = try Self.vigild(guest, host: host, convict: 8)
        defer { vigild.stop() }
        try await vigild.waitForEvent(.targetAdopted, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)

        // Paused and resumed by someone else: both reported, and nothing else done.
        #expect(try await host.virsh(["suspend", guest.name]).status == 0)
        let paused = try await vigild.waitForEvent(.domainPaused, target: guest.name, timeout: .seconds(30))
        #expect(paused.fields["VIGIL_DOMAIN"] == guest.name)
        #expect(try await host.virsh(["resume", guest.name]).status == 0)
        try await vigild.waitForEvent(.domainResumed, target: guest.name, timeout: .seconds(30))
        try await Self.waitForHeartbeats(vigild, guest.name)
        #expect(vigild.events(.targetFaulted, target: guest.name).isEmpty)

        // The disk fills up; the guest's write fails and QEMU stops the guest.
        let filler = mount + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        let block = [UInt8](repeating: 0, count: 4096)
        while block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        close(fd)
        try await guest.tell("write after-the-disk-filled")
        let ioError = try await vigild.waitForEvent(.domainIOError, target: guest.name, timeout: .seconds(30))
        #expect(ioError.fields["VIGIL_DETAIL"]?.contains(disk) == true, "\(ioError)")
        #expect(ioError.fields["VIGIL_DETAIL"]?.contains("pause") == true, "\(ioError)")
        try await vigild.waitForEvent(.domainPaused, target: guest.name, count: 2, timeout: .seconds(30))

        // vigild does not resume it (the cause is still there): the paused guest is silent, convicted by its
        // heartbeats, and destroyed and started again; with the space freed meanwhile, it heartbeats again.
        unlink(filler)
        let fault = try await vigild.waitForEvent(.targetFaulted, target: guest.name, timeout: .seconds(60))
        #expect(fault.fields["VIGIL_FAULT_DETECTOR"] == "heartbeat", "\(fault)")
        try await vigild.waitForEvent(.targetStarted, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)
        #expect(try await guest.ask("write written-after-the-restart") == "ok")
        #expect(vigild.events(.domainResumed, target: guest.name).count == 1)
    }

    /// One look at a failover group: which domains libvirt says run, and how many heartbeats vigild took from each
    /// guest so far.
    struct GroupSample: Sendable {
        var running: Set<String>
        var arrivals: [String: Int]
    }

    @Test func aFailoverBetweenTwoGuestDomainsNeverRunsBothAndTheStandbysGuestHeartbeatsAfterIt() async throws {
        let host = try await GuestHost()
        defer { host.stop() }
        let primary = try await host.define("vigil-g9a", target: "vigil-g9a", key: Self.key)
        let standby = try await host.define("vigil-g9b", target: "vigil-g9b", key: Self.key, start: false)
        let keyFile = host.directory + "/group.key"
        try Self.key.write(toFile: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile, 0o600)
        func member(_ guest: TestGuest, _ extra: String) -> String {
            """
            [[target]]
            name = "\(guest.name)"
            kind = "vm"
            domain = "\(guest.name)"
            uri = "\(host.uri)"
            channel = "\(guest.heartbeatSocket)"
            restart = { backoff = "0..100ms", start_grace = "1s" }
            start_timeout = "90s"
            heartbeat = { interval = "1s", key_file = "\(keyFile)", detector = "fixed", suspect = 3, convict = 30, first_grace = "60s" }
            \(extra)

            """
        }
        let vigild = try VigildProcess(
            config: member(primary, "recovery = [\"failover\"]\nstandbys = [\"\(standby.name)\"]\n" + Self.bootWindow)
                + member(standby, "")
        )
        defer { vigild.stop() }
        try await vigild.waitForEvent(.targetAdopted, target: primary.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, primary.name)
        #expect(try await Self.state(of: standby.name, host: host) == "shut off")

        // Sampled throughout: libvirt's running domains and each guest's heartbeats as vigild counted them.
        let names = [primary.name, standby.name]
        let sampling = Task { () -> [GroupSample] in
            var samples: [GroupSample] = []
            while !Task.isCancelled {
                let listed = try? await host.virsh(["list", "--name", "--state-running"])
                let running = Set((listed?.out ?? "").split(separator: "\n").map(String.init)).intersection(names)
                var arrivals: [String: Int] = [:]
                for name in names {
                    arrivals[name] = Self.arrivals(vigild, name) ?? 0
                }
                samples.append(GroupSample(running: running, arrivals: arrivals))
                try? await Task.sleep(for: .milliseconds(200))
            }
            return samples
        }
        defer { sampling.cancel() }

        let started = ContinuousClock.now
        #expect(try await primary.ask("hang") == "ok")
        try await vigild.waitForEvent(.domainWatchdog, target: primary.name, timeout: .seconds(30))
        let completed = try await vigild.waitForEvent(.failoverCompleted, target: primary.name, timeout: .seconds(90))
        #expect(completed.message.contains(standby.name), "\(completed)")
        try await Self.waitForHeartbeats(vigild, standby.name, timeout: .seconds(90))
        let took = ContinuousClock.now - started
        #expect(try await standby.ask("ping").hasPrefix("pong"))
        try await Task.sleep(for: .seconds(2))
        sampling.cancel()
        let samples = await sampling.value

        #expect(samples.count > 10)
        let both = samples.filter { $0.running.count == 2 }
        #expect(both.isEmpty, "libvirt ran both domains in \(both.count) of \(samples.count) samples")
        #expect(try await Self.state(of: primary.name, host: host) == "shut off")
        // The primary's guest heartbeated last before the standby's first heartbeat.
        let lastPrimary = samples.indices.dropFirst().last {
            samples[$0].arrivals[primary.name]! > samples[$0 - 1].arrivals[primary.name]!
        }
        let firstStandby = samples.firstIndex { $0.arrivals[standby.name]! > 0 }
        #expect(firstStandby != nil, "the standby's guest never heartbeated")
        if let firstStandby, let lastPrimary {
            #expect(
                lastPrimary < firstStandby,
                "primary heartbeat at sample \(lastPrimary), standby's at \(firstStandby)"
            )
        }
        print("guest hang → standby guest heartbeating: \(took) (\(host.accelerator), \(samples.count) samples)")
    }

    @Test func aHeartbeatForAnotherTargetWrittenIntoAGuestsChannelIsDropped() async throws {
        let host = try await GuestHost()
        defer { host.stop() }
        let guest = try await host.define("vigil-g4", target: "vigil-g4", key: Self.key)
        let (vigild, _) = try Self.vigild(guest, host: host)
        defer { vigild.stop() }
        try await vigild.waitForEvent(.targetAdopted, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)

        // A packet for another target, correctly signed with that target's key (as if the guest had stolen it).
        let other = HeartbeatPacket(target: "web", incarnation: 1, sequence: 1, senderTime: 0)
        let hex = Array(Self.key.utf8)
        let bytes = stride(from: 0, to: hex.count, by: 2).map {
            UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
        let key = SymmetricKey(data: bytes)
        let forged = HeartbeatCodec.encode(other, key: key).map { String(format: "%02x", $0) }.joined()
        #expect(try await guest.ask("send " + forged) == "ok")
        let report = try await vigild.waitFor("the channel's drop report", timeout: .seconds(20)) { lines in
            lines.first { $0.message.contains("dropped heartbeat packets from the guest's channel") }
        }
        #expect(report.fields["VIGIL_DROPPED_WRONG_CHANNEL"] == "1", "\(report)")
        #expect(report.target == guest.name)
    }

    @Test func theLaddersRevertRestoresTheSnapshotsDiskAsTheGuestReadsIt() async throws {
        let host = try await GuestHost()
        defer { host.stop() }
        let guest = try await host.define("vigil-g5", target: "vigil-g5", key: Self.key)
        let (vigild, _) = try Self.vigild(
            guest,
            host: host,
            extra: "snapshot = \"good\"\nrecovery = [\"revert\"]\nverify_window = \"3s\""
        )
        defer { vigild.stop() }
        try await vigild.waitForEvent(.targetAdopted, target: guest.name, timeout: .seconds(90))
        try await Self.waitForHeartbeats(vigild, guest.name)
        let boot = try await guest.ask("ping")
        #expect(try await guest.ask("write before-the-snapshot") == "ok")
        let snapshot = try await host.virsh(["snapshot-create-as", guest.name, "good"])
        #expect(snapshot.status == 0, "\(snapshot.err)")
        #expect(try await guest.ask("write after-the-snapshot") == "ok")
        #expect(try await guest.ask("read") == "after-the-snapshot")

        // The guest hangs: its watchdog fires, the ladder reverts to the snapshot (memory and disk).
        let started = ContinuousClock.now
        #expect(try await guest.ask("hang") == "ok")
        try await vigild.waitForEvent(.domainWatchdog, target: guest.name, timeout: .seconds(30))
        let step = try await vigild.waitForEvent(.recoveryStep, target: guest.name, timeout: .seconds(30))
        #expect(step.message.contains("revert"), "\(step)")
        try await vigild.waitForEvent(.recoveryVerified, target: guest.name, timeout: .seconds(60))
        try await Self.waitForHeartbeats(vigild, guest.name)
        // The guest runs from the snapshot: the same boot (its memory restored), the disk as it was then.
        #expect(try await guest.ask("ping") == boot)
        #expect(try await guest.ask("read") == "before-the-snapshot")
        #expect(vigild.events(.recoveryStepFailed, target: guest.name).isEmpty)
        print("guest hang → reverted guest heartbeating again: \(ContinuousClock.now - started) (\(host.accelerator))")
    }
}
