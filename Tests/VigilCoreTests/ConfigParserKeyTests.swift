import Testing
import VigilCore

/// Unknown, missing and duplicate keys, and values of the wrong TOML type.
@Suite struct ConfigParserKeyTests {
    @Test func unknownTopLevelKeyNamesKeyAndLine() throws {
        let problem = try configProblem("[daemon]\n\n[frobnicate]\nx = 1\n")
        #expect(problem.key == "frobnicate")
        #expect(problem.line == 3)
        #expect(problem.message == "unknown key (known keys: daemon, target, host, cluster)")
    }

    @Test func unknownKeyInDaemonTableNamesKeyAndLine() throws {
        let problem = try configProblem("[daemon]\nlog_level = \"info\"\nlog_colour = \"red\"\n")
        #expect(problem.key == "daemon.log_colour")
        #expect(problem.line == 3)
        #expect(
            problem.message
                == "unknown key (known keys: log_level, log_target, runtime_dir, heartbeat_listen, control_socket, "
                + "control_admin_group, control_read_group, metrics_listen, metrics_textfile, tick, state_dir, systemd_bus, "
                + "systemd_dropins, concurrent_recoveries)"
        )
    }

    @Test func unknownKeyInTargetTableNamesKeyLineAndLikelyTypo() throws {
        let problem = try configProblem("[[target]]\nname = \"web\"\nexec = [\"/bin/web\"]\nstop_timout = \"5s\"\n")
        #expect(problem.key == "target[web].stop_timout")
        #expect(problem.line == 4)
        #expect(
            problem.message == "unknown key; did you mean \"stop_timeout\"? (known keys: name, kind, exec, env, cwd, "
                + "user, group, stop_signal, stop_timeout, restart, heartbeat, notify_socket, cgroup, machine, unit, start, "
                + "start_timeout, checks, actuator, pid_file, level, recovery, verify_window, verify_healthy_for, "
                + "action_timeout, "
                + "recovery_reset_after, standbys, placement, weights, hooks, promote_hooks, reserve_memory, reserve_cpu, "
                + "priority, standby_mode, domain, uri, snapshot, shutdown_timeout, channel, promote, promote_signal, "
                + "demote, status, cluster, anti_affinity, address, interface, announce, announce_interval, follows)"
        )
    }

    @Test func unknownKeyInRestartTableNamesKeyAndLine() throws {
        let problem = try configProblem(
            "[[target]]\nname = \"web\"\nexec = [\"/bin/web\"]\n\n[target.restart]\nmode = \"always\"\nretries = 3\n"
        )
        #expect(problem.key == "target[web].restart.retries")
        #expect(problem.line == 7)
        #expect(
            problem.message == "unknown key (known keys: mode, backoff, burst, within, stable_after, start_grace)"
        )
    }

    @Test func unknownKeyInInlineRestartTableIsPlacedOnTheRestartLine() throws {
        let problem = try configProblem("[[target]]\nname = \"web\"\nexec = [\"/bin/web\"]\nrestart = { brust = 2 }\n")
        #expect(problem.key == "target[web].restart.brust")
        #expect(problem.line == 4)
        #expect(problem.message.hasPrefix("unknown key; did you mean \"burst\"?"))
    }

    @Test func stringWhereIntegerIsExpectedSaysWhatWasFound() throws {
        let problem = try configProblem("[[target]]\nname = \"web\"\nexec = [\"/bin/web\"]\nrestart.burst = \"5\"\n")
        #expect(problem.key == "target[web].restart.burst")
        #expect(problem.line == 4)
        #expect(problem.message == "expected an integer, found string \"5\"")
    }

    @Test func integerWhereDurationIsExpectedAsksForUnits() throws {
        let problem = try configProblem("[[target]]\nname = \"web\"\nexec = [\"/bin/web\"]\nstop_timeout = 30\n")
        #expect(problem.key == "target[web].stop_timeout")
        #expect(problem.line == 4)
        #expect(problem.message == "expected a duration string like \"30s\", found integer 30")
    }

    @Test func stringWhereArrayIsExpectedSaysWhatWasFound() throws {
        let problem = try configProblem("[[target]]\nname = \"web\"\nexec = \"/bin/web --port 80\"\n")
        #expect(problem.key == "target[web].exec")
        #expect(problem.line == 3)
        #expect(problem.message == "expected an array of strings, found string \"/bin/web --port 80\"")
    }

    @Test func arrayWhereStringIsExpectedSaysWhatWasFound() throws {
        let problem = try configProblem("[[target]]\nname = \"web\"\nexec = [\"/bin/web\"]\nuser = [\"www\"]\n")
        #expect(problem.key == "target[web].user")
        #expect(problem.line == 4)
        #expect(problem.message == "expected a string, found array")
    }

    @Test func daemonThatIsNotATableIsReported() throws {
        let problem = try configProblem("daemon = \"verbose\"\n")
        #expect(problem.key == "daemon")
        #expect(problem.line == 1)
        #expect(problem.message == "expected a table, found string \"verbose\"")
    }

    @Test func singleBracketTargetTableAsksForArrayOfTables() throws {
        let problem = try configProblem("[target]\nname = \"web\"\nexec = [\"/bin/web\"]\n")
        #expect(problem.key == "target")
        #expect(problem.line == 1)
        #expect(problem.message == "expected [[target]] entries (an array of tables), found table")
    }

    @Test func duplicateTargetNameNamesTheSecondOccurrenceAndTheFirstLine() throws {
        let problem = try configProblem(
            """
            [[target]]
            name = "web"
            exec = ["/bin/web"]

            [[target]]
            name = "web"
            exec = ["/bin/web2"]
            """
        )
        #expect(problem.key == "target[#2].name")
        #expect(problem.line == 6)
        #expect(problem.message == "duplicate target name \"web\" (first defined on line 2)")
    }

    @Test func missingNameIsPlacedOnTheTargetHeader() throws {
        let problem = try configProblem("[daemon]\n\n[[target]]\nexec = [\"/bin/web\"]\n")
        #expect(problem.key == "target[#1].name")
        #expect(problem.line == 3)
        #expect(problem.message == "missing required key (every target needs a unique name)")
    }

    @Test func missingExecIsPlacedOnTheTargetHeader() throws {
        let problem = try configProblem("[[target]]\nname = \"web\"\n")
        #expect(problem.key == "target[web].exec")
        #expect(problem.line == 1)
        #expect(problem.message.hasPrefix("missing required key (the program and its arguments"))
    }
}
