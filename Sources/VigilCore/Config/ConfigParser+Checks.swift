import TOMLKit

extension ConfigParser {
    static let checkKeys = ["when", "severity", "clear_after"]

    /// A `checks` array: `checks = [{ when = "memory.psi.full.avg10 > 20 for 30s", severity = "fault" }]`, or the
    /// same as `[[target.checks]]` / `[[host.checks]]` tables.
    ///
    /// - Parameters:
    ///   - reader: the table holding `checks` (a target or `[host]`).
    ///   - scope: whose metrics the checks may name.
    static func parseChecks(
        _ reader: ConfigTableReader,
        scope: HealthMetric.Scope,
        problems: inout [ConfigProblem]
    ) -> [HealthCheck] {
        guard let value = reader.value("checks") else { return [] }
        let example = "{ when = \"memory.psi.full.avg10 > 20 for 30s\", severity = \"fault\" }"
        guard let array = value.array else {
            problems.append(reader.mismatch("checks", expected: "an array of tables like \(example)", found: value))
            return []
        }
        var checks: [HealthCheck] = []
        for (index, element) in array.enumerated() {
            let key = "checks[\(index + 1)]"
            guard let table = element.table else {
                let found = ConfigTableReader.describe(element)
                problems.append(
                    reader.problem("checks", "element \(index + 1): expected a table like \(example), found \(found)")
                )
                continue
            }
            let checkReader = ConfigTableReader(
                table: table,
                name: (reader.name.isEmpty ? "" : reader.name + ".") + key,
                path: reader.path + ["checks", String(index)],
                sourceMap: reader.sourceMap
            )
            if let check = parseCheck(checkReader, scope: scope, problems: &problems) {
                checks.append(check)
            }
        }
        return checks
    }

    private static func parseCheck(
        _ reader: ConfigTableReader,
        scope: HealthMetric.Scope,
        problems: inout [ConfigProblem]
    ) -> HealthCheck? {
        reader.checkKeys(known: checkKeys, problems: &problems)
        let severity: HealthCheck.Severity = reader.choice("severity", what: "severity", problems: &problems) ?? .warn
        let clearAfter = reader.duration("clear_after", problems: &problems)
        guard reader.value("when") != nil else {
            let hint = "the condition, e.g. when = \"memory.psi.full.avg10 > 20 for 30s\""
            problems.append(reader.problem("when", "missing required key (\(hint))"))
            return nil
        }
        guard let text = reader.string("when", problems: &problems) else { return nil }
        switch HealthCheck.parseCondition(text, scope: scope) {
        case .failure(let error):
            problems.append(reader.problem("when", error.message))
            return nil
        case .success(let condition):
            return HealthCheck(
                metric: condition.metric,
                comparison: condition.comparison,
                bound: condition.bound,
                holdFor: condition.holdFor,
                clearAfter: clearAfter,
                severity: severity,
                text: text
            )
        }
    }

    /// The `[host]` table: host-wide checks.
    static func parseHost(_ reader: ConfigTableReader, problems: inout [ConfigProblem]) -> HostConfig {
        reader.checkKeys(known: ["checks"], problems: &problems)
        return HostConfig(checks: parseChecks(reader, scope: .host, problems: &problems))
    }
}
