import Testing
import VigilCore

@Suite struct ConfigSourceMapTests {
    @Test func mapsTablesAndKeysToTheirLines() {
        let map = ConfigSourceMap(
            text: """
                # comment
                [daemon]
                log_level = "debug"

                [[target]]
                name = "web"
                exec = ["/bin/web"]

                [target.restart]
                burst = 3

                [target.env]
                PORT = "80"
                """
        )
        #expect(map.line(of: ["daemon"]) == 2)
        #expect(map.line(of: ["daemon", "log_level"]) == 3)
        #expect(map.line(of: ["target", "0"]) == 5)
        #expect(map.line(of: ["target", "0", "name"]) == 6)
        #expect(map.line(of: ["target", "0", "exec"]) == 7)
        #expect(map.line(of: ["target", "0", "restart"]) == 9)
        #expect(map.line(of: ["target", "0", "restart", "burst"]) == 10)
        #expect(map.line(of: ["target", "0", "env", "PORT"]) == 13)
    }

    @Test func numbersArrayOfTablesElementsAndGivesSubTablesToTheLatest() {
        let map = ConfigSourceMap(
            text: """
                [[target]]
                name = "a"
                [target.restart]
                mode = "never"
                [[target]]
                name = "b"
                [target.restart]
                mode = "always"
                """
        )
        #expect(map.line(of: ["target", "0", "restart", "mode"]) == 4)
        #expect(map.line(of: ["target", "1"]) == 5)
        #expect(map.line(of: ["target", "1", "name"]) == 6)
        #expect(map.line(of: ["target", "1", "restart"]) == 7)
        #expect(map.line(of: ["target", "1", "restart", "mode"]) == 8)
    }

    @Test func fallsBackToTheNearestEnclosingKeyOrTable() {
        let map = ConfigSourceMap(
            text: """
                [[target]]
                name = "web"
                restart = { burst = 0 }
                """
        )
        #expect(map.line(of: ["target", "0", "restart", "burst"]) == 3)
        #expect(map.line(of: ["target", "0", "exec"]) == 1)
        #expect(map.line(of: ["daemon", "log_level"]) == nil)
    }

    @Test func readsQuotedDottedAndSpacedKeys() {
        let map = ConfigSourceMap(
            text: """
                [ "daemon" ]
                'log_level' = "info"
                [[ target ]]
                restart . burst = 2
                env."MY.VAR" = "x"
                """
        )
        #expect(map.line(of: ["daemon"]) == 1)
        #expect(map.line(of: ["daemon", "log_level"]) == 2)
        #expect(map.line(of: ["target", "0", "restart"]) == 4)
        #expect(map.line(of: ["target", "0", "restart", "burst"]) == 4)
        #expect(map.line(of: ["target", "0", "env", "MY.VAR"]) == 5)
    }

    @Test func skipsLinesInsideMultiLineValues() {
        let map = ConfigSourceMap(
            text: #"""
                [[target]]
                exec = [
                  "/bin/sh",  # a comment with ] in it
                  "-c",
                  "x = [",
                ]
                cwd = """
                fake = "not a key"
                [not_a_table]
                """
                user = '''
                also = 'not a key'
                '''
                group = "g"
                """#
        )
        #expect(map.line(of: ["target", "0", "exec"]) == 2)
        #expect(map.line(of: ["target", "0", "cwd"]) == 7)
        #expect(map.line(of: ["target", "0", "user"]) == 11)
        #expect(map.line(of: ["target", "0", "group"]) == 14)
        #expect(map.line(of: ["target", "0", "fake"]) == 1)
        #expect(map.line(of: ["not_a_table"]) == nil)
        #expect(map.line(of: ["target", "0", "also"]) == 1)
    }

    @Test func countsWindowsLineEndings() {
        let map = ConfigSourceMap(text: "[daemon]\r\n\r\nlog_level = \"info\"\r\n")
        #expect(map.line(of: ["daemon", "log_level"]) == 3)
    }

    @Test func ignoresCommentsAndHashesInsideStrings() {
        let map = ConfigSourceMap(
            text: """
                # name = "commented out"
                [daemon] # the daemon
                log_target = "a # b" # trailing
                log_level = "debug"
                """
        )
        #expect(map.line(of: ["name"]) == nil)
        #expect(map.line(of: ["daemon"]) == 2)
        #expect(map.line(of: ["daemon", "log_target"]) == 3)
        #expect(map.line(of: ["daemon", "log_level"]) == 4)
    }
}
