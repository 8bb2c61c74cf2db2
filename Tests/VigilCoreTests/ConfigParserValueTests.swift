import Testing
import VigilCore

/// Values of the right TOML type that are still wrong.
@Suite struct ConfigParserValueTests {
    /// A target `web` with `extra` lines from line 4 on.
    private func web(_ extra: String) -> String {
        "[[target]]\nname = \"web\"\nexec = [\"/bin/web\"]\n" + extra
    }

    @Test func emptyExecIsReportedOnItsLine() throws {
        let problem = try configProblem("[[target]]\nname = \"web\"\nexec = []\n")
        #expect(problem.key == "target[web].exec")
        #expect(problem.line == 3)
        #expect(problem.message == "must not be empty (give at least the program to run)")
    }

    @Test func execWithANonStringNamesTheElement() throws {
        let problem = try configProblem("[[target]]\nname = \"web\"\nexec = [\"/bin/web\", \"--port\", 8080]\n")
        #expect(problem.key == "target[web].exec")
        #expect(problem.line == 3)
        #expect(problem.message == "expected an array of strings, but element 3 is integer 8080")
    }

    @Test func execWithAnEmptyProgramIsReported() throws {
        let problem = try configProblem("[[target]]\nname = \"web\"\nexec = [\"\", \"x\"]\n")
        #expect(problem.key == "target[web].exec")
        #expect(problem.line == 3)
        #expect(problem.message == "the program (element 1) must not be empty")
    }

