import Foundation
import LXD

/// The environment an in-process library test loads its config with: this process's,
/// with the test bed's config folder and the fresh HOME/XDG_CACHE_HOME every child gets
/// (IsolatedHome), so the config cache is never written to the caller's ~/.cache.
func libraryEnvironment(conf: String = Testbed.conf, _ changes: [String: String?] = [:]) -> ClientEnvironment {
    var variables = ProcessInfo.processInfo.environment
    for (key, value) in IsolatedHome.variables { variables[key] = value }
    variables["LXD_CONF"] = conf
    for (key, value) in changes { variables[key] = value }
    return ClientEnvironment(flavor: .lxd, variables: variables,
                             fileExists: { FileManager.default.fileExists(atPath: $0) })
}

/// The test bed's `remote` (of conf/) as the library resolves it: what LibraryTests,
/// ExecEventLoopTests and AsyncLibraryTests build their clients from.
func libraryRemote(_ remote: String = "local") throws -> ResolvedRemote {
    let environment = libraryEnvironment()
    var loader = ConfigLoader(environment: environment)
    loader.readerPath = try Built.lxattachConfig()
    return try loader.load().config.resolve(remote: remote, in: environment)
}
