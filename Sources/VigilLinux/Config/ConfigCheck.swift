import VigilCore

/// `--check-config`: validates a file the way vigild would load it and says so in one report.
public enum ConfigCheck {
    /// The outcome of checking one file.
    public struct Report: Sendable, Equatable {
        public var isValid: Bool
        /// A one-line summary when valid; one `file:line: key: message` line per problem otherwise.
        public var lines: [String]
        /// One `file:line: key: warning: message` line per warning: things that do not make the file invalid (the
        /// exit status stays 0) but may not work as written on this host now.
        public var warnings: [String]

        public init(isValid: Bool, lines: [String], warnings: [String] = []) {
            self.isValid = isValid
            self.lines = lines
            self.warnings = warnings
        }

        /// Prints the report as both executables do: the summary on stdout, problems and warnings on stderr.
        public func emit() {
            let writer = isValid ? LineWriter(fileDescriptor: 1) : LineWriter.standardError
            for line in warnings {
                LineWriter.standardError.write(line + "\n")
            }
            for line in lines {
                writer.write(line + "\n")
            }
        }
    }

    /// Loads `path` as vigild would (parse, validate, resolve executables, users, directories, cgroups).
    public static func run(path: String) -> Report {
        do {
            let loaded = try ConfigLoader.load(path: path)
            let names = loaded.config.targets.map(\.name)
            let noun = names.count == 1 ? "target" : "targets"
            let list = names.isEmpty ? "" : ": " + names.joined(separator: ", ")
            let summary = "\(path): OK, \(names.count) \(noun)\(list)"
            return Report(isValid: true, lines: [summary], warnings: loaded.warningLines)
        } catch {
            return Report(isValid: false, lines: error.lines, warnings: error.warningLines)
        }
    }
}
