import Testing
import VigilCore

@Suite struct HeartbeatTraceTests {
    @Test func parsesArrivalsWithIntervalAndCrashComments() throws {
        let text = "# recorded on web-1\n# interval=0.1\n# crash=2.5\narrival_s\n0.1\n0.2, extra\n\n0.31\n"
        let trace = try HeartbeatTrace(parsing: text)
        #expect(trace == HeartbeatTrace(interval: 0.1, arrivals: [0.1, 0.2, 0.31], crash: 2.5))
        #expect(try HeartbeatTrace(parsing: trace.text) == trace)
    }

    @Test func rejectsAnUnsortedTraceNamingTheLine() {
        #expect(throws: HeartbeatTraceError.self) { try HeartbeatTrace(parsing: "arrival_s\n1\n0.5\n", interval: 1) }
        do {
            _ = try HeartbeatTrace(parsing: "arrival_s\n1\n0.5\n", interval: 1)
        } catch {
            #expect(error.line == 3)
        }
    }

    @Test func requiresAnInterval() {
        #expect(throws: HeartbeatTraceError.self) { try HeartbeatTrace(parsing: "arrival_s\n1\n") }
    }

    @Test func sequenceNumbersSurviveTheTextFormAndAMissingOneIsAnError() throws {
        let trace = HeartbeatTrace(interval: 0.1, arrivals: [0.1, 0.42], crash: 1, sequences: [1, 4])
        #expect(trace.text.contains("arrival_s,sequence\n0.1,1\n0.42,4\n"))
        #expect(try HeartbeatTrace(parsing: trace.text) == trace)
        #expect(throws: HeartbeatTraceError.self) {
            try HeartbeatTrace(parsing: "arrival_s,sequence\n0.1,1\n0.2\n", interval: 0.1)
        }
    }
}
