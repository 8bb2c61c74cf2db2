import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// vigild killed between recording a hot standby domain's promotion and libvirt resuming it: the vigild started next
/// must resume the domain (a resume of a paused domain cannot start it twice), not adopt it paused as the primary.
extension GuestDomainTests {
    /// A `virsh` in front of the real one that holds every `resume` while `hold` exists (touching `held` to say a
    /// resume is being held) and then fails it without passing it on: a resume that never reached libvirt.
    static func resumeHoldingVirsh(in directory: String, hold: String, held: String, slow: String) throws -> String {
        let bin = directory + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let script = """
            #!/bin/sh
            for argument in "$@"; do
                case "$argument" in
                *"event --all --loop"*) [ -e '\(slow)' ] && sleep 3 ;;
                esac
                if [ "$argument" = resume ] && [ -e '\(hold)' ]; then
                    touch '\(held)'
                    while [ -e '\(hold)' ]; do sleep 0.05; done
                    echo "error: resume held by the test" >&2
                    exit 1
                fi
            done
            exec /usr/bin/virsh "$@"

            """
        try script.write(toFile: bin + "/virsh", atomically: true, encoding: .utf8)
        chmod(bin + "/virsh", 0o755)
        return bin
    }

    @Test func aHotStandbyDomainWhosePromotionVigildRecordedButNeverIssuedIsResumedByTheNextVigild() async throws {
        let host = try await GuestHost()
        defer { host.stop() }
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let hold = directory + "/hold"
        let held = directory + "/held"
        #expect(FileManager.default.createFile(atPath: hold, contents: nil))
        let slow = directory + "/slow"
        let bin = try Self.resumeHoldingVirsh(in: directory, hold: hold, held: held, slow: slow)
        let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin")
        let a = try await host.define("vigil-r1", target: "vigil-r1", key: Self.key, start: false)
        let b = try await host.define("vigil-r2", target: "vigil-r2", key: Self.key, start: false)
        let keyFile = try Self.keyFile("restart", on: host)
        let config =
            "[daemon]\nstate_dir = \"\(directory)/state\"\n\n"
            + Self.target(
                a,
                host: host,
                keyFile: keyFile,
                extra: "recovery = [\"failover\"]\nstandbys = [\"\(b.name)\"]\nstandby_mode = \"hot\"\n"
                    + "verify_window = \"60s\""
            ) + Self.target(b, host: host, keyFile: keyFile)

        let first = try VigildProcess(config: config, environment: ["PATH": path])
        defer { first.stop() }
        try await first.waitForEvent(.targetStarted, target: a.name, timeout: .seconds(120))
        try await first.waitForEvent(.targetStarted, target: b.name, timeout: .seconds(120))
        try await Self.waitForHeartbeats(first, a.name)
        #expect(
            try await LibvirtDomainTests.waitForState("paused", of: b.name, on: host.libvirt, timeout: .seconds(60))
        )
        let boot = try #require(b.consoleTail(200_000).split(separator: "\n").first { $0.contains("booted") })
        try await first.waitFor("the standby eligible", timeout: .seconds(30)) { _ in
            let status = try? ControlProbe.ask(first.controlSocket, ControlRequest(command: .status)).status
            return status?.targets.first { $0.name == b.name }?.standbyEligible == true ? true : nil
        }

        // The primary's emulator dies; vigild fences it, records the promotion and asks libvirt to resume the
        // standby, which the wrapper holds. vigild is killed there.
        #expect(kill(try Self.emulatorPID(a, host: host), SIGKILL) == 0)
        try await first.waitFor("the resume issued", timeout: .seconds(60)) { _ in
            FileManager.default.fileExists(atPath: held) ? true : nil
        }
        let saved = StateStore(directory: directory + "/state").load().state?.targets[a.name]?.failover
        #expect(saved?.promotionIssued == true && saved?.isUnderWay == true, "\(String(describing: saved))")
        first.signal(SIGKILL)
        #expect(try await ProcessProbe.waitUntilGone(first.pid))
        #expect(first.events(.failoverCompleted).isEmpty)
        try FileManager.default.removeItem(atPath: hold)
        #expect(try await Self.state(of: b.name, host: host) == "paused", "the resume never reached libvirt")

        // The next vigild finds the promotion recorded and the standby still paused: it resumes it, once. Its watch
        // of libvirt's events starts 3 s late, so the standby is found by `virsh start` ("already active") first.
        #expect(FileManager.default.createFile(atPath: slow, contents: nil))
        let second = try VigildProcess(config: config, environment: ["PATH": path])
        defer { second.stop() }
        let adopted = try await second.waitForEvent(.targetAdopted, target: b.name, timeout: .seconds(60))
        let completed = try await second.waitForEvent(.failoverCompleted, target: a.name, timeout: .seconds(60))
        #expect(completed.message.contains("from \(a.name) to \(b.name)"), "\(completed)")
        #expect(try await LibvirtDomainTests.waitForState("running", of: b.name, on: host.libvirt), "resumed")
        try await Self.waitForHeartbeats(second, b.name)
        let promotions = second.events(.roleChanged, target: b.name).filter {
            $0.message.contains("promoting its running instance")
        }
        #expect(promotions.count == 1, "issued again exactly once: \(promotions.map(\.message))")
        #expect(second.events(.targetStarted, target: b.name).isEmpty, "resumed, not started: \(adopted)")
        let boots = b.consoleTail(200_000).split(separator: "\n").filter { $0.contains("booted") }
        #expect(boots.count == 1 && boots.first == boot, "the same boot of the guest: \(boots)")
    }
}
