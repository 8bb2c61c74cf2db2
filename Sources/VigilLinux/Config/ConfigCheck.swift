import VigilCore

/// `--check-config`: validates a file the way vigild would load it and says so in one report.
public enum ConfigCheck {
    /// The outcome of checking one file.
    public struct Report: Sendable, Equatable {
        public var isValid: Bool
        /// A one-line summary when valid; one `file:line: key: message` line per problem otherwise.
        public var lines: [String]

        public init(isValid: Bool, lines: [String]) {
            self.isValid = isValid
            self.lines = lines
        }

        /// Prints the report as both executables do: the summary on stdout, problems on stderr.
        public func emit() {
            let writer = isValid ? LineWriter(fileDescriptor: 1) : LineWriter.standardError
            for line in lines {
                writer.write(line + "\n")
            }
        }
    }

    /// Loads `path` as vigild would (parse, validate, resolve executables, users, directories).
    public static func run(path: String) -> Report {
        do {
            let loaded = try ConfigLoader.load(path: path)
            let names = loaded.config.targets.map(\.name)
            let noun = names.count == 1 ? "target" : "targets"
            let list = names.isEmpty ? "" : ": " + names.joined(separator: ", ")
            return Report(isValid: true, lines: ["\(path): OK, \(names.count) \(noun)\(list)"])
        } catch {
            return Report(isValid: false, lines: error.lines)
        }
    }
}
