/// The recent events vigild keeps for `vigilctl events`, `vigilctl report` and the state file, oldest first; the
/// journal keeps the rest.
///
/// Bounded twice: by count, and by an estimate of the bytes the records hold, so a burst of events with long
/// messages or many fields cannot grow vigild past what a thousand ordinary events take. Whichever bound is reached
/// first evicts the oldest records. The records live in a ring, so recording an event never shifts the others, and
/// the storage, once `countLimit` slots are allocated, is reused rather than reallocated.
public struct EventHistory: Sendable {
    /// 1000 events: at the rate of the chaos soak (a fault every second or two, several events each) that is the
    /// last few minutes; at a quiet host's rate it is days.
    public static let defaultCountLimit = 1_000
    /// 1 MiB by `cost(of:)`. A thousand ordinary events take about a quarter of that; the bound is there for events
    /// whose messages carry output.
    public static let defaultByteLimit = 1 << 20

    /// At most this many records are kept.
    public let countLimit: Int
    /// The records kept cost at most this many bytes by `cost(of:)` (one record is always kept, whatever it costs).
    public let byteLimit: Int
    /// The sum of `cost(of:)` over the records kept.
    public private(set) var bytes = 0

    /// The ring: `slots[(first + i) % countLimit]` is the i-th oldest record; a slot whose record was evicted holds
    /// `nil`, so its memory is freed at once.
    private var slots: [EventRecord?] = []
    private var first = 0
    public private(set) var count = 0

    /// - Parameters:
    ///   - countLimit: the most records kept, at least 1.
    ///   - byteLimit: the most bytes (by `cost(of:)`) the records kept may cost.
    public init(countLimit: Int = defaultCountLimit, byteLimit: Int = defaultByteLimit) {
        precondition(countLimit >= 1, "an event history keeps at least one event")
        self.countLimit = countLimit
        self.byteLimit = byteLimit
    }

    /// What a record costs against `byteLimit`: the UTF-8 bytes of its strings, plus a fixed overhead per record
    /// and per field for the headers and the dictionary slots Swift allocates around them. An estimate of the heap
    /// it takes, not an exact figure: it tracks the real size closely enough for a bound.
    public static func cost(of record: EventRecord) -> Int {
        var bytes = recordOverhead + record.event.utf8.count + (record.target?.utf8.count ?? 0)
        bytes += record.message.utf8.count
        for (name, value) in record.fields {
            bytes += fieldOverhead + name.utf8.count + value.utf8.count
        }
        return bytes
    }

    /// The slot, the strings' headers and the fields dictionary's own storage.
    static let recordOverhead = 160
    /// A dictionary entry (two `String`s, 32 bytes) and its share of the table.
    static let fieldOverhead = 48

    /// Adds `record` as the newest, evicting the oldest records until both bounds hold again.
    public mutating func append(_ record: EventRecord) {
        let cost = Self.cost(of: record)
        while count > 0 && (count == countLimit || bytes + cost > byteLimit) {
            removeOldest()
        }
        let index = (first + count) % countLimit
        if index == slots.count {
            slots.append(record)
        } else {
            slots[index] = record
        }
        count += 1
        bytes += cost
    }

    private mutating func removeOldest() {
        bytes -= slots[first].map(Self.cost(of:)) ?? 0
        slots[first] = nil
        first = (first + 1) % countLimit
        count -= 1
    }
}

extension EventHistory: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    /// The `position`-th oldest record kept.
    public subscript(position: Int) -> EventRecord {
        precondition(position >= 0 && position < count, "index out of the history")
        return slots[(first + position) % countLimit]!
    }
}
