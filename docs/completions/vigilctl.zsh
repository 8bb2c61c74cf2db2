#compdef vigilctl

__vigilctl_complete() {
    local -ar non_empty_completions=("${@:#(|:*)}")
    local -ar empty_completions=("${(M)@:#(|:*)}")
    _describe -V '' non_empty_completions -- empty_completions -P $'\'\''
}

__vigilctl_custom_complete() {
    local -a completions
    completions=("${(@f)"$("${command_name}" "${@}" "${command_line[@]}")"}")
    if [[ "${#completions[@]}" -gt 1 ]]; then
        __vigilctl_complete "${completions[@]:0:-1}"
    fi
}

__vigilctl_cursor_index_in_current_word() {
    if [[ -z "${QIPREFIX}${IPREFIX}${PREFIX}" ]]; then
        printf 0
    else
        printf %s "${#${(z)LBUFFER}[-1]}"
    fi
}

_vigilctl() {
    emulate -RL zsh -G
    setopt extendedglob nullglob numericglobsort
    unsetopt aliases banghist

    local -xr SAP_SHELL=zsh
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(builtin emulate zsh -c 'printf %s "${ZSH_VERSION}"')"
    local -r SAP_SHELL_VERSION

    local context state state_descr line
    local -A opt_args

    local -r command_name="${words[1]}"
    local -ar command_line=("${words[@]}")
    local -ir current_word_index="$((CURRENT - 1))"

    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'status:Show vigild and every target: state, health, pid, restarts, uptime, last event.'
            'events:Show recent events (oldest first), optionally for one target, and follow new ones.'
            'restart:Restart a target (stop it, then start it again).'
            'stop:Stop a target and keep it stopped until '\''start'\''.'
            'start:Start a stopped or failed target.'
            'reset-failed:Forget a target'\''s failure and restart count, so recovery starts afresh.'
            'maintenance:Turn maintenance mode on or off, for one target or (without TARGET) the whole host.'
            'failover:Fail a service over to a standby now: fence the active target, confirm it dead, promote a standby.'
            'cluster:Show the cluster (nodes, leases, resources, owners, tokens, placer) and drain or move resources.'
            'reload:Reload vigild'\''s configuration file; a configuration with problems changes nothing.'
            'report:Reliability figures per target: failures, detection rate, MTTD, MTTR, availability.'
            'check-config:Validate a configuration file: every problem and exit 1, or a summary and exit 0.'
            'heartbeat:Send authenticated heartbeats (protocol v1) for a target, or generate a key.'
            'detector-eval:Measure the heartbeat detectors on a trace: detection time, false convictions, accuracy.'
            'help:Show subcommand help information.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        status|events|restart|stop|start|reset-failed|maintenance|failover|cluster|reload|report|check-config|heartbeat|detector-eval|help)
            "_vigilctl_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_vigilctl_status() {
    local -i ret=1
    local -ar arg_specs=(
        '--socket[vigild'\''s control socket (default\: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).]:PATH:'
        '--json[Print vigild'\''s status as JSON (sorted keys).]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_vigilctl_events() {
    local -i ret=1
    local -ar arg_specs=(
        '--socket[vigild'\''s control socket (default\: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).]:PATH:'
        '--target[Only events about this target.]:target:'
        '--limit[At most this many recent events (vigild'\''s default when omitted).]:limit:'
        '--follow[Keep running and print each new event as it happens.]'
        '--json[Print each event as one JSON object per line.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_vigilctl_restart() {
    local -i ret=1
    local -ar arg_specs=(
        '--socket[vigild'\''s control socket (default\: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).]:PATH:'
        ':target:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_vigilctl_stop() {
    local -i ret=1
    local -ar arg_specs=(
        '--socket[vigild'\''s control socket (default\: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).]:PATH:'
        ':target:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_vigilctl_start() {
    local -i ret=1
    local -ar arg_specs=(
        '--socket[vigild'\''s control socket (default\: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).]:PATH:'
        ':target:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_vigilctl_reset-failed() {
    local -i ret=1
    local -ar arg_specs=(
        '--socket[vigild'\''s control socket (default\: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).]:PATH:'
        ':target:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_vigilctl_maintenance() {
    local -i ret=1
    local -ar _mode=('on' 'off')
    local -ar arg_specs=(
        '--socket[vigild'\''s control socket (default\: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).]:PATH:'
        ':mode:{__vigilctl_complete "${_mode[@]}"}'
        ':target:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_vigilctl_failover() {
    local -i ret=1
    local -ar arg_specs=(
        '--socket[vigild'\''s control socket (default\: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).]:PATH:'
        ':target:'
        '--to[The standby to promote.]:to:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_vigilctl_cluster() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'status:Show the nodes with their leases and figures, the resources with owners, fencing tokens and assignments, pending moves and the placer.'
            'drain:Drain a node: it takes no new resources, and the placer moves its resources away one at a time.'
            'undrain:Undrain a node: it may be given resources again (nothing moves back by itself).'
            'move:Move a cluster resource to NODE, or to the best other node by its placement strategy.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        status|drain|undrain|move)
            "_vigilctl_cluster_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_vigilctl_cluster_status() {
    local -i ret=1
    local -ar arg_specs=(
        '--socket[vigild'\''s control socket (default\: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).]:PATH:'
        '--json[Print the cluster as JSON (sorted keys).]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_vigilctl_cluster_drain() {
    local -i ret=1
    local -ar arg_specs=(
        '--socket[vigild'\''s control socket (default\: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).]:PATH:'
        ':node:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_vigilctl_cluster_undrain() {
    local -i ret=1
    local -ar arg_specs=(
        '--socket[vigild'\''s control socket (default\: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).]:PATH:'
        ':node:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_vigilctl_cluster_move() {
    local -i ret=1
    local -ar arg_specs=(
        '--socket[vigild'\''s control socket (default\: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).]:PATH:'
        ':resource:'
        ':node:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_vigilctl_reload() {
    local -i ret=1
    local -ar arg_specs=(
        '--socket[vigild'\''s control socket (default\: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).]:PATH:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_vigilctl_report() {
    local -i ret=1
    local -ar arg_specs=(
        '--since[Only the last DURATION, e.g. 1h or 30m.]:DURATION:'
        '--json[Print JSON.]'
        '--socket[vigild'\''s control socket (default\: $VIGIL_CONTROL_SOCKET, else /run/vigil/control.sock).]:PATH:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_vigilctl_check-config() {
    local -i ret=1
    local -ar arg_specs=(
        ':FILE:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_vigilctl_heartbeat() {
    local -i ret=1
    local -ar arg_specs=(
        '--target[The target, as named in vigild'\''s configuration.]:target:'
        '--key-file[File with the target'\''s key in hex, mode 0600.]:file:'
        '--interval[Time between heartbeats, e.g. 200ms or 1s.]:duration:'
        '--to[udp\://HOST\:PORT, udp\://\[IPV6\]\:PORT or unix\:/PATH.]:address:'
        '--count[Stop after this many heartbeats.]:count:'
        '--incarnation[Incarnation number (default\: CLOCK_REALTIME in ns now, so every start is larger).]:incarnation:'
        '--generate-key[Print a new random key (64 hex digits) and exit.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_vigilctl_detector-eval() {
    local -i ret=1
    local -ar arg_specs=(
        '--trace[A trace file (CSV, see docs/heartbeat-trace.md).]:FILE:'
        '--generate[Generate traces instead of reading one.]'
        '--interval[The sender'\''s interval (generated traces, or a file without '\''# interval='\'').]:interval:'
        '--jitter[Gaussian arrival jitter σ.]:jitter:'
        '--loss[Independent loss probability per heartbeat.]:loss:'
        '--burst-loss[Gilbert–Elliott bursty loss\: P(enter bad), P(leave bad).]:P,R:'
        '--pareto[Pareto extra delay\: scale, shape (e.g. 5ms,2.5).]:SCALE,SHAPE:'
        '--spikes[Rare delay spikes\: probability per heartbeat, least and most extra delay (e.g. 0.002,150ms,400ms).]:P,MIN,MAX:'
        '--drift[A slowly changing link\: jitter, spikes and loss scaled from 1 to PEAK and back every PERIOD.]:PERIOD,PEAK:'
        '*--pause[A sender pause\: start and length (e.g. 5m\:2s).]:START\:LENGTH:'
        '--duration[Trace length.]:duration:'
        '--crash-at[When the sender crashes; none if omitted.]:crash-at:'
        '--seed[First seed.]:seed:'
        '--seeds[Number of generated traces (seeds).]:seeds:'
        '--print-trace[Print the (first) generated trace as CSV and exit.]'
        '--detectors[Detectors to measure.]:KIND,…:'
        '--phi[φ thresholds.]:T,…:'
        '--chen[chen thresholds (α / interval).]:T,…:'
        '--fixed[fixed thresholds (intervals of silence).]:T,…:'
        '--loss-levels[loss thresholds (−log₁₀ P(silence | alive)).]:T,…:'
        '--window[Inter-arrival samples kept (phi, chen).]:window:'
        '--min-std[φ'\''s floor for the standard deviation (default interval/10).]:min-std:'
        '--acceptable-pause[φ'\''s acceptable pause.]:acceptable-pause:'
        '--sweep[Sweep each detector'\''s threshold range instead of the given thresholds.]'
        '--points[Thresholds per detector in a sweep.]:points:'
        '--wide[Sweep wider ranges, spaced geometrically (for lossy links, where thresholds reach many intervals).]'
        '--equal-detection[Per detector, the threshold with the largest median detection time not above this.]:DURATION:'
        '--equal-mistakes[Per detector, the lowest threshold from which on there are at most N false convictions (all seeds).]:N:'
        '*--qos[Also replay the loss detector configured by quality of service (the threshold shown is the last derived).]:WITHIN,RATE:'
        '--format[markdown or csv.]:format:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_vigilctl_help() {
    local -i ret=1
    local -ar arg_specs=(
        '*:subcommands:'
        '--version[Show the version.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

if [[ "${funcstack[1]}" = _vigilctl ]]; then
    _vigilctl "${@}"
else
    compdef _vigilctl vigilctl
fi
