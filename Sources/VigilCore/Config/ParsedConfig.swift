/// A configuration file parsed as far as it is valid: what `ConfigParser.parseAll` answers.
public struct ParsedConfig: Sendable {
    /// The daemon table and the targets that parsed (a target with a bad setting keeps its default there); a
    /// target whose name or program is missing or invalid, or whose name repeats an earlier one, is left out.
    public var config: VigilConfig
    /// For each target in `config`, its index among the file's `[[target]]` entries, to place host problems.
    public var entries: [Int]
    /// Every problem in the text, in line order; empty when the file is valid.
    public var problems: [ConfigProblem]
    public var sourceMap: ConfigSourceMap
}
