import Testing
import VigilCore

@Suite struct FaultToleranceLevelTests {
    @Test func mediumIsVigildsDefaultSoALevelChangesNothingUnlessAsked() {
        let restart = FaultToleranceLevel.medium.applied(to: RestartConfig(), explicitKeys: [])
        #expect(restart == RestartConfig())
        let heartbeat = HeartbeatConfig(interval: .seconds(1))
        #expect(FaultToleranceLevel.medium.applied(to: heartbeat, explicitKeys: []) == heartbeat)
        #expect(RecoveryConfig().verifyWindow == .seconds(30))
    }

    @Test func highDetectsSoonerEscalatesFasterAndRestartsLess() {
        let heartbeat = FaultToleranceLevel.high.applied(to: HeartbeatConfig(interval: .seconds(1)), explicitKeys: [])
        #expect(heartbeat.suspect == 6 && heartbeat.convict == 12)
        let fixed = FaultToleranceLevel.high.applied(
            to: HeartbeatConfig(interval: .seconds(1), detector: .fixed),
            explicitKeys: []
        )
        #expect(fixed.suspect == 2.25 && fixed.convict == 3)
        let restart = FaultToleranceLevel.high.applied(to: RestartConfig(), explicitKeys: [])
        #expect(restart.burst == 3 && restart.backoffMin == .zero && restart.backoffMax == .seconds(5))
        let config = RecoveryConfig(level: .high, standbys: ["b"])
        #expect(config.ladder == [.restart, .failover, .fence])
        #expect(config.verifyWindow == .seconds(10) && config.priority == 100)
        #expect(RecoveryConfig(level: .high).ladder == [.restart, .restart])
    }

    @Test func lowIsLenientAndNeverFailsOverByItself() {
        let heartbeat = FaultToleranceLevel.low.applied(to: HeartbeatConfig(interval: .seconds(1)), explicitKeys: [])
        #expect(heartbeat.suspect == 12 && heartbeat.convict == 24)
        #expect(RecoveryConfig(level: .low, standbys: ["b"]).ladder == [.restart, .restart, .restart])
        let restart = FaultToleranceLevel.low.applied(to: RestartConfig(), explicitKeys: [])
        #expect(restart.burst == 10 && restart.within == .seconds(120) && restart.backoffMin == .seconds(1))
    }

    @Test func explicitKeysWinOverTheLevel() {
        var written = RestartConfig()
        written.burst = 7
        let restart = FaultToleranceLevel.high.applied(to: written, explicitKeys: ["burst"])
        #expect(restart.burst == 7 && restart.within == .seconds(60) && restart.backoffMax == .seconds(5))
        let heartbeat = FaultToleranceLevel.high.applied(
            to: HeartbeatConfig(interval: .seconds(1), convict: 5),
            explicitKeys: ["convict"]
        )
        // The scaled suspect (6) would be above the explicit convict: it is lowered to it.
        #expect(heartbeat.convict == 5 && heartbeat.suspect == 5)
    }
}
