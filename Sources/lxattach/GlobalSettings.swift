import Glibc
import LXD

/// The options every command takes, as plain values: what `GlobalOptions` parses, and
/// what exec's hand-written fast path (`ExecFastPath`) fills in without
/// swift-argument-parser. Loading the configuration and making clients lives here.
struct GlobalSettings {
    /// `--debug`: the HTTP exchange on stderr, secrets redacted.
    var debug = false
    /// `--project`: instead of the remote's.
    var project: String?
    /// `--incus`: act as the Incus client.
    var incus = false

    /// Loads lxc's configuration (and checks lxattach's own variables first: every
    /// command goes through here).
    func loadConfig() throws -> (LXCConfig, ClientEnvironment) {
        _ = try Self.checkedSeconds("LXATTACH_TIMEOUT")
        _ = try Self.checkedSeconds("LXATTACH_KEEPALIVE")
        do {
            var environment = ClientEnvironment.current(flavor: .lxd)
            environment.flavor = try ClientFlavor.select(explicit: incus ? .incus : nil,
                                                         environment: environment.variables,
                                                         executableName: CommandLine.arguments.first)
            let loaded = try ConfigLoader(environment: environment).load()
            return (loaded.config, environment)
        } catch {
            throw Failure(error)
        }
    }

    /// `LXATTACH_TIMEOUT=S`: connecting and each REST request give up after S seconds
    /// (default: 10 s to connect, 30 s per request, 17 s for the POST starting an exec).
    static var timeouts: LXDTimeouts {
        var t = LXDTimeouts()
        if let s = seconds(fromEnvironment: "LXATTACH_TIMEOUT") {
            t.connect = s
            t.request = s
            t.execStart = s
        }
        return t
    }

    /// `LXATTACH_KEEPALIVE=S`: when every socket of a session has been silent for S
    /// seconds, ping the daemon and give up if nothing arrives within S/2 more (default
    /// 30 s; LXD 5.0 itself pings every 10 s, so a live daemon is never probed).
    static var sessionConfiguration: ExecSessionMachine.Configuration {
        var c = ExecSessionMachine.Configuration()
        if let s = seconds(fromEnvironment: "LXATTACH_KEEPALIVE") {
            c.probeAfter = s
            c.probeTimeout = max(1, s / 2)
        }
        return c
    }

    /// A valid value of `name` (see `checkedSeconds`; loadConfig has refused invalid ones).
    static func seconds(fromEnvironment name: String) -> Double? {
        (try? checkedSeconds(name)) ?? nil
    }

    /// The variable `name` as seconds: nil when unset or empty; a number > 0, else a
    /// `Failure` that names the variable and the value.
    static func checkedSeconds(_ name: String) throws -> Double? {
        guard let raw = getenv(name) else { return nil }
        let text = String(cString: raw)
        if text.isEmpty { return nil }
        guard let value = Double(text), value > 0, value.isFinite, value <= 1e9 else {
            throw Failure("invalid \(name)=\(text): expected a number of seconds greater than 0")
        }
        return value
    }

    /// The cluster router of `client`: execs go straight to the instance's member
    /// (routes kept in the cache folder), unless `LXATTACH_CLUSTER_DIRECT=0`.
    /// `LXATTACH_CLUSTER_ADDRESS_MAP=HOST:PORT=HOST:PORT,…` dials a member elsewhere (a
    /// measuring hook: Scripts/bench-wan's delay proxies).
    static func router(for client: LXDClient, environment: ClientEnvironment) throws -> ClusterRouter {
        let off = getenv("LXATTACH_CLUSTER_DIRECT").map { String(cString: $0) == "0" } ?? false
        var map: [String: String] = [:]
        if let raw = getenv("LXATTACH_CLUSTER_ADDRESS_MAP") {
            let text = String(cString: raw)
            for entry in text.split(separator: ",") {
                let pair = entry.split(separator: "=", omittingEmptySubsequences: false)
                guard pair.count == 2, pair.allSatisfy({ $0.contains(":") }) else {
                    throw Failure("invalid LXATTACH_CLUSTER_ADDRESS_MAP=\(text): expected HOST:PORT=HOST:PORT,…")
                }
                map[String(pair[0])] = String(pair[1])
            }
        }
        return ClusterRouter(client: client, cacheDirectory: environment.cacheDirectory, enabled: !off, addressMap: map)
    }

    /// A client for `remote`.
    /// `[remote:]instance` as written → the instance's name and a client for its remote.
    func client(forInstance written: String) throws -> (client: LXDClient, instance: String) {
        let (client, reference, _) = try routedClient(forInstance: written)
        return (client, reference.instance)
    }

    /// `client(forInstance:)` with the instance's reference (its remote's name: a
    /// recording's title) and the remote's cluster router.
    func routedClient(forInstance written: String) throws -> (client: LXDClient, reference: InstanceReference, router: ClusterRouter) {
        let (config, environment) = try loadConfig()
        let reference: InstanceReference
        do { reference = try config.parseInstanceReference(written) } catch { throw Failure(error) }
        let client = try client(remote: reference.remote, config: config, environment: environment)
        return (client, reference, try Self.router(for: client, environment: environment))
    }

    /// `[remote:]` as written (nil: the default remote) → a client for it.
    func client(forRemote written: String?) throws -> LXDClient {
        let (config, environment) = try loadConfig()
        let name: String
        do { name = try config.parseRemoteReference(written ?? "") } catch { throw Failure(error) }
        return try client(remote: name, config: config, environment: environment)
    }

    func client(remote: String, config: LXCConfig, environment: ClientEnvironment) throws -> LXDClient {
        do {
            let resolved = try config.resolve(remote: remote, in: environment)
            if let key = resolved.clientKeyPath, let warning = KeyFilePermissions.warning(forKeyAt: key) { Output.err(warning + "\n") }
            let client = debug ? LXDClient(remote: resolved, project: project, logger: DebugLogHandler.logger)
                : LXDClient(remote: resolved, project: project)
            client.timeouts = Self.timeouts
            client.sessionDirectory = environment.cacheDirectory
            return client
        } catch {
            throw Failure(error)
        }
    }
}