    @Test func badDurationShowsTheTextAndHowToWriteOne() throws {
        let problem = try configProblem(web("stop_timeout = \"30\"\n"))
        #expect(problem.key == "target[web].stop_timeout")
        #expect(problem.line == 4)
        #expect(
            problem.message
                == "invalid duration \"30\" (write a number and a unit: ns, us, ms, s, m, h or d, e.g. \"30s\" or "
                + "\"1m30s\")"
        )
    }

    @Test func backoffWithoutRangeIsReported() throws {
        let problem = try configProblem(web("[target.restart]\nbackoff = \"5s\"\n"))
        #expect(problem.key == "target[web].restart.backoff")
        #expect(problem.line == 5)
        #expect(problem.message == "invalid backoff \"5s\" (expected \"MIN..MAX\", e.g. \"100ms..30s\")")
    }

    @Test func backoffWithABadBoundNamesTheBound() throws {
        let problem = try configProblem(web("[target.restart]\nbackoff = \"100ms..30\"\n"))
        #expect(problem.key == "target[web].restart.backoff")
        #expect(problem.line == 5)
        #expect(problem.message.hasPrefix("backoff maximum: invalid duration \"30\""))
    }

    @Test func backoffMinimumAboveMaximumIsReported() throws {
        let problem = try configProblem(web("restart = { backoff = \"5s..1s\" }\n"))
        #expect(problem.key == "target[web].restart.backoff")
        #expect(problem.line == 4)
        #expect(problem.message == "backoff minimum 5s is larger than its maximum 1s")
    }

    @Test func burstBelowOneAndZeroWindowAreReported() {
        let problems = configProblems(web("[target.restart]\nburst = 0\nwithin = \"0\"\n"))
        #expect(problems.map(\.key) == ["target[web].restart.burst", "target[web].restart.within"])
        #expect(problems.map(\.line) == [5, 6])
        #expect(problems.map(\.message) == ["must be at least 1, found 0", "must be longer than 0"])
    }

    @Test func unknownSignalNameListsTheKnownOnes() throws {
        let problem = try configProblem(web("stop_signal = \"TEMR\"\n"))
        #expect(problem.key == "target[web].stop_signal")
        #expect(problem.line == 4)
        #expect(problem.message.hasPrefix("unknown signal \"TEMR\" (known: ABRT, ALRM, BUS,"))
        #expect(problem.message.hasSuffix(", or a number 1-64)"))
    }

    @Test func signalNumberOutOfRangeAndWrongTypeAreReported() {
        let problems = configProblems(
            web("stop_signal = 99\n") + "[[target]]\nname = \"b\"\nexec = [\"/bin/b\"]\nstop_signal = true\n"
        )
        #expect(problems.map(\.key) == ["target[web].stop_signal", "target[b].stop_signal"])
        #expect(problems.map(\.line) == [4, 8])
        #expect(problems[0].message.hasPrefix("unknown signal 99 (known:"))
        #expect(problems[1].message == "expected a signal name like \"TERM\" or a number, found boolean true")
    }

    @Test func badLogLevelListsTheLevels() throws {
        let problem = try configProblem("[daemon]\nlog_level = \"verbose\"\n")
        #expect(problem.key == "daemon.log_level")
        #expect(problem.line == 2)
        #expect(
            problem.message == "unknown log level \"verbose\" (expected one of: debug, info, notice, warning, error)"
        )
    }

    @Test func unknownKindAndRestartModeListTheChoices() {
        let problems = configProblems(web("kind = \"container\"\nrestart.mode = \"sometimes\"\n"))
        #expect(problems.map(\.key) == ["target[web].kind", "target[web].restart.mode"])
        #expect(problems.map(\.line) == [4, 5])
        #expect(
            problems.map(\.message) == [
                "unknown target kind \"container\" (expected one of: process, cgroup, vm, service, address)",
                "unknown restart mode \"sometimes\" (expected one of: always, on-failure, never)",
            ]
        )
    }

    @Test func relativeCwdIsReported() throws {
        let problem = try configProblem(web("cwd = \"srv/web\"\n"))
        #expect(problem.key == "target[web].cwd")
        #expect(problem.line == 4)
        #expect(problem.message == "must be an absolute path, found \"srv/web\"")
    }

    @Test func emptyUserIsReported() throws {
        let problem = try configProblem(web("user = \"\"\n"))
        #expect(problem.key == "target[web].user")
        #expect(problem.line == 4)
        #expect(problem.message == "must not be empty")
    }

    @Test func badEnvironmentNamesAndValuesAreReportedPerVariable() {
        let problems = configProblems(web("[target.env]\nGOOD = \"1\"\n1BAD = \"2\"\n\"MY.VAR\" = \"3\"\nNUM = 4\n"))
        #expect(problems.map(\.key) == ["target[web].env.1BAD", "target[web].env.\"MY.VAR\"", "target[web].env.NUM"])
        #expect(problems.map(\.line) == [6, 7, 8])
        let rule = "invalid environment variable name (use letters, digits and _, not starting with a digit)"
        #expect(problems.map(\.message) == [rule, rule, "expected a string, found integer 4"])
    }

    @Test func invalidNameMakesProblemsUseTheTargetsPosition() {
        let problems = configProblems(
            web("") + "[[target]]\nname = \"my web\"\nexec = [\"/bin/b\"]\ncwd = \"b\"\n[[target]]\nname = \"\"\n"
        )
        #expect(problems.map(\.key) == ["target[#2].name", "target[#2].cwd", "target[#3].exec", "target[#3].name"])
        #expect(problems.map(\.line) == [5, 7, 8, 9])
        #expect(
            problems[0].message
                == "invalid target name \"my web\" (use at most 64 of the characters A-Z a-z 0-9 _ . @ -)"
        )
        #expect(problems[3].message == "must not be empty")
    }

    @Test func nameLongerThanSixtyFourCharactersIsReported() throws {
        let name = String(repeating: "a", count: 65)
        let problem = try configProblem("[[target]]\nname = \"\(name)\"\nexec = [\"/bin/a\"]\n")
        #expect(problem.key == "target[#1].name")
        #expect(problem.line == 2)
        #expect(problem.message.hasPrefix("invalid target name \"aaaa"))
    }
}
