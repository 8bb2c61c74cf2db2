/// `/proc/loadavg`: `1.75 1.66 2.23 4/98 18522`.
public struct LoadAverage: Sendable, Equatable {
    /// Load over 1, 5 and 15 minutes.
    public var one: Double
    public var five: Double
    public var fifteen: Double
    /// Runnable scheduling entities and all of them (`4/98`), and the last pid handed out.
    public var runnable: Int?
    public var total: Int?
    public var lastPID: Int?

    public init(
        one: Double,
        five: Double,
        fifteen: Double,
        runnable: Int? = nil,
        total: Int? = nil,
        lastPID: Int? = nil
    ) {
        self.one = one
        self.five = five
        self.fifteen = fifteen
        self.runnable = runnable
        self.total = total
        self.lastPID = lastPID
    }

    /// Parses the single line of `/proc/loadavg`.
    /// - Throws: `KernelTextError` when one of the three averages is missing or not a non-negative number.
    public static func parse(_ text: String) throws(KernelTextError) -> LoadAverage {
        let fields = KernelText.fields(Substring(text))
        var averages: [Double] = []
        for field in fields.prefix(3) {
            guard let value = Double(field), value >= 0, value.isFinite else {
                throw KernelTextError(file: .loadAverage, line: 1, message: "not a load average: '\(field)'")
            }
            averages.append(value)
        }
        guard averages.count == 3 else {
            throw KernelTextError(file: .loadAverage, line: 1, message: "expected three load averages")
        }
        var result = LoadAverage(one: averages[0], five: averages[1], fifteen: averages[2])
        if fields.count > 3 {
            let entities = fields[3].split(separator: "/")
            if entities.count == 2 {
                result.runnable = Int(entities[0])
                result.total = Int(entities[1])
            }
        }
        if fields.count > 4 {
            result.lastPID = Int(fields[4])
        }
        return result
    }
}
