import Dispatch
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Reads a configuration file, validates it (`ConfigParser`) and resolves it against this host: executables
/// found and executable, working directories present, users and groups known, watched cgroups named as cgroups
/// (`HostTargetCheck`). Every problem is reported, each with the file, line and key it is about; what may work later
/// (a cgroup that does not exist yet) is a warning in `LoadedConfig.warnings`.
public enum ConfigLoader {
    /// The search path used when neither the target nor vigild has `PATH`.
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Loads and resolves `path`.
    /// - Parameters:
    ///   - path: the configuration file.
    ///   - environment: the environment targets inherit (vigild's own by default); systemd's per-service variables
    ///     (`NOTIFY_SOCKET`, `WATCHDOG_*`, `LISTEN_*`) are never passed on.
    /// - Throws: `ConfigError` with every problem found.
    public static func load(
        path: String,
        environment: [String: String] = ProcessEnvironment.current()
    ) throws(ConfigError) -> LoadedConfig {
        let text: String
        do {
            text = try FileText.read(path)
        } catch {
            throw ConfigError(file: path, problems: [ConfigProblem(line: nil, key: "file", message: error.description)])
        }
        // Problems of the text and of the host are reported together: the host checks run on what did parse.
        let parsed = ConfigParser.parseAll(text)
        var inherited = environment
        for name in Notifier.inheritedVariablesToDrop {
            inherited[name] = nil
        }
        var problems = parsed.problems
        var config = parsed.config
        var host = HostTargetCheck()
        for (position, index) in zip(config.targets.indices, parsed.entries) {
            host.check(&config.targets[position], index: index, map: parsed.sourceMap)
        }
        problems += host.problems
        var launches: [String: LaunchSpec] = [:]
        for (target, index) in zip(config.targets, parsed.entries) {
            var resolver = TargetResolver(
                target: target,
                index: index,
                map: parsed.sourceMap,
                inherited: inherited,
                daemon: parsed.config.daemon
            )
            if let launch = resolver.resolve() {
                launches[target.name] = launch
            }
            problems += resolver.problems
            problems += actuatorProblems(target, index: index, map: parsed.sourceMap)
            problems += domainProblems(target, index: index, map: parsed.sourceMap, inherited: inherited)
        }
        var endpoints: [HeartbeatEndpoint] = []
        var daemonWarnings: [ConfigProblem] = []
        let listenLine = parsed.sourceMap.line(of: ["daemon", "heartbeat_listen"])
        for text in parsed.config.daemon.effectiveHeartbeatListen(targets: parsed.config.targets) {
            do {
                let endpoint = try HeartbeatEndpoint(parsing: text)
                endpoints.append(endpoint)
                if let problem = DaemonHostCheck.problem(endpoint) {
                    daemonWarnings.append(
                        ConfigProblem(line: listenLine, key: "daemon.heartbeat_listen", message: problem)
                    )
                }
            } catch {
                problems.append(ConfigProblem(line: listenLine, key: "daemon.heartbeat_listen", message: "\(error)"))
            }
        }
        let daemonSettings = parsed.config.daemon
        if let listen = daemonSettings.metricsListen, let problem = DaemonHostCheck.problem(metricsListen: listen) {
            let line = parsed.sourceMap.line(of: ["daemon", "metrics_listen"])
            daemonWarnings.append(ConfigProblem(line: line, key: "daemon.metrics_listen", message: problem))
        }
        if let path = daemonSettings.metricsTextfile, let problem = DaemonHostCheck.problem(metricsTextfile: path) {
            let line = parsed.sourceMap.line(of: ["daemon", "metrics_textfile"])
            daemonWarnings.append(ConfigProblem(line: line, key: "daemon.metrics_textfile", message: problem))
        }
        var keys: [String: [UInt8]] = [:]
        for (target, index) in zip(parsed.config.targets, parsed.entries) {
            guard let keyFile = target.heartbeat?.keyFile else { continue }
            do {
                keys[target.name] = try HeartbeatKey.load(path: keyFile).withUnsafeBytes { Array($0) }
            } catch {
                let line = parsed.sourceMap.line(of: ["target", String(index), "heartbeat", "key_file"])
                let key = "target[\(target.name)].heartbeat.key_file"
                problems.append(ConfigProblem(line: line, key: key, message: "\(error)"))
            }
        }
        var access = ControlAccess()
        let daemon = parsed.config.daemon
        for (key, name) in [
            ("control_admin_group", daemon.controlAdminGroup), ("control_read_group", daemon.controlReadGroup),
        ] {
            guard let name else { continue }
            guard let gid = UserDatabase.group(name) else {
                let line = parsed.sourceMap.line(of: ["daemon", key])
                problems.append(ConfigProblem(line: line, key: "daemon.\(key)", message: "unknown group \"\(name)\""))
                continue
            }
            if key == "control_admin_group" {
                access.adminGroup = (name, gid)
            } else {
                access.readGroup = (name, gid)
            }
        }
        let warnings = ConfigProblem.inLineOrder(host.warnings + daemonWarnings)
        guard problems.isEmpty else {
            throw ConfigError(file: path, problems: ConfigProblem.inLineOrder(problems), warnings: warnings)
        }
        return LoadedConfig(
            file: path,
            config: config,
            launches: launches,
            heartbeatEndpoints: endpoints,
            heartbeatKeys: keys,
            controlAccess: access,
            warnings: warnings
        )
    }

    /// A domain target is started, stopped and watched through `virsh`: without it the target could do nothing.
    private static func domainProblems(
        _ target: TargetConfig,
        index: Int,
        map: ConfigSourceMap,
        inherited: [String: String]
    ) -> [ConfigProblem] {
        guard target.domain != nil else { return [] }
        // The engine looks it up in the same PATH (ActuatorContext.searchPath, vigild's environment).
        let searchPath = inherited["PATH"] ?? defaultPath
        guard HookCommand.resolve("virsh", path: searchPath) == nil else { return [] }
        let path = ["target", String(index), "domain"]
        let message =
            "virsh not found in PATH (\(searchPath)): a domain target is started, stopped and watched through virsh; "
            + "install libvirt-clients"
        return [ConfigProblem(line: map.line(of: path), key: "target[\(target.name)].domain", message: message)]
    }

    /// Builds a target's chosen actuator once, as the engine will, so its settings are checked at load time.
    private static func actuatorProblems(_ target: TargetConfig, index: Int, map: ConfigSourceMap) -> [ConfigProblem] {
        guard target.actuator != nil else { return [] }
        let context = ActuatorContext(completionQueue: DispatchQueue(label: "vigil.config-check"))
        do {
            _ = try ActuatorRegistry.standard.make(for: target, context: context)
            return []
        } catch {
            let path = ["target", String(index), "actuator"]
            let line = map.line(of: path + [error.key]) ?? map.line(of: path)
            return [
                ConfigProblem(line: line, key: "target[\(target.name)].actuator.\(error.key)", message: error.message)
            ]
        }
    }
}
