import Testing
import VigilCore

/// The problems `ConfigParser` reports for `text`; records an issue if it parses.
func configProblems(_ text: String) -> [ConfigProblem] {
    do {
        let config = try ConfigParser.parse(text, file: "vigil.toml")
        Issue.record("expected a ConfigError, parsed \(config)")
        return []
    } catch {
        return error.problems
    }
}

/// The one problem `ConfigParser` reports for `text`.
func configProblem(_ text: String) throws -> ConfigProblem {
    let problems = configProblems(text)
    try #require(problems.count == 1, "\(problems)")
    return problems[0]
}

@Suite struct ConfigParserTests {
    @Test func fullValidConfigParsesToTheExactModel() throws {
        let text = """
            # Vigil on web-1
            [daemon]
            log_level = "debug"
            log_target = "journal"

            [[target]]
            name = "web"
            kind = "process"
            exec = [
              "/usr/bin/web",
              "--port", "8080",
            ]
            env = { PORT = "8080", RUST_LOG = "info" }
            cwd = "/srv/web"
            user = "www-data"
            group = "www"
            stop_signal = "SIGINT"
            stop_timeout = "1m30s"

            [target.restart]
            mode = "on-failure"
            backoff = "250ms..1m"
            burst = 3
            within = "5m"
            stable_after = "2m"
            start_grace = "1.5s"

            [[target]]
            name = "worker@1"
            exec = ["worker"]
            stop_signal = 9
            restart = { mode = "never", backoff = "0..10s" }
            """
        let config = try ConfigParser.parse(text, file: "vigil.toml")
        let expected = VigilConfig(
            daemon: DaemonConfig(logLevel: .debug, logTarget: .journal),
            targets: [
                TargetConfig(
                    name: "web",
                    kind: .process,
                    exec: ["/usr/bin/web", "--port", "8080"],
                    env: ["PORT": "8080", "RUST_LOG": "info"],
                    cwd: "/srv/web",
                    user: "www-data",
                    group: "www",
                    stopSignal: .int,
                    stopTimeout: .seconds(90),
                    restart: RestartConfig(
                        mode: .onFailure,
                        backoffMin: .milliseconds(250),
                        backoffMax: .seconds(60),
                        burst: 3,
                        within: .seconds(300),
                        stableAfter: .seconds(120),
                        startGrace: .milliseconds(1_500)
                    )
                ),
                TargetConfig(
                    name: "worker@1",
                    exec: ["worker"],
                    stopSignal: .kill,
                    restart: RestartConfig(mode: .never, backoffMin: .zero, backoffMax: .seconds(10))
                ),
            ]
        )
        #expect(config == expected)
    }

    @Test func anEmptyFileIsRefusedAndAnEmptyDaemonTableGivesTheDefaults() throws {
        for text in ["", "\n  \n", "# only a comment\n\t# and another\n"] {
            let problems = ConfigParser.parseAll(text).problems.map(\.description)
            #expect(problems.count == 1 && problems.first?.contains("the file is empty") == true, "\(problems)")
        }
        #expect(try ConfigParser.parse("[daemon]\n", file: "vigil.toml") == VigilConfig())
    }

    @Test func targetWithOnlyNameAndExecGetsEveryDefault() throws {
        let config = try ConfigParser.parse("[[target]]\nname = \"a\"\nexec = [\"/bin/a\"]\n", file: "vigil.toml")
        #expect(config.targets == [TargetConfig(name: "a", exec: ["/bin/a"])])
        #expect(config.target(named: "a")?.restart == RestartConfig())
    }

    @Test func signalsAreAcceptedByNameWithOrWithoutPrefixAndByNumber() throws {
        for (written, signal) in [("\"TERM\"", Signal.term), ("\"SIGHUP\"", .hup), ("\"usr1\"", .usr1), ("2", .int)] {
            let text = "[[target]]\nname = \"a\"\nexec = [\"/bin/a\"]\nstop_signal = \(written)\n"
            #expect(try ConfigParser.parse(text, file: "vigil.toml").targets.first?.stopSignal == signal)
        }
    }

