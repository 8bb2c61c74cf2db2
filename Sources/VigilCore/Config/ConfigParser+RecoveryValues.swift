extension ConfigParser {
    /// An array of strings, or nil (with a problem if the value is there but is something else).
    static func stringArray(
        _ key: String,
        _ reader: ConfigTableReader,
        problems: inout [ConfigProblem]
    ) -> [String]? {
        guard let value = reader.value(key) else { return nil }
        guard let array = value.array else {
            problems.append(reader.mismatch(key, expected: "an array of strings", found: value))
            return nil
        }
        var strings: [String] = []
        for (index, element) in array.enumerated() {
            guard let string = element.string else {
                let found = ConfigTableReader.describe(element)
                problems.append(
                    reader.problem(key, "expected an array of strings, but element \(index + 1) is \(found)")
                )
                return nil
            }
            strings.append(string)
        }
        return strings
    }

    static func positiveDuration(
        _ key: String,
        _ reader: ConfigTableReader,
        problems: inout [ConfigProblem]
    ) -> Duration? {
        guard let duration = reader.duration(key, problems: &problems) else { return nil }
        guard duration > .zero else {
            problems.append(reader.problem(key, "must be longer than 0"))
            return nil
        }
        return duration
    }

    /// `"512M"`, `"2GiB"`, `"10%"` (of the host's memory) or an integer number of bytes.
    static func parseMemoryAmount(
        _ key: String,
        _ reader: ConfigTableReader,
        problems: inout [ConfigProblem]
    ) -> MemoryAmount? {
        guard let value = reader.value(key) else { return nil }
        if let integer = value.int {
            guard integer > 0 else {
                problems.append(reader.problem(key, "must be more than 0, found \(integer)"))
                return nil
            }
            return .bytes(UInt64(integer))
        }
        let expected = "a size like \"512M\" or \"10%\""
        guard let text = reader.string(key, expected: expected, problems: &problems) else { return nil }
        if text.hasSuffix("%") {
            guard let percent = Double(text.dropLast()), percent > 0, percent <= 100 else {
                let message =
                    "invalid percentage \(ConfigTableReader.quoted(text)) (write more than 0% and at most 100%)"
                problems.append(reader.problem(key, message))
                return nil
            }
            return .percent(percent)
        }
        guard let bytes = ByteCount.parse(text), bytes > 0 else {
            let message =
                "invalid size \(ConfigTableReader.quoted(text)) (write a number and a unit: B, K, M, G or T, "
                + "e.g. \"512M\", or a percentage of the host's memory, e.g. \"10%\")"
            problems.append(reader.problem(key, message))
            return nil
        }
        return .bytes(bytes)
    }

    static func parseCPU(_ reader: ConfigTableReader, problems: inout [ConfigProblem]) -> Double? {
        guard let cpu = reader.number("reserve_cpu", problems: &problems) else { return nil }
        guard cpu > 0 else {
            problems.append(reader.problem("reserve_cpu", "must be more than 0 (in cores, e.g. 0.5), found \(cpu)"))
            return nil
        }
        return cpu
    }
}
