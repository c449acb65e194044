import LXD

/// What the instance argument of a fan-out asks for, before any daemon is asked.
enum FanOutElement: Equatable {
    /// One instance, as written (`web1`, `prod:web1`).
    case name(String)
    /// A glob over a remote's instances, as written (`web-*`, `prod:web-*`).
    case glob(String)
    /// Every running instance of a remote (`--all`, or `--location` alone); the remote
    /// as written (`prod:`), nil for the default one.
    case all(remote: String?)

    /// The elements of `argument` (a node set, see `NodeSet`), or of `--all`.
    static func parse(_ argument: String?, all: Bool) throws(NodeSet.ParseError) -> [FanOutElement] {
        if all {
            guard let argument else { return [.all(remote: nil)] }
            guard argument.hasSuffix(":"), !argument.dropLast().contains(":"), argument.count > 1 else {
                throw NodeSet.ParseError("--all takes a remote (\"prod:\") or nothing, not \"\(argument)\"")
            }
            return [.all(remote: argument)]
        }
        guard let argument else { return [] }
        return try NodeSet.expand(argument).map { NameGlob.isGlob($0) ? .glob($0) : .name($0) }
    }
}

/// One instance to run the command on.
struct FanOutTarget: Equatable {
    /// How it is shown: as written, or `remote:` as written plus a name from a glob.
    var name: String
    var remote: String
    var instance: String
}

/// One line of the selection: an instance to run, or one that cannot be run (an
/// unknown name, a stopped instance, an unreachable remote, a glob that matched nothing).
enum FanOutEntry: Equatable {
    case run(FanOutTarget)
    case failed(name: String, FanOutOutcome)

    var name: String {
        switch self {
        case .run(let t): return t.name
        case .failed(let name, _): return name
        }
    }
}

/// Resolves elements against the config and, where needed, the instance lists
/// (`GET /1.0/instances?recursion=1`, in the client's project): globs, `--all`, and
/// every name when `--location` filters by cluster member. Plain names are not looked
/// up: the exec itself says when one is unknown or stopped.
func resolveSelection(_ elements: [FanOutElement], location: String?, clients: FanOutClients) -> [FanOutEntry] {
    var entries: [FanOutEntry] = []
    var seen: Set<String> = []
    func add(_ target: FanOutTarget) {
        if seen.insert(target.remote + ":" + target.instance).inserted { entries.append(.run(target)) }
    }
    func fail(_ name: String, _ failure: FanOutFailure, _ message: String) {
        if seen.insert("\u{0}" + name).inserted { entries.append(.failed(name: name, .failed(failure, message))) }
    }
    func onMember(_ s: InstanceSummary) -> Bool { location.map { s.location == $0 } ?? true }

    for element in elements {
        switch element {
        case .name(let written):
            let ref: InstanceReference
            do { ref = try clients.config.parseInstanceReference(written) } catch {
                fail(written, .failed, error.description)
                continue
            }
            let target = FanOutTarget(name: written, remote: ref.remote, instance: ref.instance)
            guard location != nil else {
                add(target)
                continue
            }
            switch clients.instances(ref.remote) {
            case .failure(let e):
                fail(written, e.failure, e.message)
            case .success(let list):
                guard let s = list.first(where: { $0.name == ref.instance }) else {
                    fail(written, .notFound, "Instance not found")
                    continue
                }
                guard onMember(s) else { continue }
                if s.isRunning { add(target) } else { fail(written, .notRunning, "Instance is not running") }
            }
        case .glob(let written):
            let ref: InstanceReference
            do { ref = try clients.config.parseInstanceReference(written) } catch {
                fail(written, .failed, error.description)
                continue
            }
            let prefix = written.contains(":") ? ref.remote + ":" : ""
            switch clients.instances(ref.remote) {
            case .failure(let e):
                fail(written, e.failure, e.message)
            case .success(let list):
                let glob = NameGlob(ref.instance)
                let matches = list.filter { glob.matches($0.name) && onMember($0) }
                if matches.isEmpty {
                    fail(written, .noMatch, "no instance matches \(ref.instance)" + (location.map { " on \($0)" } ?? ""))
                }
                for s in matches {
                    let name = prefix + s.name
                    if s.isRunning {
                        add(FanOutTarget(name: name, remote: ref.remote, instance: s.name))
                    } else {
                        fail(name, .notRunning, "Instance is not running")
                    }
                }
            }
        case .all(let written):
            let remote: String
            do { remote = try clients.config.parseRemoteReference(written ?? "") } catch {
                fail(written ?? "--all", .failed, error.description)
                continue
            }
            let label = written ?? remote + ":"
            switch clients.instances(remote) {
            case .failure(let e):
                fail(label, e.failure, e.message)
            case .success(let list):
                let running = list.filter { $0.isRunning && onMember($0) }
                if running.isEmpty {
                    fail(label, .noMatch, "no running instance" + (location.map { " on \($0)" } ?? ""))
                }
                for s in running {
                    add(FanOutTarget(name: (written ?? "") + s.name, remote: remote, instance: s.name))
                }
            }
        }
    }
    return entries
}
