function __vigilctl_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __vigilctl_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __vigilctl_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __vigilctl_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __vigilctl_parse_tokens -S
    set -l unparsed_tokens (__vigilctl_tokens -pc)
    switch $unparsed_tokens[1]
    case 'vigilctl'
        __vigilctl_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'status'
            __vigilctl_parse_subcommand 0 'socket=' 'json' 'version' 'h/help'
        case 'events'
            __vigilctl_parse_subcommand 0 'socket=' 'target=' 'limit=' 'follow' 'json' 'version' 'h/help'
        case 'restart'
            __vigilctl_parse_subcommand 1 'socket=' 'version' 'h/help'
        case 'stop'
            __vigilctl_parse_subcommand 1 'socket=' 'version' 'h/help'
        case 'start'
            __vigilctl_parse_subcommand 1 'socket=' 'version' 'h/help'
        case 'reset-failed'
            __vigilctl_parse_subcommand 1 'socket=' 'version' 'h/help'
        case 'maintenance'
            __vigilctl_parse_subcommand 2 'socket=' 'version' 'h/help'
        case 'failover'
            __vigilctl_parse_subcommand 1 'socket=' 'to=' 'version' 'h/help'
        case 'cluster'
            __vigilctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'status'
                __vigilctl_parse_subcommand 0 'socket=' 'json' 'version' 'h/help'
            case 'drain'
                __vigilctl_parse_subcommand 1 'socket=' 'version' 'h/help'
            case 'undrain'
                __vigilctl_parse_subcommand 1 'socket=' 'version' 'h/help'
            case 'move'
                __vigilctl_parse_subcommand 2 'socket=' 'version' 'h/help'
            end
        case 'reload'
            __vigilctl_parse_subcommand 0 'socket=' 'version' 'h/help'
        case 'report'
            __vigilctl_parse_subcommand 0 'since=' 'json' 'socket=' 'version' 'h/help'
        case 'check-config'
            __vigilctl_parse_subcommand 1 'version' 'h/help'
        case 'heartbeat'
            __vigilctl_parse_subcommand 0 'target=' 'key-file=' 'interval=' 'to=' 'count=' 'incarnation=' 'generate-key' 'version' 'h/help'
        case 'detector-eval'
            __vigilctl_parse_subcommand 0 'trace=' 'generate' 'interval=' 'jitter=' 'loss=' 'burst-loss=' 'pareto=' 'spikes=' 'drift=' 'pause=+' 'duration=' 'crash-at=' 'seed=' 'seeds=' 'print-trace' 'detectors=' 'phi=' 'chen=' 'fixed=' 'loss-levels=' 'window=' 'min-std=' 'acceptable-pause=' 'sweep' 'points=' 'wide' 'equal-detection=' 'equal-mistakes=' 'qos=+' 'format=' 'version' 'h/help'
        case 'help'
            __vigilctl_parse_subcommand -r 1 'version'
        end
    end
end