    @Test func errorLinesNameFileLineKeyAndMessage() {
        do {
            _ = try ConfigParser.parse("\n[daemon]\nlog_level = \"loud\"\n", file: "/etc/vigil/vigil.toml")
            Issue.record("expected a ConfigError")
        } catch {
            #expect(error.file == "/etc/vigil/vigil.toml")
            #expect(
                error.lines == [
                    "/etc/vigil/vigil.toml:3: daemon.log_level: unknown log level \"loud\" "
                        + "(expected one of: debug, info, notice, warning, error)"
                ]
            )
        }
    }

    @Test func syntaxErrorReportsTheParsersLine() throws {
        let problem = try configProblem(
            """
            [daemon]
            log_level = "info"
            log_target =
            """
        )
        #expect(problem.key == ConfigParser.syntaxKey)
        #expect(problem.line == 3)
        #expect(problem.message.hasPrefix("invalid TOML at column"))
    }

    /// toml++ asserts (and aborts vigild, in a debug build) on these: they must be refused before it sees them.
    @Test func tableHeadersWithoutANameAreSyntaxErrorsOnTheirLineNotACrash() throws {
        for (text, line, column) in [
            ("[\n", 1, 2), ("[[\n", 1, 3), ("[daemon]\n[ \n", 2, 3), ("[[ =", 1, 4), ("[#", 1, 2), ("[.a]", 1, 2),
            ("[=a]", 1, 2), ("a = 1\n  [[target]]\n\t[\t#\n", 3, 4),
        ] {
            let problem = try configProblem(text)
            #expect(problem.key == ConfigParser.syntaxKey, "\(text)")
            #expect(problem.line == line, "\(text)")
            #expect(
                problem.message == "invalid TOML at column \(column): a table header needs a name after '[' or '[['",
                "\(text)"
            )
        }
    }

    @Test func aLogEntrysProblemLinesStopAtTheLimitAndSayHowManyMore() {
        let error = ConfigError(
            file: "f.toml",
            problems: (1...5).map { ConfigProblem(line: $0, key: "k", message: "bad") }
        )
        #expect(error.lines(limit: 5) == error.lines)
        #expect(
            error.lines(limit: 2) == [
                "f.toml:1: k: bad", "f.toml:2: k: bad", "… and 3 more (vigild --check-config f.toml lists them all)",
            ]
        )
    }

    @Test func aNulByteIsASyntaxErrorInsteadOfTheEndOfTheFile() throws {
        // toml++ reads a C string: without the check, everything after the NUL vanished and the file was "valid".
        let problem = try configProblem("[daemon]\nlog_level = \"info\"\nab\u{0}c = [[[\n")
        #expect(problem.key == ConfigParser.syntaxKey && problem.line == 3)
        #expect(problem.message == "invalid TOML at column 3: a NUL byte (the file is binary or damaged)")
    }

    @Test func bracketsInsideStringsArraysAndCommentsAreNotTableHeaders() throws {
        let config = try ConfigParser.parse(
            #"""
            # [ not a header
            [[target]]
            name = "a"
            exec = [
              "/bin/sh",
              "-c",
              """
            [
            [[ \""" ]
            """,
              '''
            [=
            ''',
            ]
            env = { X = "[", Y = '[#' }
            """#,
            file: "f.toml"
        )
        #expect(config.targets.first?.exec.count == 4)
    }

    @Test func duplicateKeyIsASyntaxErrorOnItsLine() throws {
        let problem = try configProblem("[daemon]\nlog_level = \"info\"\nlog_level = \"debug\"\n")
        #expect(problem.key == "syntax")
        #expect(problem.line == 3)
    }

    @Test func severalProblemsAreAllReportedInLineOrder() {
        let problems = configProblems(
            """
            frobnicate = 1
            [daemon]
            log_level = "loud"
            [[target]]
            name = "web"
            exec = []
            cwd = "srv"
            [target.restart]
            burst = 0
            backoff = "5s..1s"
            [[target]]
            exec = ["/bin/b"]
            stop_timeout = 10
            """
        )
        #expect(problems.count == 8)
        #expect(
            problems.map(\.key) == [
                "frobnicate", "daemon.log_level", "target[web].exec", "target[web].cwd",
                "target[web].restart.burst", "target[web].restart.backoff", "target[#2].name",
                "target[#2].stop_timeout",
            ]
        )
        #expect(problems.map(\.line) == [1, 3, 6, 7, 9, 10, 11, 13])
    }
}
