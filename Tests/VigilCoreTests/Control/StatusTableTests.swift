import Foundation
import Testing
import VigilCore

@Suite struct StatusTableTests {
    let plain = ControlRenderOptions(color: false, nowMicroseconds: ControlFixtures.now)

    @Test func rendersAHeaderAndOneAlignedRowPerTarget() {
        let expected = """
            vigild 0.4.0 (pid 812, up 3d4h, config /etc/vigil/vigil.toml, maintenance off): \
            3 targets: 1 running, 1 backoff, 1 failed

            TARGET  KIND     STATE    HEALTH                       PID  RESTARTS  UPTIME  LAST EVENT
            web     process  running  healthy                      913  0         5m12s   target-started 5m12s ago
            api     process  backoff  suspect: phi=9.2, 2s silent  -    2         -       target-exited 4s ago
            db      vm       failed   failed: 5 restarts in 1m     -    5         -       -

            """
        #expect(StatusTable.render(ControlFixtures.status, options: plain) == expected)
    }

    @Test func coloursStateAndHealthWithPaddingOutsideTheEscapes() {
        var status = ControlFixtures.status
        status.targets = [status.targets[0], status.targets[2]]
        let colored = ControlRenderOptions(color: true, nowMicroseconds: ControlFixtures.now)
        let lines = StatusTable.render(status, options: colored).split(
            separator: "\n",
            omittingEmptySubsequences: false
        )
        let green = "\u{1B}[32m"
        let red = "\u{1B}[31m"
        let reset = "\u{1B}[0m"
        #expect(
            lines[3]
                == "web     process  \(green)running\(reset)  \(green)healthy\(reset)"
                + String(repeating: " ", count: 17) + "  913  0         5m12s   target-started 5m12s ago"
        )
        #expect(
            lines[4]
                == "db      vm       \(red)failed\(reset)   \(red)failed: 5 restarts in 1m\(reset)"
                + "  -    5         -       -"
        )
    }

    @Test func marksMaintenanceInCyanOnTheHeaderAndEveryTarget() {
        var status = ControlFixtures.status
        status.maintenance = true
        status.targets = [status.targets[0]]
        let colored = ControlRenderOptions(color: true, nowMicroseconds: ControlFixtures.now)
        let text = StatusTable.render(status, options: colored)
        #expect(text.contains("\u{1B}[36mmaintenance on\u{1B}[0m): "))
        #expect(text.contains("\u{1B}[36mrunning (maintenance)\u{1B}[0m"))
    }

    @Test func saysSoWhenNoTargetIsConfigured() {
        var status = ControlFixtures.status
        status.targets = []
        #expect(StatusTable.render(status, options: plain).hasSuffix("failed\n\nno targets configured\n"))
        #expect(status.allTargetsUp)
    }

    @Test func isUpOnlyWhenEveryTargetRunsAndIsNotSuspectOrFailed() {
        var status = ControlFixtures.status
        #expect(!status.allTargetsUp)
        status.targets = [
            status.targets[0], TargetStatus(name: "cron", kind: .process, state: "running", health: .unknown),
        ]
        #expect(status.allTargetsUp)
        status.targets[0].health = .suspect
        #expect(!status.allTargetsUp)
    }

    @Test func jsonRoundTripsTheStatusAndEvents() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(ControlFixtures.status)
        #expect(try JSONDecoder().decode(DaemonStatus.self, from: data) == ControlFixtures.status)
        let response = ControlResponse(ok: true, events: ControlFixtures.status.targets.compactMap(\.lastEvent))
        #expect(try JSONDecoder().decode(ControlResponse.self, from: try encoder.encode(response)) == response)
    }
}