function __vigilctl_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __vigilctl_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __vigilctl_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __vigilctl_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__vigilctl_tokens -p)
    if test -z "$(__vigilctl_tokens -t)"
        set -l index (count (__vigilctl_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'vigilctl' -f
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl" -eq 1' -fa 'status' -d 'Show vigild and every target: state, health, pid, restarts, uptime, last event.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl" -eq 1' -fa 'events' -d 'Show recent events (oldest first), optionally for one target, and follow new ones.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl" -eq 1' -fa 'restart' -d 'Restart a target (stop it, then start it again).'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl" -eq 1' -fa 'stop' -d 'Stop a target and keep it stopped until \'start\'.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl" -eq 1' -fa 'start' -d 'Start a stopped or failed target.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl" -eq 1' -fa 'reset-failed' -d 'Forget a target\'s failure and restart count, so recovery starts afresh.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl" -eq 1' -fa 'maintenance' -d 'Turn maintenance mode on or off, for one target or (without TARGET) the whole host.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl" -eq 1' -fa 'failover' -d 'Fail a service over to a standby now: fence the active target, confirm it dead, promote a standby.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl" -eq 1' -fa 'cluster' -d 'Show the cluster (nodes, leases, resources, owners, tokens, placer) and drain or move resources.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl" -eq 1' -fa 'reload' -d 'Reload vigild\'s configuration file; a configuration with problems changes nothing.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl" -eq 1' -fa 'report' -d 'Reliability figures per target: failures, detection rate, MTTD, MTTR, availability.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl" -eq 1' -fa 'check-config' -d 'Validate a configuration file: every problem and exit 1, or a summary and exit 0.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl" -eq 1' -fa 'heartbeat' -d 'Send authenticated heartbeats (protocol v1) for a target, or generate a key.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl" -eq 1' -fa 'detector-eval' -d 'Measure the heartbeat detectors on a trace: detection time, false convictions, accuracy.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl status" socket' -l 'socket' -d 'vigild\'s control socket (default: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl status" json' -l 'json' -d 'Print vigild\'s status as JSON (sorted keys).'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl status" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl events" socket' -l 'socket' -d 'vigild\'s control socket (default: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl events" target' -l 'target' -d 'Only events about this target.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl events" limit' -l 'limit' -d 'At most this many recent events (vigild\'s default when omitted).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl events" follow' -l 'follow' -d 'Keep running and print each new event as it happens.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl events" json' -l 'json' -d 'Print each event as one JSON object per line.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl events" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl events" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl restart" socket' -l 'socket' -d 'vigild\'s control socket (default: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl restart" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl restart" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl stop" socket' -l 'socket' -d 'vigild\'s control socket (default: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl stop" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl stop" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl start" socket' -l 'socket' -d 'vigild\'s control socket (default: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl start" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl start" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl reset-failed" socket' -l 'socket' -d 'vigild\'s control socket (default: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl reset-failed" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl reset-failed" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl maintenance" socket' -l 'socket' -d 'vigild\'s control socket (default: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl maintenance" -eq 1' -fka 'on off'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl maintenance" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl maintenance" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl failover" socket' -l 'socket' -d 'vigild\'s control socket (default: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl failover" to' -l 'to' -d 'The standby to promote.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl failover" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl failover" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl cluster" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl cluster" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl cluster" -eq 1' -fa 'status' -d 'Show the nodes with their leases and figures, the resources with owners, fencing tokens and assignments, pending moves and the placer.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl cluster" -eq 1' -fa 'drain' -d 'Drain a node: it takes no new resources, and the placer moves its resources away one at a time.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl cluster" -eq 1' -fa 'undrain' -d 'Undrain a node: it may be given resources again (nothing moves back by itself).'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_positional "vigilctl cluster" -eq 1' -fa 'move' -d 'Move a cluster resource to NODE, or to the best other node by its placement strategy.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl cluster status" socket' -l 'socket' -d 'vigild\'s control socket (default: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl cluster status" json' -l 'json' -d 'Print the cluster as JSON (sorted keys).'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl cluster status" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl cluster status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl cluster drain" socket' -l 'socket' -d 'vigild\'s control socket (default: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl cluster drain" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl cluster drain" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl cluster undrain" socket' -l 'socket' -d 'vigild\'s control socket (default: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl cluster undrain" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl cluster undrain" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl cluster move" socket' -l 'socket' -d 'vigild\'s control socket (default: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl cluster move" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl cluster move" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl reload" socket' -l 'socket' -d 'vigild\'s control socket (default: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl reload" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl reload" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl report" since' -l 'since' -d 'Only the last DURATION, e.g. 1h or 30m.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl report" json' -l 'json' -d 'Print JSON.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl report" socket' -l 'socket' -d 'vigild\'s control socket (default: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl report" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl report" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl check-config" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl check-config" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl heartbeat" target' -l 'target' -d 'The target, as named in vigild\'s configuration.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl heartbeat" key-file' -l 'key-file' -d 'File with the target\'s key in hex, mode 0600.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl heartbeat" interval' -l 'interval' -d 'Time between heartbeats, e.g. 200ms or 1s.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl heartbeat" to' -l 'to' -d 'udp://HOST:PORT, udp://[IPV6]:PORT or unix:/PATH.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl heartbeat" count' -l 'count' -d 'Stop after this many heartbeats.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl heartbeat" incarnation' -l 'incarnation' -d 'Incarnation number (default: CLOCK_REALTIME in ns now, so every start is larger).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl heartbeat" generate-key' -l 'generate-key' -d 'Print a new random key (64 hex digits) and exit.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl heartbeat" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl heartbeat" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" trace' -l 'trace' -d 'A trace file (CSV, see docs/heartbeat-trace.md).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" generate' -l 'generate' -d 'Generate traces instead of reading one.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" interval' -l 'interval' -d 'The sender\'s interval (generated traces, or a file without \'# interval=\').' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" jitter' -l 'jitter' -d 'Gaussian arrival jitter σ.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" loss' -l 'loss' -d 'Independent loss probability per heartbeat.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" burst-loss' -l 'burst-loss' -d 'Gilbert–Elliott bursty loss: P(enter bad), P(leave bad).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" pareto' -l 'pareto' -d 'Pareto extra delay: scale, shape (e.g. 5ms,2.5).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" spikes' -l 'spikes' -d 'Rare delay spikes: probability per heartbeat, least and most extra delay (e.g. 0.002,150ms,400ms).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" drift' -l 'drift' -d 'A slowly changing link: jitter, spikes and loss scaled from 1 to PEAK and back every PERIOD.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval"' -l 'pause' -d 'A sender pause: start and length (e.g. 5m:2s).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" duration' -l 'duration' -d 'Trace length.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" crash-at' -l 'crash-at' -d 'When the sender crashes; none if omitted.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" seed' -l 'seed' -d 'First seed.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" seeds' -l 'seeds' -d 'Number of generated traces (seeds).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" print-trace' -l 'print-trace' -d 'Print the (first) generated trace as CSV and exit.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" detectors' -l 'detectors' -d 'Detectors to measure.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" phi' -l 'phi' -d 'φ thresholds.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" chen' -l 'chen' -d 'chen thresholds (α / interval).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" fixed' -l 'fixed' -d 'fixed thresholds (intervals of silence).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" loss-levels' -l 'loss-levels' -d 'loss thresholds (−log₁₀ P(silence | alive)).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" window' -l 'window' -d 'Inter-arrival samples kept (phi, chen).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" min-std' -l 'min-std' -d 'φ\'s floor for the standard deviation (default interval/10).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" acceptable-pause' -l 'acceptable-pause' -d 'φ\'s acceptable pause.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" sweep' -l 'sweep' -d 'Sweep each detector\'s threshold range instead of the given thresholds.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" points' -l 'points' -d 'Thresholds per detector in a sweep.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" wide' -l 'wide' -d 'Sweep wider ranges, spaced geometrically (for lossy links, where thresholds reach many intervals).'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" equal-detection' -l 'equal-detection' -d 'Per detector, the threshold with the largest median detection time not above this.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" equal-mistakes' -l 'equal-mistakes' -d 'Per detector, the lowest threshold from which on there are at most N false convictions (all seeds).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval"' -l 'qos' -d 'Also replay the loss detector configured by quality of service (the threshold shown is the last derived).' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" format' -l 'format' -d 'markdown or csv.' -rfka ''
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" version' -l 'version' -d 'Show the version.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl detector-eval" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vigilctl' -n '__vigilctl_should_offer_completions_for_flags_or_options "vigilctl help" version' -l 'version' -d 'Show the version.'
