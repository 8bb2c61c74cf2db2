import Testing
import VigilCore

@Suite struct EventLineTests {
    let event = EventRecord(
        event: "target-exited",
        target: "web",
        message: "web exited with status 1",
        priority: 3,
        monotonicMicroseconds: 9_000_000,
        realtimeMicroseconds: 1_795_317_121_123_000,
        fields: ["TARGET": "web", "EXIT_STATUS": "1"]
    )

    @Test func showsLocalTimeTargetEventAndMessage() {
        let options = ControlRenderOptions(color: false, nowMicroseconds: 0) { _ in 3_600 }
        #expect(
            EventLine.render(event, options: options)
                == "2026-11-22 04:12:01.123  web  target-exited  web exited with status 1"
        )
    }

    @Test func coloursErrorsRedAndLeavesInfoPlain() {
        let options = ControlRenderOptions(color: true, nowMicroseconds: 0)
        #expect(
            EventLine.render(event, options: options)
                == "2026-11-22 03:12:01.123  web  \u{1B}[31mtarget-exited  web exited with status 1\u{1B}[0m"
        )
        var info = event
        info.priority = 6
        info.target = nil
        #expect(
            EventLine.render(info, options: options)
                == "2026-11-22 03:12:01.123  -  target-exited  web exited with status 1"
        )
    }

    @Test func warningsAreYellowAndDebugIsDim() {
        #expect(TerminalStyle.forPriority(4) == .yellow)
        #expect(TerminalStyle.forPriority(0) == .red)
        #expect(TerminalStyle.forPriority(7) == .dim)
    }
}
