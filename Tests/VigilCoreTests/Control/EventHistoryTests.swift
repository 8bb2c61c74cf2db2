import Testing
import VigilCore

@Suite struct EventHistoryTests {
    /// An event as vigild records a restart: a short message and a handful of fields.
    static func record(_ number: Int, message: String? = nil, fields: Int = 4) -> EventRecord {
        var values: [String: String] = [:]
        for field in 0..<fields {
            values["FIELD_\(field)"] = "value \(number)"
        }
        return EventRecord(
            event: "target-exited",
            target: "worker",
            message: message ?? "worker (pid \(number)) was killed by SIGKILL",
            priority: 4,
            monotonicMicroseconds: Int64(number),
            realtimeMicroseconds: Int64(number),
            fields: values
        )
    }

    @Test func neverKeepsMoreThanItsCountAndKeepsTheNewestInOrder() {
        var history = EventHistory(countLimit: 100, byteLimit: .max)
        for number in 0..<10_000 {
            history.append(Self.record(number))
            #expect(history.count <= 100)
        }
        #expect(history.count == 100)
        #expect(history.map(\.monotonicMicroseconds) == Array(9_900..<10_000).map(Int64.init))
    }

    @Test func neverCostsMoreThanItsBytesWhenMessagesAreLong() {
        var history = EventHistory(countLimit: 1_000, byteLimit: 64 << 10)
        for number in 0..<5_000 {
            // Every seventh event carries 4 KiB of output, as a hook's last lines might.
            let message = number % 7 == 0 ? String(repeating: "x", count: 4_096) : nil
            history.append(Self.record(number, message: message))
            #expect(history.bytes <= 64 << 10)
            #expect(history.bytes == history.reduce(0) { $0 + EventHistory.cost(of: $1) })
        }
        #expect(history.count < 1_000)
        #expect(history.last?.monotonicMicroseconds == 4_999)
        let kept = history.map(\.monotonicMicroseconds)
        #expect(kept == Array(kept.sorted()) && Set(kept).count == kept.count)
        #expect(kept == Array((5_000 - Int64(kept.count))..<5_000))
    }

    @Test func aThousandOrdinaryEventsStayWellUnderTheDefaultBytes() {
        var history = EventHistory()
        for number in 0..<3_000 {
            history.append(Self.record(number))
        }
        #expect(history.count == EventHistory.defaultCountLimit)
        #expect(history.bytes < EventHistory.defaultByteLimit / 2)
    }

    @Test func keepsARecordLargerThanTheWholeBoundAloneUntilTheNext() {
        var history = EventHistory(countLimit: 10, byteLimit: 1_000)
        history.append(Self.record(1))
        history.append(Self.record(2, message: String(repeating: "y", count: 5_000)))
        #expect(history.map(\.monotonicMicroseconds) == [2])
        history.append(Self.record(3))
        #expect(history.map(\.monotonicMicroseconds) == [3])
        #expect(history.bytes == EventHistory.cost(of: Self.record(3)))
    }

    @Test func suffixAndFilterSeeTheRingOldestFirstAfterItWraps() {
        var history = EventHistory(countLimit: 8, byteLimit: .max)
        for number in 0..<21 {
            history.append(Self.record(number))
        }
        #expect(history.suffix(3).map(\.monotonicMicroseconds) == [18, 19, 20])
        #expect(history.filter { $0.monotonicMicroseconds % 2 == 0 }.map(\.monotonicMicroseconds) == [14, 16, 18, 20])
        #expect(history.first?.monotonicMicroseconds == 13)
    }
}
