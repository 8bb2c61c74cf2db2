import Testing
import VigilCore

@Suite struct ReliabilityReportTests {
    private func event(_ kind: EventKind, at seconds: Double, _ fields: [String: String] = [:]) -> EventRecord {
        EventRecord(
            event: kind.rawValue,
            target: "web",
            message: "",
            priority: 5,
            monotonicMicroseconds: Int64(seconds * 1e6),
            realtimeMicroseconds: 0,
            fields: fields
        )
    }

    @Test func figuresFollowFromAHandMadeHistory() throws {
        // Up at 0; crash at 100 noticed 50 µs late, back at 101; convicted at 200 after 0.3 s of silence, the kill's
        // exit at 200.001, back at 202; a false alarm at 300; a stop on request at 350 is no failure.
        let history = [
            event(.targetStarted, at: 0),
            event(.targetExited, at: 100, ["DETECT_USEC": "50"]),
            event(.restartScheduled, at: 100),
            event(.targetStarted, at: 101),
            event(.heartbeatSuspected, at: 199.9),
            event(.targetFaulted, at: 200, ["SILENCE_USEC": "300000", "FAULT": "heartbeat"]),
            event(.targetExited, at: 200.001, ["FAULT": "heartbeat", "SIGNAL": "SIGKILL"]),
            event(.targetStarted, at: 202),
            event(.heartbeatSuspected, at: 300),
            event(.heartbeatCleared, at: 300.2),
            event(.targetStopping, at: 350),
            event(.targetExited, at: 350.1, ["EXPECTED": "1"]),
            event(.targetStarted, at: 351),
        ]
        let report = try #require(
            ReliabilityReport.compute(events: history, targets: ["web"], from: 0, now: 400_000_000).first
        )
        #expect(report.failures == 2)
        #expect(report.detected == 2)
        #expect(report.detectionRate == 1)
        #expect(abs(report.meanTimeToDetect! - (0.000_05 + 0.3) / 2) < 1e-9)
        #expect(abs(report.meanTimeToRecover! - 1.5) < 1e-9)
        #expect(abs(report.availabilityPercent - 100 * (1 - 3.0 / 400)) < 1e-9)
        #expect(report.falseSuspicions == 1)
        #expect(report.recoveries == ["restart": 2])
    }

    @Test func aTargetDownAtTheEndOfTheWindowCountsAsDownUntilNow() throws {
        let history = [
            event(.targetStarted, at: 0),
            event(.targetExited, at: 50),
            event(.targetGaveUp, at: 50),
        ]
        let report = try #require(
            ReliabilityReport.compute(events: history, targets: ["web"], from: 0, now: 100_000_000).first
        )
        #expect(report.failures == 1)
        #expect(report.detected == 0 && report.detectionRate == 0)
        #expect(report.meanTimeToRecover == nil)
        #expect(abs(report.availabilityPercent - 50) < 1e-9)
    }

    @Test func anAdoptionEndsDowntimeButIsNeitherARepairNorARecovery() throws {
        // Adopted at 0 (vigild restarted); the daemon exits at 10 and something else starts it again, adopted at 14.
        let history = [
            event(.targetAdopted, at: 0),
            event(.targetExited, at: 10),
            event(.targetAdopted, at: 14),
        ]
        let report = try #require(
            ReliabilityReport.compute(events: history, targets: ["web"], from: 0, now: 20_000_000).first
        )
        #expect(report.failures == 1)
        #expect(report.recoveries.isEmpty, "vigild started nothing")
        #expect(report.meanTimeToRecover == nil)
        #expect(abs(report.availabilityPercent - 80) < 1e-9, "down from 10 to 14 of 20 s")
    }

    @Test func eventsBeforeTheWindowOnlySetTheStateAtItsStart() throws {
        let history = [
            event(.targetExited, at: 10),
            event(.targetStarted, at: 30),
        ]
        let report = try #require(
            ReliabilityReport.compute(events: history, targets: ["web"], from: 20_000_000, now: 40_000_000).first
        )
        #expect(report.failures == 0)
        #expect(abs(report.availabilityPercent - 50) < 1e-9, "down from the window's start until 30")
        #expect(report.recoveries.isEmpty, "the failure was before the window")
    }

    @Test func tableShowsOneLinePerTarget() {
        let text = ReliabilityTable.render(
            [
                TargetReliability(
                    target: "web",
                    failures: 2,
                    detected: 2,
                    detectionRate: 1,
                    meanTimeToDetect: 0.15,
                    meanTimeToRecover: 1.5,
                    availabilityPercent: 99.25,
                    falseSuspicions: 1,
                    recoveries: ["restart": 2]
                )
            ],
            window: 400
        )
        #expect(
            text == """
                window 6m40s
                TARGET  FAILURES  DETECTED  MTTD     MTTR      AVAILABILITY  FALSE-SUSPICIONS  RECOVERIES
                web     2         2 (100%)  150.0ms  1500.0ms  99.25%        1                 restart 2

                """
        )
    }

    @Test func windowStartTurnsAnyClientNumberIntoAWindowWithinVigildsLifetime() {
        let started: Int64 = 1_000_000
        let now: Int64 = 61_000_000
        #expect(ReliabilityReport.windowStart(sinceSeconds: nil, started: started, now: now) == started)
        #expect(ReliabilityReport.windowStart(sinceSeconds: 10, started: started, now: now) == 51_000_000)
        #expect(ReliabilityReport.windowStart(sinceSeconds: 0.5, started: started, now: now) == 60_500_000)
        for whole in [60.0, 3_600, 1e300, .greatestFiniteMagnitude, .infinity, .nan] {
            #expect(ReliabilityReport.windowStart(sinceSeconds: whole, started: started, now: now) == started)
        }
        for empty in [0.0, -0.0, -1, -1e300, -.infinity, .leastNonzeroMagnitude] {
            #expect(ReliabilityReport.windowStart(sinceSeconds: empty, started: started, now: now) == now)
        }
    }
}
